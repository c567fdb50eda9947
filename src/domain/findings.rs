//! Findings: a rule id, a severity, the resource, a one-line message, the evidence and the
//! remedy. This module holds the type and the threshold rules over live readings; the
//! maintenance-risk rules build on the same type.

use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::fleet::InstanceRow;
use super::kafka::ConsumerLagRow;
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
/// max_connections, consumer time lag. Sorted worst first.
pub fn reading_findings(
    inv: &Inventory,
    rows: &[InstanceRow],
    consumers: &[ConsumerLagRow],
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
    for c in consumers {
        if c.severity >= Severity::Warning
            && let Some(r) = c.estimated_max_time_lag
        {
            out.push(Finding {
                    rule: "consumer-lag-high".into(),
                    severity: c.severity,
                    resource_id: format!("{}/{}/{}", c.id.cluster_name, c.id.group, c.id.topic),
                    region: c.region.clone(),
                    message: format!(
                        "consumer group {} is {} behind on {}",
                        c.id.group,
                        format_duration_secs(r.value),
                        c.id.topic
                    ),
                    evidence: vec![format!("EstimatedMaxTimeLag: {:.0} s at {}", r.value, at(r.at))],
                    remedy: "Check the consumers are running and keeping up; scale them out or find the slow partition.".into(),
                });
        }
    }
    sort_findings(&mut out);
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
