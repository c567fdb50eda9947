//! Shared by the live-path tests: the local AWS emulator (moto behind tests/emulator's front)
//! as a child process on a free loopback port, a tiny HTTP client for its control API, and the
//! demo fleet turned into a scenario to seed it with.

#![allow(dead_code)]

pub mod tmux;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub struct Emulator {
    child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

/// The crate root, read at run time: `cargo test` sets it, and a test binary built from
/// another checkout sharing the target dir must not look in that checkout.
pub fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
}

static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Emulator {
    /// Start the harness and wait until it serves (at most 90 s: moto imports slowly).
    pub fn start() -> Emulator {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("dbfleet-emu-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let ready = dir.join("port");
        let script = manifest_dir().join("tests/emulator/harness.py");
        let child = Command::new(std::env::var("DBFLEET_PYTHON").unwrap_or_else(|_| "python3".into()))
            .arg(&script)
            .args(["--port", "0", "--ready-file"])
            .arg(&ready)
            .arg("--log-file")
            .arg(dir.join("harness.log"))
            // The harness exits when this pipe closes, even if this process is killed.
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("harness.stderr")).unwrap())
            .spawn()
            .expect("python3 with tests/emulator/requirements.txt installed (.ci/run installs them)");
        let mut emu = Emulator { child, port: 0, dir };
        let deadline = Instant::now() + Duration::from_secs(90);
        loop {
            if let Ok(s) = std::fs::read_to_string(&ready)
                && let Ok(p) = s.trim().parse()
            {
                emu.port = p;
                break;
            }
            if let Ok(Some(status)) = emu.child.try_wait() {
                let err = std::fs::read_to_string(emu.dir.join("harness.stderr")).unwrap_or_default();
                panic!("emulator exited early ({status}):\n{err}");
            }
            assert!(Instant::now() < deadline, "emulator not ready after 90 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        emu
    }

    /// The emulator's process id (its CPU time: `process_cpu_seconds`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// One HTTP/1.1 request with `Connection: close`; returns (status, body).
    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, String) {
        self.request_within(method, path, body, Duration::from_secs(120))
    }

    /// `request` with its own read timeout: seeding 20,000 instances takes minutes.
    pub fn request_within(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
        limit: Duration,
    ) -> (u16, String) {
        let payload = body.map(|b| b.to_string()).unwrap_or_default();
        self.raw(method, path, "application/json", &payload, limit)
    }

    /// One HTTP/1.1 request of this content type with `Connection: close`.
    fn raw(
        &self,
        method: &str,
        path: &str,
        content_type: &str,
        payload: &str,
        limit: Duration,
    ) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(limit)).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
            payload.len()
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
        let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            dechunk(body)
        } else {
            body.to_string()
        };
        (status, body)
    }

    /// An RDS call made as another client would (unsigned: the default account and region),
    /// e.g. the change a test then expects dbfleet to see; asserts it succeeded.
    #[allow(dead_code)]
    pub fn rds_call(&self, action: &str, params: &[(&str, &str)]) -> String {
        let mut form = format!("Action={action}&Version=2014-10-31");
        for (k, v) in params {
            form.push_str(&format!("&{k}={v}"));
        }
        let (status, body) =
            self.raw("POST", "/", "application/x-www-form-urlencoded", &form, Duration::from_secs(60));
        assert_eq!(status, 200, "{action}: {body}");
        body
    }

    pub fn control(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        self.control_within(method, path, body, Duration::from_secs(120))
    }

    fn control_within(&self, method: &str, path: &str, body: Option<&Value>, limit: Duration) -> Value {
        let (status, text) = self.request_within(method, path, body, limit);
        assert!((200..300).contains(&status), "{method} {path}: HTTP {status}: {text}");
        if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        }
    }

    pub fn seed(&self, scenario: &Value) -> Value {
        self.control_within("POST", "/_harness/seed", Some(scenario), Duration::from_secs(1200))
    }

    pub fn fault(&self, fault: Value) {
        self.control("POST", "/_harness/faults", Some(&fault));
    }

    pub fn clear_faults(&self) {
        self.control("DELETE", "/_harness/faults", None);
    }

    pub fn settings(&self, settings: Value) {
        self.control("POST", "/_harness/settings", Some(&settings));
    }

    /// Operations called so far: (service, operation, region, status).
    pub fn log(&self) -> Vec<(String, String, String, u64)> {
        let v = self.control("GET", "/_harness/log", None);
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
                (s("service"), s("operation"), s("region"), e["status"].as_u64().unwrap_or(0))
            })
            .collect()
    }

    /// The fewest GetMetricData calls that the queries served since the log was cleared
    /// needed: 500 a call, one region a call. Checks that they are the `requested` the client
    /// counted.
    pub fn gmd_lower_bound(&self, requested: u64) -> usize {
        let v = self.control("GET", "/_harness/log", None);
        let mut by_region = std::collections::BTreeMap::<&str, usize>::new();
        for e in v.as_array().unwrap() {
            if e["operation"] == "GetMetricData" && e["status"] == 200 {
                *by_region.entry(e["region"].as_str().unwrap_or("")).or_default() +=
                    e["queries"].as_u64().unwrap_or(0) as usize;
            }
        }
        let served: usize = by_region.values().sum();
        assert_eq!(served as u64, requested, "queries the emulator served, the client counted");
        by_region.values().map(|&q| dbfleet::source::aws::plan::calls_needed(q)).sum()
    }

    pub fn clear_log(&self) {
        self.control("DELETE", "/_harness/log", None);
    }
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&tail[..n.min(tail.len())]);
        rest = tail.get(n + 2..).unwrap_or("");
    }
    out
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Kept when a test failed: its harness.log tells what the emulator saw.
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Run the dbfleet binary against the emulator; returns (exit code, stdout, stderr).
pub fn dbfleet(emu: &Emulator, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_dbfleet"))
        .args(args)
        .args(["--endpoint-url", &emu.url()])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", emu.dir.join("no-aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", emu.dir.join("no-aws-credentials"))
        .env("XDG_CONFIG_HOME", emu.dir.join("xdg-config"))
        .env("XDG_STATE_HOME", emu.dir.join("xdg-state"))
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// The demo fleet (`copies` times over) as an emulator scenario, with the last `minutes` of
/// every series ending at `now`, the two weeks of hourly connections each writer's load
/// profile is learned from, and the engines' support dates. Returns the scenario and the demo
/// inventory it came from.
pub fn demo_scenario(
    copies: usize,
    now: jiff::Timestamp,
    minutes: usize,
) -> (Value, dbfleet::domain::model::Inventory, Vec<dbfleet::domain::metrics::SeriesUpdate>) {
    demo_scenario_mix(copies, now, minutes, false)
}

/// `demo_scenario` with `calm`: the copies after the first have a calm day (the realistic mix
/// of a big fleet where one part is in trouble).
pub fn demo_scenario_mix(
    copies: usize,
    now: jiff::Timestamp,
    minutes: usize,
    calm: bool,
) -> (Value, dbfleet::domain::model::Inventory, Vec<dbfleet::domain::metrics::SeriesUpdate>) {
    use dbfleet::domain::metrics::MetricKind;
    use dbfleet::source::demo::{DemoOptions, DemoSource};
    let mut src = DemoSource::new(
        DemoOptions { copies, history_minutes: minutes as i64, calm_copies: calm, ..Default::default() },
        now,
    );
    let snap = src.snapshot_at(now);
    let inv = (*snap.inventory).clone();
    let by_arn = |arn: &str| inv.instances.iter().find(|d| d.arn == arn);
    // Blue/green targets are created by the emulator with the deployment (with an id of its
    // own), not seeded as replicas.
    let greens: Vec<&str> = inv.blue_green.iter().filter_map(|b| b.target_arn.as_deref()).collect();
    let instances: Vec<Value> = inv
        .instances
        .iter()
        .filter(|d| !greens.contains(&d.arn.as_str()))
        .map(|d| {
            let source = d.replica_source.as_ref().map(|s| {
                // Cross-region sources are ARNs: keep the id; the harness resolves it.
                if s.starts_with("arn:") { json!({"id": s.rsplit(':').next(), "region": s.split(':').nth(3)}) } else { json!({"id": s, "region": d.region}) }
            });
            json!({
                "id": d.id, "region": d.region, "engine": d.engine, "engine_version": d.engine_version,
                "class": d.class, "multi_az": d.multi_az, "auto_minor_version_upgrade": d.auto_minor_version_upgrade,
                "maintenance_window": d.maintenance_window, "availability_zone": d.availability_zone,
                "replica_source": source.as_ref().map(|s| if s["region"] == json!(d.region) { s["id"].clone() } else {
                    json!(format!("arn:aws:rds:{}:123456789012:db:{}", s["region"].as_str().unwrap_or(""), s["id"].as_str().unwrap_or("")))
                }),
                "cluster_id": d.cluster_id, "tags": d.tags,
                "pending_modified_values": pending_modified_values(&d.pending_modified),
                "status": d.status,
                "parameter_group": d.parameter_group.as_ref().filter(|g| !g.is_default()).map(|g| &g.name),
                "parameter_apply_status": d.parameter_group.as_ref().and_then(|g| g.apply_status.as_ref()),
            })
        })
        .collect();
    // Cluster members in writer-first order: the harness makes the first member the writer.
    let mut ordered: Vec<Value> = Vec::new();
    let mut rest: Vec<Value> = Vec::new();
    for (v, d) in
        instances.into_iter().zip(inv.instances.iter().filter(|d| !greens.contains(&d.arn.as_str())))
    {
        let writer = inv.clusters.iter().any(|c| {
            Some(&c.id) == d.cluster_id.as_ref() && c.writer().is_some_and(|w| w.instance_id == d.id)
        });
        if d.replica_source.is_none() && (d.cluster_id.is_none() || writer) {
            ordered.push(v)
        } else {
            rest.push(v)
        }
    }
    ordered.extend(rest);
    let clusters: Vec<Value> = inv
        .clusters
        .iter()
        .map(|c| json!({"id": c.id, "region": c.region, "engine": c.engine, "engine_version": c.engine_version,
            "auto_minor_version_upgrade": c.auto_minor_version_upgrade, "maintenance_window": c.maintenance_window, "tags": c.tags,
            "serverless_v2": c.serverless_v2.map(|r| json!({"min": r.min, "max": r.max})),
            "db_cluster_instance_class": c.instance_class,
            "cluster_parameter_group": c.parameter_group.as_ref().filter(|g| !g.starts_with("default."))}))
        .collect();
    // Custom parameter groups, in the family of the instances that use them.
    let parameter_groups: Vec<Value> = inv
        .parameter_groups
        .iter()
        .filter_map(|g| {
            let user = inv.instances.iter().find(|d| d.parameter_group.as_ref().is_some_and(|p| p.name == g.name))?;
            let family = dbfleet::domain::version::parameter_family(&user.engine, &user.engine_version);
            Some(json!({"name": g.name, "region": g.region, "family": family,
                "parameters": g.max_connections.as_ref().map(|v| json!({"max_connections": v})).unwrap_or(json!({}))}))
        })
        .collect();
    let globals: Vec<Value> = inv
        .global_clusters
        .iter()
        .map(|g| json!({"id": g.id, "engine": g.engine,
            "primary": g.members.iter().find(|m| m.is_writer).map(|m| m.cluster_id.clone()),
            "secondaries": g.members.iter().filter(|m| !m.is_writer).map(|m| m.cluster_id.clone()).collect::<Vec<_>>()}))
        .collect();
    let pending: Vec<Value> = inv
        .pending_actions
        .iter()
        .map(|p| json!({"resource_id": p.resource_id, "region": p.region, "action": p.action, "description": p.description,
            "auto_applied_after": p.auto_applied_after, "forced_apply": p.forced_apply, "current_apply": p.current_apply,
            "opt_in_status": p.opt_in_status}))
        .collect();
    let mut versions: Vec<Value> = inv
        .instances
        .iter()
        .filter_map(|d| d.auto_upgrade_target.as_ref().map(|t| json!({"region": d.region, "engine": d.engine, "engine_version": d.engine_version, "auto_upgrade_target": t})))
        .collect();
    versions.dedup();
    let blue_green: Vec<Value> = inv
        .blue_green
        .iter()
        .filter_map(|b| {
            let src = by_arn(&b.source_arn)?;
            Some(json!({"name": b.name, "region": b.region, "source_id": src.id, "target_engine_version": "8.4.3",
                "status": b.status, "status_details": b.status_details, "create_time": b.created_at}))
        })
        .collect();
    let kafka: Vec<Value> = inv
        .kafka_clusters
        .iter()
        .map(|c| json!({"name": c.name, "region": c.region, "kafka_version": c.kafka_version, "broker_count": c.broker_count,
            "serverless": c.cluster_type == dbfleet::domain::model::MskClusterType::Serverless}))
        .collect();
    let mut metrics = Vec::new();
    for u in &snap.metrics {
        let k = &u.key;
        let points: Vec<Value> = u.points.iter().map(|p| json!([p.at.as_second(), p.value])).collect();
        if let (Some(g), Some(t)) = (&k.group, &k.topic) {
            let c = inv.kafka_clusters.iter().find(|c| c.arn == k.resource).unwrap();
            let name = match k.kind {
                MetricKind::MaxOffsetLag => "MaxOffsetLag",
                MetricKind::SumOffsetLag => "SumOffsetLag",
                _ => "EstimatedMaxTimeLag",
            };
            let unit = if name == "EstimatedMaxTimeLag" { "Seconds" } else { "Count" };
            metrics.push(json!({"region": c.region, "namespace": "AWS/Kafka", "name": name, "unit": unit,
                "dimensions": {"Cluster Name": c.name, "Consumer Group": g, "Topic": t}, "points": points}));
            continue;
        }
        if let Some(d) = by_arn(&k.resource) {
            use dbfleet::domain::model::EngineFamily;
            let (name, unit, scale) = match k.kind {
                MetricKind::Connections => ("DatabaseConnections", "Count", 1.0),
                MetricKind::CpuPercent => ("CPUUtilization", "Percent", 1.0),
                MetricKind::FreeStorage => ("FreeStorageSpace", "Bytes", 1.0),
                MetricKind::ServerlessCapacity => ("ServerlessDatabaseCapacity", "Count", 1.0),
                MetricKind::AcuUtilization => ("ACUUtilization", "Percent", 1.0),
                // Aurora, Neptune and DocumentDB publish milliseconds; the client converts back.
                MetricKind::ReplicaLag if d.family().is_aurora() => {
                    ("AuroraReplicaLag", "Milliseconds", 1000.0)
                }
                MetricKind::ReplicaLag if d.family() == EngineFamily::Neptune => {
                    ("ClusterReplicaLag", "Milliseconds", 1000.0)
                }
                MetricKind::ReplicaLag if d.family() == EngineFamily::DocDb => {
                    ("DBInstanceReplicaLag", "Milliseconds", 1000.0)
                }
                MetricKind::ReplicaLag => ("ReplicaLag", "Seconds", 1.0),
                _ => continue,
            };
            let points: Vec<Value> = u
                .points
                .iter()
                .map(|p| json!([p.at.as_second(), (p.value * scale * 1000.0).round() / 1000.0]))
                .collect();
            metrics.push(
                json!({"region": d.region, "namespace": d.family().namespace(), "name": name, "unit": unit,
                "dimensions": {"DBInstanceIdentifier": d.id}, "points": points}),
            );
        } else if let Some(c) = inv.clusters.iter().find(|c| c.arn == k.resource) {
            let name = match k.kind {
                MetricKind::GlobalReplicationLag => "AuroraGlobalDBReplicationLag",
                MetricKind::GlobalRpoLag => "AuroraGlobalDBRPOLag",
                _ => continue,
            };
            let points: Vec<Value> =
                u.points.iter().map(|p| json!([p.at.as_second(), (p.value * 1000.0).round()])).collect();
            metrics.push(
                json!({"region": c.region, "namespace": "AWS/RDS", "name": name, "unit": "Milliseconds",
                "dimensions": {"DBClusterIdentifier": c.id}, "points": points}),
            );
        }
    }
    // The hourly history the demo learns each writer's peak hours from, at hour starts.
    for d in inv.instances.iter().filter(|d| d.role.takes_writes()) {
        if let Some((metric, points)) = src.hourly_load(&d.arn, now) {
            let points: Vec<Value> = points.iter().map(|p| json!([p.at.as_second(), p.value])).collect();
            let unit = if metric == dbfleet::domain::peak::LoadMetric::Cpu { "Percent" } else { "Count" };
            metrics.push(json!({"region": d.region, "namespace": d.family().namespace(), "name": metric.cloudwatch_name(),
                "unit": unit, "dimensions": {"DBInstanceIdentifier": d.id}, "points": points}));
        }
    }
    let majors: Vec<Value> = inv
        .engine_lifecycles
        .iter()
        .map(|l| {
            let mut lifecycles = Vec::new();
            if let Some(end) = l.standard_support_end {
                lifecycles.push(json!({"name": "open-source-rds-standard-support", "end": end}));
            }
            if let Some(end) = l.extended_support_end {
                lifecycles.push(json!({"name": "open-source-rds-extended-support", "start": l.standard_support_end, "end": end}));
            }
            json!({"engine": l.engine, "major_engine_version": l.major_version, "lifecycles": lifecycles})
        })
        .collect();
    let scenario = json!({
        "parameter_groups": parameter_groups,
        "instances": ordered, "clusters": clusters, "global_clusters": globals, "pending_actions": pending,
        "engine_versions": versions, "major_engine_versions": majors, "blue_green": blue_green,
        "kafka_clusters": kafka, "metrics": metrics,
    });
    (scenario, inv, snap.metrics)
}

/// DescribeDBInstances' `PendingModifiedValues` for what the demo has queued (null: nothing).
fn pending_modified_values(p: &dbfleet::domain::model::PendingModified) -> Value {
    let mut v = serde_json::Map::new();
    if let Some(x) = &p.engine_version {
        v.insert("EngineVersion".into(), json!(x));
    }
    if let Some(x) = &p.class {
        v.insert("DBInstanceClass".into(), json!(x));
    }
    if let Some(x) = p.multi_az {
        v.insert("MultiAZ".into(), json!(x));
    }
    if let Some(x) = p.allocated_storage_gib {
        v.insert("AllocatedStorage".into(), json!(x));
    }
    if v.is_empty() { Value::Null } else { Value::Object(v) }
}

/// Live options for the emulator: its endpoint, static test credentials, short timeouts, one
/// region.
#[allow(dead_code)]
pub fn live_options(emu: &Emulator, region: &str) -> dbfleet::source::aws::LiveOptions {
    dbfleet::source::aws::LiveOptions {
        regions: vec![region.into()],
        endpoint_url: Some(emu.url()),
        static_credentials: Some(aws_sdk_rds::config::Credentials::new(
            "testing", "testing", None, None, "t",
        )),
        attempt_timeout: std::time::Duration::from_secs(5),
        operation_timeout: std::time::Duration::from_secs(20),
        ..Default::default()
    }
}

/// This process's CPU time (user + system), for the benches' per-poll figures.
pub fn cpu_time() -> Duration {
    // SAFETY: getrusage fills the struct we pass; RUSAGE_SELF is always valid.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let tv =
        |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    tv(u.ru_utime) + tv(u.ru_stime)
}

/// CPU seconds (user + system) a process has used so far, from /proc/PID/stat (Linux; None
/// once it has exited). The kernel counts them in USER_HZ ticks, 100 a second on Linux.
pub fn process_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of the line (utime, stime) are 11 and 12 after the name.
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// The binary under test: `DBFLEET_BIN` if set (a copy, when another checkout shares the
/// target directory and may rebuild the binary meanwhile), else cargo's.
pub fn dbfleet_bin() -> String {
    std::env::var("DBFLEET_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_dbfleet").to_string())
}

