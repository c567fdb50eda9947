//! The Fleet view's rows: one per instance, with its latest readings (each with unit and age),
//! max_connections, replication state, next maintenance window and a worst severity.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::capacity::{MaxConnections, max_connections};
use super::lag::ReplicationState;
use super::maintenance::{MaintenanceWindow, WindowOccurrence};
use super::metrics::{MetricHistory, MetricKind, Reading};
use super::model::{DbInstance, Inventory, Role};
use super::severity::Severity;
use super::thresholds::Thresholds;

/// The next maintenance window, or why there is none to show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextWindow {
    None,
    Invalid(String),
    At(WindowOccurrence),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceRow {
    /// Index into `Inventory::instances`.
    pub index: usize,
    pub connections: Option<Reading>,
    pub max_connections: Option<MaxConnections>,
    pub connections_percent: Option<f64>,
    pub replication: ReplicationState,
    pub cpu: Option<Reading>,
    pub next_window: NextWindow,
    pub pending_actions: usize,
    /// What takes over if this instance's AZ goes down.
    pub failover: Failover,
    pub connections_severity: Severity,
    pub lag_severity: Severity,
    pub cpu_severity: Severity,
    /// Worst of the above (unknown never hides a real problem).
    pub severity: Severity,
}

/// Whether an instance has somewhere to fail over to within its region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Failover {
    /// Multi-AZ instance deployment: a standby in another AZ.
    Standby,
    /// Aurora: another cluster member can be promoted.
    ClusterMember,
    /// Nothing: one AZ outage takes it down.
    None,
}

impl Failover {
    pub fn label(self) -> &'static str {
        match self {
            Failover::Standby => "multi-az",
            Failover::ClusterMember => "cluster",
            Failover::None => "single-az",
        }
    }
}

pub fn failover(d: &DbInstance, cluster_sizes: &HashMap<(&str, &str), usize>) -> Failover {
    if d.multi_az {
        return Failover::Standby;
    }
    match &d.cluster_id {
        Some(c) if cluster_sizes.get(&(d.region.as_str(), c.as_str())).copied().unwrap_or(0) > 1 => {
            Failover::ClusterMember
        }
        _ => Failover::None,
    }
}

/// The window that governs an instance: Aurora instances follow their own window too.
pub fn effective_window(d: &DbInstance) -> Option<&str> {
    d.maintenance_window.as_deref()
}

fn fresh(r: Option<Reading>, now: Timestamp, t: &Thresholds) -> Option<Reading> {
    // A reading too old to describe the present still shows (with its age) but does not
    // colour the row as if it were current.
    r.filter(|r| !r.is_stale(now, t.stale_after_seconds))
}

/// What a row needs from the inventory alone: computed once per inventory change, not on
/// every derive (window parsing and class lookups add up at 5,000 instances).
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceStatic {
    pub window: Option<Result<MaintenanceWindow, String>>,
    pub max_connections: Option<MaxConnections>,
    pub failover: Failover,
    pub pending_actions: usize,
}

pub fn statics(inv: &Inventory) -> Vec<InstanceStatic> {
    let pending = pending_by_arn(inv);
    let sizes: HashMap<(&str, &str), usize> =
        inv.clusters.iter().map(|c| ((c.region.as_str(), c.id.as_str()), c.members.len())).collect();
    inv.instances
        .iter()
        .map(|d| {
            let mut n = pending.get(d.arn.as_str()).copied().unwrap_or(0);
            if !d.pending_modified.is_empty() {
                n += 1;
            }
            InstanceStatic {
                window: effective_window(d)
                    .map(|w| w.parse::<MaintenanceWindow>().map_err(|e| e.to_string())),
                max_connections: max_connections(d.max_connections, d.family(), &d.class),
                failover: failover(d, &sizes),
                pending_actions: n,
            }
        })
        .collect()
}

pub fn derive_row(
    index: usize,
    d: &DbInstance,
    st: &InstanceStatic,
    history: &MetricHistory,
    t: &Thresholds,
    now: Timestamp,
) -> InstanceRow {
    let connections = history.latest(&d.arn, MetricKind::Connections);
    let cpu = history.latest(&d.arn, MetricKind::CpuPercent);
    let is_replica = matches!(d.role, Role::Replica | Role::Reader);
    let lag = if is_replica { history.latest(&d.arn, MetricKind::ReplicaLag) } else { None };
    let replication = ReplicationState::from_reading(is_replica, lag);
    let max = st.max_connections;
    let connections_percent = match (connections, max) {
        (Some(c), Some(m)) if m.value > 0 => Some(c.value / f64::from(m.value) * 100.0),
        _ => None,
    };
    let connections_severity = match (fresh(connections, now, t), connections_percent) {
        (Some(_), Some(p)) => t.connections_percent.classify(p),
        (Some(_), None) => Severity::Ok,
        _ => Severity::Unknown,
    };
    let cpu_severity = fresh(cpu, now, t).map_or(Severity::Unknown, |r| t.cpu_percent.classify(r.value));
    let lag_severity = match replication {
        ReplicationState::Stopped { reading } | ReplicationState::Streaming { reading }
            if reading.is_stale(now, t.stale_after_seconds) =>
        {
            Severity::Unknown
        }
        ref s => s.severity(t),
    };
    let severity = [connections_severity, cpu_severity, lag_severity]
        .into_iter()
        .filter(|s| *s != Severity::Unknown)
        .max()
        .unwrap_or(Severity::Unknown);
    let next_window = match &st.window {
        None => NextWindow::None,
        Some(Ok(w)) => NextWindow::At(w.next_occurrence(now)),
        Some(Err(e)) => NextWindow::Invalid(e.clone()),
    };
    InstanceRow {
        index,
        connections,
        max_connections: max,
        connections_percent,
        replication,
        cpu,
        next_window,
        pending_actions: st.pending_actions,
        failover: st.failover,
        connections_severity,
        lag_severity,
        cpu_severity,
        severity,
    }
}

/// Pending maintenance actions per instance ARN.
pub fn pending_by_arn(inv: &Inventory) -> HashMap<&str, usize> {
    let mut m = HashMap::new();
    for a in &inv.pending_actions {
        *m.entry(a.resource_arn.as_str()).or_insert(0) += 1;
    }
    m
}

/// Rows for every instance; `statics` is `statics(inv)` (cached by the caller).
pub fn derive_rows_with(
    inv: &Inventory,
    statics: &[InstanceStatic],
    history: &MetricHistory,
    t: &Thresholds,
    now: Timestamp,
) -> Vec<InstanceRow> {
    inv.instances
        .iter()
        .zip(statics)
        .enumerate()
        .map(|(i, (d, st))| derive_row(i, d, st, history, t, now))
        .collect()
}

pub fn derive_rows(
    inv: &Inventory,
    history: &MetricHistory,
    t: &Thresholds,
    now: Timestamp,
) -> Vec<InstanceRow> {
    derive_rows_with(inv, &statics(inv), history, t, now)
}
