//! Maintenance windows (`ddd:hh24:mi-ddd:hh24:mi`, UTC, may wrap past Sunday): parsing and the
//! next occurrence after `now`. All arithmetic is in UTC minutes of the week (Monday 00:00 = 0).

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

pub const MINUTES_PER_WEEK: u32 = 7 * 24 * 60;
const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("maintenance window {0:?} is not of the form ddd:hh24:mi-ddd:hh24:mi")]
    Shape(String),
    #[error("maintenance window {0:?} has an unknown day {1:?}")]
    Day(String, String),
    #[error("maintenance window {0:?} has an invalid time {1:?}")]
    Time(String, String),
    #[error("maintenance window {0:?} is empty")]
    Empty(String),
}

/// A weekly window. `end` may be numerically below `start` when it wraps past Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MaintenanceWindow {
    pub start: u32,
    pub end: u32,
}

/// One concrete occurrence of a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowOccurrence {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl WindowOccurrence {
    pub fn contains(&self, t: Timestamp) -> bool {
        self.start <= t && t < self.end
    }
}

fn parse_point(full: &str, part: &str) -> Result<u32, WindowError> {
    let mut it = part.split(':');
    let (Some(day), Some(h), Some(m), None) = (it.next(), it.next(), it.next(), it.next()) else {
        return Err(WindowError::Shape(full.into()));
    };
    let day_lc = day.to_ascii_lowercase();
    let d =
        DAYS.iter().position(|x| *x == day_lc).ok_or_else(|| WindowError::Day(full.into(), day.into()))?;
    let bad_time = || WindowError::Time(full.into(), format!("{h}:{m}"));
    if h.len() != 2 || m.len() != 2 {
        return Err(bad_time());
    }
    let h: u32 = h.parse().map_err(|_| bad_time())?;
    let m: u32 = m.parse().map_err(|_| bad_time())?;
    if h > 23 || m > 59 {
        return Err(bad_time());
    }
    Ok(d as u32 * 1440 + h * 60 + m)
}

impl FromStr for MaintenanceWindow {
    type Err = WindowError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (a, b) = s.split_once('-').ok_or_else(|| WindowError::Shape(s.into()))?;
        let start = parse_point(s, a)?;
        let end = parse_point(s, b)?;
        if start == end {
            return Err(WindowError::Empty(s.into()));
        }
        Ok(MaintenanceWindow { start, end })
    }
}

impl fmt::Display for MaintenanceWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p = |m: u32| format!("{}:{:02}:{:02}", DAYS[(m / 1440) as usize], (m % 1440) / 60, m % 60);
        write!(f, "{}-{}", p(self.start), p(self.end))
    }
}

/// Minute of the week (Monday 00:00 UTC = 0) of an instant.
pub fn minute_of_week(t: Timestamp) -> u32 {
    let secs = t.as_second();
    let days = secs.div_euclid(86_400);
    // 1970-01-01 was a Thursday: index 3 with Monday = 0.
    let weekday = (days + 3).rem_euclid(7) as u32;
    let minute_of_day = (secs.rem_euclid(86_400) / 60) as u32;
    weekday * 1440 + minute_of_day
}

impl MaintenanceWindow {
    pub fn duration_minutes(&self) -> u32 {
        (self.end + MINUTES_PER_WEEK - self.start) % MINUTES_PER_WEEK
    }

    /// The occurrence in progress at `now`, or else the next one to start.
    pub fn next_occurrence(&self, now: Timestamp) -> WindowOccurrence {
        let secs = now.as_second();
        let week_start = secs - i64::from(minute_of_week(now)) * 60 - secs.rem_euclid(60);
        let dur = i64::from(self.duration_minutes()) * 60;
        // Candidates: this week's start and last week's (which may still be running if it wraps).
        let this_week = week_start + i64::from(self.start) * 60;
        let mut start = this_week - i64::from(MINUTES_PER_WEEK) * 60;
        while start + dur <= secs {
            start += i64::from(MINUTES_PER_WEEK) * 60;
        }
        let ts = |s: i64| Timestamp::from_second(s).unwrap_or(now);
        WindowOccurrence { start: ts(start), end: ts(start + dur) }
    }

