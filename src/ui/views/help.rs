//! Help: the key table, read from the same keymap that dispatches keys.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::keymap::KEYMAP;
use crate::app::state::Model;
use crate::ui::theme::{Slot, Theme};

pub fn render(_m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let mut lines: Vec<Line> = Vec::new();
    // Bindings that share an action and description are listed on one line ("j / Down").
    let mut seen: Vec<(&str, String)> = Vec::new();
    for b in KEYMAP {
        if let Some(entry) = seen.iter_mut().find(|(d, _)| *d == b.description) {
            entry.1.push_str(&format!(" / {}", b.label));
        } else {
            seen.push((b.description, b.label.to_string()));
        }
    }
    // The key column is as wide as its longest entry, so keys never run into their text.
    let w = seen.iter().map(|(_, k)| k.chars().count()).max().unwrap_or(0) + 1;
    for (desc, keys) in &seen {
        lines.push(Line::from(vec![
            Span::styled(format!(" {keys:<w$}"), theme.style(Slot::Accent)),
            Span::styled(desc.to_string(), theme.style(Slot::Text)),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        " Values: — missing · ~ estimate · STOPPED replication off · grey = stale",
        theme.style(Slot::Muted),
    )));
    let inner = crate::ui::popup(theme, area, 92, lines.len() as u16 + 2, "Keys (Esc or ? closes)", buf);
    Paragraph::new(lines).render(inner, buf);
}
