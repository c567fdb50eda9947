//! The live path at scale, against the local emulator: 992 instances (the demo fleet 16
//! times over) and 256 consumer group x topic pairs in four regions. Prints, for dbfleet's own
//! live source: calls per steady poll against the lower bound (ceil(queries/500) GetMetricData
//! in each region, from the queries the emulator served), metrics requested per poll, this
//! process's CPU time per poll by what the poll described (metrics and events only, the
//! 5-minute lists, an event's instance, the full list)
//! and amortised over the default 30-minute cycle (target <= 25 ms at 1,000 instances, 50 at
//! 5,000), peak RSS; then the same metrics gathered by boto3 naively (one
//! GetMetricStatistics per metric) and batched, with ratios.
//!
//! Run: `cargo bench --bench live_scale` (needs python3 with tests/emulator/requirements.txt).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Emulator, PollKind, cpu_time, demo_scenario};
use dbfleet::source::aws::plan::{self, MAX_QUERIES_PER_CALL};
use dbfleet::source::aws::{LiveOptions, LiveSource};
use jiff::Timestamp;
use serde_json::{Value, json};

const COPIES: usize = 16;
const REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"];

/// CLOCK_MONOTONIC in seconds (perf's clock).
fn mono() -> f64 {
    // SAFETY: clock_gettime fills the timespec we pass; CLOCK_MONOTONIC always exists.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn peak_rss_mb() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = s
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

/// The real binary's dashboard against the emulator in a detached tmux pane (it needs a
/// terminal) for `LIVE_SCALE_RSS_SECS` (default 90): its VmHWM and VmRSS from /proc.
fn dashboard_rss(emu: &Emulator, wrap: &str) -> Result<(f64, f64, u64), String> {
    let secs: u64 = std::env::var("LIVE_SCALE_RSS_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(90);
    let session = format!("dbfleet-rss-{}", std::process::id());
    let cmd = format!(
        "exec env AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_EC2_METADATA_DISABLED=true \
         AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent XDG_CONFIG_HOME={dir}/xdg \
         XDG_STATE_HOME={dir}/xdg-state {wrap} {bin} --endpoint-url {url} --region {regions} --refresh 10",
        dir = emu.dir.display(),
        wrap = wrap,
        bin = env!("CARGO_BIN_EXE_dbfleet"),
        url = emu.url(),
        regions = REGIONS.join(","),
    );
    let tmux = |args: &[&str]| {
        std::process::Command::new("tmux").args(args).output().map_err(|e| format!("tmux: {e}"))
    };
    tmux(&["new-session", "-d", "-s", &session, "-x", "200", "-y", "50", &cmd])?;
    let pid = String::from_utf8_lossy(&tmux(&["display", "-p", "-t", &session, "#{pane_pid}"])?.stdout)
        .trim()
        .to_string();
    // Under a wrapper (heaptrack is a shell script) the pane's process is the wrapper's: follow
    // its children to the dbfleet process itself.
    std::thread::sleep(Duration::from_secs(2));
    let pid = dbfleet_descendant(&pid).unwrap_or(pid);
    let status = format!("/proc/{pid}/status");
    let field = |text: &str, name: &str| -> Option<f64> {
        let line = text.lines().find(|l| l.starts_with(name))?;
        Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1024.0)
    };
    let mut last = None;
    for _ in 0..secs {
        std::thread::sleep(Duration::from_secs(1));
        match std::fs::read_to_string(&status) {
            Ok(t) => last = field(&t, "VmHWM:").zip(field(&t, "VmRSS:")),
            Err(_) => break,
        }
    }
    let _ = tmux(&["kill-session", "-t", &session]);
    last.map(|(hwm, rss)| (hwm, rss, secs)).ok_or_else(|| format!("the dashboard (pid {pid}) did not run"))
}

/// The process named `dbfleet` at or under `pid` (children from /proc), if any.
fn dbfleet_descendant(pid: &str) -> Option<String> {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    if comm.trim() == "dbfleet" {
        return Some(pid.to_string());
    }
    let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).ok()?;
    children.split_whitespace().find_map(dbfleet_descendant)
}

