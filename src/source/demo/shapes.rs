//! What a real account returns beyond the classic fleet, laid out so the demo meets what a
//! first contact with AWS meets: a custom parameter group that sets max_connections (literal,
//! formula, and a change waiting for a reboot), Aurora Serverless v2, a Multi-AZ DB cluster,
//! Neptune and DocumentDB from the same RDS API, SQL Server and Oracle replicas, and instances
//! that are stopped or being deleted.

use super::scenario::{Builder, Opts, PROD, STAGING, Signal};
use crate::domain::metrics::MetricKind;
use crate::domain::model::{AcuRange, ParameterGroup, ParameterGroupKind};

fn group(b: &mut Builder, region: &str, name: &str, max_connections: &str) -> String {
    let name = b.id(name);
    b.inv.parameter_groups.push(ParameterGroup {
        name: name.clone(),
        kind: ParameterGroupKind::Db,
        account: PROD.into(),
        region: region.into(),
        max_connections: Some(max_connections.into()),
    });
    name
}

pub(super) fn lay_out(b: &mut Builder) {
    let prod = |o: Opts| Opts { env: "production", ..o };

    // A pooled API whose parameter group lowered max_connections to 640: at 580 connections it
    // is at 90% of its real limit, where the class default (~2,730) would say 21%.
    let api_params = group(b, "us-east-1", "orders-api-params", "640");
    let api = b.instance(
        PROD,
        "us-east-1",
        "orders-api-mysql",
        "mysql",
        "8.0.39",
        "db.r6g.xlarge",
        &prod(Opts { multi_az: true, parameter_group: Some(api_params), ..Default::default() }),
    );
    let arn = b.find(&api).arn.clone();
    b.resignal(&arn, MetricKind::Connections, Signal::Steady { level: 580.0, spread: 3.0 });

    // A formula group, and a change that waits for a reboot.
    let reporting = b.id("reporting-pg");
    let formula = group(b, "us-east-1", "reporting-pg-params", "LEAST({DBInstanceClassMemory/4765696},8000)");
    if let Some(g) = b.find(&reporting).parameter_group.as_mut() {
        g.name = formula.into();
    }
    let sessions = b.id("sessions-mariadb");
    let pending = group(b, "us-east-1", "sessions-params", "{DBInstanceClassMemory/6291440}");
    if let Some(g) = b.find(&sessions).parameter_group.as_mut() {
        g.name = pending.into();
        g.apply_status = Some("pending-reboot".into());
    }

    // Aurora Serverless v2: capacity between 0.5 and 16 ACU, pinned at 16 through the surge.
    let range = AcuRange { min: 0.5, max: 16.0 };
    let sv2 = Opts { connections_max: Some(3604.0), ..prod(Opts::default()) };
    let payments = b.db_cluster(
        PROD,
        "us-east-1",
        "payments-aurora-sv2",
        "aurora-postgresql",
        "16.4",
        "db.serverless",
        1,
        &sv2,
    );
    if let Some(c) = b.inv.clusters.iter_mut().find(|c| c.arn == payments) {
        c.serverless_v2 = Some(range);
    }
    for n in 1..=2 {
        let id = b.id(&format!("payments-aurora-sv2-{n}"));
        let arn = b.find(&id).arn.clone();
        let hash = crate::source::demo::signals::name_hash(&arn);
        for (kind, percent) in [(MetricKind::ServerlessCapacity, false), (MetricKind::AcuUtilization, true)] {
            let signal = Signal::Capacity {
                min: range.min,
                max: range.max,
                utc_offset: -5,
                percent,
                hash,
                surge: true,
            };
            b.spec(&arn, kind, signal, false);
        }
    }

    // A Multi-AZ DB cluster: a writer and two readable standbys in three zones.
    let ledger = b.db_cluster(
        PROD,
        "eu-west-1",
        "ledger-maz",
        "postgres",
        "16.4",
        "db.r6gd.large",
        2,
        &prod(Opts::default()),
    );
    if let Some(c) = b.inv.clusters.iter_mut().find(|c| c.arn == ledger) {
        c.instance_class = Some("db.r6gd.large".into());
    }

    // Neptune and DocumentDB: the RDS control plane, their own metric namespaces.
    b.db_cluster(
        PROD,
        "us-west-2",
        "graph-neptune",
        "neptune",
        "1.3.2.1",
        "db.r6g.large",
        1,
        &prod(Opts::default()),
    );
    b.db_cluster(
        PROD,
        "eu-west-1",
        "catalog-docdb",
        "docdb",
        "5.0.0",
        "db.r6g.large",
        1,
        &prod(Opts::default()),
    );

    // SQL Server and Oracle replicas publish ReplicaLag like MySQL's.
    let crm = b.instance(
        PROD,
        "eu-west-1",
        "crm-sqlserver",
        "sqlserver-ee",
        "15.00.4395.2.v1",
        "db.r6i.xlarge",
        &prod(Opts { multi_az: true, ..Default::default() }),
    );
    b.replica(&crm, "crm-sqlserver-r1", "eu-west-1", &Opts::default());
    let erp = b.instance(
        PROD,
        "us-east-1",
        "erp-oracle",
        "oracle-ee",
        "19.0.0.0.ru-2024-10.rur-2024-10.r1",
        "db.r6i.2xlarge",
        &prod(Opts { multi_az: true, ..Default::default() }),
    );
    b.replica(&erp, "erp-oracle-r1", "us-east-1", &Opts::default());

    // Stopped three days ago (AWS starts it again after seven), and one being deleted.
    b.instance(
        STAGING,
        "us-east-1",
        "sandbox-pg",
        "postgres",
        "16.4",
        "db.t4g.large",
        &Opts { status: Some("stopped"), stopped_hours_ago: Some(70), env: "sandbox", ..Default::default() },
    );
    b.instance(
        PROD,
        "us-east-1",
        "old-reports-mysql",
        "mysql",
        "8.0.35",
        "db.m6g.large",
        &prod(Opts { status: Some("deleting"), ..Default::default() }),
    );
}
