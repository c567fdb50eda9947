//! Between full lists, RDS events say what to describe again: each new event that names an
//! instance or a cluster has just that one described in the poll that sees it, and the
//! answer replaces it in the target's lists (asked for and not returned: it is gone). An
//! event the overlapping range brings back is not acted on twice.

use std::collections::BTreeSet;
use std::sync::Arc;

use jiff::Timestamp;
use rustc_hash::{FxHashMap, FxHashSet};

use super::rds::reuse_unchanged;
use crate::domain::events::DbEvent;
use crate::domain::model::{DbCluster, DbInstance};

/// More sources named in one poll than this: list everything instead (a few full pages cost
/// less than many filtered ones, and a storm of events means much has changed).
pub const MOST_NAMED: usize = 60;

/// What new events name.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Named {
    pub instances: BTreeSet<String>,
    pub clusters: BTreeSet<String>,
    /// A blue/green deployment's event: its (short) list is asked again.
    pub blue_green: bool,
    /// A maintenance event (patches applied, an upgrade begun or done): the pending
    /// maintenance actions are asked again, since an applied one is gone.
    pub maintenance: bool,
}

impl Named {
    pub fn is_empty(&self) -> bool {
        self.instances.is_empty() && self.clusters.is_empty() && !self.blue_green && !self.maintenance
    }

    pub fn sources(&self) -> usize {
        self.instances.len() + self.clusters.len()
    }
}

/// Events already acted on, by date, source and message, kept while a fetch can bring them
/// back.
#[derive(Debug, Default)]
pub struct SeenEvents(BTreeSet<(Timestamp, String, String)>);

