//! MSK consumer lag per cluster, consumer group and topic: the latest readings, each pair's
//! status over the sliding window (see `consumer_status`), groups aggregating their topics,
//! and clusters that publish no lag metrics, with the reason.

use std::collections::HashMap;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::consumer_status::{self, LagSettings, LagStatus, StatusInput, Traffic, Verdict};
use super::metrics::{MetricHistory, MetricKind, Point, Reading, Series, SeriesKey};
use super::model::{ConsumerGroupTopic, Inventory, MskCluster, MskClusterType};
use super::severity::Severity;

/// Derived row: one consumer group x topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsumerLagRow {
    pub id: ConsumerGroupTopic,
    pub region: String,
    pub max_offset_lag: Option<Reading>,
    pub sum_offset_lag: Option<Reading>,
    pub estimated_max_time_lag: Option<Reading>,
    pub verdict: Verdict,
}

impl ConsumerLagRow {
    pub fn status(&self) -> LagStatus {
        self.verdict.status
    }

    /// The status's severity (colour, findings): derived, never stored beside it.
    pub fn severity(&self) -> Severity {
        self.verdict.status.severity()
    }
}

/// One consumer group on one cluster, aggregating its topics.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub cluster_arn: String,
    pub group: String,
    /// Indices into the consumer rows, by topic.
    pub topics: Vec<usize>,
    pub max_offset_lag: Option<f64>,
    pub sum_offset_lag: Option<f64>,
    pub time_lag: Option<f64>,
    /// The worst of its topics.
    pub status: LagStatus,
}

/// One MSK cluster with its groups, or the reason it shows none.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterRow {
    /// Index into the inventory's clusters.
    pub index: usize,
    /// Indices into the group rows, by name.
    pub groups: Vec<usize>,
    pub status: Option<LagStatus>,
    pub no_metrics: Option<String>,
}

/// Everything the Kafka view, the findings and the reports read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KafkaOverview {
    pub consumers: Vec<ConsumerLagRow>,
    pub groups: Vec<GroupRow>,
    pub clusters: Vec<ClusterRow>,
}

pub fn lag_key(id: &ConsumerGroupTopic, kind: MetricKind) -> SeriesKey {
    SeriesKey::consumer(&id.cluster_arn, &id.group, &id.topic, kind)
}

pub fn latest(history: &MetricHistory, id: &ConsumerGroupTopic, kind: MetricKind) -> Option<Reading> {
    series(history, id, kind).and_then(|s| s.latest())
}

fn series<'a>(history: &'a MetricHistory, id: &ConsumerGroupTopic, kind: MetricKind) -> Option<&'a Series> {
    history.consumer(&id.cluster_arn, &id.group, &id.topic, kind)
}

fn window_points(s: Option<&Series>, from: Timestamp) -> Vec<Point> {
    s.map(|s| s.points_since(from).collect()).unwrap_or_default()
}

