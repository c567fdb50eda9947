//! The live AWS source: for each account (profile) and region, the RDS and MSK inventory
//! (refreshed every few minutes, not every poll, with the writers' load profiles and the
//! engines' support dates on slower cycles of their own) and the planned CloudWatch metrics
//! (every poll, only the minutes since the last datapoint). Targets are polled concurrently
//! with a bound; a failing target keeps its last good inventory and reports its error.

pub mod calls;
pub mod clients;
pub mod cloudwatch;
pub mod convert;
pub mod errors;
pub mod kafka;
pub mod paging;
pub mod plan;
pub mod profiles;
pub mod rds;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use jiff::{SignedDuration, Timestamp};

use self::calls::CallCounter;
use self::clients::Clients;
use self::errors::Origin;
use self::profiles::CachedProfile;
use self::rds::{EngineSupport, RdsCtx, RdsInventory};
use super::{FleetSource, PollFailure, PollFuture};
use crate::domain::model::{ConsumerGroupTopic, Inventory, MskCluster};
use crate::domain::snapshot::{ApiStats, FleetSnapshot, Service, SourceError, SourceInfo, SourceKind};
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
    /// How often the inventory is described again.
    pub inventory_every: Duration,
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
    /// Period of the metric queries: 60 s (CloudWatch keeps 1-minute data 15 days); time
    /// travel further back asks for 300 (63 days) or 3600.
    pub period_secs: u32,
    /// Targets polled at once.
    pub concurrency: usize,
    /// Per-attempt and whole-operation timeouts (retries included).
    pub attempt_timeout: Duration,
    pub operation_timeout: Duration,
    /// MaxRecords of Describe calls (AWS allows 20..100).
    pub page_size: i32,
    /// Fixed credentials instead of the default chain (embedding and tests).
    pub static_credentials: Option<aws_sdk_rds::config::Credentials>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            profiles: vec![None],
            regions: Vec::new(),
            endpoint_url: None,
            refresh: Duration::from_secs(60),
            inventory_every: Duration::from_secs(300),
            discovery_every: Duration::from_secs(900),
            history: Duration::from_secs(3 * 3600),
            first_window: None,
            period_secs: 60,
            concurrency: 4,
            static_credentials: None,
            page_size: 100,
            attempt_timeout: Duration::from_secs(25),
            operation_timeout: Duration::from_secs(60),
        }
    }
}

/// Re-fetch this much before the newest datapoint: CloudWatch revises the last minutes.
const OVERLAP: SignedDuration = SignedDuration::from_secs(5 * 60);

/// One account (profile) in one region, and what we last learned there.
struct Target {
    clients: Clients,
    account: Option<String>,
    rds_inventory: Option<RdsInventory>,
    msk_clusters: Option<Vec<MskCluster>>,
    inventory_at: Option<Timestamp>,
    groups: Vec<ConsumerGroupTopic>,
    groups_at: Option<Timestamp>,
    /// End of the last successful metric fetch.
    metrics_until: Option<Timestamp>,
    /// History still to fetch, `[from, until)`, newest chunk first (see `first_window`).
    backfill: Option<(Timestamp, Timestamp)>,
    engine_targets: HashMap<(String, String), Option<String>>,
    /// Support dates per engine (DescribeDBMajorEngineVersions), asked daily.
    engine_support: HashMap<String, EngineSupport>,
    /// Load profile per writer ARN, refetched every `profiles::PROFILE_MAX_AGE`.
    profiles: HashMap<String, CachedProfile>,
    /// The metric plan for the inventory it was made from.
    plan: Option<CachedPlan>,
    /// Bumped whenever an inventory refresh ran: the merged inventory is rebuilt only then.
    generation: u64,
}

struct CachedPlan {
    inventory: Arc<Inventory>,
    queries: Vec<plan::MetricQuery>,
}

impl Target {
    fn label(&self) -> String {
        match &self.clients.profile {
            Some(p) => format!("{p}/{}", self.clients.region),
            None => self.clients.region.clone(),
        }
    }

    fn due(at: Option<Timestamp>, every: Duration, now: Timestamp) -> bool {
        at.is_none_or(|t| now.duration_since(t).as_secs_f64() >= every.as_secs_f64())
    }

