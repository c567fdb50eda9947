//! Every rule dbfleet judges, as one type: findings carry it, config's `[rules]` names it,
//! `check` reports it, the capability table says what it needs. Its string form is the
//! stable id users write in config.toml and scripts read in JSON.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! rule_ids {
    ($($variant:ident = $id:literal, maintenance: $maint:literal;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId {
            $($variant,)*
        }

        impl RuleId {
            /// Every rule, in the order `check` lists gaps and the README documents them.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$variant,)*];

            /// The id as written in config.toml and printed in reports.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$variant => $id,)*
                }
            }

            /// About when maintenance happens and what it takes down: the Maintenance view
            /// highlights instances with these.
            pub const fn is_maintenance(self) -> bool {
                match self {
                    $(RuleId::$variant => $maint,)*
                }
            }
        }
    };
}

rule_ids! {
    AutoUpgradeInPeak = "auto-upgrade-in-peak", maintenance: true;
    AutoUpgradeSingleAzWriter = "auto-upgrade-single-az-writer", maintenance: true;
    SharedWindow = "shared-window", maintenance: true;
    ForcedApplySoon = "forced-apply-soon", maintenance: true;
    AutoApplyNextWindow = "auto-apply-next-window", maintenance: true;
    ReplicaBeforeSource = "replica-before-source", maintenance: true;
    ReplicaStopped = "replica-stopped", maintenance: false;
    ReplicaLagHigh = "replica-lag-high", maintenance: false;
    ConnectionsNearMax = "connections-near-max", maintenance: false;
    ConsumerLagHigh = "consumer-lag-high", maintenance: false;
    ConsumerStalled = "consumer-stalled", maintenance: false;
    ConsumerStopped = "consumer-stopped", maintenance: false;
    ReplicaLimit = "replica-limit", maintenance: false;
    BlueGreen = "blue-green", maintenance: false;
    EngineEndOfSupport = "engine-end-of-support", maintenance: false;
    InvalidWindow = "invalid-window", maintenance: true;
    ServerlessAtMaxCapacity = "serverless-at-max-capacity", maintenance: false;
    InstanceStatus = "instance-status", maintenance: false;
    RecentFailover = "recent-failover", maintenance: false;
    AlarmFiring = "alarm-firing", maintenance: false;
    ReplicationError = "replication-error", maintenance: false;
}

impl RuleId {
    pub fn parse(s: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|r| r.as_str() == s)
    }

    /// A consumer-group rule (Kafka view, consumer findings).
    pub fn is_consumer(self) -> bool {
        matches!(self, RuleId::ConsumerLagHigh | RuleId::ConsumerStalled | RuleId::ConsumerStopped)
    }

    /// `unknown rule "x" (one of a, b, ...)`, for config errors.
    pub fn unknown(s: &str) -> String {
        let all: Vec<&str> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
        format!("unknown rule {s:?} (one of {})", all.join(", "))
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RuleId {
    type Err = String;

    fn from_str(s: &str) -> Result<RuleId, String> {
        RuleId::parse(s).ok_or_else(|| RuleId::unknown(s))
    }
}

impl Serialize for RuleId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RuleId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RuleId, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_round_trips_through_its_string_and_json() {
        for &r in RuleId::ALL {
            assert_eq!(RuleId::parse(r.as_str()), Some(r));
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{r}\""));
            assert_eq!(serde_json::from_str::<RuleId>(&json).unwrap(), r);
        }
        let ids: std::collections::BTreeSet<&str> = RuleId::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(ids.len(), RuleId::ALL.len(), "ids are unique");
        assert!(RuleId::parse("nope").is_none());
        assert!("nope".parse::<RuleId>().unwrap_err().contains("auto-upgrade-in-peak"));
    }

    #[test]
    fn maintenance_rules_are_the_ones_about_windows_and_pending_actions() {
        let m: Vec<&str> = RuleId::ALL.iter().filter(|r| r.is_maintenance()).map(|r| r.as_str()).collect();
        assert_eq!(
            m,
            [
                "auto-upgrade-in-peak",
                "auto-upgrade-single-az-writer",
                "shared-window",
                "forced-apply-soon",
                "auto-apply-next-window",
                "replica-before-source",
                "invalid-window"
            ]
        );
    }
}
