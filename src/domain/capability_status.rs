//! Each account x region x capability's state: ok or why its data is missing or old, when
//! that began and when the data kept was fetched; the rules say which capabilities they need,
//! so `check` can name what it could not judge.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::capability::Capability;
use super::rule_id::RuleId;
use super::source_error::{ErrorKind, SourceError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapState {
    Ok,
    /// AccessDenied: an IAM policy or SCP lacks the action.
    Denied,
    /// The operation does not exist in this region or partition.
    Unsupported,
    /// Failed (throttled past retries, timeout, 5xx) with no earlier data to keep.
    Failed,
    /// Failed, and the data shown is the last good one (`data_at`).
    Stale,
}

impl CapState {
    pub fn label(self) -> &'static str {
        match self {
            CapState::Ok => "ok",
            CapState::Denied => "access denied",
            CapState::Unsupported => "not supported here",
            CapState::Failed => "failed",
            CapState::Stale => "stale",
        }
    }

    /// The capability's data is missing or old.
    pub fn is_gap(self) -> bool {
        self != CapState::Ok
    }
}

/// One capability in one account and region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapabilityStatus {
    pub account: Option<String>,
    pub region: String,
    pub capability: Capability,
    pub operation: String,
    pub state: CapState,
    /// What the last failure said (None while ok).
    pub message: Option<String>,
    /// When the current state began.
    pub since: Timestamp,
    /// When the data kept for it was fetched (None: never).
    pub data_at: Option<Timestamp>,
}

impl CapabilityStatus {
    /// The state after an attempt at `now` that succeeded or failed with `error`.
    pub fn after(
        previous: Option<&CapabilityStatus>,
        capability: Capability,
        account: Option<&str>,
        region: &str,
        error: Option<&SourceError>,
        now: Timestamp,
    ) -> CapabilityStatus {
        let data_at = match error {
            None => Some(now),
            Some(_) => previous.and_then(|p| p.data_at),
        };
        let state = match error.map(|e| e.kind) {
            None => CapState::Ok,
            Some(ErrorKind::AccessDenied) => CapState::Denied,
            Some(ErrorKind::Unsupported) => CapState::Unsupported,
            Some(_) if data_at.is_some() => CapState::Stale,
            Some(_) => CapState::Failed,
        };
        let since = match previous {
            Some(p) if p.state == state => p.since,
            _ => now,
        };
        CapabilityStatus {
            account: account.map(String::from),
            region: region.to_string(),
            capability,
            operation: error
                .and_then(|e| e.operation.clone())
                .unwrap_or_else(|| capability.operation().to_string()),
            state,
            message: error.map(|e| e.message.clone()),
            since,
            data_at,
        }
    }

    /// `pending maintenance: access denied` (with the age of kept data when stale).
    pub fn summary(&self, now: Timestamp) -> String {
        let what = self.capability.label();
        match (self.state, self.data_at) {
            (CapState::Stale, Some(t)) => {
                format!("{what}: stale {}", super::format::format_age(now.as_second() - t.as_second()))
            }
            (state, _) => format!("{what}: {}", state.label()),
        }
    }
}

/// Which capabilities a rule needs to be judged fully. A rule whose needs are not all `ok`
/// somewhere was not evaluated there (or only with defaults), and `check` says so.
pub fn needed_by(rule: RuleId) -> &'static [Capability] {
    use Capability::*;
    use RuleId as R;
    match rule {
        R::AutoUpgradeInPeak => &[Instances, Clusters, EngineVersions, PendingMaintenance, Metrics],
        R::AutoUpgradeSingleAzWriter => &[Instances, Clusters, EngineVersions, PendingMaintenance],
        R::SharedWindow => &[Instances, Clusters, PendingMaintenance],
        R::ForcedApplySoon | R::AutoApplyNextWindow => &[Instances, PendingMaintenance],
        R::ReplicaBeforeSource => &[Instances, EngineVersions, PendingMaintenance],
        R::ReplicaLimit => &[Instances, Clusters],
        R::BlueGreen => &[BlueGreen],
        R::EngineEndOfSupport => &[Instances, MajorEngineVersions],
        R::InvalidWindow => &[Instances, Clusters],
        R::ConnectionsNearMax => &[Instances, Parameters, Metrics],
        R::ReplicaStopped | R::ReplicaLagHigh => &[Instances, Clusters, Metrics],
        R::ServerlessAtMaxCapacity => &[Instances, Clusters, Metrics],
        R::InstanceStatus => &[Instances],
        R::ConsumerLagHigh | R::ConsumerStalled | R::ConsumerStopped => {
            &[MskClusters, ConsumerGroups, Metrics]
        }
        R::RecentFailover | R::ReplicationError => &[Instances, Events],
        R::AlarmFiring => &[Instances, Alarms],
    }
}

