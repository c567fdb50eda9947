//! RDS events and CloudWatch alarms from the emulator, through the real SDK clients: the
//! snapshot carries the events exactly as seeded (each once, though pages repeat and come out
//! of order, followed by Marker), later polls ask only since the last range, alarm states as
//! set, the findings they make; a denied DescribeEvents leaves the rest whole and is named;
//! time travel gets the events of its window as they were.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{Emulator, dbfleet};
use dbfleet::app::state::Model;
use dbfleet::config::Config;
use dbfleet::source::aws::{LiveOptions, LiveSource};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

fn minute_now() -> Timestamp {
    let s = Timestamp::now().as_second();
    Timestamp::from_second(s - s.rem_euclid(60)).unwrap()
}

fn ago(now: Timestamp, secs: i64) -> String {
    (now - SignedDuration::from_secs(secs)).to_string()
}

fn ev(now: Timestamp, secs_ago: i64, id: &str, ty: &str, cats: &[&str], msg: &str) -> Value {
    json!({"source_id": id, "source_type": ty, "at": ago(now, secs_ago), "categories": cats, "message": msg})
}

/// A writer with a replica and an Aurora cluster; their events over two weeks (a failover ten
/// minutes ago, a replication break, 30 routine backups so the answer spans pages), one event
/// of a type dbfleet does not ask for and one older than RDS keeps; three alarms.
fn scenario(now: Timestamp) -> (Value, Vec<Value>) {
    let mut events = vec![
        ev(now, 600, "orders-mysql", "db-instance", &["failover"], "Multi-AZ instance failover started."),
        ev(now, 560, "orders-mysql", "db-instance", &["availability"], "DB instance restarted"),
        ev(now, 530, "orders-mysql", "db-instance", &["failover"], "Multi-AZ instance failover completed"),
        ev(
            now,
            1800,
            "orders-mysql-r1",
            "db-instance",
            &["read replica"],
            "An error has occurred in the read replication process. Replication has stopped.",
        ),
        ev(
            now,
            7200,
            "payments",
            "db-cluster",
            &["failover"],
            "Completed failover to DB instance: payments-2",
        ),
    ];
    for d in 0..30 {
        events.push(ev(
            now,
            3600 * 10 + d * 36_000,
            "orders-mysql",
            "db-instance",
            &["backup"],
            "Backing up DB instance",
        ));
    }
    let wanted = events.clone();
    let mut seeded = events;
    seeded.push(ev(now, 900, "orders-mysql-snap", "db-snapshot", &["creation"], "Manual snapshot created"));
    seeded.push(ev(now, 15 * 86_400, "orders-mysql", "db-instance", &["backup"], "Backing up DB instance"));
    let scenario = json!({
        "instances": [
            {"id": "orders-mysql", "engine": "mysql", "engine_version": "8.0.39", "class": "db.r6g.large", "multi_az": true},
            {"id": "orders-mysql-r1", "replica_source": "orders-mysql", "class": "db.r6g.large"},
            {"id": "payments-1", "cluster_id": "payments", "class": "db.r6g.large"},
            {"id": "payments-2", "cluster_id": "payments", "class": "db.r6g.large"},
        ],
        "clusters": [{"id": "payments", "engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.05.2"}],
        "events": seeded,
        "alarms": [
            {"name": "orders-mysql-cpu-high", "namespace": "AWS/RDS", "metric": "CPUUtilization",
             "dimensions": {"DBInstanceIdentifier": "orders-mysql"}, "state": "ALARM",
             "reason": "Threshold Crossed: 3 datapoints were greater than the threshold (80.0).",
             "state_updated_at": ago(now, 420)},
            {"name": "payments-writer-connections", "namespace": "AWS/RDS", "metric": "DatabaseConnections",
             "dimensions": {"DBClusterIdentifier": "payments", "Role": "WRITER"}, "state": "OK",
             "reason": "Threshold Crossed: no datapoint was greater than the threshold.",
             "state_updated_at": ago(now, 86_400)},
            {"name": "some-ec2-alarm", "namespace": "AWS/EC2", "metric": "CPUUtilization",
             "dimensions": {"InstanceId": "i-0abc"}, "state": "INSUFFICIENT_DATA", "reason": "Unchecked"},
        ],
    });
    (scenario, wanted)
}

