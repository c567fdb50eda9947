//! Replication topology derived from the inventory: each instance's role, and the tree the
//! Replication view draws (global primary -> secondaries, cluster writer -> readers,
//! source -> read replicas), each edge naming the series that measures its lag.

use std::collections::HashMap;

use rustc_hash::FxHashMap;

use serde::{Deserialize, Serialize};

use super::metrics::{MetricKind, SeriesKey};
use super::model::{DbCluster, DbInstance, Inventory, Role};

/// Index of instances by (account, region, id) and by ARN, to resolve replica sources.
pub struct InstanceIndex<'a> {
    by_id: FxHashMap<(&'a str, &'a str, &'a str), usize>,
    by_arn: FxHashMap<&'a str, usize>,
}

impl<'a> InstanceIndex<'a> {
    pub fn new(inv: &'a Inventory) -> Self {
        let mut by_id = FxHashMap::with_capacity_and_hasher(inv.instances.len(), Default::default());
        let mut by_arn = FxHashMap::with_capacity_and_hasher(inv.instances.len(), Default::default());
        for (i, d) in inv.instances.iter().enumerate() {
            by_id.insert((d.account.as_str(), d.region.as_str(), d.id.as_str()), i);
            by_arn.insert(d.arn.as_str(), i);
        }
        InstanceIndex { by_id, by_arn }
    }

    pub fn by_arn(&self, arn: &str) -> Option<usize> {
        self.by_arn.get(arn).copied()
    }

    /// Resolve an identifier as AWS gives it: an ARN (cross-region) or an id in the same
    /// account and region.
    pub fn resolve(&self, account: &str, region: &str, id_or_arn: &str) -> Option<usize> {
        if id_or_arn.starts_with("arn:") {
            self.by_arn.get(id_or_arn).copied()
        } else {
            self.by_id.get(&(account, region, id_or_arn)).copied()
        }
    }
}

/// Set each instance's role from cluster membership and replica links.
pub fn assign_roles(inv: &mut Inventory) {
    assign_roles_of(&mut inv.instances, &inv.clusters);
}

/// `assign_roles` over some instances and the clusters beside them: every role follows from
/// an instance's own fields and its region's clusters, so a live target sets them on the
/// instances it owns (no copy) and the merged inventory then finds nothing to change.
pub fn assign_roles_of(instances: &mut [std::sync::Arc<DbInstance>], clusters: &[DbCluster]) {
    let mut roles = vec![Role::Standalone; instances.len()];
    {
        let by_id: FxHashMap<(&str, &str, &str), usize> = instances
            .iter()
            .enumerate()
            .map(|(i, d)| ((d.account.as_str(), d.region.as_str(), d.id.as_str()), i))
            .collect();
        let by_arn: FxHashMap<&str, usize> =
            instances.iter().enumerate().map(|(i, d)| (d.arn.as_str(), i)).collect();
        let resolve = |c: &DbCluster, id: &str| {
            if id.starts_with("arn:") {
                by_arn.get(id).copied()
            } else {
                by_id.get(&(c.account.as_str(), c.region.as_str(), id)).copied()
            }
        };
        for c in clusters {
            for m in &c.members {
                if let Some(i) = resolve(c, &m.instance_id) {
                    roles[i] = if m.is_writer {
                        if c.members.len() > 1 { Role::Writer } else { Role::Standalone }
                    } else {
                        Role::Reader
                    };
                }
            }
        }
        for (i, d) in instances.iter().enumerate() {
            if d.cluster_id.is_some() {
                continue;
            }
            if d.replica_source.is_some() {
                roles[i] = Role::Replica;
            } else if !d.replicas.is_empty() {
                roles[i] = Role::Writer;
            }
        }
    }
    for (d, r) in instances.iter_mut().zip(roles) {
        // Written only when it changes: an instance shared with its source stays shared.
        if d.role != r {
            std::sync::Arc::make_mut(d).role = r;
        }
    }
}

/// Mark each cluster that belongs to a global database with its id (DescribeGlobalClusters
/// names members by ARN; DescribeDBClusters does not say).
pub fn link_global_clusters(inv: &mut Inventory) {
    for g in &inv.global_clusters {
        for m in &g.members {
            if let Some(c) = inv.clusters.iter_mut().find(|c| c.arn == m.cluster_arn) {
                c.global_cluster_id = Some(g.id.clone());
            }
        }
    }
}

/// What a tree line shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TopoNode {
    Global(usize),
    Cluster(usize),
    Instance(usize),
}

/// One line of the replication tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeLine {
    pub depth: u8,
    pub node: TopoNode,
    /// The series measuring the lag of the edge into this node, if it is a replication edge.
    pub edge_lag: Option<SeriesKey>,
    /// Last child of its parent (for drawing └ rather than ├).
    pub last: bool,
}

