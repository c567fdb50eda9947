//! What happens in the demo fleet besides its metrics: RDS events (a Multi-AZ failover of
//! orders-mysql in every incident cycle, the replication break of inventory-mysql-r1, daily
//! backups) and the team's CloudWatch alarms (connections during the surge, the broken
//! replica, the consumer group that keeps falling behind). Like the metrics, every one is a function of (seed, minute), so any window can
//! be regenerated exactly.

use jiff::Timestamp;

use super::samples::INCIDENT_CYCLE;
use super::scenario::Builder;
use super::signals::cycle_minute;
use crate::domain::alarms::{Alarm, AlarmState};
use crate::domain::events::DbEvent;
use crate::domain::metrics::MetricKind;

/// Cycle minute the failover starts; connections dip and replicas lag for a few minutes after.
pub const FAILOVER_AT: i64 = 32;
/// Cycle minutes replication is broken on the stopping replica (as its ReplicaLag is -1).
const REPLICATION_BREAKS: (i64, i64) = (20, 38);
/// The connection surge (as `samples`: it rises from 12, peaks at 21, ends at 30).
const SURGE: (i64, i64) = (14, 30);

/// What a series does around the failover.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailoverEffect {
    /// The failed-over writer: clients are cut off, then reconnect.
    Writer,
    /// Its replicas: lag rises while they reattach to the new primary.
    Replica,
}

impl FailoverEffect {
    /// The value at cycle minute `cm`, given the undisturbed one.
    pub fn apply(self, cm: i64, v: f64) -> f64 {
        let d = cm - FAILOVER_AT;
        match self {
            FailoverEffect::Writer => match d {
                0 => (v * 0.05).round(),
                1 => (v * 0.3).round(),
                2 => (v * 0.65).round(),
                3 => (v * 0.9).round(),
                _ => v,
            },
            FailoverEffect::Replica if v >= 0.0 => match d {
                1 => v + 95.0,
                2 => v + 60.0,
                3 => v + 25.0,
                _ => v,
            },
            FailoverEffect::Replica => v,
        }
    }
}

#[derive(Debug, Clone)]
enum Script {
    /// Multi-AZ failover at `FAILOVER_AT`: started, restarted, completed.
    Failover,
    /// Replication error when it breaks, resumed when it recovers.
    ReplicationBreaks,
    /// A backup at this UTC hour every day.
    DailyBackup(i64),
}

#[derive(Debug, Clone)]
pub struct EventSpec {
    account: String,
    region: String,
    source_id: String,
    source_arn: String,
    script: Script,
}

#[derive(Debug, Clone)]
enum AlarmRule {
    /// In ALARM through these cycle minutes, OK otherwise.
    During(i64, i64),
    /// Always OK.
    Quiet,
    /// Always in ALARM (for days).
    Always,
}

#[derive(Debug, Clone)]
pub struct AlarmSpec {
    alarm: Alarm,
    rule: AlarmRule,
    reason: &'static str,
}