/// A rule that could not be judged everywhere, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotEvaluated {
    pub rule: RuleId,
    /// `account/region: capability: state`, one per gap.
    pub reasons: Vec<String>,
}

/// The rules the capability gaps leave unjudged (somewhere).
pub fn not_evaluated(caps: &[CapabilityStatus], now: Timestamp) -> Vec<NotEvaluated> {
    let gaps: Vec<&CapabilityStatus> = caps.iter().filter(|c| c.state.is_gap()).collect();
    RuleId::ALL
        .iter()
        .filter_map(|&rule| {
            let needs = needed_by(rule);
            let reasons: Vec<String> = gaps
                .iter()
                .filter(|g| needs.contains(&g.capability))
                .map(|g| {
                    let place = match &g.account {
                        Some(a) => format!("{a}/{}", g.region),
                        None => g.region.clone(),
                    };
                    format!("{place}: {} ({})", g.summary(now), g.operation)
                })
                .collect();
            (!reasons.is_empty()).then_some(NotEvaluated { rule, reasons })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::source_error::Service;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    fn err(kind: ErrorKind) -> SourceError {
        SourceError {
            account: Some("123456789012".into()),
            region: "us-east-1".into(),
            service: Service::Rds,
            operation: Some("DescribeBlueGreenDeployments".into()),
            kind,
            message: "HTTP 403 AccessDenied: not authorized".into(),
            at: t(0),
            capability: Some(Capability::BlueGreen),
        }
    }

    #[test]
    fn states_follow_attempts_and_keep_their_start() {
        let bg = Capability::BlueGreen;
        let ok = CapabilityStatus::after(None, bg, None, "us-east-1", None, t(0));
        assert_eq!((ok.state, ok.data_at), (CapState::Ok, Some(t(0))));
        // A transient failure after good data: stale, the data's time kept.
        let stale = CapabilityStatus::after(
            Some(&ok),
            bg,
            None,
            "us-east-1",
            Some(&err(ErrorKind::Throttled)),
            t(60),
        );
        assert_eq!((stale.state, stale.data_at, stale.since), (CapState::Stale, Some(t(0)), t(60)));
        let again = CapabilityStatus::after(
            Some(&stale),
            bg,
            None,
            "us-east-1",
            Some(&err(ErrorKind::Timeout)),
            t(120),
        );
        assert_eq!(again.since, t(60), "still stale since the first failure");
        assert_eq!(again.summary(t(300)), "blue/green deployments: stale 5m00s");
        // Denied from the start: no data, named.
        let denied =
            CapabilityStatus::after(None, bg, None, "us-east-1", Some(&err(ErrorKind::AccessDenied)), t(0));
        assert_eq!((denied.state, denied.data_at), (CapState::Denied, None));
        assert_eq!(denied.summary(t(5)), "blue/green deployments: access denied");
        let failed =
            CapabilityStatus::after(None, bg, None, "us-east-1", Some(&err(ErrorKind::Network)), t(0));
        assert_eq!(failed.state, CapState::Failed);
        let unsupported =
            CapabilityStatus::after(None, bg, None, "us-east-1", Some(&err(ErrorKind::Unsupported)), t(0));
        assert_eq!(unsupported.state, CapState::Unsupported);
    }

    #[test]
    fn rules_left_unjudged_by_a_gap_are_named() {
        let denied = CapabilityStatus::after(
            None,
            Capability::BlueGreen,
            Some("123456789012"),
            "us-east-1",
            Some(&err(ErrorKind::AccessDenied)),
            t(0),
        );
        let ok = CapabilityStatus::after(None, Capability::Instances, None, "us-east-1", None, t(0));
        let n = not_evaluated(&[denied, ok], t(0));
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].rule, RuleId::BlueGreen);
        assert_eq!(
            n[0].reasons,
            ["123456789012/us-east-1: blue/green deployments: access denied (DescribeBlueGreenDeployments)"]
        );
        // Every listed rule needs something, and every capability but global databases (they
        // feed the Replication view, no rule) is needed by some rule.
        for &r in RuleId::ALL {
            assert!(!needed_by(r).is_empty(), "{r}");
        }
        for c in Capability::ALL.into_iter().filter(|c| *c != Capability::GlobalClusters) {
            assert!(RuleId::ALL.iter().any(|&r| needed_by(r).contains(&c)), "{c:?}");
        }
    }
}
