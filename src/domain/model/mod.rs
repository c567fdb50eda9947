//! Inventory as the AWS APIs describe it: instances, clusters, global databases, pending
//! maintenance, blue/green deployments, MSK clusters and their consumer groups.
//! Plain serde data; derived facts (roles, topology) come from `topology`. Instances live in
//! `instance`, clusters in `cluster`, MSK in `msk`; this file holds what is scheduled
//! (pending actions, blue/green, support dates) and the inventory that gathers them all.

mod cluster;
mod instance;
mod msk;

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::sym::Sym;

pub use self::cluster::{AcuRange, ClusterKind, ClusterMember, DbCluster, GlobalCluster, GlobalMember};
pub use self::instance::{
    DbInstance, EngineFamily, ParameterGroup, ParameterGroupKind, ParameterGroupRef, PendingModified, Role,
};
pub use self::msk::{ConsumerGroupTopic, MskCluster, MskClusterType};

/// A pending maintenance action on one resource (`DescribePendingMaintenanceActions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingAction {
    pub resource_arn: String,
    pub resource_id: String,
    pub region: String,
    /// system-update, db-upgrade, hardware-maintenance, os-upgrade, ca-certificate-rotation, ...
    pub action: String,
    pub description: Option<String>,
    /// Applied in the first maintenance window after this date.
    pub auto_applied_after: Option<Timestamp>,
    /// Applied at this date regardless of the window.
    pub forced_apply: Option<Timestamp>,
    pub current_apply: Option<Timestamp>,
    pub opt_in_status: Option<String>,
}

/// A blue/green deployment (`DescribeBlueGreenDeployments`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlueGreenDeployment {
    pub id: String,
    pub name: String,
    pub region: String,
    pub source_arn: String,
    pub target_arn: Option<String>,
    /// PROVISIONING, AVAILABLE, SWITCHOVER_IN_PROGRESS, SWITCHOVER_COMPLETED, INVALID_CONFIGURATION, ...
    pub status: String,
    pub status_details: Option<String>,
    pub created_at: Option<Timestamp>,
}

/// Support dates of one engine major version (`DescribeDBMajorEngineVersions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineLifecycle {
    pub engine: String,
    /// `8.0`, `15`, `10.11` (see `version::major`).
    pub major_version: String,
    /// End of RDS standard support: extended support (and its charges) begins.
    pub standard_support_end: Option<Timestamp>,
    /// End of extended support: AWS upgrades what is left.
    pub extended_support_end: Option<Timestamp>,
}

/// Everything a source describes, refreshed every few minutes for live AWS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Inventory {
    /// Shared with the sources that described them (a live target keeps its own last answer):
    /// one copy of each instance, however many inventories hold it.
    pub instances: Vec<std::sync::Arc<DbInstance>>,
    pub clusters: Vec<DbCluster>,
    pub global_clusters: Vec<GlobalCluster>,
    pub pending_actions: Vec<PendingAction>,
    pub blue_green: Vec<BlueGreenDeployment>,
    pub kafka_clusters: Vec<MskCluster>,
    pub consumer_groups: Vec<ConsumerGroupTopic>,
    pub engine_lifecycles: Vec<EngineLifecycle>,
    /// Hour-of-week load per writer (by instance ARN), from 14 days of hourly datapoints. It
    /// changes slowly, so it travels with the inventory and is refreshed on its cycle, not
    /// fetched every poll.
    pub load_profiles: BTreeMap<Sym, std::sync::Arc<super::peak::LoadProfile>>,
    /// Custom parameter groups that were read; a custom group missing here was not.
    pub parameter_groups: Vec<ParameterGroup>,
    /// The team's CloudWatch metric alarms and their states (DescribeAlarms).
    pub alarms: Vec<super::alarms::Alarm>,
    /// Account names by id (config, the organization, the account alias).
    pub account_names: BTreeMap<String, String>,
}

impl Inventory {
    /// Put each account's name on its instances and clusters (filters, JSON and screens read
    /// it there).
    pub fn name_accounts(&mut self) {
        let names = &self.account_names;
        // One shared name per account, not a copy per instance (20,000 of them in 40 accounts).
        let shared: BTreeMap<&str, Sym> = names.iter().map(|(id, n)| (id.as_str(), Sym::from(n))).collect();
        for d in &mut self.instances {
            let name = shared.get(d.account.as_str());
            // Written only when it changes: an instance shared with its source stays shared.
            if d.account_name.as_ref() != name {
                std::sync::Arc::make_mut(d).account_name = name.cloned();
            }
        }
        for c in &mut self.clusters {
            c.account_name = names.get(&c.account).cloned();
        }
    }

    /// Support dates for an engine's major version, if the source knows them.
    pub fn lifecycle(&self, engine: &str, major: &str) -> Option<&EngineLifecycle> {
        self.engine_lifecycles.iter().find(|l| l.engine == engine && l.major_version == major)
    }

    /// The cluster an instance belongs to (same account and region).
    pub fn cluster_of(&self, d: &DbInstance) -> Option<&DbCluster> {
        let id = d.cluster_id.as_deref()?;
        self.clusters.iter().find(|c| c.id == id && c.region == d.region && c.account == d.account)
    }
}
