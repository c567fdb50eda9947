//! max_connections as the instance really has it: the value its parameter group sets (a
//! literal is exact, a formula is evaluated for the class), else the engine's default formula
//! for the class, for Serverless v2 the formula at the cluster's maximum ACU. Every limit says
//! where it came from and whether it is an estimate (a formula of the class memory: RDS
//! reserves part of the nominal memory, so the real value is somewhat lower).

use serde::{Deserialize, Serialize};

use super::model::{DbCluster, DbInstance, EngineFamily};
use super::param_formula::{FormulaVars, evaluate};

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
/// One Aurora capacity unit is about 2 GiB of memory.
pub const GIB_PER_ACU: f64 = 2.0;

/// Where a max_connections figure came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LimitSource {
    /// The instance's DB parameter group sets it.
    ParameterGroup,
    /// The Aurora cluster's parameter group sets it.
    ClusterParameterGroup,
    /// Nothing overrides it: the engine's default formula for the class.
    EngineDefault,
    /// Serverless v2: the default formula at the cluster's maximum ACU.
    ServerlessMaxAcu,
    /// DocumentDB: the published limit for the class.
    ClassLimit,
}

/// Why a better source could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LimitCaveat {
    /// The instance's custom parameter group could not be read (a denied or failed
    /// DescribeDBParameters): the default shown may not be the limit in force.
    GroupUnread,
    /// The group's value could not be evaluated for this class.
    GroupValueUnreadable,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MaxConnections {
    pub value: u32,
    /// Derived from the class memory (a formula), not a number someone set.
    pub estimated: bool,
    pub source: LimitSource,
    pub caveat: Option<LimitCaveat>,
}

/// What a parameter group says about max_connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupValue<'a> {
    /// No group, or an AWS default group (`default.*`): the engine default applies.
    Default,
    /// A custom group dbfleet could not read.
    Unread,
    /// A custom group that was read: its value, or None when it leaves max_connections alone.
    Read(Option<&'a str>),
}

/// Everything the limit of one instance depends on.
#[derive(Debug, Clone, Copy)]
pub struct LimitInput<'a> {
    pub family: EngineFamily,
    pub class: &'a str,
    pub is_replica: bool,
    pub allocated_storage_gib: Option<u32>,
    pub db_group: GroupValue<'a>,
    pub cluster_group: GroupValue<'a>,
    /// The cluster's maximum ACU, for `db.serverless` instances.
    pub serverless_max_acu: Option<f64>,
}

impl<'a> LimitInput<'a> {
    /// An instance with no custom parameter group: the engine default applies.
    pub fn defaults(family: EngineFamily, class: &'a str) -> LimitInput<'a> {
        LimitInput {
            family,
            class,
            is_replica: false,
            allocated_storage_gib: None,
            db_group: GroupValue::Default,
            cluster_group: GroupValue::Default,
            serverless_max_acu: None,
        }
    }
}

/// Nominal memory of an instance class in GiB, for the classes dbfleet knows.
pub fn class_memory_gib(class: &str) -> Option<f64> {
    let (family, size) = class_parts(class)?;
    // Burstable classes have their own table.
    if family.starts_with('t') {
        return match size {
            "micro" => Some(1.0),
            "small" => Some(2.0),
            "medium" => Some(4.0),
            "large" => Some(8.0),
            "xlarge" => Some(16.0),
            "2xlarge" => Some(32.0),
            _ => None,
        };
    }
    // Memory of a `large` (2 vCPUs): r 16 GiB, m 8, c 4, z1d 16, x2g 32, x2i* 64.
    let per_large = if family.starts_with("x2i") {
        64.0
    } else {
        match family.chars().next()? {
            'r' | 'z' => 16.0,
            'm' => 8.0,
            'c' => 4.0,
            'x' => 32.0,
            _ => return None,
        }
    };
    Some(per_large * size_factor(size)?)
}

/// vCPUs of a class: 2 for a `large`, doubling with each size step.
pub fn class_vcpus(class: &str) -> Option<f64> {
    let (family, size) = class_parts(class)?;
    if family.starts_with('t') {
        return match size {
            "micro" | "small" | "medium" | "large" => Some(2.0),
            "xlarge" => Some(4.0),
            "2xlarge" => Some(8.0),
            _ => None,
        };
    }
    Some(2.0 * size_factor(size)?)
}

fn class_parts(class: &str) -> Option<(&str, &str)> {
    let rest = class.strip_prefix("db.")?;
    let (family, size) = rest.split_once('.')?;
    Some((family, size))
}

fn size_factor(size: &str) -> Option<f64> {
    match size {
        "large" => Some(1.0),
        "xlarge" => Some(2.0),
        s => Some(s.strip_suffix("xlarge")?.parse::<f64>().ok().filter(|n| *n > 0.0)? * 2.0),
    }
}

pub fn is_serverless(class: &str) -> bool {
    class == "db.serverless"
}

/// The engine's default max_connections, as its default parameter group writes it.
pub fn default_formula(family: EngineFamily) -> Option<&'static str> {
    match family {
        EngineFamily::MySql | EngineFamily::MariaDb => Some("{DBInstanceClassMemory/12582880}"),
        EngineFamily::Postgres | EngineFamily::AuroraPostgres => {
            Some("LEAST({DBInstanceClassMemory/9531392},5000)")
        }
        EngineFamily::AuroraMySql => Some(
            "GREATEST({log(DBInstanceClassMemory/805306368)*45},{log(DBInstanceClassMemory/8187281408)*1000})",
        ),
        _ => None,
    }
}