fn push_cluster(inv: &Inventory, idx: &InstanceIndex, ci: usize, depth: u8, lines: &mut Vec<TreeLine>) {
    let c = &inv.clusters[ci];
    let mut members: Vec<_> = c.members.iter().collect();
    // Writer first, then readers by promotion tier.
    members.sort_by_key(|m| (!m.is_writer, m.promotion_tier.unwrap_or(15), m.instance_id.clone()));
    let n = members.len();
    for (k, m) in members.into_iter().enumerate() {
        let Some(i) = idx.resolve(&c.account, &c.region, &m.instance_id) else { continue };
        let d = &inv.instances[i];
        lines.push(TreeLine {
            depth,
            node: TopoNode::Instance(i),
            edge_lag: (!m.is_writer).then(|| SeriesKey::resource(&d.arn, MetricKind::ReplicaLag)),
            last: k + 1 == n,
        });
    }
}

/// Push an instance and, recursively, its read replicas (replicas of replicas are allowed).
fn push_replicas(
    inv: &Inventory,
    children: &HashMap<usize, Vec<usize>>,
    i: usize,
    depth: u8,
    last: bool,
    is_edge: bool,
    lines: &mut Vec<TreeLine>,
) {
    let d = &inv.instances[i];
    lines.push(TreeLine {
        depth,
        node: TopoNode::Instance(i),
        edge_lag: is_edge.then(|| SeriesKey::resource(&d.arn, MetricKind::ReplicaLag)),
        last,
    });
    if depth > 8 {
        return; // replica chains are at most a few deep; guard against a cycle in bad data
    }
    if let Some(kids) = children.get(&i) {
        for (k, &c) in kids.iter().enumerate() {
            push_replicas(inv, children, c, depth + 1, k + 1 == kids.len(), true, lines);
        }
    }
}

