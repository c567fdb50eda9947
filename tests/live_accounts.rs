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
