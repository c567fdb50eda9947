//! The built-in demo fleet: a deterministic, seedable simulation that needs no AWS account.
//! Each poll returns the inventory and the datapoints of every minute since the last poll
//! (three hours of history on the first), computed from (seed, series, minute) alone.

pub mod scenario;
mod shapes;
pub mod signals;

use jiff::Timestamp;

use self::scenario::{LagPattern, Scenario, SeriesSpec, Signal};
use self::signals::{bump, cycle_minute, noise, smooth_noise, traffic};
use super::{FleetSource, PollFuture};
use crate::domain::metrics::{MetricKind, Point, SeriesUpdate, to_stored_unit};
use crate::domain::peak::{LoadMetric, profile};
use crate::domain::snapshot::{FleetSnapshot, SourceInfo, SourceKind};

/// Incidents repeat on this cycle, in minutes of simulated time.
pub const INCIDENT_CYCLE: i64 = 45;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

#[derive(Debug, Clone, PartialEq)]
pub struct DemoOptions {
    pub seed: u64,
    /// Copies of the base fleet (1 = 46 instances); more for scale tests.
    pub copies: usize,
    /// History the first poll returns, in minutes.
    pub history_minutes: i64,
    /// `Some(w)`: the first poll returns the last `w` minutes and the older history follows
    /// `w` minutes a poll, as the live source's `first_window` does (the TUI's choice).
    pub first_window_minutes: Option<i64>,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions { seed: 42, copies: 1, history_minutes: 180, first_window_minutes: None }
    }
}

pub struct DemoSource {
    opts: DemoOptions,
    scenario: Scenario,
    /// Newest minute already emitted.
    last_minute: Option<i64>,
    /// Minutes of history still to send, `[from, until)`.
    backfill: Option<(i64, i64)>,
}

impl DemoSource {
    /// `start` anchors the scenario's dates (pending actions, blue/green age).
    pub fn new(opts: DemoOptions, start: Timestamp) -> Self {
        let mut scenario = scenario::build(start, opts.copies);
        // Two weeks of hourly traffic per writer, as the live source learns it from CloudWatch.
        let mut inv = (*scenario.inventory).clone();
        // Connections first, CPU for an engine that publishes none (Neptune), as live.
        let specs = |kind: MetricKind| -> std::collections::HashMap<&str, &SeriesSpec> {
            scenario
                .specs
                .iter()
                .filter(|s| s.key.kind == kind && !s.silent)
                .map(|s| (s.key.resource.as_str(), s))
                .collect()
        };
        let (connections, cpu) = (specs(MetricKind::Connections), specs(MetricKind::CpuPercent));
        for d in inv.instances.iter().filter(|d| d.role.takes_writes()) {
            let learned = [(LoadMetric::Connections, &connections), (LoadMetric::Cpu, &cpu)]
                .into_iter()
                .find_map(|(metric, specs)| {
                    let points = hourly_means(opts.seed, specs.get(d.arn.as_str())?, start);
                    (!points.is_empty()).then(|| profile(metric, &points))
                });
            if let Some(p) = learned {
                inv.load_profiles.insert(d.arn.clone(), p);
            }
        }
        drop((connections, cpu));
        scenario.inventory = std::sync::Arc::new(inv);
        DemoSource { opts, scenario, last_minute: None, backfill: None }
    }

