//! One region's RDS inventory, one function per capability so each fails alone: instances
//! (the core), clusters, global databases, pending maintenance, blue/green deployments (all
//! pages), the auto-upgrade target of each engine version, the support dates of each
//! engine's major versions, and what custom parameter groups set for max_connections. Every
//! request waits for the region's `Pace`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use rustc_hash::FxHashMap;

use super::calls::{CallCounter, ops};
use super::convert;
use super::errors::{Origin, from_sdk};
use super::pace::Pace;
use super::paging;
use crate::domain::model::{
    BlueGreenDeployment, DbCluster, DbInstance, EngineLifecycle, GlobalCluster, ParameterGroupKind,
    PendingAction,
};
use crate::domain::snapshot::{ErrorKind, Service, SourceError};
use crate::domain::version;

pub struct RdsCtx<'a> {
    pub client: &'a aws_sdk_rds::Client,
    pub region: &'a str,
    pub account: Option<&'a str>,
    pub calls: &'a CallCounter,
    pub now: Timestamp,
    /// MaxRecords per Describe page (20..100).
    pub page_size: i32,
    pub pace: &'a Pace,
}

impl<'a> RdsCtx<'a> {
    /// The context of one target's calls at `now`.
    pub fn new(
        clients: &'a super::clients::Clients,
        pace: &'a Pace,
        account: Option<&'a str>,
        calls: &'a CallCounter,
        now: Timestamp,
        page_size: i32,
    ) -> Self {
        RdsCtx {
            client: &clients.rds,
            region: &clients.region,
            account,
            calls,
            now,
            page_size: page_size.clamp(20, 100),
            pace,
        }
    }

