//! Findings: everything that needs a human, worst first; Enter shows evidence and remedy.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::action::ViewId;
use crate::app::state::Model;
use crate::domain::severity::Severity;
use crate::ui::theme::{Slot, Theme};
use crate::ui::views::table_view::TableView;
use crate::ui::widgets::table::{Cell, Column};

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
    let t = TableView::new(vec![
        (Col::Severity, Column::new("SEV", 4, 0)),
        (Col::Rule, Column::new("RULE", 29, 2)),
        (Col::Resource, Column::new("RESOURCE", 24, 0)),
        (Col::Region, Column::new("REGION", 14, 3)),
        (Col::Message, Column::new(summary, 40, 0).flex()),
    ]);
    let empty = ("findings", "Nothing needs attention right now.");
    let Some(body) = t.begin(m, ViewId::Findings, theme, area, buf, empty) else { return };
    for row in body.rows() {
        let f = &m.fleet.findings[row.item];
        // The resource has its own column: do not spend the message's room repeating it.
        let message = f.message.strip_prefix(&format!("{}: ", f.resource_id)).unwrap_or(&f.message);
        let cells = vec![
            (Col::Severity, Cell::new(f.severity.tag(), theme.severity(f.severity))),
            (Col::Rule, Cell::new(f.rule.as_str(), theme.style(Slot::Muted))),
            (Col::Resource, Cell::new(f.resource_id.clone(), theme.style(Slot::Text))),
            (Col::Region, Cell::new(f.region.clone(), theme.style(Slot::Muted))),
            (Col::Message, Cell::new(message, theme.style(Slot::Text))),
        ];
        t.draw_row(buf, &body, theme, row, cells);
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Severity,
    Rule,
    Resource,
    Region,
    Message,
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
