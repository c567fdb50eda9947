//! The demo fleet's consumer groups, polled minute by minute for five hours as the TUI does,
//! get the statuses their behaviour calls for, and only those: the falling-behind group goes
//! WARN then ERR as its time lag crosses the threshold, the stalled one is STALL, the one
//! draining a backlog OK, idle and healthy groups never alarm, the vanishing one STOP; and
//! ERR, STALL and STOP groups (only they) are findings.

use std::collections::BTreeMap;

use dbfleet::app::state::Model;
use dbfleet::app::update::apply_snapshot;
use dbfleet::domain::consumer_status::LagStatus;
use dbfleet::domain::thresholds::Thresholds;
use dbfleet::source::demo::{DemoOptions, DemoSource};
use jiff::{SignedDuration, Timestamp};

/// One minute of one group x topic: its status and its time lag.
type Minute = (Timestamp, LagStatus, Option<f64>);

/// Per group x topic: its status at each minute, and the findings' rules per group.
struct Timeline {
    statuses: BTreeMap<(String, String), Vec<Minute>>,
    findings: BTreeMap<String, Vec<(Timestamp, String)>>,
}

fn run(start: &str, minutes: i64) -> Timeline {
    let start: Timestamp = start.parse().unwrap();
    let mut src = DemoSource::new(DemoOptions::default(), start);
    let mut m = Model::new(start, Thresholds::default(), jiff::tz::TimeZone::UTC, Vec::new());
    let mut t = Timeline { statuses: BTreeMap::new(), findings: BTreeMap::new() };
    for k in 0..=minutes {
        let now = start + SignedDuration::from_mins(k);
        apply_snapshot(&mut m, src.snapshot_at(now), now);
        for c in &m.fleet.kafka.consumers {
            let time = c.estimated_max_time_lag.map(|r| r.value);
            t.statuses.entry((c.id.group.to_string(), c.id.topic.to_string())).or_default().push((
                now,
                c.status(),
                time,
            ));
        }
        for f in m.fleet.findings.iter().filter(|f| f.rule.is_consumer()) {
            t.findings.entry(f.resource_id.clone()).or_default().push((now, f.rule.to_string()));
        }
    }
    t
}

/// The distinct statuses in order, consecutive repeats folded.
fn phases(points: &[Minute]) -> Vec<LagStatus> {
    let mut out: Vec<LagStatus> = points.iter().map(|p| p.1).collect();
    out.dedup();
    out
}

#[test]
fn demo_groups_get_the_statuses_their_behaviour_calls_for() {
    let t = run("2026-11-18T12:00:00Z", 300);
    let of = |g: &str, topic: &str| &t.statuses[&(g.to_string(), topic.to_string())];

    // Falling behind: WARN while the lag climbs, ERR from the minute the time lag has been
    // above 300 s for two points, never ERR straight from OK.
    let search = of("search-indexer", "orders.events");
    let p = phases(search);
    assert!(p.windows(2).any(|w| w == [LagStatus::Warn, LagStatus::Err]), "{p:?}");
    for w in search.windows(2) {
        if w[1].1 == LagStatus::Err && w[0].1 != LagStatus::Err {
            assert_eq!(w[0].1, LagStatus::Warn, "ERR comes after WARN at {}", w[1].0);
            assert!(w[1].2.unwrap() > 300.0 && w[0].2.unwrap() > 300.0, "crossed at {}: {w:?}", w[1].0);
        }
        if w[1].1 == LagStatus::Err {
            assert!(w[1].2.unwrap() > 300.0, "ERR only above the threshold: {w:?}");
        }
    }
    assert!(search.iter().all(|p| p.1 != LagStatus::Stall && p.1 != LagStatus::Stop), "{p:?}");

    // Stalled: flat lag while warehouse-loader sees cdc.billing move.
    assert_eq!(phases(of("billing-cdc-sink", "cdc.billing")), vec![LagStatus::Stall]);
    // Draining a backlog an hour deep is OK (recovering), not ERR. Its backlog reappears at
    // once every three hours (a replayed partition): ERR is right only while the window still
    // holds the jump, i.e. within 15 minutes of a time lag under the threshold.
    let fraud = of("fraud-scorer", "payments.authorized");
    assert!(
        fraud.iter().any(|p| p.1 == LagStatus::Ok && p.2.unwrap() > 1800.0),
        "recovering while far behind is OK"
    );
    for (i, p) in fraud.iter().enumerate() {
        if p.1 == LagStatus::Err {
            let recent = &fraud[i.saturating_sub(15)..i];
            assert!(recent.iter().any(|q| q.2.unwrap() < 300.0), "ERR at {} long after the jump", p.0);
        }
        assert!(matches!(p.1, LagStatus::Ok | LagStatus::Err), "{p:?}");
    }
    // Idle topics with a constant small lag, batch sawtooths and healthy groups never alarm.
    for (g, topic) in [
        ("legacy-export", "cdc.legacy"),
        ("config-watcher", "config.changes"),
        ("audit-archiver", "audit.log"),
        ("email-notifier", "notifications.email"),
        ("cache-invalidator", "orders.events"),
        ("warehouse-loader", "cdc.billing"),
        ("warehouse-loader", "cdc.orders"),
        ("clickstream-aggregator", "clickstream"),
    ] {
        assert_eq!(phases(of(g, topic)), vec![LagStatus::Ok], "{g} on {topic}");
    }
    // Vanishing: STOP once its metrics have been gone 10 minutes, OK when it is back; the few
    // minutes in between have too few points to judge (UNKNOWN), never an alarm.
    let inv = phases(of("inventory-sync", "inventory.updates"));
    assert!(inv.contains(&LagStatus::Stop) && inv.contains(&LagStatus::Ok), "{inv:?}");
    assert!(inv.iter().all(|s| matches!(s, LagStatus::Ok | LagStatus::Stop | LagStatus::Unknown)), "{inv:?}");

    // Findings: one per group in ERR, STALL or STOP, at the same minutes, and nothing else.
    let rules = |r: &str| -> Vec<String> {
        let mut v: Vec<String> = t.findings.get(r).into_iter().flatten().map(|x| x.1.clone()).collect();
        v.dedup();
        v
    };
    assert_eq!(rules("prod-cdc/billing-cdc-sink"), vec!["consumer-stalled"]);
    assert_eq!(rules("prod-events/inventory-sync"), vec!["consumer-stopped"]);
    assert_eq!(rules("prod-events/search-indexer"), vec!["consumer-lag-high"]);
    assert_eq!(rules("prod-events/fraud-scorer"), vec!["consumer-lag-high"]);
    let err_minutes = search.iter().filter(|p| p.1 == LagStatus::Err).count();
    assert_eq!(t.findings["prod-events/search-indexer"].len(), err_minutes, "a finding exactly while ERR");
    let flagged: Vec<&String> = t.findings.keys().collect();
    assert_eq!(
        flagged,
        [
            "prod-cdc/billing-cdc-sink",
            "prod-events/fraud-scorer",
            "prod-events/inventory-sync",
            "prod-events/search-indexer"
        ],
        "no other group is ever a finding"
    );
}