/// Consumer rows, group rows and cluster rows, with every pair's status at `now`.
pub fn overview(inv: &Inventory, history: &MetricHistory, s: &LagSettings, now: Timestamp) -> KafkaOverview {
    let from = now - s.window() + SignedDuration::from_secs(1);
    let regions: HashMap<&str, &str> =
        inv.kafka_clusters.iter().map(|c| (c.arn.as_str(), c.region.as_str())).collect();
    // The window's points per pair: MaxOffsetLag judges the trend (SumOffsetLag when Max is
    // missing), SumOffsetLag shows traffic best (any partition's new data raises it).
    struct Pair {
        offset: Vec<Point>,
        time: Vec<Point>,
        rises: usize,
        last_seen: Option<Point>,
    }
    let pairs: Vec<Pair> = inv
        .consumer_groups
        .iter()
        .map(|id| {
            let max = series(history, id, MetricKind::MaxOffsetLag);
            let sum = series(history, id, MetricKind::SumOffsetLag);
            let time = series(history, id, MetricKind::EstimatedMaxTimeLag);
            let offset = window_points(max.or(sum), from);
            let sum_points = if sum.is_some() { window_points(sum, from) } else { offset.clone() };
            // When any of the group's metrics last reported, with its offset lag (the time
            // lag only when MSK sent no offset lag at all).
            let newest =
                [max, sum, time].into_iter().flatten().filter_map(|s| s.latest()).map(|r| r.at).max();
            let value = max.or(sum).or(time).and_then(|s| s.latest()).map(|r| r.value);
            let last_seen = newest.zip(value).map(|(at, value)| Point { at, value });
            Pair {
                rises: consumer_status::rises(&sum_points, s.flat_tolerance),
                offset,
                time: window_points(time, from),
                last_seen,
            }
        })
        .collect();
    // Which clusters still report, and which topics are seen to receive data (and by whom).
    let stop_after = SignedDuration::from_mins(i64::from(s.stop_after_minutes));
    let mut newest: HashMap<&str, Timestamp> = HashMap::new();
    let mut traffic: HashMap<(&str, &str), Vec<(usize, usize)>> = HashMap::new();
    for (i, (id, p)) in inv.consumer_groups.iter().zip(&pairs).enumerate() {
        if let Some(at) = p.last_seen.map(|x| x.at) {
            let e = newest.entry(id.cluster_arn.as_str()).or_insert(at);
            *e = (*e).max(at);
        }
        if p.rises > 0 {
            traffic.entry((id.cluster_arn.as_str(), id.topic.as_str())).or_default().push((i, p.rises));
        }
    }
    let consumers: Vec<ConsumerLagRow> = inv
        .consumer_groups
        .iter()
        .zip(&pairs)
        .enumerate()
        .map(|(i, (id, p))| {
            let seen = traffic
                .get(&(id.cluster_arn.as_str(), id.topic.as_str()))
                .and_then(|v| v.iter().filter(|(j, _)| *j != i).max_by_key(|(_, r)| *r))
                .map_or(Traffic::NotSeen, |&(j, rises)| Traffic::Seen {
                    group: inv.consumer_groups[j].group.to_string(),
                    rises,
                });
            let input = StatusInput {
                offset_lag: &p.offset,
                time_lag: &p.time,
                last_seen: p.last_seen,
                cluster_reports: newest
                    .get(id.cluster_arn.as_str())
                    .is_some_and(|&t| now.duration_since(t) <= stop_after),
                traffic: &seen,
            };
            let verdict = consumer_status::evaluate(&input, s, now);
            ConsumerLagRow {
                id: id.clone(),
                region: regions.get(id.cluster_arn.as_str()).map(|r| r.to_string()).unwrap_or_default(),
                max_offset_lag: latest(history, id, MetricKind::MaxOffsetLag),
                sum_offset_lag: latest(history, id, MetricKind::SumOffsetLag),
                estimated_max_time_lag: latest(history, id, MetricKind::EstimatedMaxTimeLag),
                verdict,
            }
        })
        .collect();
    let groups = group_rows(&consumers);
    let clusters = inv
        .kafka_clusters
        .iter()
        .enumerate()
        .map(|(index, c)| {
            let mine: Vec<usize> = (0..groups.len()).filter(|&g| groups[g].cluster_arn == c.arn).collect();
            ClusterRow {
                index,
                status: mine.iter().map(|&g| groups[g].status).max(),
                no_metrics: no_lag_metrics_reason(c, !mine.is_empty()),
                groups: mine,
            }
        })
        .collect();
    KafkaOverview { consumers, groups, clusters }
}

