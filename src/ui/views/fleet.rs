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
use crate::ui::views::table_view::TableView;
use crate::ui::widgets::table::{Cell, Column};

pub fn engine_label(engine: &str, version: &str) -> String {
    let fam = crate::domain::model::EngineFamily::of(engine);
    // Aurora MySQL versions read "8.0.mysql_aurora.3.05.2": the part after the engine is what changes.
    let v = version.rsplit("mysql_aurora.").next().unwrap_or(version);
    format!("{} {v}", fam.short())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Marker,
    Flag,
    Name,
    Region,
    Engine,
    Class,
    Role,
    Failover,
    Status,
    Connections,
    Lag,
    Cpu,
    Window,
    Pending,
    Account,
}

/// Whether the fleet spans accounts: only then does a column name them.
fn several_accounts(m: &Model) -> bool {
    let mut it = m.fleet.inventory.instances.iter().map(|d| d.account.as_str());
    let first = it.next();
    it.any(|a| Some(a) != first)
}

fn table(m: &Model) -> TableView<Col> {
    let tz = format::tz_abbrev(display_now(m), &m.settings.tz);
    let sorted = match m.fleet_sort() {
        FleetSort::Severity => Col::Marker,
        FleetSort::Name => Col::Name,
        FleetSort::Region => Col::Region,
        FleetSort::Engine => Col::Engine,
        FleetSort::Role => Col::Role,
        FleetSort::Status => Col::Status,
        FleetSort::Connections => Col::Connections,
        FleetSort::Lag => Col::Lag,
        FleetSort::Cpu => Col::Cpu,
        FleetSort::Window => Col::Window,
    };
    let mut cols = vec![
        (Col::Marker, Column::new(" ", 1, 0)),
        (Col::Flag, Column::new("!", 1, 0)),
        (Col::Name, Column::new("NAME", 18, 0).flex()),
        (Col::Region, Column::new("REGION", 14, 4)),
        (Col::Engine, Column::new("ENGINE", 13, 4)),
        (Col::Class, Column::new("CLASS", 11, 5)),
        (Col::Role, Column::new("ROLE", 10, 2)),
        (Col::Failover, Column::new("FAILOVER", 9, 2)),
        (Col::Status, Column::new("STATUS", 12, 3)),
        (Col::Connections, Column::new("CONNECTIONS", 16, 1).right()),
        (Col::Lag, Column::new("LAG", 7, 1).right()),
        (Col::Cpu, Column::new("CPU", 4, 2).right()),
        (Col::Window, Column::new(format!("WINDOW {tz}"), 16, 3)),
        (Col::Pending, Column::new("PND", 3, 3).right()),
    ];
    if several_accounts(m) {
        cols.insert(3, (Col::Account, Column::new("ACCOUNT", 14, 5)));
    }
    TableView::new(cols)
        .sorted(sorted, m.views[ViewId::Fleet].reverse)
        // On the selection bar only the markers and the measured values keep their colours.
        .keep_colours_of(&[Col::Marker, Col::Flag, Col::Connections, Col::Lag, Col::Cpu])
}

/// Style of a value: its severity's colour, or the stale style if its region failed to refresh.
fn value_style(theme: &Theme, sev: Severity, stale: bool) -> Style {
    if stale { theme.style(Slot::Stale) } else { theme.severity(sev) }
}

/// What happened to each instance lately, by (region, id), for the STATUS column of an
/// available instance: its alarm in ALARM first, else its latest failover or restart within
/// `recent_event_minutes` (any other status is shown as it is).
struct Recent<'a> {
    events: std::collections::HashMap<(&'a str, &'a str), &'a crate::domain::events::DbEvent>,
}

