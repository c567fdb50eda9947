//! Cost-aware polling on the live path, against the emulator: cold series are asked for every
//! `cold_every` minutes and hot ones every minute, so ten polls request a fraction of the
//! metrics that fetching everything does, with no datapoint lost (each request starts at the
//! series' last); no series is asked twice in a minute; a series made hot (a view switch) is
//! fetched at once; `r` asks for everything.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use common::{Emulator, demo_scenario, live_options};
use dbfleet::domain::freshness::{CostSettings, Demand, HotReason};
use dbfleet::domain::metrics::{SeriesKey, SeriesUpdate};
use dbfleet::domain::snapshot::FleetSnapshot;
use dbfleet::source::FleetSource;
use dbfleet::source::aws::{LiveSource, plan};
use jiff::{SignedDuration, Timestamp};

type Points = HashMap<SeriesKey, BTreeMap<i64, u64>>;

fn keep(all: &mut Points, updates: &[SeriesUpdate]) {
    for u in updates {
        let s = all.entry(u.key.clone()).or_default();
        for p in &u.points {
            s.insert(p.at.as_second(), p.value.to_bits());
        }
    }
}

fn at(t0: Timestamp, secs: i64) -> Timestamp {
    t0.checked_add(SignedDuration::from_secs(secs)).unwrap()
}

#[test]
fn cold_series_cost_less_and_lose_no_datapoint() {
    let emu = Emulator::start();
    let s = Timestamp::now().as_second();
    // Five seconds into a minute, 20 minutes ago: the seeded points run 15 minutes past it.
    let t0 = Timestamp::from_second(s - s.rem_euclid(60) - 20 * 60 + 5).unwrap();
    let (scenario, _, _) = demo_scenario(1, at(t0, 15 * 60), 45);
    emu.seed(&scenario);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let connect = |cost: CostSettings| {
        let opts = dbfleet::source::aws::LiveOptions { cost, ..live_options(&emu, "us-east-1") };
        rt.block_on(LiveSource::connect(opts)).unwrap()
    };
    let mut cheap = connect(CostSettings::default());
    let mut every = connect(CostSettings { cold_every: 1, budget_usd_per_hour: None });
    let poll = |src: &mut LiveSource, t: Timestamp| -> FleetSnapshot {
        let snap = rt.block_on(src.poll_once(t)).unwrap();
        assert!(snap.errors.is_empty(), "{:?}", snap.errors);
        snap
    };
    let (mut got, mut want) = (Points::new(), Points::new());
    let first = poll(&mut cheap, t0);
    keep(&mut got, &first.metrics);
    keep(&mut want, &poll(&mut every, t0).metrics);
    // The live inventory (the emulator names the blue/green target itself, and its ARNs carry
    // the emulator's account, not the demo's).
    let inv = (*first.inventory).clone();
    // The screen: five instances' rows.
    let screen: Vec<String> =
        inv.instances.iter().filter(|d| d.region == "us-east-1").take(5).map(|d| d.arn.to_string()).collect();
    let mut demand = Demand::default();
    for arn in &screen {
        demand.mark(arn, HotReason::OnScreen);
    }
    let demand = Arc::new(demand);
    let planned = plan::plan(&inv, "us-east-1").len() as u64;
    assert!(planned > 100, "{planned} series");
    // Everything (and the writers' hourly load profiles besides).
    assert!(first.api.as_ref().unwrap().metrics_requested >= planned, "the first poll asks for everything");
    assert!(!cheap.set_demand(demand.clone(), t0), "all of it was asked this minute");
    every.set_demand(demand.clone(), t0);

    let (mut cheap_metrics, mut every_metrics) = (0, 0);
    let mut hot_cold = None;
    for minute in 1..=10 {
        let t = at(t0, minute * 60);
        let a = poll(&mut cheap, t);
        let b = poll(&mut every, t);
        keep(&mut got, &a.metrics);
        keep(&mut want, &b.metrics);
        let (api, all) = (a.api.unwrap(), b.api.unwrap());
        assert_eq!(all.metrics_requested, planned, "cold_every 1: every series every minute");
        cheap_metrics += api.metrics_requested;
        every_metrics += all.metrics_requested;
        hot_cold = Some((
            api.hot_series,
            api.cold_series,
            api.estimated_cost_per_hour_usd,
            api.all_every_minute_usd_per_hour,
        ));
        // Nothing is bought twice in a minute: a poll 20 s later asks for nothing.
        let again = poll(&mut cheap, at(t, 20));
        assert_eq!(again.api.unwrap().metrics_requested, 0, "minute {minute}: asked again within the minute");
        keep(&mut got, &again.metrics);
    }
    let (hot, cold, cost, all_cost) = hot_cold.unwrap();
    eprintln!(
        "10 polls: {cheap_metrics} metrics requested with cold_every 5 against {every_metrics} fetching everything \
         ({:.0} %); {hot} hot and {cold} cold series; ${cost:.4}/h against ${all_cost:.4}/h",
        100.0 * cheap_metrics as f64 / every_metrics as f64
    );
    assert_eq!(hot + cold, planned);
    assert!(hot >= 10 && hot < planned / 4, "{hot} hot: the five rows' series");
    assert!(cheap_metrics * 2 < every_metrics, "{cheap_metrics} against {every_metrics}");
    assert!(cost < all_cost * 0.5, "${cost}/h against ${all_cost}/h");

    // Every hot series is as fresh as fetching everything: the same points, minute for minute.
    let mut compared = 0;
    for (key, points) in &want {
        if screen.iter().any(|s| *s == key.resource) {
            assert_eq!(got.get(key), Some(points), "hot {key:?}");
            compared += 1;
        }
    }
    assert!(compared >= 10, "{compared} on-screen series compared");

    // A view switch: an instance off screen made hot is fetched at once (its series only),
    // unless its cold slot came up this very minute (then it is fresh already: not again).
    let t = at(t0, 10 * 60 + 30);
    let live_plan = plan::plan(&inv, "us-east-1");
    let mut moved = (*demand).clone();
    let mut far = None;
    for d in
        inv.instances.iter().rev().filter(|d| d.region == "us-east-1" && !screen.iter().any(|s| *s == d.arn))
    {
        moved.mark(&d.arn, HotReason::OnScreen);
        if cheap.set_demand(Arc::new(moved.clone()), t) {
            far = Some(d.arn.clone());
            break;
        }
    }
    let far = far.expect("an instance off screen that was not asked this minute");
    let its = live_plan.iter().filter(|q| q.key.resource == far).count() as u64;
    let snap = poll(&mut cheap, t);
    assert_eq!(
        snap.api.unwrap().metrics_requested,
        its,
        "the newly visible instance's series and nothing else"
    );
    keep(&mut got, &snap.metrics);
    for key in want.keys().filter(|k| k.resource == far) {
        assert_eq!(got.get(key), want.get(key), "{key:?} fresh once on screen");
    }

    // `r`: everything, however cold, and then not one datapoint differs from fetching
    // everything every minute.
    cheap.refresh_all();
    let snap = poll(&mut cheap, t);
    assert_eq!(snap.api.unwrap().metrics_requested, planned, "r asks for every series");
    keep(&mut got, &snap.metrics);
    let missing: Vec<&SeriesKey> =
        want.iter().filter(|(k, p)| got.get(*k) != Some(*p)).map(|(k, _)| k).collect();
    assert!(missing.is_empty(), "{} series differ, e.g. {:?}", missing.len(), missing.first());
    assert_eq!(got.len(), want.len());
    let points: usize = want.values().map(BTreeMap::len).sum();
    assert!(points > planned as usize * 20, "{points} points compared");
}
