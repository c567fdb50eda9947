//! An organization of accounts on the emulator: one role assumed in each (`--assume-role`
//! with `--accounts` or `--org`), every instance of every account on screen with its account's
//! name, an account whose role cannot be assumed one error while the others carry on, and a
//! CloudWatch monitoring account reading the linked accounts' metrics in fewer calls with the
//! same values.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Emulator, dbfleet};
use jiff::Timestamp;
use serde_json::{Value, json};

const PAY: &str = "111111111111";
const SHOP: &str = "222222222222";
const DATA: &str = "333333333333";

fn minute_now() -> Timestamp {
    let s = Timestamp::now().as_second();
    Timestamp::from_second(s - s.rem_euclid(60)).unwrap()
}

/// Each account: two instances with 30 minutes of CPU and connections.
fn seed(emu: &Emulator) {
    let now = minute_now().as_second();
    let pts = |v: f64| json!((1..=30).rev().map(|m| json!([now - m * 60, v])).collect::<Vec<_>>());
    for (account, prefix, cpu) in [(PAY, "pay", 11.0), (SHOP, "shop", 22.0), (DATA, "data", 33.0)] {
        let ids = [format!("{prefix}-pg"), format!("{prefix}-pg-r1")];
        let metrics: Vec<Value> = ids
            .iter()
            .flat_map(|id| {
                [("CPUUtilization", "Percent", cpu), ("DatabaseConnections", "Count", cpu * 10.0)].map(
                    |(name, unit, v)| {
                        json!({"namespace": "AWS/RDS", "name": name, "unit": unit,
                               "dimensions": {"DBInstanceIdentifier": id}, "points": pts(v)})
                    },
                )
            })
            .collect();
        emu.seed(&json!({
            "account": account,
            "instances": [
                {"id": ids[0], "engine": "postgres", "engine_version": "16.4", "class": "db.r6g.large", "multi_az": true},
                {"id": ids[1], "replica_source": ids[0], "class": "db.r6g.large"},
            ],
            "metrics": metrics,
        }));
    }
    // Only one account has an alias; the organization names them all.
    emu.seed(&json!({"account": DATA, "account_alias": "data-alias"}));
    emu.seed(&json!({"organization": {"management_account": "123456789012", "accounts": [
        {"id": PAY, "name": "payments-prod"},
        {"id": SHOP, "name": "shop-prod"},
        {"id": DATA, "name": "data-platform"},
        {"id": "444444444444", "name": "closed-sandbox", "status": "SUSPENDED"},
    ]}}));
}

fn snapshot(emu: &Emulator, extra: &[&str]) -> (i32, Value, String) {
    let mut args = vec!["snapshot", "--region", "us-east-1", "--assume-role", "dbfleet", "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = dbfleet(emu, &args);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
    (code, v, err)
}

/// (id, account, account_name) of every instance.
fn instances(v: &Value) -> BTreeSet<(String, String, Option<String>)> {
    v["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().into(),
                i["account"].as_str().unwrap().into(),
                i["account_name"].as_str().map(String::from),
            )
        })
        .collect()
}

fn cpu_by_instance(v: &Value) -> BTreeMap<String, f64> {
    v["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_str().unwrap().to_string(), i["cpu_percent"].as_f64().unwrap_or(f64::NAN)))
        .collect()
}

#[test]
fn every_account_through_one_role_with_its_name() {
    let emu = Emulator::start();
    seed(&emu);
    emu.clear_log();
    let (code, v, err) = snapshot(&emu, &["--accounts", &format!("{PAY},{SHOP},{DATA}")]);
    assert_eq!(code, 0, "{err}");
    let want: BTreeSet<(String, String, Option<String>)> = [
        ("pay-pg", PAY, None),
        ("pay-pg-r1", PAY, None),
        ("shop-pg", SHOP, None),
        ("shop-pg-r1", SHOP, None),
        ("data-pg", DATA, Some("data-alias")),
        ("data-pg-r1", DATA, Some("data-alias")),
    ]
    .into_iter()
    .map(|(i, a, n)| (i.to_string(), a.to_string(), n.map(String::from)))
    .collect();
    assert_eq!(instances(&v), want, "each account's own instances; the alias names the one that has one");
    assert_eq!(v["source"]["label"], "aws 3 accounts as dbfleet");
    let cpu = cpu_by_instance(&v);
    assert_eq!(
        (cpu["pay-pg"], cpu["shop-pg"], cpu["data-pg"]),
        (11.0, 22.0, 33.0),
        "each account's own metrics"
    );
    // One AssumeRole per account, whatever the number of clients and calls.
    let log = emu.log();
    let assumed = log.iter().filter(|(s, op, _, _)| s == "sts" && op == "AssumeRole").count();
    assert_eq!(assumed, 3, "{log:?}");

    // --org: the organization's active accounts, named by it; the suspended one is left out.
    let (code, v, err) = snapshot(&emu, &["--org"]);
    assert_eq!(code, 0, "{err}");
    let names: BTreeSet<(String, Option<String>)> =
        instances(&v).into_iter().map(|(_, a, n)| (a, n)).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            (PAY.to_string(), Some("payments-prod".to_string())),
            (SHOP.to_string(), Some("shop-prod".to_string())),
            (DATA.to_string(), Some("data-platform".to_string())),
        ])
    );
    // The filter takes the name; redaction hides names and ids.
    let (_, text, _) = dbfleet(
        &emu,
        &[
            "check",
            "--region",
            "us-east-1",
            "--assume-role",
            "dbfleet",
            "--org",
            "--redact",
            "--format",
            "json",
        ],
    );
    for secret in [PAY, SHOP, DATA, "payments-prod", "shop-prod", "data-platform"] {
        assert!(!text.contains(secret), "{secret} survived --redact");
    }
}

