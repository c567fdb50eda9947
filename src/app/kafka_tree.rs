//! The Kafka view's lines: clusters, their groups and (for groups reading several topics)
//! the topics, filtered and sorted. A parent stays when any of its children matches, so a
//! `topic:` filter still shows which cluster and group the topic belongs to.

use std::cmp::Ordering;

use super::filter::Filter;
use super::filter_fields::MskClusterLine;
use super::order::opt_desc;
use super::state::{KafkaLine, KafkaSort};
use crate::domain::kafka::{ConsumerLagRow, GroupRow, KafkaOverview};
use crate::domain::model::MskCluster;

fn group_order(sort: KafkaSort, a: &GroupRow, b: &GroupRow) -> Ordering {
    match sort {
        KafkaSort::Severity => b.status.cmp(&a.status),
        KafkaSort::Group => Ordering::Equal,
        KafkaSort::MaxLag => opt_desc(a.max_offset_lag, b.max_offset_lag),
        KafkaSort::TimeLag => opt_desc(a.time_lag, b.time_lag),
    }
    .then_with(|| a.group.cmp(&b.group))
}

fn topic_order(sort: KafkaSort, a: &ConsumerLagRow, b: &ConsumerLagRow) -> Ordering {
    let value = |r: Option<crate::domain::metrics::Reading>| r.map(|r| r.value);
    match sort {
        KafkaSort::Severity => b.status().cmp(&a.status()),
        KafkaSort::Group => Ordering::Equal,
        KafkaSort::MaxLag => opt_desc(value(a.max_offset_lag), value(b.max_offset_lag)),
        KafkaSort::TimeLag => opt_desc(value(a.estimated_max_time_lag), value(b.estimated_max_time_lag)),
    }
    .then_with(|| a.id.topic.cmp(&b.id.topic))
}

/// The tree's lines after `filter`, ordered by `sort` within each level (`reverse` flips
/// every level). Clusters come worst first under the status sort, else by name.
pub fn lines(
    k: &KafkaOverview,
    clusters: &[MskCluster],
    filter: &Filter,
    sort: KafkaSort,
    reverse: bool,
) -> Vec<KafkaLine> {
    let flip = |o: Ordering| if reverse { o.reverse() } else { o };
    let mut order: Vec<usize> = (0..k.clusters.len()).collect();
    order.sort_by(|&a, &b| {
        let (ca, cb) = (&k.clusters[a], &k.clusters[b]);
        let (ma, mb) = (&clusters[ca.index], &clusters[cb.index]);
        let primary = if sort == KafkaSort::Severity { cb.status.cmp(&ca.status) } else { Ordering::Equal };
        flip(primary.then_with(|| (&ma.name, &ma.region).cmp(&(&mb.name, &mb.region))))
    });
    let mut out = Vec::new();
    for ci in order {
        let c = &k.clusters[ci];
        let mut groups: Vec<(usize, Vec<usize>)> = c
            .groups
            .iter()
            .filter_map(|&g| {
                let mut topics: Vec<usize> =
                    k.groups[g].topics.iter().copied().filter(|&t| filter.matches(&k.consumers[t])).collect();
                topics.sort_by(|&a, &b| flip(topic_order(sort, &k.consumers[a], &k.consumers[b])));
                (!topics.is_empty()).then_some((g, topics))
            })
            .collect();
        let cluster = &clusters[c.index];
        let own = MskClusterLine {
            name: cluster.name.clone(),
            region: cluster.region.clone(),
            status: c.status.map(|s| s.tag()),
        };
        if groups.is_empty() && !(c.groups.is_empty() && filter.matches(&own)) {
            continue;
        }
        groups.sort_by(|a, b| flip(group_order(sort, &k.groups[a.0], &k.groups[b.0])));
        out.push(KafkaLine::Cluster(ci));
        if c.no_metrics.is_some() {
            out.push(KafkaLine::Reason(ci));
        }
        for (g, topics) in groups {
            out.push(KafkaLine::Group(g));
            if k.groups[g].topics.len() > 1 {
                out.extend(topics.into_iter().map(KafkaLine::Topic));
            }
        }
    }
    out
}

