//! The live AWS source: for each account (profile) and region, the RDS and MSK inventory
//! (refreshed every few minutes, not every poll, with the writers' load profiles and the
//! engines' support dates on slower cycles of their own) and the planned CloudWatch metrics
//! (every poll, only the minutes since the last datapoint). Targets are polled concurrently
//! with a bound; a failing target keeps its last good inventory and reports its error.

pub mod accounts;
pub mod calls;
pub mod clients;
pub mod cloudwatch;
pub mod convert;
pub mod errors;
pub mod event_refresh;
pub mod events;
pub mod kafka;
pub mod monitoring;
pub mod pace;
pub mod paging;
pub mod plan;
pub mod profiles;
pub mod rds;
pub mod target;
mod target_metrics;
mod target_params;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use jiff::{SignedDuration, Timestamp};

use self::calls::CallCounter;
use self::target::Target;
use super::{FleetSource, PollFailure, PollFuture};
use crate::domain::freshness::{self, CostSettings, Demand, Schedule, SeriesClock};
use crate::domain::model::Inventory;
use crate::domain::snapshot::{ApiStats, FleetSnapshot, SourceError, SourceInfo, SourceKind};
use crate::domain::topology::{assign_roles, link_global_clusters};

#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// Profiles to watch side by side (`None`: the default credential chain).
    pub profiles: Vec<Option<String>>,
    /// Regions; empty means each profile's own region.
    pub regions: Vec<String>,
    pub endpoint_url: Option<String>,
    /// Poll interval (for the cost estimate).
    pub refresh: Duration,
    /// How often the smaller lists are described again (MSK clusters, alarms) and what
    /// depends on the instances. Pending maintenance, blue/green deployments and global
    /// databases change over days: they come with every `full_describe_every` list and when an
    /// event announces a change (`Target::describe_named`).
    pub inventory_every: Duration,
    /// How often every instance and cluster is listed again. In between, each RDS event
    /// (asked every poll) that names an instance or a cluster describes just that one again
    /// (`event_refresh`): at 5,000 instances a full list is 51 pages and half a second of
    /// XML decoding, a targeted one a page of a few instances.
    pub full_describe_every: Duration,
    /// How often consumer groups are rediscovered (ListMetrics).
    pub discovery_every: Duration,
    /// History fetched for the charts.
    pub history: Duration,
    /// `Some(w)`: the first poll fetches only the last `w` and the older history follows in
    /// chunks of `w`, one per poll (`FleetSource::backfill_pending` asks for them at once).
    /// The first screen comes sooner and a 5,000-instance fleet's three hours are never held
    /// twice over (once in a snapshot, once in the model). `None`: all of it in the first poll
    /// (one-shot commands, time travel).
    pub first_window: Option<Duration>,
    /// Points of older history a poll asks at most (`BACKFILL_POINTS_PER_POLL`).
    pub backfill_points_per_poll: usize,
    /// Period of the metric queries: 60 s (CloudWatch keeps 1-minute data 15 days); time
    /// travel further back asks for 300 (63 days) or 3600.
    pub period_secs: u32,
    /// Targets (account x region) polled at once. Each has its own RDS pace, so this bounds
    /// sockets and memory in flight, not any one account's request rate: 16, so 40 accounts
    /// in four regions take ten rounds rather than forty.
    pub concurrency: usize,
    /// Per-attempt and whole-operation timeouts (retries included).
    pub attempt_timeout: Duration,
    pub operation_timeout: Duration,
    /// MaxRecords of Describe calls (AWS allows 20..100).
    pub page_size: i32,
    /// Fixed credentials instead of the default chain (embedding and tests).
    pub static_credentials: Option<aws_sdk_rds::config::Credentials>,
    /// RDS events fetched on the first poll: 14 days (all RDS keeps); time travel asks for
    /// its window. Later polls ask only since the newest fetch.
    pub events_lookback: Duration,
    /// Accounts watched through an assumed role (config `[[accounts]]` and `--accounts`).
    pub accounts: Vec<crate::config::AccountEntry>,
    /// The role name assumed in each account that has no `role_arn` of its own.
    pub assume_role: Option<String>,
    /// Every active account of the organization too.
    pub org: bool,
    /// The profile of a CloudWatch monitoring account that reads every linked account's
    /// metrics.
    pub monitoring_profile: Option<String>,
    /// How often cold series are fetched, and the budget (`[cost]`).
    pub cost: CostSettings,
}

