//! The status of one consumer group on one topic, judged over a sliding window of CloudWatch
//! lag points, in the spirit of Burrow's rules. Burrow reads committed offsets; CloudWatch
//! gives lag per minute, so "progress" and "the topic still receives data" are read from how
//! the lag moves: lag can only rise when new data arrives (committed offsets never go back),
//! and a group whose lag sits exactly still while the topic's other readers see data arrive
//! is not consuming.
//!
//! Order of the rules, first match wins:
//! 1. STOP: the group's metrics vanished (no point for `stop_after_minutes`) while the rest
//!    of its cluster still reports. MSK drops a group's lag when it is rebalancing, EMPTY
//!    without committed offsets, or named with `:`.
//! 2. UNKNOWN: no points yet, fewer than `min_points` in the window, or the whole cluster is
//!    silent (a source problem, shown as stale elsewhere, not a consumer problem).
//! 3. STALL: lag non-zero and flat for the whole window while the topic receives data.
//! 4. OK (caught up): lag zero at some point in the window, unless the time lag is now
//!    above the threshold (it fell behind since).
//! 5. OK (recovering): lag falling across the window (down at two steps in three), whatever
//!    its size: a backlog being drained is not an error.
//! 6. ERR: the estimated time lag is above the threshold at the last two points.
//! 7. WARN: lag rising across the whole window (never a real step down).
//! 8. A flat lag with no new data: OK (idle) up to `idle_lag_max` messages, else WARN (a
//!    backlog nobody drains).
//! 9. OK: anything else.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::format::format_duration_secs;
use super::metrics::Point;
use super::severity::Severity;

/// Burrow's vocabulary, so on-call engineers who know it read it at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LagStatus {
    Ok,
    Unknown,
    Warn,
    Stop,
    Stall,
    Err,
}

impl LagStatus {
    pub fn tag(self) -> &'static str {
        match self {
            LagStatus::Ok => "OK",
            LagStatus::Unknown => "UNKNOWN",
            LagStatus::Warn => "WARN",
            LagStatus::Stop => "STOP",
            LagStatus::Stall => "STALL",
            LagStatus::Err => "ERR",
        }
    }

    /// Colour and finding severity: a stuck or hopelessly late consumer is critical; a group
    /// that vanished or is falling behind is a warning.
    pub fn severity(self) -> Severity {
        match self {
            LagStatus::Ok => Severity::Ok,
            LagStatus::Unknown => Severity::Unknown,
            LagStatus::Warn | LagStatus::Stop => Severity::Warning,
            LagStatus::Stall | LagStatus::Err => Severity::Critical,
        }
    }
}

/// Thresholds of the status rules (`[kafka]` in config.toml).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LagSettings {
    /// The sliding window the trend is judged over. It should be longer than the cycle of
    /// batch consumers, or their build-up reads as WARN.
    pub window_minutes: u32,
    /// Fewer points than this in the window: UNKNOWN.
    pub min_points: usize,
    /// EstimatedMaxTimeLag above this (seconds) at the last two points: ERR.
    pub err_time_lag_seconds: f64,
    /// Lag moving less than this fraction of its size (and at least one message) is flat.
    pub flat_tolerance: f64,
    /// No point for this long while the cluster still reports: STOP.
    pub stop_after_minutes: u32,
    /// A flat lag at or below this many messages with no new data is an idle topic (OK);
    /// above it, a backlog nobody drains (WARN).
    pub idle_lag_max: f64,
}

impl Default for LagSettings {
    fn default() -> Self {
        LagSettings {
            window_minutes: 15,
            min_points: 5,
            err_time_lag_seconds: 300.0,
            flat_tolerance: 0.02,
            stop_after_minutes: 10,
            idle_lag_max: 100.0,
        }
    }
}

