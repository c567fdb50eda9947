//! Pure signal shapes for the demo fleet: deterministic noise, daily traffic, and the
//! incidents that come and go. Every value is a function of (seed, series, minute), so any
//! window of history can be regenerated exactly, whatever the polling pattern.

/// SplitMix64 finaliser: a well-distributed hash of a 64-bit input.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// FNV-1a of a name: stable across runs and platforms (std's hasher is not).
pub fn name_hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Uniform noise in [0, 1) for a series at a minute.
pub fn noise(seed: u64, series: u64, minute: i64) -> f64 {
    let h = mix(seed ^ mix(series ^ mix(minute as u64)));
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Smooth noise in [0, 1): interpolated between values every `span` minutes.
pub fn smooth_noise(seed: u64, series: u64, minute: i64, span: i64) -> f64 {
    let a = minute.div_euclid(span);
    let f = minute.rem_euclid(span) as f64 / span as f64;
    let (x, y) = (noise(seed, series, a), noise(seed, series, a + 1));
    x + (y - x) * (3.0 * f * f - 2.0 * f * f * f)
}

/// Daily traffic in [0, 1] at a UTC minute for a region `utc_offset` hours from UTC:
/// busiest mid-afternoon local time on weekdays, quieter at night and at weekends.
pub fn traffic(minute: i64, utc_offset: i64) -> f64 {
    let local = minute + utc_offset * 60;
    let day = local.div_euclid(1440);
    let hour = local.rem_euclid(1440) as f64 / 60.0;
    // 1970-01-01 was a Thursday: (day + 3) % 7 is 0 on Mondays.
    let weekday = (day + 3).rem_euclid(7);
    let weekend = if weekday >= 5 { 0.55 } else { 1.0 };
    let peak = (-((hour - 14.0) / 3.5).powi(2)).exp();
    let morning = 0.35 * (-((hour - 9.5) / 1.5).powi(2)).exp();
    (0.12 + 0.88 * (peak + morning).min(1.0)) * weekend
}

/// Where a minute falls in a repeating incident cycle, offset by the seed.
pub fn cycle_minute(seed: u64, minute: i64, cycle: i64) -> i64 {
    (minute + (mix(seed) % cycle as u64) as i64).rem_euclid(cycle)
}

/// A bump rising linearly from `from` to a peak at `peak`, falling back to zero at `to`.
pub fn bump(m: i64, from: i64, peak: i64, to: i64) -> f64 {
    if m < from || m >= to {
        0.0
    } else if m <= peak {
        (m - from) as f64 / (peak - from).max(1) as f64
    } else {
        1.0 - (m - peak) as f64 / (to - peak).max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_deterministic_and_in_range() {
        for m in 0..1000 {
            let n = noise(42, 7, m);
            assert!((0.0..1.0).contains(&n));
            assert_eq!(n, noise(42, 7, m));
        }
        assert_ne!(noise(42, 7, 1), noise(43, 7, 1));
    }

    #[test]
    fn traffic_peaks_in_the_afternoon_on_weekdays() {
        // 2026-11-18 (Wednesday) at 14:00 and 03:00 UTC, offset 0.
        let wed = 20_775 * 1440; // 2026-11-18 00:00 UTC in minutes
        assert!(traffic(wed + 14 * 60, 0) > 0.9);
        assert!(traffic(wed + 3 * 60, 0) < 0.2);
        assert!(traffic(wed + 14 * 60 + 3 * 1440, 0) < 0.6, "saturday is quieter");
    }

    #[test]
    fn bump_shape() {
        assert_eq!(bump(4, 5, 15, 25), 0.0);
        assert_eq!(bump(15, 5, 15, 25), 1.0);
        assert_eq!(bump(10, 5, 15, 25), 0.5);
        assert_eq!(bump(25, 5, 15, 25), 0.0);
    }
}
