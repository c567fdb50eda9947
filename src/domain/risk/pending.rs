//! Rules about queued maintenance: forced-apply dates coming up, actions that will apply in
//! the next window, and a source upgraded ahead of its replicas.

use crate::domain::rule_id::RuleId;
use std::cmp::Ordering;

use super::context::window_evidence;
use super::{RiskInput, countdown};
use crate::domain::findings::Finding;
use crate::domain::format;
use crate::domain::maintenance::MaintenanceWindow;
use crate::domain::model::{DbInstance, EngineFamily, PendingAction};
use crate::domain::severity::Severity;
use crate::domain::version;

pub fn rules(input: &RiskInput, out: &mut Vec<Finding>) {
    for a in &input.inv.pending_actions {
        forced_apply_soon(input, a, out);
        auto_apply_next_window(input, a, out);
    }
    replica_before_source(input, out);
}

fn action_lines(a: &PendingAction, input: &RiskInput) -> Vec<String> {
    let mut v = vec![format!(
        "action: {}{}",
        a.action,
        a.description.as_deref().map_or(String::new(), |d| format!(" ({d})"))
    )];
    if let Some(t) = a.auto_applied_after {
        v.push(format!(
            "auto-applied after: {} ({})",
            format::date_time_zone(t, input.tz),
            countdown(t, input.now)
        ));
    }
    if let Some(t) = a.forced_apply {
        v.push(format!(
            "forced apply: {} ({})",
            format::date_time_zone(t, input.tz),
            countdown(t, input.now)
        ));
    }
    if let Some(s) = &a.opt_in_status {
        v.push(format!("opt-in status: {s}"));
    }
    v
}

/// The window of the resource an action is for (an instance or a cluster), raw and parsed.
fn resource_window<'a>(
    input: &'a RiskInput,
    a: &PendingAction,
) -> Option<(&'a str, Result<MaintenanceWindow, ()>)> {
    let inv = input.inv;
    let ix = &input.index;
    let raw = if let Some(i) = ix.instances.by_arn(&a.resource_arn) {
        inv.instances[i].maintenance_window.as_deref()
    } else {
        ix.clusters_by_arn
            .get(a.resource_arn.as_str())
            .and_then(|&c| inv.clusters[c].maintenance_window.as_deref())
    }?;
    Some((raw, raw.parse::<MaintenanceWindow>().map_err(|_| ())))
}

fn forced_apply_soon(input: &RiskInput, a: &PendingAction, out: &mut Vec<Finding>) {
    let Some(forced) = a.forced_apply else { return };
    let days_left = (forced.as_second() - input.now.as_second()) as f64 / 86_400.0;
    let Some(sev) = input.settings.forced_apply_days.classify(days_left) else { return };
    let when = if days_left < 0.0 {
        format!("its forced-apply date passed {}: AWS applies it at any moment", countdown(forced, input.now))
    } else {
        format!(
            "AWS applies it {} ({}), whatever the window",
            countdown(forced, input.now),
            format::date_time_zone(forced, input.tz)
        )
    };
    let mut evidence = action_lines(a, input);
    evidence.push(format!(
        "thresholds: warning within {} days, critical within {} days",
        input.settings.forced_apply_days.warn, input.settings.forced_apply_days.crit
    ));
    out.push(Finding {
        rule: RuleId::ForcedApplySoon,
        severity: sev,
        resource_id: a.resource_id.clone(),
        region: a.region.as_str().into(),
        message: format!("{}: {} is forced: {when}", a.resource_id, a.action),
        evidence,
        remedy:
            "Apply it yourself first, at a quiet hour you choose (aws rds apply-pending-maintenance-action \
                 --opt-in-type next-maintenance or immediate), after trying it on staging."
                .into(),
    });
}

