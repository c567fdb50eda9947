//! `dbfleet collect` end to end on the demo's fast clock (one simulated minute per 0.1 s
//! poll): the hour files rotate, each reads alone, the directory and files keep their modes
//! under umask 000, `replay DIR --at` shows the fleet as recorded at that instant with the
//! hours before it stitched into its history, and `--redact=names` leaves no real name on
//! disk.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use dbfleet::record::hourly;
use jiff::Timestamp;

/// A collector child process, stopped by SIGTERM (and killed if the test fails first).
struct Collector {
    child: Child,
    pub dir: PathBuf,
    stderr: PathBuf,
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dbfleet-collect-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

impl Collector {
    /// `collect DIR --demo` from `start` under umask 000, with `extra` flags.
    fn start(base: &Path, start: &str, extra: &str) -> Collector {
        let cfg = base.join("fast.toml");
        std::fs::write(&cfg, "[demo]\nspeed = 600\nrefresh_seconds = 0.1\n").unwrap();
        let dir = base.join("rec");
        let stderr = base.join("stderr");
        let bin = env!("CARGO_BIN_EXE_dbfleet");
        let line = format!(
            "umask 000; exec {bin} collect {} --demo --start {start} --config {} --log-file {} {extra}",
            dir.display(),
            cfg.display(),
            base.join("log").display()
        );
        let child = Command::new("sh")
            .args(["-c", &line])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        Collector { child, dir, stderr }
    }

    fn wait_for(&self, what: &str, pred: impl Fn(&[hourly::HourFile]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let files = hourly::list(&self.dir).unwrap_or_default();
            if pred(&files) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}: {files:?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM, then the exit status and what it said.
    fn stop(mut self) -> (bool, String) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "the collector did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        };
        (status.success(), std::fs::read_to_string(&self.stderr).unwrap_or_default())
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

/// Every hour file decompressed, as text.
fn all_text(dir: &Path) -> String {
    hourly::list(dir)
        .unwrap()
        .iter()
        .map(|f| String::from_utf8(zstd::decode_all(std::fs::File::open(&f.path).unwrap()).unwrap()).unwrap())
        .collect()
}

#[test]
fn hour_files_rotate_and_replay_dir_at_shows_that_time() {
    let base = tmp("rotate");
    let c = Collector::start(&base, "2026-11-24T00:50:00Z", "");
    // 00:50 to past 03:00: four hour files (about 13 s of the fast clock).
    c.wait_for("the 03 hour file", |f| f.iter().any(|f| f.hour == at("2026-11-24T03:00:00Z")));
    let dir = c.dir.clone();
    let (ok, said) = c.stop();
    assert!(ok, "exit status; stderr:\n{said}");
    for h in ["00", "01", "02", "03"] {
        assert!(
            said.contains(&format!("writing {}/dbfleet-2026-11-24T{h}.jsonl.zst", dir.display())),
            "{said}"
        );
    }
    assert!(said.contains("signal received: finishing the current file"), "{said}");

    assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700, "the directory under umask 000");
    let files = hourly::list(&dir).unwrap();
    assert_eq!(files.len(), 4, "{files:?}");
    let mut recorded = Vec::new();
    for f in &files {
        assert_eq!(std::fs::metadata(&f.path).unwrap().mode() & 0o777, 0o600, "{}", f.path.display());
        let rec = dbfleet::record::read_file(&f.path).unwrap();
        assert_eq!(rec.truncated, None, "finished on SIGTERM: {}", f.path.display());
        assert!(!rec.snapshots.is_empty());
        let end = f.hour + jiff::SignedDuration::from_hours(1);
        assert!(
            rec.snapshots.iter().all(|s| s.taken_at >= f.hour && s.taken_at < end),
            "polls of its hour only"
        );
        assert!(!rec.snapshots[0].inventory.instances.is_empty(), "each file starts with the inventory");
        recorded.extend(rec.snapshots);
    }
    assert!(all_text(&dir).contains("orders-mysql"), "not redacted: the real names are there");

    // The postmortem: the fleet as recorded at 02:30, the hours before in its charts.
    let when = at("2026-11-24T02:30:00Z");
    let want = recorded.iter().rev().find(|s| s.taken_at <= when).unwrap();
    let cli = dbfleet::cli::Cli::parse_from([
        "dbfleet",
        "--at",
        "2026-11-24T02:30:00Z",
        "--config",
        base.join("fast.toml").to_str().unwrap(),
        "--tz",
        "UTC",
    ]);
    let setup = dbfleet::session::Setup::new(cli.global, false).unwrap();
    let session = setup.replay(&dir, 10.0, true).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let model = rt.block_on(session.poll_once());
    assert_eq!(model.status.last_success, Some(want.taken_at), "the poll at --at");
    assert_eq!(*model.fleet.inventory, *want.inventory, "the inventory as it was then");
    let writer = want.inventory.instances.iter().find(|d| d.id == "orders-mysql").unwrap();
    let cpu =
        model.fleet.history.series(&writer.arn, dbfleet::domain::metrics::MetricKind::CpuPercent).unwrap();
    let oldest = cpu.points().next().unwrap().at;
    assert!(
        oldest < at("2026-11-24T01:00:00Z"),
        "history stitched from the hour files before: oldest point {oldest}"
    );
    let timeline = model.timeline.as_ref().unwrap();
    assert!(timeline.first() < at("2026-11-24T01:00:00Z") && timeline.last() >= at("2026-11-24T03:00:00Z"));

    // Outside the directory's hours: said plainly.
    let cli = dbfleet::cli::Cli::parse_from(["dbfleet", "--at", "2026-12-24T02:30:00Z"]);
    let setup = dbfleet::session::Setup::new(cli.global, false).unwrap();
    let e = setup.replay(&dir, 10.0, true).err().unwrap().to_string();
    assert!(e.contains("no poll recorded between"), "{e}");
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn a_redacting_collector_writes_no_real_name() {
    let base = tmp("redact");
    let c = Collector::start(&base, "2026-11-24T00:50:00Z", "--redact=names");
    c.wait_for("the second hour file", |f| f.len() >= 2);
    let dir = c.dir.clone();
    let (ok, said) = c.stop();
    assert!(ok, "{said}");
    let text = all_text(&dir);
    assert!(text.contains("\"inv\"") && text.contains("db-0"), "an inventory under aliases was written");
    for real in ["orders-mysql", "billing-pg", "inventory-mysql", "search-indexer"] {
        assert!(!text.contains(real), "{real} reached the disk");
    }
    let _ = std::fs::remove_dir_all(base);
}

/// Bad flags are one clear line and exit 2, before anything is created.
#[test]
fn bad_keep_and_unknown_group_are_refused_plainly() {
    let base = tmp("flags");
    let dir = base.join("rec");
    let bin = env!("CARGO_BIN_EXE_dbfleet");
    let run = |args: &[&str]| {
        let o = Command::new(bin).arg("collect").arg(&dir).args(args).output().unwrap();
        (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned())
    };
    let (code, err) = run(&["--demo", "--keep", "10m"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--keep 10m: between 1h and 3660d"), "{err}");
    let (code, err) = run(&["--demo", "--keep", "two weeks"]);
    assert!(code == Some(2) && err.contains("expected a duration such as 14d"), "{err}");
    let (code, err) = run(&["--demo", "--group", "no-such-group-dbfleet"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--group no-such-group-dbfleet: no such group"), "{err}");
    assert!(!dir.exists(), "nothing created");
    let _ = std::fs::remove_dir_all(base);
}
