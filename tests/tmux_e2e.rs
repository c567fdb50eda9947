//! End to end: the real binary in a real terminal (tmux, on a private socket), driven by keys,
//! read back with capture-pane; then the terminal must be back in cooked mode, whether the
//! program quit by key, by SIGTERM or by SIGHUP.

mod common;

use std::process::Command;

use common::tmux::Tmux;

#[test]
fn demo_filter_sort_detail_help_quit() {
    let t = Tmux::start("keys");
    t.wait_for("the fleet", |s| s.contains("● LIVE") && s.contains("inventory-mysql-r1"));
    t.keys(&["/", "orders"]);
    let s = t.wait_for("the filter to apply", |s| !s.contains("billing-pg") && s.contains("orders-mysql-r3"));
    assert!(s.contains("/ orders"), "filter prompt shown:\n{s}");
    t.keys(&["Enter", "s"]);
    t.wait_for("sort by name", |s| s.contains("sort: name"));
    t.keys(&["j", "Enter"]);
    let s = t.wait_for("the detail view", |s| s.contains("Topology") && s.contains("Connections (count"));
    assert!(s.contains("Replica lag (s)") || s.contains("CPU (%)"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("back to the fleet", |s| s.contains("CONNECTIONS"));
    t.keys(&["?"]);
    t.wait_for("help", |s| s.contains("Keys (Esc or ? closes)"));
    t.keys(&["Escape", "2"]);
    t.wait_for("the replication view", |s| s.contains("TOPOLOGY"));
    t.keys(&["p"]);
    t.wait_for("pause banner", |s| s.contains("PAUSED"));
    t.keys(&["q"]);
    t.assert_restored("0");
}

#[test]
fn sigterm_restores_the_terminal() {
    let t = Tmux::start("term");
    t.wait_for("the fleet", |s| s.contains("● LIVE"));
    assert!(Command::new("kill").args(["-TERM", &t.pid().to_string()]).status().unwrap().success());
    t.assert_restored("0");
}

#[test]
fn sighup_restores_the_terminal() {
    let t = Tmux::start("hup");
    t.wait_for("the fleet", |s| s.contains("● LIVE"));
    assert!(Command::new("kill").args(["-HUP", &t.pid().to_string()]).status().unwrap().success());
    t.assert_restored("0");
}

#[test]
fn panic_restores_the_terminal_and_shows_the_message() {
    let bin = env!("CARGO_BIN_EXE_dbfleet");
    let t = Tmux::start_with("panic", &format!("env RUST_BACKTRACE=0 {bin} demo --debug-panic --speed 1"));
    t.assert_restored("101");
    let s = t.screen();
    assert!(s.contains("debug panic requested"), "panic message on the main screen:\n{s}");
}

/// Maintenance risk end to end: a config that mutes a rule and overrides a severity, the
/// Maintenance timeline sorted by risk, the Findings view filtered, and the evidence popup.
#[test]
fn maintenance_and_findings_with_rules_config() {
    let dir = std::env::temp_dir().join(format!("dbfleet-e2e-rules-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("config.toml");
    std::fs::write(
        &cfg,
        "[rules.severity]\nshared-window = \"info\"\n\n[[rules.mute]]\nrule = \"engine-end-of-support\"\nreason = \"tracked in the upgrade plan\"\n",
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_dbfleet");
    let t = Tmux::start_with(
        "rules",
        &format!(
            "{bin} demo --start 2026-11-18T15:37:00Z --tz America/New_York --speed 1 --config {}",
            cfg.display()
        ),
    );
    t.wait_for("the fleet", |s| s.contains("● LIVE"));
    t.keys(&["4"]);
    t.wait_for("the maintenance timeline", |s| s.contains("NEXT EST") && s.contains("Wed 21:00 in 10h"));
    t.keys(&["s"]);
    let s = t.wait_for("sorted by risk", |s| s.contains("INSTANCE ▼risk"));
    let first = s.lines().nth(2).unwrap_or_default();
    assert!(first.contains('▲'), "riskiest first: {first}\n{s}");
    t.keys(&["5"]);
    let s = t.wait_for("the findings", |s| s.contains("muted") && s.contains("auto-upgrade-in-peak"));
    assert!(!s.contains("engine-end-of-support"), "muted rule listed:\n{s}");
    assert!(!s.contains("WARN shared-window"), "shared-window overridden to info:\n{s}");
    t.keys(&["/", "billing-pg", "Enter", "Enter"]);
    let s = t.wait_for("the evidence popup", |s| s.contains("Evidence") && s.contains("Remedy"));
    assert!(s.contains("learned from 14.0 days of hourly DatabaseConnections"), "{s}");
    assert!(s.contains("Tue 13:00-13:30 EST"), "{s}");
    t.keys(&["Escape", "q"]);
    t.assert_restored("0");
    let _ = std::fs::remove_dir_all(&dir);
}
