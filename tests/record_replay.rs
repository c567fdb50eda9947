//! Recordings: what is written reads back as the snapshots that were recorded (plain and
//! zstd); a cut-off last line is dropped with a notice, a corrupt or foreign file is an error
//! naming the line; an hour of a 230-instance fleet stays in single-digit megabytes; a replay
//! seeked backwards shows exactly what playing forward to the same instant showed.

use std::path::PathBuf;

use dbfleet::app::state::Model;
use dbfleet::app::update::apply_snapshot;
use dbfleet::domain::metrics::{MetricKind, Point, SeriesKey, SeriesUpdate};
use dbfleet::domain::snapshot::FleetSnapshot;
use dbfleet::domain::thresholds::Thresholds;
use dbfleet::record::{Recorder, read_file};
use dbfleet::source::demo::{DemoOptions, DemoSource};
use dbfleet::source::replay::ReplaySource;
use jiff::{SignedDuration, Timestamp};

fn start() -> Timestamp {
    "2026-11-18T15:00:00Z".parse().unwrap()
}

/// A scratch directory of the test's own, removed when the test ends (passed or not).
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("dbfleet-rec-").tempdir().unwrap()
}

fn tmp(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// `polls` demo polls a minute apart, as the TUI would receive them.
fn demo_polls(copies: usize, polls: i64) -> Vec<FleetSnapshot> {
    let mut src = DemoSource::new(DemoOptions { copies, ..Default::default() }, start());
    (0..polls).map(|k| src.snapshot_at(start() + SignedDuration::from_mins(k))).collect()
}

fn record(path: &std::path::Path, snaps: &[FleetSnapshot]) -> (u64, u64) {
    let mut r = Recorder::create(path, snaps[0].source.clone(), start()).unwrap();
    for s in snaps {
        r.append(s).unwrap();
    }
    let (lines, bytes) = (r.lines, r.bytes);
    r.finish().unwrap();
    (lines, bytes)
}

#[test]
fn a_recording_reads_back_as_the_recorded_snapshots() {
    let dir = scratch();
    let snaps = demo_polls(1, 20);
    for name in ["demo.jsonl", "demo.jsonl.zst"] {
        let path = tmp(&dir, name);
        record(&path, &snaps);
        let rec = read_file(&path).unwrap();
        assert_eq!(rec.truncated, None, "{name}");
        assert_eq!(rec.snapshots.len(), snaps.len(), "{name}");
        for (got, want) in rec.snapshots.iter().zip(&snaps) {
            assert_eq!(got, want, "{name}: poll at {}", want.taken_at);
        }
    }
    let plain = std::fs::metadata(tmp(&dir, "demo.jsonl")).unwrap().len();
    let zst = std::fs::metadata(tmp(&dir, "demo.jsonl.zst")).unwrap().len();
    eprintln!("20 demo polls: {plain} bytes plain, {zst} bytes zstd");
    assert!(zst * 3 < plain, "zstd shrinks it: {zst} vs {plain}");
}

#[test]
fn overlapping_points_are_written_once_and_revisions_again() {
    let dir = scratch();
    let snaps = demo_polls(1, 1);
    let key = SeriesKey::resource("arn:aws:rds:us-east-1:111122223333:db:x", MetricKind::CpuPercent);
    let at = |m: i64| start() + SignedDuration::from_mins(m);
    let poll = |from: i64, to: i64, last: f64| {
        let mut s = snaps[0].clone();
        s.metrics = vec![SeriesUpdate {
            key: key.clone(),
            period_secs: 60,
            points: (from..=to)
                .map(|m| Point { at: at(m), value: if m == to { last } else { m as f64 } })
                .collect(),
        }];
        s
    };
    // Live polls re-send five minutes of overlap; the newest minute is revised by CloudWatch.
    let path = tmp(&dir, "overlap.jsonl");
    record(&path, &[poll(0, 9, 9.5), poll(5, 12, 12.0)]);
    let text = std::fs::read_to_string(&path).unwrap();
    let second = text.lines().nth(2).unwrap();
    assert!(second.contains("[9.0,10.0,11.0,12.0]"), "only the revised minute 9 and the new ones: {second}");
    let rec = read_file(&path).unwrap();
    let pts: Vec<f64> = rec.snapshots[1].metrics[0].points.iter().map(|p| p.value).collect();
    assert_eq!(pts, vec![9.0, 10.0, 11.0, 12.0]);
}

#[test]
fn cut_off_corrupt_and_foreign_files() {
    let dir = scratch();
    let snaps = demo_polls(1, 5);
    let path = tmp(&dir, "cut.jsonl");
    record(&path, &snaps);
    let text = std::fs::read_to_string(&path).unwrap();
    // A crash while writing the last poll: half a line.
    let cut = &text[..text.len() - text.lines().last().unwrap().len() / 2];
    std::fs::write(&path, cut).unwrap();
    let rec = read_file(&path).unwrap();
    assert_eq!(rec.snapshots.len(), 4);
    assert!(rec.truncated.as_deref().unwrap().contains("line 6 is cut off"), "{:?}", rec.truncated);

    // A corrupt line in the middle is an error naming it.
    let mut lines: Vec<&str> = text.lines().collect();
    lines[3] = "{\"t\":\"2026-11-18T15:02:00Z\",\"m\":[[0,60,\"x\"]]}";
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let e = read_file(&path).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{}:4: ", path.display())), "{e}");

    // Not a recording at all.
    std::fs::write(&path, "refresh_seconds = 60\n").unwrap();
    let e = read_file(&path).unwrap_err().to_string();
    assert!(e.contains("not a dbfleet recording"), "{e}");
    std::fs::write(&path, "").unwrap();
    assert!(read_file(&path).unwrap_err().to_string().contains("not a dbfleet recording"));

    // A compressed recording cut mid-stream keeps what was flushed before.
    let zpath = tmp(&dir, "cut.jsonl.zst");
    let mut r = Recorder::create(&zpath, snaps[0].source.clone(), start()).unwrap();
    for s in &snaps {
        r.append(s).unwrap();
    }
    drop(r); // no end mark, as after a crash
    let bytes = std::fs::read(&zpath).unwrap();
    std::fs::write(&zpath, &bytes[..bytes.len() - 7]).unwrap();
    let rec = read_file(&zpath).unwrap();
    assert!(
        rec.snapshots.len() >= 4 && rec.truncated.is_some(),
        "{} polls, {:?}",
        rec.snapshots.len(),
        rec.truncated
    );
}

/// One hour of a 230-instance fleet (the demo x5, 80 consumer group x topic pairs), one poll a
/// minute: single-digit megabytes plain, far less compressed.
#[test]
fn an_hour_of_a_large_fleet_is_small() {
    let dir = scratch();
    let snaps = demo_polls(5, 61);
    assert!(snaps[0].inventory.instances.len() >= 200);
    let (path, zpath) = (tmp(&dir, "hour.jsonl"), tmp(&dir, "hour.jsonl.zst"));
    record(&path, &snaps);
    record(&zpath, &snaps);
    let plain = std::fs::metadata(&path).unwrap().len();
    let zst = std::fs::metadata(&zpath).unwrap().len();
    // The first poll carries 3 hours of history for the charts; the rest are deltas.
    eprintln!(
        "hour of {} instances: {:.2} MB plain, {:.2} MB zstd",
        snaps[0].inventory.instances.len(),
        plain as f64 / 1e6,
        zst as f64 / 1e6
    );
    assert!(plain < 10_000_000, "{plain} bytes");
    assert!(zst < plain / 3, "{zst} bytes");
}

fn report(m: &Model) -> String {
    serde_json::to_string(&dbfleet::report::json::build(m)).unwrap()
}

#[test]
fn a_replay_seeked_back_shows_what_playing_forward_showed() {
    let dir = scratch();
    let snaps = demo_polls(1, 40);
    let path = tmp(&dir, "seek.jsonl");
    record(&path, &snaps);
    let rec = read_file(&path).unwrap();
    let mut src = ReplaySource::new(rec, &path).unwrap();
    let model = |at: Timestamp| Model::new(at, Thresholds::default(), jiff::tz::TimeZone::UTC, Vec::new());
    let at = |m: i64| start() + SignedDuration::from_mins(m) + SignedDuration::from_secs(20);

    // Forward to minute 25, one poll at a time, keeping what the screen would show at 12.
    let mut fwd = model(at(0));
    let mut at_12 = String::new();
    for k in 0..=25 {
        let s = src.snapshot_at(at(k));
        assert!(!s.reset || k == 0, "only the first answer resets");
        apply_snapshot(&mut fwd, s, at(k));
        if k == 12 {
            at_12 = report(&fwd);
        }
    }
    // Back to 12: a reset snapshot that rebuilds the same state.
    let back = src.snapshot_at(at(12));
    assert!(back.reset);
    apply_snapshot(&mut fwd, back, at(12));
    assert_eq!(report(&fwd), at_12, "seeking back to 12 shows what playing to 12 showed");
    // And a jump forward skips polls without losing their points.
    apply_snapshot(&mut fwd, src.snapshot_at(at(39)), at(39));
    let mut direct = model(at(0));
    let mut fresh = ReplaySource::new(read_file(&path).unwrap(), &path).unwrap();
    apply_snapshot(&mut direct, fresh.snapshot_at(at(39)), at(39));
    assert_eq!(report(&fwd), report(&direct));
    assert!(report(&direct).contains("\"kind\":\"replay\""));
}

/// An hour's recording with the demo's failover in it: the failover is not on screen before
/// the playhead reaches the poll that brought it, is once it has, goes when the playhead seeks
/// back before it, and comes back playing forward. Alarm changes are written alone and read
/// back into the inventory.
#[test]
fn events_appear_as_the_playhead_passes_and_go_when_it_seeks_back() {
    let dir = scratch();
    use dbfleet::domain::events::EventKind;
    let snaps = demo_polls(1, 60);
    let path = tmp(&dir, "events.jsonl");
    record(&path, &snaps);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.lines().any(|l| l.contains("\"al\":")), "an alarm changed state within the hour");
    let rec = read_file(&path).unwrap();
    assert_eq!(rec.snapshots, snaps, "events and alarm states read back as recorded");
    // A version 1 file (before events) still reads: it has neither field.
    let v1: String = text
        .lines()
        .take(3)
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            if v.get("version").is_some() {
                v["version"] = 1.into();
            }
            if let Some(o) = v.as_object_mut() {
                o.remove("ev");
                o.remove("al");
            }
            v.to_string() + "\n"
        })
        .collect();
    let v1_path = tmp(&dir, "v1.jsonl");
    std::fs::write(&v1_path, v1).unwrap();
    let old = read_file(&v1_path).unwrap();
    assert_eq!(old.snapshots.len(), 2);
    assert!(old.snapshots.iter().all(|s| s.events.is_empty()));
    // A failover the hour brings (not one of the first poll's three hours of history).
    let (poll, failover) = snaps[1..]
        .iter()
        .find_map(|s| {
            s.events.iter().find(|e| e.kind() == EventKind::Failover).map(|e| (s.taken_at, e.clone()))
        })
        .expect("the incident cycle's failover within the hour");
    let mut src = ReplaySource::new(rec, &path).unwrap();
    let mut m = Model::new(start(), Thresholds::default(), jiff::tz::TimeZone::UTC, vec![]);
    let has = |m: &Model| m.fleet.events.all().contains(&failover);
    let at = |m: &mut Model, src: &mut ReplaySource, t: Timestamp| apply_snapshot(m, src.snapshot_at(t), t);
    let before = poll - SignedDuration::from_mins(1);
    at(&mut m, &mut src, before);
    assert!(!has(&m), "not yet: the playhead is before the poll that brought it");
    at(&mut m, &mut src, poll);
    assert!(has(&m), "the playhead passed it");
    assert!(m.fleet.findings.iter().any(|f| f.rule.as_str() == "recent-failover"));
    at(&mut m, &mut src, before);
    assert!(!has(&m), "seeked back before it: gone");
    at(&mut m, &mut src, snaps.last().unwrap().taken_at);
    assert!(has(&m), "and back playing forward");
    assert_eq!(m.fleet.events.all().iter().filter(|e| **e == failover).count(), 1, "once");
}

