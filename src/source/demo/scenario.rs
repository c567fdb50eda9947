//! The demo fleet's layout: three accounts' worth of RDS, Aurora and MSK across four regions,
//! built to show every situation dbfleet judges, and the signal each series follows.

use std::collections::BTreeMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use crate::domain::metrics::{MetricKind, SeriesKey};
use crate::domain::model::*;
use crate::domain::sym::{Sym, Tags};
use crate::domain::topology::assign_roles;

pub const PROD: &str = "210987654321";
pub const STAGING: &str = "345678901234";

/// What a series follows over time.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// Client connections: `load` of max_connections at peak, following the region's day.
    Connections {
        max: f64,
        load: f64,
        utc_offset: i64,
        surge: bool,
    },
    Cpu {
        base: f64,
        load: f64,
        utc_offset: i64,
        surge: bool,
    },
    /// RDS ReplicaLag in seconds; `spike`: the lag incident; `stops`: replication stops (-1).
    ReplicaLag {
        base: f64,
        spike: bool,
        stops: bool,
    },
    /// AuroraReplicaLag in seconds (published in ms, stored in seconds).
    AuroraLag {
        base_ms: f64,
    },
    GlobalLag {
        base_ms: f64,
    },
    FreeStorage {
        total_gib: f64,
        used_frac: f64,
    },
    Kafka {
        pattern: LagPattern,
        kind: MetricKind,
    },
    /// A pooled client that holds about `level` connections at all hours.
    Steady {
        level: f64,
        spread: f64,
    },
    /// Serverless v2 capacity in ACUs, following traffic between `min` and `max` and pinned at
    /// `max` through the connection-surge incident; `percent`: as ACUUtilization (% of max).
    /// `hash` ties both series of one instance to the same noise.
    Capacity {
        min: f64,
        max: f64,
        utc_offset: i64,
        percent: bool,
        hash: u64,
        surge: bool,
    },
}

/// How a consumer group behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LagPattern {
    Healthy,
    FallingBehind,
    Stalled,
    CatchingUp,
    Batch,
    Idle,
    /// Consumes normally, then its metrics vanish for an hour of every two (a group that
    /// keeps rebalancing, or whose members all left): STOP.
    Vanishing,
}

#[derive(Debug, Clone)]
pub struct SeriesSpec {
    pub key: SeriesKey,
    pub signal: Signal,
    /// Stable per-series hash for noise.
    pub hash: u64,
    /// No datapoints at all (an instance still being created).
    pub silent: bool,
    /// No datapoints from this minute on (epoch minutes): the instance stopped.
    pub until_minute: Option<i64>,
    /// What the failover in the incident cycle does to it, if anything.
    pub failover: Option<super::happenings::FailoverEffect>,
}

pub struct Scenario {
    pub inventory: std::sync::Arc<Inventory>,
    pub specs: Vec<SeriesSpec>,
    pub events: Vec<super::happenings::EventSpec>,
    pub alarms: Vec<super::happenings::AlarmSpec>,
}

fn utc_offset(region: &str) -> i64 {
    match region {
        "us-east-1" => -5,
        "us-west-2" => -8,
        "eu-west-1" => 0,
        "ap-southeast-2" => 11,
        _ => 0,
    }
}

/// Builder state while laying out the fleet.
pub(super) struct Builder {
    pub(super) start: Timestamp,
    pub(super) suffix: String,
    pub(super) inv: Inventory,
    pub(super) specs: Vec<SeriesSpec>,
    pub(super) events: Vec<super::happenings::EventSpec>,
    pub(super) alarms: Vec<super::happenings::AlarmSpec>,
}

/// Knobs for one instance beyond its identity.
#[derive(Clone, Default)]
pub(super) struct Opts {
    pub(super) multi_az: bool,
    pub(super) amvu: bool,
    pub(super) window: &'static str,
    pub(super) env: &'static str,
    pub(super) load: f64,
    pub(super) surge: bool,
    pub(super) lag_spike: bool,
    pub(super) lag_stops: bool,
    pub(super) status: Option<&'static str>,
    pub(super) auto_upgrade_target: Option<&'static str>,
    pub(super) pending_class: Option<&'static str>,
    pub(super) pending_version: Option<&'static str>,
    /// A custom DB parameter group (else `default.<family>`).
    pub(super) parameter_group: Option<String>,
    /// Stopped this many hours before the start: its datapoints end then.
    pub(super) stopped_hours_ago: Option<i64>,
    /// The limit its client load is drawn against, when not the class default (a custom
    /// parameter group, Serverless v2).
    pub(super) connections_max: Option<f64>,
}

