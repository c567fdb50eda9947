//! First contact with an account seeded like a real one rather than like the demo: custom
//! parameter groups (a literal, a formula, a change pending a reboot), Aurora Serverless v2, a
//! Multi-AZ DB cluster, Neptune and DocumentDB, SQL Server and Oracle replicas, stopped,
//! creating and silent instances, and IAM actions denied one at a time. Every instance the
//! core call returns stays on screen, numbers say where they came from, and what could not be
//! read is named.

mod common;

use common::{Emulator, dbfleet};
use dbfleet::domain::capability::Capability;
use dbfleet::domain::capability_status::CapState;
use dbfleet::source::aws::LiveSource;
use jiff::Timestamp;
use serde_json::{Value, json};

fn minute_now() -> Timestamp {
    let s = Timestamp::now().as_second();
    Timestamp::from_second(s - s.rem_euclid(60)).unwrap()
}

/// `value` every minute from `from` to `to` minutes before `now` (inclusive, oldest first).
fn points(now: Timestamp, from: i64, to: i64, value: f64) -> Value {
    let t = now.as_second();
    json!((to..=from).rev().map(|m| json!([t - m * 60, value])).collect::<Vec<_>>())
}

fn metric(ns: &str, name: &str, unit: &str, id: &str, pts: Value) -> Value {
    json!({"region": "us-east-1", "namespace": ns, "name": name, "unit": unit,
           "dimensions": {"DBInstanceIdentifier": id}, "points": pts})
}

