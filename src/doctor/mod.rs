//! `dbfleet doctor`: the first run on a bastion, checked step by step. Which credentials were
//! found and where from, the account and region, each operation dbfleet calls tried once (a
//! denied one becomes a line of the IAM policy to paste), endpoints that cannot be reached or
//! whose TLS certificate is not trusted said plainly, and the clock against the service's.
//! This file holds the report, the run over every profile x region and its text; `probes`
//! tries one target, `clock` compares the clocks.

mod clock;
mod probes;

use std::fmt::Write as _;

use serde::Serialize;

use self::probes::check_target;
use crate::source::aws::LiveOptions;
use crate::source::aws::clients;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    /// Works, but something should be looked at (a region without an API, a small skew).
    Warn,
    Fail,
}

impl Outcome {
    fn tag(self) -> &'static str {
        match self {
            Outcome::Ok => "ok  ",
            Outcome::Warn => "warn",
            Outcome::Fail => "FAIL",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub what: String,
    pub outcome: Outcome,
    pub detail: String,
}

/// One profile in one region.
#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub profile: Option<String>,
    pub region: String,
    pub steps: Vec<Step>,
    /// IAM actions that answered AccessDenied.
    pub missing_actions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub targets: Vec<TargetReport>,
    /// Problems before any request could be made (no region, an unreadable CA bundle).
    pub setup: Vec<Step>,
}

impl Report {
    pub fn exit_code(&self) -> u8 {
        let failed = self
            .setup
            .iter()
            .chain(self.targets.iter().flat_map(|t| &t.steps))
            .any(|s| s.outcome == Outcome::Fail);
        u8::from(failed)
    }

    pub fn missing_actions(&self) -> Vec<String> {
        let mut a: Vec<String> =
            self.targets.iter().flat_map(|t| t.missing_actions.iter().cloned()).collect();
        a.sort();
        a.dedup();
        a
    }
}

/// Each account's role, assumed once: the accounts reached, and the ones that are not.
async fn check_roles(opts: &LiveOptions) -> Vec<Step> {
    let profile = opts.profiles.first().cloned().flatten();
    let region = opts.regions.first().map(String::as_str);
    let base = match clients::sdk_config(profile.as_deref(), region, opts).await {
        Ok(b) => b,
        Err(e) => {
            return vec![Step { what: "accounts".into(), outcome: Outcome::Fail, detail: e.to_string() }];
        }
    };
    let (accounts, names) = match crate::source::aws::accounts::resolve(opts, &base).await {
        Ok(x) => x,
        Err(e) => {
            return vec![Step { what: "accounts".into(), outcome: Outcome::Fail, detail: e.to_string() }];
        }
    };
    let now = jiff::Timestamp::now();
    let checks = futures::future::join_all(accounts.iter().map(|a| a.check(now))).await;
    accounts
        .iter()
        .zip(checks)
        .map(|(a, r)| {
            let what = match names.name_of(&a.id) {
                Some(n) => format!("account {} ({n})", a.id),
                None => format!("account {}", a.id),
            };
            match r {
                Ok(()) => Step { what, outcome: Outcome::Ok, detail: format!("assumed {}", a.role.role_arn) },
                Err(e) => Step { what, outcome: Outcome::Fail, detail: e.message },
            }
        })
        .collect()
}

