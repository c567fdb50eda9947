//! SDK clients per profile and region, from aws-config's default chain (environment,
//! profiles incl. SSO, web identity, ECS, EC2 instance metadata on a bastion), with explicit
//! timeouts and standard retries with jittered exponential back-off.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_rds::config::Region;

use super::LiveOptions;

pub struct Clients {
    pub profile: Option<String>,
    pub region: String,
    pub rds: aws_sdk_rds::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub kafka: aws_sdk_kafka::Client,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no region for profile {0}: pass --region, set AWS_REGION, or set a region in the profile")]
    NoRegion(String),
}

fn retry() -> RetryConfig {
    // Three attempts, 1 s then up to 20 s apart (jittered): a throttling storm backs off
    // instead of multiplying calls; the poller adds its own back-off between polls.
    RetryConfig::standard()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_secs(1))
        .with_max_backoff(Duration::from_secs(20))
}

fn timeouts(opts: &LiveOptions) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(5).min(opts.attempt_timeout))
        .read_timeout(Duration::from_secs(20).min(opts.attempt_timeout))
        .operation_attempt_timeout(opts.attempt_timeout)
        .operation_timeout(opts.operation_timeout)
        .build()
}

/// Clients for one profile in each region (or the profile's own region when none is given).
/// The per-service endpoint variables (AWS_ENDPOINT_URL_RDS, ...) and AWS_ENDPOINT_URL are
/// honoured by aws-config; `endpoint_url` overrides them all.
pub async fn for_profile(profile: Option<&str>, opts: &LiveOptions) -> Result<Vec<Clients>, ConfigError> {
    let (regions, endpoint_url, credentials) =
        (&opts.regions, opts.endpoint_url.as_deref(), &opts.static_credentials);
    let loader = || {
        let mut l = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(retry())
            .timeout_config(timeouts(opts));
        if let Some(p) = profile {
            l = l.profile_name(p);
        }
        if let Some(u) = endpoint_url {
            l = l.endpoint_url(u);
        }
        if let Some(c) = credentials.clone() {
            l = l.credentials_provider(c);
        }
        l
    };
    let regions: Vec<String> = if regions.is_empty() {
        let conf = loader().load().await;
        match conf.region() {
            Some(r) => vec![r.to_string()],
            None => return Err(ConfigError::NoRegion(profile.unwrap_or("default").to_string())),
        }
    } else {
        regions.to_vec()
    };
    let mut out = Vec::new();
    for region in regions {
        let conf = loader().region(Region::new(region.clone())).load().await;
        out.push(Clients {
            profile: profile.map(String::from),
            region,
            rds: aws_sdk_rds::Client::from_conf(
                aws_sdk_rds::config::Builder::from(&conf).interceptor(CompleteXmlBody).build(),
            ),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&conf),
            kafka: aws_sdk_kafka::Client::new(&conf),
        });
    }
    Ok(out)
}

/// The RDS XML parser accepts a document cut short and returns what it read: a truncated
/// DescribeDBInstances would silently drop instances. A complete awsQuery answer ends with its
/// `...Response>` closing tag; anything else is reported as a malformed response.
#[derive(Debug)]
struct CompleteXmlBody;

impl aws_sdk_rds::config::Intercept for CompleteXmlBody {
    fn name(&self) -> &'static str {
        "CompleteXmlBody"
    }

    fn read_after_deserialization(
        &self,
        context: &aws_sdk_rds::config::interceptors::AfterDeserializationInterceptorContextRef<'_>,
        _rc: &aws_sdk_rds::config::RuntimeComponents,
        _cfg: &mut aws_sdk_rds::config::ConfigBag,
    ) -> Result<(), aws_sdk_rds::error::BoxError> {
        let response = context.response();
        if !response.status().is_success() {
            return Ok(());
        }
        match response.body().bytes() {
            Some(b) if !complete_query_document(b) => {
                Err("truncated response: the XML document ends before its closing tag".into())
            }
            _ => Ok(()),
        }
    }
}

fn complete_query_document(body: &[u8]) -> bool {
    let end = body.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(0, |i| i + 1);
    body[..end].ends_with(b"Response>")
}

#[cfg(test)]
mod tests {
    #[test]
    fn complete_documents() {
        assert!(super::complete_query_document(b"<XResponse><a/></XResponse>\n"));
        assert!(!super::complete_query_document(b"<XResponse><DBInstances><DBInstance><DBInstanceIdentif"));
    }
}
