//! Faults on the live path, in process: the real LiveSource and the app's update loop against
//! the emulator, which throttles, fails, delays, drops, garbles or truncates on command. For
//! each fault: no crash, the last good data stays (marked stale, with its age), the error is
//! visible, retries are bounded (counted on the wire), and the next good poll recovers.

mod common;

use std::time::Duration;

use common::{Emulator, demo_scenario};
use dbfleet::app::msg::Msg;
use dbfleet::app::state::Model;
use dbfleet::app::update::update;
use dbfleet::domain::capability_status::CapState;
use dbfleet::domain::metrics::MetricHistory;
use dbfleet::domain::snapshot::ErrorKind;
use dbfleet::source::FleetSource;
use dbfleet::source::aws::plan;
use dbfleet::source::aws::{LiveOptions, LiveSource};
use dbfleet::source::poller::PollEvent;
use jiff::Timestamp;
use serde_json::{Value, json};

struct Rig {
    emu: Emulator,
    source: LiveSource,
    model: Model,
    rt: tokio::runtime::Runtime,
}

fn live_options(emu: &Emulator) -> LiveOptions {
    LiveOptions {
        // Three regions: one of them down must leave the other two refreshing.
        regions: vec!["us-east-1".into(), "eu-west-1".into(), "ap-southeast-2".into()],
        endpoint_url: Some(emu.url()),
        static_credentials: Some(aws_sdk_rds::config::Credentials::new(
            "testing", "testing", None, None, "test",
        )),
        // Every poll describes again, so RDS faults bite on every poll.
        inventory_every: Duration::ZERO,
        discovery_every: Duration::ZERO,
        attempt_timeout: Duration::from_secs(2),
        operation_timeout: Duration::from_secs(6),
        ..Default::default()
    }
}

impl Rig {
    fn new() -> Rig {
        let emu = Emulator::start();
        let s = Timestamp::now().as_second();
        let now = Timestamp::from_second(s - s.rem_euclid(60) - 60).unwrap();
        let (scenario, _, _) = demo_scenario(1, now, 5);
        emu.seed(&scenario);
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let source = rt.block_on(LiveSource::connect(live_options(&emu))).unwrap();
        let model =
            Model::new(Timestamp::now(), Default::default(), jiff::tz::TimeZone::UTC, vec!["default".into()]);
        Rig { emu, source, model, rt }
    }

    /// One poll through the app, as the poller would deliver it. The polls follow each other
    /// within seconds, where a series is not asked again within its minute: each asks for
    /// everything, as after `r`, so every fault meets the calls it targets.
    fn poll(&mut self) {
        let now = Timestamp::now();
        self.source.refresh_all();
        let ev = match self.rt.block_on(self.source.poll_once(now)) {
            Ok(s) => PollEvent::Snapshot(Box::new(s)),
            Err(f) => PollEvent::Failed(f),
        };
        update(&mut self.model, Msg::Poll(ev), now);
    }

    fn wire_calls(&self, op: &str) -> usize {
        self.emu.log().iter().filter(|(_, o, _, _)| o == op).count()
    }
}

fn instance_ids(m: &Model) -> Vec<String> {
    let mut v: Vec<String> = m.fleet.inventory.instances.iter().map(|d| d.id.clone()).collect();
    v.sort();
    v
}

