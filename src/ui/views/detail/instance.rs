//! One instance's detail: what it is doing now, where it sits in its topology, its findings,
//! what maintenance is scheduled, and who it is; its charts on the right.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::charts::stack_charts;
use super::{kv, reading_text, section, split};
use crate::app::state::Model;
use crate::domain::fleet::{InstanceRow, NextWindow};
use crate::domain::format::{self, MISSING};
use crate::domain::lag::ReplicationState;
use crate::domain::metrics::{MetricKind, Series};
use crate::ui::chrome::display_now;
use crate::ui::theme::{Slot, Theme};

pub fn instance(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer, arn: &str) {
    let inv = &m.fleet.inventory;
    let Some(row) = m.fleet.rows.iter().find(|r| inv.instances[r.index].arn == arn) else {
        let msg = format!("{arn} is no longer in the inventory (deleted or renamed). Esc goes back.");
        Paragraph::new(msg).style(theme.style(Slot::Warn)).wrap(Wrap { trim: true }).render(area, buf);
        return;
    };
    let d = &inv.instances[row.index];
    let now = display_now(m);
    let (left, right) = split(area);
    let text = theme.style(Slot::Text);
    let warn = theme.style(Slot::Warn);
    // Most urgent first: what it is doing now, then where it sits, then what is scheduled.
    let mut lines = vec![Line::from(vec![
        Span::styled(d.id.clone(), theme.style(Slot::Title)),
        Span::styled(format!("  {} · {}", d.role.label(), d.region), theme.style(Slot::Muted)),
    ])];
    let cluster = inv.cluster_of(d);
    if row.activity != crate::domain::status::Activity::Running {
        lines.push(kv(theme, "status", status_text(d, row, m), warn));
    }
    let neptune = d.family() == crate::domain::model::EngineFamily::Neptune;
    let quiet = |r: Option<crate::domain::metrics::Reading>| match r {
        None if !row.activity.publishes_metrics() => format!("none while {}", d.status),
        r => reading_text(r, now),
    };
    let connections = if neptune && row.connections.is_none() {
        "n/a (Neptune publishes no DatabaseConnections)".to_string()
    } else {
        quiet(row.connections)
    };
    lines.push(kv(theme, "connections", connections, theme.severity(row.connections_severity)));
    if let Some(mx) = &row.max_connections {
        let style = if mx.caveat.is_some() { warn } else { text };
        lines.push(kv(theme, "max conns", crate::domain::capacity::describe(mx, d, cluster), style));
    }
    if let Some(g) = d.parameter_group.as_ref().filter(|g| g.pending_reboot()) {
        lines.push(kv(theme, "param group", format!("{}: changes wait for a reboot", g.name), warn));
    }
    if let Some(range) = row.acu_range {
        let now_acu = row.capacity.map_or_else(
            || format!("{MISSING} no datapoint"),
            |c| format!("{} ({} ago)", format::acu(c.value), format::age(c.age_secs(now))),
        );
        let style = if row.at_max_acu.minutes > 0 { warn } else { text };
        lines.push(kv(theme, "capacity", now_acu, style));
        lines.push(kv(
            theme,
            "ACU range",
            format!("{} to {}", format::acu(range.min), format::acu(range.max)),
            text,
        ));
    }
    lines.push(kv(theme, "cpu", quiet(row.cpu), theme.severity(row.cpu_severity)));
    match row.replication {
        ReplicationState::NotReplica => {}
        ReplicationState::NoData => lines.push(kv(
            theme,
            "replica lag",
            format!("{MISSING} no datapoint"),
            theme.style(Slot::Unknown),
        )),
        ReplicationState::Stopped { reading } => lines.push(kv(
            theme,
            "replica lag",
            format!("STOPPED (-1, {} ago)", format::age(reading.age_secs(now))),
            theme.style(Slot::Crit),
        )),
        ReplicationState::Streaming { reading } => lines.push(kv(
            theme,
            "replica lag",
            reading_text(Some(reading), now),
            theme.severity(row.lag_severity),
        )),
    }
    if let Some(r) = m.fleet.history.latest(&d.arn, MetricKind::FreeStorage) {
        lines.push(kv(theme, "free storage", reading_text(Some(r), now), text));
    }
    lines.push(section(theme, "Topology"));
    if let Some(s) = &d.replica_source {
        lines.push(kv(theme, "replica of", s.rsplit(':').next().unwrap_or(s).to_string(), text));
    }
    if let Some(c) = &d.cluster_id {
        let kind = cluster.map_or(String::new(), |c| format!(" ({})", c.kind().label()));
        lines.push(kv(theme, "cluster", format!("{c}{kind}"), text));
    }
    if !d.replicas.is_empty() {
        let names: Vec<&str> = d.replicas.iter().map(|r| r.rsplit(':').next().unwrap_or(r)).collect();
        lines.push(kv(theme, "replicas", format!("{} ({})", names.len(), names.join(", ")), text));
    }
    let standby = match (d.multi_az, &d.secondary_az) {
        (true, Some(az)) => format!("Multi-AZ, standby in {az}"),
        (true, None) => "Multi-AZ".to_string(),
        (false, _) => row.failover.label().to_string(),
    };
    let single_writer = row.failover == crate::domain::fleet::Failover::None && d.role.takes_writes();
    lines.push(kv(theme, "failover", standby, if single_writer { warn } else { text }));
    lines.push(kv(theme, "az", d.availability_zone.clone().unwrap_or_else(|| MISSING.into()), text));
    lines.push(kv(theme, "engine", format!("{} {}", d.engine, d.engine_version), text));
    lines.push(kv(theme, "class", d.class.clone(), text));
    if row.activity == crate::domain::status::Activity::Running {
        lines.push(kv(theme, "status", d.status.clone(), if d.status == "available" { text } else { warn }));
    }
    let mine: Vec<&crate::domain::findings::Finding> = m
        .fleet
        .findings
        .iter()
        .map(|f| &**f)
        .filter(|f| {
            f.region == d.region && (f.resource_id == d.id || d.cluster_id.as_ref() == Some(&f.resource_id))
        })
        .collect();
    if !mine.is_empty() {
        lines.push(section(theme, "Findings (5 lists them all)"));
        for f in mine {
            lines.push(Line::from(vec![
                Span::styled(format!("{:<5}", f.severity.tag()), theme.severity(f.severity)),
                Span::styled(format!("{} ", f.rule), theme.style(Slot::Muted)),
                Span::styled(f.message.clone(), text),
            ]));
        }
    }
    events_section(m, theme, d, now, &mut lines);
    lines.push(section(theme, "Maintenance"));
    let amvu = match (d.auto_minor_version_upgrade, &d.auto_upgrade_target) {
        (true, Some(t)) => format!("on → {t} at next window"),
        (true, None) => "on".to_string(),
        (false, _) => "off".to_string(),
    };
    lines.push(kv(theme, "auto minor upg", amvu, if d.auto_minor_version_upgrade { warn } else { text }));
    match &row.next_window {
        NextWindow::At(o) => lines.push(kv(
            theme,
            "next window",
            format!(
                "{} ({})",
                format::local_date_time(o.start, &m.settings.tz),
                format::relative(o.start, now)
            ),
            text,
        )),
        NextWindow::Invalid(e) => lines.push(kv(theme, "next window", e.clone(), warn)),
        NextWindow::None => {}
    }
    lines.push(kv(
        theme,
        "window (UTC)",
        d.maintenance_window.clone().unwrap_or_else(|| MISSING.into()),
        text,
    ));
    let pm = &d.pending_modified;
    if let Some(v) = &pm.engine_version {
        lines.push(kv(theme, "pending ver", v.clone(), warn));
    }
    if let Some(c) = &pm.class {
        lines.push(kv(theme, "pending class", c.clone(), warn));
    }
    if let Some(maz) = pm.multi_az {
        lines.push(kv(theme, "pending maz", if maz { "on" } else { "off" }, warn));
    }
    for a in inv.pending_actions.iter().filter(|a| a.resource_arn == d.arn) {
        let when = a
            .forced_apply
            .map(|t| format!("forced {}", format::relative(t, now)))
            .or_else(|| {
                a.auto_applied_after
                    .map(|t| format!("auto after {}", format::local_date_time(t, &m.settings.tz)))
            })
            .unwrap_or_else(|| "next window, opt-in".into());
        lines.push(kv(theme, "⚑ pending", format!("{} · {when}", a.action), warn));
    }
    lines.push(section(theme, "Identity"));
    let account = match &d.account_name {
        Some(n) => format!("{n} ({})", d.account),
        None => d.account.to_string(),
    };
    lines.push(kv(theme, "account", account, text));
    lines.push(kv(theme, "arn", d.arn.clone(), theme.style(Slot::Muted)));
    if !d.tags.is_empty() {
        let tags: Vec<String> = d.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        lines.push(kv(theme, "tags", tags.join(" "), theme.style(Slot::Muted)));
    }
    Paragraph::new(lines).wrap(Wrap { trim: false }).render(left, buf);
    instance_charts(m, theme, right, buf, d, row);
}

