//! The current view as Markdown tables, for the postmortem document: the rows the screen
//! shows (same filter, same order, same instant), with units, missing values as `—`.

use std::fmt::Write;

use crate::app::action::ViewId;
use crate::app::state::{Detail, KafkaLine, Model};
use crate::domain::fleet::NextWindow;
use crate::domain::format::format_duration_secs;
use crate::domain::format::{self, MISSING};
use crate::domain::lag::ReplicationState;
use crate::domain::metrics::{Reading, Unit};
use crate::domain::topology::TopoNode;
use crate::report::markdown::{cell, findings_table};

fn reading(r: Option<&Reading>) -> String {
    format::reading(r)
}

fn value(v: Option<f64>, unit: Unit) -> String {
    v.map_or_else(|| MISSING.to_string(), |v| format::value(v, unit))
}

fn lag(state: &ReplicationState) -> String {
    match state {
        ReplicationState::Stopped { .. } => "STOPPED (-1)".into(),
        ReplicationState::Streaming { reading } => format_duration_secs(reading.value),
        ReplicationState::NoData => MISSING.into(),
        ReplicationState::NotReplica => String::new(),
    }
}

/// What the screen shows now, as Markdown: a title line, then the view's table.
pub fn render(m: &Model) -> String {
    let now = crate::ui::chrome::export_instant(m);
    let source = m.status.source.as_ref().map_or(String::new(), |s| format!(" ({})", s.label));
    let title = match m.detail() {
        Some(_) => "Detail".to_string(),
        None => m.view.title().to_string(),
    };
    let mut s = format!(
        "## dbfleet: {title} at {} {}{source}\n\n",
        format::local_date_time(now, &m.settings.tz),
        format::tz_abbrev(now, &m.settings.tz)
    );
    if !m.filter().is_empty() && m.detail().is_none() {
        let _ = writeln!(s, "Filter: `{}`\n", m.filter().text);
    }
    if let Some(d) = m.detail() {
        detail(m, d, &mut s);
        if let Detail::Instance(arn) = d
            && let Some(inst) = m.fleet.inventory.instances.iter().find(|x| &x.arn == arn)
        {
            events_in_window(m, now, Some(inst), &mut s);
        }
        return s;
    }
    let rows = &m.current().visible;
    let inv = &m.fleet.inventory;
    match m.view {
        ViewId::Fleet => {
            s.push_str("| instance | region | account | role | failover | status | connections | % of max | replica lag | CPU | next window |\n|---|---|---|---|---|---|--:|--:|--:|--:|---|\n");
            for &i in rows {
                let r = &m.fleet.rows[i];
                let d = &inv.instances[r.index];
                let window = match &r.next_window {
                    NextWindow::At(o) => format::local_date_time(o.start, &m.settings.tz),
                    NextWindow::Invalid(w) => format!("invalid: {w}"),
                    NextWindow::None => MISSING.into(),
                };
                let max = r.max_connections.map_or(String::new(), |x| {
                    format!(" / {}{}", if x.estimated { "~" } else { "" }, format::count(f64::from(x.value)))
                });
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {} | {}{max} | {} | {} | {} | {} |",
                    cell(&d.id),
                    d.region,
                    cell(d.account_name.as_deref().unwrap_or(&d.account)),
                    d.role.label(),
                    r.failover.label(),
                    cell(&d.status),
                    reading(r.connections.as_ref()),
                    value(r.connections_percent, Unit::Percent),
                    lag(&r.replication),
                    reading(r.cpu.as_ref()),
                    cell(&window)
                );
            }
        }
        ViewId::Replication => {
            s.push_str("| topology | region | engine | lag |\n|---|---|---|--:|\n");
            for &i in rows {
                let line = &m.fleet.tree[i];
                let indent = "· ".repeat(usize::from(line.depth));
                let (name, region, engine) = match line.node {
                    TopoNode::Global(g) => {
                        let g = &inv.global_clusters[g];
                        (format!("global {}", g.id), String::new(), g.engine.clone())
                    }
                    TopoNode::Cluster(c) => {
                        let c = &inv.clusters[c];
                        (format!("cluster {}", c.id), c.region.clone(), c.engine.clone())
                    }
                    TopoNode::Instance(i) => {
                        let d = &inv.instances[i];
                        (d.id.clone(), d.region.to_string(), format!("{} {}", d.engine, d.engine_version))
                    }
                };
                let lag = line.edge_lag.as_ref().map_or(String::new(), |k| {
                    let latest = m.fleet.history.get(k).and_then(|s| s.latest());
                    match latest {
                        Some(r) if r.value < 0.0 => "STOPPED (-1)".into(),
                        Some(r) => format_duration_secs(r.value),
                        None => MISSING.into(),
                    }
                });
                let _ = writeln!(s, "| {indent}{} | {region} | {} | {lag} |", cell(&name), cell(&engine));
            }
        }
        ViewId::Kafka => {
            s.push_str("| cluster / group / topic | max offset lag | sum offset lag | time lag | status | why |\n|---|--:|--:|--:|---|---|\n");
            let k = &m.fleet.kafka;
            for &i in rows {
                let Some(&line) = m.kafka_lines.get(i) else { continue };
                let row = match line {
                    KafkaLine::Cluster(c) => {
                        let c = &k.clusters[c];
                        let mc = &inv.kafka_clusters[c.index];
                        let status = c.status.map_or(MISSING, |s| s.tag());
                        format!(
                            "| **{}** ({}) | | | | {status} | {} |",
                            cell(&mc.name),
                            mc.region,
                            cell(c.no_metrics.as_deref().unwrap_or(""))
                        )
                    }
                    KafkaLine::Reason(_) => continue,
                    KafkaLine::Group(g) => {
                        let g = &k.groups[g];
                        let topic = match g.topics.as_slice() {
                            [one] => format!(" / {}", k.consumers[*one].id.topic),
                            many => format!(" ({} topics)", many.len()),
                        };
                        let why = match g.topics.as_slice() {
                            [one] => k.consumers[*one].verdict.reason.clone(),
                            _ => String::new(),
                        };
                        format!(
                            "| · {}{} | {} | {} | {} | {} | {} |",
                            cell(&g.group),
                            cell(&topic),
                            value(g.max_offset_lag, Unit::Count),
                            value(g.sum_offset_lag, Unit::Count),
                            value(g.time_lag, Unit::Seconds),
                            g.status.tag(),
                            cell(&why)
                        )
                    }
                    KafkaLine::Topic(t) => {
                        let r = &k.consumers[t];
                        format!(
                            "| · · {} | {} | {} | {} | {} | {} |",
                            cell(&r.id.topic),
                            reading(r.max_offset_lag.as_ref()),
                            reading(r.sum_offset_lag.as_ref()),
                            reading(r.estimated_max_time_lag.as_ref()),
                            r.status().tag(),
                            cell(&r.verdict.reason)
                        )
                    }
                };
                s.push_str(&row);
                s.push('\n');
            }
        }
        ViewId::Maintenance => {
            s.push_str("| instance | region | window (UTC) | next window | pending actions | worst finding |\n|---|---|---|---|--:|---|\n");
            for &i in rows {
                let d = &inv.instances[i];
                // Fleet rows are one per instance, in inventory order (as the view reads them).
                let r = m.fleet.rows.get(i).filter(|r| r.index == i);
                let next = match r.map(|r| &r.next_window) {
                    Some(NextWindow::At(o)) => format::local_date_time(o.start, &m.settings.tz),
                    _ => MISSING.into(),
                };
                let worst = m
                    .fleet
                    .marks
                    .get(i)
                    .and_then(|k| k.maintenance)
                    .map_or(String::new(), |s| s.label().to_string());
                let _ = writeln!(
                    s,
                    "| {} | {} | {} | {} | {} | {worst} |",
                    cell(&d.id),
                    d.region,
                    d.maintenance_window.as_deref().unwrap_or(MISSING),
                    cell(&next),
                    r.map_or(0, |r| r.pending_actions)
                );
            }
        }
        ViewId::Findings => {
            let f: Vec<_> = rows.iter().map(|&i| (*m.fleet.findings[i]).clone()).collect();
            s.push_str(&findings_table(&f));
        }
        ViewId::Events => {
            let all = m.fleet.events.all();
            events_table(m, rows.iter().map(|&i| &all[i]), &mut s);
            return s;
        }
    }
    events_in_window(m, now, None, &mut s);
    s
}