fn key(e: &Value) -> (String, String, String, String, Vec<String>) {
    let at: Timestamp = e["at"].as_str().unwrap().parse().unwrap();
    let cats = e["categories"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    (
        at.to_string(),
        e["source_id"].as_str().unwrap().to_string(),
        e["source_type"].as_str().unwrap().to_string(),
        e["message"].as_str().unwrap().to_string(),
        cats,
    )
}

fn snapshot(emu: &Emulator, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["snapshot", "--region", "us-east-1", "--page-size", "20", "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = dbfleet(emu, &args);
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}")), err)
}

#[test]
fn events_and_alarms_reach_the_snapshot_as_seeded() {
    let emu = Emulator::start();
    let now = minute_now();
    let (scenario, wanted) = scenario(now);
    emu.seed(&scenario);
    // As AWS may: each page repeats the previous page's last event, and comes out of order.
    emu.settings(json!({"describe_events_repeat": true, "describe_events_shuffle": true, "describe_alarms_page_size": 2}));
    emu.clear_log();
    let (code, v, err) = snapshot(&emu, &[]);
    assert_eq!(code, 0, "{err}");

    let got: Vec<_> = v["events"].as_array().unwrap().iter().map(key).collect();
    let mut want: Vec<_> = wanted.iter().map(key).collect();
    want.sort();
    let mut sorted = got.clone();
    sorted.sort();
    assert_eq!(
        sorted, want,
        "every event of the instance, cluster and blue/green types once, none older than 14 days"
    );
    assert_eq!(got, sorted, "oldest first");
    let failover = v["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["message"] == "Multi-AZ instance failover completed")
        .unwrap();
    assert_eq!(
        (failover["kind"].as_str(), failover["event_id"].as_str()),
        (Some("failover"), Some("RDS-EVENT-0049"))
    );
    assert_eq!(failover["account"], "123456789012");

    // Paged with Marker: 35 db-instance events at 20 a page.
    let log = emu.log();
    let pages =
        log.iter().filter(|(_, op, region, _)| op == "DescribeEvents" && region == "us-east-1").count();
    assert!(pages >= 4, "one call per source type and the db-instance ones paged: {pages} calls");
    let alarm_pages = log.iter().filter(|(_, op, _, _)| op == "DescribeAlarms").count();
    assert!(alarm_pages >= 2, "alarms paged: {alarm_pages}");

    let alarms = v["alarms"].as_array().unwrap();
    let states: BTreeSet<(String, String, Option<String>)> = alarms
        .iter()
        .map(|a| {
            (
                a["name"].as_str().unwrap().into(),
                a["state"].as_str().unwrap().into(),
                a["resource_id"].as_str().map(String::from),
            )
        })
        .collect();
    assert_eq!(
        states,
        BTreeSet::from([
            ("orders-mysql-cpu-high".into(), "ALARM".into(), Some("orders-mysql".into())),
            ("payments-writer-connections".into(), "OK".into(), Some("payments".into())),
            ("some-ec2-alarm".into(), "INSUFFICIENT_DATA".into(), None),
        ])
    );
    let cpu = alarms.iter().find(|a| a["name"] == "orders-mysql-cpu-high").unwrap();
    assert_eq!(
        cpu["since"].as_str().unwrap().parse::<Timestamp>().unwrap(),
        now - SignedDuration::from_secs(420)
    );
    assert!(cpu["reason"].as_str().unwrap().starts_with("Threshold Crossed: 3 datapoints"));

    let findings: BTreeSet<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().into(), f["resource_id"].as_str().unwrap().into()))
        .collect();
    for want in [
        ("recent-failover", "orders-mysql"),
        ("replication-error", "orders-mysql-r1"),
        ("alarm-firing", "orders-mysql"),
    ] {
        assert!(findings.contains(&(want.0.into(), want.1.into())), "{want:?} in {findings:?}");
    }
    let caps = v["capabilities"].as_array().unwrap();
    for c in ["events", "alarms"] {
        assert!(caps.iter().any(|x| x["capability"] == c && x["state"] == "ok"), "{c}: {caps:?}");
    }
}

