//! Business hours in a local time zone, the fallback when traffic history is too short:
//! parsed from the configuration, placed on the timeline day by day (DST-correct) to tell
//! whether a maintenance window overlaps them.

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use crate::domain::maintenance::WindowOccurrence;

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
        self.zone.clone().unwrap_or_else(|| crate::domain::zones::region_zone(region))
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

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
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
