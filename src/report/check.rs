//! `dbfleet check`: the findings as a monitoring check. Text for people and cron mail, JSON
//! for machines, Markdown for tickets; the exit code says how bad it is.

use std::fmt::Write;

use jiff::Timestamp;
use serde::Serialize;

use super::markdown::cell;
use crate::app::state::Model;
use crate::domain::capability_status::{CapabilityStatus, NotEvaluated, not_evaluated};
use crate::domain::findings::Finding;
use crate::domain::format;
use crate::domain::severity::Severity;
use crate::domain::snapshot::{SourceError, SourceInfo};

/// Exit codes, ready for cron, CI and monitoring (Nagios-style: 3 = could not tell).
pub const EXIT_OK: u8 = 0;
pub const EXIT_WARNING: u8 = 1;
pub const EXIT_CRITICAL: u8 = 2;
pub const EXIT_UNKNOWN: u8 = 3;

#[derive(Debug, Serialize)]
pub struct Summary {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
    /// Dropped by mutes or `off` overrides in config.
    pub muted: usize,
    /// Below `--min-severity`, not listed.
    pub below_min_severity: usize,
}

#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub schema_version: u32,
    pub checked_at: Timestamp,
    pub source: Option<SourceInfo>,
    pub min_severity: Severity,
    pub exit_code: u8,
    pub summary: Summary,
    pub findings: Vec<Finding>,
    /// Sources that could not be read: the findings cover only what answered.
    pub errors: Vec<SourceError>,
    /// Every capability's state (ok, denied, unsupported, failed, stale).
    pub capabilities: Vec<CapabilityStatus>,
    /// Rules that could not be judged everywhere, and why: never silently fewer findings.
    pub not_evaluated: Vec<NotEvaluated>,
}

/// 2 on any critical; else 3 when some source could not be read, a rule could not be judged
/// for a missing capability, or nothing was collected; else 1 on any warning; else 0. A
/// critical is never hidden behind a partial failure.
pub fn exit_code(findings: &[Finding], gaps: usize, collected: bool) -> u8 {
    let worst = findings.iter().map(|f| f.severity).max().unwrap_or(Severity::Ok);
    if worst >= Severity::Critical {
        EXIT_CRITICAL
    } else if gaps > 0 || !collected {
        EXIT_UNKNOWN
    } else if worst >= Severity::Warning {
        EXIT_WARNING
    } else {
        EXIT_OK
    }
}

pub fn build(m: &Model, min: Severity) -> CheckReport {
    let all = &m.fleet.findings;
    let count = |s: Severity| all.iter().filter(|f| f.severity == s).count();
    let findings: Vec<Finding> = all.iter().filter(|f| f.severity >= min).map(|f| (**f).clone()).collect();
    let errors = m.status.errors.clone();
    let not_evaluated = not_evaluated(&m.status.capabilities, m.now);
    CheckReport {
        schema_version: 1,
        checked_at: m.now,
        source: m.status.source.clone(),
        min_severity: min,
        exit_code: exit_code(&findings, errors.len() + not_evaluated.len(), m.loaded()),
        summary: Summary {
            critical: count(Severity::Critical),
            warning: count(Severity::Warning),
            info: count(Severity::Info),
            muted: m.fleet.muted,
            below_min_severity: all.len() - findings.len(),
        },
        findings,
        errors,
        capabilities: m.status.capabilities.clone(),
        not_evaluated,
    }
}

fn headline(r: &CheckReport, m: &Model) -> String {
    let source = r.source.as_ref().map_or_else(|| "no source".to_string(), |s| s.label.clone());
    let s = &r.summary;
    let verdict = match r.exit_code {
        EXIT_CRITICAL => "CRITICAL",
        EXIT_WARNING => "WARNING",
        EXIT_UNKNOWN => "UNKNOWN",
        _ => "OK",
    };
    format!(
        "{verdict}: {} critical, {} warning, {} info ({} muted) from {source} at {}",
        s.critical,
        s.warning,
        s.info,
        s.muted,
        format::date_time_zone(r.checked_at, &m.settings.tz)
    )
}

pub fn render_text(r: &CheckReport, m: &Model) -> String {
    let mut s = headline(r, m) + "\n";
    if r.summary.below_min_severity > 0 {
        let _ = writeln!(s, "({} below {} not listed)", r.summary.below_min_severity, r.min_severity.label());
    }
    for e in &r.errors {
        let _ = writeln!(s, "ERROR {:?} {}: {}", e.service, e.region, e.message);
    }
    for n in &r.not_evaluated {
        let _ = writeln!(s, "NOT EVALUATED {}: {}", n.rule, n.reasons.join("; "));
    }
    for f in &r.findings {
        let _ = writeln!(
            s,
            "\n{:<8} {}  {} ({})",
            f.severity.label().to_uppercase(),
            f.rule,
            f.resource_id,
            f.region
        );
        let _ = writeln!(s, "  {}", f.message);
        for e in &f.evidence {
            let _ = writeln!(s, "  - {e}");
        }
        let _ = writeln!(s, "  remedy: {}", f.remedy);
    }
    s
}

pub fn render_markdown(r: &CheckReport, m: &Model) -> String {
    let mut s = format!("# dbfleet check\n\n{}\n\n", headline(r, m));
    for e in &r.errors {
        let _ = writeln!(s, "- **error** {:?} {}: {}", e.service, e.region, cell(&e.message));
    }
    for n in &r.not_evaluated {
        let _ = writeln!(s, "- **not evaluated** `{}`: {}", n.rule, cell(&n.reasons.join("; ")));
    }
    if r.findings.is_empty() {
        s.push_str("No findings.\n");
        return s;
    }
    s.push_str(&super::markdown::findings_table(&r.findings));
    s.push_str("\n## Evidence\n");
    for f in &r.findings {
        let _ = writeln!(s, "\n### {} {} ({})\n", f.severity.label(), f.resource_id, f.rule);
        for e in &f.evidence {
            let _ = writeln!(s, "- {}", cell(e));
        }
        let _ = writeln!(s, "\n**Remedy:** {}", cell(&f.remedy));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(sev: Severity) -> Finding {
        Finding {
            rule: crate::domain::rule_id::RuleId::BlueGreen,
            severity: sev,
            resource_id: "x".into(),
            region: "us-east-1".into(),
            message: String::new(),
            evidence: Vec::new(),
            remedy: "".into(),
        }
    }

    #[test]
    fn exit_codes() {
        assert_eq!(exit_code(&[], 0, true), EXIT_OK);
        assert_eq!(exit_code(&[f(Severity::Info)], 0, true), EXIT_OK);
        assert_eq!(exit_code(&[f(Severity::Info), f(Severity::Warning)], 0, true), EXIT_WARNING);
        assert_eq!(exit_code(&[f(Severity::Warning), f(Severity::Critical)], 0, true), EXIT_CRITICAL);
        assert_eq!(exit_code(&[f(Severity::Warning)], 1, true), EXIT_UNKNOWN, "partial data");
        assert_eq!(exit_code(&[f(Severity::Critical)], 1, true), EXIT_CRITICAL, "a critical is never hidden");
        assert_eq!(exit_code(&[], 0, false), EXIT_UNKNOWN, "nothing collected");
    }
}
