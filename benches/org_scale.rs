//! Organisation scale on the emulator: the demo fleet seeded into 40 accounts (about 20,000
//! instances), reached through one role (`--assume-role dbfleet --accounts ...`), metrics read
//! through a CloudWatch monitoring account that every account is linked to. Prints: seeding
//! time; for the live source in this process, the first poll's wall time, CPU per steady poll
//! (target <= 200 ms) and GetMetricData calls per steady poll against the lower bound
//! (ceil(queries/500) in each region, from the queries the emulator served; all in the
//! monitoring account); for the real binary in a detached tmux pane, the time to the first full
//! screen (every instance counted on the status bar; target <= 15 s) and its peak RSS (target
//! <= 200 MB; the seed holds 5 minutes of metrics), with the emulator's and the dashboard's CPU
//! seconds until that first full screen and the calls it took; then the binary again with those
//! minutes repeated over four hours (the emulator's `metrics_repeat_seconds`), its peak RSS once
//! its backfill holds what a dashboard open for hours holds (target <= 200 MB).
//!
//! The emulator is Python on one core. It keeps its RDS answers until something changes (moto
//! renders a page of 100 instances in about 50 ms), and the dashboard starts after the in-process
//! polls have asked the same pages: its first screen then measures dbfleet's own path and the
//! emulator's CloudWatch, STS and IAM answers, not moto's renderer. ORG_SCALE_DASHBOARD_ONLY=1
//! starts it on a cold emulator, which then renders every page for the first time.
//!
//! Run: `cargo bench --bench org_scale` (needs python3 with tests/emulator/requirements.txt).
//! ORG_SCALE_ACCOUNTS (default 40) and ORG_SCALE_COPIES (demo copies per account, default 8:
//! 496 instances) set the size; ORG_SCALE_DASHBOARD_ONLY=1 skips the in-process polls,
//! ORG_SCALE_HISTORY=0 the dashboard holding its history, and ORG_SCALE_WRAP runs the binary
//! under a command (`heaptrack -o /tmp/ht`); ORG_SCALE_POLLS sets the steady polls (default one
//! 30-minute cycle) and ORG_SCALE_VERBOSE=1 prints each one's CPU and calls.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Emulator, PollKind, cpu_time, demo_scenario};
use dbfleet::config::AccountEntry;
use dbfleet::source::aws::plan;
use dbfleet::source::aws::{LiveOptions, LiveSource};
use jiff::Timestamp;
use serde_json::{Value, json};

const REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"];
const MONITORING: &str = "123456789012";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn account_id(i: usize) -> String {
    format!("{:012}", 200_000_000_000u64 + i as u64)
}

/// What the dashboard showed when: every instance counted on the status bar, then a metric
/// (a percentage in a row), and its peak RSS.
struct Screen {
    rows: Option<f64>,
    metrics: Option<f64>,
    hwm: f64,
    /// Until the first full screen: the emulator's CPU seconds, the dashboard's, and the
    /// calls the emulator answered by operation (most first).
    emulator_cpu: Option<f64>,
    dashboard_cpu: Option<f64>,
    calls: Vec<(String, usize)>,
}

/// The AWS calls in the harness log between two offsets, counted by operation (a line reads
/// `HH:MM:SS METHOD PATH SERVICE REGION ACCOUNT OPERATION -> STATUS ...`).
fn calls_logged(log: &str) -> Vec<(String, usize)> {
    let mut by_op = std::collections::BTreeMap::<String, usize>::new();
    for line in log.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if let Some(arrow) = words.iter().position(|w| *w == "->")
            && arrow > 0
        {
            *by_op.entry(words[arrow - 1].to_string()).or_default() += 1;
        }
    }
    let mut v: Vec<(String, usize)> = by_op.into_iter().collect();
    v.sort_by_key(|op| std::cmp::Reverse(op.1));
    v
}

/// The dashboard binary in a detached tmux pane, run until dropped (the session killed).
struct Pane {
    session: String,
    pid: String,
}