/// Instance ids the core call returns, and the scenario.
fn scenario(now: Timestamp) -> (Vec<&'static str>, Value) {
    let p = |v: f64| points(now, 30, 1, v);
    let rds = |name: &str, unit: &str, id: &str, v: f64| metric("AWS/RDS", name, unit, id, p(v));
    let mut metrics = vec![
        // 576 of a parameter group's 640: 90%, where the class default (~2,730) says 21%.
        rds("DatabaseConnections", "Count", "api-mysql", 576.0),
        rds("CPUUtilization", "Percent", "api-mysql", 40.0),
        rds("DatabaseConnections", "Count", "formula-mysql", 100.0),
        rds("DatabaseConnections", "Count", "default-pg", 200.0),
        // Serverless v2 at its maximum for the last ten minutes.
        rds("DatabaseConnections", "Count", "reports-sv2-1", 300.0),
        metric("AWS/RDS", "ServerlessDatabaseCapacity", "Count", "reports-sv2-1", points(now, 30, 11, 6.5)),
        metric("AWS/RDS", "ServerlessDatabaseCapacity", "Count", "reports-sv2-1", points(now, 10, 1, 16.0)),
        metric("AWS/RDS", "ACUUtilization", "Percent", "reports-sv2-1", points(now, 10, 1, 100.0)),
        metric("AWS/RDS", "ServerlessDatabaseCapacity", "Count", "reports-sv2-2", p(2.5)),
        // Neptune and DocumentDB in their own namespaces, replica lag in milliseconds.
        metric("AWS/Neptune", "CPUUtilization", "Percent", "graph-neptune-1", p(22.0)),
        metric("AWS/Neptune", "ClusterReplicaLag", "Milliseconds", "graph-neptune-2", p(120.0)),
        metric("AWS/DocDB", "DatabaseConnections", "Count", "catalog-docdb-1", p(400.0)),
        metric("AWS/DocDB", "DBInstanceReplicaLag", "Milliseconds", "catalog-docdb-2", p(2500.0)),
        // A Multi-AZ DB cluster's readable standbys and the SQL Server and Oracle replicas.
        rds("ReplicaLag", "Seconds", "ledger-maz-2", 1.0),
        rds("ReplicaLag", "Seconds", "ledger-maz-3", 2.0),
        rds("ReplicaLag", "Seconds", "crm-sqlserver-r1", 3.0),
        rds("ReplicaLag", "Seconds", "erp-oracle-r1", 5.0),
        // Silent for the last 25 minutes: the value is kept with its age, drawn stale.
        metric("AWS/RDS", "DatabaseConnections", "Count", "silent-mysql", points(now, 40, 25, 50.0)),
    ];
    metrics.push(rds("DatabaseConnections", "Count", "crm-sqlserver", 120.0));
    let instances = json!([
        {"id": "api-mysql", "engine": "mysql", "engine_version": "8.0.39", "class": "db.r6g.xlarge",
         "parameter_group": "api-params", "multi_az": true},
        {"id": "formula-mysql", "engine": "mysql", "engine_version": "8.0.39", "class": "db.r6g.large",
         "parameter_group": "formula-params", "parameter_apply_status": "pending-reboot"},
        {"id": "default-pg", "engine": "postgres", "engine_version": "15.7", "class": "db.r6g.large"},
        {"id": "reports-sv2-1", "cluster_id": "reports-sv2", "class": "db.serverless"},
        {"id": "reports-sv2-2", "cluster_id": "reports-sv2", "class": "db.serverless"},
        {"id": "graph-neptune-1", "cluster_id": "graph-neptune", "class": "db.r6g.large"},
        {"id": "graph-neptune-2", "cluster_id": "graph-neptune", "class": "db.r6g.large"},
        {"id": "catalog-docdb-1", "cluster_id": "catalog-docdb", "class": "db.r6g.large"},
        {"id": "catalog-docdb-2", "cluster_id": "catalog-docdb", "class": "db.r6g.large"},
        {"id": "ledger-maz-1", "cluster_id": "ledger-maz"},
        {"id": "ledger-maz-2", "cluster_id": "ledger-maz"},
        {"id": "ledger-maz-3", "cluster_id": "ledger-maz"},
        {"id": "crm-sqlserver", "engine": "sqlserver-ee", "engine_version": "15.00.4395.2.v1", "class": "db.r6i.xlarge"},
        {"id": "crm-sqlserver-r1", "replica_source": "crm-sqlserver", "class": "db.r6i.xlarge"},
        {"id": "erp-oracle", "engine": "oracle-ee", "engine_version": "19.0.0.0.ru-2024-10.rur-2024-10.r1",
         "class": "db.r6i.2xlarge"},
        {"id": "erp-oracle-r1", "replica_source": "erp-oracle", "class": "db.r6i.2xlarge"},
        {"id": "stopped-pg", "engine": "postgres", "engine_version": "16.4", "class": "db.t4g.large", "status": "stopped"},
        {"id": "creating-mysql", "engine": "mysql", "engine_version": "8.0.39", "status": "creating"},
        {"id": "silent-mysql", "engine": "mysql", "engine_version": "8.0.39"},
    ]);
    let ids = vec![
        "api-mysql",
        "formula-mysql",
        "default-pg",
        "reports-sv2-1",
        "reports-sv2-2",
        "graph-neptune-1",
        "graph-neptune-2",
        "catalog-docdb-1",
        "catalog-docdb-2",
        "ledger-maz-1",
        "ledger-maz-2",
        "ledger-maz-3",
        "crm-sqlserver",
        "crm-sqlserver-r1",
        "erp-oracle",
        "erp-oracle-r1",
        "stopped-pg",
        "creating-mysql",
        "silent-mysql",
    ];
    let scenario = json!({
        "parameter_groups": [
            {"name": "api-params", "family": "mysql8.0", "parameters": {"max_connections": "640"}},
            {"name": "formula-params", "family": "mysql8.0",
             "parameters": {"max_connections": "{DBInstanceClassMemory/25165760}"}},
            {"name": "ledger-cluster-params", "family": "mysql8.0", "kind": "cluster",
             "parameters": {"max_connections": "1500"}},
        ],
        "clusters": [
            {"id": "reports-sv2", "engine": "aurora-postgresql", "engine_version": "15.4",
             "serverless_v2": {"min": 0.5, "max": 16}},
            {"id": "graph-neptune", "engine": "neptune"},
            {"id": "catalog-docdb", "engine": "docdb"},
            {"id": "ledger-maz", "engine": "mysql", "engine_version": "8.0.35",
             "db_cluster_instance_class": "db.r6gd.large", "allocated_storage": 100, "storage_type": "io1", "iops": 3000,
             "cluster_parameter_group": "ledger-cluster-params"},
        ],
        "instances": instances,
        "metrics": metrics,
    });
    (ids, scenario)
}