    /// Refresh this target's inventory if due. Errors leave the previous inventory in place.
    async fn refresh_inventory(
        &mut self,
        opts: &LiveOptions,
        calls: &CallCounter,
        now: Timestamp,
    ) -> Vec<SourceError> {
        let mut errors = Vec::new();
        if !Target::due(self.inventory_at, opts.inventory_every, now) {
            return errors;
        }
        self.generation += 1;
        let region = self.clients.region.clone();
        let account = self.account.clone();
        let ctx = RdsCtx {
            client: &self.clients.rds,
            region: &region,
            account: account.as_deref(),
            calls,
            now,
            page_size: opts.page_size.clamp(20, 100),
        };
        let rds_ok = match rds::describe(&ctx).await {
            Ok(mut inv) => {
                if self.account.is_none() {
                    self.account = inv.instances.iter().map(|d| d.account.clone()).find(|a| !a.is_empty());
                }
                let wanted: BTreeSet<(String, String)> =
                    inv.instances.iter().map(|d| (d.engine.clone(), d.engine_version.clone())).collect();
                let wanted: Vec<_> = wanted.into_iter().collect();
                if let Err(e) = rds::auto_upgrade_targets(&ctx, &wanted, &mut self.engine_targets).await {
                    errors.push(e);
                }
                for d in &mut inv.instances {
                    d.auto_upgrade_target = self
                        .engine_targets
                        .get(&(d.engine.clone(), d.engine_version.clone()))
                        .cloned()
                        .flatten();
                }
                // Like the upgrade targets: an error here leaves the rules without support
                // dates, not the region without its inventory.
                let engines: BTreeSet<String> =
                    inv.instances.iter().map(|d| d.engine.clone()).filter(|e| !e.is_empty()).collect();
                if let Err(e) = rds::engine_lifecycles(&ctx, &engines, &mut self.engine_support).await {
                    errors.push(e);
                }
                let origin = Origin {
                    account: account.as_deref(),
                    region: &region,
                    service: Service::CloudWatch,
                    operation: calls::ops::GET_METRIC_DATA,
                };
                let writers = profiles::writers(&inv.instances, &inv.clusters);
                errors.extend(
                    profiles::refresh(
                        &self.clients.cloudwatch,
                        &origin,
                        &writers,
                        &mut self.profiles,
                        calls,
                        now,
                    )
                    .await,
                );
                self.rds_inventory = Some(inv);
                true
            }
            Err(e) => {
                errors.push(e);
                false
            }
        };
        let msk_ok =
            match kafka::clusters(&self.clients.kafka, &region, self.account.as_deref(), calls, now).await {
                Ok(c) => {
                    self.msk_clusters = Some(c);
                    true
                }
                Err(e) => {
                    errors.push(e);
                    false
                }
            };
        if rds_ok && msk_ok {
            self.inventory_at = Some(now);
        }
        if Target::due(self.groups_at, opts.discovery_every, now) {
            let mut groups = Vec::new();
            let mut ok = true;
            for c in self.msk_clusters.iter().flatten() {
                match kafka::consumer_groups(&self.clients.cloudwatch, c, calls, now).await {
                    Ok(g) => groups.extend(g),
                    Err(e) => {
                        errors.push(e);
                        ok = false;
                        break;
                    }
                }
            }
            if ok {
                self.groups = groups;
                self.groups_at = Some(now);
            }
        }
        errors
    }

    async fn fetch_metrics(
        &mut self,
        inv: &Arc<Inventory>,
        opts: &LiveOptions,
        calls: &CallCounter,
        now: Timestamp,
    ) -> (Vec<crate::domain::metrics::SeriesUpdate>, Vec<SourceError>) {
        let region = self.clients.region.clone();
        let account = self.account.clone();
        if !self.plan.as_ref().is_some_and(|p| Arc::ptr_eq(&p.inventory, inv)) {
            let queries: Vec<_> = plan::plan(inv, &region)
                .into_iter()
                .filter(|q| {
                    account.is_none()
                        || account_of(&q.key.resource).is_none_or(|a| Some(a) == account.as_deref())
                })
                .collect();
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
        (updates, errors)
    }
}

/// The account owning a resource ARN, from the ARN itself.
fn account_of(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}

pub struct LiveSource {
    opts: LiveOptions,
    targets: Vec<Target>,
    calls: Arc<CallCounter>,
    inventory: Arc<Inventory>,
    /// Sum of the targets' generations the current `inventory` was merged at.
    merged_generation: Option<u64>,
    info: SourceInfo,
}

impl LiveSource {
    /// Build the clients for every profile x region. Fails only on configuration errors
    /// (no region anywhere); unreachable endpoints show up as poll errors.
    pub async fn connect(opts: LiveOptions) -> Result<LiveSource, clients::ConfigError> {
        let mut targets = Vec::new();
        for profile in &opts.profiles {
            for c in clients::for_profile(profile.as_deref(), &opts).await? {
                targets.push(Target {
                    clients: c,
                    account: None,
                    rds_inventory: None,
                    msk_clusters: None,
                    inventory_at: None,
                    groups: Vec::new(),
                    groups_at: None,
                    metrics_until: None,
                    backfill: None,
                    engine_targets: HashMap::new(),
                    engine_support: HashMap::new(),
                    profiles: HashMap::new(),
                    plan: None,
                    generation: 0,
                });
            }
        }
        let regions: BTreeSet<String> = targets.iter().map(|t| t.clients.region.clone()).collect();
        let profiles: Vec<String> =
            opts.profiles.iter().map(|p| p.clone().unwrap_or_else(|| "default chain".into())).collect();
        let info = SourceInfo {
            kind: SourceKind::Live,
            label: format!("aws {}", profiles.join("+")),
            regions: regions.into_iter().collect(),
            accounts: Vec::new(),
        };
        Ok(LiveSource {
            opts,
            targets,
            calls: Arc::new(CallCounter::default()),
            inventory: Arc::new(Inventory::default()),
            merged_generation: None,
            info,
        })
    }