impl Pane {
    fn start(emu: &Emulator, accounts: &str, wrap: &str, tag: &str) -> Result<Pane, String> {
        let session = format!("dbfleet-org-{tag}-{}", std::process::id());
        let cmd = format!(
            "exec env AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true \
             AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE={dir}/credentials XDG_CONFIG_HOME={dir}/xdg \
             XDG_STATE_HOME={dir}/xdg-state {wrap} {bin} --endpoint-url {url} --region {regions} --refresh 10 \
             --assume-role dbfleet --accounts {accounts} --monitoring-account monitoring",
            dir = emu.dir.display(),
            bin = env!("CARGO_BIN_EXE_dbfleet"),
            url = emu.url(),
            regions = REGIONS.join(","),
        );
        tmux(&["new-session", "-d", "-s", &session, "-x", "200", "-y", "50", &cmd])?;
        let pid = String::from_utf8_lossy(&tmux(&["display", "-p", "-t", &session, "#{pane_pid}"])?.stdout)
            .trim()
            .to_string();
        Ok(Pane { session, pid })
    }

    fn screen(&self) -> Result<String, String> {
        Ok(String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &self.session])?.stdout).into_owned())
    }

    /// A `/proc/PID/status` figure in MB (`VmHWM`, `VmRSS`); None once the process is gone.
    fn status_mb(&self, field: &str) -> Option<f64> {
        let t = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).ok()?;
        let line = t.lines().find(|l| l.starts_with(field))?;
        line.split_whitespace().nth(1)?.parse::<f64>().ok().map(|kb| kb / 1024.0)
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = tmux(&["kill-session", "-t", &self.session]);
    }
}

fn tmux(args: &[&str]) -> Result<std::process::Output, String> {
    std::process::Command::new("tmux").args(args).output().map_err(|e| format!("tmux: {e}"))
}

/// The binary's dashboard: seconds until the status bar counts every instance, seconds until
/// the rows show metrics, then its VmHWM after `secs` seconds.
fn dashboard(
    emu: &Emulator,
    accounts: &str,
    instances: usize,
    secs: u64,
    wrap: &str,
) -> Result<Screen, String> {
    let log_path = emu.dir.join("harness.log");
    let log_len = || std::fs::metadata(&log_path).map_or(0, |m| m.len() as usize);
    let (log_from, emu_from) = (log_len(), common::process_cpu_seconds(emu.pid()));
    let start = Instant::now();
    let pane = Pane::start(emu, accounts, wrap, "first")?;
    let counted = format!(" {instances} db");
    let (mut rows, mut metrics) = (None, None);
    let (mut emulator_cpu, mut dashboard_cpu, mut log_to) = (None, None, None);
    let mut hwm = None;
    while start.elapsed() < Duration::from_secs(secs) {
        std::thread::sleep(Duration::from_millis(250));
        if metrics.is_none() {
            let screen = pane.screen()?;
            let at = Some(start.elapsed().as_secs_f64());
            if rows.is_none() && screen.contains(&counted) {
                rows = at;
            }
            // A row's CPU or connections percentage: metrics are on screen.
            let table: Vec<&str> = screen.lines().skip(2).collect();
            let table = &table[..table.len().saturating_sub(2)];
            if rows.is_some() && table.iter().any(|l| l.contains("% ") || l.trim_end().ends_with('%')) {
                metrics = at;
                emulator_cpu = common::process_cpu_seconds(emu.pid()).zip(emu_from).map(|(b, a)| b - a);
                dashboard_cpu = pane.pid.parse().ok().and_then(common::process_cpu_seconds);
                log_to = Some(log_len());
            }
        }
        match pane.status_mb("VmHWM:") {
            Some(mb) => hwm = Some(mb),
            None => break,
        }
    }
    let pid = pane.pid.clone();
    drop(pane);
    let log = std::fs::read(&log_path).unwrap_or_default();
    let window = log.get(log_from..log_to.unwrap_or(log.len())).unwrap_or_default();
    let calls = calls_logged(&String::from_utf8_lossy(window));
    hwm.map(|hwm| Screen { rows, metrics, hwm, emulator_cpu, dashboard_cpu, calls })
        .ok_or_else(|| format!("the dashboard (pid {pid}) did not run"))
}