/// DocumentDB's connection limit per instance class (Amazon DocumentDB instance limits).
fn docdb_class_limit(class: &str) -> Option<u32> {
    let (family, size) = class_parts(class)?;
    if family.starts_with('t') {
        return (size == "medium").then_some(500);
    }
    Some(match size {
        "large" => 1700,
        "xlarge" => 3500,
        "2xlarge" => 7000,
        "4xlarge" => 14_000,
        "8xlarge" => 28_000,
        "12xlarge" | "16xlarge" | "24xlarge" => 30_000,
        _ => return None,
    })
}

/// Where a limit came from, in words for screens and JSON: `parameter-group orders-params`,
/// `engine default`, `serverless max ACU 16`.
pub fn source_label(m: &MaxConnections, d: &DbInstance, cluster: Option<&DbCluster>) -> String {
    match m.source {
        LimitSource::ParameterGroup => {
            format!("parameter-group {}", d.parameter_group.as_ref().map_or("?", |g| g.name.as_str()))
        }
        LimitSource::ClusterParameterGroup => format!(
            "cluster-parameter-group {}",
            cluster.and_then(|c| c.parameter_group.as_deref()).unwrap_or("?")
        ),
        LimitSource::EngineDefault => "engine default".into(),
        LimitSource::ServerlessMaxAcu => match cluster.and_then(|c| c.serverless_v2) {
            Some(r) => format!("serverless max ACU {}", r.max),
            None => "serverless max ACU".into(),
        },
        LimitSource::ClassLimit => "class limit".into(),
    }
}

/// The limit with its provenance, for evidence and Detail: `640 (parameter group
/// orders-params)`, `~1365 (engine default, est. from class memory)`.
pub fn describe(m: &MaxConnections, d: &DbInstance, cluster: Option<&DbCluster>) -> String {
    let value = if m.estimated { format!("~{}", m.value) } else { m.value.to_string() };
    let mut why = source_label(m, d, cluster);
    if m.estimated {
        why.push_str(match m.source {
            LimitSource::ServerlessMaxAcu => ", est. at 2 GiB an ACU",
            _ => ", est. from class memory",
        });
    }
    match m.caveat {
        Some(LimitCaveat::GroupUnread) => {
            why.push_str("; its parameter group could not be read, so a custom value may apply")
        }
        Some(LimitCaveat::GroupValueUnreadable) => {
            why.push_str("; the parameter group's value could not be evaluated")
        }
        None => {}
    }
    format!("{value} ({why})")
}

/// The variables a formula of this instance may use.
pub fn vars(input: &LimitInput) -> FormulaVars {
    let memory_gib = if is_serverless(input.class) {
        input.serverless_max_acu.map(|acu| acu * GIB_PER_ACU)
    } else {
        class_memory_gib(input.class)
    };
    FormulaVars {
        class_memory_bytes: memory_gib.map(|g| g * GIB),
        vcpus: class_vcpus(input.class),
        allocated_storage_bytes: input.allocated_storage_gib.map(|g| f64::from(g) * GIB),
        port: None,
        is_replica: input.is_replica,
    }
}

fn limit(value: &str, vars: &FormulaVars) -> Option<(u32, bool)> {
    let e = evaluate(value, vars).ok()?;
    Some((u32::try_from(e.value.max(0)).ok()?, e.uses_class_memory))
}

