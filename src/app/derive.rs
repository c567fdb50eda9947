//! Recomputes what the views show from the model's data: domain derivations (rows, tree,
//! consumers, findings), then each view's filter and sort.

use std::cmp::Ordering;
use std::sync::Arc;

use jiff::Timestamp;

use super::action::ViewId;
use super::filter::Filter;
use super::kafka_tree;
use super::order::{opt_cmp, opt_desc};
use super::state::{FleetSort, Model, RiskCache};
use crate::domain::event_findings::event_findings;
use crate::domain::findings::{Finding, finding_order, reading_findings};
use crate::domain::fleet::{InstanceRow, NextWindow, derive_rows_with};
use crate::domain::kafka::overview;
use crate::domain::model::Inventory;
use crate::domain::risk::{RiskInput, policy, risk_findings};
use crate::domain::severity::Severity;
use crate::domain::topology::{TopoNode, TreeLine};

fn tree_line_matches(inv: &Inventory, line: &TreeLine, f: &Filter) -> bool {
    match line.node {
        TopoNode::Instance(i) => f.matches(&*inv.instances[i]),
        TopoNode::Cluster(c) => f.matches(&inv.clusters[c]),
        TopoNode::Global(g) => f.matches(&inv.global_clusters[g]),
    }
}

fn lag_key(r: &InstanceRow) -> Option<f64> {
    use crate::domain::lag::ReplicationState::*;
    match r.replication {
        Stopped { .. } => Some(f64::INFINITY),
        Streaming { reading } => Some(reading.value),
        _ => None,
    }
}

fn window_key(r: &InstanceRow) -> Option<f64> {
    match &r.next_window {
        NextWindow::At(o) => Some(o.start.as_second() as f64),
        _ => None,
    }
}

fn fleet_order(
    inv: &Inventory,
    rows: &[InstanceRow],
    marks: &[crate::domain::risk::marks::Marks],
    sort: FleetSort,
    reverse: bool,
    a: usize,
    b: usize,
) -> Ordering {
    let (ra, rb) = (&rows[a], &rows[b]);
    let (da, db) = (&inv.instances[ra.index], &inv.instances[rb.index]);
    let primary = match sort {
        // Worst first: the default, and what on-call wants at the top.
        FleetSort::Severity => rb.severity.cmp(&ra.severity).then_with(|| {
            let mark = |r: &InstanceRow| marks.get(r.index).and_then(|k| k.any);
            mark(rb).cmp(&mark(ra))
        }),
        FleetSort::Name => Ordering::Equal,
        FleetSort::Region => da.region.cmp(&db.region),
        FleetSort::Engine => (&da.engine, &da.engine_version).cmp(&(&db.engine, &db.engine_version)),
        FleetSort::Role => da.role.cmp(&db.role),
        FleetSort::Status => da.status.cmp(&db.status),
        // Numeric columns: biggest first.
        FleetSort::Connections => opt_desc(ra.connections_percent, rb.connections_percent),
        FleetSort::Lag => opt_desc(lag_key(ra), lag_key(rb)),
        FleetSort::Cpu => opt_desc(ra.cpu.map(|r| r.value), rb.cpu.map(|r| r.value)),
        FleetSort::Window => opt_cmp(window_key(ra), window_key(rb)),
    };
    let order = primary.then_with(|| da.id.cmp(&db.id)).then_with(|| da.region.cmp(&db.region));
    if reverse { order.reverse() } else { order }
}

fn merge_sorted(a: Vec<Arc<Finding>>, b: &[Arc<Finding>]) -> Vec<Arc<Finding>> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut b = b.iter().peekable();
    for x in a {
        while let Some(y) = b.next_if(|y| finding_order(y, &x) != Ordering::Greater) {
            out.push(y.clone());
        }
        out.push(x);
    }
    out.extend(b.cloned());
    out
}