fn auto_apply_next_window(input: &RiskInput, a: &PendingAction, out: &mut Vec<Finding>) {
    let Some(after) = a.auto_applied_after else { return };
    if after > input.now {
        return;
    }
    let mut evidence = action_lines(a, input);
    let (sev, message) = match resource_window(input, a) {
        Some((_, Ok(w))) => {
            let occ = w.next_occurrence(input.now);
            evidence.push(window_evidence(&w, &occ, input.tz, input.now));
            let hours = (occ.start.as_second() - input.now.as_second()) as f64 / 3600.0;
            let sev = if hours <= input.settings.auto_apply_critical_hours {
                Severity::Critical
            } else {
                Severity::Warning
            };
            let when = if occ.contains(input.now) {
                format!("the window is open now (until {})", format::local_day_time(occ.end, input.tz))
            } else {
                format!(
                    "{} ({})",
                    format::span(occ.start, occ.end, input.tz),
                    countdown(occ.start, input.now)
                )
            };
            (
                sev,
                format!("{}: {} will apply in the next maintenance window, {when}", a.resource_id, a.action),
            )
        }
        Some((raw, Err(()))) => {
            evidence.push(format!("maintenance window: {raw:?} cannot be read"));
            (
                Severity::Warning,
                format!("{}: {} will apply in a window that cannot be read", a.resource_id, a.action),
            )
        }
        None => (
            Severity::Warning,
            format!(
                "{}: {} is due and will apply at a time AWS chooses (no window known)",
                a.resource_id, a.action
            ),
        ),
    };
    out.push(Finding {
        rule: RuleId::AutoApplyNextWindow,
        severity: sev,
        resource_id: a.resource_id.clone(),
        region: a.region.as_str().into(),
        message,
        evidence,
        remedy: "If that window is a bad time, apply it now at a quiet hour or move the window; it cannot be deferred \
                 past its forced-apply date."
            .into(),
    });
}

/// The version an instance will run after what is queued: a pending modification, else the
/// automatic minor upgrade target when auto upgrade is on, else its current version.
fn next_version(d: &DbInstance) -> Option<&str> {
    d.pending_modified
        .engine_version
        .as_deref()
        .or(d.auto_upgrade_target.as_deref().filter(|_| d.auto_minor_version_upgrade))
}

fn replica_before_source(input: &RiskInput, out: &mut Vec<Finding>) {
    let inv = input.inv;
    let idx = &input.index.instances;
    for d in &inv.instances {
        if !matches!(d.family(), EngineFamily::MySql | EngineFamily::MariaDb) || d.replicas.is_empty() {
            continue;
        }
        let Some(src_next) = next_version(d) else { continue };
        let behind: Vec<(&DbInstance, &str)> = d
            .replicas
            .iter()
            .filter_map(|r| idx.resolve(&d.account, &d.region, r))
            .map(|r| &*inv.instances[r])
            .map(|r| (r, next_version(r).unwrap_or(&r.engine_version)))
            .filter(|(_, v)| version::compare(v, src_next) == Ordering::Less)
            .collect();
        if behind.is_empty() {
            continue;
        }
        let how = if d.pending_modified.engine_version.is_some() {
            "pending modification"
        } else {
            "automatic minor upgrade target"
        };
        let mut evidence = vec![format!("source: {} {} -> {src_next} ({how})", d.id, d.engine_version)];
        evidence.push(format!(
            "replicas that would stay older: {}",
            behind.iter().map(|(r, v)| format!("{} {v}", r.id)).collect::<Vec<_>>().join(", ")
        ));
        if let Some(Ok(w)) = d.maintenance_window.as_deref().map(str::parse::<MaintenanceWindow>) {
            evidence.push(window_evidence(&w, &w.next_occurrence(input.now), input.tz, input.now));
        }
        out.push(Finding {
            rule: RuleId::ReplicaBeforeSource,
            severity: Severity::Warning,
            resource_id: d.id.clone(),
            region: d.region.clone(),
            message: format!(
                "{}: source would move to {src_next} ahead of {} of its replicas (upgrade replicas first)",
                d.id,
                behind.len()
            ),
            evidence,
            remedy: "Upgrade the read replicas before the source: MySQL and MariaDB replicate from an older source to a \
                     newer replica, not the other way round."
                .into(),
        });
    }
}
