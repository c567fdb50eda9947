//! `--redact`: for random account ids put into the demo fleet, no 12-digit run (so no account
//! id, alone or inside an ARN) survives in any view at two sizes, the evidence popup, the
//! JSON and Markdown snapshots, `check`'s text and Markdown, an SVG export or a recording;
//! with `--redact=names` no instance, cluster, consumer group or topic name does either.

use dbfleet::app::state::Model;
use dbfleet::app::update::apply_snapshot;
use dbfleet::domain::redact::{RedactMode, Redactor};
use dbfleet::domain::severity::Severity;
use dbfleet::domain::snapshot::FleetSnapshot;
use dbfleet::domain::thresholds::Thresholds;
use dbfleet::headless::{render_buffer, select_view};
use dbfleet::record::Recorder;
use dbfleet::source::demo::{DemoOptions, DemoSource};
use dbfleet::ui::export::{buffer_to_svg, buffer_to_text};
use dbfleet::ui::theme::ThemeSet;
use jiff::Timestamp;
use proptest::prelude::*;

fn start() -> Timestamp {
    "2026-11-18T15:37:00Z".parse().unwrap()
}

fn demo() -> FleetSnapshot {
    DemoSource::new(DemoOptions::default(), start()).snapshot_at(start())
}

/// The demo snapshot with its accounts replaced by `accounts` (everywhere: fields, ARNs).
fn with_accounts(accounts: &[String]) -> FleetSnapshot {
    let s = demo();
    let mut originals: Vec<String> = s.inventory.instances.iter().map(|d| d.account.to_string()).collect();
    originals.sort();
    originals.dedup();
    let mut json = serde_json::to_string(&s).unwrap();
    for (o, n) in originals.iter().zip(accounts.iter().cycle()) {
        json = json.replace(o.as_str(), n);
    }
    serde_json::from_str(&json).unwrap()
}

fn has_digit_run(s: &str, n: usize) -> Option<String> {
    let mut run = 0;
    for (i, c) in s.char_indices() {
        run = if c.is_ascii_digit() { run + 1 } else { 0 };
        if run >= n {
            let from = s.floor_char_boundary(i.saturating_sub(40));
            return Some(s[from..(i + 1).min(s.len())].to_string());
        }
    }
    None
}

/// The strings and keys of a JSON document, one per line: its numbers (bytes of free storage
/// run to 12 digits) are values, not identifiers.
fn json_strings(v: &serde_json::Value) -> String {
    fn walk(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            serde_json::Value::Object(o) => o.iter().for_each(|(k, x)| {
                out.push(k.clone());
                walk(x, out);
            }),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut out);
    out.join("\n")
}

