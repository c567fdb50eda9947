//! MSK: clusters (ListClustersV2, all pages) and their consumer groups, discovered from the
//! `AWS/Kafka` metrics (MSK has no API that lists groups), de-duplicated.

use std::collections::BTreeSet;

use aws_sdk_cloudwatch::operation::list_metrics::builders::ListMetricsFluentBuilder;
use aws_sdk_cloudwatch::types::DimensionFilter;
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

/// Consumer group x topic pairs of one cluster that publish MaxOffsetLag. ListMetrics may list
/// a metric once per dimension combination and repeat entries across pages: de-duplicated.
pub async fn consumer_groups(
    cw: &aws_sdk_cloudwatch::Client,
    cluster: &MskCluster,
    calls: &CallCounter,
    now: Timestamp,
) -> Result<Vec<ConsumerGroupTopic>, SourceError> {
    let origin = Origin {
        account: Some(&cluster.account),
        region: &cluster.region,
        service: Service::CloudWatch,
        operation: ops::LIST_METRICS,
    };
    let mut seen = BTreeSet::new();
    let request = |b: ListMetricsFluentBuilder| {
        b.namespace("AWS/Kafka")
            .metric_name("MaxOffsetLag")
            .dimensions(DimensionFilter::builder().name("Cluster Name").value(&cluster.name).build())
    };
    cloudwatch::list_metrics(cw, &origin, calls, now, request, |page| {
        for m in page.metrics() {
            let dim = |n: &str| m.dimensions().iter().find(|d| d.name() == Some(n)).and_then(|d| d.value());
            // Partition-level metrics (PER_TOPIC_PER_PARTITION, serverless) are summarised by
            // the group x topic metric when it exists; the pair is what we plan queries for.
            if let (Some(g), Some(t)) = (dim("Consumer Group"), dim("Topic")) {
                seen.insert((g.to_string(), t.to_string()));
            }
        }
    })
    .await?;
    let (arn, name) = (Sym::from(&cluster.arn), Sym::from(&cluster.name));
    Ok(seen
        .into_iter()
        .map(|(group, topic)| ConsumerGroupTopic {
            cluster_arn: arn.clone(),
            cluster_name: name.clone(),
            group: group.into(),
            topic: topic.into(),
        })
        .collect())
}
