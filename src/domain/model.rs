//! Inventory as the AWS APIs describe it: instances, clusters, global databases, pending
//! maintenance, blue/green deployments, MSK clusters and their consumer groups.
//! Plain serde data; derived facts (roles, topology) come from `topology`.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What an instance does in its replication topology. Derived by `topology::assign_roles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Takes writes and has replicas or cluster readers behind it.
    Writer,
    /// Aurora reader in a cluster.
    Reader,
    /// RDS read replica of another instance.
    Replica,
    /// Takes writes, nothing replicates from it.
    #[default]
    Standalone,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Role::Writer => "writer",
            Role::Reader => "reader",
            Role::Replica => "replica",
            Role::Standalone => "standalone",
        }
    }

    /// Writers and standalone instances take writes: losing them is an outage.
    pub fn takes_writes(self) -> bool {
        matches!(self, Role::Writer | Role::Standalone)
    }
}

/// Engine families that behave differently for lag, limits and upgrades.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EngineFamily {
    MySql,
    MariaDb,
    Postgres,
    AuroraMySql,
    AuroraPostgres,
    Oracle,
    SqlServer,
    Other,
}

impl EngineFamily {
    pub fn of(engine: &str) -> EngineFamily {
        match engine {
            "mysql" => EngineFamily::MySql,
            "mariadb" => EngineFamily::MariaDb,
            "postgres" => EngineFamily::Postgres,
            "aurora-mysql" | "aurora" => EngineFamily::AuroraMySql,
            "aurora-postgresql" => EngineFamily::AuroraPostgres,
            e if e.starts_with("oracle") => EngineFamily::Oracle,
            e if e.starts_with("sqlserver") => EngineFamily::SqlServer,
            _ => EngineFamily::Other,
        }
    }

    pub fn is_aurora(self) -> bool {
        matches!(self, EngineFamily::AuroraMySql | EngineFamily::AuroraPostgres)
    }

    /// Short name for narrow columns.
    pub fn short(self) -> &'static str {
        match self {
            EngineFamily::MySql => "mysql",
            EngineFamily::MariaDb => "maria",
            EngineFamily::Postgres => "pg",
            EngineFamily::AuroraMySql => "aur-my",
            EngineFamily::AuroraPostgres => "aur-pg",
            EngineFamily::Oracle => "oracle",
            EngineFamily::SqlServer => "mssql",
            EngineFamily::Other => "other",
        }
    }
}

/// Changes queued on an instance (`PendingModifiedValues`), applied at the next window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PendingModified {
    pub engine_version: Option<String>,
    pub class: Option<String>,
    pub multi_az: Option<bool>,
    pub allocated_storage_gib: Option<u32>,
}

impl PendingModified {
    pub fn is_empty(&self) -> bool {
        self == &PendingModified::default()
    }
}

/// One RDS or Aurora DB instance (`DescribeDBInstances`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbInstance {
    pub arn: String,
    pub id: String,
    pub account: String,
    pub region: String,
    pub engine: String,
    pub engine_version: String,
    pub class: String,
    pub status: String,
    #[serde(default)]
    pub role: Role,
    pub availability_zone: Option<String>,
    pub multi_az: bool,
    /// The standby's zone (`SecondaryAvailabilityZone`), when Multi-AZ.
    pub secondary_az: Option<String>,
    pub cluster_id: Option<String>,
    /// `ReadReplicaSourceDBInstanceIdentifier`: an id, or an ARN when cross-region.
    pub replica_source: Option<String>,
    #[serde(default)]
    pub replicas: Vec<String>,
    pub auto_minor_version_upgrade: bool,
    /// `PreferredMaintenanceWindow`, raw (`ddd:hh24:mi-ddd:hh24:mi`, UTC).
    pub maintenance_window: Option<String>,
    #[serde(default)]
    pub pending_modified: PendingModified,
    /// The minor version auto minor version upgrade would move this instance to
    /// (`DescribeDBEngineVersions` `ValidUpgradeTarget[].AutoUpgrade`), if any.
    #[serde(default)]
    pub auto_upgrade_target: Option<String>,
    /// `max_connections` when known from the parameter group; otherwise estimated.
    pub max_connections: Option<u32>,
    pub promotion_tier: Option<u32>,
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl DbInstance {
    pub fn family(&self) -> EngineFamily {
        EngineFamily::of(&self.engine)
    }

    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).map(String::as_str)
    }
}

/// A member of an Aurora cluster (`DBClusterMembers`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterMember {
    pub instance_id: String,
    pub is_writer: bool,
    pub promotion_tier: Option<u32>,
}

/// An Aurora (or Multi-AZ DB) cluster (`DescribeDBClusters`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbCluster {
    pub arn: String,
    pub id: String,
    pub account: String,
    pub region: String,
    pub engine: String,
    pub engine_version: String,
    pub engine_mode: String,
    pub status: String,
    pub multi_az: bool,
    pub members: Vec<ClusterMember>,
    pub auto_minor_version_upgrade: bool,
    pub maintenance_window: Option<String>,
    /// The global database this cluster belongs to, if any.
    pub global_cluster_id: Option<String>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl DbCluster {
    pub fn writer(&self) -> Option<&ClusterMember> {
        self.members.iter().find(|m| m.is_writer)
    }

    pub fn readers(&self) -> impl Iterator<Item = &ClusterMember> {
        self.members.iter().filter(|m| !m.is_writer)
    }
}

/// One cluster of an Aurora global database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalMember {
    pub cluster_arn: String,
    pub cluster_id: String,
    pub region: String,
    pub is_writer: bool,
}

/// An Aurora global database: one primary cluster, secondaries in other regions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalCluster {
    pub id: String,
    pub engine: String,
    pub members: Vec<GlobalMember>,
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MskClusterType {
    Provisioned,
    Serverless,
}

/// An MSK cluster (`ListClustersV2`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MskCluster {
    pub arn: String,
    pub name: String,
    pub account: String,
    pub region: String,
    pub state: String,
    pub cluster_type: MskClusterType,
    pub kafka_version: Option<String>,
    pub broker_count: Option<u32>,
    /// DEFAULT, PER_BROKER, PER_TOPIC_PER_BROKER, PER_TOPIC_PER_PARTITION.
    pub monitoring_level: Option<String>,
}

/// A consumer group reading a topic, as discovered from the `AWS/Kafka` metrics.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConsumerGroupTopic {
    pub cluster_arn: String,
    pub cluster_name: String,
    pub group: String,
    pub topic: String,
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
    pub instances: Vec<DbInstance>,
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
    pub load_profiles: BTreeMap<String, super::peak::LoadProfile>,
}

impl Inventory {
    /// Support dates for an engine's major version, if the source knows them.
    pub fn lifecycle(&self, engine: &str, major: &str) -> Option<&EngineLifecycle> {
        self.engine_lifecycles.iter().find(|l| l.engine == engine && l.major_version == major)
    }
}
