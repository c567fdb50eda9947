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
    // Keys arrive one by one: wait for the whole word in the prompt, not a prefix's result.
    let s = t.wait_for("the filter to apply", |s| {
        s.contains("/ orders") && !s.contains("billing-pg") && s.contains("orders-mysql-r3")
    });
    assert!(s.contains("/ orders"), "filter prompt shown:\n{s}");
    t.keys(&["Enter", "s"]);
    t.wait_for("sort by name", |s| s.contains("sort: name"));
    t.keys(&["j", "Enter"]);
    // The whole frame, not one caught while tmux is still painting it (the old rows below).
    t.wait_for("the detail view", |s| {
        s.contains("Topology")
            && s.contains("Connections (count")
            && (s.contains("Replica lag (s)") || s.contains("CPU (%)"))
    });
    t.keys(&["Escape"]);
    t.wait_for("back to the fleet", |s| s.contains("CONNECTIONS"));
    t.keys(&["?"]);
    t.wait_for("help", |s| s.contains("Keys and commands (Esc or ? closes)"));
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

/// Postmortem end to end: record an hour of the demo (the incident comes every 45 minutes),
/// replay it paused, scrub to the minute the replica lag on orders-mysql-r3 peaked with
/// `:goto`, step a poll back and forward, and export the view (`e`) as SVG, text and
/// Markdown; the Markdown row shows the spike.
#[test]
fn record_replay_scrub_to_the_spike_and_export() {
    let bin = env!("CARGO_BIN_EXE_dbfleet");
    let dir = std::env::temp_dir().join(format!("dbfleet-e2e-pm-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("fast.toml");
    // One simulated minute per 0.1 s poll: an hour in six seconds.
    std::fs::write(&cfg, "[demo]\nspeed = 600\nrefresh_seconds = 0.1\n").unwrap();
    let rec = dir.join("incident.jsonl.zst");
    let t = Tmux::start_with(
        "rec",
        &format!(
            "{bin} demo --start 2026-11-18T15:00:00Z --tz UTC --config {} --record {}",
            cfg.display(),
            rec.display()
        ),
    );
    t.wait_for("the fleet", |s| s.contains("● LIVE"));
    // The tab line's clock, top right, past 16:05.
    t.wait_for("an hour of simulated time", |s| {
        let top: Vec<&str> = s.lines().next().unwrap_or_default().split_whitespace().collect();
        // "… 5 Findings  16:05:12 UTC": the token before UTC, compared as text.
        top.len() >= 2 && top[top.len() - 1] == "UTC" && top[top.len() - 2] >= "16:05:00"
    });
    t.keys(&["q"]);
    t.assert_restored("0");
    drop(t);

    // Where the spike peaked, from the recording itself.
    let recording = dbfleet::record::read_file(&rec).unwrap();
    assert!(recording.truncated.is_none(), "{:?}", recording.truncated);
    let lag_of = |s: &dbfleet::domain::snapshot::FleetSnapshot| {
        s.metrics
            .iter()
            .filter(|u| {
                u.key.resource.ends_with(":db:orders-mysql-r3")
                    && u.key.kind == dbfleet::domain::metrics::MetricKind::ReplicaLag
            })
            .flat_map(|u| u.points.iter().copied())
            .collect::<Vec<_>>()
    };
    let peak = recording
        .snapshots
        .iter()
        .skip(1)
        .flat_map(lag_of)
        .max_by(|a, b| a.value.total_cmp(&b.value))
        .unwrap();
    assert!(peak.value > 120.0, "a spike of minutes was recorded: {peak:?}");
    // The poll that brought the peak's minute, and the newest lag it shows.
    let poll = recording.snapshots.iter().find(|s| s.taken_at >= peak.at).unwrap().taken_at;
    let shown =
        recording.snapshots.iter().take_while(|s| s.taken_at <= poll).flat_map(lag_of).last().unwrap();
    let at = poll.strftime("%H:%M").to_string();

    let out = dir.join("exports");
    let t = Tmux::start_with(
        "play",
        &format!("{bin} replay {} --paused --tz UTC --export-dir {}", rec.display(), out.display()),
    );
    t.wait_for("the paused replay", |s| s.contains("REPLAY paused") && s.contains("poll 1/"));
    t.keys(&[":", &format!("goto {poll}"), "Enter"]);
    t.wait_for("the playhead at the peak", |s| s.contains(&format!("2026-11-18 {at}")));
    // One poll back, then forward: each waits for its poll on the timeline (the hint line,
    // once the step's notice is gone), so the export below is of the poll at the peak.
    let before = recording.snapshots.iter().rev().find(|s| s.taken_at < poll).unwrap().taken_at;
    let bar_shows = |t: jiff::Timestamp| {
        let want = t.strftime("2026-11-18 %H:%M").to_string();
        move |s: &str| s.lines().last().is_some_and(|l| l.contains("├") && l.contains(&want))
    };
    t.keys(&[","]);
    t.wait_for("one poll back", bar_shows(before));
    t.keys(&["."]);
    let s = t.wait_for("and forward", bar_shows(poll));
    assert!(s.contains("orders-mysql-r3"), "{s}");
    t.keys(&["e"]);
    t.wait_for("the export notice", |s| s.contains("exported"));
    // The hour's failover: `:goto failover` plays to the poll that shows it, and the Events
    // view lists it at the minute the notice names.
    t.keys(&[":", "goto failover", "Enter"]);
    let s = t.wait_for("the failover notice", |s| s.contains("goto failover at 2026-11-18 "));
    let hhmm: String = s.split("goto failover at 2026-11-18 ").nth(1).unwrap().chars().take(5).collect();
    t.keys(&["6"]);
    let s =
        t.wait_for("the Events view", |s| s.contains("TIME UTC") && s.contains("Multi-AZ instance failover"));
    assert!(
        s.lines().any(|l| l.contains(&format!(" {hhmm}:")) && l.contains("failover")),
        "the failover at {hhmm} listed:\n{s}"
    );
    t.keys(&["q"]);
    t.assert_restored("0");

    let stem = format!("fleet-{}", poll.strftime("%Y%m%dT%H%M%SZ"));
    for ext in ["svg", "txt", "md"] {
        let p = out.join(format!("{stem}.{ext}"));
        assert!(
            p.is_file(),
            "{} missing; exported: {:?}",
            p.display(),
            std::fs::read_dir(&out).map(|d| d.count())
        );
    }
    let md = std::fs::read_to_string(out.join(format!("{stem}.md"))).unwrap();
    let row = md.lines().find(|l| l.starts_with("| orders-mysql-r3 |")).expect("orders-mysql-r3 row");
    let minutes = dbfleet::domain::format::format_duration_secs(shown.value);
    assert!(shown.value > 60.0, "still in the spike: {shown:?}");
    assert!(row.contains(&minutes), "the spike ({minutes}) in {row}");
    assert!(md.starts_with(&format!("## dbfleet: Fleet at 2026-11-18 {at} UTC")), "{md}");
    let svg = std::fs::read_to_string(out.join(format!("{stem}.svg"))).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("orders-mysql-r3"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A bastion with a non-UTF-8 locale, or TERM=dumb: the dashboard folds every border,
/// sparkline, chart and mark to ASCII and stays readable.
#[test]
fn ascii_fallback_in_a_c_locale_and_on_a_dumb_terminal() {
    let bin = env!("CARGO_BIN_EXE_dbfleet");
    for (name, env) in [("c-locale", "LC_ALL=C"), ("dumb", "TERM=dumb")] {
        let t = Tmux::start_with(
            name,
            &format!("env {env} {bin} demo --start 2026-11-18T15:37:00Z --tz UTC --speed 1"),
        );
        let s = t.wait_for("the fleet", |s| s.contains("LIVE") && s.contains("inventory-mysql-r1"));
        assert!(s.contains("STOPPED") && s.contains("orders-mysql-r3"), "{name}:\n{s}");
        let odd: Vec<char> = s.chars().filter(|c| !c.is_ascii()).collect();
        assert!(odd.is_empty(), "{name}: non-ASCII {odd:?} on screen:\n{s}");
        t.keys(&["2"]);
        let s = t.wait_for("the replication tree", |s| s.contains("TOPOLOGY"));
        assert!(
            s.contains("+-inventory-mysql-r1") || s.contains("|-") || s.contains("+-"),
            "{name}: tree in ASCII:\n{s}"
        );
        assert!(s.is_ascii(), "{name}:\n{s}");
        t.keys(&["1", "Enter"]);
        let s = t.wait_for("a detail chart", |s| s.contains("Connections (count"));
        assert!(s.is_ascii(), "{name}: charts in ASCII:\n{s}");
        t.keys(&["q"]);
        t.assert_restored("0");
    }
}
