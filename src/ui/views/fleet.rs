//! Fleet: one row per instance, worst first by default; columns dropped by priority on
//! narrow terminals; every number coloured by its own severity, stale ones marked.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::action::ViewId;
use crate::app::state::{FleetSort, Model};
use crate::domain::fleet::{Failover, InstanceRow, NextWindow};
use crate::domain::format::format_duration_secs;
use crate::domain::format::{self, MISSING};
use crate::domain::lag::ReplicationState;
use crate::domain::model::DbInstance;
use crate::domain::severity::Severity;
use crate::ui::chrome::display_now;
use crate::ui::theme::{Slot, Theme};
use crate::ui::views::empty;
use crate::ui::widgets::table::{self, Cell, Column};

pub fn engine_label(engine: &str, version: &str) -> String {
    let fam = crate::domain::model::EngineFamily::of(engine);
    // Aurora MySQL versions read "8.0.mysql_aurora.3.05.2": the part after the engine is what changes.
    let v = version.rsplit("mysql_aurora.").next().unwrap_or(version);
    format!("{} {v}", fam.short())
}

fn columns(m: &Model) -> Vec<Column> {
    let tz = format::tz_abbrev(display_now(m), &m.settings.tz);
    let mut cols = vec![
        Column::new(" ", 1, 0),
        Column::new("!", 1, 0),
        Column::new("NAME", 18, 0).flex(),
        Column::new("REGION", 14, 4),
        Column::new("ENGINE", 13, 4),
        Column::new("CLASS", 11, 5),
        Column::new("ROLE", 10, 2),
        Column::new("FAILOVER", 9, 2),
        Column::new("STATUS", 9, 5),
        Column::new("CONNECTIONS", 16, 1).right(),
        Column::new("LAG", 7, 1).right(),
        Column::new("CPU", 4, 2).right(),
        Column::new(format!("WINDOW {tz}"), 16, 3),
        Column::new("PND", 3, 3).right(),
    ];
    let sorted = match m.fleet_sort() {
        FleetSort::Severity => 0,
        FleetSort::Name => 2,
        FleetSort::Region => 3,
        FleetSort::Engine => 4,
        FleetSort::Role => 6,
        FleetSort::Status => 8,
        FleetSort::Connections => 9,
        FleetSort::Lag => 10,
        FleetSort::Cpu => 11,
        FleetSort::Window => 12,
    };
    let arrow = if m.views[ViewId::Fleet].reverse { "▲" } else { "▼" };
    let c = &mut cols[sorted];
    c.title = if sorted == 0 { arrow.to_string() } else { format!("{}{arrow}", c.title) };
    cols
}

/// Style of a value: its severity's colour, or the stale style if its region failed to refresh.
fn value_style(theme: &Theme, sev: Severity, stale: bool) -> Style {
    if stale { theme.style(Slot::Stale) } else { theme.severity(sev) }
}

