//! What goes wrong while polling: which service, account, region and operation, what kind of
//! failure (the kind decides retries and how a capability's state reads), and the message.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::capability::Capability;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Service {
    Rds,
    CloudWatch,
    Kafka,
    Sts,
    Demo,
    Replay,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    Throttled,
    Timeout,
    Network,
    Credentials,
    AccessDenied,
    ServiceUnavailable,
    Malformed,
    /// The operation does not exist in this region or partition.
    Unsupported,
    Other,
}

/// An error met while polling one service in one account and region.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[error("{service:?} {region}: {message}")]
pub struct SourceError {
    pub account: Option<String>,
    pub region: String,
    pub service: Service,
    pub operation: Option<String>,
    pub kind: ErrorKind,
    pub message: String,
    pub at: Timestamp,
    /// The capability that failed, for the optional ones: the rest of the region's data is
    /// current (None: the region's core data or its metrics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability: Option<Capability>,
}

impl SourceError {
    /// Whether this error makes the region's rows stale (instances or metrics failed), rather
    /// than leaving one optional part of its inventory old or missing.
    pub fn stales_region(&self) -> bool {
        matches!(self.capability, None | Some(Capability::Instances) | Some(Capability::Metrics))
    }
}
