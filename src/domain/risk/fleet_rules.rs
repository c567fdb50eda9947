//! Rules about the fleet's shape and lifecycle: replica quotas, blue/green deployments left in
//! a risky state, and engines near or past the end of support.

use super::windows::non_production;
use super::{RiskInput, countdown};
use crate::domain::findings::Finding;
use crate::domain::format;
use crate::domain::format::format_duration_secs;
use crate::domain::rule_id::RuleId;
use crate::domain::severity::Severity;
use crate::domain::version;

/// AWS quotas: read replicas per RDS source, Aurora replicas per cluster.
pub const RDS_REPLICA_QUOTA: usize = 5;
pub const AURORA_REPLICA_QUOTA: usize = 15;

pub fn rules(input: &RiskInput, out: &mut Vec<Finding>) {
    replica_limit(input, out);
    blue_green(input, out);
    end_of_support(input, out);
}

fn replica_limit(input: &RiskInput, out: &mut Vec<Finding>) {
    let near = |n: usize, quota: usize| -> Option<Severity> {
        if n >= quota {
            Some(Severity::Warning)
        } else if n as f64 >= (quota as f64 * input.settings.replica_limit_ratio).ceil() && n > 0 {
            Some(Severity::Info)
        } else {
            None
        }
    };
    let mut push = |id: &str, region: &str, n: usize, quota: usize, what: &str, sev: Severity| {
        out.push(Finding {
            rule: RuleId::ReplicaLimit,
            severity: sev,
            resource_id: id.to_string(),
            region: region.into(),
            message: if n >= quota {
                format!("{id}: at the quota of {quota} {what}: no replica can be added in an incident")
            } else {
                format!("{id}: {n} of {quota} {what}, near the quota")
            },
            evidence: vec![format!("{what}: {n} of {quota} (AWS quota)")],
            remedy: "Keep headroom for an emergency replica: consolidate readers, or chain a replica of a replica \
                     (RDS MySQL/MariaDB), or ask for a quota review."
                .into(),
        });
    };
    for d in &input.inv.instances {
        if d.cluster_id.is_none()
            && let Some(sev) = near(d.replicas.len(), RDS_REPLICA_QUOTA)
        {
            push(&d.id, &d.region, d.replicas.len(), RDS_REPLICA_QUOTA, "read replicas", sev);
        }
    }
    for c in &input.inv.clusters {
        let n = c.readers().count();
        if let Some(sev) = near(n, AURORA_REPLICA_QUOTA) {
            push(&c.id, &c.region, n, AURORA_REPLICA_QUOTA, "Aurora replicas", sev);
        }
    }
}

fn blue_green(input: &RiskInput, out: &mut Vec<Finding>) {
    let stale_secs = input.settings.blue_green_stale_days * 86_400.0;
    for b in &input.inv.blue_green {
        let age = b.created_at.map(|t| (input.now.as_second() - t.as_second()).max(0) as f64);
        let old = age.is_some_and(|a| a > stale_secs);
        let age_text =
            age.map_or("age unknown".to_string(), |a| format!("created {} ago", format_duration_secs(a)));
        let (sev, what, remedy) = match b.status.as_str() {
            "PROVISIONING" => (
                if old { Severity::Warning } else { Severity::Info },
                "is provisioning",
                "Wait for AVAILABLE; a deployment stuck provisioning for days needs a look at its events.",
            ),
            "AVAILABLE" => (
                if old { Severity::Warning } else { Severity::Info },
                "is ready for switchover",
                "Switch over at a quiet hour (writes pause for up to the switchover timeout), or delete it: a green \
                 environment left running drifts and costs.",
            ),
            "SWITCHOVER_IN_PROGRESS" => (
                Severity::Warning,
                "is switching over: writes to the source are blocked until it completes or rolls back",
                "Watch it; it rolls back when the switchover timeout runs out.",
            ),
            "SWITCHOVER_COMPLETED" => (
                Severity::Info,
                "has switched over; the old blue environment is still running",
                "Check the new environment, then delete the deployment and the old instances.",
            ),
            s if s.starts_with("INVALID") || s.ends_with("FAILED") => (
                Severity::Warning,
                "is in an invalid state and cannot switch over",
                "Read its status details and events; fix the configuration or delete and recreate it.",
            ),
            _ => continue,
        };
        let source = b.source_arn.rsplit(':').next().unwrap_or(&b.source_arn).to_string();
        let mut evidence = vec![format!("status: {} ({age_text})", b.status)];
        if let Some(d) = &b.status_details {
            evidence.push(format!("details: {d}"));
        }
        evidence.push(format!("blue (source): {source}"));
        if let Some(t) = &b.target_arn {
            evidence.push(format!("green (target): {}", t.rsplit(':').next().unwrap_or(t)));
        }
        if old {
            evidence.push(format!("older than {} days", input.settings.blue_green_stale_days));
        }
        out.push(Finding {
            rule: RuleId::BlueGreen,
            severity: sev,
            resource_id: source.clone(),
            region: b.region.as_str().into(),
            message: format!("{source}: blue/green deployment {} {what} ({age_text})", b.name),
            evidence,
            remedy: remedy.into(),
        });
    }
}