impl SeenEvents {
    /// What the events not seen before name; every event in `events` is seen after. `from` is
    /// the start of the range they were fetched over: nothing older comes back.
    pub fn named_by_new(&mut self, events: &[DbEvent], from: Timestamp) -> Named {
        self.0.retain(|(at, _, _)| *at >= from);
        let mut named = Named::default();
        for e in events {
            if !self.0.insert((e.at, e.source_id.clone(), e.message.clone())) || backup_only(e) {
                continue;
            }
            named.maintenance |= e.categories.iter().any(|c| c == "maintenance");
            match e.source_type.as_str() {
                "db-instance" => {
                    named.instances.insert(e.source_id.to_ascii_lowercase());
                }
                "db-cluster" => {
                    named.clusters.insert(e.source_id.to_ascii_lowercase());
                }
                "blue-green-deployment" => named.blue_green = true,
                _ => {}
            }
        }
        named
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A backup's event (category `backup` alone): one a day for every instance, which at 5,000
/// instances would describe some instance again every minute for a status (`backing-up`)
/// that is over in minutes; the next full list shows what it left.
fn backup_only(e: &DbEvent) -> bool {
    !e.categories.is_empty() && e.categories.iter().all(|c| c == "backup")
}

/// Put a targeted describe's answer into `current`: an instance it returned replaces its old
/// self (the same `Arc` when nothing changed) or joins; one that was asked for (by id, or as
/// a member of a named cluster) and not returned is gone; the rest stay as they were. True
/// when anything changed.
pub fn merge_instances(current: &mut Vec<Arc<DbInstance>>, named: &Named, got: Vec<DbInstance>) -> bool {
    let fresh: Vec<Arc<DbInstance>> = {
        let before: FxHashMap<&str, &Arc<DbInstance>> = current.iter().map(|d| (d.arn.as_str(), d)).collect();
        got.into_iter().map(|d| reuse_unchanged(&before, d)).collect()
    };
    let mut by_arn: FxHashMap<&str, &Arc<DbInstance>> = fresh.iter().map(|d| (d.arn.as_str(), d)).collect();
    let asked = |d: &DbInstance| {
        named.instances.contains(&d.id) || d.cluster_id.as_ref().is_some_and(|c| named.clusters.contains(c))
    };
    let mut changed = false;
    current.retain_mut(|d| match by_arn.remove(d.arn.as_str()) {
        Some(n) => {
            if !Arc::ptr_eq(d, n) {
                *d = Arc::clone(n);
                changed = true;
            }
            true
        }
        None if asked(d) => {
            changed = true;
            false
        }
        None => true,
    });
    let joined: FxHashSet<&str> = by_arn.into_keys().collect();
    for d in fresh.iter().filter(|d| joined.contains(d.arn.as_str())) {
        current.push(Arc::clone(d));
        changed = true;
    }
    changed
}

/// The same for clusters: a named cluster returned replaces its old self or joins, one named
/// and not returned is gone.
pub fn merge_clusters(current: &mut Vec<DbCluster>, named: &BTreeSet<String>, got: Vec<DbCluster>) -> bool {
    let mut by_id: FxHashMap<String, DbCluster> = got.into_iter().map(|c| (c.id.clone(), c)).collect();
    let mut changed = false;
    current.retain_mut(|c| match by_id.remove(&c.id) {
        Some(n) => {
            if *c != n {
                *c = n;
                changed = true;
            }
            true
        }
        None if named.contains(&c.id) => {
            changed = true;
            false
        }
        None => true,
    });
    let mut joined: Vec<DbCluster> = by_id.into_values().collect();
    joined.sort_by(|a, b| a.id.cmp(&b.id));
    changed |= !joined.is_empty();
    current.extend(joined);
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at: i64, source_type: &str, id: &str, message: &str) -> DbEvent {
        DbEvent {
            account: None,
            region: "us-east-1".into(),
            source_id: id.into(),
            source_type: source_type.into(),
            source_arn: None,
            at: Timestamp::from_second(at).unwrap(),
            categories: Vec::new(),
            message: message.into(),
        }
    }

    fn instance(id: &str, cluster: Option<&str>, status: &str) -> DbInstance {
        DbInstance {
            cluster_id: cluster.map(String::from),
            status: status.into(),
            ..DbInstance::new("111111111111", "us-east-1", id, "mysql", "8.0.35", "db.r6g.large")
        }
    }

    #[test]
    fn an_event_names_its_source_once_even_when_the_overlap_brings_it_back() {
        let mut seen = SeenEvents::default();
        let t0 = Timestamp::from_second(1_000_000).unwrap();
        let first = [
            event(1_000_100, "db-instance", "orders-mysql-r1", "DB instance stopped"),
            event(1_000_110, "db-cluster", "Pay-Aurora", "A failover for the DB cluster has finished."),
            event(1_000_120, "db-snapshot", "snap-1", "Creating manual snapshot"),
            DbEvent {
                categories: vec!["backup".into()],
                ..event(1_000_130, "db-instance", "billing-pg", "Backing up DB instance")
            },
        ];
        let named = seen.named_by_new(&first, t0);
        assert_eq!(named.instances.iter().collect::<Vec<_>>(), ["orders-mysql-r1"], "a backup names nothing");
        assert_eq!(
            named.clusters.iter().collect::<Vec<_>>(),
            ["pay-aurora"],
            "identifiers are case-insensitive"
        );
        assert!(!named.blue_green);
        assert!(!named.maintenance, "no maintenance event among them");
        assert_eq!(named.sources(), 2);
        // The next range overlaps: the same events again, and one new.
        let again = [
            first[0].clone(),
            first[1].clone(),
            event(1_000_200, "blue-green-deployment", "bgd-1", "Switchover started."),
            event(1_000_200, "db-instance", "orders-mysql-r1", "DB instance started"),
        ];
        let named = seen.named_by_new(&again, t0);
        assert_eq!(
            named.instances.iter().collect::<Vec<_>>(),
            ["orders-mysql-r1"],
            "the new start, not the old stop"
        );
        assert!(named.clusters.is_empty());
        assert!(named.blue_green);
        // A range that starts later forgets what it can no longer bring back.
        let later = Timestamp::from_second(1_000_150).unwrap();
        assert!(seen.named_by_new(&[], later).is_empty());
        assert_eq!(seen.len(), 2, "the two events at 1_000_200 stay");
    }

    #[test]
    fn a_maintenance_event_asks_for_the_pending_actions_again() {
        let mut seen = SeenEvents::default();
        let t0 = Timestamp::from_second(1_000_000).unwrap();
        let patched = DbEvent {
            categories: vec!["maintenance".into()],
            ..event(
                1_000_100,
                "db-instance",
                "orders-mysql",
                "Finished applying off-line patches to DB instance.",
            )
        };
        let named = seen.named_by_new(std::slice::from_ref(&patched), t0);
        assert!(named.maintenance && !named.is_empty());
        assert_eq!(named.instances.iter().collect::<Vec<_>>(), ["orders-mysql"]);
        // Seen once: the overlap bringing it back asks nothing again.
        assert!(!seen.named_by_new(&[patched], t0).maintenance);
    }

    #[test]
    fn a_targeted_answer_replaces_adds_and_removes_only_what_was_asked() {
        let keep = Arc::new(instance("keep", None, "available"));
        let same = Arc::new(instance("same", None, "available"));
        let stopping = Arc::new(instance("orders", None, "available"));
        let deleted = Arc::new(instance("gone", None, "deleting"));
        let member = Arc::new(instance("pay-1", Some("pay"), "available"));
        let removed_member = Arc::new(instance("pay-2", Some("pay"), "available"));
        let mut current = vec![
            keep.clone(),
            same.clone(),
            stopping.clone(),
            deleted.clone(),
            member.clone(),
            removed_member.clone(),
        ];
        let named = Named {
            instances: ["same", "orders", "gone", "new-one"].map(String::from).into(),
            clusters: ["pay".to_string()].into(),
            blue_green: false,
            maintenance: false,
        };
        let got = vec![
            instance("same", None, "available"),
            instance("orders", None, "stopped"),
            instance("pay-1", Some("pay"), "rebooting"),
            instance("new-one", None, "creating"),
        ];
        assert!(merge_instances(&mut current, &named, got));
        let ids: Vec<(&str, &str)> = current.iter().map(|d| (d.id.as_str(), d.status.as_str())).collect();
        assert_eq!(
            ids,
            [
                ("keep", "available"),
                ("same", "available"),
                ("orders", "stopped"),
                ("pay-1", "rebooting"),
                ("new-one", "creating")
            ]
        );
        assert!(Arc::ptr_eq(&current[0], &keep), "not asked: untouched");
        assert!(Arc::ptr_eq(&current[1], &same), "asked and unchanged: the same Arc");
        // The same answer again changes nothing.
        let got = vec![
            instance("same", None, "available"),
            instance("orders", None, "stopped"),
            instance("pay-1", Some("pay"), "rebooting"),
            instance("new-one", None, "creating"),
        ];
        assert!(!merge_instances(&mut current, &named, got));
    }

    #[test]
    fn a_named_cluster_is_replaced_or_gone_and_the_others_stay() {
        let cluster = |id: &str, status: &str| DbCluster {
            status: status.into(),
            ..DbCluster::new("111111111111", "us-east-1", id, "aurora-mysql", "8.0.mysql_aurora.3.05.2")
        };
        let mut current =
            vec![cluster("a", "available"), cluster("b", "available"), cluster("c", "available")];
        let named: BTreeSet<String> = ["b", "c", "d"].map(String::from).into();
        assert!(merge_clusters(
            &mut current,
            &named,
            vec![cluster("b", "failing-over"), cluster("d", "creating")]
        ));
        let ids: Vec<(&str, &str)> = current.iter().map(|c| (c.id.as_str(), c.status.as_str())).collect();
        assert_eq!(ids, [("a", "available"), ("b", "failing-over"), ("d", "creating")]);
        assert!(!merge_clusters(&mut current, &["b".to_string()].into(), vec![cluster("b", "failing-over")]));
    }
}
