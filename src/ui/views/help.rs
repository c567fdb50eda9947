//! Help: the key table and the `:` commands, read from the same tables that dispatch them.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::keymap;
use crate::app::state::Model;
use crate::ui::theme::{Slot, Theme};

pub fn render(_m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let keys = keymap::help_lines();
    let commands: Vec<(String, String)> = keymap::commands()
        .into_iter()
        .map(|c| {
            let names: Vec<String> = c.names.iter().map(|n| format!(":{n}")).collect();
            (format!("{}{}", names.join(" "), c.args), c.description)
        })
        .collect();
    // The key column is as wide as its longest entry, so keys never run into their text.
    let w = keys.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0) + 1;
    let mut lines: Vec<Line> = keys
        .iter()
        .map(|(k, d)| {
            Line::from(vec![
                Span::styled(format!(" {k:<w$}"), theme.style(Slot::Accent)),
                Span::styled(d.to_string(), theme.style(Slot::Text)),
            ])
        })
        .collect();
    lines.push(Line::from(""));
    let cw = commands.iter().map(|(c, _)| c.chars().count()).max().unwrap_or(0) + 1;
    for (c, d) in &commands {
        lines.push(Line::from(vec![
            Span::styled(format!(" {c:<cw$}"), theme.style(Slot::Accent)),
            Span::styled(d.clone(), theme.style(Slot::Text)),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        " Values: — missing · ~ estimate · ? limit unread · STOPPED replication off · grey = stale",
        theme.style(Slot::Muted),
    )));
    let inner = crate::ui::popup(
        theme,
        area,
        100,
        lines.len() as u16 + 2,
        "Keys and commands (Esc or ? closes)",
        buf,
    );
    Paragraph::new(lines).render(inner, buf);
}
