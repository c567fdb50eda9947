//! Findings from what happened and what the team alarms on: a failover within the last
//! hour, replication that broke and has not resumed, and the team's own alarms in ALARM on a
//! resource dbfleet shows.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::alarms::{AlarmState, AlarmTarget};
use super::events::{DbEvent, EventKind, EventStore};
use super::findings::Finding;
use super::format;
use super::model::Inventory;
use super::rule_id::RuleId;
use super::severity::Severity;
use super::thresholds::Thresholds;

/// The failovers and restarts of `(region, source)` within the recent window, oldest first.
pub fn recent<'a>(
    events: &'a EventStore,
    now: Timestamp,
    t: &Thresholds,
) -> impl Iterator<Item = &'a DbEvent> {
    let from =
        now.checked_sub(jiff::SignedDuration::from_mins(i64::from(t.recent_event_minutes))).unwrap_or(now);
    events.between(from, now).iter().filter(|e| matches!(e.kind(), EventKind::Failover | EventKind::Restart))
}

pub fn event_findings(
    inv: &Inventory,
    events: &EventStore,
    now: Timestamp,
    t: &Thresholds,
    tz: &TimeZone,
) -> Vec<Finding> {
    let line = |e: &DbEvent| {
        let id = e.event_id().map_or(String::new(), |i| format!(" [{i}]"));
        format!("{}: {}{id}", format::date_time_zone(e.at, tz), e.message)
    };
    let mut out = Vec::new();
    // Failovers: one finding per source with every recent failover and restart as evidence.
    let mut by_source: BTreeMap<(&str, &str), Vec<&DbEvent>> = BTreeMap::new();
    for e in recent(events, now, t) {
        by_source.entry((e.region.as_str(), e.source_id.as_str())).or_default().push(e);
    }
    for ((region, source), evs) in by_source {
        let Some(last) = evs.iter().rev().find(|e| e.kind() == EventKind::Failover) else { continue };
        let ago = format::age(now.as_second() - last.at.as_second());
        out.push(Finding {
            rule: RuleId::RecentFailover,
            severity: Severity::Warning,
            resource_id: source.to_string(),
            region: region.into(),
            message: format!("{source} failed over {ago} ago ({})", last.message.trim_end_matches('.')),
            evidence: evs.iter().map(|e| line(e)).collect(),
            remedy: "Check the clients reconnected (connections back to normal) and the new primary's AZ; \
                     find the cause in the events before it (a host failure, a reboot with failover, storage)."
                .into(),
        });
    }
    // Replication: the newest replication event of a source is an error with no resume after.
    let mut last_replication: BTreeMap<(&str, &str), &DbEvent> = BTreeMap::new();
    for e in events.all().iter().filter(|e| e.at <= now) {
        let resumed = e.kind() == EventKind::Recovery && e.message.to_ascii_lowercase().contains("replica");
        if e.kind() == EventKind::ReplicationError || resumed {
            last_replication.insert((e.region.as_str(), e.source_id.as_str()), e);
        }
    }
    for ((region, source), e) in last_replication {
        if e.kind() != EventKind::ReplicationError {
            continue;
        }
        let known = inv.instances.iter().any(|d| d.region == region && d.id == source);
        if !known {
            continue;
        }
        let ago = format::age(now.as_second() - e.at.as_second());
        out.push(Finding {
            rule: RuleId::ReplicationError,
            severity: Severity::Critical,
            resource_id: source.to_string(),
            region: region.into(),
            message: format!("replication on {source} broke {ago} ago and has not resumed"),
            evidence: vec![line(e)],
            remedy: "Read the replica's error (SHOW REPLICA STATUS / pg_stat_wal_receiver) and the source's \
                     binlog or WAL retention; fix the error and restart replication, or rebuild the replica."
                .into(),
        });
    }
    // Alarms the team set, firing on something shown here.
    for a in inv.alarms.iter().filter(|a| a.state == AlarmState::Alarm) {
        let shown = match a.target() {
            AlarmTarget::Instance(i) => inv.instances.iter().any(|d| d.region == a.region && d.id == i),
            AlarmTarget::Cluster(c) => inv.clusters.iter().any(|x| x.region == a.region && x.id == c),
            AlarmTarget::Kafka { cluster, .. } => {
                inv.kafka_clusters.iter().any(|k| k.region == a.region && k.name == cluster)
            }
            AlarmTarget::Other => false,
        };
        let Some(resource) = a.resource_id().filter(|_| shown) else { continue };
        let ago = format::age(now.as_second() - a.since.as_second());
        out.push(Finding {
            rule: RuleId::AlarmFiring,
            severity: Severity::Critical,
            resource_id: resource,
            region: a.region.as_str().into(),
            message: format!("alarm {} in ALARM for {ago} ({} {})", a.name, a.namespace, a.metric),
            evidence: vec![
                format!("state: ALARM since {}", format::date_time_zone(a.since, tz)),
                format!("reason: {}", a.reason),
                format!(
                    "dimensions: {}",
                    a.dimensions.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join(", ")
                ),
            ],
            remedy: "The team's own alarm: follow its runbook; the Detail view shows the metric it watches."
                .into(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alarms::Alarm;
    use crate::domain::model::DbInstance;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    fn ev(at: i64, id: &str, cat: &str, msg: &str) -> DbEvent {
        DbEvent {
            account: None,
            region: "us-east-1".into(),
            source_id: id.into(),
            source_type: "db-instance".into(),
            source_arn: None,
            at: ts(at),
            categories: vec![cat.into()],
            message: msg.into(),
        }
    }

    #[test]
    fn failovers_replication_breaks_and_firing_alarms_become_findings() {
        let mut inv = Inventory::default();
        for id in ["orders-mysql", "orders-mysql-r1"] {
            inv.instances
                .push(DbInstance::new("1", "us-east-1", id, "mysql", "8.0.35", "db.r6g.large").into());
        }
        let alarm = |state| Alarm {
            account: None,
            region: "us-east-1".into(),
            name: "orders-cpu".into(),
            arn: None,
            state,
            reason: "Threshold Crossed".into(),
            since: ts(-600),
            namespace: "AWS/RDS".into(),
            metric: "CPUUtilization".into(),
            dimensions: vec![("DBInstanceIdentifier".into(), "orders-mysql".into())],
        };
        inv.alarms = vec![alarm(AlarmState::Alarm), Alarm { name: "quiet".into(), ..alarm(AlarmState::Ok) }];
        let mut store = EventStore::default();
        store.merge(
            [
                ev(-7200, "orders-mysql", "failover", "Multi-AZ instance failover completed"),
                ev(-600, "orders-mysql", "failover", "Multi-AZ instance failover started."),
                ev(-540, "orders-mysql", "availability", "DB instance restarted"),
                ev(-500, "orders-mysql", "failover", "Multi-AZ instance failover completed"),
                ev(
                    -900,
                    "orders-mysql-r1",
                    "read replica",
                    "An error has occurred in the read replication process.",
                ),
            ],
            ts(0),
        );
        let t = Thresholds::default();
        let f = event_findings(&inv, &store, ts(0), &t, &TimeZone::UTC);
        let rules: Vec<(RuleId, &str)> = f.iter().map(|f| (f.rule, f.resource_id.as_str())).collect();
        assert_eq!(
            rules,
            [
                (RuleId::RecentFailover, "orders-mysql"),
                (RuleId::ReplicationError, "orders-mysql-r1"),
                (RuleId::AlarmFiring, "orders-mysql")
            ]
        );
        assert_eq!(f[0].evidence.len(), 3, "the recent window's three events, not the one two hours ago");
        assert!(f[0].evidence[0].contains("[RDS-EVENT-0013]"), "{:?}", f[0].evidence);
        assert!(f[0].message.contains("8m20s ago"), "{}", f[0].message);
        // An hour later the failover is no longer recent; a resume ends the replication error.
        store.merge(
            [ev(60, "orders-mysql-r1", "read replica", "Replication for the Read Replica resumed.")],
            ts(60),
        );
        inv.alarms.clear();
        let later = event_findings(&inv, &store, ts(3600), &t, &TimeZone::UTC);
        assert!(later.is_empty(), "{later:?}");
    }
}
