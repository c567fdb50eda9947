//! One collector, three attached viewers, on the demo at 992 instances (16 copies). Prints:
//! disk per day of recording (an hour of one-minute polls written in-process through the
//! collector's hourly recorder, x 24); then, with the real binaries (the collector as a child
//! process, three `attach` dashboards in tmux panes, the demo clock at one simulated minute a
//! second), each viewer's CPU (per poll, and as a share of a core at one poll a minute) and
//! RSS; and, in-process, the delay from a poll landing in the file to a follow source having
//! it, and to it being applied and drawn. Viewers never call AWS (the follow source has no
//! client), so GetMetricData calls are the collector's alone, with or without viewers.
//!
//! Run: `cargo bench --bench collect` (tmux needed; `COLLECT_BENCH_SECS`, default 30, is how
//! long the viewers watch; `COLLECT_BENCH_COPIES`, default 16; `DBFLEET_BIN`: a copy of the
//! release binary, when another checkout sharing the target directory may rebuild it).

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use common::Collector;
use common::tmux::Tmux;
use dbfleet::app::state::Model;
use dbfleet::config::Config;
use dbfleet::record::access::Access;
use dbfleet::record::hourly::{self, HourlyRecorder};
use dbfleet::source::FleetSource;
use dbfleet::source::clock::Playhead;
use dbfleet::source::demo::{DemoOptions, DemoSource};
use dbfleet::source::follow::{self, FollowSource};
use jiff::{SignedDuration, Timestamp};

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn tmp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("dbfleet-bench-collect-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Bytes of one hour file: 60 one-minute polls (after the first poll's three hours, which go
/// to the hour before).
fn disk_per_hour(copies: usize) -> (u64, usize) {
    let dir = tmp("disk");
    let start: Timestamp = "2026-11-24T00:59:00Z".parse().unwrap();
    let mut demo = DemoSource::new(DemoOptions { copies, ..Default::default() }, start);
    let mut rec = HourlyRecorder::new(&dir.join("rec"), Access::private());
    Access::private().prepare_dir(&dir.join("rec")).unwrap();
    let mut instances = 0;
    for m in 0..=60 {
        let t = start + SignedDuration::from_mins(m);
        let s = demo.snapshot_at(t);
        instances = s.inventory.instances.len();
        rec.append(&s, t).unwrap();
    }
    rec.finish().unwrap();
    let hour = dir.join("rec").join(hourly::file_name("2026-11-24T01:00:00Z".parse().unwrap(), 0));
    let bytes = std::fs::metadata(&hour).unwrap().len();
    let _ = std::fs::remove_dir_all(dir);
    (bytes, instances)
}

/// CPU seconds (user + system) and RSS / peak RSS in MB of a process, from /proc.
fn proc_figures(pid: i32) -> (f64, f64, f64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces): utime and stime are 14 and 15.
    let after = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // SAFETY: sysconf with a valid name has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let cpu = (ticks(11) + ticks(12)) / hz;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    (cpu, kb("VmRSS:"), kb("VmHWM:"))
}

fn newest_mtime(dir: &std::path::Path) -> Option<SystemTime> {
    let files = hourly::list(dir).ok()?;
    std::fs::metadata(&files.last()?.path).ok()?.modified().ok()
}

