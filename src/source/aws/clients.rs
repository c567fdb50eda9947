//! SDK clients per profile and region, from aws-config's default chain (environment,
//! profiles incl. SSO, web identity, ECS, EC2 instance metadata on a bastion), with explicit
//! timeouts and standard retries with jittered exponential back-off. `HTTPS_PROXY` and
//! `NO_PROXY` are honoured by the SDK's client; `AWS_CA_BUNDLE` (a corporate TLS proxy's CA)
//! is added to the trusted roots here, since the Rust SDK does not read it.

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
    #[error("AWS_CA_BUNDLE={path}: {source}")]
    CaBundle { path: String, source: std::io::Error },
    #[error(
        "account {0}: no role to assume: pass --assume-role NAME or set role_arn in its [[accounts]] entry"
    )]
    NoRole(String),
    #[error(
        "--org: cannot list the organization's accounts (organizations:ListAccounts, from the management or a delegated administrator account): {0}"
    )]
    Organization(String),
}

/// The one HTTPS client of the process: without it every service client of every region built
/// its own (its own TLS setup and parsed root store, about 70 KB each; a megabyte at four
/// regions). It also trusts the PEM certificates in `AWS_CA_BUNDLE` (the system's roots stay
/// trusted) and takes the SDK's proxy settings from the environment, as the SDK's own default
/// does.
fn http_client() -> Result<aws_sdk_rds::config::SharedHttpClient, ConfigError> {
    static CLIENT: std::sync::OnceLock<aws_sdk_rds::config::SharedHttpClient> = std::sync::OnceLock::new();
    if let Some(c) = CLIENT.get() {
        return Ok(c.clone());
    }
    let client = build_http_client()?;
    Ok(CLIENT.get_or_init(|| client).clone())
}

fn build_http_client() -> Result<aws_sdk_rds::config::SharedHttpClient, ConfigError> {
    use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
    use aws_smithy_http_client::{Builder, ConnectorBuilder, proxy::ProxyConfig};
    let bundle = std::env::var_os("AWS_CA_BUNDLE").filter(|p| !p.is_empty());
    let named =
        || bundle.as_ref().map_or_else(|| "(system roots)".into(), |p| p.to_string_lossy().into_owned());
    let mut trust = TrustStore::default();
    if let Some(path) = &bundle {
        let pem = std::fs::read(path).map_err(|source| ConfigError::CaBundle { path: named(), source })?;
        trust = trust.with_pem_certificate(pem);
    }
    let context =
        TlsContext::builder().with_trust_store(trust).build().map_err(|e| ConfigError::CaBundle {
            path: named(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
        })?;
    Ok(Builder::new().build_with_connector_fn(move |settings, components| {
        let mut conn = ConnectorBuilder::default()
            .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc))
            .tls_context(context.clone());
        conn.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            conn.set_sleep_impl(c.sleep_impl());
        }
        conn.set_proxy_config(Some(ProxyConfig::from_env()));
        conn.build()
    }))
}

/// The shared SDK configuration of one profile (None: the default chain), in `region` when
/// given, with dbfleet's retries and timeouts, the endpoint override and the CA bundle.
pub async fn sdk_config(
    profile: Option<&str>,
    region: Option<&str>,
    opts: &LiveOptions,
) -> Result<aws_config::SdkConfig, ConfigError> {
    let mut l =
        aws_config::defaults(BehaviorVersion::latest()).retry_config(retry()).timeout_config(timeouts(opts));
    if let Some(p) = profile {
        l = l.profile_name(p);
    }
    if let Some(u) = opts.endpoint_url.as_deref() {
        l = l.endpoint_url(u);
    }
    if let Some(c) = opts.static_credentials.clone() {
        l = l.credentials_provider(c);
    }
    l = l.http_client(http_client()?);
    if let Some(r) = region {
        l = l.region(Region::new(r.to_string()));
    }
    Ok(l.load().await)
}

/// The RDS client dbfleet uses: it refuses a truncated XML answer (`CompleteXmlBody`).
pub fn rds_client(conf: &aws_config::SdkConfig) -> aws_sdk_rds::Client {
    aws_sdk_rds::Client::from_conf(
        aws_sdk_rds::config::Builder::from(conf).interceptor(CompleteXmlBody).build(),
    )
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
    let mut out = Vec::new();
    let regions = regions_of(profile, opts).await?;
    // One configuration loaded, the others derived from it: every region shares its HTTP
    // client (one TLS setup and root store, a megabyte at four regions when each had its own)
    // and its credentials provider.
    let Some(first) = regions.first() else { return Ok(out) };
    let base = sdk_config(profile, Some(first), opts).await?;
    for region in regions {
        let conf = base.to_builder().region(Region::new(region.clone())).build();
        out.push(Clients {
            profile: profile.map(String::from),
            region,
            rds: rds_client(&conf),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&conf),
            kafka: aws_sdk_kafka::Client::new(&conf),
        });
    }
    Ok(out)
}

/// Clients for one account in one region, through its role.
pub fn for_account(
    account: &super::accounts::Account,
    region: &str,
    base: &aws_config::SdkConfig,
) -> Clients {
    let conf = base
        .to_builder()
        .region(Region::new(region.to_string()))
        .credentials_provider(account.provider())
        .build();
    Clients {
        profile: None,
        region: region.to_string(),
        rds: rds_client(&conf),
        cloudwatch: aws_sdk_cloudwatch::Client::new(&conf),
        kafka: aws_sdk_kafka::Client::new(&conf),
    }
}

/// The regions asked for, or the profile's own.
pub async fn regions_of(profile: Option<&str>, opts: &LiveOptions) -> Result<Vec<String>, ConfigError> {
    if !opts.regions.is_empty() {
        return Ok(opts.regions.clone());
    }
    match sdk_config(profile, None, opts).await?.region() {
        Some(r) => Ok(vec![r.to_string()]),
        None => Err(ConfigError::NoRegion(profile.unwrap_or("default").to_string())),
    }
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