impl<'a> Recent<'a> {
    fn of(m: &'a Model) -> Recent<'a> {
        let now = display_now(m);
        let mut events = std::collections::HashMap::new();
        for e in crate::domain::event_findings::recent(&m.fleet.events, now, &m.settings.thresholds) {
            // Oldest first: the newest wins.
            events.insert((e.region.as_str(), e.source_id.as_str()), e);
        }
        Recent { events }
    }

    fn status(&self, m: &Model, theme: &Theme, d: &DbInstance, style: Style) -> Cell {
        if d.status != "available" {
            return Cell::new(d.status.clone(), style);
        }
        let alarm = m.fleet.inventory.alarms.iter().find(|a| {
            a.state == crate::domain::alarms::AlarmState::Alarm
                && a.watches_instance(&d.region, &d.id, d.cluster_id.as_deref())
        });
        if alarm.is_some() {
            return Cell::new("ALARM", theme.style(Slot::Crit));
        }
        let cluster = d.cluster_id.as_deref().and_then(|c| self.events.get(&(d.region.as_str(), c)));
        match self.events.get(&(d.region.as_str(), d.id.as_str())).or(cluster) {
            Some(e) => {
                let secs = (display_now(m).as_second() - e.at.as_second()).max(0);
                let ago = if secs < 3600 { format!("{}m", secs / 60) } else { format!("{}h", secs / 3600) };
                let what = e.kind().label();
                let slot = if e.kind() == crate::domain::events::EventKind::Failover {
                    Slot::Crit
                } else {
                    Slot::Warn
                };
                Cell::new(format!("{what} {ago}"), theme.style(slot))
            }
            None => Cell::new(d.status.clone(), style),
        }
    }
}

fn cells(m: &Model, theme: &Theme, d: &DbInstance, r: &InstanceRow, recent: &Recent) -> Vec<(Col, Cell)> {
    let now = display_now(m);
    let region_stale = m.status.region_stale(&d.region);
    // A value is drawn as stale when its region failed to refresh or the reading itself is
    // older than `stale_after_seconds` (it then has no severity colour to lend it authority).
    let old = |r: Option<&crate::domain::metrics::Reading>| {
        region_stale || r.is_some_and(|r| r.is_stale(now, m.stale_limit_secs()))
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
        !r.activity.publishes_metrics() && x.is_none_or(|x| x.is_stale(now, m.stale_limit_secs()))
    };
    let conn = match (r.connections, r.max_connections, r.connections_percent) {
        _ if quiet(r.connections.as_ref()) => d.status.to_string(),
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
        (Col::Marker, Cell::new(marker, theme.severity(r.severity))),
        (Col::Flag, Cell::new(flag, finding.map_or(muted, |s| theme.severity(s)))),
        (Col::Name, Cell::new(d.id.clone(), text)),
        (Col::Account, account_cell(m, theme, d)),
        (Col::Region, Cell::new(d.region.clone(), muted)),
        (Col::Engine, Cell::new(engine_label(&d.engine, &d.engine_version), muted)),
        (Col::Class, class_cell(theme, d, r)),
        (Col::Role, Cell::new(d.role.label(), role_style)),
        (Col::Failover, Cell::new(r.failover.label(), failover_style)),
        (Col::Status, recent.status(m, theme, d, status_style)),
        (
            Col::Connections,
            Cell::new(conn, value_style(theme, r.connections_severity, old(r.connections.as_ref()))),
        ),
        (Col::Lag, Cell::new(lag, value_style(theme, r.lag_severity, old(r.replication.reading())))),
        (Col::Cpu, Cell::new(cpu, value_style(theme, r.cpu_severity, old(r.cpu.as_ref())))),
        (
            Col::Window,
            Cell::new(
                window,
                if matches!(r.next_window, NextWindow::Invalid(_)) { theme.style(Slot::Warn) } else { muted },
            ),
        ),
        (
            Col::Pending,
            Cell::new(
                if r.pending_actions > 0 { format!("⚑{}", r.pending_actions) } else { String::new() },
                theme.style(Slot::Warn),
            ),
        ),
    ]
}

/// The account's name (else its id), in the colour config gives it or one of its tags.
fn account_cell(m: &Model, theme: &Theme, d: &DbInstance) -> Cell {
    let text = d.account_name.clone().unwrap_or_else(|| d.account.clone());
    match m.settings.accounts.color_of(&d.account, &d.tags) {
        // A theme without colours (mono, NO_COLOR) gets none here either.
        Some((r, g, b)) if theme.style(Slot::Crit).fg.is_some() => {
            Cell::new(text, Style::default().fg(ratatui::style::Color::Rgb(r, g, b)))
        }
        _ => Cell::new(text, theme.style(Slot::Muted)),
    }
}

/// The class, or for Serverless v2 the capacity now against the maximum (`4.5/16 ACU`): what
/// its on-call watches instead of a size.
fn class_cell(theme: &Theme, d: &DbInstance, r: &InstanceRow) -> Cell {
    let muted = theme.style(Slot::Muted);
    match (r.acu_range, r.capacity) {
        (Some(range), Some(c)) => {
            let text = format!("{}/{} ACU", format::acu_number(c.value), format::acu_number(range.max));
            let style =
                if r.at_max_acu.minutes > 0 { theme.style(Slot::Warn) } else { theme.style(Slot::Text) };
            Cell::new(text, style)
        }
        (Some(range), None) => Cell::new(format!("{MISSING}/{} ACU", format::acu_number(range.max)), muted),
        _ => Cell::new(d.class.strip_prefix("db.").unwrap_or(&d.class).to_string(), muted),
    }
}

pub fn render(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let t = table(m);
    let empty = ("DB instances", "The source reported no DB instances in its regions.");
    let Some(body) = t.begin(m, ViewId::Fleet, theme, area, buf, empty) else { return };
    let inv = &m.fleet.inventory;
    let recent = Recent::of(m);
    for row in body.rows() {
        let r = &m.fleet.rows[row.item];
        t.draw_row(buf, &body, theme, row, cells(m, theme, &inv.instances[r.index], r, &recent));
    }
}
