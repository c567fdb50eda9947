//! Peak hours: learned from traffic (an hour-of-week load profile in UTC from hourly
//! datapoints, and the hours whose load is in the instance's top band), or, when too little
//! history exists, configured business hours in a local time zone.

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

use super::maintenance::{MINUTES_PER_WEEK, MaintenanceWindow, WindowOccurrence, minute_of_week};
use super::metrics::Point;

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
    pub hours: Vec<Option<f32>>,
    pub samples: u32,
    /// Days between the oldest and newest datapoint.
    pub span_days: f32,
    /// The newest datapoint: for a stopped instance, about when it stopped.
    #[serde(default)]
    pub last_at: Option<jiff::Timestamp>,
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
    let weekly_max = profile.hours.iter().flatten().map(|v| f64::from(*v)).fold(0.0, f64::max);
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

/// Business hours in a local time zone: the fallback when traffic history is too short.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessHours {
    /// Monday first.
    pub days: [bool; 7],
    /// Minutes of the local day, `start < end`.
    pub start: u32,
    pub end: u32,
    /// None: the zone of the resource's region.
    pub zone: Option<TimeZone>,
}

impl Default for BusinessHours {
    fn default() -> Self {
        BusinessHours {
            days: [true, true, true, true, true, false, false],
            start: 8 * 60,
            end: 20 * 60,
            zone: None,
        }
    }
}

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn day_index(s: &str) -> Option<usize> {
    DAY_NAMES.iter().position(|d| d.eq_ignore_ascii_case(s.trim()))
}

fn parse_hhmm(s: &str) -> Option<u32> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    ((h < 24 && m < 60) || (h == 24 && m == 0)).then_some(h * 60 + m)
}

