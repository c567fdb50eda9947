//! Table-driven rule tests at fixed instants.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::settings::{Mute, RuleSettings, SeverityOverride, TagMatch};
use super::{RiskInput, learned_peaks, policy, risk_findings};
use crate::domain::findings::Finding;
use crate::domain::fleet::statics;
use crate::domain::metrics::Point;
use crate::domain::model::*;
use crate::domain::peak::{LoadMetric, profile};
use crate::domain::rule_id::RuleId;
use crate::domain::severity::Severity;
use crate::domain::topology::assign_roles;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn db(id: &str, engine: &str, version: &str, window: &str) -> DbInstance {
    DbInstance {
        auto_minor_version_upgrade: true,
        maintenance_window: Some(window.into()),
        tags: [("env", "production")].into_iter().collect(),
        ..DbInstance::new("111122223333", "us-east-1", id, engine, version, "db.r6g.large")
    }
}

/// Hourly points over `days` days before `end`: 100 on weekdays 13:00-21:59 UTC, 10 otherwise.
fn weekday_afternoons(end: &str, days: i64) -> Vec<Point> {
    let end = ts(end).as_second().div_euclid(3600);
    (end - days * 24..end)
        .map(|h| {
            let at = Timestamp::from_second(h * 3600).unwrap();
            let mow = crate::domain::maintenance::minute_of_week(at) / 60;
            let (day, hour) = (mow / 24, mow % 24);
            Point { at, value: if day < 5 && (13..22).contains(&hour) { 100.0 } else { 10.0 } }
        })
        .collect()
}

fn run(mut inv: Inventory, now: &str, settings: &RuleSettings) -> Vec<Finding> {
    assign_roles(&mut inv);
    let st = statics(&inv);
    let peaks = learned_peaks(&inv, settings);
    let ny = TimeZone::get("America/New_York").unwrap();
    let input = RiskInput::new(&inv, &st, &peaks, settings, &ny, ts(now));
    policy::apply(risk_findings(&input), settings, &inv).0
}

fn find<'a>(f: &'a [Finding], rule: &str, id: &str) -> Option<&'a Finding> {
    f.iter().find(|x| x.rule.as_str() == rule && x.resource_id == id)
}

fn with_profile(mut inv: Inventory, id: &str, points: &[Point]) -> Inventory {
    let arn = inv.instances.iter().find(|d| d.id == id).unwrap().arn.clone();
    inv.load_profiles.insert(arn, std::sync::Arc::new(profile(LoadMetric::Connections, points)));
    inv
}

#[test]
fn auto_upgrade_in_peak_table() {
    let now = "2026-11-22T12:00:00Z"; // a Sunday
    let s = RuleSettings::default();
    // (window, target, env, expected severity)
    let cases: &[(&str, Option<&str>, &str, Option<Severity>)] = &[
        // Tuesday 18:00 UTC: in the learned weekday peak, an upgrade target waiting: critical.
        ("tue:18:00-tue:18:30", Some("15.8"), "production", Some(Severity::Critical)),
        // Same, nothing queued yet: warning.
        ("tue:18:00-tue:18:30", None, "production", Some(Severity::Warning)),
        // Shorter than an hour and inside one peak hour.
        ("tue:13:10-tue:13:40", Some("15.8"), "production", Some(Severity::Critical)),
        // Ends exactly when the peak starts (13:00): not in peak.
        ("tue:12:30-tue:13:00", Some("15.8"), "production", None),
        // Sunday night into Monday: quiet on both sides.
        ("sun:23:30-mon:00:30", Some("15.8"), "production", None),
        // Staging: reported, but as info.
        ("tue:18:00-tue:18:30", Some("15.8"), "staging", Some(Severity::Info)),
    ];
    for (window, target, env, want) in cases {
        let mut d = db("app-pg", "postgres", "15.7", window);
        d.auto_upgrade_target = target.map(Into::into);
        d.tags.insert("env", env.to_string());
        let inv = with_profile(
            Inventory { instances: vec![d.into()], ..Default::default() },
            "app-pg",
            &weekday_afternoons(now, 14),
        );
        let f = run(inv, now, &s);
        let got = find(&f, "auto-upgrade-in-peak", "app-pg").map(|x| x.severity);
        assert_eq!(got, *want, "{window} {target:?} {env}");
        if let Some(x) = find(&f, "auto-upgrade-in-peak", "app-pg") {
            assert!(
                x.evidence.iter().any(|e| e.contains("learned from 14.0 days of hourly DatabaseConnections")),
                "{x:?}"
            );
            assert!(x.evidence.iter().any(|e| e.contains("EST")), "local time: {x:?}");
            assert!(x.remedy.contains("--preferred-maintenance-window"), "{}", x.remedy);
        }
    }
    // Wrapping past Sunday into a Monday peak hour (peak 00:00 UTC Monday for this profile).
    let mut d = db("night-pg", "postgres", "15.7", "sun:23:30-mon:00:30");
    d.auto_upgrade_target = Some("15.8".into());
    let points: Vec<Point> = weekday_afternoons(now, 14)
        .into_iter()
        .map(|p| {
            let mow = crate::domain::maintenance::minute_of_week(p.at) / 60;
            Point { value: if mow == 0 { 100.0 } else { 10.0 }, ..p }
        })
        .collect();
    let inv =
        with_profile(Inventory { instances: vec![d.into()], ..Default::default() }, "night-pg", &points);
    let f = run(inv, now, &s);
    assert_eq!(find(&f, "auto-upgrade-in-peak", "night-pg").map(|x| x.severity), Some(Severity::Critical));
}