/// us-east-1 of the emulator through the real SDK clients.
fn live_opts(emu: &Emulator) -> LiveOptions {
    LiveOptions {
        regions: vec!["us-east-1".into()],
        endpoint_url: Some(emu.url()),
        static_credentials: Some(aws_sdk_rds::config::Credentials::new(
            "testing", "testing", None, None, "t",
        )),
        ..Default::default()
    }
}

fn connect(opts: LiveOptions) -> (tokio::runtime::Runtime, LiveSource) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let source = rt.block_on(LiveSource::connect(opts)).unwrap();
    (rt, source)
}

/// Later polls ask from a little before the last range's end: an event published late (its
/// time inside the previous range) still arrives, and none is kept twice.
#[test]
fn later_polls_ask_only_since_the_last_range() {
    let emu = Emulator::start();
    let now = minute_now();
    let (scenario, _) = scenario(now);
    emu.seed(&scenario);
    let opts = LiveOptions {
        attempt_timeout: Duration::from_secs(5),
        operation_timeout: Duration::from_secs(20),
        // Every poll is an inventory refresh (events ride with it).
        inventory_every: Duration::ZERO,
        ..live_opts(&emu)
    };
    let (rt, mut source) = connect(opts);
    let mut m = Model::new(Timestamp::now(), Config::default().thresholds, jiff::tz::TimeZone::UTC, vec![]);
    let first = rt.block_on(source.poll_once(Timestamp::now())).unwrap();
    let n = first.events.len();
    assert_eq!(n, 35, "the first poll brings the lookback");
    dbfleet::app::update::apply_snapshot(&mut m, first, Timestamp::now());
    // Published late: happened two minutes ago, before the first poll's range ended.
    // And a snapshot's event, which the one call for every type brings and dbfleet drops.
    emu.seed(&json!({"events": [
        ev(Timestamp::now(), 120, "orders-mysql-r1", "db-instance", &["read replica"],
           "Replication for the Read Replica resumed."),
        ev(Timestamp::now(), 60, "orders-mysql-snap2", "db-snapshot", &["creation"], "Manual snapshot created"),
    ]}));
    emu.clear_log();
    let second = rt.block_on(source.poll_once(Timestamp::now())).unwrap();
    let calls = emu.log().iter().filter(|(_, op, _, _)| op == "DescribeEvents").count();
    assert_eq!(calls, 1, "one call for every source type: only the minutes since the last range");
    assert!(second.events.len() < n, "not the whole lookback again: {}", second.events.len());
    assert!(second.events.iter().any(|e| e.message.starts_with("Replication for the Read Replica resumed")));
    assert!(!second.events.iter().any(|e| e.source_type == "db-snapshot"), "{:?}", second.events);
    dbfleet::app::update::apply_snapshot(&mut m, second, Timestamp::now());
    assert_eq!(m.fleet.events.len(), n + 1, "the overlap's repeats are not kept twice");
    // The resume ends the replication finding.
    assert!(!m.fleet.findings.iter().any(|f| f.rule.as_str() == "replication-error"));
}

