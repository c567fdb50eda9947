//! Events: what happened to the fleet, newest first (RDS events, 14 days), the kinds that
//! matter on call in their colour; Enter opens the source's Detail.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::action::ViewId;
use crate::app::state::Model;
use crate::domain::events::EventKind;
use crate::domain::format;
use crate::ui::chrome::display_now;
use crate::ui::theme::{Slot, Theme};
use crate::ui::views::table_view::TableView;
use crate::ui::widgets::table::{Cell, Column};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Time,
    Ago,
    Source,
    Region,
    Kind,
    Id,
    Message,
}

/// The style of an event's kind: failovers and broken replication stand out.
pub fn kind_slot(kind: EventKind) -> Slot {
    match kind {
        EventKind::Failover | EventKind::ReplicationError | EventKind::StorageFull => Slot::Crit,
        EventKind::Restart | EventKind::Maintenance | EventKind::Upgrade => Slot::Warn,
        EventKind::Recovery => Slot::Ok,
        EventKind::Other => Slot::Muted,
    }
}

pub fn render(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let now = display_now(m);
    let tz = format::tz_abbrev(now, &m.settings.tz);
    let t = TableView::new(vec![
        (Col::Time, Column::new(format!("TIME {tz}"), 12, 0)),
        (Col::Ago, Column::new("AGO", 6, 2).right()),
        (Col::Source, Column::new("SOURCE", 20, 0)),
        (Col::Region, Column::new("REGION", 14, 4)),
        (Col::Kind, Column::new("KIND", 17, 1)),
        (Col::Id, Column::new("EVENT", 14, 3)),
        (Col::Message, Column::new("MESSAGE", 24, 0).flex()),
    ]);
    let hint = if m.fleet.events.is_empty() {
        "No RDS events in the last 14 days (or DescribeEvents is not allowed: see e for errors)."
    } else {
        "No event matches the filter."
    };
    let Some(body) = t.begin(m, ViewId::Events, theme, area, buf, ("events", hint)) else { return };
    let all = m.fleet.events.all();
    let (text, muted) = (theme.style(Slot::Text), theme.style(Slot::Muted));
    for row in body.rows() {
        let e = &all[row.item];
        let kind = e.kind();
        let style = theme.style(kind_slot(kind));
        let cells = vec![
            (Col::Time, Cell::new(format::local_day_time_secs(e.at, &m.settings.tz), muted)),
            (Col::Ago, Cell::new(format::age(now.as_second() - e.at.as_second()), muted)),
            (Col::Source, Cell::new(e.source_id.clone(), text)),
            (Col::Region, Cell::new(e.region.clone(), muted)),
            (Col::Kind, Cell::new(if kind == EventKind::Other { "" } else { kind.label() }, style)),
            (Col::Id, Cell::new(e.event_id().unwrap_or_default(), muted)),
            (Col::Message, Cell::new(e.message.clone(), if kind.notable() { style } else { text })),
        ];
        t.draw_row(buf, &body, theme, row, cells);
    }
}
