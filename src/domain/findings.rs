//! Findings: a rule id, a severity, the resource, a one-line message, the evidence and the
//! remedy. This module holds the type and the threshold rules over live readings; the
//! maintenance-risk rules build on the same type.

use crate::domain::rule_id::RuleId;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::consumer_status::LagStatus;
use super::fleet::InstanceRow;
use super::format;
use super::format::format_duration_secs;
use super::kafka::KafkaOverview;
use super::lag::ReplicationState;
use super::model::{DbInstance, Inventory};
use super::severity::Severity;
use super::status::Activity;
use super::thresholds::Thresholds;

/// What to do about connections near max_connections, now or at a peak a fetch brought.
const CONNECTIONS_REMEDY: &str = "Find the client that opened them (pool sizes, leaks, retries); consider a proxy (RDS Proxy) before raising max_connections.";

/// The limit connections are judged against, and where it came from.
fn max_connections_evidence(inv: &Inventory, d: &DbInstance, m: &super::capacity::MaxConnections) -> String {
    format!("max_connections: {}", super::capacity::describe(m, d, inv.cluster_of(d)))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    pub resource_id: String,
    pub region: crate::domain::sym::Sym,
    pub message: String,
    /// Facts that produced the finding, as `name: value` lines.
    pub evidence: Vec<String>,
    /// Most remedies are fixed text: borrowed, not a copy per finding.
    pub remedy: std::borrow::Cow<'static, str>,
}

/// Findings from current readings: stopped replication, high replica lag, connections near
/// max_connections, consumer groups in ERR, STALL or STOP. Sorted worst first.
pub fn reading_findings(
    inv: &Inventory,
    rows: &[InstanceRow],
    kafka: &KafkaOverview,
    t: &Thresholds,
    tz: &TimeZone,
) -> Vec<Finding> {
    let at = |ts: jiff::Timestamp| format::date_time_zone(ts, tz);
    let mut out = Vec::new();
    for row in rows {
        let d = &inv.instances[row.index];
        match row.replication {
            ReplicationState::Stopped { reading } => out.push(Finding {
                rule: RuleId::ReplicaStopped,
                severity: Severity::Critical,
                resource_id: d.id.clone(),
                region: d.region.clone(),
                message: format!("replication on {} is not running (ReplicaLag = -1)", d.id),
                evidence: vec![
                    format!("ReplicaLag: -1 at {}", at(reading.at)),
                    format!("source: {}", d.replica_source.as_deref().unwrap_or("?")),
                ],
                remedy: "Check the replica's error log (SHOW REPLICA STATUS); restart replication or rebuild the replica.".into(),
            }),
            ReplicationState::Streaming { reading } if row.lag_severity >= Severity::Warning => out.push(Finding {
                rule: RuleId::ReplicaLagHigh,
                severity: row.lag_severity,
                resource_id: d.id.clone(),
                region: d.region.clone(),
                message: format!("{} is {} behind its source", d.id, format_duration_secs(reading.value)),
                evidence: vec![
                    format!("replica lag: {:.1} s at {}", reading.value, at(reading.at)),
                    format!(
                        "thresholds: warn {} s, crit {} s",
                        t.replica_lag_seconds.warn, t.replica_lag_seconds.crit
                    ),
                ],
                remedy: "Look for long transactions or write bursts on the source, and I/O or CPU saturation on the replica.".into(),
            }),
            _ => {}
        }
        if row.connections_severity >= Severity::Warning
            && let (Some(c), Some(m), Some(p)) =
                (row.connections, row.max_connections, row.connections_percent)
        {
            out.push(Finding {
                rule: RuleId::ConnectionsNearMax,
                severity: row.connections_severity,
                resource_id: d.id.clone(),
                region: d.region.clone(),
                message: format!("{} uses {p:.0}% of max_connections", d.id),
                evidence: vec![
                    format!("DatabaseConnections: {:.0} at {}", c.value, at(c.at)),
                    max_connections_evidence(inv, d, &m),
                ],
                remedy: CONNECTIONS_REMEDY.into(),
            });
        }
    }
    for row in rows {
        let d = &inv.instances[row.index];
        out.extend(peak_findings(inv, d, row, t, &at));
        out.extend(capacity_finding(d, row, t, &at));
        out.extend(status_finding(d, row, &at));
    }
    out.extend(consumer_findings(kafka));
    sort_findings(&mut out);
    out
}

