//! Metric series: what each metric measures and in which unit, timestamped points (always
//! oldest first), and a bounded history store that merges the points each poll brings.
//! This file holds units, kinds, keys, points and readings; `series` is one bounded series,
//! `history` the store of all of them.

mod history;
mod series;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::sym::Sym;

pub use self::history::{DEFAULT_HISTORY_POINTS, MetricHistory};
pub use self::series::{BLOCK_PERIODS, Resolution, Series};

/// The unit a number on screen is in. Every series carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Unit {
    Count,
    Percent,
    Seconds,
    Bytes,
    /// Kafka offsets (messages).
    Offsets,
    /// Aurora capacity units (Serverless v2).
    Acu,
}

impl Unit {
    pub fn label(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Percent => "%",
            Unit::Seconds => "s",
            Unit::Bytes => "bytes",
            Unit::Offsets => "offsets",
            Unit::Acu => "ACU",
        }
    }
}

/// What a series measures. Values are stored in the unit `unit()` says, whatever the source
/// metric's unit was (AuroraReplicaLag in milliseconds is stored as seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    Connections,
    CpuPercent,
    /// ReplicaLag or AuroraReplicaLag, in seconds; -1 means replication is not running.
    ReplicaLag,
    FreeStorage,
    /// AuroraGlobalDBReplicationLag, in seconds.
    GlobalReplicationLag,
    /// AuroraGlobalDBRPOLag, in seconds.
    GlobalRpoLag,
    MaxOffsetLag,
    SumOffsetLag,
    /// EstimatedMaxTimeLag: seconds to drain MaxOffsetLag.
    EstimatedMaxTimeLag,
    /// ServerlessDatabaseCapacity: the ACUs a Serverless v2 instance runs at.
    ServerlessCapacity,
    /// ACUUtilization: capacity as a percentage of the cluster's maximum ACU.
    AcuUtilization,
}

impl MetricKind {
    pub fn unit(self) -> Unit {
        match self {
            MetricKind::Connections => Unit::Count,
            MetricKind::CpuPercent => Unit::Percent,
            MetricKind::ReplicaLag
            | MetricKind::GlobalReplicationLag
            | MetricKind::GlobalRpoLag
            | MetricKind::EstimatedMaxTimeLag => Unit::Seconds,
            MetricKind::FreeStorage => Unit::Bytes,
            MetricKind::MaxOffsetLag | MetricKind::SumOffsetLag => Unit::Offsets,
            MetricKind::ServerlessCapacity => Unit::Acu,
            MetricKind::AcuUtilization => Unit::Percent,
        }
    }

    /// A value `a` of this metric is worse than `b`: the lower for free storage; for replica
    /// lag a stopped replication (-1) before any lag, then the larger; the larger otherwise.
    /// What a fetch's worst point is judged by.
    pub fn worse(self, a: f64, b: f64) -> bool {
        match self {
            MetricKind::FreeStorage => a < b,
            MetricKind::ReplicaLag => b >= 0.0 && (a < 0.0 || a > b),
            _ => a > b,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MetricKind::Connections => "connections",
            MetricKind::CpuPercent => "CPU",
            MetricKind::ReplicaLag => "replica lag",
            MetricKind::FreeStorage => "free storage",
            MetricKind::GlobalReplicationLag => "global replication lag",
            MetricKind::GlobalRpoLag => "global RPO lag",
            MetricKind::MaxOffsetLag => "max offset lag",
            MetricKind::SumOffsetLag => "sum offset lag",
            MetricKind::EstimatedMaxTimeLag => "est. time lag",
            MetricKind::ServerlessCapacity => "capacity",
            MetricKind::AcuUtilization => "ACU utilization",
        }
    }
}

/// CloudWatch unit of a source metric, and the factor that converts it to our stored unit.
pub fn to_stored_unit(source_metric: &str, value: f64) -> f64 {
    match source_metric {
        // Milliseconds in CloudWatch; we store seconds. -1 never occurs for these.
        "AuroraReplicaLag"
        | "ClusterReplicaLag"
        | "DBInstanceReplicaLag"
        | "AuroraReplicaLagMaximum"
        | "AuroraReplicaLagMinimum"
        | "AuroraGlobalDBReplicationLag"
        | "AuroraGlobalDBRPOLag" => value / 1000.0,
        _ => value,
    }
}

/// Which series: a resource (an ARN, or a Kafka cluster ARN with group and topic) and a kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeriesKey {
    /// Shared with the instance's own `arn` where the plan made it, and with the history's
    /// key: one ARN allocation per resource, not one per series and copy.
    pub resource: Sym,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Sym>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<Sym>,
    pub kind: MetricKind,
}

impl SeriesKey {
    pub fn resource(resource: impl Into<Sym>, kind: MetricKind) -> Self {
        SeriesKey { resource: resource.into(), group: None, topic: None, kind }
    }

    pub fn consumer(
        cluster_arn: impl Into<Sym>,
        group: impl Into<Sym>,
        topic: impl Into<Sym>,
        kind: MetricKind,
    ) -> Self {
        SeriesKey { resource: cluster_arn.into(), group: Some(group.into()), topic: Some(topic.into()), kind }
    }
}

/// One datapoint.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub at: Timestamp,
    pub value: f64,
}

/// Points a poll brought for one series, oldest first (sources sort newest-first answers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesUpdate {
    pub key: SeriesKey,
    pub period_secs: u32,
    pub points: Vec<Point>,
}

/// A single value with its unit and the instant it describes, so its age can be shown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub value: f64,
    pub unit: Unit,
    pub at: Timestamp,
}

impl Reading {
    pub fn age_secs(&self, now: Timestamp) -> i64 {
        (now.as_second() - self.at.as_second()).max(0)
    }

    /// Too old to describe the present: still shown with its age, but it judges nothing.
    pub fn is_stale(&self, now: Timestamp, limit_secs: u32) -> bool {
        self.age_secs(now) > i64::from(limit_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aurora_lag_is_converted_to_seconds() {
        assert_eq!(to_stored_unit("AuroraReplicaLag", 1500.0), 1.5);
        assert_eq!(to_stored_unit("ReplicaLag", -1.0), -1.0);
        // Neptune and DocumentDB publish replica lag in milliseconds too.
        assert_eq!(to_stored_unit("ClusterReplicaLag", 250.0), 0.25);
        assert_eq!(to_stored_unit("DBInstanceReplicaLag", 2000.0), 2.0);
        assert_eq!(MetricKind::ReplicaLag.unit(), Unit::Seconds);
    }
}
