//! Peak hours: learned from traffic (an hour-of-week load profile in UTC from hourly
//! datapoints, and the hours whose load is in the instance's top band), or, when too little
//! history exists, configured business hours in a local time zone.
//! This file holds the load profile and the peaks learned from it; `business_hours` is the
//! fallback.

mod business_hours;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::maintenance::{MINUTES_PER_WEEK, MaintenanceWindow, minute_of_week};
use super::metrics::Point;

pub use self::business_hours::BusinessHours;

pub const HOURS_PER_WEEK: usize = 168;

/// Which metric a profile was learned from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadMetric {
    /// `DatabaseConnections`: the first choice (clients, not background work).
    Connections,
    /// `CPUUtilization`: the fallback when connections have no datapoints.
    Cpu,
}

impl LoadMetric {
    pub fn cloudwatch_name(self) -> &'static str {
        match self {
            LoadMetric::Connections => "DatabaseConnections",
            LoadMetric::Cpu => "CPUUtilization",
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            LoadMetric::Connections => "connections",
            LoadMetric::Cpu => "% CPU",
        }
    }
}

/// Average load per hour of the week (Monday 00:00 UTC = hour 0), and how much history built it.
/// f32: 168 of them per writer, kept for the whole fleet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoadProfile {
    pub metric: LoadMetric,
    pub hours: HourlyLoad,
    pub samples: u32,
    /// Days between the oldest and newest datapoint.
    pub span_days: f32,
    /// The newest datapoint: for a stopped instance, about when it stopped.
    #[serde(default)]
    pub last_at: Option<jiff::Timestamp>,
}

/// The average of each hour of the week, NaN where the hour had no datapoint: 4 bytes an hour
/// (an `Option<f32>` takes 8), serialized as the list of optional numbers it stands for.
#[derive(Clone, Default)]
pub struct HourlyLoad(Box<[f32]>);

impl HourlyLoad {
    /// The hour's average; None: no datapoint in that hour (or past the week).
    pub fn get(&self, hour: usize) -> Option<f32> {
        self.0.get(hour).copied().filter(|v| !v.is_nan())
    }

