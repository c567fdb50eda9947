//! The metric plan: which CloudWatch metrics to ask for, for which resources, with which
//! statistic, planned as a whole for a region and cut into GetMetricData calls of at most 500
//! queries. Pure: no SDK types, so it is tested (and counted) on its own.

use crate::domain::capacity::is_serverless;
use crate::domain::metrics::{MetricKind, SeriesKey};
use crate::domain::model::{ConsumerGroupTopic, DbInstance, EngineFamily, Inventory, MskCluster, Role};
use crate::domain::status::Activity;

/// GetMetricData's limit on queries per call.
pub const MAX_QUERIES_PER_CALL: usize = 500;
/// One-minute resolution (CloudWatch keeps it for 15 days).
pub const PERIOD_SECS: i32 = 60;

/// One metric query: a CloudWatch metric, a statistic, and the series it feeds.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    pub namespace: &'static str,
    pub metric: &'static str,
    /// Shared by the queries of one resource (a fifth of a plan's heap at 5,000 instances
    /// was a copy per query).
    pub dimensions: Dims,
    pub stat: &'static str,
    pub key: SeriesKey,
    /// The account whose metric this is, when read through a monitoring account (`AccountId`
    /// on the query); None: the caller's own.
    pub account: Option<crate::domain::sym::Sym>,
}

