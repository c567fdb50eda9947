//! Drives keys through `update` on the demo fleet and checks the model: filter, sort, views,
//! detail, pause, help, themes, quit.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use dbfleet::app::action::ViewId;
use dbfleet::app::msg::{Effect, Msg};
use dbfleet::app::overlay::Overlay;
use dbfleet::app::state::{Detail, FleetSort, Input, Model};
use dbfleet::app::update::update;
use dbfleet::config::Config;
use dbfleet::headless::demo_model;
use dbfleet::source::demo::{DemoOptions, DemoSource};
use dbfleet::source::poller::PollEvent;
use jiff::{SignedDuration, Timestamp};

fn start() -> Timestamp {
    "2026-11-18T15:37:00Z".parse().unwrap()
}

fn model() -> Model {
    let names = vec!["default".to_string(), "light".to_string()];
    let mut m = demo_model(42, 1, start(), &Config::default(), jiff::tz::TimeZone::UTC, names);
    update(&mut m, Msg::Resize(120, 40), start());
    m
}

fn key(m: &mut Model, code: KeyCode) -> Vec<Effect> {
    let now = m.now;
    update(m, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)), now)
}

fn typed(m: &mut Model, s: &str) {
    for c in s.chars() {
        key(m, KeyCode::Char(c));
    }
}

fn selected_id(m: &Model) -> String {
    let r = m.selected_row().expect("a selected row");
    let row = &m.fleet.rows[r];
    m.fleet.inventory.instances[row.index].id.clone()
}

fn visible_ids(m: &Model) -> Vec<String> {
    m.current()
        .visible
        .iter()
        .map(|&r| m.fleet.inventory.instances[m.fleet.rows[r].index].id.clone())
        .collect()
}

#[test]
fn worst_first_by_default() {
    let m = model();
    let ids = visible_ids(&m);
    // At this instant the demo incident is on: stopped replication, a pooled API at 90% of its
    // parameter group's limit, a connection surge, a lag spike.
    assert_eq!(&ids[..4], &["inventory-mysql-r1", "orders-api-mysql", "eu-checkout-pg", "orders-mysql-r3"]);
}

#[test]
fn filter_then_move_then_open_detail() {
    let mut m = model();
    key(&mut m, KeyCode::Char('/'));
    assert!(matches!(m.input, Input::Filter(_)));
    typed(&mut m, "orders region:us-east");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.input, Input::Normal);
    let ids = visible_ids(&m);
    assert!(ids.iter().all(|i| i.contains("orders")), "{ids:?}");
    assert!(ids.iter().all(|i| !i.starts_with("eu-")), "region filter: {ids:?}");
    let second = ids[1].clone();
    key(&mut m, KeyCode::Char('j'));
    assert_eq!(selected_id(&m), second);
    key(&mut m, KeyCode::Enter);
    let arn = m.fleet.inventory.instances.iter().find(|d| d.id == second).unwrap().arn.to_string();
    assert_eq!(m.detail().cloned(), Some(Detail::Instance(arn)));
    // Esc closes the detail, a second Esc clears the filter.
    key(&mut m, KeyCode::Esc);
    assert!(m.detail().is_none());
    assert!(!m.filter().is_empty());
    key(&mut m, KeyCode::Esc);
    assert!(m.filter().is_empty());
    assert_eq!(m.current().visible.len(), m.fleet.rows.len());
}

#[test]
fn selection_follows_the_instance_across_polls() {
    let mut m = model();
    key(&mut m, KeyCode::Char('s')); // sort by name
    assert_eq!(m.fleet_sort(), FleetSort::Name);
    for _ in 0..5 {
        key(&mut m, KeyCode::Char('j'));
    }
    let before = selected_id(&m);
    // Sort by severity again and feed ten more minutes of data: the cursor stays on the instance.
    for _ in 0..9 {
        key(&mut m, KeyCode::Char('s'));
    }
    assert_eq!(m.fleet_sort(), FleetSort::Severity);
    let mut src = DemoSource::new(DemoOptions::default(), start());
    src.snapshot_at(start());
    let later = start().checked_add(SignedDuration::from_mins(10)).unwrap();
    update(&mut m, Msg::Poll(PollEvent::Snapshot(Box::new(src.snapshot_at(later)))), later);
    assert_eq!(selected_id(&m), before);
}

