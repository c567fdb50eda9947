//! Cost-aware polling at scale, against the local emulator: two live sources watch the same
//! fleet for 30 one-minute polls, each feeding a dashboard model at 120x40 (one screen of Fleet
//! rows, the demo's incident under way: series near and past thresholds). One asks by
//! freshness (`cold_every` 5, the default), the other for every series every minute. Prints
//! metrics requested per hour and $/hour of both, the worst age of a value on screen against
//! fetching everything, and the worst delay of a finding.
//!
//! Run: `cargo bench --bench cost` (COST_COPIES, default 16: 992 instances; 81: 5,022).

#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Instant;

use common::{Emulator, demo_scenario};
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
    m.fleet.findings.iter().map(|f| (f.rule.to_string(), f.resource_id.clone(), f.region.clone())).collect()
}

fn at(t: Timestamp, secs: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_secs(secs)).unwrap()
}

/// The 30 minutes of the demo's 45-minute incident cycle in which the most findings appear
/// (the demo itself, one copy, minute by minute): what the poll window covers.
fn busiest_window(base: Timestamp) -> Timestamp {
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
    at(base, best as i64 * 60)
}

struct Watch {
    source: LiveSource,
    model: Model,
    metrics: u64,
    first_seen: BTreeMap<FindingKey, i64>,
}

impl Watch {
    fn poll(&mut self, rt: &tokio::runtime::Runtime, t: Timestamp, minute: i64) {
        let snap = rt.block_on(self.source.poll_once(t)).unwrap();
        assert!(snap.errors.is_empty(), "{:?}", snap.errors);
        self.metrics += snap.api.as_ref().map_or(0, |a| a.metrics_requested);
        apply_snapshot(&mut self.model, snap, t);
        for k in findings(&self.model) {
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
    let s = Timestamp::now().as_second();
    // Polls are simulated minutes from t0 (five seconds into a minute); the seeded points
    // run to the last of them.
    let base = Timestamp::from_second(s - s.rem_euclid(60) - 3 * 3600 + 5).unwrap();
    let t0 = busiest_window(base);
    let emu = Emulator::start();
    let (scenario, inv, _) = demo_scenario(copies, at(t0, POLLS * 60), 45 + POLLS as usize);
    let clock = Instant::now();
    emu.seed(&scenario);
    println!("seeded {} instances in {:.1?}; polls from {t0}", inv.instances.len(), clock.elapsed());
    drop(scenario);

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
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
        Watch { source, model: model(t0), metrics: 0, first_seen: BTreeMap::new() }
    };
    let mut cheap = connect(CostSettings::default());
    let mut every = connect(CostSettings { cold_every: 1, budget_usd_per_hour: None });
    for w in [&mut cheap, &mut every] {
        w.poll(&rt, t0, 0);
        w.metrics = 0; // the first poll (history, load profiles) is not the steady cost
    }
    let series: usize = REGIONS.iter().map(|r| plan::plan(&cheap.model.fleet.inventory, r).len()).sum();

    let mut worst_behind = 0i64;
    let mut on_screen_checked = 0usize;
    let mut at_once = 0usize;
    let mut hot_max = 0u64;
    for minute in 1..=POLLS {
        let t = at(t0, minute * 60);
        for (i, w) in [&mut cheap, &mut every].into_iter().enumerate() {
            w.poll(&rt, t, minute);
            // The screen's demand after the poll (rows re-sorted, findings new): a series
            // just made hot is fetched at once, as the dashboard's poller does.
            let d = Arc::new(demand(&w.model, t));
            if w.source.set_demand(d, t) {
                w.poll(&rt, at(t, 2), minute);
                at_once += usize::from(i == 0);
            }
        }
        if let Some(api) = &cheap.model.status.api {
            hot_max = hot_max.max(api.hot_series);
        }
        // Every value on screen against the same series fetched every minute: how many
        // minutes its newest point is behind.
        let m = &cheap.model;
        let rows = m.views[dbfleet::app::action::ViewId::Fleet].visible.iter().take(m.body_rows());
        for &r in rows {
            let arn = &m.fleet.inventory.instances[m.fleet.rows[r].index].arn;
            use dbfleet::domain::metrics::MetricKind as K;
            for kind in [K::Connections, K::CpuPercent, K::ReplicaLag, K::FreeStorage, K::ServerlessCapacity]
            {
                let latest = |w: &Watch| w.model.fleet.history.latest(arn, kind).map(|x| x.at);
                if let (Some(a), Some(b)) = (latest(&cheap), latest(&every)) {
                    worst_behind = worst_behind.max((b - a).get_seconds() / 60);
                    on_screen_checked += 1;
                }
            }
        }
    }
    let delays: Vec<i64> = every
        .first_seen
        .iter()
        .filter(|(_, m)| **m > 0)
        .map(|(k, m)| cheap.first_seen.get(k).map_or(i64::MAX, |c| c - m))
        .collect();
    let new_findings = delays.len();
    let worst_delay = delays.iter().copied().max().unwrap_or(0);

    let per_hour = |metrics: u64| metrics as f64 * 60.0 / POLLS as f64;
    let (cheap_h, every_h) = (per_hour(cheap.metrics), per_hour(every.metrics));
    println!();
    println!("| figure | value | target |");
    println!("|---|---|---|");
    println!("| instances / series planned | {} / {series} | |", inv.instances.len());
    println!(
        "| metrics requested per hour, cost-aware (cold_every 5) | {cheap_h:.0} (${:.2}/h) | |",
        cheap_h * USD_PER_METRIC
    );
    println!(
        "| metrics requested per hour, every series every minute | {every_h:.0} (${:.2}/h) | |",
        every_h * USD_PER_METRIC
    );
    println!("| cost-aware against everything | {:.1} % | <= 25 % |", 100.0 * cheap_h / every_h);
    println!("| hot series (most in one poll) | {hot_max} of {series} | |");
    println!("| fetches at once for series made hot | {at_once} in {POLLS} polls | |");
    println!(
        "| worst age of a value on screen, against fetching everything | {worst_behind} min behind ({on_screen_checked} readings) | 0 (<= one period) |"
    );
    println!(
        "| worst delay of a finding | {} min ({new_findings} findings appeared) | <= 5 min (cold_every) |",
        if worst_delay == i64::MAX { "never seen".to_string() } else { worst_delay.to_string() }
    );
}