impl Builder {
    pub(super) fn id(&self, base: &str) -> String {
        format!("{base}{}", self.suffix)
    }

    pub(super) fn arn(&self, account: &str, region: &str, kind: &str, id: &str) -> String {
        format!("arn:aws:rds:{region}:{account}:{kind}:{id}")
    }

    pub(super) fn ago(&self, hours: i64) -> Timestamp {
        self.start.checked_sub(SignedDuration::from_hours(hours)).unwrap_or(self.start)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn instance(
        &mut self,
        account: &str,
        region: &str,
        base: &str,
        engine: &str,
        version: &str,
        class: &str,
        o: &Opts,
    ) -> String {
        let id = self.id(base);
        let arn = self.arn(account, region, "db", &id);
        let h = crate::source::demo::signals::name_hash(&arn);
        let az = ["a", "b", "c"][(h % 3) as usize];
        let mut tags = Tags::default();
        tags.insert("env".to_string(), if o.env.is_empty() { "production" } else { o.env }.to_string());
        tags.insert("team".to_string(), base.split('-').next().unwrap_or("platform").to_string());
        let window = if o.window.is_empty() {
            // Spread default windows over the quiet early-morning UTC hours.
            let day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][(h % 7) as usize];
            let hour = 2 + (h / 7 % 4) as u32;
            format!("{day}:{hour:02}:00-{day}:{hour:02}:30")
        } else {
            o.window.to_string()
        };
        self.inv.instances.push(Arc::new(DbInstance {
            status: o.status.unwrap_or("available").into(),
            availability_zone: Some(format!("{region}{az}").into()),
            multi_az: o.multi_az,
            secondary_az: o.multi_az.then(|| format!("{region}{}", if az == "a" { "b" } else { "a" }).into()),
            auto_minor_version_upgrade: o.amvu,
            maintenance_window: Some(window.into()),
            pending_modified: PendingModified {
                class: o.pending_class.map(Into::into),
                engine_version: o.pending_version.map(Into::into),
                ..Default::default()
            },
            auto_upgrade_target: o.auto_upgrade_target.map(Into::into),
            created_at: Some(self.ago(24 * (30 + (h % 600) as i64))),
            tags,
            parameter_group: Some(ParameterGroupRef {
                name: o
                    .parameter_group
                    .clone()
                    .unwrap_or_else(|| {
                        format!("default.{}", crate::domain::version::parameter_family(engine, version))
                    })
                    .into(),
                apply_status: Some("in-sync".into()),
            }),
            allocated_storage_gib: Some(100),
            ..DbInstance::new(account, region, &id, engine, version, class)
        }));
        // Nothing published by design while being created or deleted.
        let silent = matches!(o.status, Some("creating" | "deleting"));
        let until = o.stopped_hours_ago.map(|hrs| self.ago(hrs).as_second().div_euclid(60));
        let off = utc_offset(region);
        let family = EngineFamily::of(engine);
        let limit = crate::domain::capacity::LimitInput::defaults(family, class);
        let max = o.connections_max.unwrap_or_else(|| {
            crate::domain::capacity::max_connections(&limit).map_or(1000.0, |m| f64::from(m.value))
        });
        let load = if o.load > 0.0 { o.load } else { 0.25 + (h % 20) as f64 / 100.0 };
        // Neptune publishes no connection count.
        if family != EngineFamily::Neptune {
            self.spec_until(
                &arn,
                MetricKind::Connections,
                Signal::Connections { max, load, utc_offset: off, surge: o.surge },
                silent,
                until,
            );
        }
        self.spec_until(
            &arn,
            MetricKind::CpuPercent,
            Signal::Cpu { base: 6.0, load: 40.0 + load * 40.0, utc_offset: off, surge: o.surge },
            silent,
            until,
        );
        if !family.has_cluster_storage() {
            let total = crate::domain::capacity::class_memory_gib(class).unwrap_or(16.0) * 25.0;
            self.spec_until(
                &arn,
                MetricKind::FreeStorage,
                Signal::FreeStorage { total_gib: total, used_frac: 0.3 + (h % 50) as f64 / 100.0 },
                silent,
                until,
            );
        }
        id
    }

