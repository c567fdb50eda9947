//! MSK: clusters (ListClustersV2, all pages) and their consumer groups, discovered from the
//! `AWS/Kafka` metrics (MSK has no API that lists groups), de-duplicated.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_cloudwatch::operation::list_metrics::builders::ListMetricsFluentBuilder;
use jiff::Timestamp;

use super::calls::{CallCounter, ops};
use super::errors::{Origin, from_sdk};
use super::paging;
use super::{cloudwatch, convert};
use crate::domain::model::{ConsumerGroupTopic, MskCluster};
use crate::domain::snapshot::{ErrorKind, Service, SourceError};
use crate::domain::sym::Sym;

pub async fn clusters(
    client: &aws_sdk_kafka::Client,
    region: &str,
    account: Option<&str>,
    calls: &CallCounter,
    now: Timestamp,
) -> Result<Vec<MskCluster>, SourceError> {
    let op = ops::LIST_CLUSTERS_V2;
    let origin = Origin { account, region, service: Service::Kafka, operation: op };
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    for pages in 1.. {
        calls.call(op);
        let sent = token.take();
        let page = client
            .list_clusters_v2()
            .max_results(100)
            .set_next_token(sent.clone())
            .send()
            .await
            .map_err(|e| from_sdk(&origin, &e, now))?;
        out.extend(page.cluster_info_list().iter().filter_map(|c| convert::msk_cluster(c, region, account)));
        token = paging::next_token(sent.as_deref(), page.next_token(), pages)
            .map_err(|m| origin.error(ErrorKind::Malformed, m, now))?;
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}

/// Consumer group x topic pairs of `clusters` that publish MaxOffsetLag, from one ListMetrics
/// stream for the whole region (not one a cluster: 8 clusters in 160 account x region targets
/// were 1,300 calls every 15 minutes), each metric matched to its cluster by its `Cluster Name`
/// dimension. `linked`: asked in a CloudWatch monitoring account with `IncludeLinkedAccounts`,
/// so one stream serves every linked account of the region, each metric matched by its owner
/// (`OwningAccounts`, parallel to the metrics; one missing is the caller's own) to the account
/// paired with each cluster. ListMetrics
/// may list a metric once per dimension combination and repeat entries across pages:
/// de-duplicated. One list a cluster, in `clusters`' order, each sorted.
pub async fn consumer_groups(
    cw: &aws_sdk_cloudwatch::Client,
    origin: &Origin<'_>,
    clusters: &[(&str, &MskCluster)],
    linked: bool,
    calls: &CallCounter,
    now: Timestamp,
) -> Result<Vec<Vec<ConsumerGroupTopic>>, SourceError> {
    if clusters.is_empty() {
        return Ok(Vec::new());
    }
    // Matched by name alone in the account itself (every cluster is its own).
    let index: HashMap<(&str, &str), usize> = clusters
        .iter()
        .enumerate()
        .map(|(i, (account, c))| ((if linked { *account } else { "" }, c.name.as_str()), i))
        .collect();
    let caller = origin.account.unwrap_or("");
    let mut seen: BTreeSet<(usize, String, String)> = BTreeSet::new();
    let request = |b: ListMetricsFluentBuilder| {
        b.namespace("AWS/Kafka")
            .metric_name("MaxOffsetLag")
            .set_include_linked_accounts(linked.then_some(true))
    };
    cloudwatch::list_metrics(cw, origin, calls, now, request, |page| {
        let owners = page.owning_accounts();
        for (i, m) in page.metrics().iter().enumerate() {
            let dim = |n: &str| m.dimensions().iter().find(|d| d.name() == Some(n)).and_then(|d| d.value());
            let owner = if linked { owners.get(i).map_or(caller, String::as_str) } else { "" };
            // Partition-level metrics (PER_TOPIC_PER_PARTITION, serverless) are summarised by
            // the group x topic metric when it exists; the pair is what we plan queries for.
            if let (Some(name), Some(g), Some(t)) = (dim("Cluster Name"), dim("Consumer Group"), dim("Topic"))
                && let Some(&c) = index.get(&(owner, name))
            {
                seen.insert((c, g.to_string(), t.to_string()));
            }
        }
    })
    .await?;
    let mut out: Vec<Vec<ConsumerGroupTopic>> = vec![Vec::new(); clusters.len()];
    let shared: Vec<(Sym, Sym)> =
        clusters.iter().map(|(_, c)| (Sym::from(&c.arn), Sym::from(&c.name))).collect();
    for (c, group, topic) in seen {
        out[c].push(ConsumerGroupTopic {
            cluster_arn: shared[c].0.clone(),
            cluster_name: shared[c].1.clone(),
            group: group.into(),
            topic: topic.into(),
        });
    }
    Ok(out)
}
