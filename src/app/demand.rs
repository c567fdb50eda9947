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
        let near_lag =
            lag.and_then(|s| s.latest()).is_some_and(|r| r.value >= NEAR * t.replica_lag_seconds.warn);
        for (kind, reason) in [
            (MetricKind::Connections, heat(row.connections_severity, near_connections)),
            (MetricKind::CpuPercent, heat(row.cpu_severity, near_cpu)),
            (MetricKind::ReplicaLag, heat(row.lag_severity, near_lag)),
            (
                MetricKind::ServerlessCapacity,
                (row.minutes_at_max_acu > 0).then_some(HotReason::NearThreshold),
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
            .map(|&r| m.fleet.inventory.instances[m.fleet.rows[r].index].arn.clone())
            .collect();
        assert_eq!(screen.len(), 36);
        assert!(screen.iter().all(|a| reason(&d, a).is_some()), "every row on screen is hot");
        // A row scrolled off with nothing wrong is cold.
        let quiet = m.fleet.rows.iter().find(|r| {
            let arn = &m.fleet.inventory.instances[r.index].arn;
            r.severity == Severity::Ok && !screen.contains(arn) && reason(&d, arn).is_none()
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
        let far = m.fleet.inventory.instances.last().unwrap().arn.clone();
        m.overlays.push(Overlay::Detail(Detail::Instance(far.clone())));
        let detail = demand(&m, now);
        assert!(detail.newly_hot(&fleet));
        assert_eq!(detail.resources.get(&far).map(|r| *r >= HotReason::OnScreen), Some(true));
    }
}
