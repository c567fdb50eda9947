//! The metric plan: which CloudWatch metrics to ask for, for which resources, with which
//! statistic, planned as a whole for a region and cut into GetMetricData calls of at most 500
//! queries. Pure: no SDK types, so it is tested (and counted) on its own.

use crate::domain::metrics::{MetricKind, SeriesKey};
use crate::domain::model::{ConsumerGroupTopic, Inventory, MskCluster, Role};

/// GetMetricData's limit on queries per call.
pub const MAX_QUERIES_PER_CALL: usize = 500;
/// One-minute resolution (CloudWatch keeps it for 15 days).
pub const PERIOD_SECS: i32 = 60;

/// One metric query: a CloudWatch metric, a statistic, and the series it feeds.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    pub namespace: &'static str,
    pub metric: &'static str,
    pub dimensions: Vec<(&'static str, String)>,
    pub stat: &'static str,
    pub key: SeriesKey,
}

fn q(
    namespace: &'static str,
    metric: &'static str,
    dims: Vec<(&'static str, String)>,
    stat: &'static str,
    key: SeriesKey,
) -> MetricQuery {
    MetricQuery { namespace, metric, dimensions: dims, stat, key }
}

/// Queries for one region's inventory: every instance's connections and CPU, replica lag on
/// replicas and Aurora readers, free storage where it exists (not Aurora), global-database lag
/// on secondary clusters, and MSK consumer lag per discovered group and topic.
pub fn plan(inv: &Inventory, region: &str) -> Vec<MetricQuery> {
    let mut out = Vec::new();
    for d in inv.instances.iter().filter(|d| d.region == region) {
        let dim = || vec![("DBInstanceIdentifier", d.id.clone())];
        out.push(q(
            "AWS/RDS",
            "DatabaseConnections",
            dim(),
            "Average",
            SeriesKey::resource(&d.arn, MetricKind::Connections),
        ));
        out.push(q(
            "AWS/RDS",
            "CPUUtilization",
            dim(),
            "Average",
            SeriesKey::resource(&d.arn, MetricKind::CpuPercent),
        ));
        let aurora = d.family().is_aurora();
        match d.role {
            Role::Reader if aurora => out.push(q(
                "AWS/RDS",
                "AuroraReplicaLag",
                dim(),
                "Maximum",
                SeriesKey::resource(&d.arn, MetricKind::ReplicaLag),
            )),
            Role::Replica => out.push(q(
                "AWS/RDS",
                "ReplicaLag",
                dim(),
                "Maximum",
                SeriesKey::resource(&d.arn, MetricKind::ReplicaLag),
            )),
            _ => {}
        }
        if !aurora {
            out.push(q(
                "AWS/RDS",
                "FreeStorageSpace",
                dim(),
                "Minimum",
                SeriesKey::resource(&d.arn, MetricKind::FreeStorage),
            ));
        }
    }
    for g in &inv.global_clusters {
        for m in g.members.iter().filter(|m| !m.is_writer && m.region == region) {
            let dim = || vec![("DBClusterIdentifier", m.cluster_id.clone())];
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
    out
}

pub fn consumer_queries(cg: &ConsumerGroupTopic) -> Vec<MetricQuery> {
    let dims = || {
        vec![
            ("Cluster Name", cg.cluster_name.clone()),
            ("Consumer Group", cg.group.clone()),
            ("Topic", cg.topic.clone()),
        ]
    };
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

/// CloudWatch bills GetMetricData per metric requested: about $0.01 per 1,000.
pub const USD_PER_METRIC: f64 = 0.01 / 1000.0;

/// Estimated cost of watching for an hour at one poll every `refresh_secs`.
pub fn cost_per_hour(metrics_per_poll: u64, refresh_secs: f64) -> f64 {
    if refresh_secs <= 0.0 {
        return 0.0;
    }
    metrics_per_poll as f64 * (3600.0 / refresh_secs) * USD_PER_METRIC
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
        let in_region = inv.instances.iter().filter(|d| d.region == "us-east-1").count();
        assert_eq!(count("DatabaseConnections"), in_region);
        assert_eq!(count("CPUUtilization"), in_region);
        // Aurora has no FreeStorageSpace; every other instance does.
        let aurora =
            inv.instances.iter().filter(|d| d.region == "us-east-1" && d.family().is_aurora()).count();
        assert_eq!(count("FreeStorageSpace"), in_region - aurora);
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
    fn calls_and_cost() {
        assert_eq!(calls_needed(0), 0);
        assert_eq!(calls_needed(500), 1);
        assert_eq!(calls_needed(501), 2);
        // 1,000 metrics a minute for an hour: 60,000 metrics, $0.60.
        assert!((cost_per_hour(1000, 60.0) - 0.60).abs() < 1e-9);
    }
}
