//! One account (profile) in one region: what was last learned there, capability by
//! capability. An inventory refresh runs the independent Describe calls at once (the region's
//! `Pace` bounds their rate), then the ones that depend on the instances; each capability
//! keeps its last good data when it fails, and says how it is doing. The parameter-group
//! cache is in `target_params`, the metrics in `target_metrics`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use jiff::Timestamp;

use super::calls::{self, CallCounter};
use super::clients::Clients;
use super::errors::Origin;
use super::event_refresh::{self, Named, SeenEvents};
use super::pace::Pace;
use super::profiles::{self, CachedProfile};
use super::rds::{self, EngineSupport, RdsCtx};
use super::target_params::{groups_due, read_groups};
use super::{LiveOptions, events, kafka};
use crate::domain::alarms::Alarm;
use crate::domain::capability::Capability;
use crate::domain::capability_status::{CapState, CapabilityStatus};
use crate::domain::events::DbEvent;
use crate::domain::model::{
    BlueGreenDeployment, ConsumerGroupTopic, DbCluster, DbInstance, GlobalCluster, MskCluster,
    ParameterGroupKind, PendingAction,
};
use crate::domain::snapshot::{Service, SourceError};

pub use super::target_params::{CachedParams, PARAMS_MAX_AGE};

/// Events can be published minutes after they happened: each range starts this much before
/// the last one ended.
const EVENTS_OVERLAP: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);

/// The metric plan for the inventory it was made from, with each query's freshness clock.
pub struct CachedPlan {
    pub inventory: std::sync::Arc<crate::domain::model::Inventory>,
    pub queries: Vec<super::plan::MetricQuery>,
    /// Per query: when the last request that carried it ended (None: never asked).
    pub last: Vec<Option<Timestamp>>,
    /// Per query: asked this poll (set by the source's schedule before the fetch).
    pub due: Vec<bool>,
}

pub struct Target {
    pub clients: Clients,
    pub account: Option<String>,
    /// The last good answer of each capability (None: never answered).
    /// Shared with the merged inventory (written back after each merge, so the derived roles
    /// and names are not copied again).
    pub instances: Option<Vec<Arc<DbInstance>>>,
    pub clusters: Option<Vec<DbCluster>>,
    pub global_clusters: Option<Vec<GlobalCluster>>,
    pub pending_actions: Option<Vec<PendingAction>>,
    pub blue_green: Option<Vec<BlueGreenDeployment>>,
    pub msk_clusters: Option<Vec<MskCluster>>,
    /// When every instance and cluster was last listed.
    pub inventory_at: Option<Timestamp>,
    /// When the smaller lists were last asked.
    pub details_at: Option<Timestamp>,
    /// Events already acted on (each new one names what to describe again).
    pub seen_events: SeenEvents,
    pub groups: Vec<ConsumerGroupTopic>,
    pub groups_at: Option<Timestamp>,
    /// End of the last successful metric fetch.
    pub metrics_until: Option<Timestamp>,
    /// History still to fetch, `[from, until)`, newest chunk first (see `first_window`).
    pub backfill: Option<(Timestamp, Timestamp)>,
    /// Queries of the current chunk already fetched (in plan order; 0 again when the plan is
    /// rebuilt, so a changed plan asks its chunk whole).
    pub backfill_done: usize,
    pub engine_targets: HashMap<(String, String), Option<crate::domain::sym::Sym>>,
    /// Support dates per engine (DescribeDBMajorEngineVersions), asked daily.
    pub engine_support: HashMap<String, EngineSupport>,
    /// Load profile per writer ARN, refetched every `profiles::PROFILE_MAX_AGE`.
    pub profiles: HashMap<crate::domain::sym::Sym, CachedProfile>,
    /// Custom parameter groups read, by kind and name.
    pub params: HashMap<(ParameterGroupKind, String), CachedParams>,
    /// How each capability is doing here.
    pub caps: BTreeMap<Capability, CapabilityStatus>,
    /// The metric plan for the inventory it was made from.
    pub plan: Option<CachedPlan>,
    /// The RDS request rate this account and region allows dbfleet.
    pub pace: Pace,
    /// Bumped whenever an inventory refresh ran: the merged inventory is rebuilt only then.
    pub generation: u64,
    /// End of the last successful DescribeEvents range.
    pub events_until: Option<Timestamp>,
    /// Events fetched and not yet sent in a snapshot.
    pub new_events: Vec<DbEvent>,
    pub alarms: Option<Vec<Alarm>>,
    /// The account (of `LiveSource::accounts`) this target reaches through a role.
    pub account_index: Option<usize>,
    /// A CloudWatch monitoring account's target: it reads the metrics of these linked
    /// accounts in its region (and has no inventory of its own).
    pub monitor: Option<BTreeSet<String>>,
    /// Its metrics are read through the monitoring account (the account is linked there).
    pub metrics_elsewhere: bool,
}