fn main() {
    let copies = env_or("COLLECT_BENCH_COPIES", 16) as usize;
    let secs = env_or("COLLECT_BENCH_SECS", 30);

    let (bytes, instances) = disk_per_hour(copies);
    println!(
        "disk: one hour of one-minute polls at {instances} instances = {:.2} MB; per day {:.1} MB; 14 days {:.2} GB",
        bytes as f64 / 1e6,
        bytes as f64 * 24.0 / 1e6,
        bytes as f64 * 24.0 * 14.0 / 1e9
    );

    let base = tmp("live");
    let dir = base.join("rec");
    let cfg = base.join("clock.toml");
    std::fs::write(&cfg, "[demo]\nspeed = 60\nrefresh_seconds = 1\n").unwrap();
    let bin = common::dbfleet_bin();
    let copies_arg = copies.to_string();
    let collector = Collector::demo(&dir, &cfg, &base.join("collect.log"), &["--copies", &copies_arg]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while follow::open(&dir, 3).map_or(true, |f| f.snapshots.is_empty()) {
        let said = std::fs::read_to_string(base.join("collect.stderr")).unwrap_or_default();
        assert!(Instant::now() < deadline, "the collector wrote no poll in 60 s: {said}");
        std::thread::sleep(Duration::from_millis(200));
    }

    let attach = format!("{bin} attach {} --tz UTC", dir.display());
    let viewers: Vec<Tmux> = (0..3).map(|i| Tmux::start_with(&format!("bench-view-{i}"), &attach)).collect();
    for v in &viewers {
        v.wait_for("the attached fleet", |s| s.contains("ATTACHED"));
    }
    let pids: Vec<i32> = viewers.iter().map(|v| v.pid()).collect();
    let start_cpu: Vec<f64> = pids.iter().map(|p| proc_figures(*p).0).collect();
    let collector_cpu0 = proc_figures(collector.0.id() as i32).0;

    // In-process: a follow source at the end of the recording, as a viewer's.
    let followed = follow::open(&dir, 3).unwrap();
    let last = followed.snapshots.last().unwrap().taken_at;
    let first = followed.snapshots[0].taken_at;
    let mut playhead = Playhead::new(first, last, 10.0, true);
    playhead.seek(last);
    let playhead = Arc::new(Mutex::new(playhead));
    let info = followed.recorded.clone();
    let mut source = FollowSource::new(&dir, followed, info, playhead.clone(), 3);
    let cfg = Config::default();
    let themes = dbfleet::ui::theme::ThemeSet::builtin(false);
    let mut model = Model::new(last, cfg.thresholds, jiff::tz::TimeZone::UTC, vec!["default".into()]);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut landed = Vec::new();
    let mut drawn = Vec::new();
    let began = Instant::now();
    let wall0 = Instant::now();
    rt.block_on(async {
        // The first answer is what was already there.
        let s = source.poll(last).await.unwrap();
        dbfleet::app::update::apply_snapshot(&mut model, s, last);
        while began.elapsed() < Duration::from_secs(secs) {
            let Ok(Ok(s)) = tokio::time::timeout(Duration::from_secs(30), source.poll(last)).await else {
                break;
            };
            let got = SystemTime::now();
            let written = newest_mtime(&dir).unwrap_or(got);
            let delay = got.duration_since(written).unwrap_or_default();
            let t = Instant::now();
            let now = s.taken_at;
            dbfleet::app::update::apply_snapshot(&mut model, s, now);
            dbfleet::headless::render_buffer(&mut model, themes.get(0), (160, 50));
            landed.push(delay);
            drawn.push(delay + t.elapsed());
        }
    });
    let wall = wall0.elapsed().as_secs_f64();
    let polls = landed.len().max(1);
    let collector_cpu = proc_figures(collector.0.id() as i32).0 - collector_cpu0;

    let ms = |d: &[Duration], q: f64| {
        let mut v: Vec<f64> = d.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        v.sort_by(f64::total_cmp);
        v.get(((v.len() as f64 - 1.0) * q).round() as usize).copied().unwrap_or(f64::NAN)
    };
    println!(
        "polls landed in {wall:.0} s: {} (collector CPU {:.0} ms per poll)",
        landed.len(),
        collector_cpu * 1000.0 / polls as f64
    );
    println!(
        "delay poll landed -> follow source has it: median {:.0} ms, worst {:.0} ms; -> applied and drawn (160x50): median {:.0} ms, worst {:.0} ms (target <= 1000 ms)",
        ms(&landed, 0.5),
        ms(&landed, 1.0),
        ms(&drawn, 0.5),
        ms(&drawn, 1.0)
    );
    for (i, pid) in pids.iter().enumerate() {
        let (cpu, rss, hwm) = proc_figures(*pid);
        let used = cpu - start_cpu[i];
        let per_poll = used / polls as f64;
        println!(
            "viewer {}: CPU {:.1} % of a core at one poll a second ({:.0} ms per poll; {:.2} % at one poll a minute), RSS {rss:.0} MB (peak {hwm:.0} MB)",
            i + 1,
            used * 100.0 / wall,
            per_poll * 1000.0,
            per_poll * 100.0 / 60.0
        );
    }
    for v in &viewers {
        v.keys(&["q"]);
    }
    drop(viewers);
    drop(collector);
    let _ = std::fs::remove_dir_all(base);
}