/// Lay out the happenings of one copy of the fleet (after its databases and streams).
pub(super) fn lay_out(b: &mut Builder) {
    let orders = b.id("orders-mysql");
    let (account, region, arn, replicas) = {
        let d = b.find(&orders);
        (d.account.to_string(), d.region.to_string(), d.arn.to_string(), d.replicas.clone())
    };
    b.events.push(EventSpec {
        account: account.clone(),
        region: region.clone(),
        source_id: orders.clone(),
        source_arn: arn.clone(),
        script: Script::Failover,
    });
    b.failover(&arn, MetricKind::Connections, FailoverEffect::Writer);
    for r in &replicas {
        // Same-region replicas are linked by id, cross-region ones by ARN.
        let rarn = b.inv.instances.iter().find(|d| d.id == *r || d.arn == *r).map(|d| d.arn.clone());
        if let Some(rarn) = rarn {
            b.failover(&rarn, MetricKind::ReplicaLag, FailoverEffect::Replica);
        }
    }
    b.events.push(EventSpec {
        account: account.clone(),
        region: region.clone(),
        source_id: orders.clone(),
        source_arn: arn.clone(),
        script: Script::DailyBackup(4),
    });
    b.alarms.push(alarm_spec(
        &account,
        &region,
        &format!("{orders}-cpu-high"),
        rds("CPUUtilization", &[("DBInstanceIdentifier", &orders)]),
        AlarmRule::Quiet,
        "Threshold Crossed: no datapoints were greater than the threshold (85.0).",
    ));

    let broken = b.id("inventory-mysql-r1");
    let (account, region, arn) = {
        let d = b.find(&broken);
        (d.account.to_string(), d.region.to_string(), d.arn.to_string())
    };
    b.events.push(EventSpec {
        account: account.clone(),
        region: region.clone(),
        source_id: broken.clone(),
        source_arn: arn,
        script: Script::ReplicationBreaks,
    });
    b.alarms.push(alarm_spec(
        &account,
        &region,
        &format!("{broken}-replication-stopped"),
        rds("ReplicaLag", &[("DBInstanceIdentifier", &broken)]),
        AlarmRule::During(REPLICATION_BREAKS.0 + 1, REPLICATION_BREAKS.1 + 1),
        "Threshold Crossed: 1 datapoint [-1.0] was less than the threshold (0.0).",
    ));

    let checkout = b.id("eu-checkout-pg");
    let (account, region) = {
        let d = b.find(&checkout);
        (d.account.clone(), d.region.clone())
    };
    b.alarms.push(alarm_spec(
        &account,
        &region,
        &format!("{checkout}-connections-high"),
        rds("DatabaseConnections", &[("DBInstanceIdentifier", &checkout)]),
        AlarmRule::During(SURGE.0, SURGE.1),
        "Threshold Crossed: 2 out of the last 2 datapoints were greater than the threshold (700.0).",
    ));

    // The consumer group that keeps falling behind has the team's lag alarm on it, firing.
    if let Some(k) = b.inv.kafka_clusters.iter().find(|k| k.name == b.id("prod-events")) {
        let (account, region, cluster) = (k.account.clone(), k.region.clone(), k.name.clone());
        b.alarms.push(alarm_spec(
            &account,
            &region,
            &format!("{cluster}-search-indexer-lag"),
            Watch {
                namespace: "AWS/Kafka",
                metric: "MaxOffsetLag",
                dimensions: &[
                    ("Cluster Name", &cluster),
                    ("Consumer Group", "search-indexer"),
                    ("Topic", "orders.events"),
                ],
            },
            AlarmRule::Always,
            "Threshold Crossed: 5 out of the last 5 datapoints were greater than the threshold (50000.0).",
        ));
    }
}

/// What an alarm watches: its namespace, metric and dimensions.
struct Watch<'a> {
    namespace: &'a str,
    metric: &'a str,
    dimensions: &'a [(&'a str, &'a str)],
}

/// An RDS instance's metric.
fn rds<'a>(metric: &'a str, dims: &'a [(&'a str, &'a str)]) -> Watch<'a> {
    Watch { namespace: "AWS/RDS", metric, dimensions: dims }
}

fn alarm_spec(
    account: &str,
    region: &str,
    name: &str,
    w: Watch,
    rule: AlarmRule,
    reason: &'static str,
) -> AlarmSpec {
    AlarmSpec {
        alarm: Alarm {
            account: Some(account.to_string()),
            region: region.to_string(),
            name: name.to_string(),
            arn: Some(format!("arn:aws:cloudwatch:{region}:{account}:alarm:{name}")),
            state: AlarmState::Ok,
            reason: String::new(),
            since: Timestamp::UNIX_EPOCH,
            namespace: w.namespace.to_string(),
            metric: w.metric.to_string(),
            dimensions: w.dimensions.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        },
        rule,
        reason,
    }
}

fn at(minute: i64, second: i64) -> Option<Timestamp> {
    Timestamp::from_second(minute * 60 + second).ok()
}