impl Target {
    pub fn new(clients: Clients) -> Target {
        Target {
            clients,
            account: None,
            instances: None,
            clusters: None,
            global_clusters: None,
            pending_actions: None,
            blue_green: None,
            msk_clusters: None,
            inventory_at: None,
            details_at: None,
            seen_events: SeenEvents::default(),
            groups: Vec::new(),
            groups_at: None,
            metrics_until: None,
            backfill: None,
            backfill_done: 0,
            engine_targets: HashMap::new(),
            engine_support: HashMap::new(),
            profiles: HashMap::new(),
            params: HashMap::new(),
            caps: BTreeMap::new(),
            plan: None,
            pace: Pace::rds(),
            generation: 0,
            events_until: None,
            new_events: Vec::new(),
            alarms: None,
            account_index: None,
            monitor: None,
            metrics_elsewhere: false,
        }
    }

    pub fn label(&self) -> String {
        match &self.clients.profile {
            Some(p) => format!("{p}/{}", self.clients.region),
            None => self.clients.region.clone(),
        }
    }

    pub fn due(at: Option<Timestamp>, every: Duration, now: Timestamp) -> bool {
        at.is_none_or(|t| now.duration_since(t).as_secs_f64() >= every.as_secs_f64())
    }

    /// Record how an attempt at a capability went; its error (tagged with the capability, so
    /// it does not stale the whole region) joins the poll's errors.
    pub fn settle(
        &mut self,
        cap: Capability,
        error: Option<SourceError>,
        errors: &mut Vec<SourceError>,
        now: Timestamp,
    ) {
        let error = error.map(|mut e| {
            if cap != Capability::Instances {
                e.capability = Some(cap);
            }
            e
        });
        let status = CapabilityStatus::after(
            self.caps.get(&cap),
            cap,
            self.account.as_deref(),
            &self.clients.region,
            error.as_ref(),
            now,
        );
        self.caps.insert(cap, status);
        errors.extend(error);
    }

    /// Keep `data` as the capability's new last good answer, or record its failure (None: it
    /// was not asked this time).
    fn take<T>(
        &mut self,
        cap: Capability,
        result: Option<Result<T, SourceError>>,
        errors: &mut Vec<SourceError>,
        now: Timestamp,
    ) -> Option<T> {
        match result? {
            Ok(v) => {
                self.settle(cap, None, errors, now);
                Some(v)
            }
            Err(e) => {
                self.settle(cap, Some(e), errors, now);
                None
            }
        }
    }

