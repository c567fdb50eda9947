//! What the maintenance-risk rules can be told in config.toml's `[rules]`: their thresholds,
//! business hours to fall back on, severity overrides and mutes.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::domain::peak::BusinessHours;
use crate::domain::rule_id::RuleId;
use crate::domain::severity::Severity;

/// `key=value`, matched against a resource's tags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagMatch {
    pub key: String,
    pub value: String,
}

impl TagMatch {
    pub fn parse(s: &str) -> Result<TagMatch, String> {
        match s.split_once('=') {
            Some((k, v)) if !k.trim().is_empty() => {
                Ok(TagMatch { key: k.trim().to_string(), value: v.trim().to_string() })
            }
            _ => Err(format!("tag {s:?}: expected key=value, e.g. env=staging")),
        }
    }

    pub fn matches(&self, tags: &crate::domain::sym::Tags) -> bool {
        tags.get(&self.key).is_some_and(|v| *v == self.value)
    }
}

/// Business hours for resources with a tag (or for all, without one). First match wins.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "BusinessHoursToml")]
pub struct BusinessHoursRule {
    pub tag: Option<TagMatch>,
    pub hours: BusinessHours,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BusinessHoursToml {
    tag: Option<String>,
    #[serde(default = "default_days")]
    days: String,
    #[serde(default = "default_hours")]
    hours: String,
    #[serde(default = "default_zone")]
    time_zone: String,
}

fn default_days() -> String {
    "mon-fri".into()
}
fn default_hours() -> String {
    "08:00-20:00".into()
}
fn default_zone() -> String {
    "region".into()
}

impl TryFrom<BusinessHoursToml> for BusinessHoursRule {
    type Error = String;

    fn try_from(t: BusinessHoursToml) -> Result<Self, String> {
        Ok(BusinessHoursRule {
            tag: t.tag.as_deref().map(TagMatch::parse).transpose()?,
            hours: BusinessHours::parse(&t.days, &t.hours, &t.time_zone)?,
        })
    }
}

/// A severity override: one of the severities, or `off` to drop the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SeverityOverride {
    Critical,
    Warning,
    Info,
    Off,
}

impl SeverityOverride {
    pub fn severity(self) -> Option<Severity> {
        match self {
            SeverityOverride::Critical => Some(Severity::Critical),
            SeverityOverride::Warning => Some(Severity::Warning),
            SeverityOverride::Info => Some(Severity::Info),
            SeverityOverride::Off => None,
        }
    }
}

/// Silence a rule (or every rule: `*`, held as None) for resources by name (`*` wildcards)
/// and/or tag.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "MuteToml")]
pub struct Mute {
    pub rule: Option<RuleId>,
    pub resource: Option<String>,
    pub tag: Option<TagMatch>,
    pub reason: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MuteToml {
    rule: String,
    resource: Option<String>,
    tag: Option<String>,
    reason: Option<String>,
}

impl TryFrom<MuteToml> for Mute {
    type Error = String;

