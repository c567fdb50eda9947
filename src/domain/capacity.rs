//! max_connections: the parameter group's value when known, otherwise the engine default
//! estimated from the instance class memory (AWS's formulas; always labelled an estimate).

use serde::{Deserialize, Serialize};

use super::model::EngineFamily;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaxConnections {
    pub value: u32,
    /// True when derived from the class default formula, not read from a parameter group.
    pub estimated: bool,
}

/// Nominal memory of an instance class in GiB, for the classes dbfleet knows.
pub fn class_memory_gib(class: &str) -> Option<f64> {
    let size = class.rsplit('.').next()?;
    let family = class.strip_prefix("db.")?.split('.').next()?;
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
    // Memory per vCPU: r-classes 8 GiB, m-classes 4 GiB, x2 16 GiB.
    let per_large = match family.chars().next()? {
        'r' => 16.0,
        'm' => 8.0,
        'x' => 32.0,
        _ => return None,
    };
    let factor = match size {
        "large" => 1.0,
        "xlarge" => 2.0,
        s => s.strip_suffix("xlarge")?.parse::<f64>().ok()? * 2.0,
    };
    Some(per_large * factor)
}

/// Aurora MySQL's published default by class (`max_connections` table).
fn aurora_mysql_default(class: &str) -> Option<u32> {
    let size = class.rsplit('.').next()?;
    let burst = class.starts_with("db.t");
    Some(match (burst, size) {
        (true, "small") => 45,
        (true, "medium") => 90,
        (true, "large") => 135,
        (false, "large") => 1000,
        (false, "xlarge") => 2000,
        (false, "2xlarge") => 3000,
        (false, "4xlarge") => 4000,
        (false, "8xlarge") => 5000,
        (false, "12xlarge") => 6000,
        (false, "16xlarge") => 6000,
        (false, "24xlarge") => 7000,
        _ => return None,
    })
}

/// The known value, else the engine default for the class, else nothing.
pub fn max_connections(known: Option<u32>, family: EngineFamily, class: &str) -> Option<MaxConnections> {
    if let Some(value) = known {
        return Some(MaxConnections { value, estimated: false });
    }
    let bytes = class_memory_gib(class).map(|g| g * 1024.0 * 1024.0 * 1024.0);
    let value = match family {
        EngineFamily::MySql | EngineFamily::MariaDb => (bytes? / 12_582_880.0) as u32,
        EngineFamily::Postgres | EngineFamily::AuroraPostgres => ((bytes? / 9_531_392.0) as u32).min(5000),
        EngineFamily::AuroraMySql => aurora_mysql_default(class)?,
        _ => return None,
    };
    Some(MaxConnections { value, estimated: true })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_memory() {
        assert_eq!(class_memory_gib("db.r6g.large"), Some(16.0));
        assert_eq!(class_memory_gib("db.r6g.2xlarge"), Some(64.0));
        assert_eq!(class_memory_gib("db.m6g.xlarge"), Some(16.0));
        assert_eq!(class_memory_gib("db.t4g.medium"), Some(4.0));
        assert_eq!(class_memory_gib("db.serverless"), None);
    }

    #[test]
    fn estimates_by_engine() {
        let mysql = max_connections(None, EngineFamily::MySql, "db.r6g.large").unwrap();
        assert_eq!(mysql, MaxConnections { value: 1365, estimated: true });
        let pg = max_connections(None, EngineFamily::Postgres, "db.r6g.large").unwrap();
        assert_eq!(pg.value, 1802);
        let big_pg = max_connections(None, EngineFamily::Postgres, "db.r6g.16xlarge").unwrap();
        assert_eq!(big_pg.value, 5000, "postgres default is capped at 5000");
        let aurora = max_connections(None, EngineFamily::AuroraMySql, "db.r6g.xlarge").unwrap();
        assert_eq!(aurora.value, 2000);
        let known = max_connections(Some(300), EngineFamily::MySql, "db.r6g.large").unwrap();
        assert_eq!(known, MaxConnections { value: 300, estimated: false });
        assert_eq!(max_connections(None, EngineFamily::Oracle, "db.r6g.large"), None);
    }
}