    pub(super) fn spec(&mut self, resource: &str, kind: MetricKind, signal: Signal, silent: bool) {
        self.spec_until(resource, kind, signal, silent, None);
    }

    pub(super) fn spec_until(
        &mut self,
        resource: &str,
        kind: MetricKind,
        signal: Signal,
        silent: bool,
        until_minute: Option<i64>,
    ) {
        let key = SeriesKey::resource(resource, kind);
        let hash = crate::source::demo::signals::name_hash(&format!("{resource}/{kind:?}"));
        self.specs.push(SeriesSpec { key, signal, hash, silent, until_minute, failover: None });
    }

    /// Mark a series as disturbed by the incident cycle's failover.
    pub(super) fn failover(
        &mut self,
        resource: &str,
        kind: MetricKind,
        effect: super::happenings::FailoverEffect,
    ) {
        if let Some(s) = self.specs.iter_mut().find(|s| s.key.resource == resource && s.key.kind == kind) {
            s.failover = Some(effect);
        }
    }

    /// Replace a series' signal (an instance whose load follows a custom limit).
    pub(super) fn resignal(&mut self, resource: &str, kind: MetricKind, signal: Signal) {
        if let Some(s) = self.specs.iter_mut().find(|s| s.key.resource == resource && s.key.kind == kind) {
            s.signal = signal;
        }
    }

    pub(super) fn find(&mut self, id: &str) -> &mut DbInstance {
        let i = self.inv.instances.iter().position(|d| d.id == id).unwrap_or(0);
        Arc::make_mut(&mut self.inv.instances[i])
    }

    /// An RDS read replica of `source` (same region unless `region` differs: then linked by ARN).
    pub(super) fn replica(&mut self, source: &str, base: &str, region: &str, o: &Opts) -> String {
        let (account, engine, version, class, src_region, src_arn) = {
            let s = self.find(source);
            (
                s.account.clone(),
                s.engine.clone(),
                s.engine_version.clone(),
                s.class.clone(),
                s.region.clone(),
                s.arn.to_string(),
            )
        };
        let id = self.instance(
            &account,
            region,
            base,
            &engine,
            &version,
            &class,
            &Opts { load: 0.2, ..o.clone() },
        );
        let arn = self.find(&id).arn.to_string();
        let link_src = if region == src_region { source.to_string() } else { src_arn };
        let link_rep = if region == src_region { id.clone() } else { arn.clone() };
        self.find(&id).replica_source = Some(link_src);
        self.find(source).replicas.push(link_rep);
        let base_lag = if o.lag_spike { 1.0 } else { 0.2 };
        self.spec(
            &arn,
            MetricKind::ReplicaLag,
            Signal::ReplicaLag { base: base_lag, spike: o.lag_spike, stops: o.lag_stops },
            o.status == Some("creating"),
        );
        id
    }