/// Inject `fault`, poll, check the app kept its data and shows the error; clear, poll,
/// check recovery. Returns the calls of `op` made during the faulty poll.
fn check(rig: &mut Rig, fault: Value, op: &str, want: &[ErrorKind], region_wide: bool) -> usize {
    let before = instance_ids(&rig.model);
    let msk_before = rig.model.fleet.inventory.kafka_clusters.len();
    let connections_before = rig.model.fleet.rows.iter().filter(|r| r.connections.is_some()).count();
    rig.emu.clear_log();
    rig.emu.fault(fault.clone());
    let t = std::time::Instant::now();
    rig.poll();
    let took = t.elapsed();
    let calls = rig.wire_calls(op);
    let st = &rig.model.status;
    assert!(!st.errors.is_empty(), "{fault}: error visible");
    assert!(
        st.errors.iter().any(|e| want.contains(&e.kind)),
        "{fault}: kinds {:?}",
        st.errors.iter().map(|e| (e.kind, &e.message)).collect::<Vec<_>>()
    );
    assert_eq!(instance_ids(&rig.model), before, "{fault}: last good inventory kept");
    assert_eq!(rig.model.fleet.inventory.kafka_clusters.len(), msk_before, "{fault}: MSK clusters kept");
    let kept = rig.model.fleet.rows.iter().filter(|r| r.connections.is_some()).count();
    assert_eq!(kept, connections_before, "{fault}: last good readings kept");
    if region_wide {
        assert!(rig.model.status.region_stale("us-east-1"), "{fault}: region marked stale");
        let ages = rig.model.status.stale_regions(Timestamp::now());
        assert!(
            ages.iter().any(|(r, age)| r == "us-east-1" && age.is_some()),
            "{fault}: stale age shown: {ages:?}"
        );
    } else {
        let st = &rig.model.status;
        assert!(!st.region_stale("us-east-1"), "{fault}: one capability failing leaves the region current");
        let gaps = st.gaps();
        assert!(
            gaps.iter().any(|g| g.state == CapState::Stale && g.data_at.is_some()),
            "{fault}: the capability is named, stale, with the age of its data: {gaps:?}"
        );
    }
    eprintln!("{fault}: {calls} {op} calls, poll took {took:?}");
    rig.emu.clear_faults();
    rig.poll();
    assert!(
        rig.model.status.errors.is_empty(),
        "{fault}: recovered on the next good poll: {:?}",
        rig.model.status.errors
    );
    assert!(!rig.model.status.region_stale("us-east-1"));
    assert!(
        rig.model.status.gaps().is_empty(),
        "{fault}: every capability ok again: {:?}",
        rig.model.status.gaps()
    );
    calls
}

#[test]
fn faults_keep_data_show_errors_and_recover() {
    let mut rig = Rig::new();
    rig.poll();
    assert!(rig.model.status.errors.is_empty(), "first poll clean: {:?}", rig.model.status.errors);
    assert!(rig.model.fleet.inventory.instances.len() > 20);
    let api = rig.model.status.api.clone().unwrap();
    assert!(api.calls.contains_key("GetMetricData"), "{api:?}");

    // A throttling storm on each service: retries are bounded (3 attempts per call).
    let n = check(
        &mut rig,
        json!({"service": "rds", "operation": "DescribeDBInstances", "mode": "throttle", "count": -1}),
        "DescribeDBInstances",
        &[ErrorKind::Throttled],
        true,
    );
    assert!(n <= 3 * 3, "bounded retries: {n} DescribeDBInstances calls for 3 regions");
    let n = check(
        &mut rig,
        json!({"service": "monitoring", "mode": "throttle", "count": -1}),
        "GetMetricData",
        &[ErrorKind::Throttled],
        true,
    );
    // Per region: at most two GetMetricData calls (the plan fits in two) of 3 attempts each.
    assert!(n <= 3 * 3 * 2, "bounded retries: {n} GetMetricData calls for 3 regions");
    // MSK is one capability: throttled past its retries, its clusters stay on screen (stale,
    // with their age) and the databases of the region stay current.
    check(
        &mut rig,
        json!({"service": "kafka", "mode": "throttle", "count": -1}),
        "ListClustersV2",
        &[ErrorKind::Throttled],
        false,
    );
    // 5xx bursts longer than the retries.
    check(
        &mut rig,
        json!({"service": "rds", "mode": "error500", "count": -1}),
        "DescribeDBInstances",
        &[ErrorKind::ServiceUnavailable],
        true,
    );
    // Latency beyond the timeouts.
    check(
        &mut rig,
        json!({"service": "monitoring", "mode": "latency", "latency_ms": 3000, "count": -1}),
        "GetMetricData",
        &[ErrorKind::Timeout],
        true,
    );
    // Connection dropped, malformed and truncated bodies.
    check(
        &mut rig,
        json!({"service": "rds", "mode": "drop", "count": -1}),
        "DescribeDBInstances",
        &[ErrorKind::Network, ErrorKind::Malformed, ErrorKind::Other],
        true,
    );
    check(
        &mut rig,
        json!({"service": "monitoring", "mode": "malformed", "count": -1}),
        "GetMetricData",
        &[ErrorKind::Malformed],
        true,
    );
    check(
        &mut rig,
        json!({"service": "rds", "mode": "truncate", "count": -1}),
        "DescribeDBInstances",
        &[ErrorKind::Malformed],
        true,
    );
    // A service that never stops paging (the same Marker back, whatever was sent): one
    // repeat is enough to stop, so two calls per region, not an endless loop.
    let n = check(
        &mut rig,
        json!({"service": "rds", "operation": "DescribeDBInstances", "mode": "stuck_paging", "count": -1}),
        "DescribeDBInstances",
        &[ErrorKind::Malformed],
        true,
    );
    assert!(n <= 2 * 3, "paging stopped: {n} DescribeDBInstances calls for 3 regions");
    // Expired credentials.
    check(
        &mut rig,
        json!({"mode": "expired_credentials", "count": -1}),
        "DescribeDBInstances",
        &[ErrorKind::Credentials],
        true,
    );
    // One region down: the other keeps refreshing.
    rig.emu.fault(json!({"region": "us-east-1", "mode": "error500", "count": -1}));
    rig.poll();
    let st = &rig.model.status;
    assert!(st.errors.iter().all(|e| e.region == "us-east-1"), "only us-east-1 fails: {:?}", st.errors);
    assert!(
        st.region_stale("us-east-1") && !st.region_stale("eu-west-1") && !st.region_stale("ap-southeast-2")
    );
    assert!(!st.stale(), "a partial failure is not a failed poll");
    rig.emu.clear_faults();
    rig.poll();
    assert!(rig.model.status.errors.is_empty());

    // Everything down: the poll fails as a whole, the screen keeps the last good data.
    let rows = rig.model.fleet.rows.len();
    rig.emu.fault(json!({"mode": "error500", "count": -1}));
    rig.poll();
    assert!(rig.model.status.errors.len() >= 2);
    assert_eq!(rig.model.fleet.rows.len(), rows);
    rig.emu.clear_faults();
    rig.poll();
    assert!(rig.model.status.errors.is_empty());
}