/// A dashboard watching now keeps the newest hour a point a minute and the hours before it
/// as each ten minutes' low and high (the same points, fewer slots); a replay of the same
/// polls keeps every minute, since its playhead can stop at any of them.
#[test]
fn the_dashboard_keeps_older_hours_as_ranges_and_a_replay_every_minute() {
    use clap::Parser;
    use dbfleet::domain::metrics::{BLOCK_PERIODS, Resolution};
    let dir = scratch();
    let cli = |args: &[&str]| dbfleet::cli::Cli::parse_from([&["dbfleet"], args].concat());
    let demo = cli(&["--tz", "UTC", "demo", "--seed", "42", "--start", "2026-11-18T15:37:00Z"]);
    let Some(dbfleet::cli::Command::Demo { demo: args, .. }) = demo.command else { panic!("demo args") };
    let setup = dbfleet::session::Setup::new(demo.global, false).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    // The one-shot demo (`render`): three hours in its one poll, as the dashboard keeps them.
    let session = setup.demo(&args, dbfleet::session::DemoUse::OneShot).unwrap();
    assert_eq!(session.model.fleet.history.resolution(), Resolution::Tiered);
    let tiered = rt.block_on(session.poll_once());
    let at: Timestamp = "2026-11-18T15:37:00Z".parse().unwrap();
    let mut src = DemoSource::new(DemoOptions { seed: 42, ..Default::default() }, at);
    let mut exact = Model::new(at, Thresholds::default(), jiff::tz::TimeZone::UTC, Vec::new());
    apply_snapshot(&mut exact, src.snapshot_at(at), at);
    assert_eq!(exact.fleet.history.resolution(), Resolution::Exact);

    let arn = &exact.fleet.inventory.instances.iter().find(|d| d.id == "orders-mysql").unwrap().arn;
    let (t, e) = (
        tiered.fleet.history.series(arn, MetricKind::Connections).unwrap(),
        exact.fleet.history.series(arn, MetricKind::Connections).unwrap(),
    );
    let until = t.blocks_until().expect("three hours: the older two in blocks");
    assert_eq!(t.latest(), e.latest(), "the number on screen is the same");
    let newest: Vec<Point> = e.points().filter(|p| p.at >= until).collect();
    assert_eq!(t.period_points().collect::<Vec<_>>(), newest, "the newest hour, every minute");
    assert!(newest.len() >= 55, "{}", newest.len());
    // Before it, each block is the low and the high of the minutes it covers.
    let block = 60 * BLOCK_PERIODS;
    let older: Vec<Point> = t.points().filter(|p| p.at < until).collect();
    assert!(older.len() >= 2 * 10, "{}", older.len());
    for pair in older.chunks(2) {
        let from = pair[0].at.as_second().div_euclid(block) * block;
        let inside: Vec<f64> = e
            .points()
            .filter(|p| (from..from + block).contains(&p.at.as_second()) && p.at < until)
            .map(|p| p.value)
            .collect();
        let lo = inside.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = inside.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        assert_eq!((pair[0].value, pair[1].value), (lo, hi), "block from {from}");
    }

    // A replay of recorded polls keeps every minute.
    let path = tmp(&dir, "exact.jsonl");
    record(&path, &demo_polls(1, 5));
    let replay = cli(&["--tz", "UTC", "replay", path.to_str().unwrap()]);
    let setup = dbfleet::session::Setup::new(replay.global, false).unwrap();
    let session = setup.replay(&path, 10.0, true).unwrap();
    assert_eq!(session.model.fleet.history.resolution(), Resolution::Exact);
    let replayed = rt.block_on(session.poll_once());
    let arn = &replayed.fleet.inventory.instances.iter().find(|d| d.id == "orders-mysql").unwrap().arn;
    let s = replayed.fleet.history.series(arn, MetricKind::Connections).unwrap();
    assert_eq!(s.blocks_until(), None);
    assert!(s.points().count() > 120, "the demo's first poll's hours, a point a minute");
}
