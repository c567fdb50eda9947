//! The built-in demo fleet: a deterministic, seedable simulation that needs no AWS account.
//! Each poll returns the inventory and the datapoints of every minute since the last poll
//! (three hours of history on the first), computed from (seed, series, minute) alone.
//! This file holds the options and the source; `samples` computes each value.

mod happenings;
mod samples;
pub mod scenario;
mod shapes;
pub mod signals;

use std::sync::Arc;

use jiff::Timestamp;

use self::samples::hourly_means;
use self::scenario::{Scenario, SeriesSpec};
use super::{FleetSource, PollFuture};
use crate::domain::metrics::{MetricKind, Point, SeriesUpdate};
use crate::domain::model::Inventory;
use crate::domain::peak::{LoadMetric, profile};
use crate::domain::snapshot::{FleetSnapshot, SourceInfo, SourceKind};

pub use self::samples::{INCIDENT_CYCLE, PROFILE_DAYS, sample};

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
    /// Copies after the first have a calm day (no incident, event or alarm): a big fleet
    /// where one part is in trouble, for benchmarks of what a realistic mix costs.
    pub calm_copies: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            seed: 42,
            copies: 1,
            history_minutes: 180,
            first_window_minutes: None,
            calm_copies: false,
        }
    }
}

pub struct DemoSource {
    opts: DemoOptions,
    scenario: Scenario,
    /// Newest minute already emitted.
    last_minute: Option<i64>,
    /// Minutes of history still to send, `[from, until)`.
    backfill: Option<(i64, i64)>,
    /// The inventory last sent, with its alarm states.
    with_alarms: Option<Arc<Inventory>>,
    /// Events up to this instant are sent: one at 15:49:05 is not news at 15:49:01 (a
    /// replay would list it before it happened), so it waits for the next poll.
    events_until: Option<Timestamp>,
}

impl DemoSource {
    /// `start` anchors the scenario's dates (pending actions, blue/green age).
    pub fn new(opts: DemoOptions, start: Timestamp) -> Self {
        let mut scenario = scenario::build(start, opts.copies, opts.calm_copies);
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
                inv.load_profiles.insert(d.arn.clone(), Arc::new(p));
            }
        }
        drop((connections, cpu));
        scenario.inventory = std::sync::Arc::new(inv);
        DemoSource {
            opts,
            scenario,
            last_minute: None,
            backfill: None,
            with_alarms: None,
            events_until: None,
        }
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

    /// The inventory with the alarms' states at `minute`: the same `Arc` while no alarm
    /// changed (the app then knows the inventory did not change without comparing it).
    fn inventory_at(&mut self, minute: i64) -> Arc<Inventory> {
        let alarms = happenings::alarms_at(self.opts.seed, &self.scenario.alarms, minute);
        match &self.with_alarms {
            Some(inv) if inv.alarms == alarms => inv.clone(),
            _ => {
                let inv = Arc::new(Inventory { alarms, ..(*self.scenario.inventory).clone() });
                self.with_alarms = Some(inv.clone());
                inv
            }
        }
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
        // The backfill chunk's events are all older than any sent; the rest start where the
        // last poll's stopped (its minute again, for the seconds after it).
        let since = self.events_until;
        let ev_from = since.map_or(from, |t| t.as_second().div_euclid(60));
        let mut events = happenings::events_in(self.opts.seed, &self.scenario.events, older.clone());
        events.extend(
            happenings::events_in(self.opts.seed, &self.scenario.events, ev_from..=newest)
                .into_iter()
                .filter(|e| e.at <= now && since.is_none_or(|t| e.at > t)),
        );
        self.events_until = Some(since.map_or(now, |t| t.max(now)));
        if newest >= from {
            self.last_minute = Some(newest);
        }
        FleetSnapshot {
            taken_at: now,
            source: self.info(),
            inventory: self.inventory_at(newest),
            metrics,
            errors: Vec::new(),
            api: None,
            reset: false,
            capabilities: Vec::new(),
            events,
        }
    }
}

impl FleetSource for DemoSource {
    fn info(&self) -> SourceInfo {
        let mut regions: Vec<String> =
            self.scenario.inventory.instances.iter().map(|d| d.region.to_string()).collect();
        regions.sort();
        regions.dedup();
        let mut accounts: Vec<String> =
            self.scenario.inventory.instances.iter().map(|d| d.account.to_string()).collect();
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

    #[test]
    fn an_event_is_sent_once_and_not_before_it_happened() {
        // Polls every 20 s for an hour (a fast refresh lands mid-minute, before an event's
        // second): each event once, none after its poll's instant, the same set one poll at
        // the end of the hour brings.
        let mut s = DemoSource::new(DemoOptions::default(), start());
        let mut seen = Vec::new();
        let mut t = start();
        for _ in 0..180 {
            let snap = s.snapshot_at(t);
            assert!(snap.events.iter().all(|e| e.at <= t), "an event after {t}");
            seen.extend(snap.events);
            t = t.checked_add(jiff::SignedDuration::from_secs(20)).unwrap();
        }
        let last = t.checked_sub(jiff::SignedDuration::from_secs(20)).unwrap();
        assert!(s.snapshot_at(last).events.is_empty(), "nothing new at the same instant");
        let mut two = DemoSource::new(DemoOptions::default(), start());
        let mut expected = two.snapshot_at(start()).events;
        let history = expected.len();
        expected.extend(two.snapshot_at(last).events);
        assert!(expected.len() > history, "the hour had events of its own");
        let key = |e: &crate::domain::events::DbEvent| (e.at, e.source_id.clone(), e.message.clone());
        let mut a: Vec<_> = seen.iter().map(key).collect();
        let mut b: Vec<_> = expected.iter().map(key).collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }

    fn first_at(s: &FleetSnapshot) -> Timestamp {
        s.metrics.iter().filter_map(|u| u.points.first()).map(|p| p.at).min().unwrap()
    }

    #[test]
    fn calm_copies_have_no_incident_no_event_and_no_alarm() {
        use crate::domain::metrics::MetricKind;
        let opts = DemoOptions { copies: 3, calm_copies: true, ..Default::default() };
        let snap = DemoSource::new(opts, start()).snapshot_at(start());
        let calm = |id: &str| id.contains("-001") || id.contains("-002");
        // Three hours: four incident cycles of the first copy.
        let lag = |calm_copy: bool| {
            snap.metrics
                .iter()
                .filter(|u| u.key.kind == MetricKind::ReplicaLag && calm(&u.key.resource) == calm_copy)
                .flat_map(|u| u.points.iter().map(|p| p.value))
                .collect::<Vec<f64>>()
        };
        let (troubled, quiet) = (lag(false), lag(true));
        assert!(troubled.iter().any(|v| *v < 0.0) && troubled.iter().any(|v| *v >= 30.0));
        assert!(!quiet.is_empty() && quiet.iter().all(|v| (0.0..30.0).contains(v)), "{quiet:?}");
        // The first copy's events and alarms, and no others.
        let one = DemoSource::new(DemoOptions::default(), start()).snapshot_at(start());
        assert!(!snap.events.is_empty() && snap.events.iter().all(|e| !calm(&e.source_id)));
        assert_eq!(snap.events.len(), one.events.len());
        let inv = &snap.inventory;
        assert!(!inv.alarms.is_empty());
        assert_eq!(inv.alarms.len(), one.inventory.alarms.len());
        // The inventory is the same fleet three times over.
        assert_eq!(inv.instances.len(), 3 * one.inventory.instances.len());
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
