//! Per-instance facts the rules share: the window and its next occurrence, the peak hours that
//! apply (learned or assumed), upgrades queued, and evidence lines in local time.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::RiskInput;
use super::settings::{RuleSettings, TagMatch};
use crate::domain::format;
use crate::domain::maintenance::{MaintenanceWindow, WindowOccurrence};
use crate::domain::model::{DbInstance, Inventory};
use crate::domain::peak::{BusinessHours, LoadProfile, PeakHours, learn};
use crate::domain::zones;

/// Learned peak hours per instance (same order as `inv.instances`); None where no profile or
/// too little history. Computed once per inventory, not per derive.
pub fn learned_peaks(inv: &Inventory, settings: &RuleSettings) -> Vec<Option<PeakHours>> {
    inv.instances
        .iter()
        .map(|d| {
            inv.load_profiles
                .get(d.arn.as_str())
                .and_then(|p| learn(p, settings.peak_band, settings.min_history_days))
        })
        .collect()
}

/// Which hours count as peak for an instance, and why.
pub enum PeakBasis<'a> {
    Learned {
        peaks: &'a PeakHours,
        profile: &'a LoadProfile,
    },
    /// Too little history: configured business hours in a zone.
    Assumed {
        hours: BusinessHours,
        zone: TimeZone,
        tag: Option<&'a TagMatch>,
        history_days: Option<f64>,
    },
}

impl<'a> PeakBasis<'a> {
    pub fn of(input: &'a RiskInput, i: usize) -> PeakBasis<'a> {
        let d = &input.inv.instances[i];
        let profile = input.inv.load_profiles.get(d.arn.as_str());
        match (input.peaks.get(i).and_then(Option::as_ref), profile) {
            (Some(peaks), Some(profile)) => PeakBasis::Learned { peaks, profile },
            _ => {
                let (hours, tag) = input.settings.business_hours_for(&d.tags);
                let zone = hours.zone_for(&d.region);
                PeakBasis::Assumed { hours, zone, tag, history_days: profile.map(|p| f64::from(p.span_days)) }
            }
        }
    }

    /// Whether this occurrence of the window falls in peak hours.
    pub fn in_peak(&self, w: &MaintenanceWindow, occ: &WindowOccurrence) -> bool {
        match self {
            PeakBasis::Learned { peaks, .. } => !peaks.overlap(w).is_empty(),
            PeakBasis::Assumed { hours, zone, .. } => hours.overlaps(occ, zone),
        }
    }

    /// Evidence lines: the peak hours on the window's local day, and the load in the window.
    pub fn evidence(
        &self,
        w: &MaintenanceWindow,
        occ: &WindowOccurrence,
        tz: &TimeZone,
        min_days: f64,
    ) -> Vec<String> {
        match self {
            PeakBasis::Learned { peaks, profile } => {
                let day = occ.start.to_zoned(tz.clone()).date();
                let ranges = peaks.local_ranges(day, tz);
                let unit = peaks.metric.unit();
                let mut v = vec![
                    format!(
                        "peak hours: learned from {:.1} days of hourly {} (hours at or above {:.0} {unit}, {:.0}% of the weekly peak {:.0})",
                        peaks.span_days,
                        peaks.metric.cloudwatch_name(),
                        peaks.threshold,
                        peaks.threshold / peaks.weekly_max * 100.0,
                        peaks.weekly_max,
                    ),
                    format!(
                        "peak hours on {}: {} {} ({} peak hours a week)",
                        day.strftime("%a %Y-%m-%d"),
                        if ranges.is_empty() { "none".to_string() } else { ranges.join(", ") },
                        occ.start.to_zoned(tz.clone()).strftime("%Z"),
                        peaks.count()
                    ),
                ];
                let hours = crate::domain::peak::window_hours(w);
                if let Some(load) = hours.iter().filter_map(|&h| profile.hours.get(h)).reduce(f32::max) {
                    v.push(format!(
                        "load in the window's hour: {:.0} {unit} on average ({:.0}% of the weekly peak)",
                        load,
                        f64::from(load) / peaks.weekly_max * 100.0
                    ));
                }
                v
            }
            PeakBasis::Assumed { hours, zone, tag, history_days } => {
                let why = match history_days {
                    Some(d) => format!("only {d:.1} days of traffic history (need {min_days:.0})"),
                    None => "no traffic history".to_string(),
                };
                let rule = tag.map_or(String::new(), |t| format!(" for {}={}", t.key, t.value));
                vec![format!(
                    "peak hours: assumed business hours{rule} {} {} ({why})",
                    hours.describe(),
                    zones::zone_label(zone)
                )]
            }
        }
    }
}

/// The window governing an instance, parsed (None: none set or invalid).
pub fn window(input: &RiskInput, i: usize) -> Option<MaintenanceWindow> {
    match &input.statics.get(i)?.window {
        Some(Ok(w)) => Some(*w),
        _ => None,
    }
}

/// `tue:18:00-tue:18:30 UTC = Tue 13:00-13:30 EST, next 2026-11-24 13:00 EST (in 2d03h)`
pub fn window_evidence(
    w: &MaintenanceWindow,
    occ: &WindowOccurrence,
    tz: &TimeZone,
    now: Timestamp,
) -> String {
    format!(
        "maintenance window: {w} UTC = {}, next {} ({})",
        format::span(occ.start, occ.end, tz),
        format::date_time_zone(occ.start, tz),
        super::countdown(occ.start, now)
    )
}

/// The minor version auto minor version upgrade would apply, or a pending engine upgrade.
pub struct QueuedUpgrade {
    pub target: Option<String>,
    pub db_upgrade_pending: bool,
}

impl QueuedUpgrade {
    pub fn of(input: &RiskInput, d: &DbInstance) -> QueuedUpgrade {
        QueuedUpgrade {
            target: d
                .auto_upgrade_target
                .as_deref()
                .map(String::from)
                .filter(|_| d.auto_minor_version_upgrade),
            db_upgrade_pending: input.index.actions(input.inv, &d.arn).any(|a| a.action == "db-upgrade"),
        }
    }

    pub fn queued(&self) -> bool {
        self.target.is_some() || self.db_upgrade_pending
    }

    pub fn evidence(&self, d: &DbInstance) -> String {
        match (&self.target, self.db_upgrade_pending) {
            (Some(t), _) => format!(
                "auto minor version upgrade: on; {} {} -> {t} is the automatic upgrade target (DescribeDBEngineVersions)",
                d.engine, d.engine_version
            ),
            (None, true) => "auto minor version upgrade: on; a db-upgrade maintenance action is pending".to_string(),
            (None, false) => "auto minor version upgrade: on; no upgrade queued yet (one will be when AWS designates a new minor version)".to_string(),
        }
    }
}
