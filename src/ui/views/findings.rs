//! Findings: everything that needs a human, worst first; Enter shows evidence and remedy.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::action::ViewId;
use crate::app::state::Model;
use crate::domain::severity::Severity;
use crate::ui::theme::{Slot, Theme};
use crate::ui::views::empty;
use crate::ui::widgets::table::{self, Cell, Column};

pub fn render(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    // The counts ride in the header: a table's body keeps the height the cursor logic expects.
    let all = &m.fleet.findings;
    let count = |s: Severity| all.iter().filter(|f| f.severity == s).count();
    let summary = format!(
        "MESSAGE ({} crit, {} warn, {} info{})",
        count(Severity::Critical),
        count(Severity::Warning),
        count(Severity::Info),
        if m.fleet.muted > 0 { format!(", {} muted", m.fleet.muted) } else { String::new() }
    );
    let cols = vec![
        Column::new("SEV", 4, 0),
        Column::new("RULE", 29, 2),
        Column::new("RESOURCE", 24, 0),
        Column::new("REGION", 14, 3),
        Column::new(summary, 40, 0).flex(),
    ];
    let fitted = table::fit(&cols, area.width);
    table::draw_header(buf, area, &cols, &fitted, theme.style(Slot::Header));
    let body = Rect { y: area.y + 1, height: area.height.saturating_sub(1), ..area };
    let visible = &m.views[ViewId::Findings].visible;
    if visible.is_empty() {
        empty::no_rows(m, theme, body, buf, "findings", "Nothing needs attention right now.");
        return;
    }
    let cursor = m.views[ViewId::Findings].cursor;
    for (k, pos) in (cursor.offset..visible.len()).take(m.rows_fit(body.height)).enumerate() {
        let f = &m.fleet.findings[visible[pos]];
        let sev = theme.severity(f.severity);
        let cells = vec![
            Cell::new(f.severity.tag(), sev),
            Cell::new(f.rule.as_str(), theme.style(Slot::Muted)),
            Cell::new(f.resource_id.clone(), theme.style(Slot::Text)),
            Cell::new(f.region.clone(), theme.style(Slot::Muted)),
            // The resource has its own column: do not spend the message's room repeating it.
            Cell::new(
                f.message.strip_prefix(&format!("{}: ", f.resource_id)).unwrap_or(&f.message).to_string(),
                theme.style(Slot::Text),
            ),
        ];
        let base = if pos == cursor.selected { theme.style(Slot::Selection) } else { Style::default() };
        table::draw_row(buf, body, body.y + k as u16 * m.row_step(), &cols, &fitted, &cells, base);
    }
}

/// Lines a text takes when wrapped at `width` (word wrap can only add to this a little).
fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let w = usize::from(width.max(1));
    lines.iter().map(|l| l.width().max(1).div_ceil(w) as u16).sum()
}

pub fn evidence_popup(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let Some(f) = m.selected_row().and_then(|i| m.fleet.findings.get(i)) else { return };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{} ", f.severity.tag()), theme.severity(f.severity)),
            Span::styled(f.message.clone(), theme.style(Slot::Title)),
        ]),
        Line::from(Span::styled(format!("{} · {}", f.resource_id, f.region), theme.style(Slot::Muted))),
        Line::from(""),
        Line::from(Span::styled("Evidence", theme.style(Slot::Header))),
    ];
    lines.extend(
        f.evidence.iter().map(|e| Line::from(Span::styled(format!("• {e}"), theme.style(Slot::Text)))),
    );
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Remedy", theme.style(Slot::Header))));
    lines.push(Line::from(Span::styled(f.remedy.clone(), theme.style(Slot::Text))));
    let width = area.width.min(100);
    // Borders take 2 columns; allow a line per entry for word-wrap slack.
    let height = wrapped_height(&lines, width.saturating_sub(2)) + 2 + (f.evidence.len() as u16).div_ceil(3);
    let fits = height <= area.height;
    let title = if fits { f.rule.to_string() } else { format!("{} · j/k scroll", f.rule) };
    let inner = crate::ui::popup(theme, area, width, height, &title, buf);
    let overflow = height.saturating_sub(area.height);
    let scroll = m
        .overlays
        .iter()
        .find_map(|o| match o {
            crate::app::overlay::Overlay::Evidence { scroll } => Some(*scroll),
            _ => None,
        })
        .unwrap_or(0)
        .min(overflow);
    Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((scroll, 0)).render(inner, buf);
    if scroll < overflow {
        let more = "↓ more";
        let x = inner.right().saturating_sub(more.len() as u16 + 1);
        buf.set_string(x, inner.bottom(), more, theme.style(Slot::Accent));
    }
}
