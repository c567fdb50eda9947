//! Markdown rendering of a snapshot report: tables a postmortem document can paste.

use std::fmt::Write;

use super::json::SnapshotReport;
use crate::domain::format::format_duration_secs;
use crate::domain::format::{MISSING, count};

pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| MISSING.to_string(), f)
}

/// The findings as a Markdown table (snapshot and check share it).
pub fn findings_table(findings: &[crate::domain::findings::Finding]) -> String {
    let mut s = String::from("| severity | rule | resource | region | message |\n|---|---|---|---|---|\n");
    for f in findings {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            f.severity.label(),
            f.rule,
            cell(&f.resource_id),
            f.region,
            cell(&f.message)
        );
    }
    s
}

pub fn render(r: &SnapshotReport) -> String {
    let mut s = String::new();
    let taken = r.taken_at.map_or_else(|| "never".to_string(), |t| t.to_string());
    let source = r.source.as_ref().map_or_else(|| "unknown".to_string(), |s| s.label.clone());
    let _ = writeln!(s, "# dbfleet snapshot\n\nTaken at {taken} from {source}.\n");
    let _ = writeln!(
        s,
        "{} instances, {} clusters, {} consumer groups x topics, {} findings, {} errors.\n",
        r.instances.len(),
        r.clusters.len(),
        r.kafka.len(),
        r.findings.len(),
        r.errors.len()
    );

    let gaps: Vec<_> = r.capabilities.iter().filter(|c| c.state.is_gap()).collect();
    if !gaps.is_empty() {
        s.push_str("## Data that could not be read\n\n| account | region | capability | state | since | message |\n|---|---|---|---|---|---|\n");
        for g in gaps {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                g.account.as_deref().unwrap_or(""),
                g.region,
                g.capability.label(),
                g.state.label(),
                g.since,
                cell(g.message.as_deref().unwrap_or(""))
            );
        }
        s.push('\n');
    }

    if !r.findings.is_empty() {
        s.push_str("## Findings\n\n");
        s.push_str(&findings_table(&r.findings));
        s.push('\n');
    }

    let _ = writeln!(
        s,
        "## Instances\n\n| instance | region | engine | role | failover | status | connections | max | replica lag | CPU | window (UTC) |\n|---|---|---|---|---|---|--:|--:|--:|--:|---|"
    );
    for i in &r.instances {
        let lag = match i.replication_state {
            "stopped" => "STOPPED (-1)".to_string(),
            "not_replica" => String::new(),
            _ => opt(i.replica_lag_seconds, format_duration_secs),
        };
        let max = match (i.max_connections, i.max_connections_is_estimate) {
            (Some(v), Some(true)) => format!("~{v}"),
            (Some(v), _) => v.to_string(),
            _ => MISSING.to_string(),
        };
        // Where a limit came from when it is not the engine's default.
        let max = match i.max_connections_source.as_deref() {
            Some(src) if src != "engine default" => format!("{max} ({})", cell(src)),
            _ => max,
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            cell(&i.id),
            i.region,
            i.engine,
            i.engine_version,
            i.role,
            i.failover,
            i.status,
            opt(i.connections, count),
            max,
            lag,
            opt(i.cpu_percent, |v| format!("{v:.1}%")),
            i.maintenance_window.as_deref().unwrap_or(MISSING)
        );
    }
    s.push('\n');

    if !r.pending_actions.is_empty() {
        let _ = writeln!(
            s,
            "## Pending maintenance\n\n| resource | action | auto-applied after | forced apply | description |\n|---|---|---|---|---|"
        );
        for a in &r.pending_actions {
            let t = |t: Option<jiff::Timestamp>| t.map_or_else(|| MISSING.to_string(), |t| t.to_string());
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                cell(&a.resource_id),
                a.action,
                t(a.auto_applied_after),
                t(a.forced_apply),
                cell(a.description.as_deref().unwrap_or(""))
            );
        }
        s.push('\n');
    }

    if !r.kafka.is_empty() {
        let _ = writeln!(
            s,
            "## MSK consumer lag\n\n| cluster | group | topic | max offset lag | sum offset lag | est. time lag | status | why |\n|---|---|---|--:|--:|--:|---|---|"
        );
        for k in &r.kafka {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                cell(&k.cluster),
                cell(&k.consumer_group),
                cell(&k.topic),
                opt(k.max_offset_lag, count),
                opt(k.sum_offset_lag, count),
                opt(k.estimated_max_time_lag_seconds, format_duration_secs),
                k.status.tag(),
                cell(&k.status_reason)
            );
        }
        s.push('\n');
    }
    for c in &r.kafka_without_lag_metrics {
        let _ = writeln!(
            s,
            "- MSK cluster {} ({}) shows no consumer lag: {}",
            cell(&c.cluster),
            c.region,
            cell(&c.reason)
        );
    }
    if !r.kafka_without_lag_metrics.is_empty() {
        s.push('\n');
    }

    if !r.errors.is_empty() {
        let _ = writeln!(s, "## Errors\n");
        for e in &r.errors {
            let _ = writeln!(
                s,
                "- {} {:?} {}: {}",
                e.region,
                e.service,
                e.operation.as_deref().unwrap_or(""),
                cell(&e.message)
            );
        }
    }
    s
}
