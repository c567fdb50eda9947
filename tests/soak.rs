//! Soak: the real binary on the demo, polling as fast as it can (one simulated minute every
//! 20 ms) until it has recorded a day of polls (1,440), in a real terminal. The history ring
//! buffers fill after 4 hours; from then on resident memory must stay flat, and the number of
//! threads and open file descriptors must not grow.

mod common;

use std::time::{Duration, Instant};

use common::tmux::Tmux;

fn proc_field(pid: i32, field: &str) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn fds(pid: i32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map(|d| d.count()).unwrap_or(0)
}

fn lines(path: &std::path::Path) -> usize {
    std::fs::read(path).map(|b| b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(0)
}

#[test]
fn a_day_of_polls_keeps_memory_threads_and_files_flat() {
    let dir = std::env::temp_dir().join(format!("dbfleet-soak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("soak.toml");
    std::fs::write(&cfg, "[demo]\nspeed = 3000\nrefresh_seconds = 0.02\n").unwrap();
    let rec = dir.join("day.jsonl");
    let bin = env!("CARGO_BIN_EXE_dbfleet");
    let t = Tmux::start_with(
        "soak",
        &format!(
            "{bin} demo --start 2026-11-18T15:00:00Z --tz UTC --config {} --record {}",
            cfg.display(),
            rec.display()
        ),
    );
    t.wait_for("the fleet", |s| s.contains("● LIVE"));
    let pid = t.pid();
    // (polls recorded, RSS kB, threads, fds)
    let mut samples: Vec<(usize, u64, u64, usize)> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        let polls = lines(&rec).saturating_sub(1);
        let rss = proc_field(pid, "VmRSS:").expect("the process is alive");
        let threads = proc_field(pid, "Threads:").unwrap_or(0);
        samples.push((polls, rss, threads, fds(pid)));
        if polls >= 1_440 {
            break;
        }
        assert!(Instant::now() < deadline, "1,440 polls in 240 s; got {polls}");
        std::thread::sleep(Duration::from_millis(500));
    }
    t.keys(&["q"]);
    t.assert_restored("0");
    // After the rings are full (240 polls) and a warm-up hour: the baseline.
    let warm: Vec<_> = samples.iter().filter(|s| s.0 >= 300).collect();
    assert!(warm.len() >= 4, "enough samples after the warm-up: {samples:?}");
    let base = warm[0];
    let peak_rss = warm.iter().map(|s| s.1).max().unwrap();
    let last = samples.last().unwrap();
    eprintln!(
        "soak: {} polls; RSS {} kB at poll {} -> {} kB at the end (peak {} kB); threads {} -> {}; fds {} -> {}",
        last.0, base.1, base.0, last.1, peak_rss, base.2, last.2, base.3, last.3
    );
    assert!(
        peak_rss <= base.1 + base.1 / 10 + 2_048,
        "RSS grew: {base:?} -> peak {peak_rss} kB; {samples:?}"
    );
    assert!(warm.iter().all(|s| s.2 <= base.2), "threads grew: {samples:?}");
    // A file open at the instant of one sample (a recording flush) is not a leak: a leak
    // stays. No three samples in a row above the baseline, and none at the end.
    assert!(
        warm.windows(3).all(|w| w.iter().map(|s| s.3).min() <= Some(base.3)) && last.3 <= base.3,
        "file descriptors grew: {samples:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
