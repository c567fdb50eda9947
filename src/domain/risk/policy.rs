//! The user's word on findings: severity overrides per rule and mutes per resource or tag.

use std::collections::HashMap;

use super::settings::RuleSettings;
use crate::domain::findings::{Finding, sort_findings};
use crate::domain::model::Inventory;

/// Apply overrides and mutes; returns the findings kept (sorted worst first) and how many
/// were muted or turned off, so the UI can say so rather than hide them silently.
pub fn apply(mut findings: Vec<Finding>, settings: &RuleSettings, inv: &Inventory) -> (Vec<Finding>, usize) {
    let before = findings.len();
    if !settings.severity.is_empty() || !settings.mute.is_empty() {
        let mut tags: HashMap<(&str, &str), &crate::domain::sym::Tags> = HashMap::new();
        if settings.mute.iter().any(|m| m.tag.is_some()) {
            for d in &inv.instances {
                tags.insert((d.region.as_str(), d.id.as_str()), &d.tags);
            }
            for c in &inv.clusters {
                tags.entry((c.region.as_str(), c.id.as_str())).or_insert(&c.tags);
            }
        }
        findings.retain_mut(|f| {
            if let Some(o) = settings.severity.get(&f.rule) {
                match o.severity() {
                    Some(s) => f.severity = s,
                    None => return false,
                }
            }
            let t = tags.get(&(f.region.as_str(), f.resource_id.as_str())).copied();
            !settings.mute.iter().any(|m| m.matches(f.rule, &f.resource_id, t))
        });
    }
    sort_findings(&mut findings);
    let muted = before - findings.len();
    (findings, muted)
}