impl LiveOptions {
    /// Accounts reached through roles rather than one profile each.
    pub fn through_roles(&self) -> bool {
        self.org || !self.accounts.is_empty()
    }
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            profiles: vec![None],
            regions: Vec::new(),
            endpoint_url: None,
            refresh: Duration::from_secs(60),
            inventory_every: Duration::from_secs(300),
            full_describe_every: Duration::from_secs(1800),
            discovery_every: Duration::from_secs(900),
            history: Duration::from_secs(3 * 3600),
            first_window: None,
            period_secs: 60,
            concurrency: 16,
            static_credentials: None,
            page_size: 100,
            attempt_timeout: Duration::from_secs(25),
            operation_timeout: Duration::from_secs(60),
            backfill_points_per_poll: BACKFILL_POINTS_PER_POLL,
            events_lookback: Duration::from_secs(crate::domain::events::EVENT_RETENTION_SECS as u64),
            accounts: Vec::new(),
            assume_role: None,
            org: false,
            monitoring_profile: None,
            cost: CostSettings::default(),
        }
    }
}

/// Re-fetch this much before the newest datapoint: CloudWatch revises the last minutes.
pub(crate) const OVERLAP: SignedDuration = SignedDuration::from_secs(5 * 60);

pub struct LiveSource {
    opts: LiveOptions,
    targets: Vec<Target>,
    /// Accounts reached through roles (empty: one profile each).
    accounts: Vec<accounts::Account>,
    /// Account names from config, the organization and the aliases.
    names: crate::domain::accounts::Accounts,
    calls: Arc<CallCounter>,
    inventory: Arc<Inventory>,
    /// Sum of the targets' generations the current `inventory` was merged at.
    merged_generation: Option<u64>,
    /// A poll has passed the inventory phase (the dashboard's first sends only inventories).
    metrics_begun: bool,
    /// Polls of the dashboard's start, up to 3: the first two ask the instances and clusters
    /// alone (the fleet, then its first metrics), the third the rest, at once.
    core_polls: u8,
    /// The last poll sent only inventories: the next one is due at once.
    metrics_next: bool,
    /// What the screen needs fresh (the dashboard's demand; empty: only lag is hot).
    demand: Arc<Demand>,
    /// `r`: the next poll asks for every series.
    force: bool,
    info: SourceInfo,
}