#[test]
fn a_denied_describe_events_keeps_everything_else() {
    let emu = Emulator::start();
    let now = minute_now();
    let (scenario, _) = scenario(now);
    emu.seed(&scenario);
    emu.fault(json!({"service": "rds", "operation": "DescribeEvents", "mode": "access_denied", "count": -1}));
    let (code, v, err) = snapshot(&emu, &[]);
    assert_eq!(code, 3, "a source error: {err}");
    let ids: BTreeSet<&str> =
        v["instances"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids, BTreeSet::from(["orders-mysql", "orders-mysql-r1", "payments-1", "payments-2"]));
    assert!(v["events"].as_array().unwrap().is_empty());
    assert_eq!(v["alarms"].as_array().unwrap().len(), 3, "alarms answered");
    let caps = v["capabilities"].as_array().unwrap();
    assert!(caps.iter().any(|c| c["capability"] == "events" && c["state"] == "denied"), "{caps:?}");
    assert!(caps.iter().any(|c| c["capability"] == "instances" && c["state"] == "ok"));
    let (code, out, _) = dbfleet(&emu, &["check", "--region", "us-east-1"]);
    // The firing alarm is critical (2); the gap alone would make it 3.
    assert_eq!(code, 2, "{out}");
    for rule in ["recent-failover", "replication-error"] {
        assert!(out.contains(&format!("NOT EVALUATED {rule}")), "{rule}:\n{out}");
    }
    assert!(out.contains("alarm-firing  orders-mysql"), "alarms still judged:\n{out}");
    // The policy to paste names the action.
    let (_, doctor, _) = dbfleet(&emu, &["doctor", "--region", "us-east-1"]);
    assert!(doctor.contains("rds:DescribeEvents"), "{doctor}");
}

/// Time travel asks for the events of its window: those before `--at` are there as they
/// were, those after it have not happened yet, those before the window are not fetched.
#[test]
fn time_travel_fetches_the_events_around_at() {
    let emu = Emulator::start();
    let now = minute_now();
    let at = now - SignedDuration::from_hours(5);
    let old = |s: i64| {
        ev(at, s, "orders-mysql", "db-instance", &["failover"], "Multi-AZ instance failover completed")
    };
    emu.seed(&json!({
        "instances": [{"id": "orders-mysql", "engine": "mysql", "engine_version": "8.0.39", "multi_az": true}],
        "events": [old(600), old(-600), old(3 * 3600)],
    }));
    emu.clear_log();
    let (code, v, err) = snapshot(&emu, &["--at", &at.to_string(), "--window", "1h"]);
    assert_eq!(code, 0, "{err}");
    let times: Vec<Timestamp> =
        v["events"].as_array().unwrap().iter().map(|e| e["at"].as_str().unwrap().parse().unwrap()).collect();
    assert_eq!(
        times,
        [at - SignedDuration::from_secs(600)],
        "only the one inside the window and before --at"
    );
    let f = v["findings"].as_array().unwrap();
    assert!(f.iter().any(|f| f["rule"] == "recent-failover"), "recent as of --at: {f:?}");
}

/// An emulator with one MySQL instance in us-east-1.
fn one_instance() -> Emulator {
    let emu = Emulator::start();
    emu.seed(&json!({
        "instances": [{"id": "orders-mysql", "engine": "mysql", "engine_version": "8.0.39", "class": "db.r6g.large"}],
    }));
    emu
}

/// Calls of `op` in the emulator's log.
fn op_calls(emu: &Emulator, op: &str) -> usize {
    emu.log().iter().filter(|(_, o, _, _)| o == op).count()
}

/// A live source in us-east-1 on the default cadence: every instance and cluster every 30
/// minutes, the smaller lists every 5.
fn default_cadence(emu: &Emulator) -> (tokio::runtime::Runtime, LiveSource) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let opts = LiveOptions {
        full_describe_every: Duration::from_secs(1800),
        inventory_every: Duration::from_secs(300),
        ..common::live_options(emu, "us-east-1")
    };
    let source = rt.block_on(LiveSource::connect(opts)).unwrap();
    (rt, source)
}