fn main() {
    // `cargo test --benches` runs benches once as tests: this one needs minutes, so only under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        println!("live_scale: run with `cargo bench --bench live_scale`");
        return;
    }
    let emu = Emulator::start();
    let s = Timestamp::now().as_second();
    let now = Timestamp::from_second(s - s.rem_euclid(60) - 60).unwrap();
    // LIVE_SCALE_COPIES: fleet size in copies of the 62-instance demo (bench/run.sh runs 2,
    // 16 and 81: 124, 992 and 5,022 instances).
    let copies = std::env::var("LIVE_SCALE_COPIES").ok().and_then(|v| v.parse().ok()).unwrap_or(COPIES);
    let (scenario, inv, _) = demo_scenario(copies, now, 5);
    let t = Instant::now();
    emu.seed(&scenario);
    println!(
        "seeded {} instances, {} consumer group x topic in {:.1?}",
        inv.instances.len(),
        inv.consumer_groups.len(),
        t.elapsed()
    );

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    // LIVE_SCALE_POLLS: steady polls a simulated minute apart, one whole cycle by default; the
    // last one lists every instance and cluster again (every 30 minutes by default; a shorter
    // run lists them at its end and is amortised over the cycle below).
    let polls: usize =
        std::env::var("LIVE_SCALE_POLLS").ok().and_then(|v| v.parse().ok()).unwrap_or(common::CYCLE_POLLS);
    let opts = LiveOptions {
        full_describe_every: Duration::from_secs(60 * polls as u64),
        regions: REGIONS.iter().map(|r| r.to_string()).collect(),
        endpoint_url: Some(emu.url()),
        static_credentials: Some(aws_sdk_rds::config::Credentials::new(
            "testing", "testing", None, None, "bench",
        )),
        // The steady poll is what is measured; a short first-poll history keeps the emulator
        // (Python, one core) from spending many minutes encoding 3 h of 25,000 series at 5k.
        history: std::time::Duration::from_secs(600),
        ..Default::default()
    };
    let mut source = rt.block_on(LiveSource::connect(opts)).unwrap();
    let t = Instant::now();
    let first_at = Timestamp::now();
    let first = rt.block_on(source.poll_once(first_at)).unwrap();
    let first_calls = first.api.as_ref().map_or(0, |a| a.total_calls());
    println!(
        "first poll (inventory + 3 h of metrics): {:.2?}, {first_calls} calls, errors {}",
        t.elapsed(),
        first.errors.len()
    );

    // The lower bound of a steady poll: the fewest GetMetricData calls for the planned queries.
    let queries: Vec<usize> = REGIONS.iter().map(|r| plan::plan(&first.inventory, r).len()).collect();
    let total_queries: usize = queries.iter().sum();
    let mut lower = 0;
    let mut events_cut = 0;

    let mut cpu = Vec::new();
    let mut wall = Vec::new();
    let mut calls = Vec::new();
    let mut kinds = Vec::new();
    let mut metrics = 0;
    // An instance restarted by someone else before the third poll: RDS publishes its event,
    // and that poll describes just it again.
    let restarted = inv.instances.iter().find(|d| d.region == "us-east-1" && d.cluster_id.is_none()).unwrap();
    // Steady polls a simulated minute apart (within one minute a poll asks for nothing: no
    // series is bought twice a minute); cost-aware with no screen: moving lag hot, the rest cold.
    for i in 0..polls {
        if i == 2 {
            emu.rds_call("RebootDBInstance", &[("DBInstanceIdentifier", &restarted.id)]);
        }
        emu.clear_log();
        let t = first_at.checked_add(jiff::SignedDuration::from_mins(i as i64 + 1)).unwrap();
        let began = mono();
        let (c0, t0) = (cpu_time(), Instant::now());
        let (back, got) = common::poll_spawned(&rt, source, t);
        source = back;
        let snap = got.unwrap();
        cpu.push(cpu_time() - c0);
        wall.push(t0.elapsed());
        let api = snap.api.unwrap();
        calls.push(api.calls.get("GetMetricData").copied().unwrap_or(0));
        kinds.push(PollKind::of(&api.calls, inv.instances.len()));
        // LIVE_SCALE_MARKS: each poll's CLOCK_MONOTONIC span, for `perf report --time a,b`.
        if std::env::var_os("LIVE_SCALE_MARKS").is_some() {
            println!("poll {i} {:?}: {:.6},{:.6} {:?}", kinds[i], began, mono(), api.calls);
        }
        metrics += api.metrics_requested;
        // The fewest calls the queries this poll asked needed: 500 a call, one region a call.
        lower += emu.gmd_lower_bound(api.metrics_requested);
        // A DescribeEvents page cut at its 5 s budget while the emulator (one Python process)
        // serves the full list's 53 pages is the designed answer (asked again next poll), not
        // a fault of the poll measured: counted and printed. Anything else fails the run.
        let (cut, other): (Vec<_>, Vec<_>) = snap.errors.iter().partition(|e| {
            e.capability == Some(dbfleet::domain::capability::Capability::Events)
                && e.kind == dbfleet::domain::source_error::ErrorKind::Timeout
        });
        assert!(other.is_empty(), "{other:?}");
        events_cut += cut.len();
    }
    let avg = |v: &[Duration]| v.iter().sum::<Duration>() / v.len() as u32;
    let cpu_avg = avg(&cpu);
    let wall_avg = avg(&wall);
    let calls_avg = calls.iter().sum::<u64>() as f64 / calls.len() as f64;
    let lower = lower as f64 / calls.len() as f64;
    let metrics = metrics as f64 / calls.len() as f64;

    // The same metrics with boto3: a plan file the script reads.
    let start = Timestamp::now().as_second() - 10 * 60;
    let mut regions = serde_json::Map::new();
    for r in REGIONS {
        let qs: Vec<Value> = plan::plan(&first.inventory, r)
            .iter()
            .map(|q| json!({"namespace": q.namespace, "metric": q.metric, "stat": q.stat, "dimensions": q.dimensions}))
            .collect();
        regions.insert(r.to_string(), Value::Array(qs));
    }
    let plan_file = emu.dir.join("plan.json");
    std::fs::write(
        &plan_file,
        json!({"start": start, "end": Timestamp::now().as_second(), "regions": regions}).to_string(),
    )
    .unwrap();
    let boto = |mode: &str| -> Value {
        let script = common::manifest_dir().join("tests/emulator/bench_boto3.py");
        let o = std::process::Command::new("python3")
            .arg(&script)
            .args(["--endpoint", &emu.url(), "--plan", plan_file.to_str().unwrap(), "--mode", mode])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    // LIVE_SCALE_NO_BOTO3: skip the boto3 comparison (15 minutes at 5,000 instances), e.g.
    // while profiling.
    let skip_boto3 = std::env::var_os("LIVE_SCALE_NO_BOTO3").is_some();
    let (naive, batched) =
        if skip_boto3 { (Value::Null, Value::Null) } else { (boto("naive"), boto("batched")) };

    println!();
    println!("| figure | value | target |");
    println!("|---|---|---|");
    let n = inv.instances.len();
    // The targets by fleet size: CPU per poll 25 ms at 1,000, 50 ms at 5,000; peak
    // RSS 60 MB at 5,000 (this process also holds the bench's own copy of the scenario).
    let cpu_target = if n > 2_000 {
        "<= 50 ms"
    } else if n > 500 {
        "<= 25 ms"
    } else {
        ""
    };
    let rss_target = if n > 2_000 { "<= 60 MB" } else { "" };
    println!("| instances / consumer group x topic | {} / {} | |", n, inv.consumer_groups.len());
    println!(
        "| metric queries planned / requested per steady poll (cost-aware) | {total_queries} / {metrics:.0} | |"
    );
    println!(
        "| GetMetricData calls per steady poll | {calls_avg:.1} | lower bound {lower:.1} (ratio {:.2}, target 1.00) |",
        calls_avg / lower
    );
    for row in common::cpu_rows(&cpu, &kinds, cpu_target) {
        println!("{row}");
    }
    println!("| dbfleet wall per steady poll | {:.0} ms | |", wall_avg.as_secs_f64() * 1e3);
    if events_cut > 0 {
        println!("| DescribeEvents pages cut at the 5 s page budget (the emulator busy) | {events_cut} | |");
    }
    println!(
        "| bench process peak RSS (the emulator's seed, one-shot history, no model) | {:.1} MB | |",
        peak_rss_mb()
    );
    // LIVE_SCALE_WRAP: commands to run the binary under, `;` between runs against the same
    // seeded emulator (`heaptrack -o /tmp/ht`, `env MALLOC_ARENA_MAX=1;`: one run wrapped, one
    // not). Each run is one row.
    let wraps = std::env::var("LIVE_SCALE_WRAP").unwrap_or_default();
    for wrap in wraps.split(';') {
        let how = if wrap.trim().is_empty() { String::new() } else { format!(", under `{}`", wrap.trim()) };
        match dashboard_rss(&emu, wrap) {
            Ok((hwm, rss, secs)) => println!(
                "| dbfleet dashboard peak RSS (the binary, live, {secs} s: first poll, backfill, steady polls; now {rss:.1} MB{how}) | {hwm:.1} MB | {rss_target} |"
            ),
            Err(e) => println!("| dbfleet dashboard peak RSS{how} | not measured: {e} | {rss_target} |"),
        }
    }
    let f = |v: &Value, k: &str| v[k].as_f64().unwrap_or(f64::NAN);
    for (name, v) in
        [("boto3 naive (GetMetricStatistics)", &naive), ("boto3 batched (GetMetricData)", &batched)]
            .into_iter()
            .filter(|_| !skip_boto3)
    {
        println!(
            "| {name} | {:.0} calls, {:.0} ms wall, {:.0} ms CPU | x{:.1} calls, x{:.1} wall, x{:.1} CPU vs dbfleet |",
            f(v, "calls"),
            f(v, "wall_s") * 1e3,
            f(v, "cpu_s") * 1e3,
            f(v, "calls") / calls_avg,
            f(v, "wall_s") / wall_avg.as_secs_f64(),
            f(v, "cpu_s") / cpu_avg.as_secs_f64(),
        );
    }
    println!("(GetMetricData calls hold at most {MAX_QUERIES_PER_CALL} queries each)");
}
