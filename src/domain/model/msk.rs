//! MSK as ListClustersV2 describes it, and the consumer groups found in the `AWS/Kafka`
//! metrics.

use crate::domain::sym::Sym;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MskClusterType {
    Provisioned,
    Serverless,
}

/// An MSK cluster (`ListClustersV2`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MskCluster {
    pub arn: String,
    pub name: String,
    pub account: String,
    pub region: String,
    pub state: String,
    pub cluster_type: MskClusterType,
    pub kafka_version: Option<String>,
    pub broker_count: Option<u32>,
    /// DEFAULT, PER_BROKER, PER_TOPIC_PER_BROKER, PER_TOPIC_PER_PARTITION.
    pub monitoring_level: Option<String>,
}

/// A consumer group reading a topic, as discovered from the `AWS/Kafka` metrics. Shared
/// strings: the cluster's ARN and name are one allocation for all its groups, and the metric
/// plan's and history's keys share these (three series per pair).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConsumerGroupTopic {
    pub cluster_arn: Sym,
    pub cluster_name: Sym,
    pub group: Sym,
    pub topic: Sym,
}
