//! One target's cache of custom parameter groups: which groups in use are due to be read
//! (new, old, or with a change being applied), reading them, and the groups as the inventory
//! carries them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use jiff::{SignedDuration, Timestamp};

use super::rds::{self, RdsCtx};
use super::target::Target;
use crate::domain::model::{DbCluster, DbInstance, ParameterGroup, ParameterGroupKind};
use crate::domain::snapshot::SourceError;

/// A parameter group is read again after this long, at every refresh while a change to it is
/// being applied (`applying`), and once when its instances turn `pending-reboot` (its values
/// are then what the reboot will apply, and a group can wait weeks for one: not read again
/// every 5 minutes for it). Someone raising max_connections mid-incident shows within a
/// refresh of the change being applied.
pub const PARAMS_MAX_AGE: SignedDuration = SignedDuration::from_mins(30);

/// What a custom parameter group said, and when.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedParams {
    pub max_connections: Option<String>,
    pub read_at: Timestamp,
    /// Its instances were waiting for a reboot when it was read.
    pub pending_reboot: bool,
}

/// What the instances of a group say of its changes (the most advanced of them).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Applying {
    #[default]
    InSync,
    PendingReboot,
    Now,
}

/// A group in use: whether it is due, and whether its instances wait for a reboot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct GroupDue {
    pub kind: ParameterGroupKind,
    pub name: String,
    pub due: bool,
    pub pending_reboot: bool,
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

/// The custom groups in use that were never read, are older than `PARAMS_MAX_AGE`, have a
/// change being applied, or turned pending-reboot since they were read. Groups no longer in
/// use are forgotten by `read_groups`.
pub(super) fn groups_due(
    instances: &[impl std::borrow::Borrow<DbInstance>],
    clusters: &[DbCluster],
    cache: &HashMap<(ParameterGroupKind, String), CachedParams>,
    now: Timestamp,
) -> Vec<GroupDue> {
    let mut in_use: BTreeMap<(ParameterGroupKind, String), Applying> = BTreeMap::new();
    for d in instances.iter().map(std::borrow::Borrow::borrow) {
        if let Some(g) = d.parameter_group.as_ref().filter(|g| !g.is_default()) {
            let state = match g.apply_status.as_deref() {
                None | Some("in-sync") => Applying::InSync,
                Some("pending-reboot") => Applying::PendingReboot,
                Some(_) => Applying::Now,
            };
            let e = in_use.entry((ParameterGroupKind::Db, g.name.to_string())).or_default();
            *e = (*e).max(state);
        }
    }
    for c in clusters {
        if let Some(name) = c.parameter_group.as_ref().filter(|n| !n.starts_with("default.")) {
            in_use.entry((ParameterGroupKind::Cluster, name.clone())).or_default();
        }
    }
    in_use
        .into_iter()
        .map(|((kind, name), state)| {
            let cached = cache.get(&(kind, name.clone()));
            let stale = cached.is_none_or(|c| now.duration_since(c.read_at) >= PARAMS_MAX_AGE);
            let pending_reboot = state == Applying::PendingReboot;
            let turned = pending_reboot && cached.is_some_and(|c| !c.pending_reboot);
            GroupDue { kind, name, due: stale || state == Applying::Now || turned, pending_reboot }
        })
        .collect()
}

/// Read the groups that are due; keep the rest. The first error stops (the others would fail
/// alike: a denied action is denied for every group), and what was cached stays.
pub(super) async fn read_groups(
    ctx: &RdsCtx<'_>,
    groups: &[GroupDue],
    cache: &mut HashMap<(ParameterGroupKind, String), CachedParams>,
) -> Result<(), SourceError> {
    let in_use: BTreeSet<(ParameterGroupKind, &str)> =
        groups.iter().map(|g| (g.kind, g.name.as_str())).collect();
    cache.retain(|(k, n), _| in_use.contains(&(*k, n.as_str())));
    for g in groups.iter().filter(|g| g.due) {
        let max_connections = rds::max_connections_of(ctx, g.kind, &g.name).await?;
        let read = CachedParams { max_connections, read_at: ctx.now, pending_reboot: g.pending_reboot };
        cache.insert((g.kind, g.name.clone()), read);
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
            inst("f", Some(("waiting-params", "pending-reboot"))),
            inst("g", Some(("live-params", "applying"))),
            inst("h", Some(("live-params", "pending-reboot"))),
        ];
        let mut cache = HashMap::new();
        let read = |mins: i64, pending_reboot: bool| CachedParams {
            max_connections: Some("640".into()),
            read_at: now.checked_sub(SignedDuration::from_mins(mins)).unwrap(),
            pending_reboot,
        };
        cache.insert((ParameterGroupKind::Db, "orders-params".to_string()), read(31, false));
        cache.insert((ParameterGroupKind::Db, "billing-params".to_string()), read(1, false));
        cache.insert((ParameterGroupKind::Db, "fresh-params".to_string()), read(5, false));
        cache.insert((ParameterGroupKind::Db, "waiting-params".to_string()), read(5, true));
        cache.insert((ParameterGroupKind::Db, "live-params".to_string()), read(1, true));
        let due = groups_due(&instances, &[], &cache, now);
        let names: Vec<(&str, bool, bool)> =
            due.iter().map(|g| (g.name.as_str(), g.due, g.pending_reboot)).collect();
        // Default groups are never read; a group that turned pending-reboot since its read is
        // read at once, one that was already waiting is not read again for it, one being
        // applied is read however fresh.
        assert_eq!(
            names,
            [
                ("billing-params", true, true),
                ("fresh-params", false, false),
                ("live-params", true, false),
                ("orders-params", true, false),
                ("waiting-params", false, true),
            ]
        );
    }
}