/// Between full lists, each new event names what to describe again: a stop and a deletion made
/// through the API (the emulator publishes their events as RDS does) show in the next poll
/// through filtered DescribeDBInstances calls, not a full list; a cluster's failover event
/// describes the cluster and its members; a poll with no new event describes nothing; the
/// full list still comes every `full_describe_every`.
#[test]
fn an_event_describes_its_source_again_between_full_lists() {
    let emu = Emulator::start();
    emu.seed(&json!({
        "instances": [
            {"id": "orders-mysql", "engine": "mysql", "engine_version": "8.0.39", "class": "db.r6g.large"},
            {"id": "billing-pg", "engine": "postgres", "engine_version": "16.4", "class": "db.r6g.large"},
            {"id": "scratch", "engine": "mysql", "engine_version": "8.0.39", "class": "db.t3.medium"},
            {"id": "payments-1", "cluster_id": "payments", "class": "db.r6g.large"},
            {"id": "payments-2", "cluster_id": "payments", "class": "db.r6g.large"},
        ],
        "clusters": [{"id": "payments", "engine": "aurora-mysql", "engine_version": "8.0.mysql_aurora.3.05.2"}],
    }));
    let (rt, mut source) = default_cadence(&emu);
    let t0 = Timestamp::now();
    let at = |mins: i64| t0 + SignedDuration::from_mins(mins);
    let describes = |emu: &Emulator| {
        emu.log()
            .iter()
            .filter(|(_, op, _, _)| op == "DescribeDBInstances" || op == "DescribeDBClusters")
            .count()
    };
    let first = rt.block_on(source.poll_once(at(0))).unwrap();
    assert_eq!(first.inventory.instances.len(), 5);
    let billing = first.inventory.instances.iter().find(|d| d.id == "billing-pg").unwrap().clone();

    // Nothing happened: no instance or cluster is described again.
    emu.clear_log();
    let quiet = rt.block_on(source.poll_once(at(1))).unwrap();
    assert_eq!(describes(&emu), 0, "no event, no describe: {:?}", emu.log());
    assert_eq!(quiet.inventory.instances.len(), 5);

    // A stop and a deletion, as another client makes them.
    emu.rds_call("StopDBInstance", &[("DBInstanceIdentifier", "orders-mysql")]);
    emu.rds_call("DeleteDBInstance", &[("DBInstanceIdentifier", "scratch"), ("SkipFinalSnapshot", "true")]);
    emu.clear_log();
    let after = rt.block_on(source.poll_once(at(2))).unwrap();
    let log = emu.log();
    let instance_calls = log.iter().filter(|(_, op, _, _)| op == "DescribeDBInstances").count();
    assert_eq!(instance_calls, 1, "one filtered call for the two instances named: {log:?}");
    assert!(!log.iter().any(|(_, op, _, _)| op == "DescribeDBClusters"), "no cluster was named");
    let status = |snap: &dbfleet::domain::snapshot::FleetSnapshot, id: &str| {
        snap.inventory.instances.iter().find(|d| d.id == id).map(|d| d.status.clone())
    };
    assert_eq!(status(&after, "orders-mysql").as_deref(), Some("stopped"));
    assert_eq!(status(&after, "scratch"), None, "deleted: gone from the inventory");
    assert_eq!(after.inventory.instances.len(), 4);
    // Two instances described again are not a list: the age kept is the full list's.
    let listed = after
        .capabilities
        .iter()
        .find(|c| c.capability == dbfleet::domain::capability::Capability::Instances);
    assert_eq!(listed.and_then(|c| c.data_at), Some(at(0)), "{listed:?}");
    let kept = after.inventory.instances.iter().find(|d| d.id == "billing-pg").unwrap();
    assert!(std::sync::Arc::ptr_eq(kept, &billing), "not named: the same instance, untouched");
    assert!(after.events.iter().any(|e| e.message == "DB instance stopped" && e.source_id == "orders-mysql"));

    // The same events come back in the overlapping range: not acted on twice.
    emu.clear_log();
    rt.block_on(source.poll_once(at(3))).unwrap();
    assert_eq!(describes(&emu), 0, "events already acted on: {:?}", emu.log());

    // A cluster failover: the cluster and its members, the writer moved.
    let writer = |snap: &dbfleet::domain::snapshot::FleetSnapshot| {
        snap.inventory
            .instances
            .iter()
            .find(|d| {
                d.cluster_id.as_deref() == Some("payments") && d.role == dbfleet::domain::model::Role::Writer
            })
            .map(|d| d.id.clone())
    };
    let writer_before = writer(&after);
    assert!(writer_before.is_some());
    emu.rds_call("FailoverDBCluster", &[("DBClusterIdentifier", "payments")]);
    emu.clear_log();
    let failed_over = rt.block_on(source.poll_once(at(4))).unwrap();
    let log = emu.log();
    let ops: Vec<&str> =
        log.iter().map(|(_, op, _, _)| op.as_str()).filter(|op| op.starts_with("DescribeDB")).collect();
    assert_eq!(
        (
            ops.iter().filter(|o| **o == "DescribeDBClusters").count(),
            ops.iter().filter(|o| **o == "DescribeDBInstances").count()
        ),
        (1, 1),
        "the cluster, and its members by db-cluster-id: {ops:?}"
    );
    assert_eq!(failed_over.inventory.instances.len(), 4);
    assert!(writer(&failed_over).is_some() && writer(&failed_over) != writer_before, "the new writer");

    // Half an hour after the first: everything is listed again.
    emu.clear_log();
    rt.block_on(source.poll_once(at(30))).unwrap();
    assert!(describes(&emu) >= 2, "the full list: {:?}", emu.log());
}

