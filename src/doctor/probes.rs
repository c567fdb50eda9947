//! One profile in one region, tried operation by operation: credentials and where they came
//! from, the caller's identity, each RDS, MSK and CloudWatch call dbfleet makes (a denied one
//! names its IAM actions), and unreachable endpoints explained in plain words.

use std::fmt::Write as _;

use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_credential_types::provider::ProvideCredentials;
use jiff::Timestamp;

use super::clock::{ServerDate, clock_step};
use super::{Outcome, Step, TargetReport};
use crate::domain::capability::Capability;
use crate::domain::snapshot::{ErrorKind, Service, SourceError};
use crate::source::aws::LiveOptions;
use crate::source::aws::clients;
use crate::source::aws::errors::{Origin, from_sdk};

/// Where the credentials came from, in words, from the features the SDK's providers record.
fn credential_source(features: &[AwsCredentialFeature]) -> String {
    use AwsCredentialFeature as F;
    let words: Vec<&str> = features
        .iter()
        .filter_map(|f| match f {
            F::CredentialsEnvVars => Some("environment variables (AWS_ACCESS_KEY_ID)"),
            F::CredentialsEnvVarsStsWebIdToken | F::CredentialsProfileStsWebIdToken => {
                Some("web identity token")
            }
            F::CredentialsStsAssumeRole => Some("an assumed role"),
            F::CredentialsStsAssumeRoleWebId => Some("a role assumed with web identity"),
            F::CredentialsProfile => Some("a profile's static keys"),
            F::CredentialsProfileSourceProfile => Some("a source profile"),
            F::CredentialsProfileSso | F::CredentialsSso => Some("SSO"),
            F::CredentialsProfileProcess | F::CredentialsProcess => Some("credential_process"),
            F::CredentialsHttp => Some("the container credentials endpoint (ECS)"),
            F::CredentialsImds => Some("EC2 instance metadata (the instance profile)"),
            F::CredentialsCode => Some("given in code"),
            _ => None,
        })
        .collect();
    if words.is_empty() { "the default chain".to_string() } else { words.join(" via ") }
}

/// Plain words for a request that never got an answer.
fn unreachable_hint(e: &SourceError) -> String {
    let m = e.message.to_ascii_lowercase();
    if m.contains("certificate") || m.contains("unknownissuer") || m.contains("tls") {
        format!(
            "{}: the TLS certificate is not trusted. Behind a TLS-inspecting proxy, point AWS_CA_BUNDLE at its CA (PEM); HTTPS_PROXY and NO_PROXY are honoured",
            e.message
        )
    } else if m.contains("dns") || m.contains("resolve") || m.contains("lookup") {
        format!("{}: the endpoint's name does not resolve (DNS, or a VPC without that endpoint)", e.message)
    } else if e.kind == ErrorKind::Timeout {
        format!(
            "{}: no answer in time (a firewall dropping packets, or a proxy that HTTPS_PROXY should name)",
            e.message
        )
    } else {
        e.message.clone()
    }
}

/// What one operation answered. After one request to a service could not reach it, the
/// others to that service are not tried (each would wait out the same timeout).
fn judge(
    step: &str,
    cap: Option<Capability>,
    result: Result<String, SourceError>,
    report: &mut TargetReport,
    unreachable: &mut Vec<Service>,
) {
    if let Err(e) = &result
        && matches!(e.kind, ErrorKind::Network | ErrorKind::Timeout)
    {
        if unreachable.contains(&e.service) {
            let service = format!("{:?}", e.service).to_lowercase();
            let detail = format!("not tried: the {service} endpoint could not be reached (above)");
            report.steps.push(Step { what: step.to_string(), outcome: Outcome::Fail, detail });
            return;
        }
        unreachable.push(e.service);
    }
    let (outcome, detail) = match result {
        Ok(detail) => (Outcome::Ok, detail),
        Err(e) => match e.kind {
            ErrorKind::AccessDenied => {
                if let Some(c) = cap {
                    report.missing_actions.extend(c.iam_actions().iter().map(|a| a.to_string()));
                }
                (Outcome::Fail, format!("access denied: {}", e.message))
            }
            ErrorKind::Unsupported => (Outcome::Warn, format!("not offered in this region: {}", e.message)),
            ErrorKind::Network | ErrorKind::Timeout => (Outcome::Fail, unreachable_hint(&e)),
            _ => (Outcome::Fail, e.message),
        },
    };
    report.steps.push(Step { what: step.to_string(), outcome, detail });
}