/// Every text dbfleet can show or write for this snapshot, by name.
fn everything(snapshot: FleetSnapshot) -> Vec<(String, String)> {
    let mut m = Model::new(start(), Thresholds::default(), jiff::tz::TimeZone::UTC, vec!["default".into()]);
    apply_snapshot(&mut m, snapshot.clone(), start());
    let themes = ThemeSet::builtin(false);
    let theme = themes.get(0);
    let mut out = Vec::new();
    // Not vacuous: the demo poll has events and alarms for redaction to miss.
    assert!(!snapshot.events.is_empty() && !snapshot.inventory.alarms.is_empty());
    for view in ["fleet", "replication", "kafka", "maintenance", "findings", "evidence", "events", "help"] {
        for size in [(200, 60), (80, 24)] {
            let mut v =
                Model::new(start(), Thresholds::default(), jiff::tz::TimeZone::UTC, vec!["default".into()]);
            apply_snapshot(&mut v, snapshot.clone(), start());
            select_view(&mut v, view, None).unwrap();
            let buf = render_buffer(&mut v, theme, size);
            out.push((format!("{view} {size:?}"), buffer_to_text(&buf)));
            if size.0 == 200 && view == "fleet" {
                out.push(("svg".into(), buffer_to_svg(&buf, theme)));
            }
        }
    }
    // Detail of the first instance and of a consumer group, by their (maybe aliased) names.
    // The instance a team alarm watches: its Detail lists its alarms and events.
    let watched = m.fleet.inventory.alarms[0].dimensions[0].1.clone();
    for name in [
        m.fleet.inventory.instances[0].id.clone(),
        m.fleet.inventory.consumer_groups[0].group.to_string(),
        watched,
    ] {
        let mut v =
            Model::new(start(), Thresholds::default(), jiff::tz::TimeZone::UTC, vec!["default".into()]);
        apply_snapshot(&mut v, snapshot.clone(), start());
        select_view(&mut v, "detail", Some(&name)).unwrap();
        out.push((format!("detail {name}"), buffer_to_text(&render_buffer(&mut v, theme, (160, 48)))));
    }
    let r = dbfleet::report::json::build(&m);
    out.push(("snapshot json".into(), json_strings(&serde_json::to_value(&r).unwrap())));
    out.push(("snapshot markdown".into(), dbfleet::report::markdown::render(&r)));
    let c = dbfleet::report::check::build(&m, Severity::Info);
    out.push(("check text".into(), dbfleet::report::check::render_text(&c, &m)));
    out.push(("check markdown".into(), dbfleet::report::check::render_markdown(&c, &m)));
    // A directory of its own: two tests of this file call this at once.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("redacted.jsonl");
    let mut rec = Recorder::create(&path, snapshot.source.clone(), start()).unwrap();
    rec.append(&snapshot).unwrap();
    rec.finish().unwrap();
    let lines = std::fs::read_to_string(&path).unwrap();
    let strings: Vec<String> =
        lines.lines().map(|l| json_strings(&serde_json::from_str::<serde_json::Value>(l).unwrap())).collect();
    out.push(("recording".into(), strings.join("\n")));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn no_account_id_or_arn_survives(accounts in proptest::collection::vec("[1-9][0-9]{11}", 2), names in any::<bool>()) {
        let mode = if names { RedactMode::Names } else { RedactMode::Ids };
        let snapshot = Redactor::new(mode).snapshot(with_accounts(&accounts));
        for (what, text) in everything(snapshot) {
            // Screens show sizes in GiB, JSON numbers are left out: any 12-digit run in
            // what is left would be an account id.
            prop_assert!(has_digit_run(&text, 12).is_none(), "{what}: {:?}", has_digit_run(&text, 12));
            for a in &accounts {
                prop_assert!(!text.contains(a.as_str()), "{what} shows {a}");
            }
        }
    }
}

#[test]
fn names_mode_hides_every_resource_name() {
    let original = demo();
    let inv = &original.inventory;
    let mut names: Vec<String> = inv.instances.iter().map(|d| d.id.clone()).collect();
    names.extend(inv.clusters.iter().map(|c| c.id.clone()));
    names.extend(inv.kafka_clusters.iter().map(|c| c.name.clone()));
    names.extend(inv.consumer_groups.iter().flat_map(|c| [c.group.to_string(), c.topic.to_string()]));
    // Alarm names embed resource names (`orders-mysql-cpu-high`): whole, they must go too.
    names.extend(inv.alarms.iter().map(|a| a.name.clone()));
    // Account names tell as much as account ids.
    names.extend(inv.account_names.values().cloned());
    assert!(!inv.account_names.is_empty());
    assert!(!inv.alarms.is_empty());
    names.sort();
    names.dedup();
    let snapshot = Redactor::new(RedactMode::Names).snapshot(original.clone());
    let texts = everything(snapshot);
    for (what, text) in &texts {
        for n in &names {
            // Whole names only: a shorter name can be a word of the UI ("clickstream" is not).
            let found = text.match_indices(n.as_str()).any(|(i, _)| {
                let before = text[..i].chars().last();
                let after = text[i + n.len()..].chars().next();
                let edge = |c: Option<char>| {
                    c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
                };
                edge(before) && edge(after)
            });
            assert!(!found, "{what} shows {n}");
        }
    }
    // And the screens still say something: aliases in place of names.
    let fleet = &texts.iter().find(|(w, _)| w == "fleet (200, 60)").unwrap().1;
    assert!(fleet.contains("db-0"), "{fleet}");
    let kafka = &texts.iter().find(|(w, _)| w == "kafka (200, 60)").unwrap().1;
    assert!(kafka.contains("group-0") && kafka.contains("STALL"), "{kafka}");
}
