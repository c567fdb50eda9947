//! The redactor's tests: aliases and free text at fixed inputs, the demo fleet redacted in both
//! modes (topology kept, names and accounts gone), and a property that no account id, ARN or
//! endpoint survives into the JSON.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use jiff::Timestamp;
use proptest::prelude::*;

use super::*;
use crate::domain::snapshot::{ErrorKind, FleetSnapshot, Service, SourceError};
use crate::source::demo::{DemoOptions, DemoSource};

fn demo() -> &'static FleetSnapshot {
    static DEMO: OnceLock<FleetSnapshot> = OnceLock::new();
    DEMO.get_or_init(|| {
        let start: Timestamp = "2025-03-10T14:00:00Z".parse().unwrap();
        DemoSource::new(DemoOptions::default(), start).snapshot_at(start)
    })
}

/// Every string of the snapshot's JSON, keys included. Numbers are left out on purpose:
/// free storage in bytes and f64 fractions legitimately run to 12 digits and more.
fn json_strings(s: &FleetSnapshot) -> Vec<String> {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(o) => o.iter().for_each(|(k, v)| {
                out.push(k.clone());
                walk(v, out);
            }),
            _ => {}
        }
    }
    let text = serde_json::to_string(s).unwrap();
    let mut out = Vec::new();
    walk(&serde_json::from_str(&text).unwrap(), &mut out);
    out
}

fn has_digit_run(s: &str, n: usize) -> bool {
    s.split(|c: char| !c.is_ascii_digit()).any(|run| run.len() >= n)
}

#[test]
fn parse_accepts_empty_ids_and_names() {
    assert_eq!(RedactMode::parse(""), Some(RedactMode::Ids));
    assert_eq!(RedactMode::parse("ids"), Some(RedactMode::Ids));
    assert_eq!(RedactMode::parse("names"), Some(RedactMode::Names));
    assert_eq!(RedactMode::parse("all"), None);
}

#[test]
fn ids_mode_masks_an_arns_account_and_keeps_its_name() {
    let mut r = Redactor::new(RedactMode::Ids);
    let arn = "arn:aws:rds:us-east-1:123456789012:db:orders-mysql";
    assert_eq!(r.arn(arn), "arn:aws:rds:us-east-1:acct-001:db:orders-mysql");
    assert_eq!(r.name(Kind::Db, "orders-mysql"), "orders-mysql");
    assert_eq!(r.account("123456789012"), "acct-001");
    assert_eq!(r.account("210987654321"), "acct-002");
}

#[test]
fn names_mode_gives_an_arn_and_its_id_the_same_alias() {
    let mut r = Redactor::new(RedactMode::Names);
    assert_eq!(r.name(Kind::Db, "users-1"), "db-001");
    let arn = "arn:aws:rds:us-east-1:123456789012:db:orders-mysql";
    assert_eq!(r.arn(arn), "arn:aws:rds:us-east-1:acct-001:db:db-002");
    assert_eq!(r.id_or_arn(Kind::Db, "orders-mysql"), "db-002");
    assert_eq!(r.arn(arn), "arn:aws:rds:us-east-1:acct-001:db:db-002");
    // The same word as a cluster is another resource.
    assert_eq!(
        r.arn("arn:aws:rds:us-east-1:123456789012:cluster:orders-mysql"),
        "arn:aws:rds:us-east-1:acct-001:cluster:cluster-001"
    );
}