/// Connection refused (nothing listens where the endpoint points, as when a VPC endpoint or
/// proxy is down): network errors shown, the last good data kept and marked stale, and the
/// next poll that reaches AWS recovers.
#[test]
fn connection_refused_keeps_data_and_recovers() {
    let mut rig = Rig::new();
    rig.poll();
    let rows = rig.model.fleet.rows.len();
    assert!(rows > 20 && rig.model.status.errors.is_empty());
    // A port that was free a moment ago: nothing listens there now.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let opts = LiveOptions {
        regions: vec!["us-east-1".into(), "eu-west-1".into()],
        endpoint_url: Some(format!("http://127.0.0.1:{port}")),
        static_credentials: Some(aws_sdk_rds::config::Credentials::new(
            "testing", "testing", None, None, "t",
        )),
        attempt_timeout: Duration::from_secs(2),
        operation_timeout: Duration::from_secs(6),
        ..Default::default()
    };
    let mut refused = rig.rt.block_on(LiveSource::connect(opts)).unwrap();
    let now = Timestamp::now();
    let ev = match rig.rt.block_on(refused.poll_once(now)) {
        Ok(s) => PollEvent::Snapshot(Box::new(s)),
        Err(f) => PollEvent::Failed(f),
    };
    update(&mut rig.model, Msg::Poll(ev), now);
    let st = &rig.model.status;
    assert!(
        !st.errors.is_empty() && st.errors.iter().all(|e| e.kind == ErrorKind::Network),
        "{:?}",
        st.errors
    );
    assert!(st.stale(), "nothing answered: the whole screen is stale");
    assert_eq!(rig.model.fleet.rows.len(), rows, "last good data kept");
    rig.poll();
    assert!(rig.model.status.errors.is_empty() && !rig.model.status.stale(), "recovered");
}

