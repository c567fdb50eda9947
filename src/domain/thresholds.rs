//! Warn/critical thresholds per metric, configurable in config.toml.

use serde::{Deserialize, Serialize};

use super::severity::Severity;

/// A value at or above `warn` is a warning, at or above `crit` critical.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub warn: f64,
    pub crit: f64,
}

impl Band {
    pub fn classify(self, value: f64) -> Severity {
        if value >= self.crit {
            Severity::Critical
        } else if value >= self.warn {
            Severity::Warning
        } else {
            Severity::Ok
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Replica lag, seconds.
    pub replica_lag_seconds: Band,
    /// Connections as a percentage of max_connections.
    pub connections_percent: Band,
    pub cpu_percent: Band,
    /// Minutes a Serverless v2 instance has run at its cluster's maximum ACU (it cannot scale
    /// further).
    pub serverless_at_max_minutes: Band,
    /// A reading older than this is shown as stale.
    pub stale_after_seconds: u32,
    /// A failover or restart this recent is marked in Fleet and is a finding.
    pub recent_event_minutes: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            replica_lag_seconds: Band { warn: 30.0, crit: 300.0 },
            connections_percent: Band { warn: 80.0, crit: 90.0 },
            cpu_percent: Band { warn: 80.0, crit: 95.0 },
            serverless_at_max_minutes: Band { warn: 5.0, crit: 30.0 },
            stale_after_seconds: 300,
            recent_event_minutes: 60,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_are_inclusive_at_the_threshold() {
        let b = Band { warn: 30.0, crit: 300.0 };
        assert_eq!(b.classify(29.9), Severity::Ok);
        assert_eq!(b.classify(30.0), Severity::Warning);
        assert_eq!(b.classify(300.0), Severity::Critical);
    }
}