/// The consumer row a line opens in the detail view: the topic itself, or a group's worst
/// topic.
pub fn consumer_of(k: &KafkaOverview, line: KafkaLine) -> Option<usize> {
    match line {
        KafkaLine::Topic(t) => Some(t),
        KafkaLine::Group(g) => k
            .groups
            .get(g)?
            .topics
            .iter()
            .copied()
            .max_by_key(|&t| (k.consumers[t].status(), std::cmp::Reverse(t))),
        KafkaLine::Cluster(_) | KafkaLine::Reason(_) => None,
    }
}

/// A line's identity across refreshes (indices change when the inventory does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineKey {
    Cluster(String),
    Group(String, String),
    Topic(String, String, String),
}

pub fn line_key(k: &KafkaOverview, clusters: &[MskCluster], line: KafkaLine) -> Option<LineKey> {
    Some(match line {
        KafkaLine::Cluster(c) | KafkaLine::Reason(c) => {
            LineKey::Cluster(clusters.get(k.clusters.get(c)?.index)?.arn.clone())
        }
        KafkaLine::Group(g) => {
            let g = k.groups.get(g)?;
            LineKey::Group(g.cluster_arn.clone(), g.group.clone())
        }
        KafkaLine::Topic(t) => {
            let id = &k.consumers.get(t)?.id;
            LineKey::Topic(id.cluster_arn.to_string(), id.group.to_string(), id.topic.to_string())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::headless::demo_model;

    fn names(m: &crate::app::state::Model, lines: &[KafkaLine]) -> Vec<String> {
        let k = &m.fleet.kafka;
        let inv = &m.fleet.inventory;
        lines
            .iter()
            .map(|&l| match l {
                KafkaLine::Cluster(c) => format!("cluster {}", inv.kafka_clusters[k.clusters[c].index].name),
                KafkaLine::Reason(_) => "reason".into(),
                KafkaLine::Group(g) => format!("group {}", k.groups[g].group),
                KafkaLine::Topic(t) => format!("topic {}", k.consumers[t].id.topic),
            })
            .collect()
    }

    #[test]
    fn filters_keep_the_parents_of_what_matches_and_sorts_stay_within_clusters() {
        let at = "2026-11-18T15:37:00Z".parse().unwrap();
        let m = demo_model(42, 1, at, &Config::default(), jiff::tz::TimeZone::UTC, Vec::new());
        let (k, clusters) = (&m.fleet.kafka, &m.fleet.inventory.kafka_clusters);
        let run = |f: &str, sort| names(&m, &lines(k, clusters, &Filter::parse(f), sort, false));
        assert_eq!(
            run("topic:cdc.billing", KafkaSort::Severity),
            ["cluster prod-cdc", "group billing-cdc-sink", "group warehouse-loader", "topic cdc.billing"]
        );
        assert_eq!(run("status:stall", KafkaSort::Severity), ["cluster prod-cdc", "group billing-cdc-sink"]);
        assert_eq!(run("cluster:legacy", KafkaSort::Severity), ["cluster legacy-stream", "reason"]);
        assert!(run("group:nothing-like-it", KafkaSort::Severity).is_empty());
        // Worst cluster first; by max lag, biggest first inside each cluster.
        let all = run("", KafkaSort::MaxLag);
        assert_eq!(
            all.first().map(String::as_str),
            Some("cluster analytics-serverless"),
            "name order when not by status"
        );
        let by_status = run("", KafkaSort::Severity);
        assert_eq!(by_status[..2], ["cluster prod-events", "group search-indexer"], "ERR first");
        let events: Vec<&String> = all
            .iter()
            .skip_while(|l| *l != "cluster prod-events")
            .skip(1)
            .take_while(|l| l.starts_with("group"))
            .collect();
        let lag = |name: &str| {
            let g = k.groups.iter().find(|g| format!("group {}", g.group) == name).unwrap();
            g.max_offset_lag.unwrap_or(f64::NEG_INFINITY)
        };
        assert!(events.len() >= 10 && events.windows(2).all(|w| lag(w[0]) >= lag(w[1])), "{events:?}");
        // Enter on a two-topic group opens its worst topic.
        let loader = k.groups.iter().position(|g| g.group == "warehouse-loader").unwrap();
        let t = consumer_of(k, KafkaLine::Group(loader)).unwrap();
        assert_eq!(k.consumers[t].id.group, "warehouse-loader");
    }
}
