//! config.toml: thresholds, refresh, theme and time zone. Found at `--config`, else
//! `$XDG_CONFIG_HOME/dbfleet/config.toml` (or `~/.config/dbfleet/config.toml`); a missing
//! default file means defaults, a malformed one is an error naming file, line and field.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::domain::consumer_status::LagSettings;
use crate::domain::risk::settings::RuleSettings;
use crate::domain::thresholds::Thresholds;
use crate::errors::{ConfigError, toml_error};

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DemoConfig {
    /// Simulated seconds per real second.
    pub speed: f64,
    /// Real seconds between demo polls.
    pub refresh_seconds: f64,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig { speed: 30.0, refresh_seconds: 2.0 }
    }
}

/// One AWS account to watch (`[[accounts]]`): its id, the name people know it by, how to get
/// in (a role ARN, else `--assume-role`'s name in it), its regions, a colour for its rows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountEntry {
    pub id: String,
    pub name: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
    #[serde(default)]
    pub regions: Vec<String>,
    /// A theme-independent colour for its rows and its name: red, yellow, green, blue,
    /// magenta, cyan, or `#rrggbb`.
    pub color: Option<String>,
}

impl AccountEntry {
    /// An account known by its id alone (`--accounts`, the organization): the role from
    /// `--assume-role`, the regions asked for, no name or colour of its own.
    pub fn id_only(id: impl Into<String>) -> AccountEntry {
        AccountEntry {
            id: id.into(),
            name: None,
            role_arn: None,
            external_id: None,
            regions: Vec::new(),
            color: None,
        }
    }
}

/// A colour for the rows of resources with a tag (`[[colors]] tag = "env=production"`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagColor {
    pub tag: String,
    pub color: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Seconds between live polls (CloudWatch's own resolution is 60 s).
    pub refresh_seconds: u64,
    pub theme: Option<String>,
    /// IANA time zone for displayed times (e.g. "Europe/Paris"); default: the system's.
    pub time_zone: Option<String>,
    pub thresholds: Thresholds,
    /// Maintenance-risk rules: thresholds, business hours, severity overrides, mutes.
    pub rules: RuleSettings,
    /// Consumer-lag status rules: window, thresholds.
    pub kafka: LagSettings,
    pub demo: DemoConfig,
    /// Accounts to watch through one set of credentials (with `assume_role` or their own
    /// `role_arn`), and their names and colours.
    pub accounts: Vec<AccountEntry>,
    /// The role name assumed in each account (`--assume-role`).
    pub assume_role: Option<String>,
    /// The profile of the CloudWatch monitoring account (`--monitoring-account`).
    pub monitoring_account: Option<String>,
    pub colors: Vec<TagColor>,
    /// What CloudWatch may cost: how often cold series are asked for, and a budget.
    pub cost: CostConfig,
}

/// `[cost]`: series nobody looks at and nothing is wrong with are asked for every
/// `cold_every` minutes (no datapoint lost: each request starts at the series' last one); a
/// budget in dollars an hour makes them colder still, and says so.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CostConfig {
    pub cold_every: u32,
    pub budget_usd_per_hour: Option<f64>,
}

impl Default for CostConfig {
    fn default() -> Self {
        CostConfig { cold_every: crate::domain::freshness::DEFAULT_COLD_EVERY, budget_usd_per_hour: None }
    }
}

impl CostConfig {
    pub fn settings(self) -> crate::domain::freshness::CostSettings {
        crate::domain::freshness::CostSettings {
            cold_every: self.cold_every,
            budget_usd_per_hour: self.budget_usd_per_hour,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            refresh_seconds: 60,
            theme: None,
            time_zone: None,
            thresholds: Thresholds::default(),
            rules: RuleSettings::default(),
            kafka: LagSettings::default(),
            demo: DemoConfig::default(),
            accounts: Vec::new(),
            assume_role: None,
            monitoring_account: None,
            colors: Vec::new(),
            cost: CostConfig::default(),
        }
    }
}

/// `$XDG_CONFIG_HOME/dbfleet`, else `~/.config/dbfleet`.
pub fn config_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("dbfleet"))
}

