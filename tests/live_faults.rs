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
use dbfleet::domain::snapshot::ErrorKind;
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

impl Rig {
    fn new() -> Rig {
        let emu = Emulator::start();
        let s = Timestamp::now().as_second();
        let now = Timestamp::from_second(s - s.rem_euclid(60) - 60).unwrap();
        let (scenario, _, _) = demo_scenario(1, now, 5);
        emu.seed(&scenario);
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let opts = LiveOptions {
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
        };
        let source = rt.block_on(LiveSource::connect(opts)).unwrap();
        let model =
            Model::new(Timestamp::now(), Default::default(), jiff::tz::TimeZone::UTC, vec!["default".into()]);
        Rig { emu, source, model, rt }
    }

    /// One poll through the app, as the poller would deliver it.
    fn poll(&mut self) {
        let now = Timestamp::now();
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
    let kept = rig.model.fleet.rows.iter().filter(|r| r.connections.is_some()).count();
    assert_eq!(kept, connections_before, "{fault}: last good readings kept");
    if region_wide {
        assert!(rig.model.status.region_stale("us-east-1"), "{fault}: region marked stale");
        let ages = rig.model.status.stale_regions(Timestamp::now());
        assert!(
            ages.iter().any(|(r, age)| r == "us-east-1" && age.is_some()),
            "{fault}: stale age shown: {ages:?}"
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
    check(
        &mut rig,
        json!({"service": "kafka", "mode": "throttle", "count": -1}),
        "ListClustersV2",
        &[ErrorKind::Throttled],
        true,
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