#[test]
fn sort_reverse_and_views() {
    let mut m = model();
    key(&mut m, KeyCode::Char('s'));
    let names = visible_ids(&m);
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    key(&mut m, KeyCode::Char('S'));
    assert_eq!(visible_ids(&m).first(), sorted.last());
    key(&mut m, KeyCode::Tab);
    assert_eq!(m.view, ViewId::Replication);
    key(&mut m, KeyCode::Char('3'));
    assert_eq!(m.view, ViewId::Kafka);
    key(&mut m, KeyCode::Char(':'));
    typed(&mut m, "maint");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.view, ViewId::Maintenance);
    key(&mut m, KeyCode::BackTab);
    assert_eq!(m.view, ViewId::Kafka);
    key(&mut m, KeyCode::Char(':'));
    typed(&mut m, "nosuchview");
    key(&mut m, KeyCode::Enter);
    assert_eq!(m.view, ViewId::Kafka);
    assert!(m.runtime.notice.as_ref().unwrap().text.contains("unknown command"));
}

#[test]
fn pause_freezes_and_resume_applies_held_polls() {
    let mut m = model();
    let mut src = DemoSource::new(DemoOptions::default(), start());
    src.snapshot_at(start());
    key(&mut m, KeyCode::Char('p'));
    assert!(m.runtime.paused.is_some());
    let later = start().checked_add(SignedDuration::from_mins(5)).unwrap();
    update(&mut m, Msg::Poll(PollEvent::Snapshot(Box::new(src.snapshot_at(later)))), later);
    assert_eq!(m.status.last_success, Some(start()), "frozen while paused");
    assert_eq!(m.runtime.held.len(), 1);
    key(&mut m, KeyCode::Char('p'));
    assert!(m.runtime.paused.is_none());
    assert_eq!(m.status.last_success, Some(later));
    assert!(m.runtime.held.is_empty());
}

#[test]
fn help_theme_refresh_quit() {
    let mut m = model();
    key(&mut m, KeyCode::Char('?'));
    assert!(m.overlays.has(&Overlay::Help));
    key(&mut m, KeyCode::Esc);
    assert!(!m.overlays.has(&Overlay::Help));
    key(&mut m, KeyCode::Char('t'));
    assert_eq!(m.theme_name(), "light");
    assert_eq!(key(&mut m, KeyCode::Char('r')), vec![Effect::RefreshNow]);
    let now = m.now;
    update(&mut m, Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), now);
    assert!(m.runtime.quit);
}

#[test]
fn failed_poll_keeps_data_and_marks_stale() {
    use dbfleet::domain::snapshot::{ErrorKind, Service, SourceError};
    use dbfleet::source::PollFailure;
    let mut m = model();
    let rows = m.fleet.rows.len();
    let later = start().checked_add(SignedDuration::from_mins(3)).unwrap();
    let err = SourceError {
        account: None,
        region: "us-east-1".into(),
        service: Service::CloudWatch,
        operation: Some("GetMetricData".into()),
        kind: ErrorKind::Throttled,
        message: "Rate exceeded".into(),
        at: later,
        capability: None,
    };
    update(&mut m, Msg::Poll(PollEvent::Failed(PollFailure::new(vec![err]))), later);
    assert!(m.status.stale());
    assert_eq!(m.fleet.rows.len(), rows, "last good data kept");
    assert_eq!(m.status.age_secs(later), Some(180));
    // The per-source error list names the region, service, operation and message.
    key(&mut m, KeyCode::Char('E'));
    assert!(m.overlays.has(&Overlay::Errors));
    let themes = dbfleet::ui::theme::ThemeSet::builtin(false);
    let text = dbfleet::ui::export::buffer_to_text(&dbfleet::headless::render_buffer(
        &mut m,
        themes.get(0),
        (120, 40),
    ));
    assert!(text.contains("us-east-1 CloudWatch GetMetricData Throttled"), "{text}");
    assert!(text.contains("Rate exceeded"), "{text}");
    key(&mut m, KeyCode::Esc);
    assert!(!m.overlays.has(&Overlay::Errors));
    let mut src = DemoSource::new(DemoOptions::default(), start());
    src.snapshot_at(start());
    let recovered = later.checked_add(SignedDuration::from_mins(1)).unwrap();
    update(&mut m, Msg::Poll(PollEvent::Snapshot(Box::new(src.snapshot_at(recovered)))), recovered);
    assert!(!m.status.stale());
}
