//! SDK types to domain types. Missing fields stay missing (`None`), never invented.

use std::sync::{Mutex, MutexGuard};

use jiff::Timestamp;

use crate::domain::model::*;
use crate::domain::sym::{Interner, Sym, Tags};

/// The values thousands of instances repeat (engine, version, class, zone, window, status,
/// account, tag keys and values), one copy each for every target of the process.
static NAMES: Mutex<Option<Interner>> = Mutex::new(None);

/// The shared values, locked for one resource's conversion.
struct Names<'a>(MutexGuard<'a, Option<Interner>>);

impl Names<'_> {
    fn lock() -> Names<'static> {
        Names(NAMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    fn get(&mut self, s: &str) -> Sym {
        self.0.get_or_insert_with(Interner::default).intern(s)
    }

    fn opt(&mut self, s: Option<&str>) -> Option<Sym> {
        s.map(|s| self.get(s))
    }
}

pub fn ts(dt: &aws_sdk_rds::primitives::DateTime) -> Option<Timestamp> {
    Timestamp::from_second(dt.secs()).ok()
}

/// Account id and region from an ARN (`arn:aws:rds:REGION:ACCOUNT:...`).
pub fn arn_parts(arn: &str) -> (Option<String>, Option<String>) {
    let mut it = arn.split(':');
    let (_, _, _, region, account) = (it.next(), it.next(), it.next(), it.next(), it.next());
    let keep = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(String::from);
    (keep(account), keep(region))
}

/// The last `:`-separated part of an ARN, or the string itself.
pub fn arn_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

/// The resource's ARN (built from its parts if the answer lacked one) and its account, read
/// from the ARN when the caller does not know it yet.
fn identity(
    arn: Option<&str>,
    kind: &str,
    id: &str,
    region: &str,
    account: Option<&str>,
) -> (String, String) {
    let arn = arn
        .map(String::from)
        .unwrap_or_else(|| format!("arn:aws:rds:{region}:{}:{kind}:{id}", account.unwrap_or("")));
    let account = arn_parts(&arn).0.or(account.map(String::from)).unwrap_or_default();
    (arn, account)
}

fn tags(names: &mut Names<'_>, list: &[aws_sdk_rds::types::Tag]) -> Tags {
    list.iter().filter_map(|t| Some((names.get(t.key()?), names.get(t.value().unwrap_or(""))))).collect()
}

pub fn instance(
    i: &aws_sdk_rds::types::DbInstance,
    region: &str,
    account: Option<&str>,
) -> Option<DbInstance> {
    let id = i.db_instance_identifier()?.to_string();
    let (arn, account) = identity(i.db_instance_arn(), "db", &id, region, account);
    let pm = i.pending_modified_values();
    let mut n = Names::lock();
    Some(DbInstance {
        account: n.get(&account),
        account_name: None,
        region: n.get(region),
        engine: n.get(i.engine().unwrap_or("")),
        engine_version: n.get(i.engine_version().unwrap_or("")),
        class: n.get(i.db_instance_class().unwrap_or("")),
        status: n.get(i.db_instance_status().unwrap_or("unknown")),
        role: Role::Standalone,
        availability_zone: n.opt(i.availability_zone()),
        multi_az: i.multi_az().unwrap_or(false),
        secondary_az: n.opt(i.secondary_availability_zone()),
        cluster_id: i.db_cluster_identifier().map(String::from),
        replica_source: i.read_replica_source_db_instance_identifier().map(String::from),
        replicas: i.read_replica_db_instance_identifiers().to_vec(),
        auto_minor_version_upgrade: i.auto_minor_version_upgrade().unwrap_or(false),
        maintenance_window: n.opt(i.preferred_maintenance_window()),
        pending_modified: PendingModified {
            engine_version: pm.and_then(|p| p.engine_version()).map(String::from),
            class: pm.and_then(|p| p.db_instance_class()).map(String::from),
            multi_az: pm.and_then(|p| p.multi_az()),
            allocated_storage_gib: pm.and_then(|p| p.allocated_storage()).and_then(|g| u32::try_from(g).ok()),
        },
        auto_upgrade_target: None,
        parameter_group: i.db_parameter_groups().first().and_then(|g| {
            Some(ParameterGroupRef {
                name: n.get(g.db_parameter_group_name()?),
                apply_status: n.opt(g.parameter_apply_status()),
            })
        }),
        // Cluster members share the cluster volume: AWS reports 1 GiB or nothing for them.
        allocated_storage_gib: if i.db_cluster_identifier().is_some() {
            None
        } else {
            i.allocated_storage().and_then(|g| u32::try_from(g).ok())
        },
        promotion_tier: i.promotion_tier().and_then(|t| u32::try_from(t).ok()),
        created_at: i.instance_create_time().and_then(ts),
        tags: tags(&mut n, i.tag_list()),
        arn: arn.into(),
        id,
    })
}

