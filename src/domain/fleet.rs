//! The Fleet view's rows: one per instance, with its latest readings (each with unit and age),
//! max_connections, replication state, next maintenance window and a worst severity.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::capacity::{GroupValue, LimitInput, MaxConnections, max_connections};
use super::lag::ReplicationState;
use super::maintenance::{MaintenanceWindow, WindowOccurrence};
use super::metrics::{MetricHistory, MetricKind, Reading, Series};
use super::model::{AcuRange, DbCluster, DbInstance, Inventory, ParameterGroupKind, Role};
use super::severity::Severity;
use super::status::Activity;
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
    /// Serverless v2: ACUs now (`ServerlessDatabaseCapacity`), against `acu_range`.
    pub capacity: Option<Reading>,
    pub acu_range: Option<AcuRange>,
    /// What the status means for the readings (a stopped instance has none, by design).
    pub activity: Activity,
    /// A stopped instance: about when it stopped (its last datapoint), if known.
    pub stopped_since: Option<Timestamp>,
    /// Serverless v2: the run at its maximum ACU, up to the newest point.
    pub at_max_acu: Run,
    pub next_window: NextWindow,
    pub pending_actions: usize,
    /// What takes over if this instance's AZ goes down.
    pub failover: Failover,
    pub connections_severity: Severity,
    pub lag_severity: Severity,
    pub cpu_severity: Severity,
    /// Worst of the above (unknown never hides a real problem).
    pub severity: Severity,
    /// A worse replica lag than the newest among the points the latest fetch added: a cold
    /// series asked every few minutes brings a spike that may have ended by then. Findings
    /// judge it; the row shows the newest reading.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_peak: Option<Reading>,
    /// The same for connections against max_connections.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connections_peak: Option<Reading>,
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
    pub acu_range: Option<AcuRange>,
    pub activity: Activity,
    /// The newest hourly datapoint of its load profile (a stopped writer's stop, roughly).
    pub last_profile_point: Option<Timestamp>,
}

/// Lookups `statics` needs, built once for the whole inventory.
struct Lookups<'a> {
    sizes: HashMap<(&'a str, &'a str), usize>,
    clusters: HashMap<(&'a str, &'a str, &'a str), &'a DbCluster>,
    groups: HashMap<(ParameterGroupKind, &'a str, &'a str, &'a str), Option<&'a str>>,
}

impl<'a> Lookups<'a> {
    fn new(inv: &'a Inventory) -> Self {
        Lookups {
            sizes: inv
                .clusters
                .iter()
                .map(|c| ((c.region.as_str(), c.id.as_str()), c.members.len()))
                .collect(),
            clusters: inv
                .clusters
                .iter()
                .map(|c| ((c.account.as_str(), c.region.as_str(), c.id.as_str()), c))
                .collect(),
            groups: inv
                .parameter_groups
                .iter()
                .map(|g| {
                    (
                        (g.kind, g.account.as_str(), g.region.as_str(), g.name.as_str()),
                        g.max_connections.as_deref(),
                    )
                })
                .collect(),
        }
    }

    /// What a group says of max_connections: default groups set nothing custom; a custom
    /// group absent from the inventory was not read.
    fn group(&self, kind: ParameterGroupKind, d: &DbInstance, name: Option<&str>) -> GroupValue<'a> {
        match name {
            None => GroupValue::Default,
            Some(n) if n.starts_with("default.") => GroupValue::Default,
            Some(n) => match self.groups.get(&(kind, d.account.as_str(), d.region.as_str(), n)) {
                Some(v) => GroupValue::Read(*v),
                None => GroupValue::Unread,
            },
        }
    }
}

/// The limit in force for one instance (its groups, its cluster's ACU range).
fn limit_of(d: &DbInstance, cluster: Option<&DbCluster>, l: &Lookups) -> Option<MaxConnections> {
    max_connections(&LimitInput {
        family: d.family(),
        class: &d.class,
        is_replica: d.role == Role::Replica,
        allocated_storage_gib: d.allocated_storage_gib,
        db_group: l.group(ParameterGroupKind::Db, d, d.parameter_group.as_ref().map(|g| g.name.as_str())),
        cluster_group: l.group(
            ParameterGroupKind::Cluster,
            d,
            cluster.and_then(|c| c.parameter_group.as_deref()),
        ),
        serverless_max_acu: cluster.and_then(|c| c.serverless_v2).map(|r| r.max),
    })
}

