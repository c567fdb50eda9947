//! Rules about maintenance windows: an automatic upgrade in peak hours, on a writer with no
//! standby, a window shared by a writer and all its copies, and windows that do not parse.

use super::RiskInput;
use super::context::{PeakBasis, QueuedUpgrade, window, window_evidence};
use crate::domain::findings::Finding;
use crate::domain::fleet::Failover;
use crate::domain::format;
use crate::domain::maintenance::MaintenanceWindow;
use crate::domain::model::DbInstance;
use crate::domain::peak::{quietest_hour, window_at_hour};
use crate::domain::rule_id::RuleId;
use crate::domain::severity::Severity;
use crate::domain::sym::Sym;

/// `env` tag values that mark a non-production resource: its findings are capped at info.
const NON_PRODUCTION: &[&str] = &["staging", "stage", "dev", "development", "test", "qa", "sandbox"];

pub fn non_production(tags: &crate::domain::sym::Tags) -> Option<&str> {
    tags.get("env").filter(|e| NON_PRODUCTION.contains(&e.to_ascii_lowercase().as_str()))
}

fn cap_for_env(sev: Severity, d: &DbInstance, evidence: &mut Vec<String>) -> Severity {
    match non_production(&d.tags) {
        Some(env) if sev > Severity::Info => {
            evidence.push(format!("env={env}: not production, reported as info"));
            Severity::Info
        }
        _ => sev,
    }
}

pub fn rules(input: &RiskInput, out: &mut Vec<Finding>) {
    for (i, d) in input.inv.instances.iter().enumerate() {
        if let Some(Some(Err(e))) = input.statics.get(i).map(|s| &s.window) {
            out.push(Finding {
                rule: RuleId::InvalidWindow,
                severity: Severity::Warning,
                resource_id: d.id.clone(),
                region: d.region.clone(),
                message: format!("{}: maintenance window cannot be read, so when maintenance happens is unknown", d.id),
                evidence: vec![format!("PreferredMaintenanceWindow: {e}")],
                remedy: "Set a window of the form ddd:hh24:mi-ddd:hh24:mi (UTC, at least 30 minutes) at a quiet hour.".into(),
            });
        }
        if d.role.takes_writes() && d.auto_minor_version_upgrade {
            auto_upgrade_in_peak(input, i, d, out);
            single_az_writer(input, i, d, out);
        }
    }
    shared_windows(input, out);
}

fn failover_line(f: Failover) -> String {
    match f {
        Failover::None => "failover: none (single-AZ, no standby): the restart is an outage".into(),
        Failover::Standby => {
            "failover: Multi-AZ standby; an engine upgrade restarts primary and standby together".into()
        }
        Failover::ClusterMember => {
            "failover: Aurora readers; an engine upgrade restarts the whole cluster".into()
        }
    }
}

fn auto_upgrade_in_peak(input: &RiskInput, i: usize, d: &DbInstance, out: &mut Vec<Finding>) {
    let Some(w) = window(input, i) else { return };
    let occ = w.next_occurrence(input.now);
    let basis = PeakBasis::of(input, i);
    if !basis.in_peak(&w, &occ) {
        return;
    }
    let queued = QueuedUpgrade::of(input, d);
    let mut evidence = vec![window_evidence(&w, &occ, input.tz, input.now)];
    evidence.extend(basis.evidence(&w, &occ, input.tz, input.settings.min_history_days));
    evidence.push(queued.evidence(d));
    evidence.push(failover_line(input.statics[i].failover));
    let sev = if queued.queued() { Severity::Critical } else { Severity::Warning };
    let sev = cap_for_env(sev, d, &mut evidence);
    let upgrade = match &queued.target {
        Some(t) => format!("to {t} "),
        None => String::new(),
    };
    let remedy = match &basis {
        PeakBasis::Learned { profile, .. } => match quietest_hour(profile) {
            Some((h, load)) => {
                let quiet = window_at_hour(h);
                let occ = quiet.next_occurrence(input.now);
                format!(
                    "Move the window to a quiet hour, e.g. {quiet} UTC ({}, the quietest hour: {load:.0} {} on average): \
                     aws rds modify-db-instance --db-instance-identifier {} --preferred-maintenance-window {quiet}; \
                     or turn auto minor version upgrade off and upgrade at a time you choose.",
                    format::span(occ.start, occ.end, input.tz),
                    profile.metric.unit(),
                    d.id
                )
            }
            None => quiet_remedy(d),
        },
        PeakBasis::Assumed { .. } => quiet_remedy(d),
    };
    out.push(Finding {
        rule: RuleId::AutoUpgradeInPeak,
        severity: sev,
        resource_id: d.id.clone(),
        region: d.region.clone(),
        message: format!(
            "{}: auto minor version upgrade {upgrade}can restart it in its peak hours ({})",
            d.id,
            format::span(occ.start, occ.end, input.tz)
        ),
        evidence,
        remedy: remedy.into(),
    });
}

fn quiet_remedy(d: &DbInstance) -> String {
    format!(
        "Move the window outside peak hours (aws rds modify-db-instance --db-instance-identifier {} \
         --preferred-maintenance-window ddd:hh24:mi-ddd:hh24:mi, UTC), or turn auto minor version upgrade off \
         and upgrade at a time you choose.",
        d.id
    )
}