impl LiveSource {
    /// Build the clients for every profile x region. Fails only on configuration errors
    /// (no region anywhere); unreachable endpoints show up as poll errors.
    pub async fn connect(opts: LiveOptions) -> Result<LiveSource, clients::ConfigError> {
        let mut targets = Vec::new();
        let mut roles = Vec::new();
        let mut names = crate::domain::accounts::Accounts::default();
        if opts.through_roles() {
            // One set of credentials (the first profile, else the default chain) assumes a
            // role in each account.
            let profile = opts.profiles.first().cloned().flatten();
            let regions = clients::regions_of(profile.as_deref(), &opts).await?;
            let base =
                clients::sdk_config(profile.as_deref(), regions.first().map(String::as_str), &opts).await?;
            let opts_regions = LiveOptions { regions: regions.clone(), ..opts.clone() };
            let (found, mut learned) = accounts::resolve(&opts_regions, &base).await?;
            accounts::aliases(&found, &mut learned, &base).await;
            for (i, a) in found.iter().enumerate() {
                for region in &a.regions {
                    let mut t = Target::new(clients::for_account(a, region, &base));
                    t.account = Some(a.id.clone());
                    t.account_index = Some(i);
                    targets.push(t);
                }
            }
            roles = found;
            names = learned;
        } else {
            for profile in &opts.profiles {
                for c in clients::for_profile(profile.as_deref(), &opts).await? {
                    targets.push(Target::new(c));
                }
            }
        }
        let regions: BTreeSet<String> = targets.iter().map(|t| t.clients.region.clone()).collect();
        // A monitoring account: one metrics target per region the fleet is watched in.
        if let Some(p) = &opts.monitoring_profile {
            let in_regions = LiveOptions { regions: regions.iter().cloned().collect(), ..opts.clone() };
            let conf = clients::sdk_config(Some(p), regions.iter().next().map(String::as_str), &opts).await?;
            let id = aws_sdk_sts::Client::new(&conf)
                .get_caller_identity()
                .send()
                .await
                .ok()
                .and_then(|o| o.account().map(String::from));
            for c in clients::for_profile(Some(p), &in_regions).await? {
                let mut t = Target::new(c);
                t.account = id.clone();
                t.monitor = Some(BTreeSet::new());
                targets.push(t);
            }
        }
        let profiles: Vec<String> =
            opts.profiles.iter().map(|p| p.clone().unwrap_or_else(|| "default chain".into())).collect();
        let label = match (&opts.assume_role, roles.len()) {
            (_, 0) => format!("aws {}", profiles.join("+")),
            (Some(role), n) => format!("aws {n} accounts as {role}"),
            (None, n) => format!("aws {n} accounts"),
        };
        let info = SourceInfo {
            kind: SourceKind::Live,
            label,
            regions: regions.into_iter().collect(),
            accounts: Vec::new(),
        };
        Ok(LiveSource {
            opts,
            targets,
            accounts: roles,
            names,
            calls: Arc::new(CallCounter::default()),
            inventory: Arc::new(Inventory::default()),
            merged_generation: None,
            metrics_begun: false,
            core_polls: 0,
            metrics_next: false,
            demand: Arc::new(Demand::default()),
            force: false,
            info,
        })
    }

    /// Give each target the kept inventory's instances (the same allocations, roles and
    /// names derived), in the order it contributed them: the next merge then finds them
    /// unchanged and shares them again instead of copying 5,000 instances. A refresh that
    /// changed nothing drops its fresh copies here.
    fn share_instances(&mut self, kept: &Inventory) {
        let mut rest = kept.instances.as_slice();
        for t in &mut self.targets {
            let Some(own) = &mut t.instances else { continue };
            let (mine, later) = rest.split_at(own.len().min(rest.len()));
            if mine.len() == own.len() && mine.iter().zip(own.iter()).all(|(m, o)| m.arn == o.arn) {
                own.clone_from_slice(mine);
            }
            rest = later;
        }
    }

    /// Merge the targets' inventories again when any of them moved (merging and comparing
    /// 5,000 instances costs milliseconds: only after a refresh that changed something).
    fn merge_if_moved(&mut self) {
        let generation: u64 = self.targets.iter().map(|t| t.generation).sum();
        if self.merged_generation == Some(generation) {
            return;
        }
        let merged = self.merged_inventory();
        if *self.inventory != merged {
            self.inventory = Arc::new(merged);
        }
        // The one kept (the old one when nothing changed): the targets share its copies.
        let kept = self.inventory.clone();
        self.share_instances(&kept);
        self.merged_generation = Some(generation);
    }

