//! Detail: every attribute of one instance (or consumer group), and history charts with
//! axes and units. Missing data is said to be missing, with no line drawn at zero.
//! This file holds the layout and line helpers both details share; `instance` and `consumer`
//! write the attributes, `charts` draws the history.

mod charts;
mod consumer;
mod instance;

use jiff::Timestamp;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::domain::format::{self, MISSING};
use crate::ui::theme::{Slot, Theme};

pub use self::consumer::consumer;
pub use self::instance::instance;

fn kv<'a>(theme: &Theme, k: &str, v: impl Into<String>, style: Style) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:<14} "), theme.style(Slot::Muted)),
        Span::styled(v.into(), style),
    ])
}

fn section<'a>(theme: &Theme, title: &str) -> Line<'a> {
    Line::from(Span::styled(title.to_string(), theme.style(Slot::Header)))
}

fn reading_text(r: Option<crate::domain::metrics::Reading>, now: Timestamp) -> String {
    match r {
        Some(r) => format!("{} ({} ago)", format::value(r.value, r.unit), format::age(r.age_secs(now))),
        None => format!("{MISSING} no datapoint"),
    }
}

fn split(area: Rect) -> (Rect, Rect) {
    let left_w = (area.width * 42 / 100).clamp(34, 56).min(area.width);
    let left = Rect { width: left_w, ..area };
    let right = Rect { x: area.x + left_w, width: area.width - left_w, ..area };
    (left, right)
}

/// `ALARM  orders-mysql-cpu-high  for 12m`: one of the team's alarms, its state in its colour.
pub(super) fn alarm_line(
    theme: &Theme,
    a: &crate::domain::alarms::Alarm,
    now: jiff::Timestamp,
) -> Line<'static> {
    use crate::domain::alarms::AlarmState;
    let style = match a.state {
        AlarmState::Alarm => theme.style(Slot::Crit),
        AlarmState::InsufficientData => theme.style(Slot::Unknown),
        AlarmState::Ok => theme.style(Slot::Muted),
    };
    let since = crate::domain::format::age(now.as_second() - a.since.as_second());
    let state = if a.state == AlarmState::InsufficientData { "NODATA" } else { a.state.label() };
    Line::from(vec![
        Span::styled(format!("{state:<6}"), style),
        Span::styled(format!("{} ", a.name), theme.style(Slot::Text)),
        Span::styled(format!("for {since}"), theme.style(Slot::Muted)),
    ])
}
