//! Maintenance and upgrade risk: the rules that judge windows, pending actions, peak hours,
//! replica quotas, blue/green deployments and engine support dates. Pure functions of the
//! inventory, the learned peak hours, the settings and `now`; the demo, the live source and
//! replays feed them the same way.

mod context;
mod fleet_rules;
pub mod marks;
mod pending;
pub mod policy;
pub mod settings;
mod windows;

use jiff::Timestamp;
use jiff::tz::TimeZone;

pub use self::context::{PeakBasis, learned_peaks};
use self::settings::RuleSettings;
use super::findings::Finding;
use super::fleet::InstanceStatic;
use super::model::Inventory;
use super::peak::PeakHours;

/// Everything the rules read.
pub struct RiskInput<'a> {
    pub inv: &'a Inventory,
    /// `fleet::statics(inv)`: parsed windows and failover, per instance.
    pub statics: &'a [InstanceStatic],
    /// `learned_peaks(inv, settings)`, per instance (None: not learned).
    pub peaks: &'a [Option<PeakHours>],
    pub settings: &'a RuleSettings,
    /// The reader's time zone, for evidence in local time.
    pub tz: &'a TimeZone,
    pub now: Timestamp,
}

/// Every maintenance-risk finding, unsorted and before mutes and severity overrides.
pub fn risk_findings(input: &RiskInput) -> Vec<Finding> {
    let mut out = Vec::new();
    windows::rules(input, &mut out);
    pending::rules(input, &mut out);
    fleet_rules::rules(input, &mut out);
    out
}

/// `in 2d03h` / `5h10m ago`.
pub fn countdown(to: Timestamp, now: Timestamp) -> String {
    let secs = (to.as_second() - now.as_second()) as f64;
    let d = super::lag::format_duration_secs(secs.abs());
    if secs >= 0.0 { format!("in {d}") } else { format!("{d} ago") }
}

#[cfg(test)]
mod tests;
