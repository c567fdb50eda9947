//! What other views need from the findings: the worst finding per instance (a cluster's
//! findings mark its members), and each instance's next maintenance event.

use rustc_hash::FxHashMap as HashMap;

use jiff::Timestamp;

use crate::domain::findings::Finding;
use crate::domain::fleet::{InstanceRow, NextWindow};
use crate::domain::model::Inventory;
use crate::domain::severity::Severity;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    /// Worst finding of any rule.
    pub any: Option<Severity>,
    /// Worst finding of a maintenance rule.
    pub maintenance: Option<Severity>,
}

pub fn per_instance<'a>(inv: &Inventory, findings: impl IntoIterator<Item = &'a Finding>) -> Vec<Marks> {
    let mut marks = vec![Marks::default(); inv.instances.len()];
    let mut by_name: HashMap<(&str, &str), Vec<usize>> = HashMap::default();
    for (i, d) in inv.instances.iter().enumerate() {
        by_name.entry((d.region.as_str(), d.id.as_str())).or_default().push(i);
        if let Some(c) = &d.cluster_id {
            by_name.entry((d.region.as_str(), c.as_str())).or_default().push(i);
        }
    }
    for f in findings {
        let maint = f.rule.is_maintenance();
        for &i in by_name.get(&(f.region.as_str(), f.resource_id.as_str())).into_iter().flatten() {
            let m = &mut marks[i];
            m.any = m.any.max(Some(f.severity));
            if maint {
                m.maintenance = m.maintenance.max(Some(f.severity));
            }
        }
    }
    marks
}

/// Per instance: the next maintenance event at or after `now` (the current or next window, a
/// pending action's auto-apply or forced date); None when it has neither window nor action.
pub fn next_events(inv: &Inventory, rows: &[InstanceRow], now: Timestamp) -> Vec<Option<Timestamp>> {
    let mut pending: HashMap<&str, Option<Timestamp>> = HashMap::default();
    for a in &inv.pending_actions {
        let soonest =
            [a.auto_applied_after, a.forced_apply].into_iter().flatten().filter(|t| *t >= now).min();
        let e = pending.entry(a.resource_arn.as_str()).or_insert(None);
        *e = match (*e, soonest) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
    }
    rows.iter()
        .map(|r| {
            let d = &inv.instances[r.index];
            let window = match &r.next_window {
                NextWindow::At(o) => Some(o.start.max(now.min(o.end))),
                _ => None,
            };
            match (window, pending.get(d.arn.as_str())) {
                (Some(w), Some(Some(p))) => Some(w.min(*p)),
                (Some(w), _) => Some(w),
                (None, Some(p)) => Some(p.unwrap_or(now)),
                (None, None) => None,
            }
        })
        .collect()
}