/// How far back the events under a view's table go: the charts' history.
const EVENTS_WINDOW: jiff::SignedDuration = jiff::SignedDuration::from_hours(3);

/// The events of the window before `now` (of one instance, its cluster and its source, for a
/// Detail), newest first, as a table after the view's.
fn events_in_window(
    m: &Model,
    now: jiff::Timestamp,
    about: Option<&crate::domain::model::DbInstance>,
    s: &mut String,
) {
    let from = now.checked_sub(EVENTS_WINDOW).unwrap_or(now);
    let inv = &m.fleet.inventory;
    let events: Vec<_> = m
        .fleet
        .events
        .between(from, now)
        .iter()
        .rev()
        .filter(|e| about.is_none_or(|d| crate::domain::events::concerns(inv, d, e)))
        .collect();
    if events.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "\n### Events, {} to {}\n",
        format::local_day_time(from, &m.settings.tz),
        format::local_day_time(now, &m.settings.tz)
    );
    events_table(m, events.into_iter(), s);
}

fn events_table<'a>(
    m: &Model,
    events: impl Iterator<Item = &'a crate::domain::events::DbEvent>,
    s: &mut String,
) {
    s.push_str("| time | source | region | kind | event | message |\n|---|---|---|---|---|---|\n");
    for e in events {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            format::local_date_time(e.at, &m.settings.tz),
            cell(&e.source_id),
            e.region,
            e.kind().label(),
            e.event_id().unwrap_or_default(),
            cell(&e.message)
        );
    }
}