    pub(super) fn origin(&self, operation: &'static str) -> Origin<'_> {
        Origin { account: self.account, region: self.region, service: Service::Rds, operation }
    }

    /// Count a call and wait for its slot.
    pub(super) async fn call(&self, op: &'static str) {
        self.pace.wait().await;
        self.calls.call(op);
    }
}

/// Follow `Marker` until the last page; each page is one call. A marker that does not advance
/// ends the operation with a Malformed error (`paging::next_token`).
macro_rules! all_pages {
    ($ctx:expr, $op:expr, $req:expr, |$out:ident| $each:expr) => {{
        let mut marker: Option<String> = None;
        let mut pages = 0usize;
        loop {
            $ctx.call($op).await;
            pages += 1;
            let sent = marker.take();
            let $out = $req
                .max_records($ctx.page_size)
                .set_marker(sent.clone())
                .send()
                .await
                .map_err(|e| from_sdk(&$ctx.origin($op), &e, $ctx.now))?;
            $each;
            marker = paging::next_token(sent.as_deref(), $out.marker(), pages)
                .map_err(|m| $ctx.origin($op).error(ErrorKind::Malformed, m, $ctx.now))?;
            if marker.is_none() {
                break;
            }
        }
    }};
}

/// Every instance, page by page; one that equals its `previous` self (the role aside, which
/// the target sets after) is that same `Arc`, so a refresh of an unchanged fleet allocates a
/// page at a time and the app's inventory, the target's and the next merged one share it.
pub async fn instances(
    ctx: &RdsCtx<'_>,
    previous: &[Arc<DbInstance>],
) -> Result<Vec<Arc<DbInstance>>, SourceError> {
    let before: FxHashMap<&str, &Arc<DbInstance>> = previous.iter().map(|d| (d.arn.as_str(), d)).collect();
    let mut out = Vec::with_capacity(previous.len());
    all_pages!(ctx, ops::DESCRIBE_DB_INSTANCES, ctx.client.describe_db_instances(), |page| out.extend(
        page.db_instances()
            .iter()
            .filter_map(|i| convert::instance(i, ctx.region, ctx.account))
            .map(|d| reuse_unchanged(&before, d))
    ));
    Ok(out)
}

/// The previous `Arc` when `d` describes the same instance the same way, else a new one.
/// What DescribeDBInstances does not say is carried over, and set again after the refresh
/// where it changed: the role (from the region's topology), the automatic upgrade target
/// (DescribeDBEngineVersions) and the account's name (the merged inventory's).
pub fn reuse_unchanged(before: &FxHashMap<&str, &Arc<DbInstance>>, mut d: DbInstance) -> Arc<DbInstance> {
    match before.get(d.arn.as_str()) {
        Some(old) => {
            d.role = old.role;
            if d.auto_upgrade_target.is_none() {
                d.auto_upgrade_target.clone_from(&old.auto_upgrade_target);
            }
            if d.account_name.is_none() {
                d.account_name.clone_from(&old.account_name);
            }
            if ***old == d { Arc::clone(old) } else { Arc::new(d) }
        }
        None => Arc::new(d),
    }
}

/// Filter values per Describe call when asking for named instances or clusters (the API
/// documents no limit; 20 keeps each request small).
const NAMED_PER_CALL: usize = 20;

fn filter(name: &str, values: &[String]) -> aws_sdk_rds::types::Filter {
    aws_sdk_rds::types::Filter::builder().name(name).set_values(Some(values.to_vec())).build()
}

/// The instances named and the members of the clusters named (`Filters` `db-instance-id`
/// and `db-cluster-id`): what an RDS event asks to describe again between full lists.
pub async fn instances_named(
    ctx: &RdsCtx<'_>,
    named: &super::event_refresh::Named,
) -> Result<Vec<DbInstance>, SourceError> {
    let mut out = Vec::new();
    let ids: Vec<String> = named.instances.iter().cloned().collect();
    let clusters: Vec<String> = named.clusters.iter().cloned().collect();
    for (kind, values) in [("db-instance-id", &ids), ("db-cluster-id", &clusters)] {
        for chunk in values.chunks(NAMED_PER_CALL) {
            let f = filter(kind, chunk);
            all_pages!(
                ctx,
                ops::DESCRIBE_DB_INSTANCES,
                ctx.client.describe_db_instances().filters(f.clone()),
                |page| out.extend(page.db_instances().iter().filter_map(|i| convert::instance(
                    i,
                    ctx.region,
                    ctx.account
                )))
            );
        }
    }
    Ok(out)
}

/// The clusters named (`Filters` `db-cluster-id`).
pub async fn clusters_named(ctx: &RdsCtx<'_>, ids: &BTreeSet<String>) -> Result<Vec<DbCluster>, SourceError> {
    let mut out = Vec::new();
    let ids: Vec<String> = ids.iter().cloned().collect();
    for chunk in ids.chunks(NAMED_PER_CALL) {
        let f = filter("db-cluster-id", chunk);
        all_pages!(
            ctx,
            ops::DESCRIBE_DB_CLUSTERS,
            ctx.client.describe_db_clusters().filters(f.clone()),
            |page| out.extend(page.db_clusters().iter().filter_map(|x| convert::cluster(
                x,
                ctx.region,
                ctx.account
            )))
        );
    }
    Ok(out)
}

pub async fn clusters(ctx: &RdsCtx<'_>) -> Result<Vec<DbCluster>, SourceError> {
    let mut out = Vec::new();
    all_pages!(ctx, ops::DESCRIBE_DB_CLUSTERS, ctx.client.describe_db_clusters(), |page| out
        .extend(page.db_clusters().iter().filter_map(|x| convert::cluster(x, ctx.region, ctx.account))));
    Ok(out)
}

pub async fn global_clusters(ctx: &RdsCtx<'_>) -> Result<Vec<GlobalCluster>, SourceError> {
    let mut out = Vec::new();
    all_pages!(ctx, ops::DESCRIBE_GLOBAL_CLUSTERS, ctx.client.describe_global_clusters(), |page| out
        .extend(page.global_clusters().iter().filter_map(convert::global_cluster)));
    Ok(out)
}

/// One account-wide call (per page) is cheaper than one per resource.
pub async fn pending_actions(ctx: &RdsCtx<'_>) -> Result<Vec<PendingAction>, SourceError> {
    let mut out = Vec::new();
    all_pages!(
        ctx,
        ops::DESCRIBE_PENDING_MAINTENANCE_ACTIONS,
        ctx.client.describe_pending_maintenance_actions(),
        |page| {
            for r in page.pending_maintenance_actions() {
                out.extend(convert::pending_actions(r, ctx.region));
            }
        }
    );
    Ok(out)
}

pub async fn blue_green(ctx: &RdsCtx<'_>) -> Result<Vec<BlueGreenDeployment>, SourceError> {
    let mut out = Vec::new();
    all_pages!(
        ctx,
        ops::DESCRIBE_BLUE_GREEN_DEPLOYMENTS,
        ctx.client.describe_blue_green_deployments(),
        |page| {
            out.extend(
                page.blue_green_deployments().iter().filter_map(|b| convert::blue_green(b, ctx.region)),
            )
        }
    );
    Ok(out)
}

/// The value a custom parameter group sets for `max_connections` (None: it leaves the engine
/// default), from the parameters the user changed (`Source=user`: a page or two, not the
/// engine's four hundred).
pub async fn max_connections_of(
    ctx: &RdsCtx<'_>,
    kind: ParameterGroupKind,
    name: &str,
) -> Result<Option<String>, SourceError> {
    let mut found = None;
    let pick = |params: &[aws_sdk_rds::types::Parameter], found: &mut Option<String>| {
        if let Some(p) = params.iter().find(|p| p.parameter_name() == Some("max_connections")) {
            *found = p.parameter_value().map(String::from);
        }
    };
    match kind {
        ParameterGroupKind::Db => all_pages!(
            ctx,
            ops::DESCRIBE_DB_PARAMETERS,
            ctx.client.describe_db_parameters().db_parameter_group_name(name).source("user"),
            |page| pick(page.parameters(), &mut found)
        ),
        ParameterGroupKind::Cluster => all_pages!(
            ctx,
            ops::DESCRIBE_DB_CLUSTER_PARAMETERS,
            ctx.client.describe_db_cluster_parameters().db_cluster_parameter_group_name(name).source("user"),
            |page| pick(page.parameters(), &mut found)
        ),
    }
    Ok(found)
}

/// Auto-upgrade targets of the engine versions present, asked once per (engine, version) and
/// cached by the caller: `ValidUpgradeTarget[].AutoUpgrade` names the version auto minor
/// version upgrade moves to.
pub async fn auto_upgrade_targets(
    ctx: &RdsCtx<'_>,
    wanted: &[(String, String)],
    cache: &mut HashMap<(String, String), Option<crate::domain::sym::Sym>>,
) -> Result<(), SourceError> {
    for (engine, version) in wanted {
        if cache.contains_key(&(engine.clone(), version.clone())) {
            continue;
        }
        let op = ops::DESCRIBE_DB_ENGINE_VERSIONS;
        ctx.call(op).await;
        let out = ctx
            .client
            .describe_db_engine_versions()
            .engine(engine)
            .engine_version(version)
            .send()
            .await
            .map_err(|e| from_sdk(&ctx.origin(op), &e, ctx.now))?;
        let target = out
            .db_engine_versions()
            .iter()
            .flat_map(|v| v.valid_upgrade_target())
            .find(|t| t.auto_upgrade() == Some(true) && t.is_major_version_upgrade() != Some(true))
            .and_then(|t| t.engine_version())
            .map(crate::domain::sym::Sym::from);
        cache.insert((engine.clone(), version.clone()), target);
    }
    Ok(())
}

/// Support dates are announced months ahead and rarely move: asking once a day per engine is
/// plenty.
pub const LIFECYCLES_MAX_AGE: SignedDuration = SignedDuration::from_hours(24);

/// What DescribeDBMajorEngineVersions said about one engine, and when it was asked.
#[derive(Debug, Clone, Default)]
pub struct EngineSupport {
    pub asked_at: Option<Timestamp>,
    pub majors: Vec<EngineLifecycle>,
}

/// Support dates of every major version of each engine in `engines`, asked once per engine
/// and kept in `cache` for `LIFECYCLES_MAX_AGE`. An error keeps what was cached and stops
/// (the other engines would fail alike). An error that asking again will not fix (access
/// denied: an older IAM policy; an API this partition lacks) counts as asked, so it is
/// reported once a day rather than on every inventory refresh.
pub async fn engine_lifecycles(
    ctx: &RdsCtx<'_>,
    engines: &BTreeSet<String>,
    cache: &mut HashMap<String, EngineSupport>,
) -> Result<(), SourceError> {
    let fresh =
        |s: &EngineSupport| s.asked_at.is_some_and(|t| ctx.now.duration_since(t) < LIFECYCLES_MAX_AGE);
    let due: Vec<&String> = engines.iter().filter(|e| !cache.get(*e).is_some_and(fresh)).collect();
    for engine in &due {
        match major_versions(ctx, engine).await {
            Ok(majors) => {
                cache.insert((*engine).clone(), EngineSupport { asked_at: Some(ctx.now), majors });
            }
            Err(e) => {
                if matches!(e.kind, ErrorKind::AccessDenied | ErrorKind::Other) {
                    for engine in &due {
                        cache.entry((*engine).clone()).or_default().asked_at = Some(ctx.now);
                    }
                }
                return Err(e);
            }
        }
    }
    Ok(())
}

async fn major_versions(ctx: &RdsCtx<'_>, engine: &str) -> Result<Vec<EngineLifecycle>, SourceError> {
    let mut majors = Vec::new();
    all_pages!(
        ctx,
        ops::DESCRIBE_DB_MAJOR_ENGINE_VERSIONS,
        ctx.client.describe_db_major_engine_versions().engine(engine),
        |out| majors.extend(out.db_major_engine_versions().iter().filter_map(convert::engine_lifecycle))
    );
    Ok(majors)
}

/// The cached support dates of the (engine, major version) pairs `instances` run.
pub fn lifecycles_in_use<'a>(
    instances: &[impl std::borrow::Borrow<DbInstance>],
    cache: &'a HashMap<String, EngineSupport>,
) -> Vec<&'a EngineLifecycle> {
    let in_use: BTreeSet<(&str, String)> = instances
        .iter()
        .map(std::borrow::Borrow::borrow)
        .map(|d: &DbInstance| (d.engine.as_str(), version::major(d.family(), &d.engine_version)))
        .collect();
    in_use
        .iter()
        .filter_map(|(engine, major)| {
            cache.get(*engine)?.majors.iter().find(|l| l.engine == *engine && &l.major_version == major)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::Role;
    use crate::source::demo::{DemoOptions, DemoSource};

    #[test]
    fn an_unchanged_instance_is_the_same_arc_and_a_changed_one_is_new() {
        let src = DemoSource::new(DemoOptions::default(), "2026-11-18T15:37:00Z".parse().unwrap());
        let previous: Vec<Arc<DbInstance>> = src.scenario().inventory.instances.clone();
        let before: FxHashMap<&str, &Arc<DbInstance>> =
            previous.iter().map(|d| (d.arn.as_str(), d)).collect();
        // As a refresh converts them: the role is not known yet (the target sets it after).
        let fresh = |d: &Arc<DbInstance>| DbInstance {
            role: Role::Standalone,
            auto_upgrade_target: None,
            account_name: None,
            ..(**d).clone()
        };
        let replica = previous
            .iter()
            .find(|d| d.role == Role::Replica && d.auto_upgrade_target.is_some() && d.account_name.is_some())
            .expect("the demo has named replicas with an upgrade target");
        let same = reuse_unchanged(&before, fresh(replica));
        assert!(Arc::ptr_eq(&same, replica), "an unchanged replica is shared, its role kept");
        let mut resized = fresh(replica);
        resized.class = "db.r6g.4xlarge".into();
        let changed = reuse_unchanged(&before, resized);
        assert!(!Arc::ptr_eq(&changed, replica));
        assert_eq!(changed.class, "db.r6g.4xlarge");
        let mut created = fresh(replica);
        created.arn = format!("{}-new", created.arn).into();
        assert!(!Arc::ptr_eq(&reuse_unchanged(&before, created), replica));
    }

    #[test]
    fn lifecycles_only_for_the_versions_in_use() {
        let src = DemoSource::new(DemoOptions::default(), "2026-11-18T15:37:00Z".parse().unwrap());
        let inv = &src.scenario().inventory;
        let mut cache: HashMap<String, EngineSupport> = HashMap::new();
        for l in &inv.engine_lifecycles {
            cache.entry(l.engine.clone()).or_default().majors.push(l.clone());
        }
        let in_region = |r: &str| -> Vec<DbInstance> {
            inv.instances.iter().filter(|d| d.region == r).map(|d| (**d).clone()).collect()
        };
        let names = |v: Vec<&EngineLifecycle>| -> Vec<String> {
            v.iter().map(|l| format!("{} {}", l.engine, l.major_version)).collect()
        };
        // ap-southeast-2 runs mysql 8.0, postgres 14 and 15, and Aurora MySQL (no dates known).
        assert_eq!(
            names(lifecycles_in_use(&in_region("ap-southeast-2"), &cache)),
            ["mysql 8.0", "postgres 14", "postgres 15"]
        );
        assert!(lifecycles_in_use(&in_region("us-west-2"), &HashMap::new()).is_empty());
    }
}