pub fn cluster(c: &aws_sdk_rds::types::DbCluster, region: &str, account: Option<&str>) -> Option<DbCluster> {
    let id = c.db_cluster_identifier()?.to_string();
    let (arn, account) = identity(c.db_cluster_arn(), "cluster", &id, region, account);
    Some(DbCluster {
        account,
        account_name: None,
        region: region.to_string(),
        engine: c.engine().unwrap_or("").to_string(),
        engine_version: c.engine_version().unwrap_or("").to_string(),
        engine_mode: c.engine_mode().unwrap_or("provisioned").to_string(),
        status: c.status().unwrap_or("unknown").to_string(),
        multi_az: c.multi_az().unwrap_or(false),
        members: c
            .db_cluster_members()
            .iter()
            .filter_map(|m| {
                Some(ClusterMember {
                    instance_id: m.db_instance_identifier()?.to_string(),
                    is_writer: m.is_cluster_writer().unwrap_or(false),
                    promotion_tier: m.promotion_tier().and_then(|t| u32::try_from(t).ok()),
                })
            })
            .collect(),
        auto_minor_version_upgrade: c.auto_minor_version_upgrade().unwrap_or(false),
        maintenance_window: c.preferred_maintenance_window().map(String::from),
        global_cluster_id: None,
        tags: tags(&mut Names::lock(), c.tag_list()),
        serverless_v2: c
            .serverless_v2_scaling_configuration()
            .and_then(|s| Some(AcuRange { min: s.min_capacity().unwrap_or(0.0), max: s.max_capacity()? })),
        parameter_group: c.db_cluster_parameter_group().map(String::from),
        instance_class: c.db_cluster_instance_class().map(String::from),
        arn,
        id,
    })
}

pub fn global_cluster(g: &aws_sdk_rds::types::GlobalCluster) -> Option<GlobalCluster> {
    Some(GlobalCluster {
        id: g.global_cluster_identifier()?.to_string(),
        engine: g.engine().unwrap_or("").to_string(),
        members: g
            .global_cluster_members()
            .iter()
            .filter_map(|m| {
                let arn = m.db_cluster_arn()?.to_string();
                let (_, region) = arn_parts(&arn);
                Some(GlobalMember {
                    cluster_id: arn_name(&arn).to_string(),
                    region: region.unwrap_or_default(),
                    is_writer: m.is_writer().unwrap_or(false),
                    cluster_arn: arn,
                })
            })
            .collect(),
    })
}

pub fn pending_actions(
    r: &aws_sdk_rds::types::ResourcePendingMaintenanceActions,
    region: &str,
) -> Vec<PendingAction> {
    let Some(arn) = r.resource_identifier() else { return Vec::new() };
    let (_, arn_region) = arn_parts(arn);
    r.pending_maintenance_action_details()
        .iter()
        .map(|a| PendingAction {
            resource_arn: arn.to_string(),
            resource_id: arn_name(arn).to_string(),
            region: arn_region.clone().unwrap_or_else(|| region.to_string()),
            action: a.action().unwrap_or("unknown").to_string(),
            description: a.description().map(String::from),
            auto_applied_after: a.auto_applied_after_date().and_then(ts),
            forced_apply: a.forced_apply_date().and_then(ts),
            current_apply: a.current_apply_date().and_then(ts),
            opt_in_status: a.opt_in_status().map(String::from),
        })
        .collect()
}