impl BusinessHours {
    /// `days`: `mon-fri`, `mon,wed,sat` or `mon-sun`; `hours`: `08:00-20:00` (local);
    /// `zone`: an IANA name, or `region` for the zone of the resource's region.
    pub fn parse(days: &str, hours: &str, zone: &str) -> Result<BusinessHours, String> {
        let mut set = [false; 7];
        for part in days.split(',') {
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (day_index(a), day_index(b));
                    let (Some(a), Some(b)) = (a, b) else {
                        return Err(format!("days {days:?}: use mon..sun"));
                    };
                    let mut d = a;
                    loop {
                        set[d] = true;
                        if d == b {
                            break;
                        }
                        d = (d + 1) % 7;
                    }
                }
                None => set[day_index(part).ok_or_else(|| format!("days {days:?}: use mon..sun"))?] = true,
            }
        }
        let bad = || format!("hours {hours:?}: expected HH:MM-HH:MM with start before end");
        let (a, b) = hours.split_once('-').ok_or_else(bad)?;
        let (start, end) = (parse_hhmm(a).ok_or_else(bad)?, parse_hhmm(b).ok_or_else(bad)?);
        if start >= end {
            return Err(bad());
        }
        let zone = match zone.trim() {
            "" | "region" => None,
            name => Some(TimeZone::get(name).map_err(|_| format!("unknown IANA time zone {name:?}"))?),
        };
        Ok(BusinessHours { days: set, start, end, zone })
    }

    pub fn zone_for(&self, region: &str) -> TimeZone {
        self.zone.clone().unwrap_or_else(|| super::zones::region_zone(region))
    }

    /// Whether a window occurrence overlaps business hours on any local day it touches,
    /// DST-correct: each day's business hours are placed on the timeline in `tz`.
    pub fn overlaps(&self, occ: &WindowOccurrence, tz: &TimeZone) -> bool {
        let (Ok(first), Ok(last)) = (
            occ.start.to_zoned(tz.clone()).date().checked_sub(1.day()),
            occ.end.to_zoned(tz.clone()).date().checked_add(1.day()),
        ) else {
            return false;
        };
        let mut day = first;
        while day <= last {
            if self.days[day.weekday().to_monday_zero_offset() as usize] {
                let at = |min: u32| -> Option<Timestamp> {
                    let dt = day.to_datetime(Time::midnight()).checked_add((min as i64).minutes()).ok()?;
                    dt.to_zoned(tz.clone()).ok().map(|z| z.timestamp())
                };
                if let (Some(s), Some(e)) = (at(self.start), at(self.end))
                    && s < occ.end
                    && occ.start < e
                {
                    return true;
                }
            }
            match day.tomorrow() {
                Ok(d) => day = d,
                Err(_) => break,
            }
        }
        false
    }

    /// `Mon-Fri 08:00-20:00`
    pub fn describe(&self) -> String {
        let days: Vec<&str> = (0..7).filter(|&d| self.days[d]).map(|d| DAY_NAMES[d]).collect();
        let days = if self.days == [true, true, true, true, true, false, false] {
            "mon-fri".to_string()
        } else if self.days == [true; 7] {
            "every day".to_string()
        } else {
            days.join(",")
        };
        format!(
            "{days} {:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
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

    #[test]
    fn business_hours_parse_and_reject() {
        let b = BusinessHours::parse("mon-fri", "08:00-20:00", "region").unwrap();
        assert_eq!(b, BusinessHours::default());
        assert_eq!(b.describe(), "mon-fri 08:00-20:00");
        let w = BusinessHours::parse("fri-mon", "00:00-24:00", "Europe/Paris").unwrap();
        assert_eq!(w.days, [true, false, false, false, true, true, true]);
        for (d, h, z) in [
            ("mon-xyz", "08:00-20:00", "region"),
            ("mon-fri", "20:00-08:00", "region"),
            ("mon-fri", "8-20", "region"),
            ("mon-fri", "08:00-20:00", "Mars/Base"),
        ] {
            assert!(BusinessHours::parse(d, h, z).is_err(), "{d} {h} {z}");
        }
    }

    #[test]
    fn business_hours_overlap_is_dst_correct() {
        let b = BusinessHours::default();
        let ny = TimeZone::get("America/New_York").unwrap();
        let occ = |s: &str, e: &str| WindowOccurrence { start: ts(s), end: ts(e) };
        // 12:30-13:00 UTC on a Tuesday: 08:30 EDT before the change (in), 07:30 EST after (out).
        assert!(b.overlaps(&occ("2026-10-27T12:30:00Z", "2026-10-27T13:00:00Z"), &ny));
        assert!(!b.overlaps(&occ("2026-11-03T12:30:00Z", "2026-11-03T13:00:00Z"), &ny));
        // The week of the change itself: Sunday 2026-11-01 is not a business day anyway.
        assert!(!b.overlaps(&occ("2026-11-01T15:00:00Z", "2026-11-01T15:30:00Z"), &ny));
        // Spring forward (2026-03-08): Monday 12:30 UTC is 08:30 EDT, in business hours.
        assert!(b.overlaps(&occ("2026-03-09T12:30:00Z", "2026-03-09T13:00:00Z"), &ny));
        // Crossing local midnight into Saturday: Fri 23:50 - Sat 00:20 local is out.
        assert!(!b.overlaps(&occ("2026-11-28T04:50:00Z", "2026-11-28T05:20:00Z"), &ny));
        // Ending exactly when business hours start: no overlap.
        assert!(!b.overlaps(&occ("2026-11-24T12:30:00Z", "2026-11-24T13:00:00Z"), &ny));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    const ZONES: [&str; 5] = ["America/New_York", "Europe/Dublin", "Australia/Sydney", "Asia/Kolkata", "UTC"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// The day-by-day overlap test agrees with checking every minute of the window in
        /// local time, across DST changes in both hemispheres.
        #[test]
        fn business_hours_overlap_matches_minute_by_minute(
            start in 1_767_225_600i64..1_798_761_600i64, // 2026
            len_min in 1i64..(24 * 60),
            zone in 0usize..ZONES.len(),
            from in 0u32..(23 * 60),
            span in 1u32..(12 * 60),
        ) {
            let tz = TimeZone::get(ZONES[zone]).unwrap();
            let b = BusinessHours { start: from, end: (from + span).min(24 * 60), ..BusinessHours::default() };
            let start = start - start.rem_euclid(60);
            let occ = WindowOccurrence {
                start: Timestamp::from_second(start).unwrap(),
                end: Timestamp::from_second(start + len_min * 60).unwrap(),
            };
            let brute = (0..len_min).any(|k| {
                let z = Timestamp::from_second(start + k * 60).unwrap().to_zoned(tz.clone());
                let day = z.weekday().to_monday_zero_offset() as usize;
                let minute = z.hour() as u32 * 60 + z.minute() as u32;
                b.days[day] && (b.start..b.end).contains(&minute)
            });
            prop_assert_eq!(b.overlaps(&occ, &tz), brute);
        }
    }
}