/// The events that happened in the epoch minutes `minutes`, oldest first.
pub fn events_in(seed: u64, specs: &[EventSpec], minutes: impl Iterator<Item = i64> + Clone) -> Vec<DbEvent> {
    let mut out = Vec::new();
    for s in specs {
        let event = |minute: i64, second: i64, categories: &[&str], message: &str| {
            Some(DbEvent {
                account: Some(s.account.clone()),
                region: s.region.clone(),
                source_id: s.source_id.clone(),
                source_type: "db-instance".into(),
                source_arn: Some(s.source_arn.clone()),
                at: at(minute, second)?,
                categories: categories.iter().map(|c| c.to_string()).collect(),
                message: message.to_string(),
            })
        };
        for m in minutes.clone() {
            let cm = cycle_minute(seed, m, INCIDENT_CYCLE);
            match s.script {
                Script::Failover if cm == FAILOVER_AT => {
                    out.extend(event(m, 5, &["failover"], "Multi-AZ instance failover started."));
                }
                Script::Failover if cm == FAILOVER_AT + 1 => {
                    out.extend(event(m, 12, &["availability"], "DB instance restarted"));
                    out.extend(event(m, 41, &["failover"], "Multi-AZ instance failover completed"));
                }
                Script::ReplicationBreaks if cm == REPLICATION_BREAKS.0 => out.extend(event(
                    m,
                    3,
                    &["read replica"],
                    "An error has occurred in the read replication process. Replication has stopped.",
                )),
                Script::ReplicationBreaks if cm == REPLICATION_BREAKS.1 => {
                    out.extend(event(m, 9, &["read replica"], "Replication for the Read Replica resumed."));
                }
                Script::DailyBackup(hour) if m.rem_euclid(1440) == hour * 60 => {
                    out.extend(event(m, 0, &["backup"], "Backing up DB instance"));
                }
                Script::DailyBackup(hour) if m.rem_euclid(1440) == hour * 60 + 18 => {
                    out.extend(event(m, 30, &["backup"], "Finished DB Instance backup"));
                }
                _ => {}
            }
        }
    }
    out.sort_by_key(|e| e.at);
    out
}

/// Every alarm's state at epoch minute `minute`, with when it entered it.
pub fn alarms_at(seed: u64, specs: &[AlarmSpec], minute: i64) -> Vec<Alarm> {
    let cm = cycle_minute(seed, minute, INCIDENT_CYCLE);
    specs
        .iter()
        .map(|s| {
            let (state, entered) = match s.rule {
                AlarmRule::During(from, to) if (from..to).contains(&cm) => {
                    (AlarmState::Alarm, minute - (cm - from))
                }
                AlarmRule::During(_, to) => (AlarmState::Ok, minute - (cm - to).rem_euclid(INCIDENT_CYCLE)),
                // Quiet for days: since long before any window shown.
                AlarmRule::Quiet => (AlarmState::Ok, minute - 3 * 1440),
                AlarmRule::Always => (AlarmState::Alarm, minute - 2 * 1440 - 95),
            };
            let reason = match state {
                AlarmState::Alarm => s.reason.to_string(),
                _ => "Threshold Crossed: 1 datapoint was not greater than the threshold.".to_string(),
            };
            Alarm { state, reason, since: at(entered, 0).unwrap_or(Timestamp::UNIX_EPOCH), ..s.alarm.clone() }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::events::EventKind;

    #[test]
    fn the_failover_comes_once_a_cycle_with_its_dip() {
        let sc = super::super::scenario::build(Timestamp::UNIX_EPOCH, 1, false);
        let start = 29_600_000;
        let events = events_in(42, &sc.events, start..start + INCIDENT_CYCLE);
        let failovers: Vec<&DbEvent> = events
            .iter()
            .filter(|e| e.kind() == EventKind::Failover && e.source_id == "orders-mysql")
            .collect();
        assert_eq!(failovers.len(), 2, "started and completed, once a cycle: {events:?}");
        assert!(events.iter().any(|e| e.kind() == EventKind::Restart));
        assert!(events.iter().any(|e| e.kind() == EventKind::ReplicationError));
        // Regenerating a sub-window gives the same events (any polling pattern).
        let m = failovers[0].at.as_second() / 60;
        assert_eq!(events_in(42, &sc.events, m..m + 1).len(), 1);
        assert_eq!(FailoverEffect::Writer.apply(FAILOVER_AT, 400.0), 20.0);
        assert_eq!(FailoverEffect::Writer.apply(FAILOVER_AT + 5, 400.0), 400.0);
        assert_eq!(
            FailoverEffect::Replica.apply(FAILOVER_AT + 1, -1.0),
            -1.0,
            "a stopped replica stays stopped"
        );
        // Alarms fire through their incident and say since when.
        let mut firing = 0;
        for m in start..start + INCIDENT_CYCLE {
            let a = alarms_at(42, &sc.alarms, m);
            firing += a.iter().filter(|a| a.state == AlarmState::Alarm).count();
            assert!(a.iter().all(|a| a.since.as_second() <= m * 60));
        }
        assert!(firing > 0);
    }
}