/// The max_connections in force, and where it came from; None when the engine has no such
/// limit (SQL Server, Oracle, Neptune) or the class is unknown.
pub fn max_connections(input: &LimitInput) -> Option<MaxConnections> {
    let vars = vars(input);
    let mut caveat = None;
    // The instance's own group wins over the cluster's, as in RDS.
    for (group, source) in [
        (input.db_group, LimitSource::ParameterGroup),
        (input.cluster_group, LimitSource::ClusterParameterGroup),
    ] {
        match group {
            GroupValue::Read(Some(value)) => match limit(value, &vars) {
                Some((value, estimated)) => return Some(MaxConnections { value, estimated, source, caveat }),
                None => caveat = caveat.or(Some(LimitCaveat::GroupValueUnreadable)),
            },
            GroupValue::Unread => caveat = caveat.or(Some(LimitCaveat::GroupUnread)),
            GroupValue::Read(None) | GroupValue::Default => {}
        }
    }
    if input.family == EngineFamily::DocDb {
        let value = docdb_class_limit(input.class)?;
        return Some(MaxConnections { value, estimated: true, source: LimitSource::ClassLimit, caveat });
    }
    let (value, estimated) = limit(default_formula(input.family)?, &vars)?;
    let source =
        if is_serverless(input.class) { LimitSource::ServerlessMaxAcu } else { LimitSource::EngineDefault };
    Some(MaxConnections { value, estimated, source, caveat })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(family: EngineFamily, class: &str) -> LimitInput<'_> {
        LimitInput::defaults(family, class)
    }

    #[test]
    fn class_memory_and_vcpus() {
        assert_eq!(class_memory_gib("db.r6g.large"), Some(16.0));
        assert_eq!(class_memory_gib("db.r6g.2xlarge"), Some(64.0));
        assert_eq!(class_memory_gib("db.m6g.xlarge"), Some(16.0));
        assert_eq!(class_memory_gib("db.t4g.medium"), Some(4.0));
        assert_eq!(class_memory_gib("db.c6gd.large"), Some(4.0));
        assert_eq!(class_memory_gib("db.x2iedn.xlarge"), Some(128.0));
        assert_eq!(class_memory_gib("db.serverless"), None);
        assert_eq!(class_memory_gib("db.r6g.0xlarge"), None);
        assert_eq!(class_vcpus("db.r6g.4xlarge"), Some(16.0));
    }

    #[test]
    fn engine_defaults_are_estimates() {
        let mysql = max_connections(&input(EngineFamily::MySql, "db.r6g.large")).unwrap();
        assert_eq!(
            mysql,
            MaxConnections { value: 1365, estimated: true, source: LimitSource::EngineDefault, caveat: None }
        );
        let pg = max_connections(&input(EngineFamily::Postgres, "db.r6g.large")).unwrap();
        assert_eq!(pg.value, 1802);
        let big_pg = max_connections(&input(EngineFamily::Postgres, "db.r6g.16xlarge")).unwrap();
        assert_eq!(big_pg.value, 5000, "postgres default is capped at 5000");
        let aurora = max_connections(&input(EngineFamily::AuroraMySql, "db.r6g.xlarge")).unwrap();
        assert_eq!(aurora.value, 2000);
        assert_eq!(max_connections(&input(EngineFamily::Oracle, "db.r6g.large")), None);
        assert_eq!(max_connections(&input(EngineFamily::Neptune, "db.r6g.large")), None);
        let docdb = max_connections(&input(EngineFamily::DocDb, "db.r6g.large")).unwrap();
        assert_eq!((docdb.value, docdb.source), (1700, LimitSource::ClassLimit));
    }

    #[test]
    fn a_parameter_group_overrides_the_default() {
        let mut i = input(EngineFamily::MySql, "db.r6g.large");
        i.db_group = GroupValue::Read(Some("640"));
        let m = max_connections(&i).unwrap();
        assert_eq!(
            m,
            MaxConnections {
                value: 640,
                estimated: false,
                source: LimitSource::ParameterGroup,
                caveat: None
            }
        );
        i.db_group = GroupValue::Read(Some("{DBInstanceClassMemory/25165760}"));
        let m = max_connections(&i).unwrap();
        assert_eq!((m.value, m.estimated, m.source), (682, true, LimitSource::ParameterGroup));
        // A group that leaves it alone: the engine default, exactly as a default group.
        i.db_group = GroupValue::Read(None);
        assert_eq!(max_connections(&i).unwrap().source, LimitSource::EngineDefault);
        // Unread: the default, said to be a guess.
        i.db_group = GroupValue::Unread;
        let m = max_connections(&i).unwrap();
        assert_eq!((m.value, m.caveat), (1365, Some(LimitCaveat::GroupUnread)));
        // A value that cannot be evaluated falls back, and says so.
        i.db_group = GroupValue::Read(Some("{Nope}"));
        assert_eq!(max_connections(&i).unwrap().caveat, Some(LimitCaveat::GroupValueUnreadable));
    }

    #[test]
    fn the_cluster_group_applies_when_the_instance_group_does_not_set_it() {
        let mut i = input(EngineFamily::AuroraPostgres, "db.r6g.large");
        i.cluster_group = GroupValue::Read(Some("2500"));
        assert_eq!(max_connections(&i).unwrap().source, LimitSource::ClusterParameterGroup);
        i.db_group = GroupValue::Read(Some("300"));
        assert_eq!(max_connections(&i).unwrap().value, 300);
    }

    #[test]
    fn serverless_v2_uses_the_maximum_acu() {
        let mut i = input(EngineFamily::AuroraPostgres, "db.serverless");
        assert_eq!(max_connections(&i), None, "no capacity range known: no limit");
        i.serverless_max_acu = Some(16.0);
        let m = max_connections(&i).unwrap();
        // 16 ACU = 32 GiB: LEAST(32 GiB / 9531392, 5000) = 3604.
        assert_eq!((m.value, m.source, m.estimated), (3604, LimitSource::ServerlessMaxAcu, true));
        let mut a = input(EngineFamily::AuroraMySql, "db.serverless");
        a.serverless_max_acu = Some(64.0);
        assert_eq!(max_connections(&a).unwrap().value, 4000);
    }
}