    /// A cluster (Aurora, Multi-AZ DB cluster, Neptune or DocumentDB, by engine) with a writer
    /// and `readers` readers, each publishing its engine's replica lag; returns the cluster ARN.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn db_cluster(
        &mut self,
        account: &str,
        region: &str,
        base: &str,
        engine: &str,
        version: &str,
        class: &str,
        readers: usize,
        o: &Opts,
    ) -> String {
        let cid = self.id(base);
        let carn = self.arn(account, region, "cluster", &cid);
        let mut members = Vec::new();
        for n in 0..=readers {
            let iid = self.instance(account, region, &format!("{base}-{}", n + 1), engine, version, class, o);
            let d = self.find(&iid);
            d.cluster_id = Some(cid.clone());
            d.promotion_tier = Some(n as u32);
            d.maintenance_window = Some(o.window_or("sat:04:00-sat:04:30").into());
            // Members share the cluster's volume.
            d.allocated_storage_gib = None;
            let arn = d.arn.clone();
            members.push(ClusterMember {
                instance_id: iid,
                is_writer: n == 0,
                promotion_tier: Some(n as u32),
            });
            if n > 0 {
                // Aurora, Neptune and DocumentDB publish lag in ms; Multi-AZ DB clusters in s.
                let signal = if EngineFamily::of(engine).has_cluster_storage() {
                    Signal::AuroraLag { base_ms: 12.0 + (n as f64) * 4.0 }
                } else {
                    Signal::ReplicaLag { base: 0.4, spike: false, stops: false }
                };
                self.spec(&arn, MetricKind::ReplicaLag, signal, false);
            }
        }
        let mut tags = Tags::default();
        tags.insert("env".to_string(), if o.env.is_empty() { "production" } else { o.env }.to_string());
        self.inv.clusters.push(DbCluster {
            multi_az: readers > 0,
            members,
            auto_minor_version_upgrade: o.amvu,
            maintenance_window: Some(o.window_or("sat:04:00-sat:04:30")),
            tags,
            parameter_group: Some(format!(
                "default.{}",
                crate::domain::version::parameter_family(engine, version)
            )),
            ..DbCluster::new(account, region, &cid, engine, version)
        });
        carn
    }

    pub(super) fn pending(
        &mut self,
        id: &str,
        action: &str,
        description: &str,
        auto_after_h: Option<i64>,
        forced_h: Option<i64>,
    ) {
        let (arn, region) = {
            let d = self.find(id);
            (d.arn.to_string(), d.region.to_string())
        };
        let at = |h: i64| self.start.checked_add(SignedDuration::from_hours(h)).ok();
        self.inv.pending_actions.push(PendingAction {
            resource_arn: arn,
            resource_id: id.into(),
            region,
            action: action.into(),
            description: Some(description.into()),
            auto_applied_after: auto_after_h.and_then(at),
            forced_apply: forced_h.and_then(at),
            current_apply: auto_after_h.or(forced_h).and_then(at),
            opt_in_status: Some("pending".into()),
        });
    }
}

impl Opts {
    pub(super) fn window_or(&self, default: &str) -> String {
        if self.window.is_empty() { default.to_string() } else { self.window.to_string() }
    }
}