impl LagSettings {
    /// The first invalid field and why, for the config error.
    pub fn invalid(&self) -> Option<(&'static str, String)> {
        if !(2..=1440).contains(&self.window_minutes) {
            return Some(("window_minutes", format!("{} is not within 2..=1440", self.window_minutes)));
        }
        if self.min_points < 2 || self.min_points > self.window_minutes as usize + 1 {
            return Some(("min_points", format!("{} is not within 2..=window_minutes+1", self.min_points)));
        }
        if !(self.err_time_lag_seconds.is_finite() && self.err_time_lag_seconds > 0.0) {
            return Some(("err_time_lag_seconds", "must be a positive number of seconds".into()));
        }
        if !(0.0..0.5).contains(&self.flat_tolerance) {
            return Some(("flat_tolerance", format!("{} is not within 0..0.5", self.flat_tolerance)));
        }
        if self.stop_after_minutes < 2 {
            return Some(("stop_after_minutes", "must be at least 2".into()));
        }
        if !(self.idle_lag_max.is_finite() && self.idle_lag_max >= 0.0) {
            return Some(("idle_lag_max", "must be a number of messages, 0 or more".into()));
        }
        None
    }

    pub fn window(&self) -> SignedDuration {
        SignedDuration::from_mins(i64::from(self.window_minutes))
    }
}

/// Whether the topic is seen to receive data during the window: some reader's lag rose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Traffic {
    /// `group`'s lag rose `rises` times in the window.
    Seen {
        group: String,
        rises: usize,
    },
    NotSeen,
}

/// What the rules look at for one group x topic.
#[derive(Debug, Clone, Copy)]
pub struct StatusInput<'a> {
    /// MaxOffsetLag points in the window, oldest first.
    pub offset_lag: &'a [Point],
    /// EstimatedMaxTimeLag points in the window, oldest first.
    pub time_lag: &'a [Point],
    /// The newest point of any of the group's lag metrics, ever.
    pub last_seen: Option<Point>,
    /// Another series of the same cluster has a point newer than `stop_after_minutes`.
    pub cluster_reports: bool,
    pub traffic: &'a Traffic,
}

/// A status and the facts that produced it, as short lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub status: LagStatus,
    /// One line: why, in words.
    pub reason: String,
    pub evidence: Vec<String>,
}

/// Steps where the lag rose by more than the flat tolerance: proof that data arrived.
pub fn rises(points: &[Point], flat_tolerance: f64) -> usize {
    points
        .windows(2)
        .filter(|w| w[1].value - w[0].value > tolerance(w[0].value.max(w[1].value), flat_tolerance))
        .count()
}

fn tolerance(size: f64, flat_tolerance: f64) -> f64 {
    (size.abs() * flat_tolerance).max(1.0)
}

fn n(v: f64) -> String {
    let s = format!("{:.0}", v.abs());
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 { format!("-{out}") } else { out }
}

/// Messages a minute: a decimal below 10 so a slow drain does not read as "0 a minute".
fn rate(v: f64) -> String {
    if v < 10.0 { format!("{v:.1}") } else { n(v) }
}