/// The whole replication forest, in display order.
pub fn replication_tree(inv: &Inventory) -> Vec<TreeLine> {
    let idx = InstanceIndex::new(inv);
    let mut lines = Vec::new();
    let cluster_by_arn: HashMap<&str, usize> =
        inv.clusters.iter().enumerate().map(|(i, c)| (c.arn.as_str(), i)).collect();
    let mut in_global = vec![false; inv.clusters.len()];

    for (gi, g) in inv.global_clusters.iter().enumerate() {
        lines.push(TreeLine { depth: 0, node: TopoNode::Global(gi), edge_lag: None, last: false });
        let mut members: Vec<_> = g.members.iter().collect();
        members.sort_by_key(|m| (!m.is_writer, m.region.clone()));
        let n = members.len();
        for (k, m) in members.into_iter().enumerate() {
            let Some(&ci) = cluster_by_arn.get(m.cluster_arn.as_str()) else { continue };
            in_global[ci] = true;
            lines.push(TreeLine {
                depth: 1,
                node: TopoNode::Cluster(ci),
                edge_lag: (!m.is_writer)
                    .then(|| SeriesKey::resource(&m.cluster_arn, MetricKind::GlobalReplicationLag)),
                last: k + 1 == n,
            });
            push_cluster(inv, &idx, ci, 2, &mut lines);
        }
    }
    let mut clusters: Vec<usize> = (0..inv.clusters.len()).filter(|&c| !in_global[c]).collect();
    clusters.sort_by(|&a, &b| {
        let (a, b) = (&inv.clusters[a], &inv.clusters[b]);
        (&a.region, &a.id).cmp(&(&b.region, &b.id))
    });
    for ci in clusters {
        lines.push(TreeLine { depth: 0, node: TopoNode::Cluster(ci), edge_lag: None, last: false });
        push_cluster(inv, &idx, ci, 1, &mut lines);
    }

    // RDS replication: sources (not replicas themselves, not in clusters) with their replicas.
    let mut children: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, d) in inv.instances.iter().enumerate() {
        if let Some(src) = &d.replica_source
            && let Some(s) = idx.resolve(&d.account, &d.region, src)
        {
            children.entry(s).or_default().push(i);
        }
    }
    for kids in children.values_mut() {
        kids.sort_by(|&a, &b| inv.instances[a].id.cmp(&inv.instances[b].id));
    }
    let mut roots: Vec<usize> = children
        .keys()
        .copied()
        .filter(|&i| {
            let d = &inv.instances[i];
            d.replica_source.as_ref().is_none_or(|s| idx.resolve(&d.account, &d.region, s).is_none())
        })
        .collect();
    roots.sort_by(|&a, &b| {
        let (a, b) = (&inv.instances[a], &inv.instances[b]);
        (&a.region, &a.id).cmp(&(&b.region, &b.id))
    });
    for r in roots {
        push_replicas(inv, &children, r, 0, false, false, &mut lines);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::*;

    pub(crate) fn inst(id: &str, src: Option<&str>, replicas: &[&str], cluster: Option<&str>) -> DbInstance {
        let engine = if cluster.is_some() { "aurora-mysql" } else { "mysql" };
        DbInstance {
            cluster_id: cluster.map(Into::into),
            replica_source: src.map(Into::into),
            replicas: replicas.iter().map(|s| s.to_string()).collect(),
            auto_minor_version_upgrade: true,
            maintenance_window: Some("mon:03:00-mon:03:30".into()),
            ..DbInstance::new("111111111111", "us-east-1", id, engine, "8.0.35", "db.r6g.large")
        }
    }

    fn cluster(id: &str, members: &[(&str, bool)]) -> DbCluster {
        DbCluster {
            multi_az: members.len() > 1,
            members: members
                .iter()
                .map(|(m, w)| ClusterMember {
                    instance_id: m.to_string(),
                    is_writer: *w,
                    promotion_tier: Some(1),
                })
                .collect(),
            auto_minor_version_upgrade: true,
            ..DbCluster::new("111111111111", "us-east-1", id, "aurora-mysql", "8.0.mysql_aurora.3.05.2")
        }
    }

    #[test]
    fn roles_set_per_region_leave_the_merged_inventory_sharing_every_instance() {
        use std::sync::Arc;
        // Two regions, a cross-region replica (its source names it by ARN), an Aurora cluster.
        let mut east: Vec<Arc<DbInstance>> = [
            inst("src", None, &["arn:aws:rds:eu-west-1:111111111111:db:far"], None),
            inst("aw", None, &[], Some("aur")),
            inst("ar", None, &[], Some("aur")),
        ]
        .map(Arc::new)
        .into();
        let east_clusters = vec![cluster("aur", &[("ar", false), ("aw", true)])];
        let mut west: Vec<Arc<DbInstance>> = vec![Arc::new(DbInstance {
            region: "eu-west-1".into(),
            arn: "arn:aws:rds:eu-west-1:111111111111:db:far".into(),
            ..inst("far", Some("arn:aws:rds:us-east-1:111111111111:db:src"), &[], None)
        })];
        assign_roles_of(&mut east, &east_clusters);
        assign_roles_of(&mut west, &[]);
        let mut merged = Inventory {
            instances: east.iter().chain(&west).cloned().collect(),
            clusters: east_clusters,
            ..Default::default()
        };
        assign_roles(&mut merged);
        let roles: Vec<_> = merged.instances.iter().map(|d| d.role).collect();
        assert_eq!(roles, vec![Role::Writer, Role::Writer, Role::Reader, Role::Replica]);
        // The whole-inventory pass changed nothing: every instance is still the target's.
        for (m, t) in merged.instances.iter().zip(east.iter().chain(&west)) {
            assert!(Arc::ptr_eq(m, t), "{} was copied", m.id);
        }
    }

    #[test]
    fn roles_and_tree() {
        let mut inv = Inventory {
            instances: [
                inst("src", None, &["r1", "r2"], None),
                inst("r1", Some("src"), &[], None),
                inst("r2", Some("src"), &[], None),
                inst("alone", None, &[], None),
                inst("aw", None, &[], Some("aur")),
                inst("ar", None, &[], Some("aur")),
                inst("solo-w", None, &[], Some("solo")),
            ]
            .map(Into::into)
            .into(),
            clusters: vec![
                cluster("aur", &[("ar", false), ("aw", true)]),
                cluster("solo", &[("solo-w", true)]),
            ],
            ..Default::default()
        };
        assign_roles(&mut inv);
        let roles: Vec<_> = inv.instances.iter().map(|d| d.role).collect();
        assert_eq!(
            roles,
            vec![
                Role::Writer,
                Role::Replica,
                Role::Replica,
                Role::Standalone,
                Role::Writer,
                Role::Reader,
                Role::Standalone
            ]
        );
        let tree = replication_tree(&inv);
        let shape: Vec<(u8, TopoNode, bool)> =
            tree.iter().map(|l| (l.depth, l.node, l.edge_lag.is_some())).collect();
        assert_eq!(
            shape,
            vec![
                (0, TopoNode::Cluster(0), false),
                (1, TopoNode::Instance(4), false), // writer first
                (1, TopoNode::Instance(5), true),
                (0, TopoNode::Cluster(1), false),
                (1, TopoNode::Instance(6), false),
                (0, TopoNode::Instance(0), false),
                (1, TopoNode::Instance(1), true),
                (1, TopoNode::Instance(2), true),
            ]
        );
    }
}