/// The monitoring account in each region: which accounts it reads (the others read their
/// own metrics).
async fn check_monitoring(profile: &str, opts: &LiveOptions) -> Vec<Step> {
    let calls = crate::source::aws::calls::CallCounter::default();
    let mut out = Vec::new();
    let regions = match clients::regions_of(Some(profile), opts).await {
        Ok(r) => r,
        Err(e) => {
            return vec![Step {
                what: format!("monitoring account ({profile})"),
                outcome: Outcome::Fail,
                detail: e.to_string(),
            }];
        }
    };
    for region in regions {
        let what = format!("monitoring account ({profile}) {region}");
        let step = match clients::sdk_config(Some(profile), Some(&region), opts).await {
            Err(e) => Step { what, outcome: Outcome::Fail, detail: e.to_string() },
            Ok(conf) => {
                let cw = aws_sdk_cloudwatch::Client::new(&conf);
                match crate::source::aws::monitoring::linked_accounts(
                    &cw,
                    &region,
                    None,
                    &calls,
                    jiff::Timestamp::now(),
                )
                .await
                {
                    Ok(linked) => {
                        let watched: Vec<&str> = opts.accounts.iter().map(|a| a.id.as_str()).collect();
                        let missing: Vec<&str> =
                            watched.iter().copied().filter(|a| !linked.contains(*a)).collect();
                        let linked: Vec<&str> = linked.iter().map(String::as_str).collect();
                        let detail = if missing.is_empty() {
                            format!("reads {} linked accounts: {}", linked.len(), linked.join(", "))
                        } else {
                            format!(
                                "reads {}; not linked (their metrics are read in each account): {}",
                                linked.join(", "),
                                missing.join(", ")
                            )
                        };
                        Step {
                            what,
                            outcome: if missing.is_empty() { Outcome::Ok } else { Outcome::Warn },
                            detail,
                        }
                    }
                    Err(e) => Step { what, outcome: Outcome::Fail, detail: e.message },
                }
            }
        };
        out.push(step);
    }
    out
}

/// Check every profile x region the options name.
pub async fn run(opts: &LiveOptions) -> Report {
    let mut report = Report { targets: Vec::new(), setup: Vec::new() };
    if opts.through_roles() {
        report.setup.extend(check_roles(opts).await);
    }
    if let Some(p) = &opts.monitoring_profile {
        report.setup.extend(check_monitoring(p, opts).await);
    }
    for profile in &opts.profiles {
        let profile = profile.as_deref();
        match clients::regions_of(profile, opts).await {
            Ok(regions) => {
                for region in regions {
                    report.targets.push(check_target(profile, &region, opts).await);
                }
            }
            Err(e) => report.setup.push(Step {
                what: format!("profile {}", profile.unwrap_or("default")),
                outcome: Outcome::Fail,
                detail: e.to_string(),
            }),
        }
    }
    report
}

/// The IAM statement that grants what was denied, in the order a policy is written.
pub fn policy_snippet(actions: &[String]) -> String {
    let list: Vec<String> =
        actions.iter().map(|a| format!("      {}", serde_json::Value::from(a.as_str()))).collect();
    format!(
        "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{{\n    \"Effect\": \"Allow\",\n    \"Action\": [\n{}\n    ],\n    \"Resource\": \"*\"\n  }}]\n}}",
        list.join(",\n")
    )
}

pub fn render_text(r: &Report) -> String {
    let mut s = String::new();
    for step in &r.setup {
        let _ = writeln!(s, "{} {}: {}", step.outcome.tag(), step.what, step.detail);
    }
    for t in &r.targets {
        let who =
            t.profile.as_deref().map_or_else(|| "default chain".to_string(), |p| format!("profile {p}"));
        let _ = writeln!(s, "\n{who}, {}", t.region);
        for step in &t.steps {
            let _ = writeln!(s, "  {} {:<60} {}", step.outcome.tag(), step.what, step.detail);
        }
    }
    let missing = r.missing_actions();
    if missing.is_empty() {
        if r.exit_code() == 0 {
            s.push_str("\nEverything dbfleet needs works here.\n");
        }
    } else {
        let _ = writeln!(
            s,
            "\nMissing IAM actions ({}); dbfleet keeps working without them, with those parts named as gaps. Add to the policy:\n{}",
            missing.len(),
            policy_snippet(&missing)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_only_what_was_denied() {
        let snippet = policy_snippet(&["rds:DescribeBlueGreenDeployments".to_string()]);
        let v: serde_json::Value = serde_json::from_str(&snippet).unwrap();
        assert_eq!(v["Statement"][0]["Action"], serde_json::json!(["rds:DescribeBlueGreenDeployments"]));
        assert_eq!(v["Statement"][0]["Effect"], "Allow");
    }
}