/// A DescribeEvents that hangs on a steady poll costs that poll at most the page budget: the
/// poll ends with one Timeout naming DescribeEvents (not after the SDK's three 25-second
/// attempts), the region not stale, and the next poll asks the missed minutes again.
#[test]
fn a_hanging_describe_events_is_cut_at_the_page_budget() {
    let emu = Emulator::start();
    let now = minute_now();
    let (scenario, _) = scenario(now);
    emu.seed(&scenario);
    // The SDK's own timeouts are the defaults (25 s an attempt, 60 s in all).
    let (rt, mut source) = connect(live_opts(&emu));
    let first = rt.block_on(source.poll_once(Timestamp::now())).unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    emu.fault(json!({"service": "rds", "operation": "DescribeEvents", "mode": "latency",
                     "latency_ms": 40_000, "count": -1}));
    let started = std::time::Instant::now();
    let second = rt.block_on(source.poll_once(Timestamp::now())).unwrap();
    let took = started.elapsed();
    // 5 s of budget; an upper bound far from it, so a busy machine cannot fail it, and far
    // below the 40 s the emulator holds the request.
    assert!(took < Duration::from_secs(30), "the poll waited for the events: {took:?}");
    let ops: Vec<(Option<&str>, _)> =
        second.errors.iter().map(|e| (e.operation.as_deref(), e.kind)).collect();
    assert_eq!(
        ops,
        [(Some("DescribeEvents"), dbfleet::domain::snapshot::ErrorKind::Timeout)],
        "{:?}",
        second.errors
    );
    assert!(!second.errors[0].stales_region(), "the region's data is current: only the events are late");
    // Published while DescribeEvents hung: the next poll's range still covers it.
    emu.clear_faults();
    emu.seed(&json!({"events": [
        ev(Timestamp::now(), 30, "payments-1", "db-instance", &["availability"], "DB instance restarted"),
    ]}));
    let third = rt.block_on(source.poll_once(Timestamp::now())).unwrap();
    assert!(third.errors.is_empty(), "{:?}", third.errors);
    assert!(
        third.events.iter().any(|e| e.source_id == "payments-1" && e.message == "DB instance restarted"),
        "{:?}",
        third.events
    );
}

