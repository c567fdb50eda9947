//! The value of every demo series at every minute, from (seed, series, minute) alone: the
//! signal each scenario series follows, consumer lag by pattern, and the hourly means the
//! writers' load profiles are learned from.

use jiff::Timestamp;

use super::scenario::{LagPattern, SeriesSpec, Signal};
use super::signals::{bump, cycle_minute, noise, smooth_noise, traffic};
use crate::domain::metrics::{MetricKind, Point, to_stored_unit};

/// Incidents repeat on this cycle, in minutes of simulated time.
pub const INCIDENT_CYCLE: i64 = 45;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Days of hourly history behind a load profile (as the live source fetches).
pub const PROFILE_DAYS: i64 = 14;

/// Minutes between the samples an hourly mean is taken from: every minute of two weeks for
/// 2,500 writers (`--copies 100`) took 4 s at start-up; every fifth takes under one.
const PROFILE_STEP_MINUTES: usize = 5;

/// Hourly means over the `PROFILE_DAYS` whole hours before `end`, from the minute values the
/// demo publishes, sampled every `PROFILE_STEP_MINUTES`.
pub(super) fn hourly_means(seed: u64, spec: &SeriesSpec, end: Timestamp) -> Vec<Point> {
    let last_hour = end.as_second().div_euclid(3600);
    (last_hour - PROFILE_DAYS * 24..last_hour)
        .filter_map(|h| {
            let values: Vec<f64> = (h * 60..h * 60 + 60)
                .step_by(PROFILE_STEP_MINUTES)
                .filter_map(|m| sample(seed, spec, m))
                .collect();
            if values.is_empty() {
                return None;
            }
            let mean = values.iter().sum::<f64>() / values.len() as f64;
            Some(Point { at: Timestamp::from_second(h * 3600).ok()?, value: mean })
        })
        .collect()
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// The value of a series at a minute (None: no datapoint that minute), disturbed by the
/// incident cycle's failover where it is one of its series.
pub fn sample(seed: u64, spec: &SeriesSpec, m: i64) -> Option<f64> {
    let v = undisturbed(seed, spec, m)?;
    Some(match spec.failover {
        Some(f) => f.apply(cycle_minute(seed, m, INCIDENT_CYCLE), v),
        None => v,
    })
}

fn undisturbed(seed: u64, spec: &SeriesSpec, m: i64) -> Option<f64> {
    if spec.until_minute.is_some_and(|until| m >= until) {
        return None;
    }
    let n = noise(seed, spec.hash, m);
    let cm = cycle_minute(seed, m, INCIDENT_CYCLE);
    Some(match spec.signal {
        Signal::Connections { max, load, utc_offset, surge } => {
            let t = traffic(m, utc_offset);
            let mut v = max * load * (0.3 + 0.7 * t) * (0.92 + 0.16 * n);
            if surge {
                let b = bump(cm, 12, 21, 30);
                v += (0.94 * max - v).max(0.0) * b;
            }
            v.round()
        }
        Signal::Cpu { base, load, utc_offset, surge } => {
            let t = traffic(m, utc_offset);
            let mut v = base + load * t * (0.85 + 0.3 * n);
            if surge {
                v += 45.0 * bump(cm, 12, 21, 30);
            }
            round1(v.clamp(0.5, 100.0))
        }
        Signal::ReplicaLag { base, spike, stops } => {
            let mut v = (base * (0.3 + 1.4 * n)).round();
            if spike {
                v += (250.0 * bump(cm, 4, 17, 24) * (0.95 + 0.1 * n)).round();
            }
            if stops {
                if (20..38).contains(&cm) {
                    return Some(-1.0);
                }
                if (38..43).contains(&cm) {
                    v += (120.0 * (43 - cm) as f64 / 5.0).round();
                }
            }
            v
        }
        Signal::AuroraLag { base_ms } => {
            to_stored_unit("AuroraReplicaLag", (base_ms * (0.6 + 0.8 * n)).round())
        }
        Signal::GlobalLag { base_ms } => {
            let s = smooth_noise(seed, spec.hash, m, 15);
            to_stored_unit("AuroraGlobalDBReplicationLag", (base_ms * (0.7 + 0.6 * s)).round())
        }
        Signal::FreeStorage { total_gib, used_frac } => {
            let drift = (m.rem_euclid(10_080) as f64 / 10_080.0) * 0.02;
            ((total_gib * (1.0 - used_frac - drift)) * GIB).round()
        }
        Signal::Kafka { pattern, kind } => return kafka_sample(seed, spec.hash, pattern, kind, m),
        Signal::Steady { level, spread } => (level + spread * (2.0 * n - 1.0)).round(),
        Signal::Capacity { min, max, utc_offset, percent, hash, surge } => {
            let t = traffic(m, utc_offset);
            let wobble = smooth_noise(seed, hash, m, 7);
            let mut acu = min + (max - min) * (0.15 + 0.55 * t) * (0.85 + 0.3 * wobble);
            // The connection surge pins it at its maximum for a quarter of an hour.
            if surge && (10..25).contains(&cycle_minute(seed, m, INCIDENT_CYCLE)) {
                acu = max;
            }
            // ACUs move in half steps.
            let acu = ((acu * 2.0).round() / 2.0).clamp(min, max);
            if percent { round1(acu / max * 100.0) } else { acu }
        }
    })
}

/// One lag datapoint, or none while the group's metrics are gone.
fn kafka_sample(seed: u64, hash: u64, pattern: LagPattern, kind: MetricKind, m: i64) -> Option<f64> {
    let n = noise(seed, hash, m);
    // Messages per second the group consumes when healthy.
    let rate = 40.0 + (hash % 160) as f64;
    let time = match pattern {
        LagPattern::Vanishing if cycle_minute(seed ^ hash, m, 120) >= 60 => return None,
        LagPattern::Healthy | LagPattern::Vanishing => {
            if n < 0.3 {
                0.0
            } else {
                (n * 3.0 * 10.0).round() / 10.0
            }
        }
        LagPattern::FallingBehind => 4.0 * cycle_minute(seed ^ hash, m, 240) as f64 + (n * 2.0).round(),
        LagPattern::Stalled => 900.0 + 60.0 * cycle_minute(seed ^ hash, m, 360) as f64,
        LagPattern::CatchingUp => {
            let c = cycle_minute(seed ^ hash, m, 180) as f64;
            if c < 150.0 {
                (3600.0 * (1.0 - c / 150.0)).round() + (n * 5.0).round()
            } else {
                (n * 2.0).round()
            }
        }
        // Batch consumers: lag builds for ten minutes, then drains at once (a sawtooth).
        LagPattern::Batch => (m.rem_euclid(10) * 5) as f64,
        LagPattern::Idle => 0.0,
    };
    let max = match pattern {
        LagPattern::Stalled => 12_430.0,
        LagPattern::Idle => 3.0,
        _ => (time * rate).round(),
    };
    Some(match kind {
        MetricKind::MaxOffsetLag => max,
        MetricKind::SumOffsetLag => match pattern {
            LagPattern::Stalled => 18_902.0,
            LagPattern::Idle => 3.0,
            _ => (max * (1.6 + 0.4 * n)).round(),
        },
        _ => time,
    })
}
