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
    /// Amazon Neptune: the RDS control plane, metrics in `AWS/Neptune`.
    Neptune,
    /// Amazon DocumentDB: the RDS control plane, metrics in `AWS/DocDB`.
    DocDb,
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
            "neptune" => EngineFamily::Neptune,
            "docdb" => EngineFamily::DocDb,
            _ => EngineFamily::Other,
        }
    }

    pub fn is_aurora(self) -> bool {
        matches!(self, EngineFamily::AuroraMySql | EngineFamily::AuroraPostgres)
    }

    /// A cluster volume shared by the members: no per-instance `FreeStorageSpace`.
    pub fn has_cluster_storage(self) -> bool {
        self.is_aurora() || matches!(self, EngineFamily::Neptune | EngineFamily::DocDb)
    }

    /// The CloudWatch namespace of the instances' metrics.
    pub fn namespace(self) -> &'static str {
        match self {
            EngineFamily::Neptune => "AWS/Neptune",
            EngineFamily::DocDb => "AWS/DocDB",
            _ => "AWS/RDS",
        }
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
            EngineFamily::Neptune => "neptune",
            EngineFamily::DocDb => "docdb",
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
    /// The DB parameter group (`DBParameterGroups[0]`) and whether its changes are applied.
    #[serde(default)]
    pub parameter_group: Option<ParameterGroupRef>,
    /// Allocated storage (GiB) for instances with their own volume.
    #[serde(default)]
    pub allocated_storage_gib: Option<u32>,
    pub promotion_tier: Option<u32>,
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl DbInstance {
    /// An available, single-AZ, standalone instance with no window or tags: the start every
    /// builder (demo, tests) refines.
    pub fn new(
        account: &str,
        region: &str,
        id: &str,
        engine: &str,
        version: &str,
        class: &str,
    ) -> DbInstance {
        DbInstance {
            arn: format!("arn:aws:rds:{region}:{account}:db:{id}"),
            id: id.into(),
            account: account.into(),
            region: region.into(),
            engine: engine.into(),
            engine_version: version.into(),
            class: class.into(),
            status: "available".into(),
            role: Role::Standalone,
            availability_zone: Some(format!("{region}a")),
            multi_az: false,
            secondary_az: None,
            cluster_id: None,
            replica_source: None,
            replicas: Vec::new(),
            auto_minor_version_upgrade: false,
            maintenance_window: None,
            pending_modified: PendingModified::default(),
            auto_upgrade_target: None,
            parameter_group: None,
            allocated_storage_gib: None,
            promotion_tier: None,
            created_at: None,
            tags: BTreeMap::new(),
        }
    }

    pub fn family(&self) -> EngineFamily {
        EngineFamily::of(&self.engine)
    }

    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key).map(String::as_str)
    }
}

/// An instance's DB parameter group, as DescribeDBInstances lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterGroupRef {
    pub name: String,
    /// `in-sync`, `pending-reboot` (a change waits for a reboot), `applying`.
    pub apply_status: Option<String>,
}

impl ParameterGroupRef {
    /// AWS's own groups (`default.mysql8.0`): the engine defaults, never modified.
    pub fn is_default(&self) -> bool {
        self.name.starts_with("default.")
    }

    pub fn pending_reboot(&self) -> bool {
        self.apply_status.as_deref() == Some("pending-reboot")
    }
}

/// A DB or DB cluster parameter group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ParameterGroupKind {
    Db,
    Cluster,
}

/// What dbfleet read of a custom parameter group (`DescribeDBParameters` or
/// `DescribeDBClusterParameters`, `Source=user`): only the values it uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterGroup {
    pub name: String,
    pub kind: ParameterGroupKind,
    pub account: String,
    pub region: String,
    /// `max_connections` as the group sets it (a literal or a formula); None: not overridden.
    pub max_connections: Option<String>,
}

/// Aurora Serverless v2 capacity range of a cluster (`ServerlessV2ScalingConfiguration`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AcuRange {
    pub min: f64,
    pub max: f64,
}

/// What kind of cluster DescribeDBClusters returned (they share one API).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClusterKind {
    Aurora,
    /// RDS Multi-AZ DB cluster: a writer and two readable standbys, MySQL or PostgreSQL.
    MultiAzDbCluster,
    Neptune,
    #[serde(rename = "documentdb")]
    DocumentDb,
}

impl ClusterKind {
    pub fn label(self) -> &'static str {
        match self {
            ClusterKind::Aurora => "Aurora",
            ClusterKind::MultiAzDbCluster => "Multi-AZ DB cluster",
            ClusterKind::Neptune => "Neptune",
            ClusterKind::DocumentDb => "DocumentDB",
        }
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
    /// Serverless v2 capacity range, when the cluster has one.
    #[serde(default)]
    pub serverless_v2: Option<AcuRange>,
    /// `DBClusterParameterGroup`.
    #[serde(default)]
    pub parameter_group: Option<String>,
    /// `DBClusterInstanceClass`: set on Multi-AZ DB clusters only.
    #[serde(default)]
    pub instance_class: Option<String>,
}

impl DbCluster {
    /// An available provisioned cluster with no members yet (builders add them).
    pub fn new(account: &str, region: &str, id: &str, engine: &str, version: &str) -> DbCluster {
        DbCluster {
            arn: format!("arn:aws:rds:{region}:{account}:cluster:{id}"),
            id: id.into(),
            account: account.into(),
            region: region.into(),
            engine: engine.into(),
            engine_version: version.into(),
            engine_mode: "provisioned".into(),
            status: "available".into(),
            multi_az: false,
            members: Vec::new(),
            auto_minor_version_upgrade: false,
            maintenance_window: None,
            global_cluster_id: None,
            tags: BTreeMap::new(),
            serverless_v2: None,
            parameter_group: None,
            instance_class: None,
        }
    }

    pub fn kind(&self) -> ClusterKind {
        match EngineFamily::of(&self.engine) {
            EngineFamily::Neptune => ClusterKind::Neptune,
            EngineFamily::DocDb => ClusterKind::DocumentDb,
            f if f.is_aurora() => ClusterKind::Aurora,
            _ => ClusterKind::MultiAzDbCluster,
        }
    }

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
    /// Custom parameter groups that were read; a custom group missing here was not.
    pub parameter_groups: Vec<ParameterGroup>,
}

impl Inventory {
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