    /// Merge every target's last good inventory into one, roles and global links derived,
    /// with the load profiles of the instances present and the support dates of the engine
    /// versions in use (each once).
    fn merged_inventory(&self) -> Inventory {
        let mut inv = Inventory::default();
        let mut globals: BTreeSet<String> = BTreeSet::new();
        let mut lifecycles: BTreeSet<(&str, &str)> = BTreeSet::new();
        for t in &self.targets {
            if let Some(r) = &t.rds_inventory {
                for d in &r.instances {
                    if let Some(p) = t.profiles.get(&d.arn).and_then(|c| c.profile.as_ref()) {
                        inv.load_profiles.insert(d.arn.clone(), p.clone());
                    }
                }
                for l in rds::lifecycles_in_use(&r.instances, &t.engine_support) {
                    if lifecycles.insert((&l.engine, &l.major_version)) {
                        inv.engine_lifecycles.push(l.clone());
                    }
                }
                inv.instances.extend(r.instances.iter().cloned());
                inv.clusters.extend(r.clusters.iter().cloned());
                inv.pending_actions.extend(r.pending_actions.iter().cloned());
                inv.blue_green.extend(r.blue_green.iter().cloned());
                // Global databases are visible from every member region: keep each once.
                for g in &r.global_clusters {
                    if globals.insert(g.id.clone()) {
                        inv.global_clusters.push(g.clone());
                    }
                }
            }
            inv.kafka_clusters.extend(t.msk_clusters.iter().flatten().cloned());
            inv.consumer_groups.extend(t.groups.iter().cloned());
        }
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

        // Phase 1: inventories that are due, all targets at once (bounded).
        // Futures collected first: a `map` closure over `&mut Target` trips the compiler's
        // higher-ranked Send check inside the boxed poll future.
        let refreshes: Vec<_> =
            self.targets.iter_mut().map(|t| t.refresh_inventory(&opts, &calls, now)).collect();
        let mut errors: Vec<SourceError> = futures::stream::iter(refreshes)
            .buffer_unordered(bound)
            .flat_map(futures::stream::iter)
            .collect()
            .await;
        // Merging (and comparing) 5,000 instances costs milliseconds: only after a refresh.
        let generation: u64 = self.targets.iter().map(|t| t.generation).sum();
        if self.merged_generation != Some(generation) {
            let merged = self.merged_inventory();
            if *self.inventory != merged {
                self.inventory = Arc::new(merged);
            }
            self.merged_generation = Some(generation);
        }

        // Phase 2: metrics for every target, planned from the merged inventory (roles can
        // depend on another region: a cross-region replica).
        let inv = self.inventory.clone();
        let fetches: Vec<_> =
            self.targets.iter_mut().map(|t| t.fetch_metrics(&inv, &opts, &calls, now)).collect();
        let results: Vec<_> = futures::stream::iter(fetches).buffer_unordered(bound).collect().await;
        let mut metrics = Vec::new();
        for (u, e) in results {
            metrics.extend(u);
            errors.extend(e);
        }

        let (calls_map, metrics_requested) = calls.take();
        let api = ApiStats {
            estimated_cost_per_hour_usd: plan::cost_per_hour(metrics_requested, opts.refresh.as_secs_f64()),
            calls: calls_map,
            metrics_requested,
        };
        for e in &errors {
            tracing::warn!(region = %e.region, service = ?e.service, op = ?e.operation, kind = ?e.kind, "{}", e.message);
        }
        let nothing = self.targets.iter().all(|t| t.rds_inventory.is_none() && t.msk_clusters.is_none());
        if nothing && !errors.is_empty() {
            return Err(PollFailure { errors });
        }
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
            api: Some(api),
            reset: false,
        })
    }
}

impl FleetSource for LiveSource {
    fn info(&self) -> SourceInfo {
        self.info.clone()
    }

    fn backfill_pending(&self) -> bool {
        self.targets.iter().any(|t| t.backfill.is_some())
    }

    fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
        Box::pin(self.poll_once(now))
    }
}
