//! Numbers, durations and instants as people read them, for every layer that writes text: the
//! views, the reports, the findings' messages. Units always shown, missing as "—". Pure: the
//! time zone is an argument.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::metrics::{Reading, Unit};

pub const MISSING: &str = "—";

/// 1234 -> "1,234"; 1_234_567 -> "1.23M".
pub fn count(v: f64) -> String {
    if !v.is_finite() {
        return "?".into();
    }
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.2}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.2}M", v / 1e6)
    } else if a >= 1e5 {
        format!("{:.0}k", v / 1e3)
    } else {
        let n = v.round() as i64;
        let s = n.abs().to_string();
        let mut out = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        if n < 0 { format!("-{out}") } else { out }
    }
}

pub fn bytes(v: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut x = v;
    let mut i = 0;
    while x.abs() >= 1024.0 && i < UNITS.len() - 1 {
        x /= 1024.0;
        i += 1;
    }
    format!("{x:.1} {}", UNITS[i])
}

/// A value in its unit, compactly.
pub fn value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Count => count(v),
        Unit::Percent => format!("{v:.0}%"),
        Unit::Seconds => format_duration_secs(v),
        Unit::Bytes => bytes(v),
        Unit::Offsets => count(v),
        Unit::Acu => acu(v),
    }
}

/// ACUs move in half steps: `4.5 ACU`, `16 ACU`.
pub fn acu(v: f64) -> String {
    format!("{} ACU", acu_number(v))
}

pub fn acu_number(v: f64) -> String {
    if (v - v.round()).abs() < 0.05 { format!("{v:.0}") } else { format!("{v:.1}") }
}

pub fn reading(r: Option<&Reading>) -> String {
    r.map_or_else(|| MISSING.to_string(), |r| value(r.value, r.unit))
}

/// "Tue 13:00" in the display time zone.
pub fn local_day_time(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%a %H:%M").to_string()
}

/// "Tue 13:00:07" in the display time zone: when events happened, to the second.
pub fn local_day_time_secs(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%a %H:%M:%S").to_string()
}

/// "2026-11-22 13:00" in the display time zone.
pub fn local_date_time(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M").to_string()
}

pub fn local_time(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%H:%M:%S").to_string()
}

/// Short name of the zone for headers ("UTC", "CET", "AEDT").
pub fn tz_abbrev(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%Z").to_string()
}

/// "in 2d04h" / "now" / "3m ago".
pub fn relative(target: Timestamp, now: Timestamp) -> String {
    let d = target.as_second() - now.as_second();
    if d.abs() < 60 {
        "now".into()
    } else if d > 0 {
        format!("in {}", format_age(d))
    } else {
        format!("{} ago", format_age(-d))
    }
}

pub fn age(secs: i64) -> String {
    format_age(secs)
}

/// Human lag: `850ms`, `12.4s`, `4m05s`, `2h10m`.
pub fn format_duration_secs(secs: f64) -> String {
    if !secs.is_finite() {
        return "?".into();
    }
    if secs == 0.0 {
        return "0s".into();
    }
    if secs < 1.0 {
        return format!("{}ms", (secs * 1000.0).round() as i64);
    }
    if secs < 60.0 {
        return format!("{secs:.1}s");
    }
    let s = secs.round() as i64;
    if s < 3600 {
        return format!("{}m{:02}s", s / 60, s % 60);
    }
    if s < 86_400 {
        return format!("{}h{:02}m", s / 3600, (s % 3600) / 60);
    }
    format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600)
}

/// Human age for "last refresh 12s ago".
pub fn format_age(secs: i64) -> String {
    let s = secs.max(0);
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else if s < 86_400 {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    } else {
        format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600)
    }
}

/// `2026-11-24 13:00 EST`
pub fn date_time_zone(t: Timestamp, tz: &TimeZone) -> String {
    t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M %Z").to_string()
}

/// `Tue 13:00-13:30 EST` for an interval, with the end's day when it differs.
pub fn span(start: Timestamp, end: Timestamp, tz: &TimeZone) -> String {
    let (a, b) = (start.to_zoned(tz.clone()), end.to_zoned(tz.clone()));
    let end = if a.date() == b.date() { b.strftime("%H:%M") } else { b.strftime("%a %H:%M") };
    format!("{}-{} {}", a.strftime("%a %H:%M"), end, b.strftime("%Z"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        assert_eq!(count(0.0), "0");
        assert_eq!(count(1284.0), "1,284");
        assert_eq!(count(99_999.0), "99,999");
        assert_eq!(count(123_456.0), "123k");
        assert_eq!(count(2_500_000.0), "2.50M");
        assert_eq!(bytes(3.5 * 1024.0 * 1024.0 * 1024.0), "3.5 GiB");
    }

    #[test]
    fn durations_format_by_magnitude() {
        assert_eq!(format_duration_secs(0.25), "250ms");
        assert_eq!(format_duration_secs(0.0), "0s");
        assert_eq!(format_duration_secs(12.44), "12.4s");
        assert_eq!(format_duration_secs(245.0), "4m05s");
        assert_eq!(format_duration_secs(7800.0), "2h10m");
        assert_eq!(format_age(59), "59s");
        assert_eq!(format_age(3601), "1h00m");
    }

    #[test]
    fn spans_in_local_time_follow_dst() {
        let ny = TimeZone::get("America/New_York").unwrap();
        let t = |s: &str| s.parse::<Timestamp>().unwrap();
        // Same UTC window, either side of the November DST change.
        assert_eq!(span(t("2026-10-27T18:00:00Z"), t("2026-10-27T18:30:00Z"), &ny), "Tue 14:00-14:30 EDT");
        assert_eq!(span(t("2026-11-03T18:00:00Z"), t("2026-11-03T18:30:00Z"), &ny), "Tue 13:00-13:30 EST");
        assert_eq!(
            span(t("2026-11-03T04:30:00Z"), t("2026-11-03T05:30:00Z"), &ny),
            "Mon 23:30-Tue 00:30 EST"
        );
    }

    #[test]
    fn relative_times() {
        let now: Timestamp = "2026-11-22T12:00:00Z".parse().unwrap();
        let later: Timestamp = "2026-11-24T16:00:00Z".parse().unwrap();
        assert_eq!(relative(later, now), "in 2d04h");
        assert_eq!(relative(now, later), "2d04h ago");
        assert_eq!(relative(now, now), "now");
    }
}