impl Config {
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let cfg: Config = toml::from_str(text).map_err(|e| ConfigError::Parse(toml_error(path, text, &e)))?;
        cfg.validate(path, text)?;
        Ok(cfg)
    }

    fn validate(&self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let invalid = |field: &str, message: String| ConfigError::Invalid {
            path: match crate::errors::field_line(text, field) {
                Some(line) => format!("{}:{line}", path.display()),
                None => path.display().to_string(),
            },
            field: field.into(),
            message,
        };
        let t = &self.thresholds;
        for (name, b) in [
            ("thresholds.replica_lag_seconds", t.replica_lag_seconds),
            ("thresholds.connections_percent", t.connections_percent),
            ("thresholds.cpu_percent", t.cpu_percent),
        ] {
            if !(b.warn.is_finite() && b.crit.is_finite()) || b.warn < 0.0 || b.warn > b.crit {
                return Err(invalid(
                    name,
                    format!("need 0 <= warn <= crit, got warn {} crit {}", b.warn, b.crit),
                ));
            }
        }
        if let Err((field, message)) = self.rules.validate() {
            return Err(invalid(&field, message));
        }
        if let Some((field, message)) = self.kafka.invalid() {
            return Err(invalid(&format!("kafka.{field}"), message));
        }
        let max = crate::domain::freshness::MAX_COLD_EVERY;
        if !(1..=max).contains(&self.cost.cold_every) {
            return Err(invalid(
                "cost.cold_every",
                format!(
                    "periods between two asks of a cold series: 1 to {max}, got {}",
                    self.cost.cold_every
                ),
            ));
        }
        if let Some(b) = self.cost.budget_usd_per_hour
            && !(b.is_finite() && b > 0.0)
        {
            return Err(invalid("cost.budget_usd_per_hour", format!("dollars an hour above 0, got {b}")));
        }
        if self.refresh_seconds == 0 {
            return Err(invalid("refresh_seconds", "must be at least 1".into()));
        }
        if !(self.demo.speed > 0.0 && self.demo.speed <= 3600.0) {
            return Err(invalid("demo.speed", format!("must be in (0, 3600], got {}", self.demo.speed)));
        }
        if self.demo.refresh_seconds.is_nan() || self.demo.refresh_seconds < 0.01 {
            return Err(invalid("demo.refresh_seconds", "must be at least 0.01".into()));
        }
        for (i, a) in self.accounts.iter().enumerate() {
            if a.id.len() != 12 || !a.id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid(
                    &format!("accounts[{i}].id"),
                    format!("{:?} is not a 12-digit account id", a.id),
                ));
            }
            if let Some(c) = a.color.as_deref().filter(|c| crate::domain::accounts::parse_color(c).is_none())
            {
                return Err(invalid(&format!("accounts[{i}].color"), format!("unknown colour {c:?}")));
            }
        }
        for (i, c) in self.colors.iter().enumerate() {
            if !c.tag.contains('=') {
                return Err(invalid(&format!("colors[{i}].tag"), format!("{:?}: expected key=value", c.tag)));
            }
            if crate::domain::accounts::parse_color(&c.color).is_none() {
                return Err(invalid(&format!("colors[{i}].color"), format!("unknown colour {:?}", c.color)));
            }
        }
        if let Some(tz) = &self.time_zone
            && jiff::tz::TimeZone::get(tz).is_err()
        {
            return Err(invalid("time_zone", format!("unknown IANA time zone {tz:?}")));
        }
        Ok(())
    }

    /// Load `explicit` (must exist) or the default location (may be absent).
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let (path, required) = match explicit {
            Some(p) => (p.to_path_buf(), true),
            None => match config_dir() {
                Some(d) => (d.join("config.toml"), false),
                None => return Ok(Config::default()),
            },
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&path, &text),
            Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_is_defaults() {
        assert_eq!(Config::parse(Path::new("c.toml"), "").unwrap(), Config::default());
    }

    #[test]
    fn partial_thresholds_keep_other_defaults() {
        let c = Config::parse(Path::new("c.toml"), "[thresholds]\ncpu_percent = { warn = 50, crit = 70 }\n")
            .unwrap();
        assert_eq!(c.thresholds.cpu_percent.warn, 50.0);
        assert_eq!(c.thresholds.replica_lag_seconds, Thresholds::default().replica_lag_seconds);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let e = Config::parse(Path::new("/etc/c.toml"), "refresh_seconds = 5\n[thresholds]\ncpu_pct = 3\n")
            .unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("/etc/c.toml:3:1:"), "{msg}");
        assert!(msg.contains("cpu_pct"), "{msg}");
        let e = Config::parse(Path::new("c.toml"), "[thresholds]\ncpu_percent = { warn = 90, crit = 70 }\n")
            .unwrap_err();
        assert!(e.to_string().contains("thresholds.cpu_percent"), "{e}");
        let e = Config::parse(Path::new("c.toml"), "time_zone = \"Mars/Olympus\"\n").unwrap_err();
        assert!(e.to_string().contains("time_zone"), "{e}");
    }

    #[test]
    fn kafka_status_rules_are_read_and_checked_with_their_line() {
        let c =
            Config::parse(Path::new("c.toml"), "[kafka]\nerr_time_lag_seconds = 120\nwindow_minutes = 30\n")
                .unwrap();
        assert_eq!(c.kafka.err_time_lag_seconds, 120.0);
        assert_eq!(c.kafka.window_minutes, 30);
        assert_eq!(c.kafka.min_points, LagSettings::default().min_points);
        let e = Config::parse(
            Path::new("/etc/c.toml"),
            "refresh_seconds = 5\n\n[kafka]\nmin_points = 5\nwindow_minutes = 1\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("/etc/c.toml:5: field 'kafka.window_minutes': 1 is not within"), "{e}");
        let e = Config::parse(Path::new("c.toml"), "[kafka]\nwindow = 10\n").unwrap_err().to_string();
        assert!(e.starts_with("c.toml:2:1:") && e.contains("window"), "{e}");
    }

    #[test]
    fn cost_is_read_and_checked_with_its_line() {
        let c = Config::parse(Path::new("c.toml"), "[cost]\ncold_every = 10\nbudget_usd_per_hour = 0.5\n")
            .unwrap();
        assert_eq!((c.cost.cold_every, c.cost.budget_usd_per_hour), (10, Some(0.5)));
        assert_eq!(Config::default().cost.cold_every, 5);
        let e =
            Config::parse(Path::new("c.toml"), "refresh_seconds = 60\n[cost]\ncold_every = 0\n").unwrap_err();
        assert!(e.to_string().starts_with("c.toml:3: field 'cost.cold_every': "), "{e}");
        let e = Config::parse(Path::new("c.toml"), "[cost]\nbudget_usd_per_hour = -1\n").unwrap_err();
        assert!(e.to_string().starts_with("c.toml:2: field 'cost.budget_usd_per_hour'"), "{e}");
        let e = Config::parse(Path::new("c.toml"), "[cost]\ncold = 3\n").unwrap_err();
        assert!(e.to_string().starts_with("c.toml:2:1:") && e.to_string().contains("cold"), "{e}");
    }
}
