//! The live path end to end: the real SDK clients over real HTTP against the local emulator
//! (moto behind tests/emulator's front), seeded with the demo fleet three times over (138
//! instances: pagination; more than 500 metric queries: batching). `dbfleet snapshot` must
//! report exactly what was seeded, calling only Describe/List/Get operations.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Emulator, dbfleet, demo_scenario};
use dbfleet::domain::metrics::MetricKind;
use dbfleet::domain::model::Role;
use serde_json::{Value, json};

const REGIONS: &str = "us-east-1,eu-west-1,ap-southeast-2,us-west-2";

fn minute_now() -> jiff::Timestamp {
    let s = jiff::Timestamp::now().as_second();
    jiff::Timestamp::from_second(s - s.rem_euclid(60) - 60).unwrap()
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
            && s.contains("calls/poll")
    });
    assert!(s.contains("aws default chain"), "source label in the status bar:\n{s}");
    assert!(s.contains("calls/poll"), "calls and cost in the status bar:\n{s}");
    // Faults while watching: the screen keeps the fleet and says which region is stale.
    emu.fault(json!({"region": "us-east-1", "mode": "error500", "count": -1}));
    t.keys(&["r"]);
    let s = t.wait_for("a stale region", |s| s.contains("us-east-1 stale"));
    assert!(s.contains("inventory-mysql-r1"), "last good data kept:\n{s}");
    t.keys(&["e"]);
    let s = t.wait_for("the error list", |s| s.contains("Errors (e or Esc closes)"));
    assert!(s.contains("us-east-1") && s.contains("ServiceUnavailable"), "{s}");
    t.keys(&["Escape"]);
    emu.clear_faults();
    t.keys(&["r"]);
    t.wait_for("recovery", |s| !s.contains("us-east-1 stale") && s.contains("0 errors"));
    t.keys(&["q"]);
    t.assert_restored("0");
}