fn lay_out_databases(b: &mut Builder) {
    let prod = |o: Opts| Opts { env: "production", ..o };
    // us-east-1: the big MySQL source at the 5-replica limit, one replica cross-region.
    let orders = b.instance(
        PROD,
        "us-east-1",
        "orders-mysql",
        "mysql",
        "8.0.35",
        "db.r6g.2xlarge",
        &prod(Opts { multi_az: true, window: "sun:07:00-sun:07:30", load: 0.45, ..Default::default() }),
    );
    for n in 1..=4 {
        let o = Opts { lag_spike: n == 3, ..Default::default() };
        b.replica(&orders, &format!("orders-mysql-r{n}"), "us-east-1", &o);
    }
    b.replica(&orders, "orders-mysql-r5", "us-west-2", &Opts::default());

    // The outage this tool exists to prevent: single-AZ production writer, auto minor version
    // upgrade on, its window at 13:00 New York time on a Tuesday, and an upgrade target waiting.
    let billing = b.instance(
        PROD,
        "us-east-1",
        "billing-pg",
        "postgres",
        "15.7",
        "db.m6g.xlarge",
        &prod(Opts {
            amvu: true,
            window: "tue:18:00-tue:18:30",
            load: 0.55,
            auto_upgrade_target: Some("15.8"),
            ..Default::default()
        }),
    );
    b.replica(
        &billing,
        "billing-pg-r1",
        "us-east-1",
        &Opts { amvu: true, window: "tue:18:00-tue:18:30", ..Default::default() },
    );

    let inventory = b.instance(
        PROD,
        "us-east-1",
        "inventory-mysql",
        "mysql",
        "8.0.36",
        "db.r6g.xlarge",
        &prod(Opts { multi_az: true, ..Default::default() }),
    );
    b.replica(&inventory, "inventory-mysql-r1", "us-east-1", &Opts { lag_stops: true, ..Default::default() });
    b.replica(&inventory, "inventory-mysql-r2", "us-east-1", &Opts::default());
    let green = b.replica(&inventory, "inventory-mysql-green-7kq2", "us-east-1", &Opts::default());
    b.find(&green).engine_version = "8.4.3".into();
    let (blue_arn, green_arn) = (b.find(&inventory).arn.to_string(), b.find(&green).arn.to_string());
    let bg_created = b.ago(3);
    b.inv.blue_green.push(BlueGreenDeployment {
        id: format!("bgd-{}", b.id("7kq2m9x4ab")),
        name: b.id("inventory-mysql-to-8-4"),
        region: "us-east-1".into(),
        source_arn: blue_arn,
        target_arn: Some(green_arn),
        status: "AVAILABLE".into(),
        status_details: Some("Green environment in sync; ready for switchover".into()),
        created_at: Some(bg_created),
    });

    let users = b.db_cluster(
        PROD,
        "us-east-1",
        "users-aurora",
        "aurora-mysql",
        "8.0.mysql_aurora.3.05.2",
        "db.r6g.xlarge",
        2,
        &prod(Opts::default()),
    );
    let users_west = b.db_cluster(
        PROD,
        "us-west-2",
        "users-aurora-west",
        "aurora-mysql",
        "8.0.mysql_aurora.3.05.2",
        "db.r6g.xlarge",
        1,
        &prod(Opts::default()),
    );
    let gid = b.id("users-global");
    for c in b.inv.clusters.iter_mut().filter(|c| c.arn == users || c.arn == users_west) {
        c.global_cluster_id = Some(gid.clone());
    }
    b.inv.global_clusters.push(GlobalCluster {
        id: gid,
        engine: "aurora-mysql".into(),
        members: vec![
            GlobalMember {
                cluster_arn: users.clone(),
                cluster_id: b.id("users-aurora"),
                region: "us-east-1".into(),
                is_writer: true,
            },
            GlobalMember {
                cluster_arn: users_west.clone(),
                cluster_id: b.id("users-aurora-west"),
                region: "us-west-2".into(),
                is_writer: false,
            },
        ],
    });
    b.spec(&users_west, MetricKind::GlobalReplicationLag, Signal::GlobalLag { base_ms: 900.0 }, false);
    b.spec(&users_west, MetricKind::GlobalRpoLag, Signal::GlobalLag { base_ms: 1200.0 }, false);

    b.db_cluster(
        PROD,
        "us-east-1",
        "analytics-aurora-pg",
        "aurora-postgresql",
        "15.6",
        "db.r6g.2xlarge",
        2,
        &prod(Opts::default()),
    );
    // A lone Aurora writer: no reader to fail over to.
    b.db_cluster(
        PROD,
        "us-east-1",
        "audit-aurora",
        "aurora-mysql",
        "8.0.mysql_aurora.3.04.3",
        "db.r6g.large",
        0,
        &prod(Opts { amvu: true, ..Default::default() }),
    );
    let sessions = b.instance(
        PROD,
        "us-east-1",
        "sessions-mariadb",
        "mariadb",
        "10.11.8",
        "db.m6g.large",
        &Opts { amvu: true, env: "staging", ..Default::default() },
    );
    b.pending(
        &sessions,
        "ca-certificate-rotation",
        "Rotate to CA rds-ca-rsa2048-g1 before the current certificate expires",
        None,
        Some(24 * 12),
    );
    let reporting = b.instance(
        PROD,
        "us-east-1",
        "reporting-pg",
        "postgres",
        "16.3",
        "db.r6g.large",
        &prod(Opts { multi_az: true, ..Default::default() }),
    );
    b.pending(&reporting, "system-update", "New Operating System update is available", None, None);
    b.instance(
        STAGING,
        "us-east-1",
        "staging-orders-mysql",
        "mysql",
        "8.0.39",
        "db.t4g.medium",
        &Opts { amvu: true, env: "staging", ..Default::default() },
    );
    b.instance(
        STAGING,
        "us-east-1",
        "staging-billing-pg",
        "postgres",
        "16.4",
        "db.t4g.medium",
        &Opts { amvu: true, env: "staging", ..Default::default() },
    );

    // eu-west-1
    let eu_orders = b.instance(
        PROD,
        "eu-west-1",
        "eu-orders-mysql",
        "mysql",
        "8.0.35",
        "db.r6g.xlarge",
        &prod(Opts { multi_az: true, amvu: true, window: "thu:02:00-thu:02:30", ..Default::default() }),
    );
    b.replica(
        &eu_orders,
        "eu-orders-mysql-r1",
        "eu-west-1",
        &Opts { amvu: true, window: "thu:02:00-thu:02:30", ..Default::default() },
    );
    b.replica(
        &eu_orders,
        "eu-orders-mysql-r2",
        "eu-west-1",
        &Opts { amvu: true, window: "thu:02:00-thu:02:30", ..Default::default() },
    );
    b.pending(
        &eu_orders,
        "db-upgrade",
        "Upgrade to mysql 8.0.40 (end of standard support for 8.0.35)",
        Some(-24),
        Some(24 * 4 + 6),
    );
    let checkout = b.instance(
        PROD,
        "eu-west-1",
        "eu-checkout-pg",
        "postgres",
        "16.2",
        "db.r6g.large",
        &prod(Opts { multi_az: true, surge: true, load: 0.4, ..Default::default() }),
    );
    b.replica(&checkout, "eu-checkout-pg-r1", "eu-west-1", &Opts::default());
    b.db_cluster(
        PROD,
        "eu-west-1",
        "eu-ledger-aurora-pg",
        "aurora-postgresql",
        "16.2",
        "db.r6g.xlarge",
        2,
        &prod(Opts::default()),
    );
    b.instance(PROD, "eu-west-1", "eu-crm-mysql", "mysql", "8.0.36", "db.m6g.large", &prod(Opts::default()));
    let search = b.instance(
        PROD,
        "eu-west-1",
        "eu-search-mariadb",
        "mariadb",
        "10.11.7",
        "db.r6g.large",
        // Someone queued a minor upgrade of the source for its next window; its replica stays
        // behind: the source would run ahead of its replica.
        &prod(Opts { multi_az: true, pending_version: Some("10.11.9"), ..Default::default() }),
    );
    b.replica(&search, "eu-search-mariadb-r1", "eu-west-1", &Opts::default());
    b.instance(
        STAGING,
        "eu-west-1",
        "staging-eu-checkout-pg",
        "postgres",
        "16.4",
        "db.t4g.large",
        &Opts { amvu: true, env: "staging", ..Default::default() },
    );

    // ap-southeast-2
    let catalog = b.instance(
        PROD,
        "ap-southeast-2",
        "apac-catalog-mysql",
        "mysql",
        "8.0.39",
        "db.r6g.xlarge",
        &prod(Opts { multi_az: true, ..Default::default() }),
    );
    b.replica(&catalog, "apac-catalog-mysql-r1", "ap-southeast-2", &Opts::default());
    b.replica(&catalog, "apac-catalog-mysql-r2", "ap-southeast-2", &Opts::default());
    b.replica(
        &catalog,
        "apac-catalog-mysql-r3",
        "ap-southeast-2",
        &Opts { status: Some("creating"), ..Default::default() },
    );
    b.pending(&catalog, "system-update", "New Operating System update is available", Some(24 * 2), None);
    b.db_cluster(
        PROD,
        "ap-southeast-2",
        "apac-search-aurora",
        "aurora-mysql",
        "8.0.mysql_aurora.3.05.2",
        "db.r6g.large",
        1,
        &prod(Opts::default()),
    );
    b.instance(
        PROD,
        "ap-southeast-2",
        "apac-loyalty-pg",
        "postgres",
        "14.12",
        "db.m6g.large",
        &prod(Opts::default()),
    );
    b.instance(
        PROD,
        "ap-southeast-2",
        "apac-events-pg",
        "postgres",
        "15.7",
        "db.m6g.large",
        &prod(Opts { status: Some("modifying"), pending_class: Some("db.m6g.xlarge"), ..Default::default() }),
    );
    b.instance(
        STAGING,
        "ap-southeast-2",
        "staging-apac-catalog-mysql",
        "mysql",
        "8.0.39",
        "db.t4g.medium",
        &Opts { amvu: true, env: "staging", ..Default::default() },
    );
}

