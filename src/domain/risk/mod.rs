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
use rustc_hash::FxHashMap;

pub use self::context::{PeakBasis, learned_peaks};
use self::settings::RuleSettings;
use super::findings::Finding;
use super::fleet::InstanceStatic;
use super::model::{Inventory, PendingAction};
use super::peak::PeakHours;
use super::topology::InstanceIndex;

/// Lookups the rules share, built once per evaluation (linear scans per instance cost
/// seconds at 5,000 instances).
pub struct RiskIndex<'a> {
    pub instances: InstanceIndex<'a>,
    pub clusters_by_arn: FxHashMap<&'a str, usize>,
    /// Pending actions (indices into `inv.pending_actions`) per resource ARN.
    pub actions_by_arn: FxHashMap<&'a str, Vec<usize>>,
}

impl<'a> RiskIndex<'a> {
    pub fn new(inv: &'a Inventory) -> Self {
        let mut actions_by_arn: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (i, a) in inv.pending_actions.iter().enumerate() {
            actions_by_arn.entry(a.resource_arn.as_str()).or_default().push(i);
        }
        RiskIndex {
            instances: InstanceIndex::new(inv),
            clusters_by_arn: inv.clusters.iter().enumerate().map(|(i, c)| (c.arn.as_str(), i)).collect(),
            actions_by_arn,
        }
    }

    pub fn actions<'b>(
        &'b self,
        inv: &'a Inventory,
        arn: &str,
    ) -> impl Iterator<Item = &'a PendingAction> + 'b {
        self.actions_by_arn.get(arn).into_iter().flatten().map(move |&i| &inv.pending_actions[i])
    }
}

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
    pub index: RiskIndex<'a>,
}

impl<'a> RiskInput<'a> {
    pub fn new(
        inv: &'a Inventory,
        statics: &'a [InstanceStatic],
        peaks: &'a [Option<PeakHours>],
        settings: &'a RuleSettings,
        tz: &'a TimeZone,
        now: Timestamp,
    ) -> Self {
        RiskInput { inv, statics, peaks, settings, tz, now, index: RiskIndex::new(inv) }
    }
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
    let d = super::format::format_duration_secs(secs.abs());
    if secs >= 0.0 { format!("in {d}") } else { format!("{d} ago") }
}

#[cfg(test)]
mod tests;