pub fn statics(inv: &Inventory) -> Vec<InstanceStatic> {
    let pending = pending_by_arn(inv);
    let l = Lookups::new(inv);
    inv.instances
        .iter()
        .map(|d| {
            let mut n = pending.get(d.arn.as_str()).copied().unwrap_or(0);
            if !d.pending_modified.is_empty() {
                n += 1;
            }
            let cluster = d
                .cluster_id
                .as_deref()
                .and_then(|c| l.clusters.get(&(d.account.as_str(), d.region.as_str(), c)).copied());
            InstanceStatic {
                window: effective_window(d)
                    .map(|w| w.parse::<MaintenanceWindow>().map_err(|e| e.to_string())),
                max_connections: limit_of(d, cluster, &l),
                failover: failover(d, &l.sizes),
                pending_actions: n,
                acu_range: cluster
                    .and_then(|c| c.serverless_v2)
                    .filter(|_| crate::domain::capacity::is_serverless(&d.class)),
                activity: Activity::of(&d.status),
                last_profile_point: inv.load_profiles.get(d.arn.as_str()).and_then(|p| p.last_at),
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
    let capacity = st.acu_range.and(history.latest(&d.arn, MetricKind::ServerlessCapacity));
    // No datapoint is expected from a stopped or still-creating instance: its readings judge
    // nothing, and their absence is not a gap.
    let expects = st.activity.publishes_metrics();
    let is_replica = matches!(d.role, Role::Replica | Role::Reader);
    let lag = if is_replica { history.latest(&d.arn, MetricKind::ReplicaLag) } else { None };
    let replication = ReplicationState::from_reading(is_replica, lag);
    let max = st.max_connections;
    let connections_percent = match (connections, max) {
        (Some(c), Some(m)) if m.value > 0 => Some(c.value / f64::from(m.value) * 100.0),
        _ => None,
    };
    let quiet = |s: Severity| if expects { s } else { Severity::Ok };
    let connections_severity = quiet(match (fresh(connections, now, t), connections_percent) {
        (Some(_), Some(p)) => t.connections_percent.classify(p),
        (Some(_), None) => Severity::Ok,
        _ => Severity::Unknown,
    });
    let cpu_severity =
        quiet(fresh(cpu, now, t).map_or(Severity::Unknown, |r| t.cpu_percent.classify(r.value)));
    let lag_severity = quiet(match replication {
        ReplicationState::Stopped { reading } | ReplicationState::Streaming { reading }
            if reading.is_stale(now, t.stale_after_seconds) =>
        {
            Severity::Unknown
        }
        ref s => s.severity(t),
    });
    // The latest fetch's worst point when it is worse than the newest (only while the newest is
    // current: a stale series judges nothing).
    let lag_peak = (is_replica && expects && lag_severity != Severity::Unknown)
        .then(|| history.series(&d.arn, MetricKind::ReplicaLag)?.arrival_worst())
        .flatten()
        .filter(|p| ReplicationState::from_reading(true, Some(*p)).severity(t) > lag_severity);
    let connections_peak = match max {
        Some(m) if expects && m.value > 0 && connections_severity != Severity::Unknown => {
            history.series(&d.arn, MetricKind::Connections).and_then(Series::arrival_worst).filter(|p| {
                t.connections_percent.classify(p.value / f64::from(m.value) * 100.0) > connections_severity
            })
        }
        _ => None,
    };
    let severity = [connections_severity, cpu_severity, lag_severity, st.activity.severity()]
        .into_iter()
        .filter(|s| *s != Severity::Unknown)
        .max()
        .unwrap_or(Severity::Unknown);
    let stopped_since = (st.activity == Activity::Stopped)
        .then(|| [connections, cpu].into_iter().flatten().map(|r| r.at).chain(st.last_profile_point).max())
        .flatten();
    let next_window = match &st.window {
        None => NextWindow::None,
        Some(Ok(w)) => NextWindow::At(w.next_occurrence(now)),
        Some(Err(e)) => NextWindow::Invalid(e.clone()),
    };
    let at_max_acu = st
        .acu_range
        .zip(history.series(&d.arn, MetricKind::ServerlessCapacity))
        .map_or(Run::default(), |(r, s)| minutes_at_or_above(s, r.max));
    InstanceRow {
        index,
        connections,
        max_connections: max,
        connections_percent,
        replication,
        cpu,
        capacity,
        acu_range: st.acu_range,
        activity: st.activity,
        stopped_since,
        at_max_acu,
        next_window,
        pending_actions: st.pending_actions,
        failover: st.failover,
        connections_severity,
        lag_severity,
        cpu_severity,
        severity,
        lag_peak,
        connections_peak,
    }
}

/// A run of minutes at a level, up to the newest point.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub minutes: u32,
    /// The run starts at the oldest minute kept: it may have started earlier.
    pub at_least: bool,
}

/// Minutes the series has been at or above `level` without a break, up to its newest point
/// (a missing minute ends the run: it proves nothing either way). Counted over the periods
/// kept a slot each: a block's low and high cannot prove every minute in it.
pub fn minutes_at_or_above(s: &Series, level: f64) -> Run {
    let period = i64::from(s.period_secs);
    let mut run = 0u32;
    let mut next: Option<Timestamp> = None;
    let mut broken = false;
    for p in s.period_points().rev() {
        let contiguous = next.is_none_or(|n| n.as_second() - p.at.as_second() == period);
        if !contiguous || p.value < level - 0.01 {
            broken = true;
            break;
        }
        run += 1;
        next = Some(p.at);
    }
    Run { minutes: (i64::from(run) * period / 60) as u32, at_least: run > 0 && !broken }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::metrics::{Point, Resolution};

    #[test]
    fn a_run_at_a_level_says_when_it_may_be_longer() {
        let at = |m: i64| Timestamp::from_second(1_800_000_000 + m * 60).unwrap();
        let series = |values: &[f64]| {
            let mut s = Series::with_resolution(MetricKind::ServerlessCapacity, 60, Resolution::Tiered);
            let pts: Vec<Point> =
                values.iter().enumerate().map(|(i, &v)| Point { at: at(i as i64), value: v }).collect();
            s.merge(&pts, 240);
            s
        };
        // Below, then ten minutes at 16: exactly ten.
        let mut v = vec![8.0; 20];
        v.extend([16.0; 10]);
        assert_eq!(minutes_at_or_above(&series(&v), 16.0), Run { minutes: 10, at_least: false });
        // Two hours at 16: the minutes kept are the newest hour, so at least 60.
        assert_eq!(minutes_at_or_above(&series(&[16.0; 120]), 16.0), Run { minutes: 60, at_least: true });
        // Not at the level now: no run.
        assert_eq!(minutes_at_or_above(&series(&[16.0, 8.0]), 16.0), Run { minutes: 0, at_least: false });
    }
}
