//! Findings: a rule id, a severity, the resource, a one-line message, the evidence and the
//! remedy. This module holds the type and the threshold rules over live readings; the
//! maintenance-risk rules build on the same type.

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::consumer_status::LagStatus;
use super::fleet::InstanceRow;
use super::kafka::KafkaOverview;
use super::lag::{ReplicationState, format_duration_secs};
use super::model::Inventory;
use super::severity::Severity;
use super::thresholds::Thresholds;
use super::zones;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub resource_id: String,
    pub region: String,
    pub message: String,
    /// Facts that produced the finding, as `name: value` lines.
    pub evidence: Vec<String>,
    pub remedy: String,
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
    let at = |ts: jiff::Timestamp| zones::date_time_zone(ts, tz);
    let mut out = Vec::new();
    for row in rows {
        let d = &inv.instances[row.index];
        match row.replication {
            ReplicationState::Stopped { reading } => out.push(Finding {
                rule: "replica-stopped".into(),
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
                rule: "replica-lag-high".into(),
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
                    rule: "connections-near-max".into(),
                    severity: row.connections_severity,
                    resource_id: d.id.clone(),
                    region: d.region.clone(),
                    message: format!("{} uses {p:.0}% of max_connections", d.id),
                    evidence: vec![
                        format!("DatabaseConnections: {:.0} at {}", c.value, at(c.at)),
                        format!(
                            "max_connections: {}{}",
                            m.value,
                            if m.estimated { " (estimated from the class default)" } else { "" }
                        ),
                    ],
                    remedy: "Find the client that opened them (pool sizes, leaks, retries); consider a proxy (RDS Proxy) before raising max_connections.".into(),
                });
        }
    }
    out.extend(consumer_findings(kafka));
    sort_findings(&mut out);
    out
}

/// One finding per consumer group whose worst topic is ERR, STALL or STOP, with every
/// topic's verdict as evidence.
fn consumer_findings(k: &KafkaOverview) -> Vec<Finding> {
    let mut out = Vec::new();
    for g in &k.groups {
        let (rule, remedy) = match g.status {
            LagStatus::Err => (
                "consumer-lag-high",
                "Check the consumers are running and keeping up: scale them out, or find the slow partition (a hot key, a poison message).",
            ),
            LagStatus::Stall => (
                "consumer-stalled",
                "The group commits nothing while data arrives: look for a consumer stuck on one message, a deadlock or a lost partition assignment; restart it.",
            ),
            LagStatus::Stop => (
                "consumer-stopped",
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
            rule: rule.into(),
            severity: g.status.severity(),
            resource_id: format!("{cluster}/{}", g.group),
            region: worst.region.clone(),
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
        .then_with(|| a.rule.cmp(&b.rule))
        .then_with(|| a.resource_id.cmp(&b.resource_id))
        .then_with(|| a.region.cmp(&b.region))
        .then_with(|| a.message.cmp(&b.message))
}

pub fn sort_findings(f: &mut [Finding]) {
    f.sort_by(finding_order);
}