fn by_id<'a>(instances: &'a [Value], id: &str) -> &'a Value {
    instances.iter().find(|i| i["id"] == id).unwrap_or_else(|| panic!("{id} missing"))
}

/// The done-when: a custom-limit instance at 90% of its limit, Serverless v2, Neptune,
/// a stopped instance and one denied permission. The snapshot keeps every instance with its
/// true limit and ACUs, `check` names the 90% instance critical and says which rules it could
/// not evaluate, `doctor` names the missing action, and the dashboard shows it all.
#[test]
fn first_contact_with_a_real_account() {
    let emu = Emulator::start();
    let now = minute_now();
    let (ids, scenario) = scenario(now);
    emu.seed(&scenario);
    emu.fault(json!({"service": "rds", "operation": "DescribeBlueGreenDeployments", "mode": "access_denied", "count": -1}));

    let (code, out, err) = dbfleet(&emu, &["snapshot", "--region", "us-east-1"]);
    assert_eq!(code, 3, "some data could not be collected: {err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let instances = v["instances"].as_array().unwrap();
    let mut got: Vec<&str> = instances.iter().map(|i| i["id"].as_str().unwrap()).collect();
    got.sort_unstable();
    let mut want = ids.clone();
    want.sort_unstable();
    assert_eq!(got, want, "every instance DescribeDBInstances returned");

    // The capability that failed is named, alone.
    let caps = v["capabilities"].as_array().unwrap();
    let bg = caps.iter().find(|c| c["capability"] == "blue-green").unwrap();
    assert_eq!(bg["state"], "denied", "{bg}");
    assert_eq!(bg["operation"], "DescribeBlueGreenDeployments");
    assert!(bg["message"].as_str().unwrap().contains("AccessDenied"), "{bg}");
    assert!(caps.iter().filter(|c| c["capability"] != "blue-green").all(|c| c["state"] == "ok"), "{caps:?}");

    // A literal in the parameter group: exact, and 90% of it.
    let api = by_id(instances, "api-mysql");
    assert_eq!(api["max_connections"], 640, "{api}");
    assert_eq!(api["max_connections_estimate"], 640, "schema 1 readers see the same number");
    assert_eq!(api["max_connections_is_estimate"], false);
    assert_eq!(api["max_connections_source"], "parameter-group api-params");
    assert_eq!(api["connections_percent"], 90.0);
    assert_eq!(api["severity"], "critical");
    // A formula of the class memory: evaluated for the class, an estimate; the pending reboot said.
    let formula = by_id(instances, "formula-mysql");
    assert_eq!(formula["max_connections"], 682, "{formula}");
    assert_eq!(formula["max_connections_is_estimate"], true);
    assert_eq!(formula["max_connections_source"], "parameter-group formula-params");
    assert_eq!(formula["parameter_apply_status"], "pending-reboot");
    // A default group: the engine's formula, an estimate.
    let pg = by_id(instances, "default-pg");
    assert_eq!(pg["max_connections"], 1802, "{pg}");
    assert_eq!(pg["max_connections_source"], "engine default");
    assert_eq!(pg["max_connections_is_estimate"], true);
    assert_eq!(pg["parameter_group"], "default.postgres15");

    // Serverless v2: capacity against the cluster's range, the limit from the maximum ACU.
    let sv2 = by_id(instances, "reports-sv2-1");
    assert_eq!(sv2["serverless_capacity_acu"], 16.0, "{sv2}");
    assert_eq!(sv2["serverless_min_acu"], 0.5);
    assert_eq!(sv2["serverless_max_acu"], 16.0);
    assert_eq!(sv2["serverless_minutes_at_max"], 10);
    assert_eq!(sv2.get("serverless_minutes_at_max_at_least"), None, "below the maximum before: exactly 10");
    assert_eq!(sv2["max_connections"], 3604);
    assert_eq!(sv2["max_connections_source"], "serverless max ACU 16");
    assert_eq!(sv2["readings"]["acu_utilization"]["value"], 100.0);
    assert_eq!(sv2["readings"]["serverless_capacity"]["unit"], "Acu");
    assert_eq!(by_id(instances, "reports-sv2-2")["serverless_capacity_acu"], 2.5);

    // Neptune: its namespace, no connection count, lag converted from milliseconds.
    let np = by_id(instances, "graph-neptune-1");
    assert_eq!((np["engine"].as_str(), np["cpu_percent"].as_f64()), (Some("neptune"), Some(22.0)), "{np}");
    assert_eq!(np["connections"], Value::Null);
    assert_eq!(np["max_connections"], Value::Null, "Neptune has no max_connections");
    let np2 = by_id(instances, "graph-neptune-2");
    assert_eq!(
        (np2["role"].as_str(), np2["replica_lag_seconds"].as_f64()),
        (Some("reader"), Some(0.12)),
        "{np2}"
    );
    // DocumentDB: AWS/DocDB, DBInstanceReplicaLag in ms, the class's connection limit.
    let doc = by_id(instances, "catalog-docdb-1");
    assert_eq!(
        (doc["connections"].as_f64(), doc["max_connections"].as_u64()),
        (Some(400.0), Some(1700)),
        "{doc}"
    );
    assert_eq!(by_id(instances, "catalog-docdb-2")["replica_lag_seconds"], 2.5);
    // The Multi-AZ DB cluster: a writer and two readable standbys with ReplicaLag in seconds.
    let maz: Vec<(&str, &str, Option<f64>)> = ["ledger-maz-1", "ledger-maz-2", "ledger-maz-3"]
        .iter()
        .map(|id| {
            let i = by_id(instances, id);
            (i["role"].as_str().unwrap(), i["failover"].as_str().unwrap(), i["replica_lag_seconds"].as_f64())
        })
        .collect();
    assert_eq!(
        maz,
        [("writer", "cluster", None), ("reader", "cluster", Some(1.0)), ("reader", "cluster", Some(2.0))]
    );
    // Its members' limit comes from the cluster parameter group (DescribeDBClusterParameters).
    let member = by_id(instances, "ledger-maz-2");
    assert_eq!(member["max_connections"], 1500, "{member}");
    assert_eq!(member["max_connections_source"], "cluster-parameter-group ledger-cluster-params");
    assert_eq!(member["max_connections_is_estimate"], false);
    let clusters = v["clusters"].as_array().unwrap();
    let kind = |id: &str| clusters.iter().find(|c| c["id"] == id).map(|c| c["kind"].clone());
    assert_eq!(kind("ledger-maz"), Some(json!("multi-az-db-cluster")));
    assert_eq!(kind("graph-neptune"), Some(json!("neptune")));
    assert_eq!(kind("catalog-docdb"), Some(json!("documentdb")));
    assert_eq!(kind("reports-sv2"), Some(json!("aurora")));
    // SQL Server and Oracle replicas: streaming, in seconds; no max_connections to invent.
    for (id, lag) in [("crm-sqlserver-r1", 3.0), ("erp-oracle-r1", 5.0)] {
        let r = by_id(instances, id);
        assert_eq!(
            (r["role"].as_str(), r["replica_lag_seconds"].as_f64()),
            (Some("replica"), Some(lag)),
            "{r}"
        );
        assert_eq!(r["replication_state"], "streaming");
    }
    assert_eq!(by_id(instances, "crm-sqlserver")["max_connections"], Value::Null);
    // Stopped and creating: no datapoints by design, not missing data.
    for (id, activity) in [("stopped-pg", "stopped"), ("creating-mysql", "starting")] {
        let i = by_id(instances, id);
        assert_eq!(i["activity"], activity, "{i}");
        assert_eq!(i["connections"], Value::Null);
        assert_eq!(i["severity"], "ok", "no reading is expected: not unknown");
    }
    // Silent for 25 minutes: the last value kept, with its age.
    let silent = by_id(instances, "silent-mysql");
    let age = silent["readings"]["connections"]["age_seconds"].as_i64().unwrap();
    assert!((25 * 60..=26 * 60 + 30).contains(&age), "{silent}");
    assert_eq!(silent["connections"], 50.0);
    assert_eq!(silent["activity"], "running");

    // check: the 90% instance is critical, the rules the denied action feeds are named.
    let (code, out, _) = dbfleet(&emu, &["check", "--region", "us-east-1", "--format", "json"]);
    assert_eq!(code, 2, "a critical is never hidden behind a gap: {out}");
    let c: Value = serde_json::from_str(&out).unwrap();
    let crit: Vec<(&str, &str)> = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "critical")
        .map(|f| (f["rule"].as_str().unwrap(), f["resource_id"].as_str().unwrap()))
        .collect();
    assert!(crit.contains(&("connections-near-max", "api-mysql")), "{crit:?}");
    let ne = c["not_evaluated"].as_array().unwrap();
    assert_eq!(ne.len(), 1, "{ne:?}");
    assert_eq!(ne[0]["rule"], "blue-green");
    assert!(
        ne[0]["reasons"][0].as_str().unwrap().contains("blue/green deployments: access denied"),
        "{ne:?}"
    );
    let warned: Vec<&str> = c["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "serverless-at-max-capacity")
        .map(|f| f["resource_id"].as_str().unwrap())
        .collect();
    assert_eq!(warned, ["reports-sv2-1"], "ten minutes at the maximum");
    let (_, text, _) = dbfleet(&emu, &["check", "--region", "us-east-1"]);
    assert!(
        text.lines().any(|l| l.starts_with("NOT EVALUATED blue-green:") && l.contains("DescribeBlueGreenDeployments")),
        "{text}"
    );
    // With nothing critical left, the gap decides: 3, not 1.
    let cfg = emu.dir.join("calm.toml");
    std::fs::write(&cfg, "[rules.severity]\nconnections-near-max = \"warning\"\n").unwrap();
    let (code, _, err) =
        dbfleet(&emu, &["check", "--region", "us-east-1", "--config", cfg.to_str().unwrap()]);
    assert_eq!(code, 3, "{err}");

    // doctor names the missing action, as a policy line, and fails.
    let (code, out, _) = dbfleet(&emu, &["doctor", "--region", "us-east-1"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL blue/green deployments (rds:DescribeBlueGreenDeployments)"), "{out}");
    assert!(out.contains("\"rds:DescribeBlueGreenDeployments\""), "{out}");
    assert!(out.contains("account 123456789012"), "{out}");
    assert!(out.lines().filter(|l| l.trim_start().starts_with("ok ")).count() >= 12, "{out}");

    // The dashboard: every instance, the true percentage, the ACUs, the gap named.
    let bin = env!("CARGO_BIN_EXE_dbfleet");
    let program = format!(
        "env AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true \
         AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent \
         {bin} --region us-east-1 --endpoint-url {} --tz UTC",
        emu.url()
    );
    let t = common::tmux::Tmux::start_with("realfleet", &program);
    t.resize(200, 50);
    let screen = t.wait_for("the fleet", |s| s.contains("576/640 90%") && s.contains("16/16 ACU"));
    for id in &ids {
        assert!(screen.contains(id), "{id} on screen:\n{screen}");
    }
    assert!(screen.contains("us-east-1 blue/green deployments: access denied"), "{screen}");
    assert!(screen.lines().any(|l| l.contains("graph-neptune-1") && l.contains("n/a")), "{screen}");
    assert!(
        screen.lines().any(|l| l.contains("stopped-pg") && l.matches("stopped").count() >= 2),
        "{screen}"
    );
    t.keys(&["q"]);
    t.assert_restored("0");
}

/// Each optional operation denied in turn: the instances stay, that capability alone is named
/// denied, and the others answer. One unsupported operation and one throttled past its retries
/// are named too (unsupported, failed).
#[test]
fn each_optional_capability_fails_alone() {
    let emu = Emulator::start();
    let now = minute_now();
    let (ids, scenario) = scenario(now);
    emu.seed(&scenario);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let cases: Vec<(&str, &str, &str, Capability, CapState)> = vec![
        ("rds", "DescribeDBClusters", "access_denied", Capability::Clusters, CapState::Denied),
        ("rds", "DescribeGlobalClusters", "access_denied", Capability::GlobalClusters, CapState::Denied),
        (
            "rds",
            "DescribePendingMaintenanceActions",
            "access_denied",
            Capability::PendingMaintenance,
            CapState::Denied,
        ),
        ("rds", "DescribeBlueGreenDeployments", "access_denied", Capability::BlueGreen, CapState::Denied),
        ("rds", "DescribeDBEngineVersions", "access_denied", Capability::EngineVersions, CapState::Denied),
        (
            "rds",
            "DescribeDBMajorEngineVersions",
            "access_denied",
            Capability::MajorEngineVersions,
            CapState::Denied,
        ),
        ("rds", "DescribeDBParameters", "access_denied", Capability::Parameters, CapState::Denied),
        ("kafka", "ListClustersV2", "access_denied", Capability::MskClusters, CapState::Denied),
        ("rds", "DescribeBlueGreenDeployments", "unsupported", Capability::BlueGreen, CapState::Unsupported),
        ("rds", "DescribeDBClusters", "throttle", Capability::Clusters, CapState::Failed),
    ];
    for (service, op, mode, cap, state) in cases {
        emu.clear_faults();
        emu.fault(json!({"service": service, "operation": op, "mode": mode, "count": -1}));
        let opts = common::live_options(&emu, "us-east-1");
        let mut source = rt.block_on(LiveSource::connect(opts)).unwrap();
        let snap = rt.block_on(source.poll_once(Timestamp::now())).unwrap();
        let mut got: Vec<&str> = snap.inventory.instances.iter().map(|d| d.id.as_str()).collect();
        got.sort_unstable();
        let mut want = ids.clone();
        want.sort_unstable();
        assert_eq!(got, want, "{op} {mode}: every instance kept");
        let failing: Vec<(Capability, CapState)> =
            snap.capabilities.iter().filter(|c| c.state.is_gap()).map(|c| (c.capability, c.state)).collect();
        assert_eq!(failing, [(cap, state)], "{op} {mode}: only that capability is a gap");
        assert!(
            snap.errors.iter().all(|e| e.capability == Some(cap) && !e.stales_region()),
            "{op} {mode}: the error is the capability's and leaves the region current: {:?}",
            snap.errors
        );
        // What the rest still says: metrics answer whatever the inventory's gaps.
        assert!(
            snap.metrics.iter().any(|u| u.key.resource.ends_with(":db:api-mysql")),
            "{op}: metrics fetched"
        );
        match cap {
            // Without the clusters, members are not known to be in one: still on screen.
            Capability::Parameters => {
                assert!(snap.inventory.parameter_groups.is_empty(), "nothing read, nothing invented");
            }
            Capability::MskClusters => assert!(snap.inventory.kafka_clusters.is_empty()),
            _ => {}
        }
    }
    // A denied parameter group read leaves the default as a caveated guess on the instance.
    emu.clear_faults();
    emu.fault(
        json!({"service": "rds", "operation": "DescribeDBParameters", "mode": "access_denied", "count": -1}),
    );
    let (_, out, _) = dbfleet(&emu, &["snapshot", "--region", "us-east-1"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let api = by_id(v["instances"].as_array().unwrap(), "api-mysql");
    assert_eq!(api["max_connections_caveat"], "group-unread", "{api}");
    assert_eq!(api["max_connections_source"], "engine default");
    assert_eq!(api["max_connections"], 2730);
}
