//! Read-only by construction: the live source's code calls only Describe*, List* and Get*
//! operations. The emulator tests check the same from the wire (the operation log).

use std::path::Path;

const MUTATING: &[&str] = &[
    "create_",
    "delete_",
    "modify_",
    "put_",
    "reboot_",
    "start_",
    "stop_",
    "failover_",
    "promote_",
    "apply_",
    "add_",
    "remove_",
    "restore_",
    "update_",
    "switchover_",
    "copy_",
    "purge_",
    "reset_",
    "register_",
    "deregister_",
    "enable_",
    "disable_",
    "set_alarm",
    "tag_resource",
    "untag_",
    "batch_",
    "authorize_",
    "revoke_",
    "cancel_",
    "backtrack_",
    "download_",
    "reject_",
];

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push((p.display().to_string(), std::fs::read_to_string(&p).unwrap()));
        }
    }
}

#[test]
fn live_source_calls_only_describe_list_get() {
    let mut files = Vec::new();
    sources(&manifest_dir().join("src/source/aws"), &mut files);
    assert!(files.len() >= 5, "found the live source files");
    // `doctor` tries each operation once: reads too.
    let before = files.len();
    sources(&manifest_dir().join("src/doctor"), &mut files);
    assert!(files.len() > before, "found the doctor's files");
    // SDK operations start a fluent builder on a client with no argument:
    // `client.describe_db_instances()`. Every such call must be a read.
    const CLIENTS: &[&str] = &["client", "cw", "rds", "cloudwatch", "kafka", "sts"];
    let mut called = Vec::new();
    for (path, text) in &files {
        // Comments out, chains joined: `client\n    .list_clusters_v2()` -> `client.list_clusters_v2()`.
        let joined: String =
            text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join(" ");
        let mut code = String::with_capacity(joined.len());
        for part in joined.split('.') {
            if !code.is_empty() {
                code = code.trim_end().to_string();
                code.push('.');
            }
            code.push_str(part);
        }
        let ident = |s: &str| -> String {
            s.chars()
                .rev()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
                .chars()
                .rev()
                .collect()
        };
        for (i, _) in code.match_indices("()") {
            let before = &code[..i];
            let name = ident(before);
            let Some(rest) = before[..before.len() - name.len()].strip_suffix('.') else { continue };
            if name.is_empty() || !CLIENTS.contains(&ident(rest).as_str()) {
                continue;
            }
            assert!(
                ["describe_", "list_", "get_"].iter().any(|p| name.starts_with(p)),
                "{path}: `{name}` is not a Describe/List/Get operation"
            );
            assert!(!MUTATING.iter().any(|m| name.starts_with(m)), "{path}: {name}");
            called.push(name);
        }
    }
    called.sort();
    called.dedup();
    for op in [
        "describe_db_instances",
        "describe_db_clusters",
        "describe_pending_maintenance_actions",
        "list_clusters_v2",
        "list_metrics",
        "get_metric_data",
        "describe_db_parameters",
        "describe_db_cluster_parameters",
        "get_caller_identity",
    ] {
        assert!(called.iter().any(|c| c == op), "{op} is used: {called:?}");
    }
    // The operation names we count are all reads.
    let calls = std::fs::read_to_string(manifest_dir().join("src/source/aws/calls.rs")).unwrap();
    for line in calls.lines().filter(|l| l.contains("pub const ") && l.contains(": &str")) {
        let name = line.split('"').nth(1).unwrap();
        assert!(
            name.starts_with("Describe") || name.starts_with("List") || name.starts_with("Get"),
            "{name}"
        );
    }
}

/// The crate root at run time (see tests/common/mod.rs for why not `env!`).
fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), Into::into)
}

/// The README's minimal IAM policy is exactly what the capabilities need: nothing missing (a
/// denied capability the policy was supposed to grant), nothing extra.
#[test]
fn the_readme_policy_grants_what_the_capabilities_need() {
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).unwrap();
    let section = readme.split("### Minimal IAM policy").nth(1).expect("the policy section");
    let json = section.split("```json").nth(1).and_then(|s| s.split("```").next()).expect("a json block");
    let policy: serde_json::Value = serde_json::from_str(json).unwrap();
    let granted: std::collections::BTreeSet<String> = policy["Statement"][0]["Action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    let needed: std::collections::BTreeSet<String> = dbfleet::domain::capability::Capability::ALL
        .iter()
        .flat_map(|c| c.iam_actions().iter().map(|a| a.to_string()))
        .collect();
    assert_eq!(granted, needed);
}
