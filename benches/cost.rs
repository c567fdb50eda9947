//! Cost-aware polling at scale, against the local emulator: two live sources watch the same
//! fleet for 30 one-minute polls, each feeding a dashboard model at 120x40 (one screen of Fleet
//! rows, the demo's incident under way: series near and past thresholds). One asks by
//! freshness (`cold_every` 5, the default), the other for every series every minute. Prints
//! metrics requested per hour and $/hour of both, the worst age of a value on screen against
//! fetching everything, and the worst delay of a finding.
//!
//! Run: `cargo bench --bench cost` (COST_COPIES, default 16: 992 instances; 81: 5,022;
//! COST_CALM=1: only the first copy in the incident, the realistic mix).

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use common::{Emulator, demo_scenario_mix};
use dbfleet::app::demand::demand;
use dbfleet::app::state::Model;
use dbfleet::app::update::apply_snapshot;
use dbfleet::domain::freshness::{CostSettings, USD_PER_METRIC};
use dbfleet::domain::thresholds::Thresholds;
use dbfleet::source::FleetSource;
use dbfleet::source::aws::{LiveOptions, LiveSource, plan};
use dbfleet::source::demo::{DemoOptions, DemoSource};
use jiff::{SignedDuration, Timestamp};

const REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"];
const POLLS: i64 = 30;

type FindingKey = (String, String, String);

fn model(now: Timestamp) -> Model {
    let mut m = Model::new(now, Thresholds::default(), jiff::tz::TimeZone::UTC, vec!["default".into()]);
    m.display.size = (120, 40);
    m
}

fn findings(m: &Model) -> BTreeSet<FindingKey> {
    m.fleet
        .findings
        .iter()
        .map(|f| (f.rule.to_string(), f.resource_id.clone(), f.region.to_string()))
        .collect()
}

fn at(t: Timestamp, secs: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_secs(secs)).unwrap()
}

/// The 30 minutes of the demo's 45-minute incident cycle in which the fewest and the most
/// findings appear (the demo itself, one copy, minute by minute): a quiet half hour and the
/// incident.
fn windows(base: Timestamp) -> (Timestamp, Timestamp) {
    let mut src = DemoSource::new(DemoOptions::default(), base);
    let mut m = model(base);
    let mut per_minute = Vec::new();
    for minute in 0..(45 + POLLS) {
        let t = at(base, minute * 60);
        apply_snapshot(&mut m, src.snapshot_at(t), t);
        per_minute.push(findings(&m));
    }
    let appearing = |s: usize| -> usize {
        let later: BTreeSet<&FindingKey> = per_minute[s + 1..=s + POLLS as usize].iter().flatten().collect();
        later.iter().filter(|k| !per_minute[s].contains(**k)).count()
    };
    let best = (0..45).max_by_key(|&s| (appearing(s), std::cmp::Reverse(s))).unwrap_or(0);
    let quiet = (0..45).min_by_key(|&s| (appearing(s), s)).unwrap_or(0);
    (at(base, quiet as i64 * 60), at(base, best as i64 * 60))
}

/// What one half hour of watching cost and how fresh it was.
struct Figures {
    series: usize,
    cheap_per_hour: f64,
    every_per_hour: f64,
    hot_max: u64,
    reasons: BTreeMap<&'static str, usize>,
    at_once: usize,
    worst_behind: i64,
    on_screen_checked: usize,
    new_findings: usize,
    worst_delay: i64,
}

struct Watch {
    source: LiveSource,
    model: Model,
    metrics: u64,
    first_seen: BTreeMap<FindingKey, i64>,
    seen_minutes: BTreeMap<FindingKey, i64>,
}