/// Whether the dashboard's backfill is over, from the emulator's log: its oldest chunk (a
/// GetMetricData from `oldest_due` or earlier) was asked, and after the last such call every
/// region has been asked again. A target asks its recent minutes before its older chunk and
/// a poll starts only once the last one is applied, so that next ask is the next poll's.
fn backfill_done(log: &Value, oldest_due: f64) -> bool {
    let served: Vec<&Value> = log
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["operation"] == "GetMetricData" && e["status"] == 200)
        .collect();
    let Some(last_old) = served.iter().rposition(|e| e["start"].as_f64().is_some_and(|s| s <= oldest_due))
    else {
        return false;
    };
    let after: std::collections::BTreeSet<&str> =
        served[last_old + 1..].iter().filter_map(|e| e["region"].as_str()).collect();
    REGIONS.iter().all(|r| after.contains(r))
}

/// A dashboard holding its whole history: what one left open for hours keeps.
struct Held {
    /// Seconds until the backfill was over (`backfill_done`), then the peak and the resident
    /// size after `settle` seconds of steady polls.
    backfilled: f64,
    hwm: f64,
    rss: f64,
}

/// The dashboard again, with the emulator's seeded minutes repeated over four hours
/// (`metrics_repeat_seconds`): it backfills its three hours (`LiveOptions::history`) in
/// chunks, which fills every series' ring to its 240-slot capacity (the 4-hour cap, grown by
/// doubling: 30, 60, 120, 240). Its peak once the backfill is over and `settle` seconds of
/// steady polls have run.
fn dashboard_holding_history(
    emu: &Emulator,
    accounts: &str,
    limit: u64,
    settle: u64,
    wrap: &str,
) -> Result<Held, String> {
    emu.settings(json!({"metrics_repeat_seconds": 4 * 3600}));
    emu.clear_log();
    let oldest_due = Timestamp::now().as_second() as f64 - 3.0 * 3600.0 + 120.0;
    let start = Instant::now();
    let pane = Pane::start(emu, accounts, wrap, "history")?;
    let mut backfilled = None;
    let result = loop {
        std::thread::sleep(Duration::from_secs(2));
        if pane.status_mb("VmHWM:").is_none() {
            break Err(format!("the dashboard (pid {}) exited", pane.pid));
        }
        let at = start.elapsed().as_secs_f64();
        if backfilled.is_none() && backfill_done(&emu.control("GET", "/_harness/log", None), oldest_due) {
            backfilled = Some(at);
        }
        match backfilled {
            Some(b) if at >= b + settle as f64 => {
                let (hwm, rss) = (pane.status_mb("VmHWM:"), pane.status_mb("VmRSS:"));
                break hwm.zip(rss).map(|(hwm, rss)| Held { backfilled: b, hwm, rss }).ok_or("exited".into());
            }
            _ if at > limit as f64 => {
                break Err(format!("the backfill did not reach three hours back within {limit} s"));
            }
            _ => {}
        }
    };
    drop(pane);
    emu.settings(json!({"metrics_repeat_seconds": null}));
    result
}

/// What the live source in this process measured.
struct InProcess {
    total_queries: usize,
    requested_avg: f64,
    gmd_avg: f64,
    lower: f64,
    cpu: Vec<Duration>,
    kinds: Vec<PollKind>,
    first_wall: Duration,
    first_cpu: Duration,
}