#[test]
fn missing_history_falls_back_to_business_hours_across_dst() {
    let s = RuleSettings::default();
    // 12:30 UTC on Tuesdays: 08:30 EDT before the November change (business hours), 07:30
    // EST after (not). No profile at all, then a profile too short to learn from.
    for (now, history_days, want) in [
        ("2026-10-25T12:00:00Z", None, true),
        ("2026-11-01T12:00:00Z", None, false),
        ("2026-10-25T12:00:00Z", Some(3), true),
    ] {
        let mut d = db("new-pg", "postgres", "15.7", "tue:12:30-tue:13:00");
        d.auto_upgrade_target = Some("15.8".into());
        let mut inv = Inventory { instances: vec![d.into()], ..Default::default() };
        if let Some(days) = history_days {
            inv = with_profile(inv, "new-pg", &weekday_afternoons(now, days));
        }
        let f = run(inv, now, &s);
        let x = find(&f, "auto-upgrade-in-peak", "new-pg");
        assert_eq!(x.is_some(), want, "{now} {history_days:?}");
        if let Some(x) = x {
            let why = if history_days.is_some() {
                "only 3.0 days of traffic history"
            } else {
                "no traffic history"
            };
            assert!(
                x.evidence
                    .iter()
                    .any(|e| e.contains("assumed business hours mon-fri 08:00-20:00 America/New_York")
                        && e.contains(why)),
                "{:?}",
                x.evidence
            );
            assert!(x.message.contains("Tue 08:30-09:00 EDT"), "{}", x.message);
        }
    }
    // Business hours per tag: a night-shift team's hours cover the window.
    let mut s = RuleSettings::default();
    s.business_hours.insert(
        0,
        toml::from_str(
            "tag = \"team=night\"\ndays = \"mon-sun\"\nhours = \"00:00-09:00\"\ntime_zone = \"UTC\"",
        )
        .unwrap(),
    );
    let mut d = db("night-pg", "postgres", "15.7", "sun:03:00-sun:03:30");
    d.tags.insert("team", "night");
    let f = run(Inventory { instances: vec![d.into()], ..Default::default() }, "2026-11-20T12:00:00Z", &s);
    let x = find(&f, "auto-upgrade-in-peak", "night-pg").expect("night team's hours");
    assert!(
        x.evidence.iter().any(|e| e.contains("for team=night every day 00:00-09:00 UTC")),
        "{:?}",
        x.evidence
    );
}