/// A query's dimensions, name then value.
pub type Dims = std::sync::Arc<[(&'static str, String)]>;

fn q(
    namespace: &'static str,
    metric: &'static str,
    dims: Dims,
    stat: &'static str,
    key: SeriesKey,
) -> MetricQuery {
    MetricQuery { namespace, metric, dimensions: dims, stat, key, account: None }
}

/// The replica-lag metric of an instance, by role and engine: RDS read replicas and Multi-AZ
/// DB cluster readers publish `ReplicaLag` (s), Aurora readers `AuroraReplicaLag`, Neptune
/// readers `ClusterReplicaLag`, DocumentDB replicas `DBInstanceReplicaLag` (all ms).
fn lag_metric(d: &DbInstance) -> Option<&'static str> {
    match (d.role, d.family()) {
        (Role::Reader, f) if f.is_aurora() => Some("AuroraReplicaLag"),
        (Role::Reader, EngineFamily::Neptune) => Some("ClusterReplicaLag"),
        (Role::Reader, EngineFamily::DocDb) => Some("DBInstanceReplicaLag"),
        (Role::Reader | Role::Replica, _) => Some("ReplicaLag"),
        _ => None,
    }
}

/// Queries for one region's inventory, in each engine's own namespace: every instance's
/// connections (Neptune has none) and CPU, replica lag on replicas and readers, free storage
/// where an instance has its own volume, capacity of Serverless v2 instances, global-database
/// lag on secondary clusters, and MSK consumer lag per discovered group and topic. Instances
/// that publish nothing by design (stopped, being created or deleted) are not asked for:
/// every metric requested is billed.
pub fn plan(inv: &Inventory, region: &str) -> Vec<MetricQuery> {
    let mut out = Vec::new();
    for d in inv.instances.iter().filter(|d| d.region == region) {
        if !Activity::of(&d.status).publishes_metrics() {
            continue;
        }
        let family = d.family();
        let ns = family.namespace();
        let dims: Dims = std::sync::Arc::new([("DBInstanceIdentifier", d.id.clone())]);
        let dim = || std::sync::Arc::clone(&dims);
        let key = |k| SeriesKey::resource(&d.arn, k);
        if family != EngineFamily::Neptune {
            out.push(q(ns, "DatabaseConnections", dim(), "Average", key(MetricKind::Connections)));
        }
        out.push(q(ns, "CPUUtilization", dim(), "Average", key(MetricKind::CpuPercent)));
        if let Some(metric) = lag_metric(d) {
            out.push(q(ns, metric, dim(), "Maximum", key(MetricKind::ReplicaLag)));
        }
        if !family.has_cluster_storage() {
            out.push(q(ns, "FreeStorageSpace", dim(), "Minimum", key(MetricKind::FreeStorage)));
        }
        if is_serverless(&d.class) {
            out.push(q(
                ns,
                "ServerlessDatabaseCapacity",
                dim(),
                "Maximum",
                key(MetricKind::ServerlessCapacity),
            ));
            out.push(q(ns, "ACUUtilization", dim(), "Maximum", key(MetricKind::AcuUtilization)));
        }
    }
    for g in &inv.global_clusters {
        for m in g.members.iter().filter(|m| !m.is_writer && m.region == region) {
            let dims: Dims = std::sync::Arc::new([("DBClusterIdentifier", m.cluster_id.clone())]);
            let dim = || std::sync::Arc::clone(&dims);
            out.push(q(
                "AWS/RDS",
                "AuroraGlobalDBReplicationLag",
                dim(),
                "Maximum",
                SeriesKey::resource(&m.cluster_arn, MetricKind::GlobalReplicationLag),
            ));
            out.push(q(
                "AWS/RDS",
                "AuroraGlobalDBRPOLag",
                dim(),
                "Maximum",
                SeriesKey::resource(&m.cluster_arn, MetricKind::GlobalRpoLag),
            ));
        }
    }
    let clusters: Vec<&MskCluster> = inv.kafka_clusters.iter().filter(|c| c.region == region).collect();
    for cg in &inv.consumer_groups {
        if !clusters.iter().any(|c| c.arn == cg.cluster_arn) {
            continue;
        }
        out.extend(consumer_queries(cg));
    }
    // Kept until the inventory changes: no room left for growth (a doubling Vec of 19,000
    // queries left a third of the plans' heap unused).
    out.shrink_to_fit();
    out
}

pub fn consumer_queries(cg: &ConsumerGroupTopic) -> Vec<MetricQuery> {
    let shared: Dims = std::sync::Arc::new([
        ("Cluster Name", cg.cluster_name.to_string()),
        ("Consumer Group", cg.group.to_string()),
        ("Topic", cg.topic.to_string()),
    ]);
    let dims = || std::sync::Arc::clone(&shared);
    let key = |k| SeriesKey::consumer(&cg.cluster_arn, &cg.group, &cg.topic, k);
    vec![
        q("AWS/Kafka", "MaxOffsetLag", dims(), "Maximum", key(MetricKind::MaxOffsetLag)),
        q("AWS/Kafka", "SumOffsetLag", dims(), "Maximum", key(MetricKind::SumOffsetLag)),
        q("AWS/Kafka", "EstimatedMaxTimeLag", dims(), "Maximum", key(MetricKind::EstimatedMaxTimeLag)),
    ]
}

/// The fewest GetMetricData calls that carry `queries` queries.
pub fn calls_needed(queries: usize) -> usize {
    queries.div_ceil(MAX_QUERIES_PER_CALL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::demo::{DemoOptions, DemoSource};

    #[test]
    fn plans_the_demo_fleet() {
        let src = DemoSource::new(DemoOptions::default(), "2026-11-18T15:37:00Z".parse().unwrap());
        let inv = &src.scenario().inventory;
        let us = plan(inv, "us-east-1");
        let count = |m: &str| us.iter().filter(|q| q.metric == m).count();
        // Stopped and deleting instances publish nothing: not asked for (each metric is billed).
        let publishing: Vec<_> = inv
            .instances
            .iter()
            .filter(|d| d.region == "us-east-1" && !matches!(d.status.as_str(), "stopped" | "deleting"))
            .collect();
        assert!(publishing.len() + 2 == inv.instances.iter().filter(|d| d.region == "us-east-1").count());
        assert_eq!(count("DatabaseConnections"), publishing.len());
        assert_eq!(count("CPUUtilization"), publishing.len());
        // Aurora has no FreeStorageSpace; every other instance does.
        let aurora = publishing.iter().filter(|d| d.family().is_aurora()).count();
        assert_eq!(count("FreeStorageSpace"), publishing.len() - aurora);
        // Serverless v2: capacity and utilization for both members of the cluster.
        assert_eq!(count("ServerlessDatabaseCapacity"), 2);
        assert_eq!(count("ACUUtilization"), 2);
        // Neptune: its own namespace, no connections, ClusterReplicaLag on the reader.
        let west = plan(inv, "us-west-2");
        let neptune: Vec<_> = west.iter().filter(|q| q.namespace == "AWS/Neptune").collect();
        assert!(neptune.iter().all(|q| q.metric != "DatabaseConnections"), "{neptune:?}");
        assert_eq!(neptune.iter().filter(|q| q.metric == "ClusterReplicaLag").count(), 1);
        // DocumentDB and the Multi-AZ DB cluster in eu-west-1.
        let eu = plan(inv, "eu-west-1");
        let docdb: Vec<&str> = eu.iter().filter(|q| q.namespace == "AWS/DocDB").map(|q| q.metric).collect();
        assert_eq!(docdb.iter().filter(|m| **m == "DBInstanceReplicaLag").count(), 1);
        assert!(docdb.contains(&"DatabaseConnections") && !docdb.contains(&"FreeStorageSpace"));
        let maz_lag = eu
            .iter()
            .filter(|q| q.metric == "ReplicaLag" && q.dimensions[0].1.starts_with("ledger-maz"))
            .count();
        assert_eq!(maz_lag, 2, "two readable standbys");
        assert!(count("AuroraReplicaLag") >= 2 && count("ReplicaLag") >= 6);
        // The global secondary is in us-west-2: its lag is planned there, not here.
        assert_eq!(count("AuroraGlobalDBReplicationLag"), 0);
        assert_eq!(
            plan(inv, "us-west-2").iter().filter(|q| q.metric == "AuroraGlobalDBReplicationLag").count(),
            1
        );
        // Consumer lag: 3 metrics per group x topic of the region's clusters.
        assert_eq!(count("MaxOffsetLag"), 11);
    }

    #[test]
    fn calls_needed_per_queries() {
        assert_eq!(calls_needed(0), 0);
        assert_eq!(calls_needed(500), 1);
        assert_eq!(calls_needed(501), 2);
    }
}
