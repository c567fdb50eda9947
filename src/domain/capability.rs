//! Capabilities: the parts of the inventory and metrics that come from one API operation each,
//! so one that fails (a denied IAM action, an API a region lacks, throttling past retries)
//! fails alone. What each one is and which call serves it; its state per account x region is
//! in `capability_status`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// DescribeDBInstances: the core; without it a region has no fleet.
    Instances,
    Clusters,
    GlobalClusters,
    PendingMaintenance,
    BlueGreen,
    EngineVersions,
    MajorEngineVersions,
    Parameters,
    MskClusters,
    /// ListMetrics on AWS/Kafka: MSK has no API that lists consumer groups.
    ConsumerGroups,
    /// GetMetricData: every reading and the learned peak hours.
    Metrics,
    /// DescribeEvents: what happened when (failovers, restarts, maintenance applied).
    Events,
    /// DescribeAlarms: the team's own CloudWatch alarms and their states.
    Alarms,
}

impl Capability {
    pub const ALL: [Capability; 13] = [
        Capability::Instances,
        Capability::Clusters,
        Capability::GlobalClusters,
        Capability::PendingMaintenance,
        Capability::BlueGreen,
        Capability::EngineVersions,
        Capability::MajorEngineVersions,
        Capability::Parameters,
        Capability::MskClusters,
        Capability::ConsumerGroups,
        Capability::Metrics,
        Capability::Events,
        Capability::Alarms,
    ];

    /// Words for the status bar: `pending maintenance: access denied`.
    pub fn label(self) -> &'static str {
        match self {
            Capability::Instances => "instances",
            Capability::Clusters => "clusters",
            Capability::GlobalClusters => "global databases",
            Capability::PendingMaintenance => "pending maintenance",
            Capability::BlueGreen => "blue/green deployments",
            Capability::EngineVersions => "auto-upgrade targets",
            Capability::MajorEngineVersions => "engine support dates",
            Capability::Parameters => "parameter groups",
            Capability::MskClusters => "MSK clusters",
            Capability::ConsumerGroups => "consumer groups",
            Capability::Metrics => "metrics",
            Capability::Events => "RDS events",
            Capability::Alarms => "CloudWatch alarms",
        }
    }

    /// The API operation (one per capability; parameter groups also read cluster groups with
    /// DescribeDBClusterParameters, which the same IAM policy line should grant).
    pub fn operation(self) -> &'static str {
        match self {
            Capability::Instances => "DescribeDBInstances",
            Capability::Clusters => "DescribeDBClusters",
            Capability::GlobalClusters => "DescribeGlobalClusters",
            Capability::PendingMaintenance => "DescribePendingMaintenanceActions",
            Capability::BlueGreen => "DescribeBlueGreenDeployments",
            Capability::EngineVersions => "DescribeDBEngineVersions",
            Capability::MajorEngineVersions => "DescribeDBMajorEngineVersions",
            Capability::Parameters => "DescribeDBParameters",
            Capability::MskClusters => "ListClustersV2",
            Capability::ConsumerGroups => "ListMetrics",
            Capability::Metrics => "GetMetricData",
            Capability::Events => "DescribeEvents",
            Capability::Alarms => "DescribeAlarms",
        }
    }

    /// The IAM actions it needs.
    pub fn iam_actions(self) -> &'static [&'static str] {
        match self {
            Capability::Instances => &["rds:DescribeDBInstances"],
            Capability::Clusters => &["rds:DescribeDBClusters"],
            Capability::GlobalClusters => &["rds:DescribeGlobalClusters"],
            Capability::PendingMaintenance => &["rds:DescribePendingMaintenanceActions"],
            Capability::BlueGreen => &["rds:DescribeBlueGreenDeployments"],
            Capability::EngineVersions => &["rds:DescribeDBEngineVersions"],
            Capability::MajorEngineVersions => &["rds:DescribeDBMajorEngineVersions"],
            Capability::Parameters => &["rds:DescribeDBParameters", "rds:DescribeDBClusterParameters"],
            Capability::MskClusters => &["kafka:ListClustersV2"],
            Capability::ConsumerGroups => &["cloudwatch:ListMetrics"],
            Capability::Metrics => &["cloudwatch:GetMetricData"],
            Capability::Events => &["rds:DescribeEvents"],
            Capability::Alarms => &["cloudwatch:DescribeAlarms"],
        }
    }
}