fn single_az_writer(input: &RiskInput, i: usize, d: &DbInstance, out: &mut Vec<Finding>) {
    if input.statics[i].failover != Failover::None {
        return;
    }
    let queued = QueuedUpgrade::of(input, d);
    let mut evidence = vec![
        if d.cluster_id.is_some() {
            "Aurora cluster with no reader: nothing to fail over to".to_string()
        } else {
            "Multi-AZ: off (no standby)".to_string()
        },
        queued.evidence(d),
    ];
    if !d.replicas.is_empty() {
        evidence.push(format!(
            "read replicas: {} (a replica is not a standby: promoting one is manual and ends replication)",
            d.replicas.join(", ")
        ));
    }
    if let Some(w) = window(input, i) {
        evidence.push(window_evidence(&w, &w.next_occurrence(input.now), input.tz, input.now));
    }
    let sev = if queued.queued() { Severity::Critical } else { Severity::Warning };
    let sev = cap_for_env(sev, d, &mut evidence);
    out.push(Finding {
        rule: RuleId::AutoUpgradeSingleAzWriter,
        severity: sev,
        resource_id: d.id.clone(),
        region: d.region.clone(),
        message: format!("{}: writer with no standby has auto minor version upgrade on: every upgrade is an outage", d.id),
        evidence,
        remedy: if d.cluster_id.is_some() {
            "Add an Aurora reader in another AZ, or turn auto minor version upgrade off and upgrade in a planned change.".into()
        } else {
            "Turn auto minor version upgrade off and upgrade in a planned change (a blue/green deployment keeps the \
             downtime to a switchover); Multi-AZ shortens OS maintenance to a failover, not engine upgrades."
                .into()
        },
    });
}

/// A writer and every one of its copies (read replicas or cluster members) whose windows
/// overlap the writer's: one maintenance can take the whole set down.
fn shared_windows(input: &RiskInput, out: &mut Vec<Finding>) {
    let inv = input.inv;
    let idx = &input.index.instances;
    // (resource id, region, writer index, member indices, what kind of set)
    let mut sets: Vec<(String, Sym, usize, Vec<usize>, &str)> = Vec::new();
    for (i, d) in inv.instances.iter().enumerate() {
        if d.cluster_id.is_none() && d.replica_source.is_none() && !d.replicas.is_empty() {
            let members: Vec<usize> =
                d.replicas.iter().filter_map(|r| idx.resolve(&d.account, &d.region, r)).collect();
            sets.push((d.id.clone(), d.region.clone(), i, members, "read replicas"));
        }
    }
    for c in &inv.clusters {
        let Some(w) = c.writer().and_then(|w| idx.resolve(&c.account, &c.region, &w.instance_id)) else {
            continue;
        };
        let members: Vec<usize> =
            c.readers().filter_map(|m| idx.resolve(&c.account, &c.region, &m.instance_id)).collect();
        if !members.is_empty() {
            sets.push((c.id.clone(), c.region.as_str().into(), w, members, "cluster readers"));
        }
    }
    for (resource, region, writer, members, kind) in sets {
        let Some(ww) = window(input, writer) else { continue };
        let wocc = ww.next_occurrence(input.now);
        let windows: Option<Vec<MaintenanceWindow>> = members.iter().map(|&m| window(input, m)).collect();
        let Some(windows) = windows else { continue };
        let all_overlap = windows.iter().all(|w| {
            let o = w.next_occurrence(input.now);
            o.start < wocc.end && wocc.start < o.end
        });
        if !all_overlap {
            continue;
        }
        let wd = &inv.instances[writer];
        let everyone: Vec<usize> = std::iter::once(writer).chain(members.iter().copied()).collect();
        let amvu: Vec<&str> = everyone
            .iter()
            .map(|&m| &inv.instances[m])
            .filter(|d| d.auto_minor_version_upgrade)
            .map(|d| d.id.as_str())
            .collect();
        let pending: Vec<&str> = everyone
            .iter()
            .map(|&m| &inv.instances[m])
            .filter(|d| input.index.actions_by_arn.contains_key(d.arn.as_str()))
            .map(|d| d.id.as_str())
            .collect();
        let mut evidence = vec![
            window_evidence(&ww, &wocc, input.tz, input.now),
            format!(
                "{}: {}",
                kind,
                members
                    .iter()
                    .zip(&windows)
                    .map(|(&m, w)| format!("{} ({w})", inv.instances[m].id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ];
        if !amvu.is_empty() {
            evidence.push(format!("auto minor version upgrade on: {}", amvu.join(", ")));
        }
        if !pending.is_empty() {
            evidence.push(format!("pending maintenance on: {}", pending.join(", ")));
        }
        let sev = if amvu.is_empty() && pending.is_empty() { Severity::Info } else { Severity::Warning };
        let sev = cap_for_env(sev, wd, &mut evidence);
        out.push(Finding {
            rule: RuleId::SharedWindow,
            severity: sev,
            resource_id: resource.clone(),
            region,
            message: format!(
                "{resource} shares its maintenance window ({}) with all its {kind} ({}): one maintenance can take every copy down at once",
                format::span(wocc.start, wocc.end, input.tz),
                members.len(),
            ),
            evidence,
            remedy: "Stagger the windows (replicas on a different day or hour than the writer) so readers survive the \
                     writer's maintenance and the other way round."
                .into(),
        });
    }
}
