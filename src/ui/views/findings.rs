//! Findings: everything that needs a human, worst first; Enter shows evidence and remedy.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::action::ViewId;
use crate::app::state::Model;
use crate::ui::theme::{Slot, Theme};
use crate::ui::views::empty;
use crate::ui::widgets::table::{self, Cell, Column};

pub fn render(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let cols = vec![
        Column::new("SEV", 4, 0),
        Column::new("RULE", 22, 1),
        Column::new("RESOURCE", 24, 0),
        Column::new("REGION", 14, 3),
        Column::new("MESSAGE", 20, 0).flex(),
    ];
    let fitted = table::fit(&cols, area.width);
    table::draw_header(buf, area, &cols, &fitted, theme.style(Slot::Header));
    let body = Rect { y: area.y + 1, height: area.height.saturating_sub(1), ..area };
    let visible = &m.visible[ViewId::Findings.index()];
    if visible.is_empty() {
        empty::no_rows(m, theme, body, buf, "findings", "Nothing needs attention right now.");
        return;
    }
    let cursor = m.cursors[ViewId::Findings.index()];
    for (k, pos) in (cursor.offset..visible.len()).take(usize::from(body.height)).enumerate() {
        let f = &m.fleet.findings[visible[pos]];
        let sev = theme.severity(f.severity);
        let cells = vec![
            Cell::new(f.severity.tag(), sev),
            Cell::new(f.rule.clone(), theme.style(Slot::Muted)),
            Cell::new(f.resource_id.clone(), theme.style(Slot::Text)),
            Cell::new(f.region.clone(), theme.style(Slot::Muted)),
            Cell::new(f.message.clone(), theme.style(Slot::Text)),
        ];
        let base = if pos == cursor.selected { theme.style(Slot::Selection) } else { Style::default() };
        table::draw_row(buf, body, body.y + k as u16, &cols, &fitted, &cells, base);
    }
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
        f.evidence.iter().map(|e| Line::from(Span::styled(format!("  {e}"), theme.style(Slot::Text)))),
    );
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Remedy", theme.style(Slot::Header))));
    lines.push(Line::from(Span::styled(format!("  {}", f.remedy), theme.style(Slot::Text))));
    let inner = crate::ui::popup(theme, area, 90, lines.len() as u16 + 4, &f.rule, buf);
    Paragraph::new(lines).wrap(Wrap { trim: false }).render(inner, buf);
}