/// `dbfleet collect DIR --demo` as a child process (killed when dropped), its config and log
/// given, with `extra` arguments; what it says goes beside the log (`.stderr`).
pub struct Collector(pub Child);

impl Collector {
    pub fn demo(
        dir: &std::path::Path,
        config: &std::path::Path,
        log: &std::path::Path,
        extra: &[&str],
    ) -> Collector {
        let child = Command::new(dbfleet_bin())
            .arg("collect")
            .arg(dir)
            .args(["--demo", "--config"])
            .arg(config)
            .arg("--log-file")
            .arg(log)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log.with_extension("stderr")).expect("the collector's stderr file"))
            .spawn()
            .expect("dbfleet collect");
        Collector(child)
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a steady poll described besides the metrics and events, from its calls (the benches
/// split their CPU figures by it).
#[allow(dead_code)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollKind {
    Plain,
    /// The 5-minute lists (MSK clusters, alarms).
    Details,
    /// Instances an event named (a filtered page or two).
    Named,
    /// The 5-minute lists and the 15-minute discovery (consumer groups, a monitoring
    /// account's links: ListMetrics).
    Discovery,
    /// Every instance again.
    FullList,
}

#[allow(dead_code)]
impl PollKind {
    pub fn of(calls: &std::collections::BTreeMap<String, u64>, instances: usize) -> PollKind {
        let n = |op: &str| calls.get(op).copied().unwrap_or(0);
        let pages = n("DescribeDBInstances") as usize;
        if pages * 100 >= instances {
            PollKind::FullList
        } else if pages > 0 {
            PollKind::Named
        } else if n("ListMetrics") > 0 {
            PollKind::Discovery
        } else if n("DescribeAlarms") + n("ListClustersV2") + n("DescribePendingMaintenanceActions") > 0 {
            PollKind::Details
        } else {
            PollKind::Plain
        }
    }
}