/// Events of the last day that concern this instance (newest first, the four latest) and the
/// team's alarms on it: what happened to it, next to how it is now.
fn events_section(
    m: &Model,
    theme: &Theme,
    d: &crate::domain::model::DbInstance,
    now: jiff::Timestamp,
    lines: &mut Vec<Line<'static>>,
) {
    let inv = &m.fleet.inventory;
    let alarms: Vec<&crate::domain::alarms::Alarm> =
        inv.alarms.iter().filter(|a| a.watches_instance(&d.region, &d.id, d.cluster_id.as_deref())).collect();
    let from = now.checked_sub(jiff::SignedDuration::from_hours(24)).unwrap_or(now);
    let events: Vec<&crate::domain::events::DbEvent> = m
        .fleet
        .events
        .between(from, now)
        .iter()
        .rev()
        .filter(|e| crate::domain::events::concerns(inv, d, e))
        .take(4)
        .collect();
    if alarms.is_empty() && events.is_empty() {
        return;
    }
    lines.push(section(theme, "Events and alarms (6 lists all events)"));
    lines.extend(alarms.into_iter().map(|a| super::alarm_line(theme, a, now)));
    for e in events {
        let kind = e.kind();
        let slot = crate::ui::views::events::kind_slot(kind);
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", format::local_time(e.at, &m.settings.tz)), theme.style(Slot::Muted)),
            Span::styled(
                e.message.clone(),
                if kind.notable() { theme.style(slot) } else { theme.style(Slot::Text) },
            ),
        ]));
    }
}