/// Group rows: consumers sorted by (cluster, group, topic) share one row per group.
fn group_rows(consumers: &[ConsumerLagRow]) -> Vec<GroupRow> {
    let mut order: Vec<usize> = (0..consumers.len()).collect();
    order.sort_by(|&a, &b| consumers[a].id.cmp(&consumers[b].id));
    let mut out: Vec<GroupRow> = Vec::new();
    for i in order {
        let c = &consumers[i];
        let same = out.last().is_some_and(|g| g.cluster_arn == c.id.cluster_arn && g.group == c.id.group);
        if !same {
            out.push(GroupRow {
                cluster_arn: c.id.cluster_arn.to_string(),
                group: c.id.group.to_string(),
                topics: Vec::new(),
                max_offset_lag: None,
                sum_offset_lag: None,
                time_lag: None,
                status: LagStatus::Ok,
            });
        }
        let Some(g) = out.last_mut() else { continue };
        let max = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        g.max_offset_lag = max(g.max_offset_lag, c.max_offset_lag.map(|r| r.value));
        g.time_lag = max(g.time_lag, c.estimated_max_time_lag.map(|r| r.value));
        g.sum_offset_lag = match (g.sum_offset_lag, c.sum_offset_lag.map(|r| r.value)) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        g.status = if g.topics.is_empty() { c.status() } else { g.status.max(c.status()) };
        g.topics.push(i);
    }
    out
}