#[test]
fn kafka_arns_alias_cluster_group_and_topic() {
    let mut r = Redactor::new(RedactMode::Names);
    let arn = "arn:aws:kafka:eu-west-1:210987654321:cluster/prod-cdc/1a2b3c4d-0001";
    assert_eq!(r.arn(arn), "arn:aws:kafka:eu-west-1:acct-001:cluster/msk-001/1a2b3c4d-0001");
    let topic = "arn:aws:kafka:eu-west-1:210987654321:topic/prod-cdc/1a2b3c4d-0001/cdc.billing";
    assert_eq!(r.arn(topic), "arn:aws:kafka:eu-west-1:acct-001:topic/msk-001/1a2b3c4d-0001/topic-001");
    assert_eq!(r.name(Kind::Topic, "cdc.billing"), "topic-001");
    // A UUID part that happens to be 12 digits is masked like an account id.
    let odd = "arn:aws:kafka:eu-west-1:210987654321:cluster/prod-cdc/abc-123456789012-2";
    assert_eq!(r.arn(odd), "arn:aws:kafka:eu-west-1:acct-001:cluster/msk-001/abc-acct-002-2");
}

#[test]
fn aliases_are_stable_and_numbered_in_order_of_first_sight() {
    let run = |mode| {
        let mut r = Redactor::new(mode);
        ["b", "a", "b", "c", "a"].map(|n| r.name(Kind::Group, n))
    };
    assert_eq!(run(RedactMode::Names), ["group-001", "group-002", "group-001", "group-003", "group-002"]);
    assert_eq!(run(RedactMode::Names), run(RedactMode::Names));
    assert_eq!(run(RedactMode::Ids), ["b", "a", "b", "c", "a"]);
}

#[test]
fn text_masks_digit_runs_arns_and_endpoints() {
    let mut r = Redactor::new(RedactMode::Ids);
    let msg = "User: arn:aws:sts::123456789012:assumed-role/ops/me is not authorized (account \
               123456789012, \"arn:aws:rds:us-east-1:345678901234:db:orders\"); host \
               orders.c9akciq32.us-east-1.rds.amazonaws.com:3306 via arn:aws:rds:eu-west-1:345678901234:db:x.";
    assert_eq!(
        r.text(msg),
        "User: arn:aws:sts::acct-001:assumed-role/ops/me is not authorized (account acct-001, \
         \"arn:aws:rds:us-east-1:acct-002:db:orders\"); host endpoint-001:3306 via \
         arn:aws:rds:eu-west-1:acct-002:db:x."
    );
    // 11 digits are not an account id; 13 hide one.
    assert_eq!(r.text("ids 12345678901 and 1234567890123"), "ids 12345678901 and acct-003");
    assert_eq!(r.text("Endpoint: ORDERS.X.EU-WEST-1.RDS.AMAZONAWS.COM."), "Endpoint: endpoint-002.");
}

#[test]
fn text_in_names_mode_replaces_known_names_as_whole_words() {
    let mut r = Redactor::new(RedactMode::Names);
    r.name(Kind::Db, "orders-mysql");
    r.name(Kind::Topic, "orders.events");
    // A known name inside a longer word (alarm names are built that way) is hidden too; a
    // part that is no name (`orders` alone) stays.
    assert_eq!(
        r.text("orders-mysql lags; orders.events stalled, orders-mysql-cpu-high and orders untouched."),
        "db-001 lags; topic-001 stalled, db-001-cpu-high and orders untouched."
    );
    assert_eq!(r.text("restarted orders-mysql."), "restarted db-001.");
}

#[test]
fn ids_mode_keeps_demo_names_and_hides_its_accounts() {
    let orig = demo();
    let red = Redactor::new(RedactMode::Ids).snapshot(orig.clone());
    for (o, r) in orig.inventory.instances.iter().zip(&red.inventory.instances) {
        assert_eq!((&o.id, &o.region, &o.engine), (&r.id, &r.region, &r.engine));
        assert_ne!(o.arn, r.arn);
    }
    assert!(json_strings(&red).iter().all(|s| !has_digit_run(s, ACCOUNT_DIGITS)));
}

