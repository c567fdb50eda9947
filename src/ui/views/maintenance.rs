//! Maintenance: instances by next maintenance window (in the display time zone), with auto
//! minor version upgrade, failover and pending actions side by side.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::action::ViewId;
use crate::app::state::Model;
use crate::domain::fleet::{Failover, NextWindow};
use crate::ui::chrome::display_now;
use crate::ui::format::{self, MISSING};
use crate::ui::theme::{Slot, Theme};
use crate::ui::views::empty;
use crate::ui::widgets::table::{self, Cell, Column};

pub fn render(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let now = display_now(m);
    let tz = format::tz_abbrev(now, &m.tz);
    let cols = vec![
        Column::new(format!("NEXT WINDOW {tz}"), 16, 0),
        Column::new("STARTS", 9, 1),
        Column::new("INSTANCE", 22, 0),
        Column::new("REGION", 14, 4),
        Column::new("AUTO-UPG", 11, 1),
        Column::new("FAILOVER", 9, 2),
        Column::new("WINDOW (UTC)", 19, 5),
        Column::new("PENDING", 12, 3).flex(),
    ];
    let fitted = table::fit(&cols, area.width);
    table::draw_header(buf, area, &cols, &fitted, theme.style(Slot::Header));
    let body = Rect { y: area.y + 1, height: area.height.saturating_sub(1), ..area };
    let visible = &m.visible[ViewId::Maintenance.index()];
    if visible.is_empty() {
        empty::no_rows(
            m,
            theme,
            body,
            buf,
            "maintenance windows",
            "No instance reported a preferred maintenance window.",
        );
        return;
    }
    let cursor = m.cursors[ViewId::Maintenance.index()];
    let inv = &m.fleet.inventory;
    let muted = theme.style(Slot::Muted);
    let text = theme.style(Slot::Text);
    for (k, pos) in (cursor.offset..visible.len()).take(usize::from(body.height)).enumerate() {
        let i = visible[pos];
        let d = &inv.instances[i];
        let row = &m.fleet.rows[i];
        let (when, rel, when_style) = match &row.next_window {
            NextWindow::At(o) if o.contains(now) => {
                (format::local_date_time(o.start, &m.tz), "NOW".to_string(), theme.style(Slot::Crit))
            }
            NextWindow::At(o) => {
                (format::local_date_time(o.start, &m.tz), format::relative(o.start, now), text)
            }
            NextWindow::Invalid(_) => ("invalid window".to_string(), String::new(), theme.style(Slot::Warn)),
            NextWindow::None => (MISSING.to_string(), String::new(), muted),
        };
        let amvu = match (d.auto_minor_version_upgrade, &d.auto_upgrade_target) {
            (true, Some(t)) => format!("on → {t}"),
            (true, None) => "on".to_string(),
            (false, _) => "off".to_string(),
        };
        let single_writer = row.failover == Failover::None && d.role.takes_writes();
        let amvu_style = match (d.auto_minor_version_upgrade, single_writer) {
            (true, true) => theme.style(Slot::Crit),
            (true, false) => theme.style(Slot::Warn),
            _ => muted,
        };
        let pending: Vec<String> = inv
            .pending_actions
            .iter()
            .filter(|a| a.resource_arn == d.arn)
            .map(|a| match a.forced_apply {
                Some(t) => format!("{} forced {}", a.action, format::relative(t, now)),
                None => a.action.clone(),
            })
            .collect();
        let cells = vec![
            Cell::new(when, when_style),
            Cell::new(rel, when_style),
            Cell::new(d.id.clone(), text),
            Cell::new(d.region.clone(), muted),
            Cell::new(amvu, amvu_style),
            Cell::new(row.failover.label(), if single_writer { theme.style(Slot::Warn) } else { muted }),
            Cell::new(d.maintenance_window.clone().unwrap_or_default(), muted),
            Cell::new(pending.join(", "), theme.style(Slot::Warn)),
        ];
        let base = if pos == cursor.selected { theme.style(Slot::Selection) } else { Style::default() };
        table::draw_row(buf, body, body.y + k as u16, &cols, &fitted, &cells, base);
    }
}