pub fn cells(m: &Model, theme: &Theme, d: &DbInstance, r: &InstanceRow) -> Vec<Cell> {
    let now = display_now(m);
    let region_stale = m.status.region_stale(&d.region);
    // A value is drawn as stale when its region failed to refresh or the reading itself is
    // older than `stale_after_seconds` (it then has no severity colour to lend it authority).
    let old = |r: Option<&crate::domain::metrics::Reading>| {
        region_stale || r.is_some_and(|r| r.is_stale(now, m.settings.thresholds.stale_after_seconds))
    };
    let text = theme.style(Slot::Text);
    let muted = theme.style(Slot::Muted);
    let marker = match r.severity {
        Severity::Critical => "●",
        Severity::Warning => "●",
        Severity::Unknown => "?",
        _ => " ",
    };
    // An instance that publishes nothing by design (stopped, being created) has no readings to
    // show: its old ones are not current, and their absence is not missing data.
    let quiet = |x: Option<&crate::domain::metrics::Reading>| {
        !r.activity.publishes_metrics()
            && x.is_none_or(|x| x.is_stale(now, m.settings.thresholds.stale_after_seconds))
    };
    let conn = match (r.connections, r.max_connections, r.connections_percent) {
        _ if quiet(r.connections.as_ref()) => d.status.clone(),
        // Neptune publishes no connection count at all.
        (None, _, _) if d.family() == crate::domain::model::EngineFamily::Neptune => "n/a".into(),
        (Some(c), Some(mx), Some(pct)) => format!(
            "{}/{}{}{} {pct:>2.0}%",
            format::count(c.value),
            if mx.estimated { "~" } else { "" },
            format::count(f64::from(mx.value)),
            // The parameter group could not be read: the limit may not be the one in force.
            if mx.caveat.is_some() { "?" } else { "" },
        ),
        // No usable max_connections: the count alone, never a made-up percentage.
        (Some(c), _, _) => format::count(c.value),
        (None, _, _) => MISSING.into(),
    };
    let lag = match r.replication {
        ReplicationState::NotReplica => String::new(),
        _ if quiet(r.replication.reading()) => String::new(),
        ReplicationState::NoData => MISSING.into(),
        ReplicationState::Stopped { .. } => "STOPPED".into(),
        ReplicationState::Streaming { reading } => format_duration_secs(reading.value),
    };
    let cpu = match r.cpu {
        _ if quiet(r.cpu.as_ref()) => String::new(),
        Some(c) => format!("{:.0}%", c.value),
        None => MISSING.into(),
    };
    let window = match &r.next_window {
        NextWindow::None => MISSING.to_string(),
        NextWindow::Invalid(_) => "invalid".to_string(),
        NextWindow::At(o) if o.contains(now) => "NOW (in window)".to_string(),
        NextWindow::At(o) => {
            let until = format::age(o.start.as_second() - now.as_second());
            format!("{} {until}", format::local_day_time(o.start, &m.settings.tz))
        }
    };
    let failover_style = match (r.failover, d.role.takes_writes()) {
        (Failover::None, true) => theme.style(Slot::Warn),
        _ => muted,
    };
    let status_style = match r.activity {
        _ if d.status == "available" => muted,
        crate::domain::status::Activity::Broken => theme.style(Slot::Crit),
        _ => theme.style(Slot::Warn),
    };
    let role_style = if d.role.takes_writes() { text } else { muted };
    // Findings (maintenance risk included) are marked apart from the live readings' colour.
    let finding = m.fleet.marks.get(r.index).and_then(|k| k.any);
    let flag = match finding {
        Some(Severity::Critical | Severity::Warning) => "▲",
        Some(Severity::Info) => "·",
        _ => " ",
    };
    vec![
        Cell::new(marker, theme.severity(r.severity)),
        Cell::new(flag, finding.map_or(muted, |s| theme.severity(s))),
        Cell::new(d.id.clone(), text),
        Cell::new(d.region.clone(), muted),
        Cell::new(engine_label(&d.engine, &d.engine_version), muted),
        class_cell(theme, d, r),
        Cell::new(d.role.label(), role_style),
        Cell::new(r.failover.label(), failover_style),
        Cell::new(d.status.clone(), status_style),
        Cell::new(conn, value_style(theme, r.connections_severity, old(r.connections.as_ref()))),
        Cell::new(lag, value_style(theme, r.lag_severity, old(r.replication.reading()))),
        Cell::new(cpu, value_style(theme, r.cpu_severity, old(r.cpu.as_ref()))),
        Cell::new(
            window,
            if matches!(r.next_window, NextWindow::Invalid(_)) { theme.style(Slot::Warn) } else { muted },
        ),
        Cell::new(
            if r.pending_actions > 0 { format!("⚑{}", r.pending_actions) } else { String::new() },
            theme.style(Slot::Warn),
        ),
    ]
}

/// The class, or for Serverless v2 the capacity now against the maximum (`4.5/16 ACU`): what
/// its on-call watches instead of a size.
fn class_cell(theme: &Theme, d: &DbInstance, r: &InstanceRow) -> Cell {
    let muted = theme.style(Slot::Muted);
    match (r.acu_range, r.capacity) {
        (Some(range), Some(c)) => {
            let text = format!("{}/{} ACU", format::acu_number(c.value), format::acu_number(range.max));
            let style =
                if r.minutes_at_max_acu > 0 { theme.style(Slot::Warn) } else { theme.style(Slot::Text) };
            Cell::new(text, style)
        }
        (Some(range), None) => Cell::new(format!("{MISSING}/{} ACU", format::acu_number(range.max)), muted),
        _ => Cell::new(d.class.strip_prefix("db.").unwrap_or(&d.class).to_string(), muted),
    }
}

pub fn render(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let cols = columns(m);
    let fitted = table::fit(&cols, area.width);
    table::draw_header(buf, area, &cols, &fitted, theme.style(Slot::Header));
    let body = Rect { y: area.y + 1, height: area.height.saturating_sub(1), ..area };
    let visible = &m.views[ViewId::Fleet].visible;
    if visible.is_empty() {
        let hint = "The source reported no DB instances in its regions.";
        empty::no_rows(m, theme, body, buf, "DB instances", hint);
        return;
    }
    let cursor = m.views[ViewId::Fleet].cursor;
    let inv = &m.fleet.inventory;
    for (k, &ri) in visible.iter().skip(cursor.offset).take(m.rows_fit(body.height)).enumerate() {
        let r = &m.fleet.rows[ri];
        let d = &inv.instances[r.index];
        let selected = cursor.offset + k == cursor.selected;
        let base = if selected { theme.style(Slot::Selection) } else { Style::default() };
        let mut cells = cells(m, theme, d, r);
        if selected {
            // On the selection bar only the marker and the measured values keep their colours.
            for (i, c) in cells.iter_mut().enumerate() {
                if !matches!(i, 0 | 1 | 9 | 10 | 11) {
                    c.style = Style::default();
                }
            }
        }
        table::draw_row(buf, body, body.y + k as u16 * m.row_step(), &cols, &fitted, &cells, base);
    }
}
