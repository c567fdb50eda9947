//! The team's own CloudWatch metric alarms (`DescribeAlarms`), matched to the instances,
//! clusters and MSK clusters and groups they watch by their dimensions: what the team
//! itself considers broken.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AlarmState {
    Ok,
    InsufficientData,
    Alarm,
}

impl AlarmState {
    pub fn parse(s: &str) -> Option<AlarmState> {
        match s {
            "OK" => Some(AlarmState::Ok),
            "ALARM" => Some(AlarmState::Alarm),
            "INSUFFICIENT_DATA" => Some(AlarmState::InsufficientData),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AlarmState::Ok => "OK",
            AlarmState::InsufficientData => "INSUFFICIENT_DATA",
            AlarmState::Alarm => "ALARM",
        }
    }
}

/// One metric alarm as `DescribeAlarms` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub region: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    pub state: AlarmState,
    /// `StateReason`.
    pub reason: String,
    /// `StateUpdatedTimestamp`: when it entered this state.
    pub since: Timestamp,
    pub namespace: String,
    pub metric: String,
    /// `Dimensions` as (name, value), in the order the API returned them.
    #[serde(default)]
    pub dimensions: Vec<(String, String)>,
}

/// What an alarm watches, from its dimensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlarmTarget {
    Instance(String),
    Cluster(String),
    /// An MSK cluster (by name), optionally one consumer group and topic on it.
    Kafka {
        cluster: String,
        group: Option<String>,
        topic: Option<String>,
    },
    /// Watches something dbfleet does not show (a class, an engine, another namespace).
    Other,
}

impl Alarm {
    fn dim(&self, name: &str) -> Option<&str> {
        self.dimensions.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    pub fn target(&self) -> AlarmTarget {
        match self.namespace.as_str() {
            "AWS/RDS" | "AWS/DocDB" | "AWS/Neptune" => {
                if let Some(i) = self.dim("DBInstanceIdentifier") {
                    AlarmTarget::Instance(i.to_string())
                } else if let Some(c) = self.dim("DBClusterIdentifier") {
                    AlarmTarget::Cluster(c.to_string())
                } else {
                    AlarmTarget::Other
                }
            }
            "AWS/Kafka" => match self.dim("Cluster Name") {
                Some(c) => AlarmTarget::Kafka {
                    cluster: c.to_string(),
                    group: self.dim("Consumer Group").map(String::from),
                    topic: self.dim("Topic").map(String::from),
                },
                None => AlarmTarget::Other,
            },
            _ => AlarmTarget::Other,
        }
    }

    /// The resource id reports name: the instance, cluster, or `cluster/group` it watches.
    pub fn resource_id(&self) -> Option<String> {
        match self.target() {
            AlarmTarget::Instance(i) | AlarmTarget::Cluster(i) => Some(i),
            AlarmTarget::Kafka { cluster, group: Some(g), .. } => Some(format!("{cluster}/{g}")),
            AlarmTarget::Kafka { cluster, .. } => Some(cluster),
            AlarmTarget::Other => None,
        }
    }

    /// Whether it watches this consumer group on this topic (or the whole cluster, or the group
    /// on every topic).
    pub fn watches_consumer(&self, region: &str, cluster_name: &str, group: &str, topic: &str) -> bool {
        self.region == region
            && matches!(self.target(), AlarmTarget::Kafka { cluster, group: g, topic: t }
                if cluster == cluster_name && g.as_deref().is_none_or(|g| g == group) && t.as_deref().is_none_or(|t| t == topic))
    }

    /// Whether it watches this instance (directly, or through its cluster).
    pub fn watches_instance(&self, region: &str, id: &str, cluster: Option<&str>) -> bool {
        self.region == region
            && match self.target() {
                AlarmTarget::Instance(i) => i == id,
                AlarmTarget::Cluster(c) => cluster == Some(c.as_str()),
                _ => false,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alarm(ns: &str, dims: &[(&str, &str)]) -> Alarm {
        Alarm {
            account: None,
            region: "us-east-1".into(),
            name: "a".into(),
            arn: None,
            state: AlarmState::Alarm,
            reason: "Threshold Crossed".into(),
            since: Timestamp::UNIX_EPOCH,
            namespace: ns.into(),
            metric: "m".into(),
            dimensions: dims.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect(),
        }
    }

    #[test]
    fn alarms_find_what_they_watch_by_dimension() {
        let i = alarm("AWS/RDS", &[("DBInstanceIdentifier", "orders-mysql")]);
        assert_eq!(i.target(), AlarmTarget::Instance("orders-mysql".into()));
        assert!(i.watches_instance("us-east-1", "orders-mysql", None));
        assert!(!i.watches_instance("eu-west-1", "orders-mysql", None), "same name, other region");
        let c = alarm("AWS/RDS", &[("DBClusterIdentifier", "payments"), ("Role", "WRITER")]);
        assert!(c.watches_instance("us-east-1", "payments-1", Some("payments")));
        assert_eq!(c.resource_id().as_deref(), Some("payments"));
        let k = alarm(
            "AWS/Kafka",
            &[("Cluster Name", "prod-events"), ("Consumer Group", "search"), ("Topic", "t")],
        );
        assert_eq!(k.resource_id().as_deref(), Some("prod-events/search"));
        assert!(k.watches_consumer("us-east-1", "prod-events", "search", "t"));
        assert!(!k.watches_consumer("us-east-1", "prod-events", "search", "other-topic"));
        let whole = alarm("AWS/Kafka", &[("Cluster Name", "prod-events")]);
        assert!(whole.watches_consumer("us-east-1", "prod-events", "any", "topic"), "a cluster-wide alarm");
        assert_eq!(alarm("AWS/RDS", &[("DatabaseClass", "db.r6g.large")]).target(), AlarmTarget::Other);
        assert_eq!(alarm("AWS/EC2", &[("InstanceId", "i-1")]).resource_id(), None);
        for s in ["OK", "ALARM", "INSUFFICIENT_DATA"] {
            assert_eq!(AlarmState::parse(s).map(AlarmState::label), Some(s));
        }
    }
}