fn detail(m: &Model, d: &Detail, s: &mut String) {
    s.push_str("| field | value |\n|---|---|\n");
    match d {
        Detail::Instance(arn) => {
            let inv = &m.fleet.inventory;
            let Some((i, inst)) = inv.instances.iter().enumerate().find(|(_, x)| &x.arn == arn) else {
                return;
            };
            let row = m.fleet.rows.iter().find(|r| r.index == i);
            let mut kv = |k: &str, v: String| {
                let _ = writeln!(s, "| {k} | {} |", cell(&v));
            };
            kv("instance", inst.id.clone());
            kv("region", inst.region.to_string());
            kv("engine", format!("{} {}", inst.engine, inst.engine_version));
            kv("class", inst.class.to_string());
            kv("role", inst.role.label().into());
            kv(
                "maintenance window",
                inst.maintenance_window.as_deref().map(String::from).unwrap_or_else(|| MISSING.into()),
            );
            if let Some(r) = row {
                kv("failover", r.failover.label().into());
                kv("connections", reading(r.connections.as_ref()));
                kv("replica lag", lag(&r.replication));
                kv("CPU", reading(r.cpu.as_ref()));
            }
        }
        Detail::Consumer(id) => {
            let r = m.fleet.kafka.consumers.iter().find(|c| &c.id == id);
            let _ = writeln!(s, "| consumer group | {} |", cell(&id.group));
            let _ = writeln!(s, "| topic | {} |", cell(&id.topic));
            let _ = writeln!(s, "| cluster | {} |", cell(&id.cluster_name));
            if let Some(r) = r {
                let _ = writeln!(s, "| max offset lag | {} |", reading(r.max_offset_lag.as_ref()));
                let _ = writeln!(s, "| sum offset lag | {} |", reading(r.sum_offset_lag.as_ref()));
                let _ = writeln!(s, "| time lag | {} |", reading(r.estimated_max_time_lag.as_ref()));
                let _ = writeln!(s, "| status | {}: {} |", r.status().tag(), cell(&r.verdict.reason));
                for e in &r.verdict.evidence {
                    let _ = writeln!(s, "| evidence | {} |", cell(e));
                }
            }
        }
    }
}