/// A spike the latest fetch brought that is over by its newest point (a cold series is asked
/// every few minutes): the same rules as a current reading, said in the past tense, so a
/// crossing on a cold series is caught within `cold_every` periods even when it was short.
fn peak_findings(
    inv: &Inventory,
    d: &DbInstance,
    row: &InstanceRow,
    t: &Thresholds,
    at: &impl Fn(jiff::Timestamp) -> String,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let now = |r: Option<&super::metrics::Reading>, unit: &str| {
        r.map_or_else(|| "no reading".to_string(), |r| format!("{:.1}{unit} at {}", r.value, at(r.at)))
    };
    if let Some(p) = row.lag_peak {
        let current = format!("replica lag now: {}", now(row.replication.reading(), " s"));
        out.push(if p.value < 0.0 {
            Finding {
                rule: RuleId::ReplicaStopped,
                severity: Severity::Critical,
                resource_id: d.id.clone(),
                region: d.region.clone(),
                message: format!("replication on {} stopped at {} (ReplicaLag = -1), running now", d.id, at(p.at)),
                evidence: vec![format!("ReplicaLag: -1 at {}", at(p.at)), current],
                remedy: "Check the replica's error log for why replication stopped and whether it will again.".into(),
            }
        } else {
            Finding {
                rule: RuleId::ReplicaLagHigh,
                severity: t.replica_lag_seconds.classify(p.value),
                resource_id: d.id.clone(),
                region: d.region.clone(),
                message: format!("{} fell {} behind its source at {}", d.id, format_duration_secs(p.value), at(p.at)),
                evidence: vec![
                    format!("replica lag: {:.1} s at {}", p.value, at(p.at)),
                    current,
                    format!("thresholds: warn {} s, crit {} s", t.replica_lag_seconds.warn, t.replica_lag_seconds.crit),
                ],
                remedy: "Look for long transactions or write bursts on the source at that time, and I/O or CPU saturation on the replica.".into(),
            }
        });
    }
    if let (Some(p), Some(m)) = (row.connections_peak, row.max_connections)
        && m.value > 0
    {
        let percent = p.value / f64::from(m.value) * 100.0;
        out.push(Finding {
            rule: RuleId::ConnectionsNearMax,
            severity: t.connections_percent.classify(percent),
            resource_id: d.id.clone(),
            region: d.region.clone(),
            message: format!("{} used {percent:.0}% of max_connections at {}", d.id, at(p.at)),
            evidence: vec![
                format!("DatabaseConnections: {:.0} at {}", p.value, at(p.at)),
                format!("DatabaseConnections now: {}", now(row.connections.as_ref(), "")),
                max_connections_evidence(inv, d, &m),
            ],
            remedy: CONNECTIONS_REMEDY.into(),
        });
    }
    out
}

/// A Serverless v2 instance pinned at its cluster's maximum ACU cannot scale further: the
/// next surge queues or fails.
fn capacity_finding(
    d: &DbInstance,
    row: &InstanceRow,
    t: &Thresholds,
    at: &impl Fn(jiff::Timestamp) -> String,
) -> Option<Finding> {
    let (range, capacity) = (row.acu_range?, row.capacity?);
    let minutes = f64::from(row.at_max_acu.minutes);
    let severity = t.serverless_at_max_minutes.classify(minutes);
    if severity < Severity::Warning {
        return None;
    }
    Some(Finding {
        rule: RuleId::ServerlessAtMaxCapacity,
        severity,
        resource_id: d.id.clone(),
        region: d.region.clone(),
        message: format!(
            "{} has run at its maximum {} ACU for {}{} and cannot scale further",
            d.id,
            range.max,
            if row.at_max_acu.at_least { "at least " } else { "" },
            format_duration_secs(minutes * 60.0)
        ),
        evidence: vec![
            format!("ServerlessDatabaseCapacity: {} ACU at {}", capacity.value, at(capacity.at)),
            format!("capacity range: {} to {} ACU (cluster {})", range.min, range.max, d.cluster_id.as_deref().unwrap_or("?")),
            format!(
                "thresholds: warn {} min, crit {} min at the maximum",
                t.serverless_at_max_minutes.warn, t.serverless_at_max_minutes.crit
            ),
        ],
        remedy: "Raise the cluster's maximum capacity (ServerlessV2ScalingConfiguration MaxCapacity), or find what drives the load.".into(),
    })
}