/// Try everything for one profile in one region.
pub(super) async fn check_target(profile: Option<&str>, region: &str, opts: &LiveOptions) -> TargetReport {
    let mut r = TargetReport {
        profile: profile.map(String::from),
        region: region.to_string(),
        steps: Vec::new(),
        missing_actions: Vec::new(),
    };
    let conf = match clients::sdk_config(profile, Some(region), opts).await {
        Ok(c) => c,
        Err(e) => {
            r.steps.push(Step {
                what: "configuration".into(),
                outcome: Outcome::Fail,
                detail: e.to_string(),
            });
            return r;
        }
    };
    // Credentials: resolved once, before any request.
    let Some(provider) = conf.credentials_provider() else {
        r.steps.push(Step {
            what: "credentials".into(),
            outcome: Outcome::Fail,
            detail: "no credentials provider configured".into(),
        });
        return r;
    };
    match provider.provide_credentials().await {
        Ok(c) => {
            let features = c.get_property::<Vec<AwsCredentialFeature>>().cloned().unwrap_or_default();
            let mut detail = format!("from {}", credential_source(&features));
            if let Some(p) = profile.map(String::from).or_else(|| std::env::var("AWS_PROFILE").ok()) {
                let _ = write!(detail, ", profile {p}");
            }
            if let Some(exp) = c.expiry().and_then(|e| Timestamp::try_from(e).ok()) {
                let left = exp.duration_since(Timestamp::now());
                let _ = write!(detail, ", expire in {}", crate::domain::format::format_age(left.as_secs()));
            }
            r.steps.push(Step { what: "credentials".into(), outcome: Outcome::Ok, detail });
        }
        Err(e) => {
            let text = format!("{}", aws_sdk_rds::error::DisplayErrorContext(&e));
            let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            let cut: String = text.chars().take(240).collect();
            r.steps.push(Step {
                what: "credentials".into(),
                outcome: Outcome::Fail,
                detail: format!(
                    "none found. Set AWS_PROFILE or --profile, run `aws sso login`, or attach an instance profile ({cut})"
                ),
            });
            return r;
        }
    }
    let origin = |service, operation| Origin { account: None, region, service, operation };
    let mut unreachable: Vec<Service> = Vec::new();
    let now = Timestamp::now();
    let sts = aws_sdk_sts::Client::new(&conf);
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .map(|o| format!("account {} as {}", o.account().unwrap_or("?"), o.arn().unwrap_or("?")))
        .map_err(|e| from_sdk(&origin(Service::Sts, "GetCallerIdentity"), &e, now));
    judge("identity (sts:GetCallerIdentity)", None, identity, &mut r, &mut unreachable);

    let date = ServerDate::default();
    let rds = aws_sdk_rds::Client::from_conf(
        aws_sdk_rds::config::Builder::from(&conf).interceptor(date.clone()).build(),
    );
    let rds_op = |op: &'static str| origin(Service::Rds, op);
    let count = |n: usize, what: &str| format!("{n} {what} on the first page");
    macro_rules! rds_step {
        ($cap:expr, $req:expr, |$o:ident| $detail:expr) => {{
            let cap: Capability = $cap;
            let result =
                $req.send().await.map(|$o| $detail).map_err(|e| from_sdk(&rds_op(cap.operation()), &e, now));
            judge(
                &format!("{} (rds:{})", cap.label(), cap.operation()),
                Some(cap),
                result,
                &mut r,
                &mut unreachable,
            );
        }};
    }
    rds_step!(Capability::Instances, rds.describe_db_instances().max_records(20), |o| count(
        o.db_instances().len(),
        "instances"
    ));
    rds_step!(Capability::Clusters, rds.describe_db_clusters().max_records(20), |o| count(
        o.db_clusters().len(),
        "clusters"
    ));
    rds_step!(Capability::GlobalClusters, rds.describe_global_clusters().max_records(20), |o| count(
        o.global_clusters().len(),
        "global databases"
    ));
    rds_step!(
        Capability::PendingMaintenance,
        rds.describe_pending_maintenance_actions().max_records(20),
        |o| count(o.pending_maintenance_actions().len(), "resources with pending maintenance")
    );
    rds_step!(Capability::BlueGreen, rds.describe_blue_green_deployments().max_records(20), |o| count(
        o.blue_green_deployments().len(),
        "deployments"
    ));
    rds_step!(Capability::Events, rds.describe_events().duration(60).max_records(20), |o| count(
        o.events().len(),
        "events in the last hour"
    ));
    rds_step!(
        Capability::EngineVersions,
        rds.describe_db_engine_versions().engine("mysql").default_only(true).max_records(20),
        |o| count(o.db_engine_versions().len(), "versions")
    );
    rds_step!(
        Capability::MajorEngineVersions,
        rds.describe_db_major_engine_versions().engine("mysql").max_records(20),
        |o| count(o.db_major_engine_versions().len(), "major versions")
    );
    // A group that may not exist answers NotFound when the action is allowed: that is enough.
    let allowed = |result: Result<(), SourceError>| match result {
        Err(e) if e.message.contains("NotFound") => {
            Ok("allowed (the probed group does not exist)".to_string())
        }
        r => r.map(|()| "readable".to_string()),
    };
    let params = rds
        .describe_db_parameters()
        .db_parameter_group_name("default.mysql8.0")
        .source("user")
        .max_records(20)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| from_sdk(&rds_op("DescribeDBParameters"), &e, now));
    judge(
        "parameter groups (rds:DescribeDBParameters)",
        Some(Capability::Parameters),
        allowed(params),
        &mut r,
        &mut unreachable,
    );
    let cluster_params = rds
        .describe_db_cluster_parameters()
        .db_cluster_parameter_group_name("default.aurora-mysql8.0")
        .source("user")
        .max_records(20)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| from_sdk(&rds_op("DescribeDBClusterParameters"), &e, now));
    let step = "cluster parameter groups (rds:DescribeDBClusterParameters)";
    judge(step, Some(Capability::Parameters), allowed(cluster_params), &mut r, &mut unreachable);

    let kafka = aws_sdk_kafka::Client::new(&conf);
    let msk = kafka
        .list_clusters_v2()
        .max_results(1)
        .send()
        .await
        .map(|o| format!("{} clusters on the first page", o.cluster_info_list().len()))
        .map_err(|e| from_sdk(&origin(Service::Kafka, "ListClustersV2"), &e, now));
    judge(
        "MSK clusters (kafka:ListClustersV2)",
        Some(Capability::MskClusters),
        msk,
        &mut r,
        &mut unreachable,
    );

    let cw = aws_sdk_cloudwatch::Client::new(&conf);
    let list = cw
        .list_metrics()
        .namespace("AWS/Kafka")
        .metric_name("MaxOffsetLag")
        .send()
        .await
        .map(|o| format!("{} consumer-lag metrics on the first page", o.metrics().len()))
        .map_err(|e| from_sdk(&origin(Service::CloudWatch, "ListMetrics"), &e, now));
    judge(
        "consumer groups (cloudwatch:ListMetrics)",
        Some(Capability::ConsumerGroups),
        list,
        &mut r,
        &mut unreachable,
    );
    let alarms = cw
        .describe_alarms()
        .alarm_types(aws_sdk_cloudwatch::types::AlarmType::MetricAlarm)
        .max_records(1)
        .send()
        .await
        .map(|o| format!("{} alarms on the first page", o.metric_alarms().len()))
        .map_err(|e| from_sdk(&origin(Service::CloudWatch, "DescribeAlarms"), &e, now));
    judge("alarms (cloudwatch:DescribeAlarms)", Some(Capability::Alarms), alarms, &mut r, &mut unreachable);
    let metrics = probe_metric_data(&cw, now)
        .await
        .map_err(|e| from_sdk(&origin(Service::CloudWatch, "GetMetricData"), &e, now));
    judge("metrics (cloudwatch:GetMetricData)", Some(Capability::Metrics), metrics, &mut r, &mut unreachable);

    let server = *date.0.lock().unwrap_or_else(|e| e.into_inner());
    r.steps.push(clock_step(server, Timestamp::now()));
    r
}