    /// Whether the window covers the given minute of the week.
    pub fn covers_minute(&self, minute: u32) -> bool {
        let m = minute % MINUTES_PER_WEEK;
        if self.start < self.end { self.start <= m && m < self.end } else { m >= self.start || m < self.end }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_displays() {
        let w: MaintenanceWindow = "sun:23:30-mon:00:15".parse().unwrap();
        assert_eq!(w.duration_minutes(), 45);
        assert_eq!(w.to_string(), "sun:23:30-mon:00:15");
        assert!(w.covers_minute(6 * 1440 + 23 * 60 + 45));
        assert!(w.covers_minute(10));
        assert!(!w.covers_minute(20));
    }

    #[test]
    fn rejects_bad_strings() {
        for bad in [
            "",
            "mon:03:00",
            "xyz:03:00-mon:04:00",
            "mon:25:00-mon:26:00",
            "mon:3:00-mon:04:00",
            "mon:03:00-mon:03:00",
            "mon:03:00:00-mon:04:00",
        ] {
            assert!(bad.parse::<MaintenanceWindow>().is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn next_occurrence_table() {
        // 2026-11-22 is a Sunday.
        let cases = [
            // (window, now, start, end)
            ("mon:03:00-mon:03:30", "2026-11-22T12:00:00Z", "2026-11-23T03:00:00Z", "2026-11-23T03:30:00Z"),
            ("sun:10:00-sun:10:30", "2026-11-22T12:00:00Z", "2026-11-29T10:00:00Z", "2026-11-29T10:30:00Z"),
            // In progress: the current occurrence.
            ("sun:11:45-sun:12:15", "2026-11-22T12:00:00Z", "2026-11-22T11:45:00Z", "2026-11-22T12:15:00Z"),
            // Wrapping past Sunday, in progress on Monday.
            ("sun:23:30-mon:00:30", "2026-11-23T00:10:00Z", "2026-11-22T23:30:00Z", "2026-11-23T00:30:00Z"),
            // Ends exactly now: the next one.
            ("sun:11:30-sun:12:00", "2026-11-22T12:00:00Z", "2026-11-29T11:30:00Z", "2026-11-29T12:00:00Z"),
        ];
        for (w, now, start, end) in cases {
            let w: MaintenanceWindow = w.parse().unwrap();
            let o = w.next_occurrence(ts(now));
            assert_eq!((o.start, o.end), (ts(start), ts(end)), "{w} at {now}");
        }
    }

    #[test]
    fn minute_of_week_monday_midnight_is_zero() {
        assert_eq!(minute_of_week(ts("2026-11-23T00:00:00Z")), 0);
        assert_eq!(minute_of_week(ts("2026-11-22T23:59:00Z")), MINUTES_PER_WEEK - 1);
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    fn window() -> impl Strategy<Value = MaintenanceWindow> {
        // Any start, any length from 1 minute to a whole week less a minute (wraps included).
        (0..MINUTES_PER_WEEK, 1..MINUTES_PER_WEEK)
            .prop_map(|(start, len)| MaintenanceWindow { start, end: (start + len) % MINUTES_PER_WEEK })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The occurrence returned is the one in progress or the next: it ends after `now`,
        /// starts within 7 days, has the window's length and weekday-time, and the one before
        /// it had ended by `now`.
        #[test]
        fn next_occurrence_is_next(w in window(), now in 1_577_836_800i64..2_082_758_400i64) {
            let now = Timestamp::from_second(now).unwrap();
            let o = w.next_occurrence(now);
            let (s, e, n) = (o.start.as_second(), o.end.as_second(), now.as_second());
            let week = i64::from(MINUTES_PER_WEEK) * 60;
            prop_assert!(e > n, "ends after now");
            prop_assert!(s <= n + week, "starts within 7 days");
            prop_assert_eq!(e - s, i64::from(w.duration_minutes()) * 60);
            prop_assert_eq!(minute_of_week(o.start), w.start);
            prop_assert_eq!(o.start.as_second() % 60, 0);
            prop_assert!(s - week + (e - s) <= n, "the previous occurrence had ended");
            prop_assert!(w.covers_minute(minute_of_week(o.start)));
        }

        #[test]
        fn display_parses_back(w in window()) {
            prop_assert_eq!(w.to_string().parse::<MaintenanceWindow>().unwrap(), w);
        }

        /// Whatever the string, parsing answers Ok or Err: never a panic.
        #[test]
        fn parser_never_panics(s in "\\PC{0,40}", t in "[a-zA-Z]{3}:[0-9]{1,3}:[0-9]{1,3}-[a-zA-Z]{3}:[0-9]{1,3}:[0-9]{1,3}") {
            let _ = s.parse::<MaintenanceWindow>();
            let _ = t.parse::<MaintenanceWindow>();
        }
    }
}
