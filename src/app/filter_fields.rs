//! What each view's `/` filter can name, one table per row type, and the hint each view
//! shows under the prompt (read from the same tables, so it cannot drift).

use super::action::ViewId;
use super::filter::{Field, Filterable, field_names};
use crate::domain::events::DbEvent;
use crate::domain::findings::Finding;
use crate::domain::kafka::ConsumerLagRow;
use crate::domain::model::{DbCluster, DbInstance, GlobalCluster};

fn s(v: &str) -> Option<String> {
    Some(v.to_string())
}

impl Filterable for DbInstance {
    const FIELDS: &'static [Field<DbInstance>] = &[
        Field { names: &["name", "id"], bare: true, get: |d| s(&d.id) },
        Field { names: &["region"], bare: true, get: |d| s(&d.region) },
        Field { names: &["engine"], bare: true, get: |d| Some(format!("{} {}", d.engine, d.engine_version)) },
        Field { names: &["role"], bare: true, get: |d| s(d.role.label()) },
        Field { names: &["cluster"], bare: true, get: |d| d.cluster_id.clone() },
        Field { names: &["status"], bare: false, get: |d| s(&d.status) },
        Field { names: &["env"], bare: false, get: |d| d.tag("env").map(String::from) },
        Field { names: &["class"], bare: false, get: |d| s(&d.class) },
        Field { names: &["version"], bare: false, get: |d| s(&d.engine_version) },
        // The id or the name: `account:payments-prod` and `account:1111` both find it.
        Field {
            names: &["account"],
            bare: false,
            get: |d| Some(format!("{} {}", d.account, d.account_name.as_deref().unwrap_or_default())),
        },
        Field { names: &["az"], bare: false, get: |d| d.availability_zone.as_deref().map(String::from) },
        Field { names: &["multiaz", "maz"], bare: false, get: |d| s(if d.multi_az { "yes" } else { "no" }) },
    ];
}

impl Filterable for DbCluster {
    const FIELDS: &'static [Field<DbCluster>] = &[
        Field { names: &["name", "id", "cluster"], bare: true, get: |c| s(&c.id) },
        Field { names: &["region"], bare: true, get: |c| s(&c.region) },
        Field { names: &["engine"], bare: true, get: |c| Some(format!("{} {}", c.engine, c.engine_version)) },
        Field { names: &["status"], bare: false, get: |c| s(&c.status) },
        Field { names: &["account"], bare: false, get: |c| s(&c.account) },
    ];
}

impl Filterable for GlobalCluster {
    const FIELDS: &'static [Field<GlobalCluster>] = &[
        Field { names: &["name", "id", "cluster"], bare: true, get: |g| s(&g.id) },
        Field { names: &["engine"], bare: true, get: |g| s(&g.engine) },
        // A global database spans regions: any member's region matches.
        Field {
            names: &["region"],
            bare: false,
            get: |g| Some(g.members.iter().map(|m| m.region.as_str()).collect::<Vec<_>>().join(" ")),
        },
    ];
}

impl Filterable for Finding {
    const FIELDS: &'static [Field<Finding>] = &[
        Field { names: &["rule"], bare: true, get: |f| s(f.rule.as_str()) },
        Field { names: &["resource", "name", "id"], bare: true, get: |f| s(&f.resource_id) },
        Field { names: &["region"], bare: true, get: |f| s(&f.region) },
        Field { names: &["severity"], bare: false, get: |f| s(f.severity.label()) },
        Field { names: &["message"], bare: true, get: |f| s(&f.message) },
    ];
}

impl Filterable for ConsumerLagRow {
    const FIELDS: &'static [Field<ConsumerLagRow>] = &[
        Field { names: &["group", "name"], bare: true, get: |r| s(&r.id.group) },
        Field { names: &["topic"], bare: true, get: |r| s(&r.id.topic) },
        Field { names: &["cluster"], bare: true, get: |r| s(&r.id.cluster_name) },
        Field { names: &["region"], bare: true, get: |r| s(&r.region) },
        Field { names: &["status"], bare: false, get: |r| s(r.status().tag()) },
        Field { names: &["severity"], bare: false, get: |r| s(r.severity().label()) },
    ];
}

impl Filterable for DbEvent {
    const FIELDS: &'static [Field<DbEvent>] = &[
        Field { names: &["source", "name", "id"], bare: true, get: |e| s(&e.source_id) },
        Field { names: &["kind"], bare: true, get: |e| s(e.kind().label()) },
        Field { names: &["category"], bare: true, get: |e| Some(e.categories.join(" ")) },
        Field { names: &["region"], bare: true, get: |e| s(&e.region) },
        Field { names: &["message"], bare: true, get: |e| s(&e.message) },
        Field { names: &["type"], bare: false, get: |e| s(&e.source_type) },
        Field { names: &["event"], bare: false, get: |e| e.event_id() },
        Field { names: &["account"], bare: false, get: |e| e.account.clone() },
    ];
}

/// An MSK cluster line: a cluster with no groups still answers the cluster-level fields.
pub struct MskClusterLine {
    pub name: String,
    pub region: String,
    pub status: Option<&'static str>,
}

impl Filterable for MskClusterLine {
    const FIELDS: &'static [Field<MskClusterLine>] = &[
        Field { names: &["cluster", "name"], bare: true, get: |c| s(&c.name) },
        Field { names: &["region"], bare: true, get: |c| s(&c.region) },
        Field { names: &["status"], bare: false, get: |c| c.status.map(String::from) },
    ];
}

/// The fields the view's filter understands, as the prompt's hint shows them.
pub fn hint(view: ViewId) -> String {
    let names: Vec<&str> = match view {
        ViewId::Fleet | ViewId::Maintenance | ViewId::Replication => field_names::<DbInstance>().collect(),
        ViewId::Kafka => field_names::<ConsumerLagRow>().collect(),
        ViewId::Findings => field_names::<Finding>().collect(),
        ViewId::Events => field_names::<DbEvent>().collect(),
    };
    let fields: Vec<String> = names.iter().map(|n| format!("{n}:")).collect();
    format!("field:value ({})", fields.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::filter::Filter;

    #[test]
    fn every_view_hints_the_fields_its_rows_answer() {
        assert!(hint(ViewId::Fleet).contains("region: engine: role: cluster: status: env:"));
        assert!(hint(ViewId::Kafka).contains("group: topic:"));
        assert!(hint(ViewId::Findings).contains("rule:"));
        let mut d =
            DbInstance::new("123456789012", "eu-west-1", "orders-mysql", "mysql", "8.0.39", "db.r6g.large");
        d.tags.insert("env", "prod");
        for name in field_names::<DbInstance>() {
            // Every hinted field resolves on a row that has it (none is a dead name).
            if name != "az" && name != "cluster" {
                assert!(d.field(name).is_some(), "{name}");
            }
        }
        assert!(Filter::parse("env:prod maz:no").matches(&d));
        assert!(!Filter::parse("env:staging").matches(&d));
    }
}