#[test]
fn single_az_writer_rule() {
    let now = "2026-11-22T12:00:00Z";
    let s = RuleSettings::default();
    let mut single = db("single", "postgres", "15.7", "sun:04:00-sun:04:30");
    single.auto_upgrade_target = Some("15.8".into());
    let mut maz = db("maz", "postgres", "15.7", "sun:04:00-sun:04:30");
    maz.multi_az = true;
    let mut off = db("off", "postgres", "15.7", "sun:04:00-sun:04:30");
    off.auto_minor_version_upgrade = false;
    let plain = db("plain", "mysql", "8.0.40", "sun:04:00-sun:04:30");
    let mut lone = db("lone-1", "aurora-mysql", "8.0.mysql_aurora.3.05.2", "sun:04:00-sun:04:30");
    lone.cluster_id = Some("lone".into());
    let cluster = DbCluster {
        members: vec![ClusterMember {
            instance_id: "lone-1".into(),
            is_writer: true,
            promotion_tier: Some(1),
        }],
        auto_minor_version_upgrade: true,
        maintenance_window: Some("sun:04:00-sun:04:30".into()),
        ..DbCluster::new("111122223333", "us-east-1", "lone", "aurora-mysql", "8.0.mysql_aurora.3.05.2")
    };
    let inv = Inventory {
        instances: [single, maz, off, plain, lone].map(Into::into).into(),
        clusters: vec![cluster],
        ..Default::default()
    };
    let f = run(inv, now, &s);
    let sev = |id| find(&f, "auto-upgrade-single-az-writer", id).map(|x| x.severity);
    assert_eq!(sev("single"), Some(Severity::Critical), "upgrade target queued");
    assert_eq!(sev("plain"), Some(Severity::Warning), "nothing queued yet");
    assert_eq!(sev("maz"), None);
    assert_eq!(sev("off"), None);
    assert_eq!(sev("lone-1"), Some(Severity::Warning), "Aurora cluster with no reader");
}

fn pending(id: &str, action: &str, auto_after: Option<&str>, forced: Option<&str>) -> PendingAction {
    PendingAction {
        resource_arn: format!("arn:aws:rds:us-east-1:111122223333:db:{id}"),
        resource_id: id.into(),
        region: "us-east-1".into(),
        action: action.into(),
        description: None,
        auto_applied_after: auto_after.map(ts),
        forced_apply: forced.map(ts),
        current_apply: None,
        opt_in_status: Some("pending".into()),
    }
}

#[test]
fn pending_actions_past_and_future() {
    let now = "2026-11-22T12:00:00Z";
    let s = RuleSettings::default();
    let ids = ["a", "b", "c", "d", "e", "f", "g"];
    let mut instances: Vec<DbInstance> =
        ids.iter().map(|id| db(id, "postgres", "15.7", "mon:03:00-mon:03:30")).collect();
    for d in &mut instances {
        d.auto_minor_version_upgrade = false;
        d.multi_az = true;
    }
    instances[5].maintenance_window = Some("wed:03:00-wed:03:30".into());
    instances[6].maintenance_window = None;
    let actions = vec![
        pending("a", "system-update", None, Some("2026-11-24T12:00:00Z")), // 2 days: critical
        pending("b", "db-upgrade", None, Some("2026-12-01T12:00:00Z")),    // 9 days: warning
        pending("c", "db-upgrade", None, Some("2027-01-20T12:00:00Z")),    // 59 days: nothing
        pending("d", "os-upgrade", None, Some("2026-11-20T12:00:00Z")),    // passed: critical
        pending("e", "system-update", Some("2026-11-25T00:00:00Z"), None), // not yet due
        pending("f", "system-update", Some("2026-11-21T00:00:00Z"), None), // due; window Wed: warning
        pending("g", "system-update", Some("2026-11-21T00:00:00Z"), None), // due; no window
    ];
    let mut due_soon = pending("a", "db-upgrade", Some("2026-11-20T00:00:00Z"), None); // due; window tomorrow 03:00
    due_soon.description = Some("Upgrade to 15.8".into());
    let mut actions = actions;
    actions.push(due_soon);
    let inv = Inventory {
        instances: instances.into_iter().map(Into::into).collect(),
        pending_actions: actions,
        ..Default::default()
    };
    let f = run(inv, now, &s);
    let sev = |rule, id| find(&f, rule, id).map(|x| x.severity);
    assert_eq!(sev("forced-apply-soon", "a"), Some(Severity::Critical));
    assert_eq!(sev("forced-apply-soon", "b"), Some(Severity::Warning));
    assert_eq!(sev("forced-apply-soon", "c"), None);
    assert_eq!(sev("forced-apply-soon", "d"), Some(Severity::Critical));
    assert!(find(&f, "forced-apply-soon", "d").unwrap().message.contains("passed 2d00h ago"));
    assert_eq!(sev("auto-apply-next-window", "e"), None);
    assert_eq!(sev("auto-apply-next-window", "f"), Some(Severity::Warning));
    let fx = find(&f, "auto-apply-next-window", "f").unwrap();
    assert!(fx.message.contains("Tue 22:00-22:30 EST (in 2d15h)"), "{}", fx.message);
    assert_eq!(sev("auto-apply-next-window", "g"), Some(Severity::Warning));
    assert!(find(&f, "auto-apply-next-window", "g").unwrap().message.contains("no window known"));
    // The window 15 hours away is within the 24-hour critical horizon.
    let a = f.iter().find(|x| x.rule == RuleId::AutoApplyNextWindow && x.resource_id == "a").unwrap();
    assert_eq!(a.severity, Severity::Critical, "{a:?}");
    assert!(a.evidence.iter().any(|e| e == "action: db-upgrade (Upgrade to 15.8)"));
}

