//! Peak hours learned from traffic: an hour-of-week load profile (UTC) from hourly datapoints,
//! and the hours whose load is in the instance's top band. The maintenance-risk rules read it
//! to judge whether a maintenance window falls in peak traffic.

use serde::{Deserialize, Serialize};

use super::maintenance::{MINUTES_PER_WEEK, MaintenanceWindow, minute_of_week};
use super::metrics::Point;

pub const HOURS_PER_WEEK: usize = 168;

/// Average load per hour of the week (Monday 00:00 UTC = hour 0), and how much history built it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadProfile {
    pub hours: Vec<Option<f64>>,
    pub samples: usize,
    /// Days between the oldest and newest datapoint.
    pub span_days: f64,
}

/// Bucket hourly (or finer) datapoints by hour of the week and average each bucket.
pub fn profile(points: &[Point]) -> LoadProfile {
    let mut sum = vec![0.0; HOURS_PER_WEEK];
    let mut n = vec![0usize; HOURS_PER_WEEK];
    for p in points.iter().filter(|p| p.value.is_finite() && p.value >= 0.0) {
        let h = (minute_of_week(p.at) / 60) as usize;
        sum[h] += p.value;
        n[h] += 1;
    }
    let span = match (points.iter().map(|p| p.at).min(), points.iter().map(|p| p.at).max()) {
        (Some(a), Some(b)) => (b.as_second() - a.as_second()) as f64 / 86_400.0,
        _ => 0.0,
    };
    LoadProfile {
        hours: sum.iter().zip(&n).map(|(s, c)| (*c > 0).then(|| s / *c as f64)).collect(),
        samples: n.iter().sum(),
        span_days: span,
    }
}

/// Hours of the week that count as peak, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeakHours {
    pub hours: Vec<bool>,
    /// The load at and above which an hour is peak.
    pub threshold: f64,
    pub weekly_max: f64,
}

impl PeakHours {
    pub fn is_peak(&self, hour_of_week: usize) -> bool {
        self.hours.get(hour_of_week % HOURS_PER_WEEK).copied().unwrap_or(false)
    }

    /// Peak hours a maintenance window touches (an hour counts if any of its minutes does).
    pub fn overlap(&self, w: &MaintenanceWindow) -> Vec<usize> {
        let mut out = Vec::new();
        for h in 0..HOURS_PER_WEEK {
            let start = (h * 60) as u32;
            let touches = (start..start + 60).any(|m| w.covers_minute(m % MINUTES_PER_WEEK));
            if touches && self.hours[h] {
                out.push(h);
            }
        }
        out
    }
}

/// Peak = hours whose average load is at least `band` (e.g. 0.7) of the weekly maximum. None
/// when the history is too short (`min_days`) or flat at zero: the caller falls back to
/// configured business hours and says so.
pub fn learn(profile: &LoadProfile, band: f64, min_days: f64) -> Option<PeakHours> {
    if profile.span_days < min_days {
        return None;
    }
    let weekly_max = profile.hours.iter().flatten().copied().fold(0.0, f64::max);
    if weekly_max <= 0.0 {
        return None;
    }
    let threshold = weekly_max * band.clamp(0.0, 1.0);
    Some(PeakHours {
        hours: profile.hours.iter().map(|h| h.is_some_and(|v| v >= threshold)).collect(),
        threshold,
        weekly_max,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::Timestamp;

    /// 14 days of hourly points from Monday 2026-11-09 00:00 UTC: load 100 on weekdays
    /// 14:00-17:59 UTC, 10 otherwise.
    fn two_weeks() -> Vec<Point> {
        let start: Timestamp = "2026-11-09T00:00:00Z".parse().unwrap();
        (0..14 * 24)
            .map(|h| {
                let at = Timestamp::from_second(start.as_second() + h * 3600).unwrap();
                let (day, hour) = (h / 24 % 7, h % 24);
                let value = if day < 5 && (14..18).contains(&hour) { 100.0 } else { 10.0 };
                Point { at, value }
            })
            .collect()
    }

    #[test]
    fn learns_weekday_afternoons() {
        let p = profile(&two_weeks());
        assert_eq!(p.samples, 336);
        assert!((p.span_days - 13.958).abs() < 0.01);
        let peaks = learn(&p, 0.7, 7.0).unwrap();
        assert!(peaks.is_peak(14) && peaks.is_peak(17), "Monday 14:00-17:59");
        assert!(!peaks.is_peak(13) && !peaks.is_peak(18));
        assert!(!peaks.is_peak(5 * 24 + 15), "Saturday afternoon is quiet");
        assert_eq!(peaks.hours.iter().filter(|h| **h).count(), 5 * 4);
    }

    #[test]
    fn window_overlap_in_hours() {
        let peaks = learn(&profile(&two_weeks()), 0.7, 7.0).unwrap();
        let w: MaintenanceWindow = "tue:17:45-tue:18:15".parse().unwrap();
        assert_eq!(peaks.overlap(&w), vec![24 + 17]);
        let quiet: MaintenanceWindow = "sun:03:00-sun:03:30".parse().unwrap();
        assert!(peaks.overlap(&quiet).is_empty());
    }

    #[test]
    fn too_little_or_flat_history_is_not_learned() {
        let week = &two_weeks()[..5 * 24];
        assert!(learn(&profile(week), 0.7, 7.0).is_none(), "five days are not enough");
        let flat: Vec<Point> = two_weeks().into_iter().map(|p| Point { value: 0.0, ..p }).collect();
        assert!(learn(&profile(&flat), 0.7, 7.0).is_none());
        assert!(learn(&profile(&[]), 0.7, 7.0).is_none());
    }
}
