//! Engine version strings: ordering (`8.0.35` < `8.0.40`, `10.11.7` < `10.11.9`, Aurora's
//! `8.0.mysql_aurora.3.05.2` < `8.0.mysql_aurora.3.06.0`) and the major version a support
//! lifecycle is published for.

use std::cmp::Ordering;

use super::model::EngineFamily;

fn parts(v: &str) -> impl Iterator<Item = &str> {
    v.split(['.', '_', '-']).filter(|p| !p.is_empty())
}

/// Component-wise: numbers numerically, anything else as text; a longer version with the same
/// prefix is the newer one.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (parts(a), parts(b));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) => {
                let o = match (p.parse::<u64>(), q.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    _ => p.cmp(q),
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

/// The major version AWS publishes support dates for: `8.0` for MySQL 8.0.35 and Aurora MySQL
/// 3 (`8.0.mysql_aurora...`), `10.11` for MariaDB, `15` for PostgreSQL 15.x (`9.6` before 10).
pub fn major(family: EngineFamily, version: &str) -> String {
    let mut it = version.split('.');
    let first = it.next().unwrap_or("");
    let second = it.next();
    let two = || second.map_or_else(|| first.to_string(), |s| format!("{first}.{s}"));
    match family {
        EngineFamily::MySql
        | EngineFamily::MariaDb
        | EngineFamily::AuroraMySql
        | EngineFamily::Neptune
        | EngineFamily::DocDb => two(),
        EngineFamily::Postgres | EngineFamily::AuroraPostgres => {
            if first.parse::<u32>().is_ok_and(|n| n >= 10) { first.to_string() } else { two() }
        }
        _ => first.to_string(),
    }
}

/// The parameter group family of an engine version (`DBParameterGroupFamily`): `mysql8.0`,
/// `postgres15`, `aurora-mysql8.0`, `neptune1.3`, `docdb5.0`, `oracle-ee-19`,
/// `sqlserver-ee-15.0`. An instance without a custom group uses `default.<family>`.
pub fn parameter_family(engine: &str, version: &str) -> String {
    let family = EngineFamily::of(engine);
    let major = major(family, version);
    match family {
        EngineFamily::SqlServer => {
            let mut p = version.split('.').map(|x| x.parse::<u32>().unwrap_or(0));
            format!("{engine}-{}.{}", p.next().unwrap_or(0), p.next().unwrap_or(0))
        }
        EngineFamily::Oracle => format!("{engine}-{major}"),
        _ => format!("{engine}{major}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_families() {
        let cases = [
            ("mysql", "8.0.35", "mysql8.0"),
            ("postgres", "15.7", "postgres15"),
            ("mariadb", "10.11.8", "mariadb10.11"),
            ("aurora-mysql", "8.0.mysql_aurora.3.05.2", "aurora-mysql8.0"),
            ("aurora-postgresql", "16.4", "aurora-postgresql16"),
            ("neptune", "1.3.2.1", "neptune1.3"),
            ("docdb", "5.0.0", "docdb5.0"),
            ("oracle-ee", "19.0.0.0.ru-2024-10.rur-2024-10.r1", "oracle-ee-19"),
            ("sqlserver-ee", "15.00.4395.2.v1", "sqlserver-ee-15.0"),
        ];
        for (engine, version, want) in cases {
            assert_eq!(parameter_family(engine, version), want, "{engine} {version}");
        }
    }

    #[test]
    fn orders_versions() {
        use Ordering::*;
        for (a, b, o) in [
            ("8.0.35", "8.0.40", Less),
            ("8.0.9", "8.0.10", Less),
            ("10.11.9", "10.11.7", Greater),
            ("15.7", "15.7", Equal),
            ("15", "15.1", Less),
            ("8.0.mysql_aurora.3.05.2", "8.0.mysql_aurora.3.06.0", Less),
            ("16.2", "15.8", Greater),
        ] {
            assert_eq!(compare(a, b), o, "{a} vs {b}");
        }
    }

    #[test]
    fn major_versions() {
        assert_eq!(major(EngineFamily::MySql, "8.0.35"), "8.0");
        assert_eq!(major(EngineFamily::MariaDb, "10.11.8"), "10.11");
        assert_eq!(major(EngineFamily::AuroraMySql, "8.0.mysql_aurora.3.05.2"), "8.0");
        assert_eq!(major(EngineFamily::Postgres, "15.7"), "15");
        assert_eq!(major(EngineFamily::Postgres, "9.6.24"), "9.6");
        assert_eq!(major(EngineFamily::AuroraPostgres, "16.2"), "16");
    }
}