    fn try_from(t: MuteToml) -> Result<Self, String> {
        let rule = match t.rule.as_str() {
            "*" => None,
            id => Some(RuleId::parse(id).ok_or_else(|| format!("{}, or *", RuleId::unknown(id)))?),
        };
        Ok(Mute {
            rule,
            resource: t.resource,
            tag: t.tag.as_deref().map(TagMatch::parse).transpose()?,
            reason: t.reason,
        })
    }
}

/// `*` matches any run of characters; everything else literally.
pub fn glob(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == s;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !s.starts_with(first) || !s[first.len()..].ends_with(last) || s.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for p in &parts[1..parts.len() - 1] {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    true
}

impl Mute {
    pub fn matches(&self, rule: RuleId, resource: &str, tags: Option<&crate::domain::sym::Tags>) -> bool {
        self.rule.is_none_or(|r| r == rule)
            && self.resource.as_deref().is_none_or(|p| glob(p, resource))
            && self.tag.as_ref().is_none_or(|t| tags.is_some_and(|tags| t.matches(tags)))
    }
}

/// Days before a date: at or below `warn` a warning, at or below `crit` critical.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DaysBefore {
    pub warn: f64,
    pub crit: f64,
}

impl DaysBefore {
    pub fn classify(self, days_left: f64) -> Option<Severity> {
        if days_left <= self.crit {
            Some(Severity::Critical)
        } else if days_left <= self.warn {
            Some(Severity::Warning)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleSettings {
    /// An hour is peak when its average load is at least this share of the weekly maximum.
    pub peak_band: f64,
    /// Traffic history needed to learn peak hours; with less, business hours are assumed.
    pub min_history_days: f64,
    /// Days before a pending action's forced-apply date.
    pub forced_apply_days: DaysBefore,
    /// An auto-applied action whose next window starts within this many hours is critical.
    pub auto_apply_critical_hours: f64,
    /// Days before the end of an engine's support to start warning.
    pub end_of_support_warn_days: f64,
    /// Share of the replica quota (5 per RDS source, 15 per Aurora cluster) that counts as near.
    pub replica_limit_ratio: f64,
    /// A blue/green deployment left ready for switchover (or provisioning) longer than this.
    pub blue_green_stale_days: f64,
    pub business_hours: Vec<BusinessHoursRule>,
    /// Per rule id: critical, warning, info or off.
    pub severity: BTreeMap<RuleId, SeverityOverride>,
    pub mute: Vec<Mute>,
}

impl Default for RuleSettings {
    fn default() -> Self {
        RuleSettings {
            peak_band: 0.7,
            min_history_days: 7.0,
            forced_apply_days: DaysBefore { warn: 14.0, crit: 3.0 },
            auto_apply_critical_hours: 24.0,
            end_of_support_warn_days: 180.0,
            replica_limit_ratio: 0.8,
            blue_green_stale_days: 7.0,
            business_hours: vec![BusinessHoursRule { tag: None, hours: BusinessHours::default() }],
            severity: BTreeMap::new(),
            mute: Vec::new(),
        }
    }
}

impl RuleSettings {
    /// Business hours for a resource with these tags: the first rule that matches, else the
    /// default (mon-fri 08:00-20:00 in the region's zone).
    pub fn business_hours_for(&self, tags: &crate::domain::sym::Tags) -> (BusinessHours, Option<&TagMatch>) {
        self.business_hours
            .iter()
            .find(|r| r.tag.as_ref().is_none_or(|t| t.matches(tags)))
            .map_or_else(|| (BusinessHours::default(), None), |r| (r.hours.clone(), r.tag.as_ref()))
    }

    /// Problems a config file can have that serde cannot see: (field, message).
    pub fn validate(&self) -> Result<(), (String, String)> {
        let unit = |name: &str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err((format!("rules.{name}"), format!("must be in 0..1, got {v}")))
            }
        };
        unit("peak_band", self.peak_band)?;
        unit("replica_limit_ratio", self.replica_limit_ratio)?;
        for (name, v) in [
            ("min_history_days", self.min_history_days),
            ("auto_apply_critical_hours", self.auto_apply_critical_hours),
            ("end_of_support_warn_days", self.end_of_support_warn_days),
            ("blue_green_stale_days", self.blue_green_stale_days),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err((format!("rules.{name}"), format!("must be a number >= 0, got {v}")));
            }
        }
        let f = self.forced_apply_days;
        if !(f.crit >= 0.0 && f.crit <= f.warn && f.warn.is_finite()) {
            return Err((
                "rules.forced_apply_days".into(),
                format!("need 0 <= crit <= warn, got warn {} crit {}", f.warn, f.crit),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("eu-*", "eu-orders-mysql"));
        assert!(glob("*-r1", "billing-pg-r1"));
        assert!(glob("*orders*", "eu-orders-mysql"));
        assert!(glob("billing-pg", "billing-pg"));
        assert!(!glob("billing-pg", "billing-pg-r1"));
        assert!(!glob("eu-*-pg", "eu-orders-mysql"));
        assert!(!glob("ab*ba", "aba"));
    }

    #[test]
    fn mutes_match_rule_resource_and_tag() {
        let mut tags = crate::domain::sym::Tags::default();
        tags.insert("env", "staging");
        let m = Mute {
            rule: None,
            resource: None,
            tag: Some(TagMatch::parse("env=staging").unwrap()),
            reason: None,
        };
        assert!(m.matches(RuleId::SharedWindow, "x", Some(&tags)));
        assert!(!m.matches(RuleId::SharedWindow, "x", None));
        let m =
            Mute { rule: Some(RuleId::SharedWindow), resource: Some("eu-*".into()), tag: None, reason: None };
        assert!(m.matches(RuleId::SharedWindow, "eu-orders-mysql", None));
        assert!(!m.matches(RuleId::BlueGreen, "eu-orders-mysql", None));
    }

    #[test]
    fn days_before_bands() {
        let d = DaysBefore { warn: 14.0, crit: 3.0 };
        assert_eq!(d.classify(20.0), None);
        assert_eq!(d.classify(14.0), Some(Severity::Warning));
        assert_eq!(d.classify(3.0), Some(Severity::Critical));
        assert_eq!(d.classify(-1.0), Some(Severity::Critical));
    }
}
