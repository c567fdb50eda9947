//! One target's metrics: the plan for the merged inventory (cached while the inventory is
//! the same) with a freshness clock per query, the queries the source's schedule marked due
//! fetched since their last request, the older history a chunk a poll.

use std::collections::HashMap;

use crate::domain::sym::Sym;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use super::calls::CallCounter;
use super::cloudwatch;
use super::errors::Origin;
use super::plan::{self, MetricQuery};
use super::target::{CachedPlan, Target};
use super::{LiveOptions, OVERLAP};
use crate::domain::capability::Capability;
use crate::domain::freshness::{Demand, SeriesClock};
use crate::domain::metrics::{SeriesKey, SeriesUpdate};
use crate::domain::model::Inventory;
use crate::domain::snapshot::{Service, SourceError};

impl Target {
    /// Reads its own metrics (not through a monitoring account).
    pub fn reads_metrics(&self) -> bool {
        !self.metrics_elsewhere
    }

    /// The plan for `inv`, rebuilt when the inventory changed. A query kept across a rebuild
    /// keeps its clock; a new one (an instance just created) starts from this target's last
    /// fetch, as the rest of its fleet did, or while older history is still coming a chunk a
    /// poll, from where the chunks end (the dashboard's start plans MSK groups a poll after
    /// the first window: their first half hour is not lost).
    pub fn ensure_plan(&mut self, inv: &Arc<Inventory>) {
        if !self.reads_metrics() || self.plan.as_ref().is_some_and(|p| Arc::ptr_eq(&p.inventory, inv)) {
            return;
        }
        let region = self.clients.region.clone();
        let account = self.account.clone();
        let queries: Vec<MetricQuery> = match &self.monitor {
            // A monitoring account: every linked account's queries, each with its AccountId.
            // One shared id per linked account (sorted, as the set is), not a copy per query.
            Some(linked) => {
                let owners: Vec<Sym> = linked.iter().map(Sym::from).collect();
                plan::plan(inv, &region)
                    .into_iter()
                    .filter_map(|mut q| {
                        let owner = account_of(&q.key.resource)?;
                        let i = owners.binary_search_by(|o| o.as_str().cmp(owner)).ok()?;
                        q.account = Some(owners[i].clone());
                        Some(q)
                    })
                    .collect()
            }
            None => plan::plan(inv, &region)
                .into_iter()
                .filter(|q| {
                    account.is_none()
                        || account_of(&q.key.resource).is_none_or(|a| Some(a) == account.as_deref())
                })
                .collect(),
        };
        let kept: HashMap<&SeriesKey, Option<Timestamp>> = self
            .plan
            .iter()
            .flat_map(|p| p.queries.iter().map(|q| &q.key).zip(p.last.iter().copied()))
            .collect();
        let new_from = match self.backfill {
            Some((_, from)) => Some(from),
            None => self.metrics_until,
        };
        let last = queries.iter().map(|q| kept.get(&q.key).copied().unwrap_or(new_from)).collect();
        let due = vec![false; queries.len()];
        self.plan = Some(CachedPlan { inventory: inv.clone(), queries, last, due });
        self.backfill_done = 0;
    }

    /// The chunk of older history this target is on (its `until`) and how many of its
    /// queries are still to ask; None once the history is whole.
    pub fn backfill_left(&self) -> Option<(Timestamp, usize)> {
        let (_, until) = self.backfill?;
        let plan = self.plan.as_ref().filter(|_| self.reads_metrics())?;
        Some((until, plan.queries.len().saturating_sub(self.backfill_done)))
    }

    /// Each planned query's freshness, for the source's schedule (in plan order). Staggered
    /// by resource: a cold instance's series come due together, so its row's readings have
    /// one age.
    pub fn clocks<'a>(&'a self, demand: &'a Demand) -> impl Iterator<Item = SeriesClock> + 'a {
        self.plan.iter().flat_map(move |p| {
            let mut ordinal = 0u32;
            let mut prev: Option<(&str, Option<&str>)> = None;
            p.queries.iter().zip(&p.last).map(move |(q, last)| {
                let subject = (q.key.resource.as_str(), q.key.group.as_deref());
                if prev.is_some_and(|p| p != subject) {
                    ordinal = ordinal.wrapping_add(1);
                }
                prev = Some(subject);
                SeriesClock { hot: demand.reason(&q.key), last: *last, stagger: ordinal }
            })
        })
    }