    /// Refresh what is due: every instance and cluster every `full_describe_every` (and
    /// after a failure), with pending maintenance, global databases and blue/green deployments;
    /// the smaller lists (MSK clusters, alarms) every `inventory_every`; RDS events every poll, and
    /// in between, each instance or cluster a new event names. A failing capability keeps its
    /// last good data. `core_only`: the instances and clusters alone (the dashboard's start:
    /// the fleet on screen before the rest is asked).
    pub async fn refresh_inventory(
        &mut self,
        opts: &LiveOptions,
        calls: &CallCounter,
        now: Timestamp,
        core_only: bool,
    ) -> Vec<SourceError> {
        let mut errors = Vec::new();
        let full = Target::due(self.inventory_at, opts.full_describe_every, now);
        let details = full || Target::due(self.details_at, opts.inventory_every, now);
        // A capability that failed for a passing reason (throttled, timed out, 5xx) is asked
        // again on the next poll; a denied or unsupported one waits for the next refresh.
        // (Metrics are fetched every poll anyway.)
        let retry: BTreeSet<Capability> = self
            .caps
            .values()
            .filter(|c| {
                matches!(c.state, CapState::Failed | CapState::Stale) && c.capability != Capability::Metrics
            })
            .map(|c| c.capability)
            .collect();
        // Never answered yet: asked whatever the cycle (the dashboard's start asks them in its
        // third poll, after the full list of its first).
        let (no_pending, no_globals, no_blue_green) =
            (self.pending_actions.is_none(), self.global_clusters.is_none(), self.blue_green.is_none());
        let unknown = |c: Capability| match c {
            Capability::PendingMaintenance => no_pending,
            Capability::GlobalClusters => no_globals,
            Capability::BlueGreen => no_blue_green,
            _ => false,
        };
        let want = |c: Capability| match c {
            Capability::Instances | Capability::Clusters => full || retry.contains(&c),
            _ if core_only => false,
            Capability::Events => true,
            // What changes over days and announces itself by events rides the full list's
            // cycle, and is asked again when an event says so (`describe_named`): at 160
            // account x region targets these three were 480 calls every 5 minutes for answers
            // that had not moved.
            Capability::PendingMaintenance | Capability::GlobalClusters | Capability::BlueGreen => {
                full || unknown(c) || retry.contains(&c)
            }
            _ => details || retry.contains(&c),
        };
        let lists = want(Capability::Instances);
        let asked = lists || want(Capability::Clusters) || (!core_only && (details || !retry.is_empty()));
        let region = self.clients.region.clone();
        let account = self.account.clone();
        let ctx = RdsCtx::new(&self.clients, &self.pace, account.as_deref(), calls, now, opts.page_size);
        // Independent of each other: all at once.
        let (events_from, events_to) = self.events_range(opts, now);
        let (instances, clusters, globals, pending, blue_green, msk, events, alarms) = futures::join!(
            when(lists, rds::instances(&ctx, self.instances.as_deref().unwrap_or(&[]))),
            when(want(Capability::Clusters), rds::clusters(&ctx)),
            when(want(Capability::GlobalClusters), rds::global_clusters(&ctx)),
            when(want(Capability::PendingMaintenance), rds::pending_actions(&ctx)),
            when(want(Capability::BlueGreen), rds::blue_green(&ctx)),
            when(
                want(Capability::MskClusters),
                kafka::clusters(&self.clients.kafka, &region, account.as_deref(), calls, now)
            ),
            when(want(Capability::Events), events::rds_events(&ctx, events_from, events_to)),
            when(
                want(Capability::Alarms),
                events::alarms(&self.clients.cloudwatch, &region, account.as_deref(), calls, now)
            ),
        );
        let listed = instances.as_ref().is_some_and(Result::is_ok);
        // Whether any answer differs from what was kept: only then is the merged inventory
        // built again (at 20,000 instances most of a 5-minute refresh that changed nothing).
        let mut moved = false;
        if let Some(v) = self.take(Capability::Instances, instances, &mut errors, now) {
            if self.account.is_none() {
                self.account = v.iter().find(|d| !d.account.is_empty()).map(|d| d.account.to_string());
            }
            moved |= put(&mut self.instances, v);
        }
        if let Some(v) = self.take(Capability::Clusters, clusters, &mut errors, now) {
            moved |= put(&mut self.clusters, v);
        }
        if let Some(v) = self.take(Capability::GlobalClusters, globals, &mut errors, now) {
            moved |= put(&mut self.global_clusters, v);
        }
        if let Some(v) = self.take(Capability::PendingMaintenance, pending, &mut errors, now) {
            moved |= put(&mut self.pending_actions, v);
        }
        if let Some(v) = self.take(Capability::BlueGreen, blue_green, &mut errors, now) {
            moved |= put(&mut self.blue_green, v);
        }
        if let Some(v) = self.take(Capability::MskClusters, msk, &mut errors, now) {
            moved |= put(&mut self.msk_clusters, v);
        }
        // The first refresh learns the account from the instances it ran beside.
        let account = self.account.clone();
        let mut named = Named::default();
        if let Some(mut v) = self.take(Capability::Events, events, &mut errors, now) {
            for e in v.iter_mut().filter(|e| e.account.is_none()) {
                e.account.clone_from(&account);
            }
            // Seen either way; what a list in this same poll answered needs no second look.
            named = self.seen_events.named_by_new(&v, events_from);
            if listed {
                named = Named::default();
            }
            self.new_events.extend(v);
            self.events_until = Some(events_to);
        }
        if let Some(mut v) = self.take(Capability::Alarms, alarms, &mut errors, now) {
            for a in v.iter_mut().filter(|a| a.account.is_none()) {
                a.account.clone_from(&account);
            }
            moved |= put(&mut self.alarms, v);
        }
        let mut changed = false;
        // Before the first list there is nothing to put an answer in: the list comes next.
        if !named.is_empty() && self.instances.is_some() {
            changed = self.describe_named(&named, opts, calls, now, &mut errors).await;
        }
        // Roles on the instances this target owns (unshared, so set in place): the merged
        // inventory then shares every instance instead of copying each whose role it sets.
        // Only when a list or a targeted answer came: at 5,000 instances it was a tenth of a
        // poll that describes nothing.
        let roles_due = lists || want(Capability::Clusters) || changed;
        if roles_due && let Some(v) = &mut self.instances {
            crate::domain::topology::assign_roles_of(v, self.clusters.as_deref().unwrap_or(&[]));
        }
        let dependents =
            [Capability::EngineVersions, Capability::MajorEngineVersions, Capability::Parameters];
        if !core_only && (changed || dependents.into_iter().any(want)) {
            moved |= self.refresh_dependents(opts, calls, now, &mut errors).await;
        }
        // The first refresh makes the first merged inventory, whatever it answered (a first
        // answer later moves it anyway: None before).
        if moved || changed || (asked && self.generation == 0) {
            self.generation += 1;
        }
        // The core must answer for a full list to count.
        if full && listed {
            self.inventory_at = Some(now);
        }
        if core_only {
            return errors;
        }
        if details {
            self.details_at = Some(now);
        }
        // An account linked to a monitoring account has its groups discovered there, one
        // stream for every linked account of the region (`LiveSource::refresh_linked_groups`).
        if !self.metrics_elsewhere && self.groups_due(opts, now) {
            self.discover_groups(calls, now, &mut errors).await;
        }
        errors
    }

