//! One collector, two viewers in real terminals: `dbfleet collect --demo` writes a directory
//! (one simulated minute a second) and two `dbfleet attach` dashboards follow it in tmux, one
//! filtered, one paused. The unpaused one's clock advances with each poll and moves on to the
//! next hour file when the collector does; the paused one's stands still until `p`; both
//! quit with the terminal restored.

mod common;

use std::time::{Duration, Instant};

use common::Collector;
use common::tmux::Tmux;

/// The tab line's clock, top right: "… 16:05:12 UTC".
fn clock(screen: &str) -> Option<String> {
    let top: Vec<&str> = screen.lines().next().unwrap_or_default().split_whitespace().collect();
    (top.len() >= 2 && top[top.len() - 1] == "UTC").then(|| top[top.len() - 2].to_string())
}

#[test]
fn a_collector_and_two_attached_viewers_one_filtered_one_paused() {
    let base = std::env::temp_dir().join(format!("dbfleet-tmux-collect-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let cfg = base.join("clock.toml");
    std::fs::write(&cfg, "[demo]\nspeed = 60\nrefresh_seconds = 1\n").unwrap();
    let dir = base.join("rec");
    let bin = env!("CARGO_BIN_EXE_dbfleet");
    let collector =
        Collector::demo(&dir, &cfg, &base.join("collect.log"), &["--start", "2026-11-24T00:57:00Z"]);
    // The first poll on disk before anyone attaches.
    let first = dir.join("dbfleet-2026-11-24T00.jsonl.zst");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !dbfleet::record::read_file(&first).is_ok_and(|r| !r.snapshots.is_empty()) {
        assert!(Instant::now() < deadline, "the collector wrote no poll");
        std::thread::sleep(Duration::from_millis(100));
    }

    let attach =
        format!("{bin} attach {} --tz UTC --log-file {}", dir.display(), base.join("view.log").display());
    let filtered = Tmux::start_with("attach-filtered", &attach);
    let paused = Tmux::start_with("attach-paused", &attach);
    for t in [&filtered, &paused] {
        t.wait_for("the attached fleet", |s| {
            s.contains("inventory-mysql-r1") && s.contains("▶ ATTACHED") && clock(s).is_some()
        });
    }
    filtered.keys(&["/", "orders"]);
    filtered.wait_for("the filter", |s| s.contains("/ orders") && !s.contains("billing-pg"));
    filtered.keys(&["Enter"]);
    paused.keys(&["p"]);
    let frozen = paused.wait_for("the pause banner", |s| s.contains("PAUSED at"));
    let frozen_at = clock(&frozen).unwrap();

    // New polls reach the filtered viewer: its clock moves, past the hour into the next file.
    let s = filtered.screen();
    let before = clock(&s).unwrap();
    let s = filtered.wait_for("the clock past 01:01 (the next hour file)", |s| {
        clock(s).is_some_and(|c| c.as_str() >= "01:01:00" && c != before)
    });
    assert!(s.contains("orders-mysql") && !s.contains("billing-pg"), "still filtered:\n{s}");
    assert!(dir.join("dbfleet-2026-11-24T01.jsonl.zst").exists(), "the collector rotated");

    // Meanwhile the paused viewer did not move; unpaused, it shows the newest poll.
    let s = paused.screen();
    assert_eq!(clock(&s).as_deref(), Some(frozen_at.as_str()), "paused:\n{s}");
    paused.keys(&["p"]);
    paused.wait_for("the clock moving on after p", |s| {
        !s.contains("PAUSED at") && clock(s).is_some_and(|c| c.as_str() >= "01:01:00")
    });

    for t in [&filtered, &paused] {
        t.keys(&["q"]);
        t.assert_restored("0");
    }
    drop(collector);
    let _ = std::fs::remove_dir_all(&base);
}