/// One query for five minutes of one metric: proves the call is allowed, costs one metric.
async fn probe_metric_data(
    cw: &aws_sdk_cloudwatch::Client,
    now: Timestamp,
) -> Result<
    String,
    aws_sdk_cloudwatch::error::SdkError<aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataError>,
> {
    use aws_sdk_cloudwatch::primitives::DateTime;
    use aws_sdk_cloudwatch::types::{Metric, MetricDataQuery, MetricStat};
    let metric = Metric::builder().namespace("AWS/RDS").metric_name("CPUUtilization").build();
    let stat = MetricStat::builder().metric(metric).period(60).stat("Average").build();
    let query = MetricDataQuery::builder().id("q0").metric_stat(stat).build();
    let end = now.as_second();
    cw.get_metric_data()
        .metric_data_queries(query)
        .start_time(DateTime::from_secs(end - 300))
        .end_time(DateTime::from_secs(end))
        .send()
        .await
        .map(|_| "allowed (one metric requested)".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_sources_in_words() {
        use AwsCredentialFeature as F;
        assert_eq!(credential_source(&[F::CredentialsImds]), "EC2 instance metadata (the instance profile)");
        assert_eq!(credential_source(&[F::CredentialsProfileSso]), "SSO");
        assert_eq!(credential_source(&[]), "the default chain");
    }
}
