//! The live path end to end: the real SDK clients over real HTTP against the local emulator
//! (moto behind tests/emulator's front), seeded with the demo fleet three times over (138
//! instances: pagination; more than 500 metric queries: batching). `dbfleet snapshot` must
//! report exactly what was seeded, calling only Describe/List/Get operations. Seeded with the
//! demo fleet once, the live source must reach the demo's maintenance-risk findings word for
//! word, from load profiles and support dates it fetched itself, at the cost planned.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Emulator, dbfleet, demo_scenario};
use dbfleet::app::state::Model;
use dbfleet::config::Config;
use dbfleet::domain::findings::Finding;
use dbfleet::domain::metrics::MetricKind;
use dbfleet::domain::model::{Inventory, Role};
use dbfleet::domain::peak::{LoadMetric, LoadProfile};
use dbfleet::domain::rule_id::RuleId;
use dbfleet::headless::demo_model;
use dbfleet::source::aws::{LiveOptions, LiveSource, plan, profiles};
use jiff::Timestamp;
use serde_json::{Value, json};

const REGIONS: &str = "us-east-1,eu-west-1,ap-southeast-2,us-west-2";

fn minute_now() -> Timestamp {
    let s = Timestamp::now().as_second();
    Timestamp::from_second(s - s.rem_euclid(60) - 60).unwrap()
}

