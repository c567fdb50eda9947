//! The binary's headless commands and its answers to bad input: one line naming the thing
//! and what is wrong, exit code 2.

use std::process::{Command, Output};

fn dbfleet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dbfleet"))
        .args(args)
        .env("XDG_CONFIG_HOME", std::env::temp_dir().join("dbfleet-cli-test-no-config"))
        .env("XDG_STATE_HOME", std::env::temp_dir().join("dbfleet-cli-test-state"))
        .output()
        .expect("run dbfleet")
}

const START: &str = "2026-11-18T15:37:00Z";

/// A scratch directory of the test's own, removed when the test ends (passed or not).
fn scratch() -> tempfile::TempDir {
    tempfile::Builder::new().prefix("dbfleet-cli-").tempdir().unwrap()
}

fn tmp(dir: &tempfile::TempDir, name: &str) -> std::path::PathBuf {
    dir.path().join(name)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn snapshot_json_has_the_documented_schema() {
    let o = dbfleet(&["snapshot", "--demo", "--start", START, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for k in ["taken_at", "source", "instances", "clusters", "pending_actions", "kafka", "findings", "errors"]
    {
        assert!(v.get(k).is_some(), "top-level {k}");
    }
    assert_eq!(v["taken_at"], START);
    let instances = v["instances"].as_array().unwrap();
    assert!(instances.len() >= 40);
    for k in [
        "id",
        "region",
        "engine",
        "engine_version",
        "class",
        "status",
        "role",
        "cluster_id",
        "replica_source",
        "multi_az",
        "auto_minor_version_upgrade",
        "maintenance_window",
        "connections",
        "max_connections_estimate",
        "replica_lag_seconds",
        "cpu_percent",
    ] {
        assert!(instances[0].get(k).is_some(), "instance field {k}");
    }
    let by_id = |id: &str| instances.iter().find(|i| i["id"] == id).unwrap().clone();
    // Stopped replication is not a number of seconds: null with its state.
    let stopped = by_id("inventory-mysql-r1");
    assert_eq!(stopped["replication_state"], "stopped");
    assert!(stopped["replica_lag_seconds"].is_null());
    assert_eq!(stopped["readings"]["replica_lag"]["value"], -1.0);
    // Aurora reader lag arrives in ms and is reported in seconds.
    let reader = by_id("users-aurora-2");
    let lag = reader["replica_lag_seconds"].as_f64().unwrap();
    assert!(lag > 0.0 && lag < 1.0, "{lag}");
    assert_eq!(reader["readings"]["replica_lag"]["unit"], "Seconds");
    // A replica being created has no datapoints: null, never 0.
    let creating = by_id("apac-catalog-mysql-r3");
    assert!(creating["connections"].is_null() && creating["replica_lag_seconds"].is_null());
    assert_eq!(creating["replication_state"], "no_data");
    let kafka = v["kafka"].as_array().unwrap();
    assert!(kafka.len() >= 10);
    for k in [
        "cluster",
        "consumer_group",
        "topic",
        "max_offset_lag",
        "sum_offset_lag",
        "estimated_max_time_lag_seconds",
    ] {
        assert!(kafka[0].get(k).is_some(), "kafka field {k}");
    }
    // Same seed and start, same bytes.
    let again = dbfleet(&["snapshot", "--demo", "--start", START, "--format", "json"]);
    assert_eq!(o.stdout, again.stdout);
}

#[test]
fn snapshot_markdown() {
    let o = dbfleet(&["snapshot", "--demo", "--start", START, "--format", "markdown"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(md.starts_with("# dbfleet snapshot"));
    assert!(md.contains("| inventory-mysql-r1 |") && md.contains("STOPPED (-1)"));
    assert!(md.contains("## MSK consumer lag"));
}

#[test]
fn render_is_reproducible_and_writes_files() {
    let dir = scratch();
    let svg = tmp(&dir, "fleet.svg");
    let args = [
        "render", "--demo", "--start", START, "--view", "fleet", "--size", "120x40", "--format", "svg",
        "--tz", "UTC",
    ];
    let o = dbfleet(&[&args[..], &["-o", svg.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", stderr(&o));
    let a = std::fs::read(&svg).unwrap();
    let o = dbfleet(&args);
    assert_eq!(a, o.stdout, "byte for byte the same");
    assert!(String::from_utf8_lossy(&a).starts_with("<svg"));
    let txt = dbfleet(&[
        "render",
        "--demo",
        "--start",
        START,
        "--view",
        "detail",
        "--select",
        "orders-mysql-r3",
        "--format",
        "txt",
        "--size",
        "80x24",
    ]);
    assert!(String::from_utf8_lossy(&txt.stdout).contains("replica of"));
}

fn assert_user_error(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    let e = stderr(o);
    assert!(e.contains(needle), "stderr should mention {needle:?}: {e}");
    assert!(o.stdout.is_empty());
}

#[test]
fn bad_input_is_one_clear_line_and_exit_2() {
    let dir = scratch();
    assert_user_error(&dbfleet(&["demo", "--no-such-flag"]), "--no-such-flag");
    assert_user_error(&dbfleet(&["render", "--demo", "--theme", "nope"]), "theme 'nope' not found");
    assert_user_error(&dbfleet(&["render", "--demo", "--view", "nope"]), "unknown view 'nope'");
    assert_user_error(&dbfleet(&["render", "--demo", "--size", "10x2"]), "out of range");
    assert_user_error(&dbfleet(&["render", "--demo", "--tz", "Mars/Base"]), "Mars/Base");

    let cfg = tmp(&dir, "bad-config.toml");
    std::fs::write(&cfg, "refresh_seconds = 60\n[thresholds]\nreplica_lag = { warn = 1, crit = 2 }\n")
        .unwrap();
    let o = dbfleet(&["render", "--demo", "--config", cfg.to_str().unwrap()]);
    assert_user_error(&o, &format!("{}:3:1", cfg.display()));
    assert!(stderr(&o).contains("replica_lag"));

    let theme = tmp(&dir, "bad-theme.toml");
    std::fs::write(&theme, "parent = \"default\"\n[slots]\nwarn = { fg = \"purplish\" }\n").unwrap();
    let o = dbfleet(&["render", "--demo", "--theme", theme.to_str().unwrap()]);
    assert_user_error(&o, &format!("{}:3: slot 'warn' fg", theme.display()));

    let o = dbfleet(&["render", "--demo", "-o", "/nonexistent-dir/x.svg"]);
    assert_user_error(&o, "/nonexistent-dir/x.svg");
    let o = dbfleet(&["render", "--demo", "--start", START, "--config", "/nonexistent/config.toml"]);
    assert_user_error(&o, "/nonexistent/config.toml");
    // Exactly one line.
    assert_eq!(stderr(&o).trim_end().lines().count(), 1, "{}", stderr(&o));
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// `check` on the demo names the single-AZ production writer whose auto-upgrade window is in
/// its learned peak hours as critical, with the evidence in local time; exit codes follow the
/// worst finding listed, and config can change them.
#[test]
fn check_exit_codes_and_the_done_when_finding() {
    let dir = scratch();
    let o = dbfleet(&["check", "--demo", "--start", START, "--tz", "America/New_York"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let text = stdout(&o);
    // Seven from the fleet's state and configuration, two the team's own alarms firing.
    assert!(text.starts_with("CRITICAL: 9 critical"), "{text}");
    // Consumer groups in ERR, STALL and STOP are findings like any other, and a limit set by a
    // parameter group is the one judged against (the class default would say 21%).
    for line in [
        "CRITICAL connections-near-max  orders-api-mysql (us-east-1)",
        "  - max_connections: 640 (parameter-group orders-api-params)",
        "CRITICAL consumer-stalled  prod-cdc/billing-cdc-sink (eu-west-1)",
        "CRITICAL consumer-lag-high  prod-events/search-indexer (us-east-1)",
        "WARNING  consumer-stopped  prod-events/inventory-sync (us-east-1)",
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} missing from:\n{text}");
    }
    let block =
        text.split("\n\n").find(|b| b.contains("auto-upgrade-in-peak  billing-pg")).expect("billing-pg");
    assert!(block.starts_with("CRITICAL"), "{block}");
    for needle in [
        "Tue 13:00-13:30 EST",
        "tue:18:00-tue:18:30 UTC",
        "learned from 14.0 days of hourly DatabaseConnections",
        "peak hours on Tue 2026-11-24: 09:00-17:00 EST",
        "15.7 -> 15.8",
        "single-AZ, no standby",
        "remedy: Move the window to a quiet hour",
    ] {
        assert!(block.contains(needle), "{needle:?} missing from:\n{block}");
    }

    let o = dbfleet(&["check", "--demo", "--start", START, "--format", "json", "--min-severity", "critical"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["exit_code"], 2);
    assert_eq!(v["summary"]["critical"], 9);
    assert!(v["summary"]["below_min_severity"].as_u64().unwrap() > 0);
    let f = v["findings"].as_array().unwrap();
    assert!(f.iter().all(|x| x["severity"] == "critical"), "{f:?}");
    let peak =
        f.iter().find(|x| x["rule"] == "auto-upgrade-in-peak" && x["resource_id"] == "billing-pg").unwrap();
    assert!(peak["evidence"].as_array().unwrap().len() >= 4, "{peak}");

    let md = stdout(&dbfleet(&["check", "--demo", "--start", START, "--format", "markdown"]));
    assert!(md.contains("| critical | auto-upgrade-in-peak | billing-pg | us-east-1 |"), "{md}");
    assert!(md.contains("**Remedy:**"), "{md}");

    // Every rule turned down to info: nothing at warning or above, exit 0; one rule back to
    // warning: exit 1.
    let all_info: String =
        dbfleet::domain::rule_id::RuleId::ALL.iter().map(|r| format!("{r} = \"info\"\n")).collect();
    let cfg = tmp(&dir, "all-info.toml");
    std::fs::write(&cfg, format!("[rules.severity]\n{all_info}")).unwrap();
    let o = dbfleet(&["check", "--demo", "--start", START, "--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("OK: 0 critical, 0 warning"), "{}", stdout(&o));
    let cfg = tmp(&dir, "one-warning.toml");
    std::fs::write(
        &cfg,
        format!(
            "[rules.severity]\n{}",
            all_info.replace("replica-limit = \"info\"", "replica-limit = \"warning\"")
        ),
    )
    .unwrap();
    let o = dbfleet(&["check", "--demo", "--start", START, "--config", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    // Muting a resource by name and a whole environment by tag.
    let cfg = tmp(&dir, "mutes.toml");
    std::fs::write(
        &cfg,
        "[[rules.mute]]\nrule = \"*\"\nresource = \"billing-pg*\"\n\n[[rules.mute]]\nrule = \"*\"\ntag = \"env=staging\"\n",
    )
    .unwrap();
    let o = dbfleet(&[
        "check",
        "--demo",
        "--start",
        START,
        "--config",
        cfg.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = v["findings"].as_array().unwrap();
    assert!(f.iter().all(|x| !x["resource_id"].as_str().unwrap().starts_with("billing-pg")), "{f:?}");
    assert!(f.iter().all(|x| !x["resource_id"].as_str().unwrap().starts_with("staging-")), "{f:?}");
    assert!(v["summary"]["muted"].as_u64().unwrap() >= 8, "{}", v["summary"]);
}

#[test]
fn check_that_cannot_collect_exits_3() {
    // Nothing listens on port 9: every call is refused, quickly.
    let o = Command::new(env!("CARGO_BIN_EXE_dbfleet"))
        .args(["check", "--endpoint-url", "http://127.0.0.1:9", "--region", "us-east-1"])
        .env("XDG_CONFIG_HOME", std::env::temp_dir().join("dbfleet-cli-test-no-config"))
        .env("XDG_STATE_HOME", std::env::temp_dir().join("dbfleet-cli-test-state"))
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).starts_with("UNKNOWN"), "{}", stdout(&o));
    assert!(stdout(&o).contains("Connection refused"), "{}", stdout(&o));
}

#[test]
fn bad_rules_config_names_file_line_and_field() {
    let dir = scratch();
    for (text, needle) in [
        ("[rules]\npeak_band = 1.5\n", "rules.peak_band"),
        ("[rules.severity]\nno-such-rule = \"info\"\n", ":2:1: unknown rule \"no-such-rule\""),
        ("[rules.severity]\nshared-window = \"loud\"\n", ":2:"),
        ("[[rules.mute]]\nrule = \"nope\"\n", "unknown rule \"nope\""),
        ("[[rules.mute]]\nrule = \"*\"\ntag = \"staging\"\n", "expected key=value"),
        ("[[rules.business_hours]]\ndays = \"mon-fri\"\nhours = \"20:00-08:00\"\n", "start before end"),
        ("[[rules.business_hours]]\ntime_zone = \"Mars/Base\"\n", "Mars/Base"),
        ("[rules.forced_apply_days]\nwarn = 2\ncrit = 5\n", "rules.forced_apply_days"),
    ] {
        let cfg = tmp(&dir, "bad-rules.toml");
        std::fs::write(&cfg, text).unwrap();
        let o = dbfleet(&["check", "--demo", "--start", START, "--config", cfg.to_str().unwrap()]);
        assert_user_error(&o, needle);
        assert!(stderr(&o).contains(&cfg.display().to_string()), "{}", stderr(&o));
    }
}

/// Shell completions and the man page come from the CLI definition itself (clap_complete,
/// clap_mangen), so every command, doctor included, is in them.
#[test]
fn completions_and_man_page() {
    for (shell, marker) in
        [("bash", "_dbfleet()"), ("zsh", "#compdef dbfleet"), ("fish", "complete -c dbfleet")]
    {
        let o = dbfleet(&["completions", shell]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let text = stdout(&o);
        assert!(text.contains(marker), "{shell}: {text}");
        assert!(text.contains("doctor") && text.contains("snapshot"), "{shell} completes the commands");
    }
    let o = dbfleet(&["man"]);
    assert!(o.status.success());
    let man = stdout(&o);
    assert!(man.starts_with(".ie") || man.starts_with(".TH"), "{}", &man[..man.len().min(200)]);
    assert!(man.contains(".TH dbfleet 1"), "{man}");
    assert!(man.contains("doctor"), "{man}");
    let o = dbfleet(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2), "an unknown shell is a usage error");
}