pub fn blue_green(b: &aws_sdk_rds::types::BlueGreenDeployment, region: &str) -> Option<BlueGreenDeployment> {
    Some(BlueGreenDeployment {
        id: b.blue_green_deployment_identifier()?.to_string(),
        name: b.blue_green_deployment_name().unwrap_or("").to_string(),
        region: region.to_string(),
        source_arn: b.source().unwrap_or("").to_string(),
        target_arn: b.target().map(String::from),
        status: b.status().unwrap_or("UNKNOWN").to_string(),
        status_details: b.status_details().map(String::from),
        created_at: b.create_time().and_then(ts),
    })
}

/// Support dates of one major version: RDS standard and extended support end dates (other
/// lifecycles, if AWS adds any, are not ours to judge).
pub fn engine_lifecycle(v: &aws_sdk_rds::types::DbMajorEngineVersion) -> Option<EngineLifecycle> {
    use aws_sdk_rds::types::LifecycleSupportName as Name;
    let mut lc = EngineLifecycle {
        engine: v.engine()?.to_string(),
        major_version: v.major_engine_version()?.to_string(),
        standard_support_end: None,
        extended_support_end: None,
    };
    for s in v.supported_engine_lifecycles() {
        let end = s.lifecycle_support_end_date().and_then(ts);
        match s.lifecycle_support_name() {
            Some(Name::OpenSourceRdsStandardSupport) => lc.standard_support_end = end,
            Some(Name::OpenSourceRdsExtendedSupport) => lc.extended_support_end = end,
            _ => {}
        }
    }
    Some(lc)
}