/// Domain derivations; cheap enough to run on every snapshot and every few seconds.
pub fn derive_data(m: &mut Model, now: Timestamp) {
    let judging = m.judging_thresholds();
    let f = &mut m.fleet;
    if f.statics.len() != f.inventory.instances.len() {
        f.statics = crate::domain::fleet::statics(&f.inventory);
    }
    f.rows = derive_rows_with(&f.inventory, &f.statics, &f.history, &judging, now);
    f.kafka = overview(&f.inventory, &f.history, &m.settings.lag, now);
    if f.peaks.len() != f.inventory.instances.len() {
        f.peaks = crate::domain::risk::learned_peaks(&f.inventory, &m.settings.rules);
    }
    // Maintenance risk depends on the inventory and on `now` to the minute (countdowns,
    // next windows): evaluated once per minute per inventory, not on every poll and tick.
    let minute = now.as_second().div_euclid(60);
    let cached =
        f.risk.as_ref().is_some_and(|c| c.minute == minute && Arc::ptr_eq(&c.inventory, &f.inventory));
    if !cached {
        let input =
            RiskInput::new(&f.inventory, &f.statics, &f.peaks, &m.settings.rules, &m.settings.tz, now);
        let (findings, muted) = policy::apply(risk_findings(&input), &m.settings.rules, &f.inventory);
        let findings = findings.into_iter().map(Arc::new).collect();
        f.risk = Some(RiskCache { inventory: f.inventory.clone(), minute, findings, muted });
    }
    let mut readings =
        reading_findings(&f.inventory, &f.rows, &f.kafka, &m.settings.thresholds, &m.settings.tz);
    readings.extend(event_findings(&f.inventory, &f.events, now, &m.settings.thresholds, &m.settings.tz));
    let (readings, muted) = policy::apply(readings, &m.settings.rules, &f.inventory);
    let risk: &[Arc<Finding>] = f.risk.as_ref().map_or(&[], |c| &c.findings);
    f.muted = muted + f.risk.as_ref().map_or(0, |c| c.muted);
    // Both lists are sorted worst first: merge them rather than sort thousands again.
    f.findings = merge_sorted(readings.into_iter().map(Arc::new).collect(), risk);
    f.marks = crate::domain::risk::marks::per_instance(&f.inventory, f.findings.iter().map(|x| &**x));
    // The Maintenance view: instances with a window or pending maintenance, by next event.
    let next = crate::domain::risk::marks::next_events(&f.inventory, &f.rows, now);
    let mut maint: Vec<usize> = (0..f.rows.len()).filter(|&i| next[i].is_some()).collect();
    maint.sort_by(|&a, &b| {
        next[a].cmp(&next[b]).then_with(|| f.inventory.instances[a].id.cmp(&f.inventory.instances[b].id))
    });
    f.maintenance = maint;
    m.runtime.derived_at = Some(now);
    refresh_visible(m);
}

fn fleet_visible(m: &Model) -> Vec<usize> {
    let (f, state) = (&m.fleet, &m.views[ViewId::Fleet]);
    let inv = &f.inventory;
    let mut rows: Vec<usize> =
        (0..f.rows.len()).filter(|&i| state.filter.matches(&*inv.instances[f.rows[i].index])).collect();
    let sort = m.fleet_sort();
    rows.sort_by(|&a, &b| fleet_order(inv, &f.rows, &f.marks, sort, state.reverse, a, b));
    rows
}

/// Replication: keep a whole tree (from its root line) when any line of it matches, and put
/// the trees with the worst replication edge first.
fn replication_visible(m: &Model) -> Vec<usize> {
    let f = &m.fleet;
    let inv = &f.inventory;
    let filter = &m.views[ViewId::Replication].filter;
    let edge_severity = |line: &TreeLine| -> Severity {
        match (line.node, &line.edge_lag) {
            (_, None) => Severity::Unknown,
            (TopoNode::Instance(i), Some(_)) => f.rows.get(i).map_or(Severity::Unknown, |r| r.lag_severity),
            (_, Some(key)) => {
                f.history.get(key).and_then(|s| s.latest()).map_or(Severity::Unknown, |r| {
                    m.settings.thresholds.replica_lag_seconds.classify(r.value)
                })
            }
        }
    };
    let mut groups: Vec<(Severity, Vec<usize>)> = Vec::new();
    for (i, line) in f.tree.iter().enumerate() {
        if line.depth == 0 || groups.is_empty() {
            groups.push((Severity::Unknown, Vec::new()));
        }
        if let Some(g) = groups.last_mut() {
            g.0 = g.0.max(edge_severity(line));
            g.1.push(i);
        }
    }
    groups.retain(|(_, lines)| lines.iter().any(|&i| tree_line_matches(inv, &f.tree[i], filter)));
    // Stable: trees of equal severity keep the domain's order (global, clusters, RDS sources).
    groups.sort_by_key(|(sev, _)| std::cmp::Reverse(*sev));
    groups.into_iter().flat_map(|(_, lines)| lines).collect()
}

fn maintenance_visible(m: &Model) -> Vec<usize> {
    let (f, state) = (&m.fleet, &m.views[ViewId::Maintenance]);
    let inv = &f.inventory;
    let mut rows: Vec<usize> =
        f.maintenance.iter().copied().filter(|&i| state.filter.matches(&*inv.instances[i])).collect();
    if m.maintenance_by_risk() {
        // Stable: equal risk keeps the next-event order.
        rows.sort_by_key(|&i| std::cmp::Reverse(f.marks.get(i).and_then(|k| k.maintenance)));
    }
    if state.reverse {
        rows.reverse();
    }
    rows
}

/// Events, newest first, that the filter keeps and that have happened by the time on screen
/// (a replay's store can hold a poll's events from just after the playhead).
fn events_visible(m: &Model) -> Vec<usize> {
    let (all, filter) = (m.fleet.events.all(), &m.views[ViewId::Events].filter);
    let shown = m.runtime.paused.unwrap_or(m.now);
    (0..all.len()).rev().filter(|&i| all[i].at <= shown && filter.matches(&all[i])).collect()
}