    /// Merge every target's last good inventory into one, roles and global links derived,
    /// with the load profiles of the instances present and the support dates of the engine
    /// versions in use (each once).
    fn merged_inventory(&self) -> Inventory {
        let mut inv = Inventory::default();
        let mut globals: BTreeSet<String> = BTreeSet::new();
        let mut lifecycles: BTreeSet<(&str, &str)> = BTreeSet::new();
        // Sized once: grown by doubling, the lists kept up to half their room unused (a
        // megabyte of clusters at 5,000 instances) until the next merge.
        let count = |n: fn(&Target) -> usize| self.targets.iter().map(n).sum::<usize>();
        inv.instances.reserve_exact(count(|t| t.instances.as_ref().map_or(0, Vec::len)));
        inv.clusters.reserve_exact(count(|t| t.clusters.as_ref().map_or(0, Vec::len)));
        inv.pending_actions.reserve_exact(count(|t| t.pending_actions.as_ref().map_or(0, Vec::len)));
        inv.consumer_groups.reserve_exact(count(|t| t.groups.len()));
        for t in &self.targets {
            let instances = t.instances.as_deref().unwrap_or(&[]);
            for d in instances {
                if let Some(p) = t.profiles.get(d.arn.as_str()).and_then(|c| c.profile.as_ref()) {
                    inv.load_profiles.insert(d.arn.clone(), p.clone());
                }
            }
            for l in rds::lifecycles_in_use(instances, &t.engine_support) {
                if lifecycles.insert((&l.engine, &l.major_version)) {
                    inv.engine_lifecycles.push(l.clone());
                }
            }
            inv.instances.extend(instances.iter().cloned());
            inv.clusters.extend(t.clusters.iter().flatten().cloned());
            inv.pending_actions.extend(t.pending_actions.iter().flatten().cloned());
            inv.blue_green.extend(t.blue_green.iter().flatten().cloned());
            // Global databases are visible from every member region: keep each once.
            for g in t.global_clusters.iter().flatten() {
                if globals.insert(g.id.clone()) {
                    inv.global_clusters.push(g.clone());
                }
            }
            inv.parameter_groups.extend(t.parameter_groups());
            inv.kafka_clusters.extend(t.msk_clusters.iter().flatten().cloned());
            inv.consumer_groups.extend(t.groups.iter().cloned());
            inv.alarms.extend(t.alarms.iter().flatten().cloned());
        }
        for (id, name) in self.names.names() {
            inv.account_names.insert(id.to_string(), name.to_string());
        }
        inv.name_accounts();
        link_global_clusters(&mut inv);
        // Pending actions are account-wide per region; the same one can arrive twice.
        inv.pending_actions.sort_by(|a, b| (&a.resource_arn, &a.action).cmp(&(&b.resource_arn, &b.action)));
        inv.pending_actions.dedup_by(|a, b| a.resource_arn == b.resource_arn && a.action == b.action);
        inv.engine_lifecycles
            .sort_by(|a, b| (&a.engine, &a.major_version).cmp(&(&b.engine, &b.major_version)));
        assign_roles(&mut inv);
        inv
    }