pub fn msk_cluster(
    c: &aws_sdk_kafka::types::Cluster,
    region: &str,
    account: Option<&str>,
) -> Option<MskCluster> {
    let arn = c.cluster_arn()?.to_string();
    let (arn_account, _) = arn_parts(&arn);
    let serverless = matches!(c.cluster_type(), Some(aws_sdk_kafka::types::ClusterType::Serverless));
    let p = c.provisioned();
    Some(MskCluster {
        name: c.cluster_name().map(String::from).unwrap_or_else(|| arn_name(&arn).to_string()),
        account: arn_account.or(account.map(String::from)).unwrap_or_default(),
        region: region.to_string(),
        state: c.state().map_or_else(|| "UNKNOWN".to_string(), |s| s.as_str().to_string()),
        cluster_type: if serverless { MskClusterType::Serverless } else { MskClusterType::Provisioned },
        kafka_version: p
            .and_then(|p| p.current_broker_software_info())
            .and_then(|b| b.kafka_version())
            .map(String::from),
        broker_count: p.and_then(|p| p.number_of_broker_nodes()).and_then(|n| u32::try_from(n).ok()),
        monitoring_level: p.and_then(|p| p.enhanced_monitoring()).map(|m| m.as_str().to_string()),
        arn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns() {
        let (a, r) = arn_parts("arn:aws:rds:eu-west-1:123456789012:db:orders");
        assert_eq!((a.as_deref(), r.as_deref()), (Some("123456789012"), Some("eu-west-1")));
        assert_eq!(arn_name("arn:aws:rds:eu-west-1:123456789012:cluster:users"), "users");
    }

    #[test]
    fn lifecycles_map_by_name() {
        use aws_sdk_rds::primitives::DateTime;
        use aws_sdk_rds::types::{DbMajorEngineVersion, LifecycleSupportName, SupportedEngineLifecycle};
        let lc = |name: &str, end: i64| {
            SupportedEngineLifecycle::builder()
                .lifecycle_support_name(LifecycleSupportName::from(name))
                .lifecycle_support_start_date(DateTime::from_secs(0))
                .lifecycle_support_end_date(DateTime::from_secs(end))
                .build()
        };
        let v = DbMajorEngineVersion::builder()
            .engine("postgres")
            .major_engine_version("15")
            .supported_engine_lifecycles(lc("open-source-rds-extended-support", 1_930_000_000))
            .supported_engine_lifecycles(lc("open-source-rds-standard-support", 1_835_000_000))
            .supported_engine_lifecycles(lc("some-future-support", 1))
            .build();
        let got = engine_lifecycle(&v).unwrap();
        assert_eq!((got.engine.as_str(), got.major_version.as_str()), ("postgres", "15"));
        assert_eq!(got.standard_support_end.map(|t| t.as_second()), Some(1_835_000_000));
        assert_eq!(got.extended_support_end.map(|t| t.as_second()), Some(1_930_000_000));
        // No extended support published: none, not invented.
        let only_std = DbMajorEngineVersion::builder()
            .engine("mariadb")
            .major_engine_version("10.11")
            .supported_engine_lifecycles(lc("open-source-rds-standard-support", 1_835_000_000))
            .build();
        assert_eq!(engine_lifecycle(&only_std).unwrap().extended_support_end, None);
        assert!(engine_lifecycle(&DbMajorEngineVersion::builder().engine("mysql").build()).is_none());
    }

    #[test]
    fn repeated_values_are_one_shared_string_and_ids_are_not() {
        let sdk = |id: &str| {
            aws_sdk_rds::types::DbInstance::builder()
                .db_instance_identifier(id)
                .engine("postgres")
                .engine_version("16.4")
                .db_instance_class("db.r6g.large")
                .availability_zone("eu-west-1a")
                .tag_list(aws_sdk_rds::types::Tag::builder().key("env").value("production").build())
                .build()
        };
        let (a, b) = (
            instance(&sdk("a"), "eu-west-1", Some("1")).unwrap(),
            instance(&sdk("b"), "eu-west-1", Some("1")).unwrap(),
        );
        assert!(Sym::ptr_eq(&a.engine_version, &b.engine_version) && Sym::ptr_eq(&a.class, &b.class));
        assert!(Sym::ptr_eq(a.availability_zone.as_ref().unwrap(), b.availability_zone.as_ref().unwrap()));
        let tag = |d: &DbInstance| d.tags.iter().next().map(|(_, v)| v.clone()).unwrap();
        assert!(Sym::ptr_eq(&tag(&a), &tag(&b)));
        assert_eq!(
            (a.arn.as_str(), b.arn.as_str()),
            ("arn:aws:rds:eu-west-1:1:db:a", "arn:aws:rds:eu-west-1:1:db:b")
        );
    }

    #[test]
    fn instance_fields_map_and_missing_stay_missing() {
        let i = aws_sdk_rds::types::DbInstance::builder()
            .db_instance_identifier("r1")
            .db_instance_arn("arn:aws:rds:us-east-1:123456789012:db:r1")
            .engine("mysql")
            .engine_version("8.0.35")
            .multi_az(true)
            .secondary_availability_zone("us-east-1b")
            .read_replica_source_db_instance_identifier("src")
            .preferred_maintenance_window("sun:07:00-sun:07:30")
            .auto_minor_version_upgrade(true)
            .tag_list(aws_sdk_rds::types::Tag::builder().key("env").value("prod").build())
            .build();
        let d = instance(&i, "us-east-1", None).unwrap();
        assert_eq!(d.account, "123456789012");
        assert!(d.multi_az && d.auto_minor_version_upgrade);
        assert_eq!(d.replica_source.as_deref(), Some("src"));
        assert_eq!(d.tags.get("env"), Some("prod"));
        assert_eq!(d.availability_zone, None);
        assert_eq!(d.status, "unknown");
    }
}