impl Watch {
    fn poll(&mut self, rt: &tokio::runtime::Runtime, t: Timestamp, minute: i64) {
        let snap = rt.block_on(self.source.poll_once(t)).unwrap();
        assert!(snap.errors.is_empty(), "{:?}", snap.errors);
        self.metrics += snap.api.as_ref().map_or(0, |a| a.metrics_requested);
        apply_snapshot(&mut self.model, snap, t);
        for k in findings(&self.model) {
            *self.seen_minutes.entry(k.clone()).or_default() += 1;
            self.first_seen.entry(k).or_insert(minute);
        }
    }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("cost: run with `cargo bench --bench cost`");
        return;
    }
    let copies: usize = std::env::var("COST_COPIES").ok().and_then(|v| v.parse().ok()).unwrap_or(16);
    // COST_CALM=1: the realistic mix the issue names (one screen of rows, a few series near
    // thresholds): only the first copy lives the incident, the others have a calm day.
    // Without it every copy is in the incident at once (the worst case).
    let calm = std::env::var_os("COST_CALM").is_some_and(|v| v == "1");
    let s = Timestamp::now().as_second();
    // Polls are simulated minutes from t0 (five seconds into a minute); the seeded points
    // run to the last of them.
    let base = Timestamp::from_second(s - s.rem_euclid(60) - 3 * 3600 + 5).unwrap();
    let (quiet, incident) = windows(base);
    let emu = Emulator::start();
    // Points from 45 minutes before the first window to the end of the last.
    let end = at(base, (45 + POLLS + 5) * 60);
    let (scenario, inv, _) = demo_scenario_mix(copies, end, 45 + 45 + POLLS as usize + 5, calm);
    let clock = Instant::now();
    emu.seed(&scenario);
    let mix = if calm { "one copy in the incident, the rest calm" } else { "every copy in the incident" };
    println!("seeded {} instances ({mix}) in {:.1?}", inv.instances.len(), clock.elapsed());
    drop(scenario);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let runs = [("a quiet half hour", run(&emu, &rt, quiet)), ("the incident", run(&emu, &rt, incident))];
    println!();
    println!("| figure | value | target |");
    println!("|---|---|---|");
    println!("| instances / series planned ({mix}) | {} / {} | |", inv.instances.len(), runs[0].1.series);
    for (name, f) in &runs {
        let (c, e) = (f.cheap_per_hour, f.every_per_hour);
        println!(
            "| {name}: metrics requested per hour, cost-aware (cold_every 5) against every series every minute | {c:.0} (${:.2}/h) against {e:.0} (${:.2}/h): {:.1} % | <= 25 % |",
            c * USD_PER_METRIC,
            e * USD_PER_METRIC,
            100.0 * c / e
        );
        let why: Vec<String> = f.reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
        println!(
            "| {name}: hot series (most in one poll; why, at the last) | {} of {} ({}) | |",
            f.hot_max,
            f.series,
            why.join(", ")
        );
        println!("| {name}: polls at once for series made hot | {} in {POLLS} polls | |", f.at_once);
        println!(
            "| {name}: worst age of a value on screen, against fetching everything | {} min behind ({} readings) | 0 (<= one period) |",
            f.worst_behind, f.on_screen_checked
        );
        println!(
            "| {name}: worst delay of a finding | {} min ({} findings appeared) | <= 5 min (cold_every) |",
            if f.worst_delay == i64::MAX { "never seen".to_string() } else { f.worst_delay.to_string() },
            f.new_findings
        );
    }
}