#[test]
fn shared_window_and_replica_rules() {
    let now = "2026-11-22T12:00:00Z";
    let s = RuleSettings::default();
    let mut src = db("src", "mysql", "8.0.39", "thu:02:00-thu:02:30");
    src.multi_az = true;
    src.auto_minor_version_upgrade = false;
    src.pending_modified.engine_version = Some("8.0.40".into());
    let mut insts = vec![src];
    for n in 1..=5 {
        let mut r = db(
            &format!("src-r{n}"),
            "mysql",
            "8.0.39",
            if n == 5 { "sat:02:00-sat:02:30" } else { "thu:02:15-thu:02:45" },
        );
        r.auto_minor_version_upgrade = false;
        r.replica_source = Some("src".into());
        if n == 1 {
            r.pending_modified.engine_version = Some("8.0.40".into());
        }
        insts[0].replicas.push(r.id.clone());
        insts.push(r);
    }
    let mut w = db("pair", "postgres", "16.4", "tue:05:00-tue:05:30");
    w.multi_az = true;
    w.replicas = vec!["pair-r1".into()];
    let mut r = db("pair-r1", "postgres", "16.4", "tue:05:00-tue:05:30");
    r.replica_source = Some("pair".into());
    insts.push(w);
    insts.push(r);
    let inv = Inventory { instances: insts.into_iter().map(Into::into).collect(), ..Default::default() };
    let f = run(inv, now, &s);
    assert!(find(&f, "shared-window", "src").is_none(), "src-r5 is on Saturday: the set survives");
    let pair = find(&f, "shared-window", "pair").expect("writer and replica share tue 05:00");
    assert_eq!(pair.severity, Severity::Warning, "auto upgrade on: {pair:?}");
    let rbs = find(&f, "replica-before-source", "src").expect("source ahead of replicas");
    assert!(rbs.message.contains("ahead of 4 of its replicas"), "{}", rbs.message);
    assert!(!rbs.evidence[1].contains("src-r1 "), "r1 is upgraded too: {:?}", rbs.evidence);
    let lim = find(&f, "replica-limit", "src").unwrap();
    assert_eq!(lim.severity, Severity::Warning, "5 of 5");
}

