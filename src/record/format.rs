//! The lines of a recording, as serde types shared by the writer and the reader.

use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::alarms::Alarm;
use crate::domain::capability_status::CapabilityStatus;
use crate::domain::events::DbEvent;
use crate::domain::metrics::SeriesKey;
use crate::domain::model::Inventory;
use crate::domain::snapshot::{ApiStats, SourceError, SourceInfo};

pub const FORMAT: &str = "dbfleet-recording";
/// 2: RDS events (`ev`) and alarms (in the inventory). Version 1 files read unchanged (they
/// have neither).
pub const VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    pub created_at: Timestamp,
    pub source: SourceInfo,
}

/// Points of one series: `period` seconds apart from `start` (epoch seconds); `None` is a
/// minute with no datapoint inside the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run(pub u32, pub u32, pub i64, pub Vec<Option<f64>>);

/// One poll.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    /// When the snapshot was taken.
    pub t: Timestamp,
    /// The inventory, when it differs from the previous line's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inv: Option<Arc<Inventory>>,
    /// The source, when it differs from the header's or the previous line's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src: Option<SourceInfo>,
    /// Series keys first seen in this line, with their numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keys: Vec<(u32, SeriesKey)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub m: Vec<Run>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub e: Vec<SourceError>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<ApiStats>,
    /// The capabilities' states, when they differ from the previous line's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caps: Option<Vec<CapabilityStatus>>,
    /// RDS events the poll brought.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ev: Vec<DbEvent>,
    /// The alarms, when only they changed since the last inventory written (an alarm changes
    /// state far more often than the fleet changes: the whole inventory is not rewritten).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub al: Option<Vec<Alarm>>,
}
