//! What one poll of a source returns: the inventory, the new metric points, the errors met,
//! and API cost counters. Owned data, sent from the source to the app.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::capability_status::CapabilityStatus;
use super::freshness::Schedule;
use super::metrics::SeriesUpdate;
use super::model::Inventory;
pub use super::source_error::{ErrorKind, Service, SourceError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceKind {
    Demo,
    Live,
    Replay,
    TimeTravel,
}

impl SourceKind {
    pub fn label(self) -> &'static str {
        match self {
            SourceKind::Demo => "demo",
            SourceKind::Live => "live",
            SourceKind::Replay => "replay",
            SourceKind::TimeTravel => "time-travel",
        }
    }
}

/// Where data comes from, for the status bar and the JSON header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    pub kind: SourceKind,
    /// e.g. "demo seed 42", "profile prod", a recording's file name.
    pub label: String,
    pub regions: Vec<String>,
    pub accounts: Vec<String>,
}

/// API calls and metrics requested by one poll, to see what watching costs.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiStats {
    /// Calls per operation name (DescribeDBInstances, GetMetricData, ...).
    pub calls: BTreeMap<String, u64>,
    /// Metrics requested from GetMetricData (what CloudWatch bills).
    pub metrics_requested: u64,
    /// Estimated CloudWatch cost per hour of watching at this freshness (hot series every
    /// period, cold ones every `cold_every`), USD.
    pub estimated_cost_per_hour_usd: f64,
    /// What fetching every series every minute would cost, USD an hour.
    #[serde(default)]
    pub all_every_minute_usd_per_hour: f64,
    /// Series fetched every period, and every `cold_every` periods (0: not known, an older
    /// recording).
    #[serde(default)]
    pub hot_series: u64,
    #[serde(default)]
    pub cold_series: u64,
    #[serde(default)]
    pub cold_every: u32,
    /// What the budget did, when it did something (`[cost] budget_usd_per_hour`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<String>,
}

impl ApiStats {
    /// One poll's counts with the schedule it asked by.
    pub fn new(calls: BTreeMap<String, u64>, metrics_requested: u64, s: &Schedule) -> ApiStats {
        ApiStats {
            calls,
            metrics_requested,
            estimated_cost_per_hour_usd: s.cost_usd_per_hour(),
            all_every_minute_usd_per_hour: s.all_usd_per_hour(),
            hot_series: s.hot as u64,
            cold_series: s.cold as u64,
            cold_every: s.cold_every,
            budget: s.budget_note(),
        }
    }

    pub fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }
}

/// One poll's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetSnapshot {
    pub taken_at: Timestamp,
    pub source: SourceInfo,
    /// Shared, not copied: a source that did not refresh its inventory sends the same `Arc`,
    /// and the app sees it unchanged without comparing 5,000 instances.
    pub inventory: Arc<Inventory>,
    /// New points since the previous poll (the first poll carries the history for charts).
    pub metrics: Vec<SeriesUpdate>,
    /// Errors of this poll; data of the failing account/region is the last good one.
    pub errors: Vec<SourceError>,
    pub api: Option<ApiStats>,
    /// The history so far is replaced, not extended: a replay or time travel jumped back.
    #[serde(default)]
    pub reset: bool,
    /// Per account x region x capability: ok, or why its data is missing or old.
    #[serde(default)]
    pub capabilities: Vec<CapabilityStatus>,
    /// RDS events fetched since the previous poll (the first poll: the lookback); the app's
    /// store dedups them.
    #[serde(default)]
    pub events: Vec<super::events::DbEvent>,
}