    /// Mark which planned queries this poll asks for (`due` in plan order; returns the rest).
    pub fn set_due<'d>(&mut self, due: &'d [bool]) -> &'d [bool] {
        let Some(p) = &mut self.plan else { return due };
        let (mine, rest) = due.split_at(p.due.len().min(due.len()));
        p.due.copy_from_slice(mine);
        rest
    }

    /// This target's due queries since their last request (the first time: the recent
    /// window), and the older history a chunk at a time, `share` of its queries a poll (what
    /// `backfill_shares` gave it). Records the metrics capability when anything was asked.
    pub async fn fetch_metrics(
        &mut self,
        opts: &LiveOptions,
        calls: &CallCounter,
        now: Timestamp,
        share: usize,
    ) -> (Vec<SeriesUpdate>, Vec<SourceError>) {
        let region = self.clients.region.clone();
        let account = self.account.clone();
        let Some(cached) = self.plan.as_ref().filter(|_| self.reads_metrics()) else {
            return (Vec::new(), Vec::new());
        };
        if cached.queries.is_empty() {
            self.metrics_until = Some(now);
            // Nothing to backfill: a plan that became empty does not keep the polls coming.
            self.backfill = None;
            return (Vec::new(), Vec::new());
        }
        let history = SignedDuration::try_from(opts.history).unwrap_or(SignedDuration::from_hours(3));
        let oldest = now.checked_sub(history).unwrap_or(now);
        let chunk = opts.first_window.and_then(|w| SignedDuration::try_from(w).ok()).filter(|w| w < &history);
        // Older history after the first poll, a chunk `[from, until)` at a time, as much of
        // its queries as this poll's allowance, until the history is whole.
        let older = match (self.metrics_until, self.backfill, chunk) {
            (Some(_), Some((oldest, until)), Some(w))
                if share > 0 || self.backfill_done >= cached.queries.len() =>
            {
                Some((until.checked_sub(w).unwrap_or(oldest).max(oldest), until, oldest))
            }
            _ => None,
        };
        let due: Vec<usize> = (0..cached.queries.len()).filter(|&i| cached.due[i]).collect();
        // From the oldest last request among them (a cold series' minutes since it was last
        // asked: none lost), never further back than the history.
        let since = due.iter().map(|&i| cached.last[i]).min().flatten();
        let start = match (since, self.metrics_until) {
            (Some(t), _) => t.checked_sub(OVERLAP).unwrap_or(t).max(oldest),
            (None, Some(t)) => t.checked_sub(OVERLAP).unwrap_or(t).max(oldest),
            (None, None) => match chunk {
                Some(w) => {
                    let start = now.checked_sub(w).unwrap_or(now);
                    self.backfill = Some((oldest, start));
                    start
                }
                None => oldest,
            },
        };
        let origin = Origin {
            account: account.as_deref(),
            region: &region,
            service: Service::CloudWatch,
            operation: "",
        };
        let Some(cached) = &self.plan else { return (Vec::new(), Vec::new()) };
        let asked: Vec<&MetricQuery> = due.iter().map(|&i| &cached.queries[i]).collect();
        let recent = if asked.is_empty() {
            None
        } else {
            Some(
                cloudwatch::fetch(
                    &self.clients.cloudwatch,
                    &origin,
                    &asked,
                    opts.period_secs,
                    start,
                    now,
                    calls,
                    now,
                )
                .await,
            )
        };
        let mut updates = Vec::new();
        let mut errors = Vec::new();
        if let Some((from, until, oldest)) = older {
            let part = self.backfill_done.min(cached.queries.len())
                ..(self.backfill_done + share).min(cached.queries.len());
            let r = cloudwatch::fetch(
                &self.clients.cloudwatch,
                &origin,
                &cached.queries[part.clone()],
                opts.period_secs,
                from,
                until,
                calls,
                now,
            )
            .await;
            if r.errors.is_empty() {
                self.backfill_done = part.end;
                if part.end >= cached.queries.len() {
                    self.backfill_done = 0;
                    self.backfill = (from > oldest).then_some((oldest, from));
                }
            }
            updates.extend(r.updates);
            errors.extend(r.errors);
        }
        let Some(recent) = recent else {
            return (updates, tag(errors));
        };
        // Each query whose answer is whole is fresh as of now; the others are asked again
        // from where they were.
        if let Some(p) = &mut self.plan {
            for (&i, whole) in due.iter().zip(&recent.whole) {
                if *whole {
                    p.last[i] = Some(now);
                }
            }
        }
        if recent.errors.is_empty() {
            self.metrics_until = Some(now);
        }
        // `settle` tags the error with its capability.
        let first = recent.errors.first().cloned();
        updates.extend(recent.updates);
        errors.extend(recent.errors);
        let mut none = Vec::new();
        self.settle(Capability::Metrics, first, &mut none, now);
        (updates, tag(errors))
    }
}

fn tag(errors: Vec<SourceError>) -> Vec<SourceError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.capability = Some(Capability::Metrics);
            e
        })
        .collect()
}

/// The account owning a resource ARN, from the ARN itself.
fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}
