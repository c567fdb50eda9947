//! Clusters as DescribeDBClusters and DescribeGlobalClusters describe them: Aurora, Multi-AZ
//! DB clusters, Neptune and DocumentDB, their members, Serverless v2 capacity, and Aurora
//! global databases.

use serde::{Deserialize, Serialize};

use super::EngineFamily;

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
    /// The account's name, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
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
    pub tags: crate::domain::sym::Tags,
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
            account_name: None,
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
            tags: crate::domain::sym::Tags::default(),
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
