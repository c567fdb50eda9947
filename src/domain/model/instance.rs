//! Instances and their engines, their parameter groups, and what DescribeDBInstances says of
//! each: role, pending changes, the parameter group in use.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::domain::sym::{Sym, Tags};

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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
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

/// One RDS or Aurora DB instance (`DescribeDBInstances`). `Eq` matters beyond meaning:
/// `Arc<DbInstance>` then compares by pointer first, so comparing two inventories that share
/// their instances (every inventory refresh does) costs nothing per unchanged instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbInstance {
    pub arn: Sym,
    pub id: String,
    pub account: Sym,
    /// The account's name, when known (config, organization, alias).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<Sym>,
    pub region: Sym,
    pub engine: Sym,
    pub engine_version: Sym,
    pub class: Sym,
    pub status: Sym,
    #[serde(default)]
    pub role: Role,
    pub availability_zone: Option<Sym>,
    pub multi_az: bool,
    /// The standby's zone (`SecondaryAvailabilityZone`), when Multi-AZ.
    pub secondary_az: Option<Sym>,
    pub cluster_id: Option<String>,
    /// `ReadReplicaSourceDBInstanceIdentifier`: an id, or an ARN when cross-region.
    pub replica_source: Option<String>,
    #[serde(default)]
    pub replicas: Vec<String>,
    pub auto_minor_version_upgrade: bool,
    /// `PreferredMaintenanceWindow`, raw (`ddd:hh24:mi-ddd:hh24:mi`, UTC).
    pub maintenance_window: Option<Sym>,
    #[serde(default)]
    pub pending_modified: PendingModified,
    /// The minor version auto minor version upgrade would move this instance to
    /// (`DescribeDBEngineVersions` `ValidUpgradeTarget[].AutoUpgrade`), if any.
    #[serde(default)]
    pub auto_upgrade_target: Option<Sym>,
    /// The DB parameter group (`DBParameterGroups[0]`) and whether its changes are applied.
    #[serde(default)]
    pub parameter_group: Option<ParameterGroupRef>,
    /// Allocated storage (GiB) for instances with their own volume.
    #[serde(default)]
    pub allocated_storage_gib: Option<u32>,
    pub promotion_tier: Option<u32>,
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub tags: Tags,
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
            arn: format!("arn:aws:rds:{region}:{account}:db:{id}").into(),
            id: id.into(),
            account: account.into(),
            account_name: None,
            region: region.into(),
            engine: engine.into(),
            engine_version: version.into(),
            class: class.into(),
            status: "available".into(),
            role: Role::Standalone,
            availability_zone: Some(format!("{region}a").into()),
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
            tags: Tags::default(),
        }
    }

    pub fn family(&self) -> EngineFamily {
        EngineFamily::of(&self.engine)
    }

    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags.get(key)
    }
}

/// An instance's DB parameter group, as DescribeDBInstances lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterGroupRef {
    pub name: Sym,
    /// `in-sync`, `pending-reboot` (a change waits for a reboot), `applying`.
    pub apply_status: Option<Sym>,
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