    pub async fn poll_once(&mut self, now: Timestamp) -> Result<FleetSnapshot, PollFailure> {
        let opts = self.opts.clone();
        let calls = self.calls.clone();
        let bound = opts.concurrency.max(1);

        // Phase 0: the roles. An account whose role cannot be assumed is one error, and its
        // targets keep their last data (marked stale) instead of failing call by call.
        let checks = self.accounts.iter().map(|a| a.check(now));
        let role_errors: Vec<Option<SourceError>> =
            futures::future::join_all(checks).await.into_iter().map(Result::err).collect();
        let usable =
            |t: &Target| t.account_index.is_none_or(|i| role_errors.get(i).is_none_or(Option::is_none));
        // Phase 1: inventories that are due, all targets at once (bounded).
        // The targets are collected first: a `filter` or `map` closure over `&mut Target`
        // held across an await trips the compiler's higher-ranked Send check inside the boxed
        // poll future.
        // The dashboard's start asks the instances and clusters alone for its first two polls:
        // at 20,000 instances in 40 accounts the rest (events, alarms, maintenance, engine
        // versions, parameters, load profiles) is ten times as many calls, and the fleet and
        // its metrics are what the first screen needs.
        let core_only = opts.first_window.is_some() && self.core_polls < 2;
        if opts.first_window.is_some() && self.core_polls < 3 {
            self.core_polls += 1;
        }
        let due: Vec<&mut Target> =
            self.targets.iter_mut().filter(|t| usable(t) && t.monitor.is_none()).collect();
        let mut errors: Vec<SourceError> =
            bounded(due, bound, |t| t.refresh_inventory(&opts, &calls, now, core_only))
                .await
                .into_iter()
                .flatten()
                .collect();
        self.merge_if_moved();

        // The dashboard's first poll: the fleet on screen as soon as every inventory is in
        // (at 20,000 instances the metrics take as long again); they follow in the next
        // poll, asked at once (`backfill_pending`).
        let inventory_only = opts.first_window.is_some() && !self.metrics_begun;
        self.metrics_begun = true;
        self.metrics_next = inventory_only;
        let mut metrics = Vec::new();
        let mut schedule = None;
        if !inventory_only {
            // Phase 1b: which accounts each region's monitoring account reads; those
            // accounts' own targets then leave their metrics to it.
            errors.extend(self.refresh_links(&opts, &calls, now).await);
            errors.extend(self.refresh_linked_groups(&opts, &calls, now).await);
            self.merge_if_moved();
            // Phase 2: metrics for every target, planned from the merged inventory (roles
            // can depend on another region: a cross-region replica), the series due by their
            // freshness (one schedule for the whole fleet, so a budget is the fleet's).
            let inv = self.inventory.clone();
            for t in self.targets.iter_mut().filter(|t| usable(t)) {
                t.ensure_plan(&inv);
            }
            schedule = Some(self.schedule(&usable, now));
            let shares = match opts.first_window {
                Some(w) => backfill_shares(&self.targets, w, opts.period_secs, opts.backfill_points_per_poll),
                None => vec![0; self.targets.len()],
            };
            let due: Vec<(&mut Target, usize)> =
                self.targets.iter_mut().zip(shares).filter(|(t, _)| usable(t)).collect();
            for (u, e) in bounded(due, bound, |(t, share)| t.fetch_metrics(&opts, &calls, now, share)).await {
                metrics.extend(u);
                errors.extend(e);
            }
        }

        errors.extend(role_errors.into_iter().flatten());
        self.note_metric_sources();
        // An inventory-only poll's calls are counted with the metrics poll that follows it at
        // once: alone they would show a cost per hour made of one-off calls.
        let api = schedule.map(|s| {
            let (calls_map, metrics_requested) = calls.take();
            ApiStats::new(calls_map, metrics_requested, &s)
        });
        for e in &errors {
            tracing::warn!(region = %e.region, service = ?e.service, op = ?e.operation, kind = ?e.kind, "{}", e.message);
        }
        let capabilities = self.targets.iter().flat_map(|t| t.caps.values().cloned()).collect();
        let nothing = self.targets.iter().all(|t| t.instances.is_none() && t.msk_clusters.is_none());
        if nothing && !errors.is_empty() {
            return Err(PollFailure { errors, capabilities });
        }
        // Events fetched since the last snapshot (kept by the targets until one is sent).
        let events = self.targets.iter_mut().flat_map(|t| std::mem::take(&mut t.new_events)).collect();
        let mut info = self.info.clone();
        let accounts: BTreeSet<String> = self.targets.iter().filter_map(|t| t.account.clone()).collect();
        info.accounts = accounts.into_iter().collect();
        tracing::debug!(targets = ?self.targets.iter().map(Target::label).collect::<Vec<_>>(), series = metrics.len(), "poll done");
        Ok(FleetSnapshot {
            taken_at: now,
            source: info,
            inventory: self.inventory.clone(),
            metrics,
            errors,
            api,
            reset: false,
            capabilities,
            events,
        })
    }
}