/// What changes over days rides the full list's cycle, not the 5-minute one: pending
/// maintenance, blue/green deployments and global databases are listed with the instances
/// (and when first needed), while the alarms and MSK clusters keep their 5 minutes; a
/// maintenance event asks the pending actions again in the poll that sees it, once.
#[test]
fn slow_lists_ride_the_full_cycle_and_a_maintenance_event_lists_pending_actions_again() {
    let emu = one_instance();
    let (rt, mut source) = default_cadence(&emu);
    let t0 = Timestamp::now();
    let at = |mins: i64| t0 + SignedDuration::from_mins(mins);
    let slow =
        ["DescribePendingMaintenanceActions", "DescribeBlueGreenDeployments", "DescribeGlobalClusters"];

    emu.clear_log();
    let first = rt.block_on(source.poll_once(at(0))).unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    assert!(first.inventory.pending_actions.is_empty());
    for op in slow {
        assert_eq!(op_calls(&emu, op), 1, "{op} with the first full list: {:?}", emu.log());
    }

    // Five minutes on: the alarms and MSK clusters, not the slow lists.
    emu.clear_log();
    let details = rt.block_on(source.poll_once(at(5))).unwrap();
    assert!(details.errors.is_empty(), "{:?}", details.errors);
    assert_eq!(
        (op_calls(&emu, "DescribeAlarms"), op_calls(&emu, "ListClustersV2")),
        (1, 1),
        "{:?}",
        emu.log()
    );
    for op in slow {
        assert_eq!(op_calls(&emu, op), 0, "{op} waits for the full list: {:?}", emu.log());
    }

    // AWS schedules an action and the instance's maintenance event is published.
    emu.seed(&json!({
        "pending_actions": [{"resource_id": "orders-mysql", "region": "us-east-1", "action": "system-update"}],
        "events": [{"source_id": "orders-mysql", "at": Timestamp::now().to_string(), "categories": ["maintenance"],
                    "message": "Finished applying off-line patches to DB instance."}],
    }));
    emu.clear_log();
    let announced = rt.block_on(source.poll_once(at(6))).unwrap();
    assert!(announced.errors.is_empty(), "{:?}", announced.errors);
    assert_eq!(op_calls(&emu, "DescribePendingMaintenanceActions"), 1, "{:?}", emu.log());
    let actions: Vec<&str> = announced.inventory.pending_actions.iter().map(|a| a.action.as_str()).collect();
    assert_eq!(actions, ["system-update"], "on screen in the poll that saw the event");

    // The same event in the overlapping range asks nothing again.
    emu.clear_log();
    rt.block_on(source.poll_once(at(7))).unwrap();
    assert_eq!(op_calls(&emu, "DescribePendingMaintenanceActions"), 0, "{:?}", emu.log());
}

/// A storm of events (more sources named than a targeted describe takes) lists every instance
/// and cluster instead, and still asks again the slower lists an event announced: the blue/green
/// deployments and, after a maintenance event, the pending actions, which would otherwise wait
/// for the next full list.
#[test]
fn a_storm_of_events_still_asks_the_lists_its_events_announce() {
    let emu = one_instance();
    let (rt, mut source) = default_cadence(&emu);
    let t0 = Timestamp::now();
    let at = |mins: i64| t0 + SignedDuration::from_mins(mins);
    rt.block_on(source.poll_once(at(0))).unwrap();

    let now = Timestamp::now().to_string();
    let mut events: Vec<Value> = (0..=dbfleet::source::aws::event_refresh::MOST_NAMED)
        .map(|i| {
            json!({"source_id": format!("worker-{i}"), "at": now, "categories": ["notification"],
                        "message": "DB instance restarted"})
        })
        .collect();
    events.push(json!({"source_id": "orders-mysql", "at": now, "categories": ["maintenance"],
                       "message": "Finished applying off-line patches to DB instance."}));
    events.push(json!({"source_id": "bgd-1", "source_type": "blue-green-deployment", "at": now,
                       "message": "Switchover started."}));
    emu.seed(&json!({"events": events}));
    emu.clear_log();
    let storm = rt.block_on(source.poll_once(at(1))).unwrap();
    assert!(storm.errors.is_empty(), "{:?}", storm.errors);
    let log = emu.log();
    assert_eq!(op_calls(&emu, "DescribeDBInstances"), 1, "one list of every instance: {log:?}");
    assert_eq!(op_calls(&emu, "DescribeBlueGreenDeployments"), 1, "{log:?}");
    assert_eq!(op_calls(&emu, "DescribePendingMaintenanceActions"), 1, "{log:?}");
    assert_eq!(op_calls(&emu, "DescribeGlobalClusters"), 0, "no global database member named: {log:?}");
}