#[test]
fn names_mode_hides_every_demo_name_and_keeps_topology() {
    let orig = demo();
    let inv = &orig.inventory;
    let red = Redactor::new(RedactMode::Names).snapshot(orig.clone());
    let names: BTreeSet<&str> = (inv.instances.iter().map(|d| d.id.as_str()))
        .chain(inv.clusters.iter().map(|c| c.id.as_str()))
        .chain(inv.global_clusters.iter().map(|g| g.id.as_str()))
        .chain(inv.kafka_clusters.iter().map(|k| k.name.as_str()))
        .chain(inv.blue_green.iter().map(|b| b.name.as_str()))
        .chain(inv.consumer_groups.iter().flat_map(|g| [g.group.as_str(), g.topic.as_str()]))
        .collect();
    let strings = json_strings(&red);
    for name in &names {
        assert!(!strings.iter().any(|s| s.contains(name)), "{name} survived redaction");
    }
    assert!(strings.iter().all(|s| !has_digit_run(s, ACCOUNT_DIGITS)));

    // Each reference still names what it named: by id where it was an id, by ARN where
    // it was an ARN.
    let (o, r) = (&inv.instances, &red.inventory.instances);
    let same_target = |orig_ref: &str, red_ref: &str| {
        let j = o.iter().position(|d| d.id == orig_ref || d.arn == orig_ref).expect(orig_ref);
        assert!(
            red_ref == if o[j].id == orig_ref { r[j].id.as_str() } else { r[j].arn.as_str() },
            "{orig_ref}"
        );
    };
    let mut checked = 0;
    for (od, rd) in o.iter().zip(r) {
        if let (Some(os), Some(rs)) = (&od.replica_source, &rd.replica_source) {
            same_target(os, rs);
            checked += 1;
        }
        assert_eq!(od.replica_source.is_some(), rd.replica_source.is_some());
        od.replicas.iter().zip(&rd.replicas).for_each(|(a, b)| same_target(a, b));
    }
    assert!(checked > 5, "the demo has replicas, cross-region ones included");
    for (oc, rc) in inv.clusters.iter().zip(&red.inventory.clusters) {
        oc.members.iter().zip(&rc.members).for_each(|(a, b)| same_target(&a.instance_id, &b.instance_id));
    }
    for (op, rp) in inv.pending_actions.iter().zip(&red.inventory.pending_actions) {
        same_target(&op.resource_arn, &rp.resource_arn);
    }
    let red_arns: BTreeSet<&str> = (r.iter().map(|d| d.arn.as_str()))
        .chain(red.inventory.clusters.iter().map(|c| c.arn.as_str()))
        .chain(red.inventory.kafka_clusters.iter().map(|k| k.arn.as_str()))
        .collect();
    assert!(red.metrics.iter().all(|u| red_arns.contains(u.key.resource.as_str())));
    assert!(red.inventory.load_profiles.keys().all(|k| red_arns.contains(k.as_str())));
    let groups: BTreeSet<_> =
        red.inventory.consumer_groups.iter().map(|g| (&g.cluster_arn, &g.group, &g.topic)).collect();
    assert!(red.metrics.iter().filter(|u| u.key.group.is_some()).all(|u| groups.contains(&(
        &u.key.resource,
        u.key.group.as_ref().unwrap(),
        u.key.topic.as_ref().unwrap()
    ))));
}

#[test]
fn names_in_text_fields_are_known_before_they_are_seen() {
    let mut s = demo().clone();
    let mut inv = (*s.inventory).clone();
    let (group, topic) = {
        let last = inv.consumer_groups.last().unwrap();
        (last.group.clone(), last.topic.clone())
    };
    std::sync::Arc::make_mut(&mut inv.instances[0]).tags.insert("feeds", topic.clone());
    inv.pending_actions[0].description = Some(format!("pauses {group}"));
    s.inventory = Arc::new(inv);
    let red = Redactor::new(RedactMode::Names).snapshot(s);
    // The group and topic the text named are the last pair's.
    let last = red.inventory.consumer_groups.last().unwrap();
    assert_eq!(red.inventory.instances[0].tags["feeds"], last.topic);
    assert_eq!(red.inventory.pending_actions[0].description, Some(format!("pauses {}", last.group)));
}