#[test]
fn a_denied_account_is_one_error_and_the_others_carry_on() {
    let emu = Emulator::start();
    seed(&emu);
    emu.fault(json!({"service": "sts", "operation": "AssumeRole", "account": SHOP, "mode": "access_denied", "count": -1}));
    let (code, v, err) = snapshot(&emu, &["--org"]);
    assert_eq!(code, 3, "a source error: {err}");
    let accounts: BTreeSet<String> = instances(&v).into_iter().map(|(_, a, _)| a).collect();
    assert_eq!(accounts, BTreeSet::from([PAY.to_string(), DATA.to_string()]));
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "one line for the account, not one per call: {errors:?}");
    assert_eq!(errors[0]["account"], SHOP);
    assert_eq!(errors[0]["kind"], "access_denied");
    assert!(errors[0]["message"].as_str().unwrap().contains(&format!("arn:aws:iam::{SHOP}:role/dbfleet")));
    // doctor says which account and why.
    let (code, out, _) =
        dbfleet(&emu, &["doctor", "--region", "us-east-1", "--assume-role", "dbfleet", "--org"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("FAIL account {SHOP} (shop-prod)")), "{out}");
    assert!(out.contains(&format!("ok   account {PAY} (payments-prod)")), "{out}");
}

#[test]
fn a_monitoring_account_reads_the_linked_accounts_metrics_in_fewer_calls() {
    let emu = Emulator::start();
    seed(&emu);
    // The account dbfleet runs in is the monitoring account; two of the three are linked.
    emu.seed(&json!({"monitoring": {"account": "123456789012", "linked": [PAY, SHOP]}}));
    std::fs::write(
        emu.dir.join("no-aws-credentials"),
        "[monitoring]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let accounts = format!("{PAY},{SHOP},{DATA}");
    emu.clear_log();
    let (code, direct, err) = snapshot(&emu, &["--accounts", &accounts]);
    assert_eq!(code, 0, "{err}");
    // GetMetricData calls by the account they address (the log says which).
    let by_account = |emu: &Emulator| -> BTreeMap<String, usize> {
        let log = emu.control("GET", "/_harness/log", None);
        let mut n = BTreeMap::new();
        for e in log.as_array().unwrap().iter().filter(|e| e["operation"] == "GetMetricData") {
            *n.entry(e["account"].as_str().unwrap_or("?").to_string()).or_default() += 1;
        }
        n
    };
    let direct_calls = by_account(&emu);
    emu.clear_log();
    let (code, through, err) =
        snapshot(&emu, &["--accounts", &accounts, "--monitoring-account", "monitoring"]);
    assert_eq!(code, 0, "{err}");
    let through_calls = by_account(&emu);
    assert_eq!(cpu_by_instance(&through), cpu_by_instance(&direct), "the same values either way");
    // The linked accounts make one call fewer each (their live metrics go through the
    // monitoring account, which makes one call for both); the unlinked one reads its own.
    // (The writers' two-week load profiles are still read in each account.)
    assert_eq!(direct_calls.get("123456789012"), None, "{direct_calls:?}");
    assert_eq!(through_calls.get("123456789012"), Some(&1), "{through_calls:?}");
    for linked in [PAY, SHOP] {
        assert_eq!(
            through_calls.get(linked).copied().unwrap_or(0) + 1,
            direct_calls[linked],
            "{linked}: {through_calls:?} vs {direct_calls:?}"
        );
    }
    assert_eq!(through_calls.get(DATA), direct_calls.get(DATA));
    let caps = through["capabilities"].as_array().unwrap();
    let note = |account: &str| {
        caps.iter()
            .find(|c| c["account"] == account && c["capability"] == "metrics")
            .and_then(|c| c["message"].as_str().map(String::from))
            .unwrap_or_default()
    };
    assert!(note(PAY).contains("read through the monitoring account 123456789012"), "{caps:?}");
    assert!(note(DATA).contains("not linked"), "{caps:?}");
}

/// Consumer groups of the accounts linked to a monitoring account are discovered there: one
/// ListMetrics stream (`IncludeLinkedAccounts`) per region for all of them instead of one per
/// account (before that, one per MSK cluster), with the same groups each account finds itself;
/// an account that is not linked discovers its own, one stream per region.
#[test]
fn linked_accounts_consumer_groups_are_discovered_once_a_region_in_the_monitoring_account() {
    use dbfleet::config::AccountEntry;
    use dbfleet::source::aws::{LiveOptions, LiveSource};
    const MONITORING: &str = "123456789012";
    let emu = Emulator::start();
    let now = minute_now();
    let (scenario, inv, _) = common::demo_scenario(1, now, 5);
    let text = scenario.to_string();
    for id in [PAY, SHOP, DATA] {
        // The scenario's own account id (in cross-region replica sources) becomes the account's.
        let mut one: Value = serde_json::from_str(&text.replace(MONITORING, id)).unwrap();
        one["account"] = json!(id);
        emu.seed(&one);
    }
    emu.seed(&json!({"monitoring": {"account": MONITORING, "linked": [PAY, SHOP]}}));
    let regions: BTreeSet<String> = inv.kafka_clusters.iter().map(|c| c.region.clone()).collect();
    assert!(inv.kafka_clusters.len() > regions.len(), "several MSK clusters in a region: {regions:?}");
    let groups_per_account = inv.consumer_groups.len();
    assert!(groups_per_account > 0);

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let direct_opts = LiveOptions {
        regions: regions.iter().cloned().collect(),
        endpoint_url: Some(emu.url()),
        static_credentials: Some(aws_sdk_rds::config::Credentials::new(
            "testing", "testing", None, None, "test",
        )),
        history: std::time::Duration::from_secs(600),
        accounts: [PAY, SHOP, DATA].iter().map(|id| AccountEntry::id_only(*id)).collect(),
        assume_role: Some("dbfleet".into()),
        ..Default::default()
    };
    // Static credentials address the monitoring account (the emulator's default) under any
    // profile name.
    let through_opts = LiveOptions { monitoring_profile: Some("monitoring".into()), ..direct_opts.clone() };
    let groups_of = |inv: &dbfleet::domain::model::Inventory| {
        let mut g: Vec<(String, String, String)> = inv
            .consumer_groups
            .iter()
            .map(|g| (g.cluster_arn.to_string(), g.group.to_string(), g.topic.to_string()))
            .collect();
        g.sort();
        g
    };
    // Kafka discovery calls in the log: (account, linked) -> calls.
    let kafka_lists = |emu: &Emulator| -> BTreeMap<(String, bool), usize> {
        let log = emu.control("GET", "/_harness/log", None);
        let mut n = BTreeMap::new();
        for e in log.as_array().unwrap().iter().filter(|e| e["operation"] == "ListMetrics") {
            if e["namespace"] == "AWS/Kafka" {
                let key = (e["account"].as_str().unwrap_or("?").to_string(), e["linked"] == true);
                *n.entry(key).or_default() += 1;
            }
        }
        n
    };

    emu.clear_log();
    let mut direct = rt.block_on(LiveSource::connect(direct_opts)).unwrap();
    let first = rt.block_on(direct.poll_once(now)).unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let want = groups_of(&first.inventory);
    // Every account's groups (the demo keeps one whose metrics CloudWatch would not publish).
    for id in [PAY, SHOP, DATA] {
        let n = want.iter().filter(|(arn, _, _)| arn.contains(id)).count();
        assert!(n > 0 && n <= groups_per_account && n * 3 == want.len(), "{id}: {n} of {want:?}");
    }
    // Each account asks once a region, whatever its number of clusters.
    let own = kafka_lists(&emu);
    for id in [PAY, SHOP, DATA] {
        assert_eq!(own.get(&(id.to_string(), false)), Some(&regions.len()), "{id}: {own:?}");
    }

    let mut through = rt.block_on(LiveSource::connect(through_opts)).unwrap();
    // The first poll learns the links (each account discovers its own groups meanwhile); the
    // next discovery, 16 minutes on, is the monitoring account's.
    let first = rt.block_on(through.poll_once(now)).unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    emu.clear_log();
    let later = now.checked_add(jiff::SignedDuration::from_mins(16)).unwrap();
    let second = rt.block_on(through.poll_once(later)).unwrap();
    assert!(second.errors.is_empty(), "{:?}", second.errors);
    let lists = kafka_lists(&emu);
    let want_lists: BTreeMap<(String, bool), usize> =
        [((MONITORING.to_string(), true), regions.len()), ((DATA.to_string(), false), regions.len())]
            .into_iter()
            .collect();
    assert_eq!(
        lists, want_lists,
        "one stream a region in the monitoring account, the unlinked account its own"
    );
    assert_eq!(groups_of(&second.inventory), want, "the same groups either way");
    let caps = &second.capabilities;
    for id in [PAY, SHOP] {
        let mine: Vec<_> = caps
            .iter()
            .filter(|c| {
                c.account.as_deref() == Some(id)
                    && c.capability == dbfleet::domain::capability::Capability::ConsumerGroups
            })
            .collect();
        assert_eq!(mine.len(), regions.len(), "{id}: {caps:?}");
        assert!(mine.iter().all(|c| !c.state.is_gap()), "{id}: {mine:?}");
    }
}
