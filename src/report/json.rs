//! The `snapshot` JSON schema. Field names are a contract (README "JSON schema"): add, never
//! rename. Missing values are `null`, never 0; every reading carries its unit and time.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::app::state::Model;
use crate::domain::alarms::{Alarm, AlarmState};
use crate::domain::capability_status::CapabilityStatus;
use crate::domain::capacity::{LimitCaveat, source_label};
use crate::domain::consumer_status::LagStatus;
use crate::domain::events::{DbEvent, EventKind};
use crate::domain::findings::Finding;
use crate::domain::fleet::NextWindow;
use crate::domain::maintenance::WindowOccurrence;
use crate::domain::metrics::{MetricKind, Reading, Unit};
use crate::domain::model::{
    BlueGreenDeployment, ClusterKind, DbCluster, GlobalCluster, MskCluster, PendingAction, PendingModified,
};
use crate::domain::severity::Severity;
use crate::domain::snapshot::{ApiStats, SourceError, SourceInfo};
use crate::domain::status::{Activity, auto_start_at};

#[derive(Debug, Serialize)]
pub struct ReadingOut {
    pub value: f64,
    pub unit: Unit,
    pub at: Timestamp,
    pub age_seconds: i64,
}

fn reading(r: Option<Reading>, now: Timestamp) -> Option<ReadingOut> {
    r.map(|r| ReadingOut { value: r.value, unit: r.unit, at: r.at, age_seconds: r.age_secs(now) })
}

#[derive(Debug, Serialize)]
pub struct InstanceOut {
    pub id: String,
    pub arn: String,
    pub account: String,
    /// The account's name (config, organization, alias), or null.
    pub account_name: Option<String>,
    pub region: String,
    pub availability_zone: Option<String>,
    pub engine: String,
    pub engine_version: String,
    pub class: String,
    pub status: String,
    pub role: &'static str,
    pub cluster_id: Option<String>,
    pub replica_source: Option<String>,
    pub replicas: Vec<String>,
    pub multi_az: bool,
    pub secondary_az: Option<String>,
    /// multi-az, cluster or single-az.
    pub failover: &'static str,
    pub auto_minor_version_upgrade: bool,
    pub auto_upgrade_target: Option<String>,
    pub maintenance_window: Option<String>,
    pub next_maintenance_window: Option<WindowOccurrence>,
    pub maintenance_window_error: Option<String>,
    pub pending_modified: PendingModified,
    pub pending_actions: usize,
    /// Latest DatabaseConnections (count).
    pub connections: Option<f64>,
    /// max_connections in force: the parameter group's value, else the engine default.
    pub max_connections: Option<u32>,
    /// The same number, under its schema-1 name.
    pub max_connections_estimate: Option<u32>,
    /// True only when computed from the class memory (a formula): RDS reserves part of it.
    pub max_connections_is_estimate: Option<bool>,
    /// `parameter-group NAME`, `cluster-parameter-group NAME`, `engine default`,
    /// `serverless max ACU N`, `class limit`.
    pub max_connections_source: Option<String>,
    /// `group-unread` (the custom group could not be read), `group-value-unreadable`.
    pub max_connections_caveat: Option<LimitCaveat>,
    pub parameter_group: Option<String>,
    /// `in-sync`, `pending-reboot`, `applying`.
    pub parameter_apply_status: Option<String>,
    /// Serverless v2: ACUs now, and the cluster's range.
    pub serverless_capacity_acu: Option<f64>,
    pub serverless_min_acu: Option<f64>,
    pub serverless_max_acu: Option<f64>,
    /// Minutes at the maximum ACU, up to the newest point.
    pub serverless_minutes_at_max: Option<u32>,
    /// The run at the maximum goes back to the oldest minute kept: it may be longer.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub serverless_minutes_at_max_at_least: bool,
    /// running, stopped, starting, deleting, broken: whether datapoints are expected.
    pub activity: Activity,
    /// A stopped instance: about when it stopped (its last datapoint), and when AWS starts it
    /// again (7 days later); null when unknown.
    pub stopped_since: Option<Timestamp>,
    pub auto_start_at: Option<Timestamp>,
    pub connections_percent: Option<f64>,
    /// Seconds; null when not a replica, when replication is stopped, or with no datapoint.
    pub replica_lag_seconds: Option<f64>,
    /// not_replica, no_data, stopped (ReplicaLag -1) or streaming.
    pub replication_state: &'static str,
    pub cpu_percent: Option<f64>,
    pub free_storage_bytes: Option<f64>,
    pub readings: BTreeMap<&'static str, ReadingOut>,
    pub severity: Severity,
    pub tags: crate::domain::sym::Tags,
}

#[derive(Debug, Serialize)]
pub struct KafkaOut {
    pub cluster: String,
    pub cluster_arn: String,
    pub region: String,
    pub consumer_group: String,
    pub topic: String,
    pub max_offset_lag: Option<f64>,
    pub sum_offset_lag: Option<f64>,
    pub estimated_max_time_lag_seconds: Option<f64>,
    pub at: Option<Timestamp>,
    pub severity: Severity,
    /// OK, WARN, ERR, STALL, STOP or UNKNOWN, with why.
    pub status: LagStatus,
    pub status_reason: String,
    pub status_evidence: Vec<String>,
}

