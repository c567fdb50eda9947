//! What an instance's status (`DBInstanceStatus`) means for the numbers on screen: whether it
//! publishes metrics now (a stopped or still-creating instance has no datapoints, which is not
//! missing data), and whether the status itself is an outage.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::severity::Severity;

/// AWS starts a stopped instance again after this long (RDS and Aurora alike).
pub const AUTO_START_AFTER: SignedDuration = SignedDuration::from_hours(7 * 24);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    /// Serving (possibly while modifying, backing up, upgrading...): metrics expected.
    Running,
    /// Stopped or stopping: no datapoints until it starts again.
    Stopped,
    /// Being created, started, or restored: no datapoints yet.
    Starting,
    /// Being deleted.
    Deleting,
    /// Down or unusable: failed, storage full, incompatible, keys inaccessible.
    Broken,
}

impl Activity {
    pub fn of(status: &str) -> Activity {
        match status {
            "stopped" | "stopping" => Activity::Stopped,
            "creating" | "starting" | "storage-initialization" => Activity::Starting,
            "deleting" | "delete-precheck" => Activity::Deleting,
            "failed"
            | "storage-full"
            | "restore-error"
            | "insufficient-capacity"
            | "inaccessible-encryption-credentials"
            | "inaccessible-encryption-credentials-recoverable" => Activity::Broken,
            s if s.starts_with("incompatible-") => Activity::Broken,
            _ => Activity::Running,
        }
    }

    /// Datapoints are expected now; without them a reading is missing, not absent by design.
    pub fn publishes_metrics(self) -> bool {
        matches!(self, Activity::Running | Activity::Broken)
    }

    /// The status alone, as a severity: an outage is critical whatever the readings say.
    pub fn severity(self) -> Severity {
        match self {
            Activity::Broken => Severity::Critical,
            _ => Severity::Ok,
        }
    }
}

/// When AWS will start a stopped instance again, if the stop time is known (from the last
/// datapoint it published): seven days after it stopped.
pub fn auto_start_at(stopped_since: Option<Timestamp>) -> Option<Timestamp> {
    stopped_since?.checked_add(AUTO_START_AFTER).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_by_what_they_mean() {
        let cases = [
            ("available", Activity::Running, true),
            ("modifying", Activity::Running, true),
            ("backing-up", Activity::Running, true),
            ("upgrading", Activity::Running, true),
            ("rebooting", Activity::Running, true),
            ("stopped", Activity::Stopped, false),
            ("stopping", Activity::Stopped, false),
            ("creating", Activity::Starting, false),
            ("starting", Activity::Starting, false),
            ("deleting", Activity::Deleting, false),
            ("storage-full", Activity::Broken, true),
            ("incompatible-parameters", Activity::Broken, true),
            ("failed", Activity::Broken, true),
        ];
        for (status, activity, metrics) in cases {
            assert_eq!(Activity::of(status), activity, "{status}");
            assert_eq!(activity.publishes_metrics(), metrics, "{status}");
        }
        assert_eq!(Activity::of("storage-full").severity(), Severity::Critical);
        assert_eq!(Activity::of("stopped").severity(), Severity::Ok);
        let stopped: Timestamp = "2026-11-18T10:00:00Z".parse().unwrap();
        assert_eq!(auto_start_at(Some(stopped)), Some("2026-11-25T10:00:00Z".parse().unwrap()));
        assert_eq!(auto_start_at(None), None);
    }
}