fn end_of_support(input: &RiskInput, out: &mut Vec<Finding>) {
    let inv = input.inv;
    let warn_secs = input.settings.end_of_support_warn_days * 86_400.0;
    for d in &inv.instances {
        let major = version::major(d.family(), &d.engine_version);
        let Some(lc) = inv.lifecycle(&d.engine, &major) else { continue };
        let now = input.now;
        let left = |t: jiff::Timestamp| (t.as_second() - now.as_second()) as f64;
        let date = |t: jiff::Timestamp| format::date_time_zone(t, input.tz);
        let (sev, message) = match (lc.standard_support_end, lc.extended_support_end) {
            (_, Some(ext)) if left(ext) <= 0.0 => (
                Severity::Critical,
                format!(
                    "{}: {} {major} is past the end of extended support ({}): AWS upgrades it at a time it chooses",
                    d.id,
                    d.engine,
                    date(ext)
                ),
            ),
            (Some(std), ext) if left(std) <= 0.0 => match ext {
                Some(ext) if left(ext) <= warn_secs => (
                    Severity::Warning,
                    format!(
                        "{}: {} {major} extended support ends {} ({})",
                        d.id,
                        d.engine,
                        date(ext),
                        countdown(ext, now)
                    ),
                ),
                _ => (
                    Severity::Info,
                    format!(
                        "{}: {} {major} is in extended support since {} (charged per vCPU-hour)",
                        d.id,
                        d.engine,
                        date(std)
                    ),
                ),
            },
            (Some(std), _) if left(std) <= warn_secs => (
                Severity::Warning,
                format!(
                    "{}: {} {major} standard support ends {} ({})",
                    d.id,
                    d.engine,
                    date(std),
                    countdown(std, now)
                ),
            ),
            _ => continue,
        };
        let mut evidence = vec![format!("engine: {} {} (major {major})", d.engine, d.engine_version)];
        if let Some(t) = lc.standard_support_end {
            evidence.push(format!("standard support ends: {}", date(t)));
        }
        if let Some(t) = lc.extended_support_end {
            evidence.push(format!("extended support ends: {}", date(t)));
        }
        let sev = match non_production(&d.tags) {
            Some(env) if sev == Severity::Warning => {
                evidence.push(format!("env={env}: not production, reported as info"));
                Severity::Info
            }
            _ => sev,
        };
        out.push(Finding {
            rule: RuleId::EngineEndOfSupport,
            severity: sev,
            resource_id: d.id.clone(),
            region: d.region.clone(),
            message,
            evidence,
            remedy: "Plan the major version upgrade (a blue/green deployment keeps downtime to a switchover) before AWS \
                     does it for you."
                .into(),
        });
    }
}