    /// Describe again what new events named; with more than `MOST_NAMED` sources, list every
    /// instance and cluster instead. Either way the slower lists an event announces a change
    /// in are asked again: blue/green deployments after their event, pending maintenance after
    /// a maintenance event (an applied action is gone), the global databases after an event on
    /// a member cluster (a switchover or failover moves the primary). A failure is the
    /// capability's (the next poll then lists everything). True when anything changed.
    async fn describe_named(
        &mut self,
        named: &Named,
        opts: &LiveOptions,
        calls: &CallCounter,
        now: Timestamp,
        errors: &mut Vec<SourceError>,
    ) -> bool {
        let account = self.account.clone();
        let ctx = RdsCtx::new(&self.clients, &self.pace, account.as_deref(), calls, now, opts.page_size);
        let member_named =
            self.global_clusters.iter().flatten().any(|g| {
                g.members.iter().any(|m| named.clusters.contains(&m.cluster_id.to_ascii_lowercase()))
            });
        let announced = futures::future::join3(
            when(named.blue_green, rds::blue_green(&ctx)),
            when(named.maintenance, rds::pending_actions(&ctx)),
            when(member_named, rds::global_clusters(&ctx)),
        );
        let mut changed = false;
        let (blue_green, pending, globals) = if named.sources() > event_refresh::MOST_NAMED {
            let (instances, clusters, announced) = futures::join!(
                rds::instances(&ctx, self.instances.as_deref().unwrap_or(&[])),
                rds::clusters(&ctx),
                announced
            );
            let listed = instances.is_ok();
            if let Some(v) = self.take(Capability::Instances, Some(instances), errors, now) {
                self.instances = Some(v);
                changed = true;
            }
            if let Some(v) = self.take(Capability::Clusters, Some(clusters), errors, now) {
                self.clusters = Some(v);
                changed = true;
            }
            if listed {
                self.inventory_at = Some(now);
            }
            announced
        } else {
            let (instances, clusters, announced) = futures::join!(
                when(named.sources() > 0, rds::instances_named(&ctx, named)),
                when(!named.clusters.is_empty(), rds::clusters_named(&ctx, &named.clusters)),
                announced
            );
            // A targeted answer refreshes a few instances, not the list: on success the
            // capability keeps the age of its last full list (what the error list shows); a
            // failure is the capability's, and the next poll lists everything.
            match instances {
                Some(Ok(got)) => {
                    if let Some(current) = &mut self.instances {
                        changed |= event_refresh::merge_instances(current, named, got);
                    }
                }
                Some(Err(e)) => self.settle(Capability::Instances, Some(e), errors, now),
                None => {}
            }
            match clusters {
                Some(Ok(got)) => {
                    let current = self.clusters.get_or_insert_with(Vec::new);
                    changed |= event_refresh::merge_clusters(current, &named.clusters, got);
                }
                Some(Err(e)) => self.settle(Capability::Clusters, Some(e), errors, now),
                None => {}
            }
            announced
        };
        if let Some(v) = self.take(Capability::BlueGreen, blue_green, errors, now) {
            changed |= put(&mut self.blue_green, v);
        }
        if let Some(v) = self.take(Capability::PendingMaintenance, pending, errors, now) {
            changed |= put(&mut self.pending_actions, v);
        }
        if let Some(v) = self.take(Capability::GlobalClusters, globals, errors, now) {
            changed |= put(&mut self.global_clusters, v);
        }
        changed
    }