pub fn evaluate(input: &StatusInput, s: &LagSettings, now: Timestamp) -> Verdict {
    let verdict = |status, reason: String, evidence: Vec<String>| Verdict { status, reason, evidence };
    let Some(last_seen) = input.last_seen else {
        return verdict(LagStatus::Unknown, "no datapoints yet".into(), vec![]);
    };
    let silent = now.duration_since(last_seen.at);
    if silent > SignedDuration::from_mins(i64::from(s.stop_after_minutes)) {
        let ago = format_duration_secs(silent.as_secs_f64());
        let last = format!("last datapoint {ago} ago (lag {})", n(last_seen.value));
        if !input.cluster_reports {
            return verdict(
                LagStatus::Unknown,
                "no fresh data from the whole cluster: a collection problem, not this group".into(),
                vec![last],
            );
        }
        return verdict(
            LagStatus::Stop,
            format!("lag metrics vanished {ago} ago while the rest of the cluster still reports"),
            vec![
                last,
                "MSK stops publishing a group's lag while it is rebalancing (unstable), EMPTY without committed offsets, or named with ':'".into(),
            ],
        );
    }
    let pts = input.offset_lag;
    let mins = s.window_minutes;
    if pts.len() < s.min_points {
        return verdict(
            LagStatus::Unknown,
            format!("{} MaxOffsetLag points in the last {mins} min, {} needed", pts.len(), s.min_points),
            vec![],
        );
    }
    let (first, last) = (pts[0].value, pts[pts.len() - 1].value);
    let (lo, hi) =
        pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| (lo.min(p.value), hi.max(p.value)));
    let tol = tolerance(hi, s.flat_tolerance);
    let span = format!(
        "MaxOffsetLag over {mins} min: {} -> {} (min {}, max {}, {} points)",
        n(first),
        n(last),
        n(lo),
        n(hi),
        pts.len()
    );
    let time_now = input.time_lag.last().map(|p| p.value);
    let time_line = time_now.map(|t| {
        format!(
            "EstimatedMaxTimeLag: {} (ERR above {})",
            format_duration_secs(t),
            format_duration_secs(s.err_time_lag_seconds)
        )
    });
    let mut evidence = vec![span];
    evidence.extend(time_line);

    let flat = hi - lo <= tol && lo > 0.0;
    if flat && let Traffic::Seen { group, rises } = input.traffic {
        evidence
            .push(format!("the topic still receives data: {group}'s lag rose {rises} times in the window"));
        return verdict(
            LagStatus::Stall,
            format!("lag stuck at {} for {mins} min while the topic receives data: no progress", n(last)),
            evidence,
        );
    }
    let over = |p: &Point| p.value > s.err_time_lag_seconds;
    let late = input.time_lag.len() >= 2 && input.time_lag[input.time_lag.len() - 2..].iter().all(over);
    if lo <= 0.0 && !late {
        return verdict(LagStatus::Ok, format!("caught up (lag 0) within the last {mins} min"), evidence);
    }
    // Falling means a drain, not noise: the lag ends lower by more than the tolerance and went
    // down at two steps in three (a slow drain of a big backlog moves less than the
    // tolerance per step, so steps are compared strictly).
    let downs = pts.windows(2).filter(|w| w[1].value < w[0].value).count();
    if last < first - tol && downs * 3 >= (pts.len() - 1) * 2 {
        let minutes = pts[pts.len() - 1].at.duration_since(pts[0].at).as_secs_f64() / 60.0;
        let per_min = (first - last) / minutes.max(1.0);
        let drains = format_duration_secs((last / per_min * 60.0).round());
        return verdict(
            LagStatus::Ok,
            format!("recovering: lag falling {} a minute, about {drains} to drain", rate(per_min)),
            evidence,
        );
    }
    if late {
        return verdict(
            LagStatus::Err,
            format!(
                "{} behind, above the {} threshold",
                format_duration_secs(time_now.unwrap_or_default()),
                format_duration_secs(s.err_time_lag_seconds)
            ),
            evidence,
        );
    }
    let never_down =
        pts.windows(2).all(|w| w[1].value >= w[0].value - tolerance(w[0].value, s.flat_tolerance));
    if last > first + tol && never_down {
        return verdict(
            LagStatus::Warn,
            format!("falling behind: lag rose from {} to {} across the whole window", n(first), n(last)),
            evidence,
        );
    }
    if flat {
        evidence.push("no reader of the topic saw its lag rise in the window: no new data".into());
        if last > s.idle_lag_max {
            return verdict(
                LagStatus::Warn,
                format!("a backlog of {} is not draining (no new data on the topic either)", n(last)),
                evidence,
            );
        }
        return verdict(
            LagStatus::Ok,
            format!("idle topic: lag flat at {}, nothing new to consume", n(last)),
            evidence,
        );
    }
    verdict(LagStatus::Ok, format!("keeping up: lag between {} and {}", n(lo), n(hi)), evidence)
}

#[cfg(test)]
#[path = "consumer_status_tests.rs"]
mod tests;