fn lay_out_kafka(b: &mut Builder) {
    let cluster = |b: &Builder, region: &str, name: &str| {
        let name = b.id(name);
        format!(
            "arn:aws:kafka:{region}:{PROD}:cluster/{name}/{:08x}-0001",
            crate::source::demo::signals::name_hash(&name) as u32
        )
    };
    let clusters = [
        ("us-east-1", "prod-events", MskClusterType::Provisioned, Some("3.6.0"), Some(6)),
        ("eu-west-1", "prod-cdc", MskClusterType::Provisioned, Some("3.5.1"), Some(3)),
        ("ap-southeast-2", "legacy-stream", MskClusterType::Provisioned, Some("2.1.0"), Some(3)),
        ("us-east-1", "analytics-serverless", MskClusterType::Serverless, None, None),
    ];
    for (region, name, kind, version, brokers) in clusters {
        let arn = cluster(b, region, name);
        b.inv.kafka_clusters.push(MskCluster {
            arn,
            name: b.id(name),
            account: PROD.into(),
            region: region.into(),
            state: "ACTIVE".into(),
            cluster_type: kind,
            kafka_version: version.map(Into::into),
            broker_count: brokers,
            monitoring_level: (kind == MskClusterType::Provisioned).then(|| "DEFAULT".into()),
        });
    }
    use LagPattern::*;
    let groups = [
        ("us-east-1", "prod-events", "search-indexer", "orders.events", FallingBehind),
        ("us-east-1", "prod-events", "fraud-scorer", "payments.authorized", CatchingUp),
        ("us-east-1", "prod-events", "email-notifier", "notifications.email", Healthy),
        ("us-east-1", "prod-events", "audit-archiver", "audit.log", Batch),
        ("us-east-1", "prod-events", "recommendations", "clickstream", Healthy),
        ("us-east-1", "prod-events", "cache-invalidator", "orders.events", Healthy),
        ("us-east-1", "prod-events", "webhook-dispatcher", "webhooks.outbound", Healthy),
        ("us-east-1", "prod-events", "metrics-rollup", "metrics.raw", Healthy),
        ("us-east-1", "prod-events", "inventory-sync", "inventory.updates", Vanishing),
        ("us-east-1", "prod-events", "config-watcher", "config.changes", Idle),
        ("eu-west-1", "prod-cdc", "billing-cdc-sink", "cdc.billing", Stalled),
        ("eu-west-1", "prod-cdc", "ledger-projector", "cdc.ledger", Healthy),
        ("eu-west-1", "prod-cdc", "warehouse-loader", "cdc.orders", Healthy),
        // A second reader of cdc.billing: its lag moving is what shows the topic still
        // receives data while billing-cdc-sink's sits still (STALL, not idle).
        ("eu-west-1", "prod-cdc", "warehouse-loader", "cdc.billing", Healthy),
        ("eu-west-1", "prod-cdc", "legacy-export", "cdc.legacy", Idle),
        ("us-east-1", "analytics-serverless", "clickstream-aggregator", "clickstream", Healthy),
    ];
    for (region, cname, group, topic, pattern) in groups {
        let arn = cluster(b, region, cname);
        let id = ConsumerGroupTopic {
            cluster_arn: arn.as_str().into(),
            cluster_name: b.id(cname).into(),
            group: group.into(),
            topic: topic.into(),
        };
        for kind in [MetricKind::MaxOffsetLag, MetricKind::SumOffsetLag, MetricKind::EstimatedMaxTimeLag] {
            let key = SeriesKey::consumer(&arn, group, topic, kind);
            let hash = crate::source::demo::signals::name_hash(&format!("{arn}/{group}/{topic}"));
            b.specs.push(SeriesSpec {
                failover: None,
                key,
                signal: Signal::Kafka { pattern, kind },
                hash,
                silent: false,
                until_minute: None,
            });
        }
        b.inv.consumer_groups.push(id);
    }
}

