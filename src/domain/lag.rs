//! Replica lag: whether replication runs, how far behind it is, and how bad that is.

use serde::{Deserialize, Serialize};

use super::metrics::Reading;
use super::severity::Severity;
use super::thresholds::Thresholds;

/// Replication as the newest ReplicaLag / AuroraReplicaLag datapoint shows it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReplicationState {
    /// Not a replica: nothing to lag.
    NotReplica,
    /// A replica with no lag datapoint: unknown, never shown as 0.
    NoData,
    /// MySQL/MariaDB report -1 when replication is not running.
    Stopped {
        reading: Reading,
    },
    Streaming {
        reading: Reading,
    },
}

impl ReplicationState {
    pub fn from_reading(is_replica: bool, reading: Option<Reading>) -> Self {
        match (is_replica, reading) {
            (false, _) => ReplicationState::NotReplica,
            (true, None) => ReplicationState::NoData,
            (true, Some(r)) if r.value < 0.0 => ReplicationState::Stopped { reading: r },
            (true, Some(r)) => ReplicationState::Streaming { reading: r },
        }
    }

    /// Lag in seconds when replication is streaming.
    pub fn lag_seconds(&self) -> Option<f64> {
        match self {
            ReplicationState::Streaming { reading } => Some(reading.value),
            _ => None,
        }
    }

    pub fn reading(&self) -> Option<&Reading> {
        match self {
            ReplicationState::Stopped { reading } | ReplicationState::Streaming { reading } => Some(reading),
            _ => None,
        }
    }

    pub fn severity(&self, t: &Thresholds) -> Severity {
        match self {
            ReplicationState::NotReplica => Severity::Ok,
            ReplicationState::NoData => Severity::Unknown,
            ReplicationState::Stopped { .. } => Severity::Critical,
            ReplicationState::Streaming { reading } => t.replica_lag_seconds.classify(reading.value),
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            ReplicationState::NotReplica => "not_replica",
            ReplicationState::NoData => "no_data",
            ReplicationState::Stopped { .. } => "stopped",
            ReplicationState::Streaming { .. } => "streaming",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::metrics::Unit;
    use jiff::Timestamp;

    fn r(v: f64) -> Reading {
        Reading { value: v, unit: Unit::Seconds, at: Timestamp::UNIX_EPOCH }
    }

    #[test]
    fn states_and_severities() {
        let t = Thresholds::default();
        let cases = [
            (false, Some(r(500.0)), "not_replica", Severity::Ok),
            (true, None, "no_data", Severity::Unknown),
            (true, Some(r(-1.0)), "stopped", Severity::Critical),
            (true, Some(r(0.0)), "streaming", Severity::Ok),
            (true, Some(r(45.0)), "streaming", Severity::Warning),
            (true, Some(r(301.0)), "streaming", Severity::Critical),
        ];
        for (is_replica, reading, label, sev) in cases {
            let s = ReplicationState::from_reading(is_replica, reading);
            assert_eq!(s.label(), label, "{is_replica} {reading:?}");
            assert_eq!(s.severity(&t), sev, "{is_replica} {reading:?}");
        }
        // Zero lag is a real zero, stopped has no lag number.
        assert_eq!(ReplicationState::from_reading(true, Some(r(0.0))).lag_seconds(), Some(0.0));
        assert_eq!(ReplicationState::from_reading(true, Some(r(-1.0))).lag_seconds(), None);
    }
}
