//! MSK consumer lag per cluster, consumer group and topic: the latest readings and how bad
//! the estimated time lag is. Clusters without lag metrics say why.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::metrics::{MetricHistory, MetricKind, Reading, SeriesKey};
use super::model::{ConsumerGroupTopic, Inventory, MskCluster, MskClusterType};
use super::severity::Severity;
use super::thresholds::Thresholds;

/// Derived row: one consumer group x topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumerLagRow {
    pub id: ConsumerGroupTopic,
    pub region: String,
    pub max_offset_lag: Option<Reading>,
    pub sum_offset_lag: Option<Reading>,
    pub estimated_max_time_lag: Option<Reading>,
    pub severity: Severity,
}

pub fn lag_key(id: &ConsumerGroupTopic, kind: MetricKind) -> SeriesKey {
    SeriesKey::consumer(&id.cluster_arn, &id.group, &id.topic, kind)
}

pub fn latest(history: &MetricHistory, id: &ConsumerGroupTopic, kind: MetricKind) -> Option<Reading> {
    history.consumer(&id.cluster_arn, &id.group, &id.topic, kind).and_then(|s| s.latest())
}

pub fn consumer_rows(
    inv: &Inventory,
    history: &MetricHistory,
    t: &Thresholds,
    now: Timestamp,
) -> Vec<ConsumerLagRow> {
    let regions: std::collections::HashMap<&str, &str> =
        inv.kafka_clusters.iter().map(|c| (c.arn.as_str(), c.region.as_str())).collect();
    let mut rows: Vec<ConsumerLagRow> = inv
        .consumer_groups
        .iter()
        .map(|id| {
            let region = regions.get(id.cluster_arn.as_str()).map(|r| r.to_string()).unwrap_or_default();
            let time = latest(history, id, MetricKind::EstimatedMaxTimeLag);
            ConsumerLagRow {
                id: id.clone(),
                region,
                max_offset_lag: latest(history, id, MetricKind::MaxOffsetLag),
                sum_offset_lag: latest(history, id, MetricKind::SumOffsetLag),
                // A group whose metrics stopped arriving is unknown, not as bad as it last was.
                severity: time
                    .filter(|r| !r.is_stale(now, t.stale_after_seconds))
                    .map_or(Severity::Unknown, |r| t.consumer_time_lag_seconds.classify(r.value)),
                estimated_max_time_lag: time,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.id.cmp(&b.id));
    rows
}

/// Why a cluster shows no consumer lag, when that can be known from its description.
pub fn no_lag_metrics_reason(c: &MskCluster) -> Option<&'static str> {
    if c.cluster_type == MskClusterType::Serverless {
        return None; // serverless publishes per partition; handled by summing
    }
    if let Some(v) = &c.kafka_version {
        let parts: Vec<u32> = v.split('.').filter_map(|p| p.parse().ok()).collect();
        if parts.as_slice() < [2, 2, 1].as_slice() {
            return Some("Kafka older than 2.2.1 publishes no consumer-lag metrics");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::metrics::{Point, SeriesUpdate};

    #[test]
    fn a_time_lag_that_stopped_arriving_is_unknown_not_critical() {
        let id = ConsumerGroupTopic {
            cluster_arn: "arn:aws:kafka:us-east-1:123456789012:cluster/c/1".into(),
            cluster_name: "c".into(),
            group: "g".into(),
            topic: "t".into(),
        };
        let inv = Inventory { consumer_groups: vec![id.clone()], ..Default::default() };
        let at: Timestamp = "2026-11-18T15:00:00Z".parse().unwrap();
        let mut h = MetricHistory::default();
        h.merge(&[SeriesUpdate {
            key: lag_key(&id, MetricKind::EstimatedMaxTimeLag),
            period_secs: 60,
            points: vec![Point { at, value: 400.0 }],
        }]);
        let t = Thresholds::default();
        assert_eq!(consumer_rows(&inv, &h, &t, at)[0].severity, Severity::Critical);
        let later = at.checked_add(jiff::SignedDuration::from_mins(10)).unwrap();
        let row = &consumer_rows(&inv, &h, &t, later)[0];
        assert_eq!(row.severity, Severity::Unknown);
        assert_eq!(row.estimated_max_time_lag.map(|r| r.value), Some(400.0), "still shown, with its age");
    }
}