/// What a status other than serving means: stopped (and when AWS starts it again), being
/// created or deleted (no datapoints yet), or an outage.
fn status_text(d: &crate::domain::model::DbInstance, row: &InstanceRow, m: &Model) -> String {
    use crate::domain::status::{Activity, auto_start_at};
    match row.activity {
        Activity::Stopped => match auto_start_at(row.stopped_since) {
            Some(t) => format!(
                "{}: no datapoints; AWS starts it again around {} (7 days after it stopped)",
                d.status,
                format::local_date_time(t, &m.settings.tz)
            ),
            None => format!("{}: no datapoints; AWS starts it again 7 days after it stopped", d.status),
        },
        Activity::Starting | Activity::Deleting => format!("{}: no datapoints expected yet", d.status),
        Activity::Broken => format!("{}: not serving", d.status),
        Activity::Running => d.status.to_string(),
    }
}

fn instance_charts(
    m: &Model,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
    d: &crate::domain::model::DbInstance,
    row: &InstanceRow,
) {
    let h = &m.fleet.history;
    let arn = d.arn.as_str();
    let mut charts: Vec<(String, Option<&Series>, Option<f64>, Slot)> = Vec::new();
    if row.replication != ReplicationState::NotReplica {
        charts.push(("Replica lag (s)".into(), h.series(arn, MetricKind::ReplicaLag), None, Slot::Chart1));
    }
    if let Some(range) = row.acu_range {
        let title = format!("Capacity (ACU; max {})", format::acu_number(range.max));
        charts.push((title, h.series(arn, MetricKind::ServerlessCapacity), Some(range.max), Slot::Chart1));
    }
    let limit = row.max_connections.map(|x| f64::from(x.value));
    let conn_title = match row.max_connections {
        Some(x) if x.estimated => format!("Connections (count; max ~{} est.)", x.value),
        Some(x) => format!("Connections (count; max {})", x.value),
        None => "Connections (count)".to_string(),
    };
    if d.family() != crate::domain::model::EngineFamily::Neptune {
        charts.push((conn_title, h.series(arn, MetricKind::Connections), limit, Slot::Chart2));
    }
    charts.push(("CPU (%)".into(), h.series(arn, MetricKind::CpuPercent), Some(100.0), Slot::Chart3));
    // A stopped or still-creating instance has no datapoints by design: say so.
    let empty = if row.activity.publishes_metrics() {
        format!("{MISSING} no datapoints for this metric yet")
    } else {
        format!("none while {}", d.status)
    };
    // The notable events about it, marked on every chart at their minute.
    let inv = &m.fleet.inventory;
    let marks: Vec<(jiff::Timestamp, crate::domain::events::EventKind)> = m
        .fleet
        .events
        .all()
        .iter()
        .filter(|e| e.kind().notable() && crate::domain::events::concerns(inv, d, e))
        .map(|e| (e.at, e.kind()))
        .collect();
    stack_charts(m, theme, area, buf, &charts, &empty, &marks);
}
