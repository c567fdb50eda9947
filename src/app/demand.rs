//! What the screen needs fresh: the resources whose series a live source should ask for
//! every period (the rest are cold, see `domain::freshness`). A read-only function of the
//! model, like drawing: the loop sends it to the poller when it changed.

use jiff::{SignedDuration, Timestamp};

use super::action::ViewId;
use super::derive::event_source_arn;
use super::overlay::{Detail, Overlay};
use super::state::{KafkaLine, Model};
use crate::domain::consumer_status::LagStatus;
use crate::domain::freshness::{Demand, HotReason};
use crate::domain::metrics::MetricKind;
use crate::domain::severity::Severity;
use crate::domain::topology::TopoNode;

/// A reading this close to its warning threshold (as a share of it) is hot: a crossing is
/// then seen within a period, not within `cold_every`.
const NEAR: f64 = 0.8;
/// Replica lag that moved this much (as a share of its warning threshold) within
/// `MOVING_MINUTES` is changing fast, so hot; flat lag is cold like any series (a spike a cold
/// fetch brings is still judged: `InstanceRow::lag_peak`).
const MOVING: f64 = 0.1;
const MOVING_MINUTES: i64 = 10;

/// The lag series moved, or stopped, within the last minutes.
fn moving(s: &crate::domain::metrics::Series, now: Timestamp, warn: f64) -> bool {
    let from = now.checked_sub(SignedDuration::from_mins(MOVING_MINUTES)).unwrap_or(now);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in s.points_since(from) {
        if p.value < 0.0 {
            return true;
        }
        lo = lo.min(p.value);
        hi = hi.max(p.value);
    }
    hi - lo >= MOVING * warn
}

pub fn demand(m: &Model, now: Timestamp) -> Demand {
    let mut d = unattended(m, now);
    on_screen(m, &mut d);
    d
}

/// The demand with no screen (a collector): what is past or near a threshold, not OK or had
/// an event.
pub fn unattended(m: &Model, now: Timestamp) -> Demand {
    let mut d = Demand::default();
    let (f, t) = (&m.fleet, &m.settings.thresholds);
    let insts = &f.inventory.instances;
    let bad = |s: Severity| matches!(s, Severity::Warning | Severity::Critical);
    // Each reading past its threshold, or within reach of it: that series, not its neighbours.
    let heat = |sev: Severity, near: bool| {
        if bad(sev) { Some(HotReason::NotOk) } else { near.then_some(HotReason::NearThreshold) }
    };
    for row in &f.rows {
        let Some(inst) = insts.get(row.index) else { continue };
        let arn = inst.arn.as_str();
        let near_connections =
            row.connections_percent.is_some_and(|p| p >= NEAR * t.connections_percent.warn);
        let near_cpu = row.cpu.is_some_and(|r| r.value >= NEAR * t.cpu_percent.warn);
        let lag = f.history.series(arn, MetricKind::ReplicaLag);
        let warn = t.replica_lag_seconds.warn;
        let near_lag = lag.and_then(|s| s.latest()).is_some_and(|r| r.value >= NEAR * warn);
        // A spike the latest fetch brought (a finding) is not OK until a fetch shows it over.
        let peak = |sev: Severity, peak: bool| if peak { Severity::Warning.max(sev) } else { sev };
        let lag_reason = heat(peak(row.lag_severity, row.lag_peak.is_some()), near_lag)
            .or_else(|| lag.is_some_and(|s| moving(s, now, warn)).then_some(HotReason::FastChanging));
        for (kind, reason) in [
            (
                MetricKind::Connections,
                heat(peak(row.connections_severity, row.connections_peak.is_some()), near_connections),
            ),
            (MetricKind::CpuPercent, heat(row.cpu_severity, near_cpu)),
            (MetricKind::ReplicaLag, lag_reason),
            (
                MetricKind::ServerlessCapacity,
                (row.at_max_acu.minutes > 0).then_some(HotReason::NearThreshold),
            ),
        ] {
            if let Some(r) = reason {
                d.mark_series(arn, kind, r);
            }
        }
    }
    for g in &f.kafka.groups {
        if !matches!(g.status, LagStatus::Ok | LagStatus::Unknown) {
            d.mark_group(&g.cluster_arn, &g.group, HotReason::NotOk);
        }
    }
    let since = now.checked_sub(SignedDuration::from_mins(i64::from(t.recent_event_minutes))).unwrap_or(now);
    for e in f.events.between(since, now) {
        if let Some(arn) = event_source_arn(&f.inventory, e) {
            d.mark(&arn, HotReason::RecentEvent);
        }
    }
    d
}

