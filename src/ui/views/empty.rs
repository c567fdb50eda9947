//! Designed empty and loading states: say what is happening and what to do, never a blank.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::state::Model;
use crate::domain::format;
use crate::ui::theme::{Slot, Theme};

fn centered(lines: Vec<Line<'static>>, area: Rect, buf: &mut Buffer) {
    let h = lines.len() as u16;
    let top = area.y + area.height.saturating_sub(h) / 2;
    let r = Rect { y: top, height: h.min(area.height), ..area };
    Paragraph::new(lines).centered().wrap(Wrap { trim: true }).render(r, buf);
}

pub fn loading(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let st = &m.status;
    let waited = st.started_at.map_or(0, |t| (m.now.as_second() - t.as_second()).max(0));
    let mut lines = vec![Line::from(Span::styled("Loading the fleet…", theme.style(Slot::Title)))];
    let src = st.source.as_ref().map_or("the source".to_string(), |s| s.label.clone());
    lines.push(Line::from(Span::styled(
        format!("first poll of {src} ({} so far)", format::age(waited)),
        theme.style(Slot::Muted),
    )));
    if st.stale() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("The first poll failed:", theme.style(Slot::Crit))));
        for e in st.errors.iter().take(5) {
            lines.push(Line::from(Span::styled(
                format!("{} {:?}: {}", e.region, e.service, e.message),
                theme.style(Slot::Warn),
            )));
        }
        lines.push(Line::from(Span::styled(
            "retrying with back-off; r retries now",
            theme.style(Slot::Muted),
        )));
    }
    centered(lines, area, buf);
}

/// A table with no rows: why, and how to get some.
pub fn no_rows(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer, what: &str, hint: &str) {
    let mut lines = Vec::new();
    if m.filter().is_empty() {
        lines.push(Line::from(Span::styled(format!("No {what}."), theme.style(Slot::Title))));
        lines.push(Line::from(Span::styled(hint.to_string(), theme.style(Slot::Muted))));
    } else {
        lines.push(Line::from(Span::styled(
            format!("No {what} match the filter \"{}\".", m.filter().text),
            theme.style(Slot::Title),
        )));
        lines.push(Line::from(Span::styled("Esc clears the filter; / edits it.", theme.style(Slot::Muted))));
    }
    centered(lines, area, buf);
}