    /// The range the next DescribeEvents asks for: the lookback the first time, then from a
    /// few minutes before the last range's end (events arrive late; the store drops repeats).
    fn events_range(&self, opts: &LiveOptions, now: Timestamp) -> (Timestamp, Timestamp) {
        let lookback =
            jiff::SignedDuration::try_from(opts.events_lookback).unwrap_or(jiff::SignedDuration::ZERO);
        let first = now.checked_sub(lookback).unwrap_or(now);
        let from = match self.events_until {
            Some(t) => t.checked_sub(EVENTS_OVERLAP).unwrap_or(t).max(first),
            None => first,
        };
        (from, now)
    }

    /// What depends on the instances: auto-upgrade targets, support dates, parameter groups
    /// and the writers' load profiles, each on its own cache, all at once.
    /// Returns whether anything the merged inventory holds may have changed (a cache that
    /// was asked again counts, answered the same or not).
    async fn refresh_dependents(
        &mut self,
        opts: &LiveOptions,
        calls: &CallCounter,
        now: Timestamp,
        errors: &mut Vec<SourceError>,
    ) -> bool {
        let Some(instances) = &self.instances else { return false };
        let clusters: &[DbCluster] = self.clusters.as_deref().unwrap_or(&[]);
        let region = self.clients.region.clone();
        let account = self.account.clone();
        let ctx = RdsCtx::new(&self.clients, &self.pace, account.as_deref(), calls, now, opts.page_size);
        // Borrowed first, owned once each: 5,000 instances use a handful of versions.
        let wanted: BTreeSet<(&str, &str)> =
            instances.iter().map(|d| (d.engine.as_str(), d.engine_version.as_str())).collect();
        let wanted: Vec<(String, String)> =
            wanted.into_iter().map(|(e, v)| (e.to_string(), v.to_string())).collect();
        let engines: BTreeSet<&str> =
            instances.iter().map(|d| d.engine.as_str()).filter(|e| !e.is_empty()).collect();
        let engines: BTreeSet<String> = engines.into_iter().map(String::from).collect();
        let groups = groups_due(instances, clusters, &self.params, now);
        let writers = profiles::writers(instances);
        let targets_known = self.engine_targets.len();
        let support_asked: Vec<(String, Option<Timestamp>)> =
            self.engine_support.iter().map(|(e, s)| (e.clone(), s.asked_at)).collect();
        let mut moved = !groups.is_empty();
        let origin = Origin {
            account: account.as_deref(),
            region: &region,
            service: Service::CloudWatch,
            operation: calls::ops::GET_METRIC_DATA,
        };
        let (targets, lifecycles, params, (profile_errors, profiles_asked)) = futures::join!(
            rds::auto_upgrade_targets(&ctx, &wanted, &mut self.engine_targets),
            rds::engine_lifecycles(&ctx, &engines, &mut self.engine_support),
            read_groups(&ctx, &groups, &mut self.params),
            profiles::refresh(&self.clients.cloudwatch, &origin, &writers, &mut self.profiles, calls, now),
        );
        moved |= profiles_asked || self.engine_targets.len() != targets_known;
        moved |= self.engine_support.len() != support_asked.len()
            || support_asked
                .iter()
                .any(|(e, at)| self.engine_support.get(e).map(|s| s.asked_at) != Some(*at));
        self.settle(Capability::EngineVersions, targets.err(), errors, now);
        // A support-date error that asking again will not fix is asked again daily (see
        // `engine_lifecycles`); an engine answered earlier keeps its dates.
        self.settle(Capability::MajorEngineVersions, lifecycles.err(), errors, now);
        // With no custom group in use there is nothing to read: ok, and said so.
        self.settle(Capability::Parameters, params.err(), errors, now);
        errors.extend(profile_errors.into_iter().map(|mut e| {
            e.capability = Some(Capability::Metrics);
            e
        }));
        // Looked up by borrowed names (two string copies per instance per refresh before).
        let engine_targets: HashMap<(&str, &str), Option<&crate::domain::sym::Sym>> =
            self.engine_targets.iter().map(|((e, v), t)| ((e.as_str(), v.as_str()), t.as_ref())).collect();
        if let Some(instances) = &mut self.instances {
            for d in instances {
                let target =
                    engine_targets.get(&(d.engine.as_str(), d.engine_version.as_str())).copied().flatten();
                if d.auto_upgrade_target.as_ref() != target {
                    Arc::make_mut(d).auto_upgrade_target = target.cloned();
                    moved = true;
                }
            }
        }
        moved
    }