#[test]
fn snapshot_matches_the_seeded_fleet() {
    let emu = Emulator::start();
    let now = minute_now();
    let (scenario, inv, updates) = demo_scenario(3, now, 5);
    assert!(inv.instances.len() >= 130, "{} instances", inv.instances.len());
    let t = std::time::Instant::now();
    emu.seed(&scenario);
    eprintln!("seeded {} instances in {:?}", inv.instances.len(), t.elapsed());
    // Make the client follow NextToken and de-duplicate ListMetrics, as on real CloudWatch.
    emu.settings(json!({"get_metric_data_page_size": 150, "duplicate_list_metrics": true}));
    emu.clear_log();

    let (code, out, err) =
        dbfleet(&emu, &["snapshot", "--region", REGIONS, "--format", "json", "--page-size", "20"]);
    let snap: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: stderr {err}\n{out}"));
    assert_eq!(snap["errors"], json!([]), "errors; stderr: {err}");
    assert_eq!(code, 0, "exit code; stderr: {err}");

    // Every instance, with its flags, window, topology and latest readings.
    // Blue/green targets get emulator-made ids: checked by count, the rest by id.
    let is_green = |id: &str| id.contains("-green-");
    let greens =
        snap["instances"].as_array().unwrap().iter().filter(|i| is_green(i["id"].as_str().unwrap())).count();
    assert_eq!(greens, inv.blue_green.len(), "one green instance per blue/green deployment");
    let got: BTreeMap<String, &Value> = snap["instances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| !is_green(i["id"].as_str().unwrap()))
        .map(|i| (i["id"].as_str().unwrap().to_string(), i))
        .collect();
    let inv_instances: Vec<_> = inv.instances.iter().filter(|d| !is_green(&d.id)).collect();
    let want: BTreeSet<&str> = inv_instances.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(got.keys().map(String::as_str).collect::<BTreeSet<_>>(), want, "the same instances");
    let latest = |arn: &str, kind: MetricKind| -> Option<f64> {
        updates
            .iter()
            .find(|u| u.key.resource == arn && u.key.kind == kind && u.key.group.is_none())
            .and_then(|u| u.points.last())
            .map(|p| p.value)
    };
    let mut checked_lag = 0;
    for d in inv_instances.iter().copied() {
        let g = got[d.id.as_str()];
        let ctx = format!("{}: {g}", d.id);
        assert_eq!(g["region"], json!(d.region), "{ctx}");
        assert_eq!(g["engine"], json!(d.engine), "{ctx}");
        assert_eq!(g["engine_version"], json!(d.engine_version), "{ctx}");
        assert_eq!(g["class"], json!(d.class), "{ctx}");
        assert_eq!(g["multi_az"], json!(d.multi_az), "{ctx}");
        assert_eq!(g["auto_minor_version_upgrade"], json!(d.auto_minor_version_upgrade), "{ctx}");
        assert_eq!(g["maintenance_window"], json!(d.maintenance_window), "{ctx}");
        assert_eq!(g["cluster_id"], json!(d.cluster_id), "{ctx}");
        assert_eq!(g["role"], json!(d.role.label()), "{ctx}");
        let src = g["replica_source"].as_str().map(|s| s.rsplit(':').next().unwrap_or(s).to_string());
        assert_eq!(
            src,
            d.replica_source.as_ref().map(|s| s.rsplit(':').next().unwrap_or(s).to_string()),
            "{ctx}"
        );
        assert_eq!(g["connections"].as_f64(), latest(&d.arn, MetricKind::Connections), "{ctx}");
        assert_eq!(g["cpu_percent"].as_f64(), latest(&d.arn, MetricKind::CpuPercent), "{ctx}");
        if matches!(d.role, Role::Replica | Role::Reader) {
            match latest(&d.arn, MetricKind::ReplicaLag) {
                Some(v) if v < 0.0 => {
                    assert_eq!(g["replication_state"], "stopped", "{ctx}");
                    assert!(g["replica_lag_seconds"].is_null(), "{ctx}");
                }
                Some(v) => {
                    let lag = g["replica_lag_seconds"].as_f64().unwrap_or(f64::NAN);
                    assert!((lag - v).abs() < 1e-9, "lag in seconds {lag} vs seeded {v}: {ctx}");
                    checked_lag += 1;
                }
                None => assert_eq!(g["replication_state"], "no_data", "{ctx}"),
            }
        }
    }
    assert!(checked_lag > 30, "replica lags compared: {checked_lag}");

    // Pending actions, blue/green, global database, MSK consumer lag.
    let pend: BTreeSet<(String, String)> = snap["pending_actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["resource_id"].as_str().unwrap().to_string(), p["action"].as_str().unwrap().to_string()))
        .collect();
    let want_pend: BTreeSet<(String, String)> =
        inv.pending_actions.iter().map(|p| (p.resource_id.clone(), p.action.clone())).collect();
    assert_eq!(pend, want_pend);
    for p in &inv.pending_actions {
        let g = snap["pending_actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["resource_id"] == json!(p.resource_id) && x["action"] == json!(p.action))
            .unwrap();
        assert_eq!(g["forced_apply"], json!(p.forced_apply), "{g}");
        assert_eq!(g["auto_applied_after"], json!(p.auto_applied_after), "{g}");
    }
    assert_eq!(snap["blue_green_deployments"].as_array().unwrap().len(), inv.blue_green.len());
    assert_eq!(snap["global_clusters"].as_array().unwrap().len(), inv.global_clusters.len());
    let kafka = snap["kafka"].as_array().unwrap();
    let with_metrics: Vec<_> = inv
        .consumer_groups
        .iter()
        .filter(|c| {
            !inv.kafka_clusters
                .iter()
                .any(|k| k.arn == c.cluster_arn && k.kafka_version.as_deref() == Some("2.1.0"))
        })
        // A group whose metrics vanished for the whole seeded window (the demo's vanishing
        // inventory-sync, at some minutes) has nothing for ListMetrics to list.
        .filter(|c| {
            updates.iter().any(|u| {
                u.key.resource == c.cluster_arn
                    && u.key.group.as_deref() == Some(&c.group)
                    && u.key.topic.as_deref() == Some(&c.topic)
                    && !u.points.is_empty()
            })
        })
        .collect();
    assert_eq!(kafka.len(), with_metrics.len(), "every group x topic discovered once");
    for c in &with_metrics {
        let row = kafka
            .iter()
            .find(|r| {
                r["cluster"] == json!(c.cluster_name)
                    && r["consumer_group"] == json!(c.group)
                    && r["topic"] == json!(c.topic)
            })
            .unwrap();
        let seeded = |kind: MetricKind| {
            updates
                .iter()
                .find(|u| {
                    u.key.group.as_deref() == Some(&c.group)
                        && u.key.topic.as_deref() == Some(&c.topic)
                        && u.key.kind == kind
                        && u.key.resource == c.cluster_arn
                })
                .and_then(|u| u.points.last())
                .map(|p| p.value)
        };
        assert_eq!(row["max_offset_lag"].as_f64(), seeded(MetricKind::MaxOffsetLag), "{row}");
        assert_eq!(row["sum_offset_lag"].as_f64(), seeded(MetricKind::SumOffsetLag), "{row}");
        assert_eq!(
            row["estimated_max_time_lag_seconds"].as_f64(),
            seeded(MetricKind::EstimatedMaxTimeLag),
            "{row}"
        );
    }

    // Calls: batching and pagination, and nothing but reads on the wire.
    let api = &snap["api"];
    let gmd = api["calls"]["GetMetricData"].as_u64().unwrap();
    let requested = api["metrics_requested"].as_u64().unwrap();
    assert!(requested > 500, "more than 500 metric queries: {requested}");
    eprintln!("api: {api}");
    let log = emu.log();
    let ops: BTreeSet<&str> = log.iter().map(|(_, op, _, _)| op.as_str()).collect();
    assert!(
        ops.iter().all(|op| op.starts_with("Describe") || op.starts_with("List") || op.starts_with("Get")),
        "{ops:?}"
    );
    let wire_gmd = log.iter().filter(|(_, op, _, _)| op == "GetMetricData").count() as u64;
    assert_eq!(wire_gmd, gmd, "the calls counted are the calls made");
    let describe_pages = log.iter().filter(|(_, op, _, _)| op == "DescribeDBInstances").count();
    assert!(describe_pages >= 4, "one or more pages per region: {describe_pages}");
}

#[test]
fn live_tui_shows_the_seeded_fleet_and_quits_cleanly() {
    let emu = Emulator::start();
    let (scenario, _, _) = demo_scenario(1, minute_now(), 5);
    emu.seed(&scenario);
    let bin = env!("CARGO_BIN_EXE_dbfleet");
    let program = format!(
        "env AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true \
         AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent \
         {bin} --region us-east-1,eu-west-1 --endpoint-url {} --refresh 5 --tz UTC",
        emu.url()
    );
    let t = common::tmux::Tmux::start_with("live", &program);
    let s = t.wait_for("the live fleet", |s| {
        s.contains("● LIVE")
            && s.contains("inventory-mysql-r1")
            && s.contains("billing-pg")
            && s.contains(" calls $")
    });
    assert!(s.contains("aws default chain"), "source label in the status bar:\n{s}");
    assert!(s.contains(" calls $"), "calls and cost in the status bar:\n{s}");
    assert!(s.contains("(all $"), "the cost of fetching everything every minute beside it:\n{s}");
    // Faults while watching: the screen keeps the fleet and says which region is stale.
    emu.fault(json!({"region": "us-east-1", "mode": "error500", "count": -1}));
    t.keys(&["r"]);
    let s = t.wait_for("a stale region", |s| s.contains("us-east-1 stale"));
    assert!(s.contains("inventory-mysql-r1"), "last good data kept:\n{s}");
    t.keys(&["E"]);
    let s = t.wait_for("the error list", |s| s.contains("Errors (E or Esc closes)"));
    assert!(s.contains("us-east-1") && s.contains("ServiceUnavailable"), "{s}");
    t.keys(&["Escape"]);
    emu.clear_faults();
    t.keys(&["r"]);
    t.wait_for("recovery", |s| !s.contains("us-east-1 stale") && s.contains("0 errors"));
    t.keys(&["q"]);
    t.assert_restored("0");
}

/// The maintenance-risk rules: what the parity test compares.
const RISK_RULES: &[RuleId] = &[
    RuleId::AutoUpgradeInPeak,
    RuleId::AutoUpgradeSingleAzWriter,
    RuleId::SharedWindow,
    RuleId::ForcedApplySoon,
    RuleId::AutoApplyNextWindow,
    RuleId::ReplicaBeforeSource,
    RuleId::ReplicaLimit,
    RuleId::BlueGreen,
    RuleId::EngineEndOfSupport,
];

/// Half past the current hour: the few minutes of per-minute history seeded before it lie in
/// this hour, so they never mix into the whole hours a load profile is built from.
fn half_past_the_hour() -> Timestamp {
    let s = Timestamp::now().as_second();
    Timestamp::from_second(s - s.rem_euclid(3600) + 1800).unwrap()
}

fn live_source(emu: &Emulator, rt: &tokio::runtime::Runtime) -> LiveSource {
    live_source_in(emu, rt, REGIONS)
}

fn live_source_in(emu: &Emulator, rt: &tokio::runtime::Runtime, regions: &str) -> LiveSource {
    let opts = LiveOptions {
        regions: regions.split(',').map(String::from).collect(),
        endpoint_url: Some(emu.url()),
        static_credentials: Some(aws_sdk_rds::config::Credentials::new(
            "testing", "testing", None, None, "test",
        )),
        ..Default::default()
    };
    rt.block_on(LiveSource::connect(opts)).unwrap()
}

fn risk_findings(m: &Model) -> Vec<Finding> {
    let mut v: Vec<Finding> =
        m.fleet.findings.iter().filter(|f| RISK_RULES.contains(&f.rule)).map(|f| (**f).clone()).collect();
    v.sort_by(|a, b| (&a.rule, &a.resource_id, &a.message).cmp(&(&b.rule, &b.resource_id, &b.message)));
    v
}

/// What one poll should cost in GetMetricData for an inventory: the per-minute plan (500
/// queries a call) plus, for the writers whose profiles are fetched (`fetched`, by id), one
/// hourly query each (300 a call, per region) and one CPU query each for those of them
/// without connections (`no_connections`). Returns (calls, metrics requested).
fn expected_metric_cost(inv: &Inventory, fetched: &[&str], no_connections: &[&str]) -> (u64, u64) {
    let (mut calls, mut metrics) = (0, 0);
    for region in REGIONS.split(',') {
        let minute = plan::plan(inv, region).len();
        let in_region = |ids: &[&str]| {
            inv.instances.iter().filter(|d| d.region == region && ids.contains(&d.id.as_str())).count()
        };
        let (hourly, cpu) = (in_region(fetched), in_region(no_connections));
        calls += plan::calls_needed(minute)
            + hourly.div_ceil(profiles::PROFILE_BATCH)
            + cpu.div_ceil(profiles::PROFILE_BATCH);
        metrics += minute + hourly + cpu;
    }
    (calls as u64, metrics as u64)
}

/// The live path and the demo judge the same fleet the same way: the demo fleet seeded into
/// the emulator (with its two weeks of hourly connections, support dates, queued changes and
/// blue/green details), polled once by the live source, gives exactly the demo's
/// maintenance-risk findings, from profiles and support dates fetched over the wire.
#[test]
fn live_and_demo_agree_on_maintenance_risk() {
    let emu = Emulator::start();
    let now = half_past_the_hour();
    let (scenario, demo_inv, _) = demo_scenario(1, now, 5);
    emu.seed(&scenario);
    emu.clear_log();

    let cfg = Config::default();
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let demo = demo_model(42, 1, now, &cfg, tz.clone(), Vec::new());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut source = live_source(&emu, &rt);
    let live = rt.block_on(live_model(&mut source, now, &cfg, tz.clone()));
    assert!(live.status.errors.is_empty(), "live poll clean: {:?}", live.status.errors);
    let inv = &live.fleet.inventory;

    // The green instance of the blue/green deployment: the emulator creates it with the
    // deployment and names it itself (`<source>-green-<random>`), where the demo names it
    // `inventory-mysql-green-7kq2`. Ids are the only thing normalised: every other word of
    // every finding must match.
    let green = |inv: &Inventory| -> String {
        let arn = inv.blue_green[0].target_arn.clone().unwrap();
        arn.rsplit(':').next().unwrap().to_string()
    };
    let (live_green, demo_green) = (green(inv), green(&demo_inv));
    assert!(live_green.starts_with("inventory-mysql-green-"), "{live_green}");
    let normalise = |mut f: Finding| {
        let fix = |s: &mut String| *s = s.replace(&live_green, &demo_green);
        fix(&mut f.resource_id);
        fix(&mut f.message);
        f.evidence.iter_mut().for_each(fix);
        f
    };
    let want = risk_findings(&demo);
    let got: Vec<Finding> = risk_findings(&live).into_iter().map(normalise).collect();
    let only = |a: &[Finding], b: &[Finding]| -> Vec<String> {
        a.iter().filter(|f| !b.contains(f)).map(|f| format!("{f:#?}")).collect()
    };
    assert!(
        got == want,
        "live and demo disagree\n--- demo only:\n{}\n--- live only:\n{}",
        only(&want, &got).join("\n"),
        only(&got, &want).join("\n")
    );
    for rule in RISK_RULES {
        assert!(want.iter().any(|f| f.rule == *rule), "the demo fleet exercises {rule}");
    }

    // Peak hours were learned from the hourly history over the wire, to the last bit: the
    // same profile per writer as the demo's.
    let by_id = |inv: &Inventory| -> BTreeMap<String, LoadProfile> {
        inv.instances
            .iter()
            .filter_map(|d| Some((d.id.clone(), (**inv.load_profiles.get(&d.arn)?).clone())))
            .collect()
    };
    let profiles = by_id(inv);
    assert!(!profiles.is_empty());
    assert_eq!(profiles, by_id(&demo_inv), "the live load profiles are the demo's");
    let billing =
        got.iter().find(|f| f.rule == RuleId::AutoUpgradeInPeak && f.resource_id == "billing-pg").unwrap();
    assert!(
        billing.evidence.iter().any(|e| e.contains("learned from 14.0 days of hourly DatabaseConnections")),
        "{billing:#?}"
    );
    // Support dates: the demo's, for the engine versions in use.
    let in_use: BTreeSet<(String, String)> = inv
        .instances
        .iter()
        .map(|d| (d.engine.to_string(), dbfleet::domain::version::major(d.family(), &d.engine_version)))
        .collect();
    let mut want_lc: Vec<_> = demo_inv
        .engine_lifecycles
        .iter()
        .filter(|l| in_use.contains(&(l.engine.clone(), l.major_version.clone())))
        .cloned()
        .collect();
    want_lc.sort_by(|a, b| (&a.engine, &a.major_version).cmp(&(&b.engine, &b.major_version)));
    assert_eq!(inv.engine_lifecycles, want_lc);

    // What it cost, counted and on the wire: the per-minute plan plus one hourly query per
    // writer, and CPU for writers without connections: the emulator's green instance (on AWS
    // a fresh green instance has little history either), Neptune (it publishes no connection
    // count) and the instance being deleted (nothing at all).
    let writers: Vec<&str> =
        inv.instances.iter().filter(|d| d.role.takes_writes()).map(|d| d.id.as_str()).collect();
    let no_connections: Vec<&str> = writers
        .iter()
        .copied()
        .filter(|id| profiles.get(*id).is_none_or(|p| p.metric != LoadMetric::Connections))
        .collect();
    let mut quiet = no_connections.clone();
    quiet.sort_unstable();
    let mut want_quiet = vec![live_green.as_str(), "graph-neptune-1", "old-reports-mysql"];
    want_quiet.sort_unstable();
    assert_eq!(quiet, want_quiet);
    let api = live.status.api.clone().unwrap();
    let (calls, metrics) = expected_metric_cost(inv, &writers, &no_connections);
    let log = emu.log();
    let wire = |op: &str| log.iter().filter(|(_, o, _, _)| o == op).count() as u64;
    assert_eq!(api.calls["GetMetricData"], calls, "{api:?}");
    assert_eq!(wire("GetMetricData"), calls, "the calls counted are the calls made");
    assert_eq!(api.metrics_requested, metrics, "{api:?}");
    let (minute_calls, minute_metrics) = expected_metric_cost(inv, &[], &[]);
    assert!(calls > minute_calls && metrics > minute_metrics, "hourly queries were sent");
    eprintln!(
        "first poll: {} writers, profiles cost {} GetMetricData calls and {} metrics (per-minute plan: {minute_calls} \
         calls, {minute_metrics} metrics); {} DescribeDBMajorEngineVersions; api {api:?}",
        writers.len(),
        calls - minute_calls,
        metrics - minute_metrics,
        wire("DescribeDBMajorEngineVersions"),
    );
    // Once per engine per region.
    let engines: BTreeSet<(&str, &str)> =
        inv.instances.iter().map(|d| (d.region.as_str(), d.engine.as_str())).collect();
    assert_eq!(wire("DescribeDBMajorEngineVersions"), engines.len() as u64);

    // Six minutes on the 5-minute lists are due again (the full list of instances waits for
    // its 30 minutes), but profiles and support dates are not: only the per-minute plan is
    // fetched, and nothing is asked twice.
    emu.clear_log();
    let later = now.checked_add(jiff::SignedDuration::from_mins(6)).unwrap();
    let snap = rt.block_on(source.poll_once(later)).unwrap();
    assert!(snap.errors.is_empty(), "{:?}", snap.errors);
    let api = snap.api.unwrap();
    assert!(
        api.calls.contains_key("DescribeAlarms") && api.calls.contains_key("ListClustersV2"),
        "the 5-minute lists were due: {api:?}"
    );
    // What changes over days rides the full list's 30 minutes.
    for op in ["DescribePendingMaintenanceActions", "DescribeBlueGreenDeployments", "DescribeGlobalClusters"]
    {
        assert!(!api.calls.contains_key(op), "{op} waits for the full list: {api:?}");
    }
    assert!(!api.calls.contains_key("DescribeDBInstances"), "no event named an instance: {api:?}");
    assert_eq!(
        (api.calls["GetMetricData"], api.metrics_requested),
        expected_metric_cost(&snap.inventory, &[], &[])
    );
    assert!(!api.calls.contains_key("DescribeDBMajorEngineVersions"), "{api:?}");
    assert_eq!(by_id(&snap.inventory), profiles, "cached profiles kept");
}

/// A writer that publishes no DatabaseConnections (only CPUUtilization) learns its peak hours
/// from CPU: a second, CPU-only batch for it alone, and only for it.
#[test]
fn load_profile_falls_back_to_cpu() {
    let emu = Emulator::start();
    let now = half_past_the_hour();
    let (start, end) = dbfleet::source::aws::profiles::range(now);
    let cpu: Vec<Value> = (start.as_second()..end.as_second())
        .step_by(3600)
        .map(|t| json!([t, if (t / 3600) % 24 == 15 { 80.0 } else { 20.0 }]))
        .collect();
    let conns: Vec<Value> =
        (start.as_second()..end.as_second()).step_by(3600).map(|t| json!([t, 50.0])).collect();
    emu.seed(&json!({
        "instances": [
            {"id": "busy-pg", "region": "us-east-1", "engine": "postgres", "engine_version": "16.4"},
            {"id": "cpu-only-pg", "region": "us-east-1", "engine": "postgres", "engine_version": "16.4"},
            {"id": "quiet-pg", "region": "us-east-1", "engine": "postgres", "engine_version": "16.4"},
        ],
        "metrics": [
            {"region": "us-east-1", "namespace": "AWS/RDS", "name": "DatabaseConnections", "unit": "Count",
             "dimensions": {"DBInstanceIdentifier": "busy-pg"}, "points": conns},
            {"region": "us-east-1", "namespace": "AWS/RDS", "name": "CPUUtilization", "unit": "Percent",
             "dimensions": {"DBInstanceIdentifier": "cpu-only-pg"}, "points": cpu},
        ],
    }));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut source = live_source_in(&emu, &rt, "us-east-1");
    let snap = rt.block_on(source.poll_once(now)).unwrap();
    assert!(snap.errors.is_empty(), "{:?}", snap.errors);
    let profile = |id: &str| {
        let d = snap.inventory.instances.iter().find(|d| d.id == id).unwrap();
        snap.inventory.load_profiles.get(&d.arn).cloned()
    };
    let busy = profile("busy-pg").unwrap();
    assert_eq!((busy.metric, busy.samples), (LoadMetric::Connections, 336));
    let cpu = profile("cpu-only-pg").unwrap();
    assert_eq!((cpu.metric, cpu.samples), (LoadMetric::Cpu, 336));
    assert_eq!(cpu.hours.iter().flatten().filter(|v| *v == 80.0).count(), 7, "15:00 UTC every day");
    assert_eq!(profile("quiet-pg"), None, "no datapoint of either metric: no profile");
    // us-east-1: the per-minute plan in one call, hourly connections of the three writers in
    // one, CPU of the two without connections in one.
    let minute = plan::plan(&snap.inventory, "us-east-1").len() as u64;
    let api = snap.api.unwrap();
    assert_eq!((api.calls["GetMetricData"], api.metrics_requested), (3, minute + 3 + 2), "{api:?}");
}

/// Support dates that cannot be read (an IAM policy without DescribeDBMajorEngineVersions) and
/// profiles that cannot be fetched are errors of their own: the region keeps its inventory, the
/// profiles already learned stay, access denied is not asked again until the next day, and a
/// failed profile fetch is retried on the next inventory refresh.
#[test]
fn support_dates_and_profile_errors_keep_the_inventory() {
    use dbfleet::domain::snapshot::ErrorKind;
    let emu = Emulator::start();
    let now = half_past_the_hour();
    let (start, end) = dbfleet::source::aws::profiles::range(now);
    let conns: Vec<Value> =
        (start.as_second()..end.as_second()).step_by(3600).map(|t| json!([t, 50.0])).collect();
    emu.seed(&json!({
        "instances": [{"id": "solo-pg", "region": "us-east-1", "engine": "postgres", "engine_version": "16.4"}],
        "major_engine_versions": [{"engine": "postgres", "major_engine_version": "16", "lifecycles": [
            {"name": "open-source-rds-standard-support", "end": "2029-02-28T00:00:00Z"}]}],
        "metrics": [{"region": "us-east-1", "namespace": "AWS/RDS", "name": "DatabaseConnections", "unit": "Count",
                     "dimensions": {"DBInstanceIdentifier": "solo-pg"}, "points": conns}],
    }));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut source = live_source_in(&emu, &rt, "us-east-1");
    let at = |mins: i64| now.checked_add(jiff::SignedDuration::from_mins(mins)).unwrap();
    let wire = |op: &str| emu.log().iter().filter(|(_, o, _, _)| o == op).count();
    let learned = |s: &dbfleet::domain::snapshot::FleetSnapshot| {
        s.inventory
            .instances
            .iter()
            .any(|d| d.id == "solo-pg" && s.inventory.load_profiles.contains_key(&d.arn))
    };

    emu.fault(
        json!({"service": "rds", "operation": "DescribeDBMajorEngineVersions", "mode": "access_denied",
                     "count": -1}),
    );
    let s = rt.block_on(source.poll_once(at(0))).unwrap();
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    let e = &s.errors[0];
    assert_eq!(
        (e.kind, e.operation.as_deref()),
        (ErrorKind::AccessDenied, Some("DescribeDBMajorEngineVersions"))
    );
    assert_eq!(s.inventory.instances.len(), 1, "the inventory is there");
    assert!(learned(&s), "profiles do not depend on support dates");
    assert!(s.inventory.engine_lifecycles.is_empty());
    // The next refresh does not ask again: access denied is reported once a day.
    emu.clear_log();
    let s = rt.block_on(source.poll_once(at(6))).unwrap();
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(wire("DescribeDBMajorEngineVersions"), 0);
    assert_eq!(wire("DescribeAlarms"), 1, "the 5-minute lists were refreshed");
    emu.clear_faults();

    // Seven hours on, the profile is due, and CloudWatch fails: the profile learned stays.
    emu.fault(
        json!({"service": "monitoring", "operation": "GetMetricData", "mode": "error500", "count": -1}),
    );
    let s = rt.block_on(source.poll_once(at(7 * 60))).unwrap();
    assert!(s.errors.iter().any(|e| e.kind == ErrorKind::ServiceUnavailable), "{:?}", s.errors);
    assert!(learned(&s), "the last good profile is kept");
    emu.clear_faults();
    // Retried on the next inventory refresh (the failure did not count as fetched).
    emu.clear_log();
    let s = rt.block_on(source.poll_once(at(7 * 60 + 6))).unwrap();
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(wire("GetMetricData"), 2, "per-minute plan and the profile refetch");
    assert!(learned(&s));

    // A day on, support dates are asked again and now answer.
    emu.clear_log();
    let s = rt.block_on(source.poll_once(at(25 * 60))).unwrap();
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(wire("DescribeDBMajorEngineVersions"), 1);
    let lc = &s.inventory.engine_lifecycles;
    assert_eq!(lc.len(), 1, "{lc:?}");
    assert_eq!((lc[0].engine.as_str(), lc[0].major_version.as_str()), ("postgres", "16"));
    assert_eq!(lc[0].standard_support_end, Some("2029-02-28T00:00:00Z".parse().unwrap()));
    assert_eq!(lc[0].extended_support_end, None);
}

/// The consumer-lag statuses the live path reaches from what it fetched over the wire are the
/// demo's, verdict for verdict (status, reason, evidence): seeded with 30 minutes of the demo
/// fleet up to a minute when `inventory-sync` has been silent 13 minutes, so STOP is in play with
/// STALL, ERR or WARN, and OK.
#[test]
fn live_and_demo_agree_on_consumer_status() {
    use dbfleet::domain::consumer_status::LagStatus;
    use dbfleet::source::demo::{DemoOptions, DemoSource, sample};
    let base = minute_now();
    let demo_src = DemoSource::new(DemoOptions::default(), base);
    let spec = demo_src
        .scenario()
        .specs
        .iter()
        .find(|s| s.key.group.as_deref() == Some("inventory-sync") && s.key.kind == MetricKind::MaxOffsetLag)
        .unwrap();
    let now = (0..240)
        .map(|k| base - jiff::SignedDuration::from_mins(k))
        .find(|t| {
            let m = t.as_second() / 60;
            (0..13).all(|d| sample(42, spec, m - d).is_none()) && sample(42, spec, m - 13).is_some()
        })
        .expect("inventory-sync vanishes an hour in every two");
    let emu = Emulator::start();
    let (scenario, _, _) = demo_scenario(1, now, 30);
    emu.seed(&scenario);
    emu.settings(json!({"duplicate_list_metrics": true}));

    let cfg = Config::default();
    let tz = jiff::tz::TimeZone::UTC;
    // The live source asks CloudWatch for [start, now): polled a minute later it has every
    // seeded point, up to `now`. Both models judge the same points at that same instant.
    let later = now + jiff::SignedDuration::from_mins(1);
    let mut demo = Model::new(later, cfg.thresholds, tz.clone(), Vec::new());
    let snap =
        DemoSource::new(DemoOptions { history_minutes: 30, ..Default::default() }, now).snapshot_at(now);
    dbfleet::app::update::apply_snapshot(&mut demo, snap, later);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let mut source = live_source(&emu, &rt);
    let live = rt.block_on(live_model(&mut source, later, &cfg, tz));
    assert!(live.status.errors.is_empty(), "live poll clean: {:?}", live.status.errors);
    let verdicts =
        |m: &Model| -> BTreeMap<(String, String, String), dbfleet::domain::consumer_status::Verdict> {
            m.fleet
                .kafka
                .consumers
                .iter()
                .map(|c| {
                    (
                        (c.id.cluster_name.to_string(), c.id.group.to_string(), c.id.topic.to_string()),
                        c.verdict.clone(),
                    )
                })
                .collect()
        };
    let (want, got) = (verdicts(&demo), verdicts(&live));
    assert_eq!(got.len(), want.len(), "every pair discovered once: {:?}", got.keys().collect::<Vec<_>>());
    for (k, v) in &want {
        assert_eq!(got.get(k), Some(v), "{k:?}");
    }
    let statuses: BTreeSet<LagStatus> = got.values().map(|v| v.status).collect();
    for s in [LagStatus::Ok, LagStatus::Stall, LagStatus::Stop] {
        assert!(statuses.contains(&s), "{s:?} in {statuses:?}");
    }
    assert!(statuses.contains(&LagStatus::Warn) || statuses.contains(&LagStatus::Err), "{statuses:?}");
    // The clusters with no lag say why, on both paths.
    let silent = |m: &Model| -> Vec<Option<String>> {
        m.fleet.kafka.clusters.iter().map(|c| c.no_metrics.clone()).collect()
    };
    assert_eq!(silent(&live).iter().flatten().count(), 1, "{:?}", silent(&live));
    assert_eq!(
        silent(&live).iter().flatten().collect::<Vec<_>>(),
        silent(&demo).iter().flatten().collect::<Vec<_>>()
    );
}

/// Time travel: two hours of the demo fleet seeded three days back; `snapshot --at` forty
/// minutes before the end shows, for every instance and consumer group, the value seeded for
/// that very minute (not the newest), from the current inventory.
#[test]
fn time_travel_shows_the_values_at_that_instant() {
    let emu = Emulator::start();
    let end = minute_now() - jiff::SignedDuration::from_hours(72);
    let (scenario, inv, updates) = demo_scenario(1, end, 120);
    emu.seed(&scenario);
    let at = end - jiff::SignedDuration::from_mins(40);
    let (code, out, err) = dbfleet(
        &emu,
        &["snapshot", "--region", REGIONS, "--format", "json", "--at", &at.to_string(), "--window", "1h"],
    );
    let snap: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: stderr {err}\n{out}"));
    assert_eq!(code, 0, "stderr: {err}");
    assert_eq!(snap["taken_at"], json!(at.to_string()), "the instant asked for");
    assert_eq!(snap["source"]["kind"], "time_travel");
    let value_at = |arn: &str, group: Option<&str>, kind: MetricKind| -> Option<f64> {
        updates
            .iter()
            .find(|u| u.key.resource == arn && u.key.group.as_deref() == group && u.key.kind == kind)
            .and_then(|u| u.points.iter().find(|p| p.at == at))
            .map(|p| p.value)
    };
    let newest = |arn: &str| {
        updates
            .iter()
            .find(|u| u.key.resource == arn && u.key.kind == MetricKind::Connections)
            .and_then(|u| u.points.last())
            .map(|p| p.value)
    };
    let mut checked = 0;
    let mut differs_from_newest = 0;
    for i in snap["instances"].as_array().unwrap() {
        let Some(d) = inv.instances.iter().find(|d| Some(d.id.as_str()) == i["id"].as_str()) else {
            continue;
        };
        let want = value_at(&d.arn, None, MetricKind::Connections);
        assert_eq!(i["connections"].as_f64(), want, "{}", d.id);
        assert_eq!(i["cpu_percent"].as_f64(), value_at(&d.arn, None, MetricKind::CpuPercent), "{}", d.id);
        if want.is_some() {
            checked += 1;
            differs_from_newest += usize::from(want != newest(&d.arn));
        }
    }
    assert!(checked > 40, "{checked} instances compared");
    assert!(differs_from_newest > 20, "the past, not the present: {differs_from_newest}");
    let mut lags = 0;
    for k in snap["kafka"].as_array().unwrap() {
        let c = inv
            .consumer_groups
            .iter()
            .find(|c| json!(c.group) == k["consumer_group"] && json!(c.topic) == k["topic"])
            .unwrap();
        let want = updates
            .iter()
            .find(|u| {
                u.key.resource == c.cluster_arn
                    && u.key.group.as_deref() == Some(&c.group)
                    && u.key.topic.as_deref() == Some(&c.topic)
                    && u.key.kind == MetricKind::MaxOffsetLag
            })
            // Within the fetched window (1 h centred on `at`): a group whose metrics vanished
            // before it (the demo's inventory-sync, at some minutes) has no value then.
            .and_then(|u| {
                u.points.iter().rev().find(|p| p.at <= at && p.at >= at - jiff::SignedDuration::from_mins(30))
            })
            .map(|p| p.value);
        assert_eq!(k["max_offset_lag"].as_f64(), want, "{k}");
        lags += 1;
    }
    assert!(lags >= 12, "{lags} consumer lags compared");

    // The future is refused with a clear message.
    let future = (Timestamp::now() + jiff::SignedDuration::from_hours(1)).to_string();
    let (code, _, err) = dbfleet(&emu, &["snapshot", "--region", REGIONS, "--at", &future]);
    assert_ne!(code, 0);
    assert!(err.contains("in the future"), "{err}");
}

/// The postmortem done-when against the emulator: `dbfleet --at` opens paused on the instant
/// under a TIME TRAVEL banner, the timeline scrubs to the replica-lag spike seeded in the
/// emulator's history, and `e` exports that instant as SVG and Markdown.
#[test]
fn time_travel_tui_scrubs_to_the_spike_and_exports() {
    let emu = Emulator::start();
    let end = minute_now() - jiff::SignedDuration::from_hours(48);
    let (scenario, inv, updates) = demo_scenario(1, end, 120);
    emu.seed(&scenario);
    let r3 = inv.instances.iter().find(|d| d.id == "orders-mysql-r3").unwrap();
    let lag =
        updates.iter().find(|u| u.key.resource == r3.arn && u.key.kind == MetricKind::ReplicaLag).unwrap();
    let peak = lag.points.iter().max_by(|a, b| a.value.total_cmp(&b.value)).unwrap();
    assert!(peak.value > 120.0, "the seeded spike: {peak:?}");
    let at = end - jiff::SignedDuration::from_mins(60);
    let out = emu.dir.join("exports");
    let bin = env!("CARGO_BIN_EXE_dbfleet");
    let program = format!(
        "env AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true \
         AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent \
         {bin} --region {REGIONS} --endpoint-url {} --tz UTC --at {at} --window 2h --export-dir {}",
        emu.url(),
        out.display()
    );
    let t = common::tmux::Tmux::start_with("travel", &program);
    let hhmm = |t: Timestamp| t.strftime("%Y-%m-%d %H:%M").to_string();
    t.wait_for("the fleet as of --at", |s| {
        s.contains("TIME TRAVEL (current inventory) paused") && s.contains(&hhmm(at)) && s.contains(" db ")
    });
    // The fleet is longer than the screen: keep the orders replicas in view.
    t.keys(&["/", "orders-mysql-r", "Enter"]);
    t.wait_for("the filtered fleet", |s| s.contains("orders-mysql-r3"));
    t.keys(&[":", &format!("goto {}", peak.at), "Enter"]);
    let shown = dbfleet::domain::format::format_duration_secs(peak.value);
    t.wait_for("the spike on screen", |s| {
        s.contains(&hhmm(peak.at)) && s.lines().any(|l| l.contains("orders-mysql-r3") && l.contains(&shown))
    });
    t.keys(&["e"]);
    t.wait_for("the export notice", |s| s.contains("exported"));
    t.keys(&["q"]);
    t.assert_restored("0");
    let stem = format!("fleet-{}", peak.at.strftime("%Y%m%dT%H%M%SZ"));
    let md = std::fs::read_to_string(out.join(format!("{stem}.md"))).unwrap();
    assert!(md.lines().any(|l| l.starts_with("| orders-mysql-r3 |") && l.contains(&shown)), "{md}");
    assert!(md.contains("time travel"), "the source says what it is: {md}");
    assert!(std::fs::read_to_string(out.join(format!("{stem}.svg"))).unwrap().starts_with("<svg"));
}

/// A model holding one full live poll, as `dbfleet snapshot` builds it.
async fn live_model(source: &mut LiveSource, now: Timestamp, cfg: &Config, tz: jiff::tz::TimeZone) -> Model {
    let mut model = Model::new(now, cfg.thresholds, tz, Vec::new());
    model.settings.rules = cfg.rules.clone();
    model.settings.lag = cfg.kafka;
    let snapshot = source.poll_once(now).await.expect("live poll answers");
    dbfleet::app::update::apply_snapshot(&mut model, snapshot, now);
    model
}