/// RDS support dates per major version (as DescribeDBMajorEngineVersions gives them).
fn lifecycles() -> Vec<EngineLifecycle> {
    let day = |s: &str| {
        s.parse::<jiff::civil::Date>()
            .ok()
            .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
            .map(|z| z.timestamp())
    };
    [
        ("mysql", "8.0", "2026-07-31", Some("2029-07-31")),
        ("mysql", "8.4", "2029-07-31", Some("2032-07-31")),
        ("postgres", "14", "2027-02-28", Some("2030-02-28")),
        ("postgres", "15", "2028-02-29", Some("2031-02-28")),
        ("postgres", "16", "2029-02-28", Some("2032-02-29")),
        ("mariadb", "10.11", "2028-02-29", None),
        ("aurora-postgresql", "15", "2028-02-29", Some("2031-02-28")),
        ("aurora-postgresql", "16", "2029-02-28", Some("2032-02-29")),
    ]
    .into_iter()
    .map(|(engine, major, std, ext)| EngineLifecycle {
        engine: engine.into(),
        major_version: major.into(),
        standard_support_end: day(std),
        extended_support_end: ext.and_then(day),
    })
    .collect()
}

impl Signal {
    /// The same series on a day nothing goes wrong: no surge, spike or stop, loads well under
    /// their limits, consumer groups keeping up.
    fn calm(self) -> Signal {
        match self {
            Signal::Connections { max, load, utc_offset, .. } => {
                Signal::Connections { max, load: load.min(0.5), utc_offset, surge: false }
            }
            Signal::Cpu { base, load, utc_offset, .. } => {
                Signal::Cpu { base: base.min(15.0), load: load.min(35.0), utc_offset, surge: false }
            }
            Signal::ReplicaLag { base, .. } => Signal::ReplicaLag { base, spike: false, stops: false },
            Signal::FreeStorage { total_gib, used_frac } => {
                Signal::FreeStorage { total_gib, used_frac: used_frac.min(0.6) }
            }
            Signal::Kafka { kind, .. } => Signal::Kafka { pattern: LagPattern::Healthy, kind },
            Signal::Steady { level, spread } => Signal::Steady { level: level * 0.5, spread },
            Signal::Capacity { min, max, utc_offset, percent, hash, .. } => {
                Signal::Capacity { min, max, utc_offset, percent, hash, surge: false }
            }
            s @ (Signal::AuroraLag { .. } | Signal::GlobalLag { .. }) => s,
        }
    }
}