#[test]
fn replica_limit_blue_green_and_end_of_support() {
    let now = "2026-11-22T12:00:00Z";
    let s = RuleSettings::default();
    let mut near = db("near", "postgres", "14.12", "sun:04:00-sun:04:30");
    near.replicas = (1..=4).map(|n| format!("near-r{n}")).collect();
    let old = db("old", "postgres", "11.22", "sun:04:00-sun:04:30");
    let mut ext = db("ext", "mysql", "8.0.39", "sun:04:00-sun:04:30");
    ext.tags.insert("env", "staging");
    let bg = |status: &str, hours_ago: i64| BlueGreenDeployment {
        id: format!("bgd-{status}"),
        name: format!("bg-{status}"),
        region: "us-east-1".into(),
        source_arn: "arn:aws:rds:us-east-1:111122223333:db:near".into(),
        target_arn: None,
        status: status.into(),
        status_details: None,
        created_at: Timestamp::from_second(ts(now).as_second() - hours_ago * 3600).ok(),
    };
    let day = |s: &str| Some(ts(&format!("{s}T00:00:00Z")));
    let inv = Inventory {
        instances: [near, old, ext].map(Into::into).into(),
        blue_green: vec![
            bg("AVAILABLE", 3),
            bg("PROVISIONING", 24 * 9),
            bg("SWITCHOVER_IN_PROGRESS", 1),
            bg("INVALID_CONFIGURATION", 2),
            bg("SWITCHOVER_COMPLETED", 2),
            bg("DELETING", 1),
        ],
        engine_lifecycles: vec![
            EngineLifecycle {
                engine: "postgres".into(),
                major_version: "14".into(),
                standard_support_end: day("2027-02-28"),
                extended_support_end: day("2030-02-28"),
            },
            EngineLifecycle {
                engine: "postgres".into(),
                major_version: "11".into(),
                standard_support_end: day("2024-02-29"),
                extended_support_end: day("2026-02-28"),
            },
            EngineLifecycle {
                engine: "mysql".into(),
                major_version: "8.0".into(),
                standard_support_end: day("2026-07-31"),
                extended_support_end: day("2029-07-31"),
            },
        ],
        ..Default::default()
    };
    let f = run(inv, now, &s);
    assert_eq!(find(&f, "replica-limit", "near").map(|x| x.severity), Some(Severity::Info), "4 of 5 is near");
    let bgs: Vec<(Severity, &str)> =
        f.iter().filter(|x| x.rule == RuleId::BlueGreen).map(|x| (x.severity, x.message.as_str())).collect();
    assert_eq!(bgs.len(), 5, "{bgs:?}");
    assert!(
        bgs.iter().any(|(s, m)| *s == Severity::Warning && m.contains("provisioning")),
        "9 days provisioning: {bgs:?}"
    );
    assert!(
        bgs.iter()
            .any(|(s, m)| *s == Severity::Info && m.contains("ready for switchover (created 3h00m ago)")),
        "{bgs:?}"
    );
    assert!(bgs.iter().any(|(s, m)| *s == Severity::Warning && m.contains("invalid")), "{bgs:?}");
    let eos = |id| find(&f, "engine-end-of-support", id).map(|x| x.severity);
    assert_eq!(eos("near"), Some(Severity::Warning), "PG 14 standard support ends in 98 days");
    assert_eq!(eos("old"), Some(Severity::Critical), "PG 11 past extended support");
    assert_eq!(eos("ext"), Some(Severity::Info), "in extended support");
}

#[test]
fn invalid_window_is_a_finding_not_a_crash() {
    let s = RuleSettings::default();
    let mut d = db("bad", "postgres", "15.7", "tuesday 3am");
    d.auto_upgrade_target = Some("15.8".into());
    let f = run(Inventory { instances: vec![d.into()], ..Default::default() }, "2026-11-22T12:00:00Z", &s);
    assert_eq!(find(&f, "invalid-window", "bad").map(|x| x.severity), Some(Severity::Warning));
    assert!(find(&f, "auto-upgrade-in-peak", "bad").is_none());
}

#[test]
fn overrides_and_mutes() {
    let now = "2026-11-22T12:00:00Z";
    let mut single = db("single", "postgres", "15.7", "sun:04:00-sun:04:30");
    single.tags.insert("team", "ledger");
    let other = db("other", "postgres", "15.7", "sun:04:00-sun:04:30");
    let inv =
        || Inventory { instances: vec![single.clone().into(), other.clone().into()], ..Default::default() };
    let mut s = RuleSettings::default();
    s.severity.insert(RuleId::AutoUpgradeSingleAzWriter, SeverityOverride::Critical);
    let f = run(inv(), now, &s);
    assert_eq!(
        find(&f, "auto-upgrade-single-az-writer", "single").map(|x| x.severity),
        Some(Severity::Critical)
    );
    s.mute.push(Mute {
        rule: None,
        resource: None,
        tag: Some(TagMatch::parse("team=ledger").unwrap()),
        reason: None,
    });
    let f = run(inv(), now, &s);
    assert!(find(&f, "auto-upgrade-single-az-writer", "single").is_none(), "muted by tag");
    assert!(find(&f, "auto-upgrade-single-az-writer", "other").is_some());
    s.severity.insert(RuleId::AutoUpgradeSingleAzWriter, SeverityOverride::Off);
    assert!(run(inv(), now, &s).iter().all(|x| x.rule != RuleId::AutoUpgradeSingleAzWriter));
}
