//! Severity of a value or a finding, ordered from harmless to critical.

use serde::{Deserialize, Serialize};

/// How bad something is. `Unknown` sorts below `Ok` only for display grouping; it is never
/// treated as healthy: a missing number is shown as missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Unknown,
    Ok,
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Unknown => "unknown",
            Severity::Ok => "ok",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }

    /// Short fixed-width tag for tables.
    pub fn tag(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKN",
            Severity::Ok => "OK",
            Severity::Info => "INFO",
            Severity::Warning => "WARN",
            Severity::Critical => "CRIT",
        }
    }
}