/// A throttling storm held on every service for several polls: each poll keeps the last good
/// data and shows it stale with a growing age, each poll's calls stay within the retry bound
/// and do not grow poll over poll, and the first poll after the storm recovers.
#[test]
fn a_throttling_storm_over_several_polls_stays_bounded_and_recovers() {
    let mut rig = Rig::new();
    rig.emu.clear_log();
    rig.poll();
    let clean_calls = rig.emu.log().len();
    let rows = rig.model.fleet.rows.len();
    let with_connections = rig.model.fleet.rows.iter().filter(|r| r.connections.is_some()).count();
    assert!(rows > 20 && with_connections > 10 && rig.model.status.errors.is_empty());

    rig.emu.fault(json!({"mode": "throttle", "count": -1}));
    let mut calls = Vec::new();
    let mut ages = Vec::new();
    for poll in 0..3 {
        std::thread::sleep(Duration::from_millis(1100));
        rig.emu.clear_log();
        rig.poll();
        calls.push(rig.emu.log().len());
        let st = &rig.model.status;
        assert!(st.errors.iter().all(|e| e.kind == ErrorKind::Throttled), "poll {poll}: {:?}", st.errors);
        let stale = st.stale_regions(Timestamp::now());
        assert_eq!(stale.len(), 3, "poll {poll}: every region marked stale: {stale:?}");
        assert_eq!(rig.model.fleet.rows.len(), rows, "poll {poll}: rows kept");
        let kept = rig.model.fleet.rows.iter().filter(|r| r.connections.is_some()).count();
        assert_eq!(kept, with_connections, "poll {poll}: readings kept");
        ages.push(stale.iter().filter_map(|(_, age)| *age).min().expect("age of the last good data"));
    }
    eprintln!(
        "throttling storm: clean poll {clean_calls} calls; storm polls {calls:?} calls; ages {ages:?} s"
    );
    // Three attempts per call at most, and a call that fails ends its operation.
    assert!(calls.iter().all(|&c| c <= 3 * clean_calls), "bounded: {calls:?} vs {clean_calls} clean");
    assert!(calls[2] <= calls[0], "no storm building up poll over poll: {calls:?}");
    assert!(ages.windows(2).all(|w| w[1] > w[0]), "the age of the last good data grows: {ages:?}");

    rig.emu.clear_faults();
    rig.poll();
    let st = &rig.model.status;
    assert!(st.errors.is_empty(), "recovered on the first poll after: {:?}", st.errors);
    assert!(st.stale_regions(Timestamp::now()).is_empty(), "fresh again");
}

