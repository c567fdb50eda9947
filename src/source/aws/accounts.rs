//! Many accounts through one set of credentials: the accounts to watch (flags, config, or the
//! organization's active ones), a role assumed in each (the SDK's assume-role provider, its
//! credentials shared by every client of the account and refreshed before they expire), and
//! the names people know them by (config, else the organization, else the account alias).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::sts::AssumeRoleProvider;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use jiff::Timestamp;

use super::LiveOptions;
use super::clients::ConfigError;
use crate::domain::accounts::{Accounts, NameSource};
use crate::domain::snapshot::{ErrorKind, Service, SourceError};

/// Credentials this close to expiry are refreshed before the next call.
const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);

/// A role's credentials, fetched once for all of an account's clients (each client would
/// otherwise assume the role itself) and refreshed before they expire.
#[derive(Debug)]
pub struct SharedRole {
    pub role_arn: String,
    inner: AssumeRoleProvider,
    cached: tokio::sync::Mutex<Option<Credentials>>,
}

impl SharedRole {
    pub async fn new(role_arn: &str, external_id: Option<&str>, base: &aws_config::SdkConfig) -> SharedRole {
        let mut b = AssumeRoleProvider::builder(role_arn).session_name("dbfleet").configure(base);
        if let Some(x) = external_id {
            b = b.external_id(x);
        }
        SharedRole {
            role_arn: role_arn.to_string(),
            inner: b.build().await,
            cached: tokio::sync::Mutex::new(None),
        }
    }

    async fn credentials(&self) -> aws_credential_types::provider::Result {
        let mut cached = self.cached.lock().await;
        let fresh = |c: &Credentials| c.expiry().is_none_or(|e| e > SystemTime::now() + REFRESH_BEFORE);
        if let Some(c) = cached.as_ref().filter(|c| fresh(c)) {
            return Ok(c.clone());
        }
        let c = self.inner.provide_credentials().await?;
        *cached = Some(c.clone());
        Ok(c)
    }
}

/// The clients' handle on an account's shared role.
#[derive(Debug)]
struct RoleRef(Arc<SharedRole>);

impl ProvideCredentials for RoleRef {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.0.credentials())
    }
}

/// One account watched through an assumed role.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    /// The regions to watch in it (its own list, else the run's).
    pub regions: Vec<String>,
    pub role: Arc<SharedRole>,
}

impl Account {
    pub fn provider(&self) -> SharedCredentialsProvider {
        SharedCredentialsProvider::new(RoleRef(self.role.clone()))
    }

    /// Whether the role can be assumed now (cached credentials answer at once); the error
    /// names the account and the role, once for the account, not once per call.
    pub async fn check(&self, now: Timestamp) -> Result<(), SourceError> {
        self.role.credentials().await.map(|_| ()).map_err(|e| {
            let why = aws_sdk_rds::error::DisplayErrorContext(&e).to_string();
            let kind = if why.contains("AccessDenied") || why.contains("not authorized") {
                ErrorKind::AccessDenied
            } else {
                ErrorKind::Credentials
            };
            SourceError {
                account: Some(self.id.clone()),
                region: self.regions.first().cloned().unwrap_or_default(),
                service: Service::Sts,
                operation: Some("AssumeRole".into()),
                kind,
                message: format!("cannot assume {}: {why}", self.role.role_arn),
                at: now,
                capability: None,
            }
        })
    }
}

/// The accounts to watch and what they are called. `base` is the configuration of the
/// credentials dbfleet runs with (the management or delegated administrator account for
/// `--org`).
pub async fn resolve(
    opts: &LiveOptions,
    base: &aws_config::SdkConfig,
) -> Result<(Vec<Account>, Accounts), ConfigError> {
    let mut names = Accounts::default();
    let mut wanted: Vec<crate::config::AccountEntry> = opts.accounts.clone();
    for a in &opts.accounts {
        if let Some(n) = &a.name {
            names.name(&a.id, n, NameSource::Config);
        }
    }
    if opts.org {
        for (id, name) in organization_accounts(base).await? {
            names.name(&id, &name, NameSource::Organization);
            if !wanted.iter().any(|a| a.id == id) {
                wanted.push(crate::config::AccountEntry::id_only(id));
            }
        }
    }
    let mut out = Vec::new();
    for a in wanted {
        let role_arn = match (&a.role_arn, &opts.assume_role) {
            (Some(arn), _) => arn.clone(),
            (None, Some(role)) => format!("arn:aws:iam::{}:role/{role}", a.id),
            (None, None) => return Err(ConfigError::NoRole(a.id.clone())),
        };
        let role = Arc::new(SharedRole::new(&role_arn, a.external_id.as_deref(), base).await);
        let regions = if a.regions.is_empty() { opts.regions.clone() } else { a.regions.clone() };
        out.push(Account { id: a.id, regions, role });
    }
    Ok((out, names))
}

/// The organization's active accounts, with their names (ListAccounts, paged).
async fn organization_accounts(base: &aws_config::SdkConfig) -> Result<Vec<(String, String)>, ConfigError> {
    // Organizations is global; its endpoint is in us-east-1.
    let conf = base.to_builder().region(aws_config::Region::new("us-east-1")).build();
    let client = aws_sdk_organizations::Client::new(&conf);
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..1000 {
        let page = client.list_accounts().set_next_token(token.take()).send().await.map_err(|e| {
            ConfigError::Organization(aws_sdk_rds::error::DisplayErrorContext(&e).to_string())
        })?;
        for a in page.accounts() {
            let active = a.status().is_none_or(|s| s.as_str() == "ACTIVE");
            if let (Some(id), true) = (a.id(), active) {
                out.push((id.to_string(), a.name().unwrap_or_default().to_string()));
            }
        }
        token = page.next_token().map(String::from);
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}

/// Each unnamed account's alias (`iam:ListAccountAliases`), read through its role; an
/// account whose alias cannot be read keeps its id.
pub async fn aliases(accounts: &[Account], names: &mut Accounts, base: &aws_config::SdkConfig) {
    let unnamed: Vec<&Account> = accounts.iter().filter(|a| names.name_of(&a.id).is_none()).collect();
    let asks = unnamed.iter().map(|a| async move {
        let conf = base
            .to_builder()
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(a.provider())
            .build();
        let client = aws_sdk_iam::Client::new(&conf);
        let alias = client.list_account_aliases().send().await.ok()?;
        alias.account_aliases().first().map(|n| (a.id.clone(), n.clone()))
    });
    for (id, alias) in futures::future::join_all(asks).await.into_iter().flatten() {
        names.name(&id, &alias, NameSource::Alias);
    }
}
