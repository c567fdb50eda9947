//! One target's cache of custom parameter groups: which groups in use are due to be read
//! (new, old, or with a change being applied), reading them, and the groups as the inventory
//! carries them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::{SignedDuration, Timestamp};

use super::rds::{self, RdsCtx};
use super::target::Target;
use crate::domain::model::{DbCluster, DbInstance, ParameterGroup, ParameterGroupKind};
use crate::domain::snapshot::SourceError;

/// A parameter group is read again after this long, or at once while a change to it is being
/// applied (`applying`, `pending-reboot`). Someone raising max_connections mid-incident shows
/// within an inventory refresh of the change being applied.
pub const PARAMS_MAX_AGE: SignedDuration = SignedDuration::from_mins(30);

/// What a custom parameter group said, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedParams {
    pub max_connections: Option<String>,
    pub read_at: Timestamp,
}

impl Target {
    /// The parameter groups read here, as the inventory carries them.
    pub fn parameter_groups(&self) -> Vec<ParameterGroup> {
        let account = self.account.clone().unwrap_or_default();
        let mut out: Vec<ParameterGroup> = self
            .params
            .iter()
            .map(|((kind, name), p)| ParameterGroup {
                name: name.clone(),
                kind: *kind,
                account: account.clone(),
                region: self.clients.region.clone(),
                max_connections: p.max_connections.clone(),
            })
            .collect();
        out.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
        out
    }
}

/// The custom groups in use that were never read, are older than `PARAMS_MAX_AGE`, or have a
/// change being applied. Groups no longer in use are forgotten by `read_groups`.
pub(super) fn groups_due(
    instances: &[impl std::borrow::Borrow<DbInstance>],
    clusters: &[DbCluster],
    cache: &HashMap<(ParameterGroupKind, String), CachedParams>,
    now: Timestamp,
) -> Vec<(ParameterGroupKind, String, bool)> {
    let mut in_use: BTreeMap<(ParameterGroupKind, String), bool> = BTreeMap::new();
    for d in instances.iter().map(std::borrow::Borrow::borrow) {
        if let Some(g) = d.parameter_group.as_ref().filter(|g| !g.is_default()) {
            let changing = g.apply_status.as_deref().is_some_and(|s| s != "in-sync");
            *in_use.entry((ParameterGroupKind::Db, g.name.clone())).or_default() |= changing;
        }
    }
    for c in clusters {
        if let Some(name) = c.parameter_group.as_ref().filter(|n| !n.starts_with("default.")) {
            in_use.entry((ParameterGroupKind::Cluster, name.clone())).or_default();
        }
    }
    in_use
        .into_iter()
        .map(|((kind, name), changing)| {
            let stale = cache
                .get(&(kind, name.clone()))
                .is_none_or(|c| now.duration_since(c.read_at) >= PARAMS_MAX_AGE);
            (kind, name, changing || stale)
        })
        .collect()
}

/// Read the groups that are due; keep the rest. The first error stops (the others would fail
/// alike: a denied action is denied for every group), and what was cached stays.
pub(super) async fn read_groups(
    ctx: &RdsCtx<'_>,
    groups: &[(ParameterGroupKind, String, bool)],
    cache: &mut HashMap<(ParameterGroupKind, String), CachedParams>,
) -> Result<(), SourceError> {
    let in_use: BTreeSet<(ParameterGroupKind, &str)> =
        groups.iter().map(|(k, n, _)| (*k, n.as_str())).collect();
    cache.retain(|(k, n), _| in_use.contains(&(*k, n.as_str())));
    for (kind, name, due) in groups {
        if !due {
            continue;
        }
        let max_connections = rds::max_connections_of(ctx, *kind, name).await?;
        cache.insert((*kind, name.clone()), CachedParams { max_connections, read_at: ctx.now });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::ParameterGroupRef;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn inst(id: &str, group: Option<(&str, &str)>) -> DbInstance {
        let mut d = DbInstance::new("111122223333", "us-east-1", id, "mysql", "8.0.35", "db.r6g.large");
        d.parameter_group =
            group.map(|(n, s)| ParameterGroupRef { name: n.into(), apply_status: Some(s.into()) });
        d
    }

    #[test]
    fn groups_are_due_when_new_old_or_changing() {
        let now = ts("2026-11-18T15:37:00Z");
        let instances = vec![
            inst("a", Some(("orders-params", "in-sync"))),
            inst("b", Some(("default.mysql8.0", "in-sync"))),
            inst("c", Some(("billing-params", "pending-reboot"))),
            inst("d", Some(("fresh-params", "in-sync"))),
            inst("e", None),
        ];
        let mut cache = HashMap::new();
        let read = |mins: i64| CachedParams {
            max_connections: Some("640".into()),
            read_at: now.checked_sub(SignedDuration::from_mins(mins)).unwrap(),
        };
        cache.insert((ParameterGroupKind::Db, "orders-params".to_string()), read(31));
        cache.insert((ParameterGroupKind::Db, "billing-params".to_string()), read(1));
        cache.insert((ParameterGroupKind::Db, "fresh-params".to_string()), read(5));
        let due = groups_due(&instances, &[], &cache, now);
        let names: Vec<(&str, bool)> = due.iter().map(|(_, n, d)| (n.as_str(), *d)).collect();
        // Default groups are never read; a changing group is read however fresh.
        assert_eq!(names, [("billing-params", true), ("fresh-params", false), ("orders-params", true)]);
    }
}
