//! Number and time formatting shared by the views: units always shown, missing as "—".

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::domain::lag::{format_age, format_duration_secs};
use crate::domain::metrics::{Reading, Unit};

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
    fn relative_times() {
        let now: Timestamp = "2026-11-22T12:00:00Z".parse().unwrap();
        let later: Timestamp = "2026-11-24T16:00:00Z".parse().unwrap();
        assert_eq!(relative(later, now), "in 2d04h");
        assert_eq!(relative(now, later), "2d04h ago");
        assert_eq!(relative(now, now), "now");
    }
}