    /// The hourly averages the load profile of `arn` is built from, and of which metric
    /// (connections, else CPU): the `PROFILE_DAYS` whole hours before `start` (tests seed them
    /// into the emulator).
    pub fn hourly_load(&self, arn: &str, start: Timestamp) -> Option<(LoadMetric, Vec<Point>)> {
        [(LoadMetric::Connections, MetricKind::Connections), (LoadMetric::Cpu, MetricKind::CpuPercent)]
            .into_iter()
            .find_map(|(metric, kind)| {
                let spec = self
                    .scenario
                    .specs
                    .iter()
                    .find(|s| s.key.resource == arn && s.key.kind == kind && !s.silent)?;
                let points = hourly_means(self.opts.seed, spec, start);
                (!points.is_empty()).then_some((metric, points))
            })
    }

    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The snapshot as of `now`: synchronous, for headless commands and tests.
    pub fn snapshot_at(&mut self, now: Timestamp) -> FleetSnapshot {
        let newest = now.as_second().div_euclid(60);
        let window = self.opts.first_window_minutes.filter(|w| (1..self.opts.history_minutes).contains(w));
        let (from, older) = match self.last_minute {
            Some(m) => {
                // One older chunk a poll while the history is not whole.
                let older = self.backfill.take().zip(window).map(|((from, until), w)| {
                    let start = (until - w).max(from);
                    self.backfill = (start > from).then_some((from, start));
                    start..until
                });
                (m + 1, older)
            }
            None => {
                let oldest = newest - self.opts.history_minutes + 1;
                match window {
                    Some(w) => {
                        self.backfill = Some((oldest, newest - w + 1));
                        (newest - w + 1, None)
                    }
                    None => (oldest, None),
                }
            }
        };
        let older = older.unwrap_or(0..0);
        let minutes = older.clone().chain(from..=newest);
        let capacity = usize::try_from((older.end - older.start) + (newest - from + 1)).unwrap_or(0);
        let metrics = self
            .scenario
            .specs
            .iter()
            .filter(|s| !s.silent)
            .map(|s| {
                // Sized once: a first poll of 5,000 instances is millions of points.
                let mut points = Vec::with_capacity(capacity);
                points.extend(minutes.clone().filter_map(|m| {
                    let value = sample(self.opts.seed, s, m)?;
                    Some(Point { at: Timestamp::from_second(m * 60).ok()?, value })
                }));
                SeriesUpdate { key: s.key.clone(), period_secs: 60, points }
            })
            .filter(|u| !u.points.is_empty())
            .collect();
        if newest >= from {
            self.last_minute = Some(newest);
        }
        FleetSnapshot {
            taken_at: now,
            source: self.info(),
            inventory: self.scenario.inventory.clone(),
            metrics,
            errors: Vec::new(),
            api: None,
            reset: false,
            capabilities: Vec::new(),
        }
    }
}

impl FleetSource for DemoSource {
    fn info(&self) -> SourceInfo {
        let mut regions: Vec<String> =
            self.scenario.inventory.instances.iter().map(|d| d.region.clone()).collect();
        regions.sort();
        regions.dedup();
        let mut accounts: Vec<String> =
            self.scenario.inventory.instances.iter().map(|d| d.account.clone()).collect();
        accounts.sort();
        accounts.dedup();
        SourceInfo {
            kind: SourceKind::Demo,
            label: format!("demo seed {}", self.opts.seed),
            regions,
            accounts,
        }
    }

    fn backfill_pending(&self) -> bool {
        self.backfill.is_some()
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        let snapshot = self.snapshot_at(now);
        Box::pin(async move { Ok(snapshot) })
    }
}

/// Days of hourly history behind a load profile (as the live source fetches).
pub const PROFILE_DAYS: i64 = 14;

/// Minutes between the samples an hourly mean is taken from: every minute of two weeks for
/// 2,500 writers (`--copies 100`) took 4 s at start-up; every fifth takes under one.
const PROFILE_STEP_MINUTES: usize = 5;

