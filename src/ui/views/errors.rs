//! The per-source error list (`e`): every error of the newest poll, by account, region and
//! service, with what failed and how long the region's data has been stale.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::app::state::Model;
use crate::domain::format;
use crate::ui::chrome::display_now;
use crate::ui::theme::{Slot, Theme};

pub fn render(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let now = display_now(m);
    let st = &m.status;
    let mut lines: Vec<Line> = Vec::new();
    if st.errors.is_empty() {
        lines.push(Line::from(Span::styled("The last poll had no errors.", theme.style(Slot::Ok))));
    }
    let mut errors: Vec<_> = st.errors.iter().collect();
    errors.sort_by(|a, b| (&a.account, &a.region, a.service).cmp(&(&b.account, &b.region, b.service)));
    for e in errors {
        let stale = st.region_good_at.get(&e.region).map_or_else(
            || "no good data yet".to_string(),
            |t| format!("data {} old", format::age(now.as_second() - t.as_second())),
        );
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} {:?} {} ", e.region, e.service, e.operation.as_deref().unwrap_or("")),
                theme.style(Slot::Header),
            ),
            Span::styled(format!("{:?}", e.kind), theme.style(Slot::Crit)),
            Span::styled(format!("  {stale}"), theme.style(Slot::Stale)),
        ]));
        if let Some(a) = &e.account {
            lines.push(Line::from(Span::styled(format!("  account {a}"), theme.style(Slot::Muted))));
        }
        lines.push(Line::from(Span::styled(format!("  {}", e.message), theme.style(Slot::Text))));
    }
    let gaps = st.gaps();
    if !gaps.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            "Data that could not be read (the rest is current):",
            theme.style(Slot::Header),
        )));
    }
    for g in gaps {
        let kept = g.data_at.map_or_else(
            || "nothing kept".to_string(),
            |t| format!("data kept from {} ago", format::age(now.as_second() - t.as_second())),
        );
        let since = format::age(now.as_second() - g.since.as_second());
        lines.push(Line::from(vec![
            Span::styled(format!("{} {} ", g.region, g.capability.label()), theme.style(Slot::Text)),
            Span::styled(g.state.label().to_string(), theme.style(Slot::Warn)),
            Span::styled(format!("  for {since}, {kept}  ({})", g.operation), theme.style(Slot::Muted)),
        ]));
        if let Some(msg) = &g.message {
            lines.push(Line::from(Span::styled(format!("  {msg}"), theme.style(Slot::Muted))));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!("{} errors since start; the last good data stays on screen.", st.error_total),
        theme.style(Slot::Muted),
    )));
    let h = (lines.len() as u16 + 2).min(area.height);
    let inner = crate::ui::popup(theme, area, 110, h, "Errors (E or Esc closes)", buf);
    Paragraph::new(lines).wrap(Wrap { trim: false }).render(inner, buf);
}
