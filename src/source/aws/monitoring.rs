//! A CloudWatch monitoring account (cross-account observability): one target per region whose
//! GetMetricData reads the metrics of every linked account (`AccountId` on each query), so
//! calls per poll grow with queries, not with accounts. Which accounts are linked is learned
//! from ListMetrics with `IncludeLinkedAccounts` (its `OwningAccounts`); an account that is not
//! linked keeps reading its own metrics.

use std::collections::BTreeSet;

use jiff::Timestamp;

use super::calls::{CallCounter, ops};
use super::errors::{Origin, from_sdk};
use super::paging;
use crate::domain::snapshot::{ErrorKind, Service, SourceError};

/// The namespaces an RDS-family instance publishes its CPU in: any one metric per instance
/// shows its account is linked.
const PROBES: [&str; 3] = ["AWS/RDS", "AWS/DocDB", "AWS/Neptune"];

/// The accounts whose metrics this monitoring account can read in its region.
pub async fn linked_accounts(
    cw: &aws_sdk_cloudwatch::Client,
    region: &str,
    account: Option<&str>,
    calls: &CallCounter,
    now: Timestamp,
) -> Result<BTreeSet<String>, SourceError> {
    let op = ops::LIST_METRICS;
    let origin = Origin { account, region, service: Service::CloudWatch, operation: op };
    let mut out = BTreeSet::new();
    for ns in PROBES {
        let mut token: Option<String> = None;
        for pages in 1.. {
            calls.call(op);
            let sent = token.take();
            let page = cw
                .list_metrics()
                .namespace(ns)
                .metric_name("CPUUtilization")
                .include_linked_accounts(true)
                .set_next_token(sent.clone())
                .send()
                .await
                .map_err(|e| from_sdk(&origin, &e, now))?;
            out.extend(page.owning_accounts().iter().cloned());
            token = paging::next_token(sent.as_deref(), page.next_token(), pages)
                .map_err(|m| origin.error(ErrorKind::Malformed, m, now))?;
            if token.is_none() {
                break;
            }
        }
    }
    // The monitoring account's own metrics carry no OwningAccount: it is always readable.
    out.extend(account.map(String::from));
    Ok(out)
}