/// An instance whose status is an outage (storage full, failed, incompatible settings), or one
/// that is stopped and that AWS will start again on its own.
fn status_finding(
    d: &DbInstance,
    row: &InstanceRow,
    at: &impl Fn(jiff::Timestamp) -> String,
) -> Option<Finding> {
    let (severity, message, evidence, remedy) = match row.activity {
        Activity::Broken => (
            Severity::Critical,
            format!("{} is {}: it is not serving", d.id, d.status),
            vec![format!("DBInstanceStatus: {}", d.status)],
            "See the instance's RDS events for the cause (storage-full: add storage; incompatible-*: fix the parameter or option group).",
        ),
        Activity::Stopped => {
            let since = row.stopped_since.map_or_else(
                || "the stop time is unknown (no datapoint in the last 14 days)".to_string(),
                |t| format!("last datapoint {}", at(t)),
            );
            let restart = match super::status::auto_start_at(row.stopped_since) {
                Some(t) => {
                    format!("AWS starts it again automatically 7 days after it stopped: about {}", at(t))
                }
                None => "AWS starts a stopped instance again automatically after 7 days".to_string(),
            };
            (
                Severity::Info,
                format!("{} is {}; AWS starts it again after 7 days", d.id, d.status),
                vec![format!("DBInstanceStatus: {}", d.status), since, restart],
                "Start it, or delete it (with a final snapshot) if it is no longer needed; a restart also applies pending maintenance.",
            )
        }
        _ => return None,
    };
    Some(Finding {
        rule: RuleId::InstanceStatus,
        severity,
        resource_id: d.id.clone(),
        region: d.region.clone(),
        message,
        evidence,
        remedy: remedy.into(),
    })
}

/// One finding per consumer group whose worst topic is ERR, STALL or STOP, with every
/// topic's verdict as evidence.
fn consumer_findings(k: &KafkaOverview) -> Vec<Finding> {
    let mut out = Vec::new();
    for g in &k.groups {
        let (rule, remedy) = match g.status {
            LagStatus::Err => (
                RuleId::ConsumerLagHigh,
                "Check the consumers are running and keeping up: scale them out, or find the slow partition (a hot key, a poison message).",
            ),
            LagStatus::Stall => (
                RuleId::ConsumerStalled,
                "The group commits nothing while data arrives: look for a consumer stuck on one message, a deadlock or a lost partition assignment; restart it.",
            ),
            LagStatus::Stop => (
                RuleId::ConsumerStopped,
                "Check the group's state (kafka-consumer-groups --describe): rebalancing in a loop, no members, or a name MSK does not publish.",
            ),
            _ => continue,
        };
        let rows: Vec<&super::kafka::ConsumerLagRow> = g.topics.iter().map(|&t| &k.consumers[t]).collect();
        let Some(worst) = rows.iter().copied().max_by_key(|r| r.status()) else { continue };
        let cluster = &worst.id.cluster_name;
        let bad: Vec<&str> =
            rows.iter().filter(|r| r.status() == g.status).map(|r| r.id.topic.as_str()).collect();
        let on = if bad.len() == 1 { bad[0].to_string() } else { format!("{} topics", bad.len()) };
        let mut evidence: Vec<String> = rows
            .iter()
            .map(|r| format!("{}: {} ({})", r.id.topic, r.status().tag(), r.verdict.reason))
            .collect();
        evidence.extend(worst.verdict.evidence.iter().map(|e| format!("{}: {e}", worst.id.topic)));
        out.push(Finding {
            rule,
            severity: g.status.severity(),
            resource_id: format!("{cluster}/{}", g.group),
            region: worst.region.as_str().into(),
            message: format!(
                "consumer group {} {} on {on}: {}",
                g.group,
                g.status.tag(),
                worst.verdict.reason
            ),
            evidence,
            remedy: remedy.into(),
        });
    }
    out
}

/// Worst first, then by rule, resource, region and message: a total, stable order.
pub fn finding_order(a: &Finding, b: &Finding) -> std::cmp::Ordering {
    b.severity
        .cmp(&a.severity)
        .then_with(|| a.rule.as_str().cmp(b.rule.as_str()))
        .then_with(|| a.resource_id.cmp(&b.resource_id))
        .then_with(|| a.region.cmp(&b.region))
        .then_with(|| a.message.cmp(&b.message))
}

pub fn sort_findings(f: &mut [Finding]) {
    f.sort_by(finding_order);
}
