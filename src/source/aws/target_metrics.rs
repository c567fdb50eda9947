//! One target's metrics: the plan for the merged inventory (cached while the inventory is
//! the same), fetched since the last datapoint, the older history a chunk a poll.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use super::calls::CallCounter;
use super::cloudwatch;
use super::errors::Origin;
use super::plan;
use super::target::{CachedPlan, Target};
use super::{LiveOptions, OVERLAP};
use crate::domain::capability::Capability;
use crate::domain::metrics::SeriesUpdate;
use crate::domain::model::Inventory;
use crate::domain::snapshot::{Service, SourceError};

impl Target {
    /// This target's planned metrics since its last datapoint (the first time: the recent
    /// window, then the older history a chunk a poll). Records the metrics capability.
    pub async fn fetch_metrics(
        &mut self,
        inv: &Arc<Inventory>,
        opts: &LiveOptions,
        calls: &CallCounter,
        now: Timestamp,
    ) -> (Vec<SeriesUpdate>, Vec<SourceError>) {
        let region = self.clients.region.clone();
        let account = self.account.clone();
        if self.metrics_elsewhere {
            // Read through the region's monitoring account.
            return (Vec::new(), Vec::new());
        }
        if !self.plan.as_ref().is_some_and(|p| Arc::ptr_eq(&p.inventory, inv)) {
            let queries: Vec<_> = match &self.monitor {
                // A monitoring account: every linked account's queries, each with its AccountId.
                Some(linked) => plan::plan(inv, &region)
                    .into_iter()
                    .filter_map(|mut q| {
                        let owner = account_of(&q.key.resource)?.to_string();
                        linked.contains(&owner).then(|| {
                            q.account = Some(owner);
                            q
                        })
                    })
                    .collect(),
                None => plan::plan(inv, &region)
                    .into_iter()
                    .filter(|q| {
                        account.is_none()
                            || account_of(&q.key.resource).is_none_or(|a| Some(a) == account.as_deref())
                    })
                    .collect(),
            };
            self.plan = Some(CachedPlan { inventory: inv.clone(), queries });
        }
        let Some(cached) = &self.plan else { return (Vec::new(), Vec::new()) };
        if cached.queries.is_empty() {
            self.metrics_until = Some(now);
            return (Vec::new(), Vec::new());
        }
        let history = SignedDuration::try_from(opts.history).unwrap_or(SignedDuration::from_hours(3));
        let chunk = opts.first_window.and_then(|w| SignedDuration::try_from(w).ok()).filter(|w| w < &history);
        // One older chunk per poll after the first, until the history is whole: `[from, until)`.
        let older = match (self.metrics_until, self.backfill, chunk) {
            (Some(_), Some((oldest, until)), Some(w)) => {
                Some((until.checked_sub(w).unwrap_or(oldest).max(oldest), until, oldest))
            }
            _ => None,
        };
        let start = match self.metrics_until {
            Some(t) => t.checked_sub(OVERLAP).unwrap_or(t),
            None => {
                let oldest = now.checked_sub(history).unwrap_or(now);
                match chunk {
                    Some(w) => {
                        let start = now.checked_sub(w).unwrap_or(now);
                        self.backfill = Some((oldest, start));
                        start
                    }
                    None => oldest,
                }
            }
        };
        let origin = Origin {
            account: account.as_deref(),
            region: &region,
            service: Service::CloudWatch,
            operation: "",
        };
        let fetch = |from: Timestamp, until: Timestamp| {
            cloudwatch::fetch(
                &self.clients.cloudwatch,
                &origin,
                &cached.queries,
                opts.period_secs,
                from,
                until,
                calls,
                now,
            )
        };
        // Backfill polls follow each other within seconds: the recent window is asked again
        // only once a period has passed (each ask re-bills every metric).
        let recent_due = older.is_none()
            || self
                .metrics_until
                .is_none_or(|t| now.duration_since(t).as_secs() >= i64::from(opts.period_secs));
        let (mut updates, mut errors) =
            if recent_due { fetch(start, now).await } else { (Vec::new(), Vec::new()) };
        let ok = recent_due && errors.is_empty();
        if let Some((from, until, oldest)) = older {
            let (points, e) = fetch(from, until).await;
            if e.is_empty() {
                self.backfill = (from > oldest).then_some((oldest, from));
            }
            updates.extend(points);
            errors.extend(e);
        }
        if ok {
            self.metrics_until = Some(now);
        }
        let errors: Vec<SourceError> = errors
            .into_iter()
            .map(|mut e| {
                e.capability = Some(Capability::Metrics);
                e
            })
            .collect();
        if recent_due {
            let first = errors.first().cloned();
            let mut none = Vec::new();
            self.settle(Capability::Metrics, first, &mut none, now);
        }
        (updates, errors)
    }
}

/// The account owning a resource ARN, from the ARN itself.
fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}