/// Two live sources from `t0` for 30 simulated minutes, each feeding a model.
fn run(emu: &Emulator, rt: &tokio::runtime::Runtime, t0: Timestamp) -> Figures {
    let connect = |cost: CostSettings| {
        let opts = LiveOptions {
            regions: REGIONS.iter().map(|r| r.to_string()).collect(),
            endpoint_url: Some(emu.url()),
            static_credentials: Some(aws_sdk_rds::config::Credentials::new(
                "testing", "testing", None, None, "bench",
            )),
            history: std::time::Duration::from_secs(45 * 60),
            cost,
            ..Default::default()
        };
        let source = rt.block_on(LiveSource::connect(opts)).unwrap();
        Watch {
            source,
            model: model(t0),
            metrics: 0,
            first_seen: BTreeMap::new(),
            seen_minutes: BTreeMap::new(),
        }
    };
    let mut cheap = connect(CostSettings::default());
    let mut every = connect(CostSettings { cold_every: 1, budget_usd_per_hour: None });
    for w in [&mut cheap, &mut every] {
        w.poll(rt, t0, 0);
        w.metrics = 0; // the first poll (history, load profiles) is not the steady cost
    }
    let series: usize = REGIONS.iter().map(|r| plan::plan(&cheap.model.fleet.inventory, r).len()).sum();

    let mut worst_behind = 0i64;
    let mut on_screen_checked = 0usize;
    let mut at_once = 0usize;
    let mut hot_max = 0u64;
    // cold_every more polls after the window: a finding raised at its last minute by the
    // watch that fetches everything has its chance to be seen by the other.
    for minute in 1..=POLLS + 5 {
        let t = at(t0, minute * 60);
        for (i, w) in [&mut cheap, &mut every].into_iter().enumerate() {
            w.poll(rt, t, minute);
            // The screen's demand after the poll (rows re-sorted, findings new): a series
            // just made hot is fetched at once, as the dashboard's poller does.
            // The dashboard recomputes the demand after every poll it applies: a poll at once
            // can bring more rows on screen (a sort by value), and those are asked next.
            for again in 1..=3 {
                let d = Arc::new(demand(&w.model, t));
                if !w.source.set_demand(d, t) {
                    break;
                }
                w.poll(rt, at(t, again), minute);
                at_once += usize::from(i == 0);
            }
        }
        if let Some(api) = &cheap.model.status.api {
            hot_max = hot_max.max(api.hot_series);
        }
        // Every value on screen against the same series fetched every minute: how many
        // minutes its newest point is behind.
        let m = &cheap.model;
        // The rows on screen: the window from the cursor's offset (the selection follows its
        // instance when the sort moves it).
        let fleet = &m.views[dbfleet::app::action::ViewId::Fleet];
        let rows = fleet.visible.iter().skip(fleet.cursor.offset).take(m.body_rows());
        for &r in rows {
            let arn = &m.fleet.inventory.instances[m.fleet.rows[r].index].arn;
            use dbfleet::domain::metrics::MetricKind as K;
            for kind in [K::Connections, K::CpuPercent, K::ReplicaLag, K::FreeStorage, K::ServerlessCapacity]
            {
                let latest = |w: &Watch| w.model.fleet.history.latest(arn, kind).map(|x| x.at);
                if let (Some(a), Some(b)) = (latest(&cheap), latest(&every)) {
                    let behind = (b - a).get_seconds() / 60;
                    if behind > 0 && worst_behind == 0 {
                        let key = dbfleet::domain::metrics::SeriesKey::resource(arn.clone(), kind);
                        println!(
                            "  behind on screen at minute {minute}: {arn} {kind:?} {behind} min, hot {:?}",
                            demand(m, t).reason(&key)
                        );
                    }
                    worst_behind = worst_behind.max(behind);
                    on_screen_checked += 1;
                }
            }
        }
    }
    let delays: Vec<i64> = every
        .first_seen
        .iter()
        .filter(|(_, m)| **m > 0 && **m <= POLLS)
        .map(|(k, m)| cheap.first_seen.get(k).map_or(i64::MAX, |c| c - m))
        .collect();
    let new_findings = delays.len();
    // A finding the cost-aware watch never raised: which, and how long the other saw it.
    for (k, m) in every
        .first_seen
        .iter()
        .filter(|(k, m)| **m > 0 && **m <= POLLS && !cheap.first_seen.contains_key(*k))
        .take(8)
    {
        let minutes = every.seen_minutes.get(k).copied().unwrap_or(0);
        println!(
            "  never raised cost-aware: {k:?}, raised at minute {m} for {minutes} min fetching everything"
        );
    }
    let worst_delay = delays.iter().copied().max().unwrap_or(0);

    let per_hour = |metrics: u64| metrics as f64 * 60.0 / (POLLS + 5) as f64;
    let last = at(t0, (POLLS + 5) * 60);
    let d = demand(&cheap.model, last);
    let mut reasons = BTreeMap::new();
    for r in REGIONS {
        for q in plan::plan(&cheap.model.fleet.inventory, r) {
            if let Some(x) = d.reason(&q.key) {
                *reasons.entry(x.label()).or_default() += 1;
            }
        }
    }
    Figures {
        series,
        cheap_per_hour: per_hour(cheap.metrics),
        every_per_hour: per_hour(every.metrics),
        hot_max,
        reasons,
        at_once,
        worst_behind,
        on_screen_checked,
        new_findings,
        worst_delay,
    }
}