/// Steady polls in a cycle: `full_describe_every` (30 minutes) of one-minute polls.
#[allow(dead_code)]
pub const CYCLE_POLLS: usize = 30;

/// One poll of `source` in a task spawned on `rt`, as the dashboard's poller runs it (a poll
/// driven by `block_on` from the bench's own thread had every answer cross from a worker to
/// that thread: about a fifth more CPU per poll at 5,000 and 20,000 instances).
#[allow(dead_code)]
pub fn poll_spawned(
    rt: &tokio::runtime::Runtime,
    source: dbfleet::source::aws::LiveSource,
    at: jiff::Timestamp,
) -> (
    dbfleet::source::aws::LiveSource,
    Result<dbfleet::domain::snapshot::FleetSnapshot, dbfleet::source::PollFailure>,
) {
    let mut source = source;
    let task = rt.spawn(async move {
        let got = source.poll_once(at).await;
        (source, got)
    });
    rt.block_on(task).expect("the poll task panicked")
}

/// The benches' CPU rows: per steady poll over one whole cycle as run (`CYCLE_POLLS` polls: the
/// 5-minute lists six times, the 15-minute discovery twice, the full list once), or, from a
/// shorter run, amortised over that cycle from the kinds it had; then by kind, then the mean
/// as run.
#[allow(dead_code)]
pub fn cpu_rows(cpu: &[Duration], kinds: &[PollKind], target: &str) -> Vec<String> {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let of = |k: PollKind| -> Vec<Duration> {
        cpu.iter().zip(kinds).filter(|(_, d)| **d == k).map(|(c, _)| *c).collect()
    };
    let mean =
        |v: &[Duration]| if v.is_empty() { None } else { Some(v.iter().sum::<Duration>() / v.len() as u32) };
    let (plain, details, discovery, named, full) = (
        of(PollKind::Plain),
        of(PollKind::Details),
        of(PollKind::Discovery),
        of(PollKind::Named),
        of(PollKind::FullList),
    );
    let mut rows = Vec::new();
    let whole = cpu.len() >= CYCLE_POLLS && !full.is_empty();
    let d_or_p = mean(&details).or(mean(&plain));
    match (whole, mean(&plain), d_or_p, mean(&discovery).or(d_or_p), mean(&full)) {
        (true, ..) => rows.push(format!(
            "| dbfleet CPU per steady poll (one 30-minute cycle as run: {} polls, the 5-minute lists, the 15-minute discovery and the full list each when due) | {:.1} ms | {target} |",
            cpu.len(),
            ms(mean(cpu).unwrap_or_default())
        )),
        (false, Some(p), Some(d), Some(x), Some(f)) => rows.push(format!(
            "| dbfleet CPU per steady poll (amortised over the default 30-minute cycle from {} polls: 24 plain, 4 with the 5-minute lists, 1 with the discovery, 1 full list) | {:.1} ms | {target} |",
            cpu.len(),
            ms((p * 24 + d * 4 + x + f) / 30)
        )),
        _ => rows.push(format!("| dbfleet CPU per steady poll | not measured: no plain poll or no full list in {} polls | {target} |", cpu.len())),
    }
    let row = |label: &str, v: &[Duration]| match mean(v) {
        Some(m) => format!("{:.1} ms ({} polls, max {:.1})", ms(m), v.len(), ms(*v.iter().max().unwrap())),
        None => format!("no {label} poll"),
    };
    rows.push(format!(
        "| of which: plain (metrics, events) / with the 5-minute lists / with the 15-minute discovery too / with an event's targeted describe / the full list | {} / {} / {} / {} / {} | |",
        row("plain", &plain),
        row("5-minute", &details),
        row("discovery", &discovery),
        row("targeted", &named),
        row("full", &full)
    ));
    if let Some(m) = mean(cpu) {
        rows.push(format!("| dbfleet CPU, mean of the {} polls as run | {:.1} ms | |", cpu.len(), ms(m)));
    }
    rows
}