    pub fn iter(&self) -> impl Iterator<Item = Option<f32>> + '_ {
        self.0.iter().map(|v| (!v.is_nan()).then_some(*v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<Option<f32>> for HourlyLoad {
    fn from_iter<I: IntoIterator<Item = Option<f32>>>(iter: I) -> HourlyLoad {
        HourlyLoad(iter.into_iter().map(|v| v.unwrap_or(f32::NAN)).collect())
    }
}

/// Missing hours are equal to each other (NaN is not, and an unchanged profile must compare
/// equal: a refresh that changed nothing moves nothing).
impl PartialEq for HourlyLoad {
    fn eq(&self, other: &HourlyLoad) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for HourlyLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for HourlyLoad {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for HourlyLoad {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<HourlyLoad, D::Error> {
        Ok(Vec::<Option<f32>>::deserialize(d)?.into_iter().collect())
    }
}

/// Bucket hourly (or finer) datapoints by hour of the week and average each bucket.
pub fn profile(metric: LoadMetric, points: &[Point]) -> LoadProfile {
    let mut sum = vec![0.0f64; HOURS_PER_WEEK];
    let mut n = vec![0u32; HOURS_PER_WEEK];
    for p in points.iter().filter(|p| p.value.is_finite() && p.value >= 0.0) {
        let h = (minute_of_week(p.at) / 60) as usize;
        sum[h] += p.value;
        n[h] += 1;
    }
    let last_at = points.iter().map(|p| p.at).max();
    let span = match (points.iter().map(|p| p.at).min(), last_at) {
        (Some(a), Some(b)) => (b.as_second() - a.as_second()) as f64 / 86_400.0,
        _ => 0.0,
    };
    LoadProfile {
        metric,
        hours: sum.iter().zip(&n).map(|(s, c)| (*c > 0).then(|| (s / f64::from(*c)) as f32)).collect(),
        samples: n.iter().sum(),
        span_days: span as f32,
        last_at,
    }
}

/// Hours of the week that count as peak, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeakHours {
    pub hours: Vec<bool>,
    /// The load at and above which an hour is peak.
    pub threshold: f64,
    pub weekly_max: f64,
    pub metric: LoadMetric,
    pub span_days: f64,
}

/// UTC hours of the week (0..168) a window touches: an hour counts if any minute of it does.
pub fn window_hours(w: &MaintenanceWindow) -> Vec<usize> {
    let dur = w.duration_minutes();
    let first = w.start / 60;
    let last = (w.start + dur - 1) / 60;
    (first..=last).map(|h| (h as usize) % HOURS_PER_WEEK).collect()
}

impl PeakHours {
    pub fn is_peak(&self, hour_of_week: usize) -> bool {
        self.hours.get(hour_of_week % HOURS_PER_WEEK).copied().unwrap_or(false)
    }

    /// Peak hours a maintenance window touches.
    pub fn overlap(&self, w: &MaintenanceWindow) -> Vec<usize> {
        window_hours(w).into_iter().filter(|&h| self.is_peak(h)).collect()
    }

    pub fn count(&self) -> usize {
        self.hours.iter().filter(|h| **h).count()
    }

    /// The peak hours of one local day, as `09:00-17:00` ranges in `tz`.
    pub fn local_ranges(&self, day: Date, tz: &TimeZone) -> Vec<String> {
        let mut out = Vec::new();
        let mut open: Option<i8> = None;
        for h in 0..=24i8 {
            let peak = h < 24
                && day
                    .to_datetime(Time::constant(h, 0, 0, 0))
                    .to_zoned(tz.clone())
                    .is_ok_and(|z| self.is_peak((minute_of_week(z.timestamp()) / 60) as usize));
            match (peak, open) {
                (true, None) => open = Some(h),
                (false, Some(s)) => {
                    out.push(format!("{s:02}:00-{h:02}:00"));
                    open = None;
                }
                _ => {}
            }
        }
        out
    }
}

/// Peak = hours whose average load is at least `band` (e.g. 0.7) of the weekly maximum. None
/// when the history is too short (`min_days`) or flat at zero: the caller falls back to
/// configured business hours and says so.
pub fn learn(profile: &LoadProfile, band: f64, min_days: f64) -> Option<PeakHours> {
    if f64::from(profile.span_days) < min_days {
        return None;
    }
    let weekly_max = profile.hours.iter().flatten().map(f64::from).fold(0.0, f64::max);
    if weekly_max <= 0.0 {
        return None;
    }
    let threshold = weekly_max * band.clamp(0.0, 1.0);
    Some(PeakHours {
        hours: profile.hours.iter().map(|h| h.is_some_and(|v| f64::from(v) >= threshold)).collect(),
        threshold,
        weekly_max,
        metric: profile.metric,
        span_days: f64::from(profile.span_days),
    })
}

/// The quietest hour of the week that has data, for suggesting a better window.
pub fn quietest_hour(profile: &LoadProfile) -> Option<(usize, f64)> {
    profile
        .hours
        .iter()
        .enumerate()
        .filter_map(|(h, v)| v.map(|v| (h, f64::from(v))))
        .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
}

/// A 30-minute window string starting at an hour of the week (UTC).
pub fn window_at_hour(hour: usize) -> MaintenanceWindow {
    let start = (hour % HOURS_PER_WEEK) as u32 * 60;
    MaintenanceWindow { start, end: (start + 30) % MINUTES_PER_WEEK }
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;

    #[test]
    fn hours_without_data_stay_missing_compare_equal_and_serialize_as_null() {
        let at = |h: i64| {
            "2026-11-09T00:00:00Z".parse::<Timestamp>().unwrap() + jiff::SignedDuration::from_hours(h)
        };
        let p =
            profile(LoadMetric::Cpu, &[Point { at: at(3), value: 40.0 }, Point { at: at(5), value: 0.0 }]);
        assert_eq!(
            (p.hours.get(3), p.hours.get(5), p.hours.get(4), p.hours.get(168)),
            (Some(40.0), Some(0.0), None, None)
        );
        assert_eq!(p.hours.iter().flatten().count(), 2);
        assert_eq!(p, p.clone(), "missing hours are equal to themselves (NaN is not)");
        let json = serde_json::to_string(&p.hours).unwrap();
        assert!(json.starts_with("[null,null,null,40.0,null,0.0,null"), "{json}");
        assert_eq!(serde_json::from_str::<HourlyLoad>(&json).unwrap(), p.hours);
    }

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
        let p = profile(LoadMetric::Connections, &two_weeks());
        assert_eq!(p.samples, 336);
        assert!((p.span_days - 13.958).abs() < 0.01);
        let peaks = learn(&p, 0.7, 7.0).unwrap();
        assert!(peaks.is_peak(14) && peaks.is_peak(17), "Monday 14:00-17:59");
        assert!(!peaks.is_peak(13) && !peaks.is_peak(18));
        assert!(!peaks.is_peak(5 * 24 + 15), "Saturday afternoon is quiet");
        assert_eq!(peaks.count(), 5 * 4);
        assert_eq!(quietest_hour(&p).map(|(h, _)| h), Some(0));
    }

    #[test]
    fn window_overlap_in_hours() {
        let peaks = learn(&profile(LoadMetric::Connections, &two_weeks()), 0.7, 7.0).unwrap();
        let w: MaintenanceWindow = "tue:17:45-tue:18:15".parse().unwrap();
        assert_eq!(peaks.overlap(&w), vec![24 + 17]);
        let quiet: MaintenanceWindow = "sun:03:00-sun:03:30".parse().unwrap();
        assert!(peaks.overlap(&quiet).is_empty());
        // Wrapping past Sunday: sun 23:30 - mon 00:30 touches hours 167 and 0.
        let wrap: MaintenanceWindow = "sun:23:30-mon:00:30".parse().unwrap();
        assert_eq!(window_hours(&wrap), vec![167, 0]);
        // A window shorter than an hour inside one hour touches that hour only.
        let short: MaintenanceWindow = "mon:14:10-mon:14:40".parse().unwrap();
        assert_eq!(peaks.overlap(&short), vec![14]);
    }

    #[test]
    fn local_ranges_shift_with_the_zone() {
        let peaks = learn(&profile(LoadMetric::Connections, &two_weeks()), 0.7, 7.0).unwrap();
        let ny = TimeZone::get("America/New_York").unwrap();
        let tue = Date::constant(2026, 11, 24);
        assert_eq!(peaks.local_ranges(tue, &ny), vec!["09:00-13:00"]);
        assert_eq!(peaks.local_ranges(tue, &TimeZone::UTC), vec!["14:00-18:00"]);
        assert!(peaks.local_ranges(Date::constant(2026, 11, 28), &ny).is_empty(), "Saturday");
    }

    #[test]
    fn too_little_or_flat_history_is_not_learned() {
        let week = &two_weeks()[..5 * 24];
        assert!(
            learn(&profile(LoadMetric::Connections, week), 0.7, 7.0).is_none(),
            "five days are not enough"
        );
        let flat: Vec<Point> = two_weeks().into_iter().map(|p| Point { value: 0.0, ..p }).collect();
        assert!(learn(&profile(LoadMetric::Connections, &flat), 0.7, 7.0).is_none());
        assert!(learn(&profile(LoadMetric::Cpu, &[]), 0.7, 7.0).is_none());
    }
}