/// The instance an event's Detail opens: its own, its cluster's writer, or the blue of a
/// blue/green deployment.
pub fn event_source_arn(
    inv: &crate::domain::model::Inventory,
    e: &crate::domain::events::DbEvent,
) -> Option<String> {
    let by_id = |id: &str| inv.instances.iter().find(|d| d.id == id && d.region == e.region);
    match e.source_type.as_str() {
        "db-cluster" => {
            let c = inv.clusters.iter().find(|c| c.id == e.source_id && c.region == e.region)?;
            by_id(&c.writer()?.instance_id).map(|d| d.arn.to_string())
        }
        "blue-green-deployment" => inv
            .blue_green
            .iter()
            .find(|b| b.id == e.source_id || b.name == e.source_id)
            .map(|b| b.source_arn.clone()),
        _ => by_id(&e.source_id).map(|d| d.arn.to_string()),
    }
}

fn findings_visible(m: &Model) -> Vec<usize> {
    let (f, filter) = (&m.fleet, &m.views[ViewId::Findings].filter);
    (0..f.findings.len()).filter(|&i| filter.matches(&*f.findings[i])).collect()
}

/// Re-apply filters and sorts, keeping each view's selection on the same item where possible.
pub fn refresh_visible(m: &mut Model) {
    let selected_arn = selected_instance_arn(m, ViewId::Fleet);
    let kafka_selected = m
        .selected_in(ViewId::Kafka)
        .and_then(|i| m.kafka_lines.get(i).copied())
        .and_then(|l| kafka_tree::line_key(&m.fleet.kafka, &m.fleet.inventory.kafka_clusters, l));
    let kafka_lines = {
        let (f, state) = (&m.fleet, &m.views[ViewId::Kafka]);
        kafka_tree::lines(&f.kafka, &f.inventory.kafka_clusters, &state.filter, m.kafka_sort(), state.reverse)
    };
    m.views[ViewId::Fleet].visible = fleet_visible(m);
    m.views[ViewId::Replication].visible = replication_visible(m);
    m.views[ViewId::Kafka].visible = (0..kafka_lines.len()).collect();
    m.views[ViewId::Maintenance].visible = maintenance_visible(m);
    m.views[ViewId::Findings].visible = findings_visible(m);
    let selected_event = m.selected_in(ViewId::Events).and_then(|i| m.fleet.events.all().get(i).cloned());
    m.views[ViewId::Events].visible = events_visible(m);
    if let Some(e) = selected_event {
        let all = m.fleet.events.all();
        if let Some(pos) = m.views[ViewId::Events].visible.iter().position(|&i| all[i] == e) {
            m.views[ViewId::Events].cursor.selected = pos;
        }
    }
    m.kafka_lines = kafka_lines;

    if let Some(arn) = selected_arn {
        let (rows, insts) = (&m.fleet.rows, &m.fleet.inventory.instances);
        if let Some(pos) =
            m.views[ViewId::Fleet].visible.iter().position(|&r| insts[rows[r].index].arn == arn)
        {
            m.views[ViewId::Fleet].cursor.selected = pos;
        }
    }
    if let Some(key) = kafka_selected {
        let (k, clusters) = (&m.fleet.kafka, &m.fleet.inventory.kafka_clusters);
        if let Some(pos) =
            m.kafka_lines.iter().position(|&l| kafka_tree::line_key(k, clusters, l).as_ref() == Some(&key))
        {
            m.views[ViewId::Kafka].cursor.selected = pos;
        }
    }
    clamp_cursors(m);
}

pub fn clamp_cursors(m: &mut Model) {
    let rows = m.body_rows();
    for (_, state) in m.views.iter_mut() {
        let len = state.visible.len();
        state.cursor.clamp(len, rows);
    }
}

/// ARN of the instance under the cursor in a view, if the row is an instance.
pub fn selected_instance_arn(m: &Model, view: ViewId) -> Option<String> {
    let row = m.views[view].selected()?;
    let inv = &m.fleet.inventory;
    let index = match view {
        ViewId::Fleet => m.fleet.rows.get(row)?.index,
        ViewId::Maintenance => row,
        ViewId::Replication => match m.fleet.tree.get(row)?.node {
            TopoNode::Instance(i) => i,
            TopoNode::Cluster(c) => {
                let c = &inv.clusters[c];
                let w = c.writer()?;
                inv.instances.iter().position(|d| d.id == w.instance_id && d.region == c.region)?
            }
            TopoNode::Global(_) => return None,
        },
        ViewId::Events => {
            let e = m.fleet.events.all().get(row)?;
            return event_source_arn(inv, e);
        }
        ViewId::Kafka | ViewId::Findings => return None,
    };
    inv.instances.get(index).map(|d| d.arn.to_string())
}