/// A cluster that publishes no consumer lag, and why.
#[derive(Debug, Serialize)]
pub struct KafkaSilentOut {
    pub cluster: String,
    pub cluster_arn: String,
    pub region: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct SnapshotReport {
    pub schema_version: u32,
    pub taken_at: Option<Timestamp>,
    pub source: Option<SourceInfo>,
    pub instances: Vec<InstanceOut>,
    pub clusters: Vec<ClusterOut>,
    pub global_clusters: Vec<GlobalCluster>,
    pub pending_actions: Vec<PendingAction>,
    pub blue_green_deployments: Vec<BlueGreenDeployment>,
    pub kafka_clusters: Vec<MskCluster>,
    pub kafka: Vec<KafkaOut>,
    pub kafka_without_lag_metrics: Vec<KafkaSilentOut>,
    pub findings: Vec<Finding>,
    pub errors: Vec<SourceError>,
    pub api: Option<ApiStats>,
    /// Per account x region x capability: ok, denied, unsupported, failed or stale.
    pub capabilities: Vec<CapabilityStatus>,
    /// RDS events kept (up to 14 days), oldest first.
    pub events: Vec<EventOut>,
    /// The team's CloudWatch metric alarms.
    pub alarms: Vec<AlarmOut>,
}

#[derive(Debug, Serialize)]
pub struct EventOut {
    pub source_id: String,
    pub source_type: String,
    pub region: String,
    pub account: Option<String>,
    pub at: Timestamp,
    pub categories: Vec<String>,
    pub message: String,
    /// `RDS-EVENT-NNNN`, when the message names it or is a known one.
    pub event_id: Option<String>,
    /// failover, restart, maintenance, upgrade, storage-full, replication-error, recovery, other.
    pub kind: EventKind,
}

#[derive(Debug, Serialize)]
pub struct AlarmOut {
    pub name: String,
    pub state: AlarmState,
    pub reason: String,
    pub since: Timestamp,
    /// The instance, cluster or `cluster/group` it watches (None: something else).
    pub resource_id: Option<String>,
    pub namespace: String,
    pub metric: String,
    pub region: String,
    pub account: Option<String>,
}

fn events_out(events: &[DbEvent]) -> Vec<EventOut> {
    events
        .iter()
        .map(|e| EventOut {
            source_id: e.source_id.clone(),
            source_type: e.source_type.clone(),
            region: e.region.clone(),
            account: e.account.clone(),
            at: e.at,
            categories: e.categories.clone(),
            message: e.message.clone(),
            event_id: e.event_id(),
            kind: e.kind(),
        })
        .collect()
}

fn alarms_out(alarms: &[Alarm]) -> Vec<AlarmOut> {
    alarms
        .iter()
        .map(|a| AlarmOut {
            name: a.name.clone(),
            state: a.state,
            reason: a.reason.clone(),
            since: a.since,
            resource_id: a.resource_id(),
            namespace: a.namespace.clone(),
            metric: a.metric.clone(),
            region: a.region.clone(),
            account: a.account.clone(),
        })
        .collect()
}

/// A cluster as DescribeDBClusters gave it, and what kind it is.
#[derive(Debug, Serialize)]
pub struct ClusterOut {
    #[serde(flatten)]
    pub cluster: DbCluster,
    /// aurora, multi-az-db-cluster, neptune, documentdb.
    pub kind: ClusterKind,
}

pub const SCHEMA_VERSION: u32 = 1;

pub fn build(m: &Model) -> SnapshotReport {
    let now = m.now;
    let inv = &m.fleet.inventory;
    let h = &m.fleet.history;
    let mut instances: Vec<InstanceOut> = m
        .fleet
        .rows
        .iter()
        .map(|r| {
            let d = &inv.instances[r.index];
            let free = h.latest(&d.arn, MetricKind::FreeStorage);
            let acu_util = h.latest(&d.arn, MetricKind::AcuUtilization);
            let cluster = inv.cluster_of(d);
            let mut readings = BTreeMap::new();
            for (name, value) in [
                ("connections", r.connections),
                ("cpu_percent", r.cpu),
                ("replica_lag", r.replication.reading().copied()),
                ("free_storage", free),
                ("serverless_capacity", r.capacity),
                ("acu_utilization", acu_util),
            ] {
                if let Some(v) = reading(value, now) {
                    readings.insert(name, v);
                }
            }
            let (next, window_err) = match &r.next_window {
                NextWindow::At(o) => (Some(*o), None),
                NextWindow::Invalid(e) => (None, Some(e.clone())),
                NextWindow::None => (None, None),
            };
            InstanceOut {
                id: d.id.clone(),
                arn: d.arn.to_string(),
                account: d.account.to_string(),
                account_name: d.account_name.as_deref().map(String::from),
                region: d.region.to_string(),
                availability_zone: d.availability_zone.as_deref().map(String::from),
                engine: d.engine.to_string(),
                engine_version: d.engine_version.to_string(),
                class: d.class.to_string(),
                status: d.status.to_string(),
                role: d.role.label(),
                cluster_id: d.cluster_id.clone(),
                replica_source: d.replica_source.clone(),
                replicas: d.replicas.clone(),
                multi_az: d.multi_az,
                secondary_az: d.secondary_az.as_deref().map(String::from),
                failover: r.failover.label(),
                auto_minor_version_upgrade: d.auto_minor_version_upgrade,
                auto_upgrade_target: d.auto_upgrade_target.as_deref().map(String::from),
                maintenance_window: d.maintenance_window.as_deref().map(String::from),
                next_maintenance_window: next,
                maintenance_window_error: window_err,
                pending_modified: d.pending_modified.clone(),
                pending_actions: r.pending_actions,
                connections: r.connections.map(|c| c.value),
                max_connections: r.max_connections.map(|x| x.value),
                max_connections_estimate: r.max_connections.map(|x| x.value),
                max_connections_is_estimate: r.max_connections.map(|x| x.estimated),
                max_connections_source: r.max_connections.map(|x| source_label(&x, d, cluster)),
                max_connections_caveat: r.max_connections.and_then(|x| x.caveat),
                parameter_group: d.parameter_group.as_ref().map(|g| g.name.to_string()),
                parameter_apply_status: d
                    .parameter_group
                    .as_ref()
                    .and_then(|g| g.apply_status.as_deref().map(String::from)),
                serverless_capacity_acu: r.capacity.map(|c| c.value),
                serverless_min_acu: r.acu_range.map(|x| x.min),
                serverless_max_acu: r.acu_range.map(|x| x.max),
                serverless_minutes_at_max: r.acu_range.map(|_| r.at_max_acu.minutes),
                serverless_minutes_at_max_at_least: r.at_max_acu.at_least,
                activity: r.activity,
                stopped_since: r.stopped_since,
                auto_start_at: (r.activity == Activity::Stopped)
                    .then(|| auto_start_at(r.stopped_since))
                    .flatten(),
                connections_percent: r.connections_percent.map(|p| (p * 10.0).round() / 10.0),
                replica_lag_seconds: r.replication.lag_seconds(),
                replication_state: r.replication.label(),
                cpu_percent: r.cpu.map(|c| c.value),
                free_storage_bytes: free.map(|f| f.value),
                readings,
                severity: r.severity,
                tags: d.tags.clone(),
            }
        })
        .collect();
    instances.sort_by(|a, b| (&a.region, &a.id).cmp(&(&b.region, &b.id)));
    let kafka = m
        .fleet
        .kafka
        .consumers
        .iter()
        .map(|c| KafkaOut {
            cluster: c.id.cluster_name.to_string(),
            cluster_arn: c.id.cluster_arn.to_string(),
            region: c.region.clone(),
            consumer_group: c.id.group.to_string(),
            topic: c.id.topic.to_string(),
            max_offset_lag: c.max_offset_lag.map(|r| r.value),
            sum_offset_lag: c.sum_offset_lag.map(|r| r.value),
            estimated_max_time_lag_seconds: c.estimated_max_time_lag.map(|r| r.value),
            at: c.estimated_max_time_lag.or(c.max_offset_lag).map(|r| r.at),
            severity: c.severity(),
            status: c.status(),
            status_reason: c.verdict.reason.clone(),
            status_evidence: c.verdict.evidence.clone(),
        })
        .collect();
    let kafka_without_lag_metrics = m
        .fleet
        .kafka
        .clusters
        .iter()
        .filter_map(|c| {
            let k = inv.kafka_clusters.get(c.index)?;
            Some(KafkaSilentOut {
                cluster: k.name.clone(),
                cluster_arn: k.arn.clone(),
                region: k.region.clone(),
                reason: c.no_metrics.clone()?,
            })
        })
        .collect();
    SnapshotReport {
        schema_version: SCHEMA_VERSION,
        taken_at: m.status.last_success,
        source: m.status.source.clone(),
        instances,
        clusters: inv.clusters.iter().map(|c| ClusterOut { cluster: c.clone(), kind: c.kind() }).collect(),
        global_clusters: inv.global_clusters.clone(),
        pending_actions: inv.pending_actions.clone(),
        blue_green_deployments: inv.blue_green.clone(),
        kafka_clusters: inv.kafka_clusters.clone(),
        kafka,
        kafka_without_lag_metrics,
        findings: m.fleet.findings.iter().map(|f| (**f).clone()).collect(),
        errors: m.status.errors.clone(),
        api: m.status.api.clone(),
        capabilities: m.status.capabilities.clone(),
        events: events_out(m.fleet.events.all()),
        alarms: alarms_out(&inv.alarms),
    }
}
