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