    /// Consumer groups of every MSK cluster, from ListMetrics (MSK has no API for them), in
    /// one stream for the region.
    async fn discover_groups(&mut self, calls: &CallCounter, now: Timestamp, errors: &mut Vec<SourceError>) {
        // Without the clusters there is nothing to discover yet (their own gap is named).
        let Some(clusters) = &self.msk_clusters else { return };
        let clusters: Vec<(&str, &MskCluster)> = clusters.iter().map(|c| ("", c)).collect();
        let origin = Origin {
            account: self.account.as_deref(),
            region: &self.clients.region,
            service: Service::CloudWatch,
            operation: calls::ops::LIST_METRICS,
        };
        let found = kafka::consumer_groups(&self.clients.cloudwatch, &origin, &clusters, false, calls, now)
            .await
            .map(|per_cluster| per_cluster.into_iter().flatten().collect());
        self.take_groups(found, errors, now);
    }

    /// Keep consumer groups discovered here or for this account by a monitoring account (its
    /// failure is the capability's; the last groups stay). Bumps the generation when they
    /// changed or are the first.
    pub fn take_groups(
        &mut self,
        found: Result<Vec<ConsumerGroupTopic>, SourceError>,
        errors: &mut Vec<SourceError>,
        now: Timestamp,
    ) {
        if let Some(groups) = self.take(Capability::ConsumerGroups, Some(found), errors, now) {
            if self.groups_at.is_none() || self.groups != groups {
                self.generation += 1;
            }
            self.groups = groups;
            self.groups_at = Some(now);
        }
    }

    /// Its consumer groups are due: on their cycle, or again after a passing failure.
    pub fn groups_due(&self, opts: &LiveOptions, now: Timestamp) -> bool {
        let failed = self
            .caps
            .get(&Capability::ConsumerGroups)
            .is_some_and(|c| matches!(c.state, CapState::Failed | CapState::Stale));
        Target::due(self.groups_at, opts.discovery_every, now) || failed
    }
}

/// Keep `v`; whether it differs from what was kept.
fn put<T: PartialEq>(slot: &mut Option<T>, v: T) -> bool {
    let differs = slot.as_ref() != Some(&v);
    *slot = Some(v);
    differs
}

/// Run `f` only when it is wanted.
async fn when<T>(wanted: bool, f: impl std::future::Future<Output = T>) -> Option<T> {
    if wanted { Some(f.await) } else { None }
}