impl LiveSource {
    /// Refresh each monitoring target's linked accounts when due, and mark the targets whose
    /// metrics it reads. A failed discovery keeps the last links (none yet: every account
    /// reads its own).
    async fn refresh_links(
        &mut self,
        opts: &LiveOptions,
        calls: &CallCounter,
        now: Timestamp,
    ) -> Vec<SourceError> {
        let mut errors = Vec::new();
        for t in self.targets.iter_mut().filter(|t| t.monitor.is_some()) {
            if !Target::due(t.groups_at, opts.discovery_every, now) {
                continue;
            }
            let found = monitoring::linked_accounts(
                &t.clients.cloudwatch,
                &t.clients.region,
                t.account.as_deref(),
                calls,
                now,
            )
            .await;
            match found {
                Ok(linked) => {
                    if t.monitor.as_ref() != Some(&linked) {
                        t.plan = None;
                    }
                    t.monitor = Some(linked);
                    t.groups_at = Some(now);
                }
                Err(mut e) => {
                    e.capability = Some(crate::domain::capability::Capability::Metrics);
                    errors.push(e);
                }
            }
        }
        let links: Vec<(String, BTreeSet<String>, Option<String>)> = self
            .targets
            .iter()
            .filter_map(|t| Some((t.clients.region.clone(), t.monitor.clone()?, t.account.clone())))
            .collect();
        for t in self.targets.iter_mut().filter(|t| t.monitor.is_none()) {
            let via = links.iter().find(|(r, linked, _)| {
                *r == t.clients.region && t.account.as_ref().is_some_and(|a| linked.contains(a))
            });
            let elsewhere = via.is_some();
            if elsewhere != t.metrics_elsewhere {
                t.plan = None;
            }
            t.metrics_elsewhere = elsewhere;
        }
        errors
    }
}

impl LiveSource {
    /// Consumer groups of the accounts whose metrics a monitoring account reads, discovered
    /// there: one ListMetrics stream (`IncludeLinkedAccounts`) per region for all of them,
    /// when any of them is due, instead of one per account. Each account keeps its own share
    /// and capability; a failure is said once (the monitoring account's) and every account
    /// waiting on it keeps its last groups, asked again next poll.
    async fn refresh_linked_groups(
        &mut self,
        opts: &LiveOptions,
        calls: &CallCounter,
        now: Timestamp,
    ) -> Vec<SourceError> {
        let mut errors = Vec::new();
        let monitors: Vec<usize> =
            (0..self.targets.len()).filter(|&i| self.targets[i].monitor.is_some()).collect();
        for m in monitors {
            let region = self.targets[m].clients.region.clone();
            let waiting: Vec<usize> = (0..self.targets.len())
                .filter(|&i| {
                    let t = &self.targets[i];
                    t.monitor.is_none()
                        && t.metrics_elsewhere
                        && t.clients.region == region
                        && t.msk_clusters.is_some()
                })
                .collect();
            if !waiting.iter().any(|&i| self.targets[i].groups_due(opts, now)) {
                continue;
            }
            let clusters: Vec<(&str, &crate::domain::model::MskCluster)> = waiting
                .iter()
                .flat_map(|&i| {
                    let t = &self.targets[i];
                    let account = t.account.as_deref().unwrap_or("");
                    t.msk_clusters.iter().flatten().map(move |c| (account, c))
                })
                .collect();
            let monitor = &self.targets[m];
            let origin = errors::Origin {
                account: monitor.account.as_deref(),
                region: &region,
                service: crate::domain::snapshot::Service::CloudWatch,
                operation: calls::ops::LIST_METRICS,
            };
            let found =
                kafka::consumer_groups(&monitor.clients.cloudwatch, &origin, &clusters, true, calls, now)
                    .await;
            // Each account's share: the clusters were listed account by account. A failure is
            // recorded by each (its groups stay) and said once.
            let mut per_cluster = found.map(Vec::into_iter);
            let mut said = Vec::new();
            for i in waiting {
                let n = self.targets[i].msk_clusters.as_ref().map_or(0, Vec::len);
                let share = match &mut per_cluster {
                    Ok(lists) => Ok(lists.by_ref().take(n).flatten().collect()),
                    Err(e) => Err(e.clone()),
                };
                self.targets[i].take_groups(share, &mut said, now);
            }
            errors.extend(said.into_iter().next());
        }
        errors
    }