/// The live source in this process: the first poll, then steady polls a simulated minute apart.
fn in_process(emu: &Emulator, ids: &[String], instances: usize) -> InProcess {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // Steady polls a simulated minute apart, one whole cycle by default: the last lists every
    // instance again (every 30 minutes by default; a shorter run lists them at its end and is
    // amortised over the cycle).
    let polls = env_usize("ORG_SCALE_POLLS", common::CYCLE_POLLS);
    let opts = LiveOptions {
        full_describe_every: Duration::from_secs(60 * polls as u64),
        regions: REGIONS.iter().map(|r| r.to_string()).collect(),
        endpoint_url: Some(emu.url()),
        static_credentials: Some(aws_sdk_rds::config::Credentials::new(
            "testing", "testing", None, None, "bench",
        )),
        history: Duration::from_secs(600),
        accounts: ids.iter().map(|id| AccountEntry::id_only(id.clone())).collect(),
        assume_role: Some("dbfleet".into()),
        monitoring_profile: Some("monitoring".into()),
        ..Default::default()
    };
    let mut source = rt.block_on(LiveSource::connect(opts)).unwrap();
    let t = Instant::now();
    let c0 = cpu_time();
    let first_at = Timestamp::now();
    let first = rt.block_on(source.poll_once(first_at)).unwrap();
    let first_wall = t.elapsed();
    let first_cpu = cpu_time() - c0;
    let first_calls = first.api.as_ref().map_or(0, |a| a.total_calls());
    println!(
        "first poll (inventory + 10 min of metrics): {first_wall:.2?} wall, {first_cpu:.2?} CPU, {first_calls} calls, errors {}",
        first.errors.len()
    );
    assert_eq!(first.inventory.instances.len(), instances, "every account's instances");

    let queries: Vec<usize> = REGIONS.iter().map(|r| plan::plan(&first.inventory, r).len()).collect();
    let total_queries: usize = queries.iter().sum();
    let mut cpu = Vec::new();
    let mut kinds = Vec::new();
    let mut gmd = Vec::new();
    let mut requested = Vec::new();
    let mut lower = 0;
    // Steady polls a simulated minute apart (a poll within the same minute asks for nothing:
    // no series is bought twice a minute); cost-aware, with no screen: moving lag hot, the rest cold.
    for i in 0..polls {
        emu.clear_log();
        let t = first_at.checked_add(jiff::SignedDuration::from_mins(i as i64 + 1)).unwrap();
        let c0 = cpu_time();
        let (back, got) = common::poll_spawned(&rt, source, t);
        source = back;
        let snap = got.unwrap();
        cpu.push(cpu_time() - c0);
        let api = snap.api.unwrap();
        kinds.push(PollKind::of(&api.calls, instances));
        if std::env::var_os("ORG_SCALE_VERBOSE").is_some() {
            let ops: Vec<String> = api.calls.iter().map(|(op, n)| format!("{op} {n}")).collect();
            println!(
                "poll {:2}: {:7.1} ms  {}",
                i + 1,
                cpu.last().unwrap().as_secs_f64() * 1e3,
                ops.join(", ")
            );
        }
        gmd.push(api.calls.get("GetMetricData").copied().unwrap_or(0));
        requested.push(api.metrics_requested);
        // The fewest calls the queries this poll asked needed: 500 a call, one region a call.
        lower += emu.gmd_lower_bound(api.metrics_requested);
        assert!(snap.errors.is_empty(), "{:?}", snap.errors);
    }
    let gmd_avg = gmd.iter().sum::<u64>() as f64 / gmd.len() as f64;
    let lower = lower as f64 / gmd.len() as f64;
    let requested_avg = requested.iter().sum::<u64>() as f64 / requested.len() as f64;
    drop(source);
    drop(rt);
    InProcess { total_queries, requested_avg, gmd_avg, lower, cpu, kinds, first_wall, first_cpu }
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!("org_scale: run with `cargo bench --bench org_scale`");
        return;
    }
    let n_accounts = env_usize("ORG_SCALE_ACCOUNTS", 40);
    let copies = env_usize("ORG_SCALE_COPIES", 8);
    let emu = Emulator::start();
    let s = Timestamp::now().as_second();
    let now = Timestamp::from_second(s - s.rem_euclid(60) - 60).unwrap();
    let (scenario, inv, _) = demo_scenario(copies, now, 5);
    // The same fleet in every account: the scenario's own account id (in cross-region replica
    // sources) becomes the account's.
    let text = scenario.to_string();
    let ids: Vec<String> = (0..n_accounts).map(account_id).collect();
    let t = Instant::now();
    for id in &ids {
        let mut one: Value = serde_json::from_str(&text.replace(MONITORING, id)).unwrap();
        one["account"] = json!(id);
        emu.seed(&one);
    }
    emu.seed(&json!({"monitoring": {"account": MONITORING, "linked": ids}}));
    let instances = inv.instances.len() * n_accounts;
    println!("seeded {instances} instances in {n_accounts} accounts in {:.1?}", t.elapsed());
    std::fs::write(
        emu.dir.join("credentials"),
        "[monitoring]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    // SAFETY: no other thread runs yet; the SDK reads the profile file from here.
    unsafe {
        std::env::set_var("AWS_SHARED_CREDENTIALS_FILE", emu.dir.join("credentials"));
        std::env::set_var("AWS_CONFIG_FILE", "/nonexistent");
    }

    // ORG_SCALE_DASHBOARD_ONLY=1: only the binary's figures (a heap profile under ORG_SCALE_WRAP
    // needs no in-process polls first).
    let measured = (std::env::var("ORG_SCALE_DASHBOARD_ONLY").as_deref() != Ok("1"))
        .then(|| in_process(&emu, &ids, instances));
    let accounts = ids.join(",");
    let secs = env_usize("ORG_SCALE_RSS_SECS", 120) as u64;
    // ORG_SCALE_WRAP: a command to run the binary under (`heaptrack -o /tmp/ht`); its peak RSS
    // is then the wrapper's, not the binary's.
    let wrap = std::env::var("ORG_SCALE_WRAP").unwrap_or_default();
    let screen = dashboard(&emu, &accounts, instances, secs, &wrap);
    // ORG_SCALE_HISTORY=0 skips the dashboard holding its whole history (about five minutes).
    let held = (std::env::var("ORG_SCALE_HISTORY").as_deref() != Ok("0"))
        .then(|| dashboard_holding_history(&emu, &accounts, 1200, 60, &wrap));

    println!();
    println!("| figure | value | target |");
    println!("|---|---|---|");
    println!("| instances / accounts / regions | {instances} / {n_accounts} / {} | |", REGIONS.len());
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    if let Some(m) = &measured {
        println!(
            "| metric queries planned / requested per steady poll (cost-aware) | {} / {:.0} | |",
            m.total_queries, m.requested_avg
        );
        println!(
            "| GetMetricData calls per steady poll (monitoring account) | {:.1} | lower bound {:.1} (ratio {:.2}, target 1.00) |",
            m.gmd_avg,
            m.lower,
            m.gmd_avg / m.lower
        );
        for row in common::cpu_rows(&m.cpu, &m.kinds, "<= 200 ms") {
            println!("{row}");
        }
        println!(
            "| first poll in process (all inventories, 10 min of metrics) | {:.1} s wall, {:.1} s CPU | |",
            m.first_wall.as_secs_f64(),
            m.first_cpu.as_secs_f64()
        );
    }
    match &screen {
        Ok(s) => {
            let when = |t: Option<f64>| t.map_or(format!("not within {secs} s"), |t| format!("{t:.1} s"));
            println!(
                "| dbfleet dashboard: every instance on screen | {} | <= 15 s: {} |",
                when(s.rows),
                met(s.rows.is_some_and(|t| t <= 15.0))
            );
            println!(
                "| dbfleet dashboard: first full screen (rows and their metrics) | {} | <= 15 s: {} |",
                when(s.metrics),
                met(s.metrics.is_some_and(|t| t <= 15.0))
            );
            if let (Some(t), Some(e), Some(d)) = (s.metrics, s.emulator_cpu, s.dashboard_cpu) {
                let n: usize = s.calls.iter().map(|c| c.1).sum();
                println!(
                    "| until the first full screen: emulator CPU / dashboard CPU | {e:.1} s / {d:.1} s of {t:.1} s ({n} calls) | |"
                );
            }
            println!(
                "| dbfleet dashboard peak RSS ({secs} s; the emulator holds 5 minutes of metrics) | {:.1} MB | <= 200 MB: {} |",
                s.hwm,
                met(s.hwm <= 200.0)
            );
        }
        Err(e) => println!("| dbfleet dashboard | not measured: {e} | |"),
    }
    match &held {
        Some(Ok(h)) => println!(
            "| dbfleet dashboard peak RSS holding its whole history (every series' ring at its 4-hour capacity; backfilled in {:.0} s, then 60 s of polls; resident then {:.1} MB) | {:.1} MB | <= 200 MB: {} |",
            h.backfilled,
            h.rss,
            h.hwm,
            met(h.hwm <= 200.0)
        ),
        Some(Err(e)) => println!("| dbfleet dashboard holding its whole history | not measured: {e} | |"),
        None => {}
    }
    if let Ok(s) = &screen {
        let ops: Vec<String> = s.calls.iter().map(|(op, n)| format!("{op} {n}")).collect();
        println!("\ncalls until the first full screen: {}", ops.join(", "));
    }
}