/// The rows in the current view's window and what the Detail shows.
fn on_screen(m: &Model, d: &mut Demand) {
    let f = &m.fleet;
    let inv = &f.inventory;
    let state = m.current();
    let window = state.visible.iter().skip(state.cursor.offset).take(m.body_rows());
    let instance = |d: &mut Demand, i: usize| {
        if let Some(x) = inv.instances.get(i) {
            d.mark(&x.arn, HotReason::OnScreen);
        }
    };
    for &row in window {
        match m.view {
            ViewId::Fleet => {
                if let Some(r) = f.rows.get(row) {
                    instance(d, r.index);
                }
            }
            ViewId::Maintenance => instance(d, row),
            ViewId::Replication => {
                let Some(line) = f.tree.get(row) else { continue };
                if let TopoNode::Instance(i) = line.node {
                    instance(d, i);
                }
                if let Some(key) = &line.edge_lag {
                    d.mark(&key.resource, HotReason::OnScreen);
                }
            }
            ViewId::Kafka => match m.kafka_lines.get(row) {
                Some(KafkaLine::Cluster(c)) => {
                    for &g in f.kafka.clusters.get(*c).map_or(&[][..], |c| &c.groups) {
                        if let Some(g) = f.kafka.groups.get(g) {
                            d.mark_group(&g.cluster_arn, &g.group, HotReason::OnScreen);
                        }
                    }
                }
                Some(KafkaLine::Group(g)) => {
                    if let Some(g) = f.kafka.groups.get(*g) {
                        d.mark_group(&g.cluster_arn, &g.group, HotReason::OnScreen);
                    }
                }
                Some(KafkaLine::Topic(c)) => {
                    if let Some(c) = f.kafka.consumers.get(*c) {
                        d.mark_group(&c.id.cluster_arn, &c.id.group, HotReason::OnScreen);
                    }
                }
                Some(KafkaLine::Reason(_)) | None => {}
            },
            ViewId::Findings => {
                let Some(x) = f.findings.get(row) else { continue };
                if let Some(i) =
                    inv.instances.iter().position(|i| i.id == x.resource_id && i.region == x.region)
                {
                    instance(d, i);
                }
            }
            ViewId::Events => {
                if let Some(arn) = f.events.all().get(row).and_then(|e| event_source_arn(inv, e)) {
                    d.mark(&arn, HotReason::OnScreen);
                }
            }
        }
    }
    for o in m.overlays.iter() {
        match o {
            Overlay::Detail(Detail::Instance(arn)) => d.mark(arn, HotReason::OnScreen),
            Overlay::Detail(Detail::Consumer(id)) => {
                d.mark_group(&id.cluster_arn, &id.group, HotReason::OnScreen)
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::update::apply_snapshot;
    use crate::domain::thresholds::Thresholds;
    use crate::source::demo::{DemoOptions, DemoSource};

    fn model_at(start: &str) -> (Model, Timestamp) {
        let now: Timestamp = start.parse().unwrap();
        let mut m = Model::new(now, Thresholds::default(), jiff::tz::TimeZone::UTC, vec!["default".into()]);
        let mut demo = DemoSource::new(DemoOptions { copies: 4, ..Default::default() }, now);
        apply_snapshot(&mut m, demo.snapshot_at(now), now);
        (m, now)
    }

    #[test]
    fn one_screen_of_rows_and_the_troubled_are_hot_the_rest_cold() {
        let (mut m, now) = model_at("2026-11-18T15:37:00Z");
        m.display.size = (120, 40);
        let d = demand(&m, now);
        let total = m.fleet.inventory.instances.len();
        let reason = |d: &Demand, arn: &str| d.resources.get(arn).copied();
        // The screen's rows are hot (36 of them at 40 lines).
        let screen: Vec<String> = m.views[ViewId::Fleet]
            .visible
            .iter()
            .take(m.body_rows())
            .map(|&r| m.fleet.inventory.instances[m.fleet.rows[r].index].arn.to_string())
            .collect();
        assert_eq!(screen.len(), 36);
        assert!(screen.iter().all(|a| reason(&d, a).is_some()), "every row on screen is hot");
        // A row scrolled off with nothing wrong is cold.
        let quiet = m.fleet.rows.iter().find(|r| {
            let arn = &m.fleet.inventory.instances[r.index].arn;
            r.severity == Severity::Ok && !screen.iter().any(|s| s == arn) && reason(&d, arn).is_none()
        });
        assert!(quiet.is_some(), "some quiet instance off screen is cold");
        // Every reading past a threshold is hot, on screen or not: that series.
        let series = |arn: &str, kind| d.reason(&crate::domain::metrics::SeriesKey::resource(arn, kind));
        let mut past = 0;
        for r in &m.fleet.rows {
            let arn = &m.fleet.inventory.instances[r.index].arn;
            for (sev, kind) in
                [(r.connections_severity, MetricKind::Connections), (r.lag_severity, MetricKind::ReplicaLag)]
            {
                if matches!(sev, Severity::Warning | Severity::Critical) {
                    assert_eq!(series(arn, kind), Some(HotReason::NotOk), "{arn} {kind:?}");
                    past += 1;
                }
            }
        }
        assert!(past > 0, "the demo has readings past a threshold");
        // Far from everything: at 248 instances, under half are named at all.
        assert!(d.len() < total / 2, "{} of {total} hot", d.len());
        // A consumer group that is not OK is hot.
        let bad =
            m.fleet.kafka.groups.iter().find(|g| !matches!(g.status, LagStatus::Ok | LagStatus::Unknown));
        let g = bad.expect("the demo has a lagging group");
        assert_eq!(d.groups.get(&g.cluster_arn).and_then(|x| x.get(&g.group)), Some(&HotReason::NotOk));
    }

    #[test]
    fn switching_view_and_opening_detail_change_the_demand() {
        let (mut m, now) = model_at("2026-11-18T15:37:00Z");
        let fleet = demand(&m, now);
        m.view = ViewId::Kafka;
        let kafka = demand(&m, now);
        assert!(kafka.newly_hot(&fleet) || !kafka.groups.is_empty(), "Kafka lines make their groups hot");
        let on_screen_groups: usize =
            kafka.groups.values().flat_map(|g| g.values()).filter(|r| **r == HotReason::OnScreen).count();
        assert!(on_screen_groups > 0, "{kafka:?}");
        m.view = ViewId::Fleet;
        let far = m.fleet.inventory.instances.last().unwrap().arn.to_string();
        m.overlays.push(Overlay::Detail(Detail::Instance(far.clone())));
        let detail = demand(&m, now);
        assert!(detail.newly_hot(&fleet));
        assert_eq!(detail.resources.get(&far).map(|r| *r >= HotReason::OnScreen), Some(true));
    }

    #[test]
    fn flat_replica_lag_is_cold_and_a_spike_a_cold_fetch_brings_is_a_finding_and_hot() {
        use crate::domain::metrics::{Point, SeriesKey, SeriesUpdate};
        use crate::domain::rule_id::RuleId;
        let (mut m, now) = model_at("2026-11-18T15:37:00Z");
        let d = unattended(&m, now);
        // A streaming replica with no event and no finding on it.
        let arn = m
            .fleet
            .rows
            .iter()
            .filter(|r| r.replication.lag_seconds().is_some())
            .map(|r| m.fleet.inventory.instances[r.index].arn.to_string())
            .find(|a| !d.resources.contains_key(a) && !d.series.contains_key(a))
            .expect("the demo has a quiet replica");
        let key = SeriesKey::resource(arn.clone(), MetricKind::ReplicaLag);
        let minute = |n: i64| now.checked_add(SignedDuration::from_mins(n)).unwrap();
        let fetch = |m: &mut Model, values: &[(i64, f64)], at: i64| {
            let points = values.iter().map(|&(n, value)| Point { at: minute(n), value }).collect();
            m.fleet.history.merge(&[SeriesUpdate { key: key.clone(), period_secs: 60, points }]);
            crate::app::derive::derive_data(m, minute(at));
        };
        let ours = |m: &Model| {
            let id = &m.fleet.inventory.instances.iter().find(|i| i.arn == arn).unwrap().id;
            m.fleet
                .findings
                .iter()
                .filter(|f| {
                    &f.resource_id == id && matches!(f.rule, RuleId::ReplicaLagHigh | RuleId::ReplicaStopped)
                })
                .map(|f| (f.rule, f.message.clone()))
                .collect::<Vec<_>>()
        };
        // Ten flat minutes: cold.
        fetch(&mut m, &(1..=11).map(|n| (n, 0.2)).collect::<Vec<_>>(), 11);
        assert_eq!(unattended(&m, minute(11)).reason(&key), None);
        assert!(ours(&m).is_empty());
        // A cold fetch five minutes later brings a two-minute spike that is already over.
        fetch(&mut m, &[(12, 0.2), (13, 45.0), (14, 50.0), (15, 0.3), (16, 0.2)], 16);
        let row = m.fleet.rows.iter().find(|r| m.fleet.inventory.instances[r.index].arn == arn).unwrap();
        assert_eq!(row.lag_severity, Severity::Ok, "the row shows the newest reading");
        assert_eq!(row.lag_peak.map(|p| (p.value, p.at)), Some((50.0, minute(14))));
        let found = ours(&m);
        assert!(
            found.iter().any(|(r, msg)| *r == RuleId::ReplicaLagHigh && msg.contains("fell 50.0s behind")),
            "{found:?}"
        );
        assert_eq!(unattended(&m, minute(16)).reason(&key), Some(HotReason::NotOk));
        // The next minute is flat: the finding is over; the lag moved, so it stays hot a while.
        fetch(&mut m, &[(17, 0.2)], 17);
        assert!(ours(&m).is_empty(), "{:?}", ours(&m));
        assert_eq!(unattended(&m, minute(17)).reason(&key), Some(HotReason::FastChanging));
        // Ten minutes after the spike it is flat again, and cold.
        fetch(&mut m, &(18..=25).map(|n| (n, 0.2)).collect::<Vec<_>>(), 25);
        assert_eq!(unattended(&m, minute(25)).reason(&key), None);
    }

    #[test]
    fn a_cold_series_reading_is_stale_only_past_its_ask_interval() {
        let (mut m, _) = model_at("2026-11-18T15:37:00Z");
        let (i, at) = m
            .fleet
            .rows
            .iter()
            .enumerate()
            .find_map(|(i, r)| {
                Some((i, r.connections.filter(|_| r.connections_severity != Severity::Unknown)?.at))
            })
            .expect("a row with a current connections reading");
        let after = |s: i64| at.checked_add(SignedDuration::from_secs(s)).unwrap();
        let severity = |m: &mut Model, age: i64| {
            crate::app::derive::derive_data(m, after(age));
            m.fleet.rows[i].connections_severity
        };
        // No cost-aware source: stale after stale_after_seconds (300).
        assert_eq!(severity(&mut m, 400), Severity::Unknown);
        // A source asking cold series every 5 minutes: 300 s + 4 more minutes.
        m.status.api = Some(crate::domain::snapshot::ApiStats { cold_every: 5, ..Default::default() });
        assert_eq!(m.stale_limit_secs(), 540);
        assert_ne!(severity(&mut m, 400), Severity::Unknown);
        assert_eq!(severity(&mut m, 600), Severity::Unknown);
    }
}
