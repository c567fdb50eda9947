//! A CloudWatch monitoring account (cross-account observability): one target per region whose
//! GetMetricData reads the metrics of every linked account (`AccountId` on each query), so
//! calls per poll grow with queries, not with accounts. Which accounts are linked is learned
//! from ListMetrics with `IncludeLinkedAccounts` (its `OwningAccounts`); an account that is not
//! linked keeps reading its own metrics.

use std::collections::BTreeSet;

use jiff::Timestamp;

use aws_sdk_cloudwatch::operation::list_metrics::builders::ListMetricsFluentBuilder;

use super::calls::{CallCounter, ops};
use super::cloudwatch;
use super::errors::Origin;
use crate::domain::snapshot::{Service, SourceError};

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
    let origin = Origin { account, region, service: Service::CloudWatch, operation: ops::LIST_METRICS };
    let mut out = BTreeSet::new();
    for ns in PROBES {
        let request = |b: ListMetricsFluentBuilder| {
            b.namespace(ns).metric_name("CPUUtilization").include_linked_accounts(true)
        };
        cloudwatch::list_metrics(cw, &origin, calls, now, request, |page| {
            out.extend(page.owning_accounts().iter().cloned())
        })
        .await?;
    }
    // The monitoring account's own metrics carry no OwningAccount: it is always readable.
    out.extend(account.map(String::from));
    Ok(out)
}