fn digits(n: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(0u8..10, n).prop_map(|d| d.iter().map(|d| char::from(b'0' + d)).collect())
}

fn word() -> impl Strategy<Value = String> {
    let chars: Vec<char> = "abcdefghijklmnopqrstuvwxyz0123456789-".chars().collect();
    proptest::collection::vec(proptest::sample::select(chars), 1..20).prop_map(|c| c.into_iter().collect())
}

fn arn(account: String) -> impl Strategy<Value = String> {
    let region = proptest::sample::select(vec!["us-east-1", "eu-west-1", "ap-southeast-2"]);
    (region, word(), 0..3usize, digits(12)).prop_map(move |(region, name, kind, tail)| match kind {
        0 => format!("arn:aws:rds:{region}:{account}:db:{name}"),
        1 => format!("arn:aws:rds:{region}:{account}:cluster:{name}"),
        _ => format!("arn:aws:kafka:{region}:{account}:cluster/{name}/{tail}-1"),
    })
}

prop_compose! {
    fn leak()(account in digits(12))(
        arns in proptest::collection::vec(arn(account.clone()), 1..4),
        endpoint in (word(), word()).prop_map(|(a, b)| format!("{a}.{b}.us-east-1.rds.amazonaws.com")),
        instances in 1..6usize,
        names in any::<bool>(),
        account in Just(account),
    ) -> (String, Vec<String>, String, usize, bool) {
        (account, arns, endpoint, instances, names)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]
    #[test]
    fn redacted_json_holds_no_account_arn_or_endpoint(
        (account, arns, endpoint, instances, names) in leak()
    ) {
        let mut s = demo().clone();
        // Keys are what gets redacted; three hours of points only slow the JSON down.
        s.metrics.iter_mut().for_each(|u| u.points.truncate(1));
        let mut inv = (*s.inventory).clone();
        for (i, d) in inv.instances.iter_mut().take(instances).enumerate() {
            let d = std::sync::Arc::make_mut(d);
            let arn = &arns[i % arns.len()];
            d.account = account.as_str().into();
            d.arn = arn.into();
            d.tags.insert("owner", arn.clone());
            d.tags.insert("endpoint", format!("{endpoint}:5432"));
            d.tags.insert("note", format!("acct {account} ({arn}), see {endpoint}."));
        }
        s.inventory = Arc::new(inv);
        s.source.accounts.push(account.clone());
        s.errors.push(SourceError {
            account: Some(account.clone()),
            region: "us-east-1".into(),
            service: Service::Rds,
            operation: Some("DescribeDBInstances".into()),
            kind: ErrorKind::AccessDenied,
            message: format!("{} not authorized in {account}: {endpoint}", arns.join(", ")),
            at: s.taken_at,
            capability: None,
        });
        s.capabilities.push(crate::domain::capability_status::CapabilityStatus {
            account: Some(account.clone()),
            region: "us-east-1".into(),
            capability: crate::domain::capability::Capability::BlueGreen,
            operation: "DescribeBlueGreenDeployments".into(),
            state: crate::domain::capability_status::CapState::Denied,
            message: Some(format!("User {} is not authorized on {endpoint}", arns.join(" "))),
            since: s.taken_at,
            data_at: None,
        });
        let mode = if names { RedactMode::Names } else { RedactMode::Ids };
        let strings = json_strings(&Redactor::new(mode).snapshot(s));
        for s in &strings {
            prop_assert!(!has_digit_run(s, ACCOUNT_DIGITS), "digits left in {s}");
            prop_assert!(!s.contains(&endpoint), "endpoint left in {s}");
            for arn in &arns {
                prop_assert!(!s.contains(arn.as_str()), "ARN left in {s}");
            }
        }
    }
}
