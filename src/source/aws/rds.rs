//! One region's RDS inventory: instances, clusters, global databases, pending maintenance,
//! blue/green deployments (all pages), and the auto-upgrade target of each engine version.

use std::collections::HashMap;

use jiff::Timestamp;

use super::calls::{CallCounter, ops};
use super::convert;
use super::errors::{Origin, from_sdk};
use crate::domain::model::{BlueGreenDeployment, DbCluster, DbInstance, GlobalCluster, PendingAction};
use crate::domain::snapshot::{Service, SourceError};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct RdsInventory {
    pub instances: Vec<DbInstance>,
    pub clusters: Vec<DbCluster>,
    pub global_clusters: Vec<GlobalCluster>,
    pub pending_actions: Vec<PendingAction>,
    pub blue_green: Vec<BlueGreenDeployment>,
}

pub struct RdsCtx<'a> {
    pub client: &'a aws_sdk_rds::Client,
    pub region: &'a str,
    pub account: Option<&'a str>,
    pub calls: &'a CallCounter,
    pub now: Timestamp,
    /// MaxRecords per Describe page (20..100).
    pub page_size: i32,
}

impl RdsCtx<'_> {
    fn origin(&self, operation: &'static str) -> Origin<'_> {
        Origin { account: self.account, region: self.region, service: Service::Rds, operation }
    }
}

/// Follow `Marker` until the last page; each page is one call.
macro_rules! all_pages {
    ($ctx:expr, $op:expr, $req:expr, |$out:ident| $each:expr) => {{
        let mut marker: Option<String> = None;
        loop {
            $ctx.calls.call($op);
            let $out = $req
                .max_records($ctx.page_size)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| from_sdk(&$ctx.origin($op), &e, $ctx.now))?;
            $each;
            match $out.marker() {
                Some(m) if !m.is_empty() => marker = Some(m.to_string()),
                _ => break,
            }
        }
    }};
}

pub async fn describe(ctx: &RdsCtx<'_>) -> Result<RdsInventory, SourceError> {
    let client = ctx.client;
    let (region, account) = (ctx.region, ctx.account);
    let mut inv = RdsInventory::default();
    all_pages!(ctx, ops::DESCRIBE_DB_INSTANCES, client.describe_db_instances(), |out| inv
        .instances
        .extend(out.db_instances().iter().filter_map(|i| convert::instance(i, region, account))));
    all_pages!(ctx, ops::DESCRIBE_DB_CLUSTERS, client.describe_db_clusters(), |out| inv
        .clusters
        .extend(out.db_clusters().iter().filter_map(|x| convert::cluster(x, region, account))));
    all_pages!(ctx, ops::DESCRIBE_GLOBAL_CLUSTERS, client.describe_global_clusters(), |out| inv
        .global_clusters
        .extend(out.global_clusters().iter().filter_map(convert::global_cluster)));
    // One account-wide call (per page) is cheaper than one per resource.
    all_pages!(
        ctx,
        ops::DESCRIBE_PENDING_MAINTENANCE_ACTIONS,
        client.describe_pending_maintenance_actions(),
        |out| {
            for r in out.pending_maintenance_actions() {
                inv.pending_actions.extend(convert::pending_actions(r, region));
            }
        }
    );
    all_pages!(ctx, ops::DESCRIBE_BLUE_GREEN_DEPLOYMENTS, client.describe_blue_green_deployments(), |out| {
        inv.blue_green
            .extend(out.blue_green_deployments().iter().filter_map(|b| convert::blue_green(b, region)))
    });
    Ok(inv)
}

/// Auto-upgrade targets of the engine versions present, asked once per (engine, version) and
/// cached by the caller: `ValidUpgradeTarget[].AutoUpgrade` names the version auto minor
/// version upgrade moves to.
pub async fn auto_upgrade_targets(
    ctx: &RdsCtx<'_>,
    wanted: &[(String, String)],
    cache: &mut HashMap<(String, String), Option<String>>,
) -> Result<(), SourceError> {
    for (engine, version) in wanted {
        if cache.contains_key(&(engine.clone(), version.clone())) {
            continue;
        }
        let op = ops::DESCRIBE_DB_ENGINE_VERSIONS;
        ctx.calls.call(op);
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
            .map(String::from);
        cache.insert((engine.clone(), version.clone()), target);
    }
    Ok(())
}