    /// Which planned series this poll asks for, across every target that reads metrics:
    /// hot ones each period, cold ones every `cold_every`, everything after `r`. Marks each
    /// target's due queries and returns the whole fleet's schedule (what it costs).
    fn schedule(&mut self, usable: &dyn Fn(&Target) -> bool, now: Timestamp) -> Schedule {
        let clocks: Vec<SeriesClock> = self
            .targets
            .iter()
            .filter(|t| usable(t) && t.reads_metrics())
            .flat_map(|t| t.clocks(&self.demand))
            .collect();
        let s = freshness::schedule(
            &clocks,
            now,
            self.opts.period_secs,
            self.opts.refresh.as_secs_f64(),
            &self.opts.cost,
            std::mem::take(&mut self.force),
        );
        let mut rest = s.due.as_slice();
        for t in self.targets.iter_mut().filter(|t| usable(t) && t.reads_metrics()) {
            rest = t.set_due(rest);
        }
        s
    }

    /// Say in each account's metrics capability where its metrics come from, once there is a
    /// monitoring account: through it, or (not linked) in the account itself.
    fn note_metric_sources(&mut self) {
        use crate::domain::capability::Capability;
        let links: Vec<(String, Option<String>, Option<crate::domain::capability_status::CapabilityStatus>)> =
            self.targets
                .iter()
                .filter(|t| t.monitor.is_some())
                .map(|t| {
                    (t.clients.region.clone(), t.account.clone(), t.caps.get(&Capability::Metrics).cloned())
                })
                .collect();
        for t in self.targets.iter_mut().filter(|t| t.monitor.is_none()) {
            let Some((_, monitor, status)) = links.iter().find(|(r, _, _)| *r == t.clients.region) else {
                continue;
            };
            let note = if t.metrics_elsewhere {
                // Its metrics are as fresh as the monitoring account's fetch.
                if let Some(st) = status {
                    let mine = crate::domain::capability_status::CapabilityStatus {
                        account: t.account.clone(),
                        ..st.clone()
                    };
                    t.caps.insert(Capability::Metrics, mine);
                }
                format!("read through the monitoring account {}", monitor.as_deref().unwrap_or("?"))
            } else {
                "not linked to the monitoring account: read in the account".to_string()
            };
            if let Some(c) = t.caps.get_mut(&Capability::Metrics) {
                c.message = Some(match c.message.take() {
                    Some(m) if c.state.is_gap() => format!("{m} ({note})"),
                    _ => note,
                });
            }
        }
    }
}

impl FleetSource for LiveSource {
    fn info(&self) -> SourceInfo {
        self.info.clone()
    }

    fn backfill_pending(&self) -> bool {
        // The start's third poll (the rest of the inventory) follows at once too.
        let rest_next = self.opts.first_window.is_some() && self.core_polls == 2;
        self.metrics_next || rest_next || self.targets.iter().any(|t| t.backfill.is_some())
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        Box::pin(self.poll_once(now))
    }