/// Hourly means over the `PROFILE_DAYS` whole hours before `end`, from the minute values the
/// demo publishes, sampled every `PROFILE_STEP_MINUTES`.
fn hourly_means(seed: u64, spec: &SeriesSpec, end: Timestamp) -> Vec<Point> {
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

/// The value of a series at a minute (None: no datapoint that minute).
pub fn sample(seed: u64, spec: &SeriesSpec, m: i64) -> Option<f64> {
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
        Signal::Capacity { min, max, utc_offset, percent, hash } => {
            let t = traffic(m, utc_offset);
            let wobble = smooth_noise(seed, hash, m, 7);
            let mut acu = min + (max - min) * (0.15 + 0.55 * t) * (0.85 + 0.3 * wobble);
            // The connection surge pins it at its maximum for a quarter of an hour.
            if (10..25).contains(&cycle_minute(seed, m, INCIDENT_CYCLE)) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> Timestamp {
        "2026-11-18T15:22:00Z".parse().unwrap()
    }

    #[test]
    fn same_seed_same_snapshot_and_polls_compose() {
        let a = DemoSource::new(DemoOptions::default(), start()).snapshot_at(start());
        let b = DemoSource::new(DemoOptions::default(), start()).snapshot_at(start());
        assert_eq!(a, b);
        // Polling twice yields exactly the points one longer poll would.
        let mut s = DemoSource::new(DemoOptions::default(), start());
        let first = s.snapshot_at(start());
        let later = start().checked_add(jiff::SignedDuration::from_mins(5)).unwrap();
        let second = s.snapshot_at(later);
        assert!(second.metrics.iter().all(|u| u.points.len() == 5), "five new minutes per series");
        // Every series has its 180 minutes but the vanishing group's, silent an hour in two.
        let (gone, full): (Vec<_>, Vec<_>) =
            first.metrics.iter().partition(|u| u.key.group.as_deref() == Some("inventory-sync"));
        assert!(full.iter().all(|u| u.points.len() == 180));
        assert!(
            gone.len() == 3 && gone.iter().all(|u| (60..=120).contains(&u.points.len())),
            "{:?}",
            gone.iter().map(|u| u.points.len()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_first_window_then_backfill_chunks_add_up_to_the_whole_history() {
        use crate::domain::metrics::MetricHistory;
        let whole = DemoSource::new(DemoOptions::default(), start()).snapshot_at(start());
        let opts = DemoOptions { first_window_minutes: Some(30), ..Default::default() };
        let mut s = DemoSource::new(opts, start());
        let first = s.snapshot_at(start());
        assert!(first.metrics.iter().all(|u| u.points.len() <= 30), "the first poll is the last 30 min");
        assert!(s.backfill_pending());
        let mut a = MetricHistory::default();
        let mut b = MetricHistory::default();
        a.merge(&whole.metrics);
        b.merge(&first.metrics);
        let mut chunks = 0;
        while s.backfill_pending() {
            // Same instant: the chunks bring only older minutes, 30 at most per series.
            let chunk = s.snapshot_at(start());
            assert!(chunk.metrics.iter().all(|u| u.points.len() <= 30 && u.points[0].at < first_at(&first)));
            b.merge(&chunk.metrics);
            chunks += 1;
            assert!(chunks <= 5, "180 minutes: the first 30, then five chunks");
        }
        assert_eq!(chunks, 5);
        assert_eq!(b.point_count(), a.point_count());
        assert_eq!(b.len(), a.len());
        for u in &whole.metrics {
            let (x, y) = (a.get(&u.key).unwrap(), b.get(&u.key).unwrap());
            // The same history as one three-hour poll (compared as points: gaps are NaN slots).
            assert!(x.points().eq(y.points()) && x.latest() == y.latest(), "{:?}", u.key);
        }
        // After the backfill, a poll brings only new minutes again.
        let later = start().checked_add(jiff::SignedDuration::from_mins(1)).unwrap();
        assert!(s.snapshot_at(later).metrics.iter().all(|u| u.points.len() == 1));
    }

    fn first_at(s: &FleetSnapshot) -> Timestamp {
        s.metrics.iter().filter_map(|u| u.points.first()).map(|p| p.at).min().unwrap()
    }

    #[test]
    fn fleet_meets_the_demo_brief() {
        let s = DemoSource::new(DemoOptions::default(), start());
        let inv = &s.scenario().inventory;
        assert!(inv.instances.len() >= 40, "{} instances", inv.instances.len());
        let regions: std::collections::BTreeSet<_> = inv.instances.iter().map(|d| &d.region).collect();
        assert!(regions.len() >= 3);
        let max_replicas = inv.instances.iter().map(|d| d.replicas.len()).max().unwrap();
        assert_eq!(max_replicas, 5, "one source at the 5-replica limit");
        assert_eq!(inv.global_clusters.len(), 1);
        assert!(inv.kafka_clusters.len() >= 2);
        assert!(inv.consumer_groups.len() >= 10);
        assert!(inv.blue_green.len() == 1);
        for a in ["db-upgrade", "system-update", "ca-certificate-rotation"] {
            assert!(inv.pending_actions.iter().any(|p| p.action == a), "{a}");
        }
    }
}