/// A GetMetricData answer that cuts series between pages (`PartialData`, then a NextToken for
/// the rest) reads the same points as one that does not: nothing lost, nothing doubled.
#[test]
fn series_split_across_pages_read_whole() {
    let rig = Rig::new();
    let now = Timestamp::now();
    let mut whole_source = rig.rt.block_on(LiveSource::connect(live_options(&rig.emu))).unwrap();
    rig.emu.clear_log();
    let whole = rig.rt.block_on(whole_source.poll_once(now)).unwrap();
    let whole_calls = rig.wire_calls("GetMetricData");
    // 97 datapoints a page: most pages end inside a series (the rig seeds 5 points each).
    rig.emu.settings(json!({"get_metric_data_max_datapoints": 97}));
    let mut split_source = rig.rt.block_on(LiveSource::connect(live_options(&rig.emu))).unwrap();
    rig.emu.clear_log();
    let split = rig.rt.block_on(split_source.poll_once(now)).unwrap();
    let split_calls = rig.wire_calls("GetMetricData");
    assert!(whole.errors.is_empty() && split.errors.is_empty(), "{:?} {:?}", whole.errors, split.errors);
    let points = |s: &dbfleet::domain::snapshot::FleetSnapshot| {
        let mut v: Vec<_> = s.metrics.iter().map(|u| (u.key.clone(), u.points.clone())).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let total: usize = whole.metrics.iter().map(|u| u.points.len()).sum();
    eprintln!("PartialData: {total} points, {whole_calls} GetMetricData calls whole, {split_calls} split");
    assert!(total > 500, "every series' seeded minutes: {total} points");
    assert!(split_calls > whole_calls + 3, "pages were cut: {split_calls} vs {whole_calls} calls");
    assert_eq!(points(&split), points(&whole), "the same points, in order, once each");
}

/// The demo fleet with 90 minutes of metrics, a runtime, and options that fetch all of them.
fn ninety_minutes_seeded() -> (Emulator, tokio::runtime::Runtime, LiveOptions) {
    let emu = Emulator::start();
    let s = Timestamp::now().as_second();
    let now = Timestamp::from_second(s - s.rem_euclid(60) - 60).unwrap();
    let (scenario, _, _) = demo_scenario(1, now, 90);
    emu.seed(&scenario);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let opts = LiveOptions { history: Duration::from_secs(90 * 60), ..live_options(&emu) };
    (emu, rt, opts)
}

/// A backfill chunk bigger than a poll's budget of points comes in parts, the newest chunk of
/// every target before anyone's older one: the same points as one whole fetch, and each query
/// asked once a chunk (GetMetricData is billed per metric requested: the bill does not grow).
#[test]
fn a_backfill_over_its_budget_comes_in_parts_with_the_same_points_and_bill() {
    let (_emu, rt, whole_opts) = ninety_minutes_seeded();
    let mut whole = rt.block_on(LiveSource::connect(whole_opts.clone())).unwrap();
    // Whole half-hour chunks (the default budget holds them), and parts of 1,500 points a
    // poll: 50 queries of a chunk.
    let chunks_opts = LiveOptions { first_window: Some(Duration::from_secs(30 * 60)), ..whole_opts };
    let mut chunks = rt.block_on(LiveSource::connect(chunks_opts.clone())).unwrap();
    let parts_opts = LiveOptions { backfill_points_per_poll: 1_500, ..chunks_opts };
    let mut parts = rt.block_on(LiveSource::connect(parts_opts)).unwrap();
    let at = Timestamp::now();
    let mut a = MetricHistory::default();
    let whole_first = rt.block_on(whole.poll_once(at)).unwrap();
    a.merge(&whole_first.metrics);
    let planned: usize = ["us-east-1", "eu-west-1", "ap-southeast-2"]
        .iter()
        .map(|r| plan::plan(&whole_first.inventory, r).len())
        .sum();
    assert!(planned > 100, "{planned} queries: several parts a chunk");
    let mut b = MetricHistory::default();
    for _ in 0..2 {
        b.merge(&rt.block_on(parts.poll_once(at)).unwrap().metrics);
    }
    let mut chunks_requested = 0;
    for _ in 0..2 {
        rt.block_on(chunks.poll_once(at)).unwrap();
    }
    while chunks.backfill_pending() {
        chunks_requested += rt.block_on(chunks.poll_once(at)).unwrap().api.unwrap().metrics_requested;
    }
    let (mut polls, mut requested, mut oldest_so_far) = (0, 0, None);
    while parts.backfill_pending() {
        let p = rt.block_on(parts.poll_once(at)).unwrap();
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        b.merge(&p.metrics);
        polls += 1;
        // Within the same minute a chunk poll asks only for its part of the chunk.
        requested += p.api.as_ref().unwrap().metrics_requested;
        // (The first also brings the consumer groups' first half hour: they are planned a
        // poll after the rest.)
        let points: usize = p.metrics.iter().map(|u| u.points.len()).sum();
        assert!(polls == 1 || points <= 50 * 31, "poll {polls}: {points} points");
        // Newest chunk first, across targets: no part reaches less far back than one before it.
        let oldest = p.metrics.iter().filter_map(|u| u.points.first()).map(|x| x.at).min();
        if let (Some(before), Some(o)) = (oldest_so_far, oldest) {
            assert!(o <= before, "poll {polls}: a part from {o} after one from {before}");
        }
        oldest_so_far = oldest.or(oldest_so_far);
        assert!(polls <= 2 * planned.div_ceil(50) + 6, "{polls} polls");
    }
    eprintln!("{planned} queries: {polls} backfill polls, {requested} metrics requested");
    assert!(polls >= 2 * planned / 50, "{polls} polls for {planned} queries");
    assert_eq!(requested, chunks_requested, "every query once a chunk, as with whole chunks");
    assert!(requested as usize >= 2 * planned, "{requested} of {planned} planned");
    assert_eq!(b.point_count(), a.point_count());
    assert!(a.point_count() > 46 * 80, "{} points", a.point_count());
}

/// The dashboard's first poll fetches the last half hour and the older history follows a
/// chunk a poll: once the backfill is done, the model holds the same points as a source that
/// fetched it all at once, and the chunks cost no more GetMetricData than their queries need.
#[test]
fn history_backfilled_in_chunks_equals_one_whole_fetch() {
    let (_emu, rt, whole_opts) = ninety_minutes_seeded();
    let mut whole = rt.block_on(LiveSource::connect(whole_opts.clone())).unwrap();
    let chunked_opts = LiveOptions { first_window: Some(Duration::from_secs(30 * 60)), ..whole_opts };
    let mut chunked = rt.block_on(LiveSource::connect(chunked_opts)).unwrap();
    let at = Timestamp::now();
    let mut a = MetricHistory::default();
    let whole_first = rt.block_on(whole.poll_once(at)).unwrap();
    a.merge(&whole_first.metrics);
    assert!(!whole.backfill_pending());

    // The dashboard's first poll: every inventory and no metrics yet, which are due at once.
    let inventory = rt.block_on(chunked.poll_once(at)).unwrap();
    assert!(inventory.metrics.is_empty(), "{} series", inventory.metrics.len());
    assert_eq!(inventory.inventory.instances.len(), whole_first.inventory.instances.len());
    assert!(chunked.backfill_pending(), "the metrics follow at once");
    // Its calls are counted with the metrics poll (alone they would project a false cost).
    assert!(inventory.api.is_none());
    let first = rt.block_on(chunked.poll_once(at)).unwrap();
    let calls = &first.api.as_ref().unwrap().calls;
    assert!(calls.get("DescribeDBInstances").is_some_and(|&n| n >= 3));
    // The start asks the instances and clusters alone; the rest comes with the next poll.
    for op in
        ["DescribeEvents", "DescribePendingMaintenanceActions", "DescribeAlarms", "DescribeDBEngineVersions"]
    {
        assert!(!calls.contains_key(op), "{op} waits for the third poll: {calls:?}");
    }
    let gmd = |s: &dbfleet::domain::snapshot::FleetSnapshot| s.api.as_ref().unwrap().calls["GetMetricData"];
    // The fewest calls that carry every planned query once (the third poll also fetches profiles).
    let one_round: u64 = ["us-east-1", "eu-west-1", "ap-southeast-2"]
        .iter()
        .map(|r| plan::calls_needed(plan::plan(&first.inventory, r).len()) as u64)
        .sum();
    assert!(one_round >= 2, "{one_round}");
    let oldest = first.metrics.iter().filter_map(|u| u.points.first()).map(|p| p.at).min().unwrap();
    // CloudWatch starts at the period the start instant falls in.
    assert!(
        at.duration_since(oldest).as_secs() <= 31 * 60,
        "the first poll is the last 30 min: {oldest} at {at}"
    );
    assert!(chunked.backfill_pending());
    let mut b = MetricHistory::default();
    b.merge(&first.metrics);
    let mut chunks = 0;
    while chunked.backfill_pending() {
        let chunk = rt.block_on(chunked.poll_once(at)).unwrap();
        let calls = &chunk.api.as_ref().unwrap().calls;
        if chunks == 0 {
            // The rest of the inventory rides with the first chunk, load profiles among it.
            assert!(
                calls.contains_key("DescribeEvents")
                    && calls.contains_key("DescribePendingMaintenanceActions")
            );
            assert!(gmd(&chunk) > one_round, "the chunk and the profiles: {calls:?}");
        } else {
            // Within the same minute a chunk poll asks only for the chunk, not the recent window again.
            assert_eq!(gmd(&chunk), one_round, "one round of GetMetricData per chunk poll");
        }
        b.merge(&chunk.metrics);
        chunks += 1;
        assert!(chunks <= 2, "90 minutes: the last 30, then two chunks");
    }
    assert_eq!(chunks, 2);
    assert!(a.point_count() > 46 * 80, "{} points", a.point_count());
    assert_eq!(b.point_count(), a.point_count());
    for u in &first.metrics {
        let (x, y) = (a.get(&u.key).unwrap(), b.get(&u.key).unwrap());
        assert!(x.points().eq(y.points()) && x.latest() == y.latest(), "{:?}", u.key);
    }
}