/// Why a cluster shows no consumer lag, when that can be known from its description and
/// from whether any of its groups were found.
pub fn no_lag_metrics_reason(c: &MskCluster, has_groups: bool) -> Option<String> {
    if let Some(v) = &c.kafka_version {
        let parts: Vec<u32> = v.split('.').filter_map(|p| p.parse().ok()).collect();
        if parts.as_slice() < [2, 2, 1].as_slice() {
            return Some(format!("Kafka {v} is older than 2.2.1: MSK publishes no consumer-lag metrics"));
        }
    }
    if has_groups {
        return None;
    }
    if c.state != "ACTIVE" {
        return Some(format!("cluster is {}: no metrics until it is ACTIVE", c.state));
    }
    Some(match c.cluster_type {
        MskClusterType::Serverless => {
            "serverless: no consumer group has published lag (only groups with committed offsets do)".into()
        }
        MskClusterType::Provisioned => format!(
            "no consumer-lag metrics listed at monitoring level {}: MSK publishes them only for groups STABLE or EMPTY with committed offsets, named in ASCII without ':' (new ones take up to 15 min to be listed)",
            c.monitoring_level.as_deref().unwrap_or("?")
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::metrics::SeriesUpdate;

    fn at(min: i64) -> Timestamp {
        "2026-11-18T15:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_mins(min)
    }

    fn id(group: &str, topic: &str) -> ConsumerGroupTopic {
        ConsumerGroupTopic {
            cluster_arn: "arn:aws:kafka:us-east-1:123456789012:cluster/c/1".into(),
            cluster_name: "c".into(),
            group: group.into(),
            topic: topic.into(),
        }
    }

    fn feed(h: &mut MetricHistory, id: &ConsumerGroupTopic, kind: MetricKind, values: &[(i64, f64)]) {
        h.merge(&[SeriesUpdate {
            key: lag_key(id, kind),
            period_secs: 60,
            points: values.iter().map(|&(m, value)| Point { at: at(m), value }).collect(),
        }]);
    }

    #[test]
    fn a_flat_group_stalls_only_when_another_reader_sees_the_topic_move() {
        let stuck = id("sink", "cdc.billing");
        let other = id("search-sync", "cdc.billing");
        let lonely = id("export", "cdc.legacy");
        let inv = Inventory {
            consumer_groups: vec![stuck.clone(), other.clone(), lonely.clone()],
            ..Default::default()
        };
        let mut h = MetricHistory::default();
        let flat: Vec<(i64, f64)> = (0..20).map(|m| (m, 12_430.0)).collect();
        let moving: Vec<(i64, f64)> = (0..20).map(|m| (m, [0.0, 40.0, 10.0, 60.0][m as usize % 4])).collect();
        feed(&mut h, &stuck, MetricKind::MaxOffsetLag, &flat);
        feed(&mut h, &other, MetricKind::MaxOffsetLag, &moving);
        feed(&mut h, &other, MetricKind::SumOffsetLag, &moving);
        feed(
            &mut h,
            &lonely,
            MetricKind::MaxOffsetLag,
            &flat.iter().map(|&(m, _)| (m, 3.0)).collect::<Vec<_>>(),
        );
        let o = overview(&inv, &h, &LagSettings::default(), at(19));
        let status = |g: &str| o.consumers.iter().find(|c| c.id.group == g).unwrap().status();
        assert_eq!(status("sink"), LagStatus::Stall);
        assert_eq!(status("search-sync"), LagStatus::Ok);
        assert_eq!(status("export"), LagStatus::Ok, "idle topic with a constant small lag");
        let stall = &o.consumers.iter().find(|c| c.id.group == "sink").unwrap().verdict;
        assert!(stall.evidence.iter().any(|e| e.contains("search-sync's lag rose")), "{stall:?}");
    }

    #[test]
    fn a_group_that_vanished_while_others_report_is_stop_and_aggregates_worst() {
        let gone = id("inventory-sync", "inventory.updates");
        let alive = id("mailer", "mail");
        let two = id("mailer", "mail.retry");
        let inv = Inventory {
            consumer_groups: vec![gone.clone(), alive.clone(), two.clone()],
            ..Default::default()
        };
        let mut h = MetricHistory::default();
        feed(&mut h, &gone, MetricKind::MaxOffsetLag, &(0..10).map(|m| (m, 5.0)).collect::<Vec<_>>());
        feed(&mut h, &alive, MetricKind::MaxOffsetLag, &(0..30).map(|m| (m, 0.0)).collect::<Vec<_>>());
        let rising: Vec<(i64, f64)> = (0..30).map(|m| (m, 100.0 * m as f64)).collect();
        feed(&mut h, &two, MetricKind::MaxOffsetLag, &rising);
        feed(&mut h, &two, MetricKind::SumOffsetLag, &rising);
        let o = overview(&inv, &h, &LagSettings::default(), at(29));
        let status = |g: &str, t: &str| {
            o.consumers.iter().find(|c| c.id.group == g && c.id.topic == t).unwrap().status()
        };
        assert_eq!(status("inventory-sync", "inventory.updates"), LagStatus::Stop);
        assert_eq!(status("mailer", "mail.retry"), LagStatus::Warn);
        let mailer = o.groups.iter().find(|g| g.group == "mailer").unwrap();
        assert_eq!(mailer.topics.len(), 2);
        assert_eq!(mailer.status, LagStatus::Warn, "a group is as bad as its worst topic");
        assert_eq!(mailer.sum_offset_lag, Some(2900.0), "sum of the topics' sums");
        assert_eq!(mailer.max_offset_lag, Some(2900.0));
    }

    #[test]
    fn clusters_without_lag_metrics_say_why() {
        let c = |version: Option<&str>, kind, state: &str| MskCluster {
            arn: "a".into(),
            name: "n".into(),
            account: "1".into(),
            region: "r".into(),
            state: state.into(),
            cluster_type: kind,
            kafka_version: version.map(Into::into),
            broker_count: Some(3),
            monitoring_level: Some("DEFAULT".into()),
        };
        let old = no_lag_metrics_reason(&c(Some("2.1.0"), MskClusterType::Provisioned, "ACTIVE"), false);
        assert!(old.unwrap().contains("older than 2.2.1"));
        assert_eq!(
            no_lag_metrics_reason(&c(Some("3.6.0"), MskClusterType::Provisioned, "ACTIVE"), true),
            None
        );
        let none =
            no_lag_metrics_reason(&c(Some("3.6.0"), MskClusterType::Provisioned, "ACTIVE"), false).unwrap();
        assert!(none.contains("STABLE or EMPTY") && none.contains("DEFAULT"), "{none}");
        let creating =
            no_lag_metrics_reason(&c(Some("3.6.0"), MskClusterType::Provisioned, "CREATING"), false);
        assert!(creating.unwrap().contains("CREATING"));
        let serverless = no_lag_metrics_reason(&c(None, MskClusterType::Serverless, "ACTIVE"), false);
        assert!(serverless.unwrap().starts_with("serverless"));
    }
}