/// Build the fleet `copies` times over (copies > 1 for scale tests: ids get a numeric suffix).
/// `calm`: every copy after the first has a calm day (no incident, no event, no alarm), the
/// mix of a big fleet where one part is in trouble; otherwise each copy lives the incident.
pub fn build(start: Timestamp, copies: usize, calm: bool) -> Scenario {
    let mut b = Builder {
        start,
        suffix: String::new(),
        inv: Inventory::default(),
        specs: Vec::new(),
        events: Vec::new(),
        alarms: Vec::new(),
    };
    for copy in 0..copies.max(1) {
        b.suffix = if copy == 0 { String::new() } else { format!("-{copy:03}") };
        let (specs, events, alarms) = (b.specs.len(), b.events.len(), b.alarms.len());
        lay_out_databases(&mut b);
        super::shapes::lay_out(&mut b);
        lay_out_kafka(&mut b);
        super::happenings::lay_out(&mut b);
        if calm && copy > 0 {
            for s in &mut b.specs[specs..] {
                s.signal = s.signal.clone().calm();
                s.failover = None;
            }
            b.events.truncate(events);
            b.alarms.truncate(alarms);
        }
    }
    b.inv.engine_lifecycles = lifecycles();
    // DescribeDBEngineVersions designates one automatic target per engine version: every
    // instance on that version gets it, as the live source sees it.
    let targets: BTreeMap<(Sym, Sym), Sym> = b
        .inv
        .instances
        .iter()
        .filter_map(|d| Some(((d.engine.clone(), d.engine_version.clone()), d.auto_upgrade_target.clone()?)))
        .collect();
    for d in &mut b.inv.instances {
        Arc::make_mut(d).auto_upgrade_target =
            targets.get(&(d.engine.clone(), d.engine_version.clone())).cloned();
    }
    // The demo's accounts go by their names, as a configured organization would show them.
    b.inv.account_names.insert(PROD.into(), "demo-prod".into());
    b.inv.account_names.insert(STAGING.into(), "demo-staging".into());
    b.inv.name_accounts();
    assign_roles(&mut b.inv);
    Scenario { inventory: std::sync::Arc::new(b.inv), specs: b.specs, events: b.events, alarms: b.alarms }
}