    fn set_demand(&mut self, demand: Arc<Demand>, now: Timestamp) -> bool {
        let before = std::mem::replace(&mut self.demand, demand);
        if !self.metrics_begun || !self.demand.newly_hot(&before) {
            return false;
        }
        // A series just made hot that was not asked this period: fetch it now, not at the
        // next poll (a view switch shows fresh values at once).
        let period = i64::from(self.opts.period_secs.max(1));
        let minute = now.as_second().div_euclid(period);
        self.targets.iter().filter_map(|t| t.plan.as_ref()).any(|p| {
            p.queries.iter().zip(&p.last).any(|(q, last)| {
                self.demand.reason(&q.key).is_some()
                    && before.reason(&q.key).is_none()
                    && last.is_none_or(|l| l.as_second().div_euclid(period) < minute)
            })
        })
    }

    fn refresh_all(&mut self) {
        self.force = true;
        for t in &mut self.targets {
            t.inventory_at = None;
            t.details_at = None;
        }
    }
}

/// Points of older history a poll asks, at most, across every target: a backfill chunk of
/// half an hour for 20,000 instances is two million points (50 MB held until the model merges
/// them, 60 MB of the dashboard's 200 MB peak), so it comes in parts of this many; the
/// queries asked, and so the bill, are the same. At 600,000 the parts in flight were 13 MB of
/// the heap at the peak of a 20,000-instance dashboard (`ORG_SCALE_WRAP` heaptrack); at this
/// many the backfill takes twice the polls, each a few seconds.
pub const BACKFILL_POINTS_PER_POLL: usize = 300_000;

/// Share `points` among the targets still backfilling, the newest chunk first (every target's
/// first hour before anyone's third), in whole GetMetricData calls when it holds one: how many
/// queries of its chunk each target (in order) may ask this poll.
fn backfill_shares(targets: &[Target], chunk: Duration, period_secs: u32, points: usize) -> Vec<usize> {
    let minutes = (chunk.as_secs() / u64::from(period_secs.max(1))).max(1) as usize;
    let per_call = plan::MAX_QUERIES_PER_CALL;
    let queries = (points / minutes).max(1);
    let mut left = if queries >= per_call { queries / per_call * per_call } else { queries };
    let mut waiting: Vec<(Timestamp, usize, usize)> = targets
        .iter()
        .enumerate()
        .filter_map(|(i, t)| t.backfill_left().map(|(until, n)| (until, n, i)))
        .collect();
    waiting.sort_by_key(|&(until, _, i)| (std::cmp::Reverse(until), i));
    let mut shares = vec![0; targets.len()];
    for (_, n, i) in waiting {
        shares[i] = n.min(left);
        left -= shares[i];
    }
    shares
}

/// `make(item)` for every item, at most `bound` futures alive at once, each made only when a
/// slot frees (a target's refresh holds eight SDK calls' state: made all at once, 160
/// targets' were 22 MB of the 20,000-instance dashboard's peak heap). Outputs in the order
/// they finish.
async fn bounded<T, F: std::future::Future>(
    items: Vec<T>,
    bound: usize,
    mut make: impl FnMut(T) -> F,
) -> Vec<F::Output> {
    let mut items = items.into_iter();
    let mut running = FuturesUnordered::new();
    let mut out = Vec::new();
    loop {
        while running.len() < bound.max(1) {
            let Some(item) = items.next() else { break };
            running.push(make(item));
        }
        let Some(done) = running.next().await else { break };
        out.push(done);
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::bounded;

    #[tokio::test(flavor = "current_thread")]
    async fn bounded_makes_a_future_only_when_a_slot_frees() {
        let alive = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let out = bounded((0..10).collect(), 3, |i: u32| {
            // Counted from the moment it is made, not first polled: what it holds is alive then.
            let n = alive.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(n, Ordering::SeqCst);
            let alive = alive.clone();
            async move {
                tokio::task::yield_now().await;
                alive.fetch_sub(1, Ordering::SeqCst);
                i * 2
            }
        })
        .await;
        assert_eq!(most.load(Ordering::SeqCst), 3, "never more than the bound alive");
        let mut out = out;
        out.sort_unstable();
        assert_eq!(out, (0..10).map(|i| i * 2).collect::<Vec<_>>(), "every item's output, once");
    }
}
