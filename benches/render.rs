//! Render and derive at fleet scale: a 5,000-instance demo fleet (81 copies of the base
//! fleet), the Fleet view drawn at 200x50 (target <= 2 ms per frame), and a snapshot applied
//! and derived (the app's share of a poll's CPU). `cargo bench` prints the figures.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dbfleet::app::action::ViewId;
use dbfleet::app::msg::Msg;
use dbfleet::app::update::{apply_snapshot, update};
use dbfleet::config::Config;
use dbfleet::headless::demo_model;
use dbfleet::source::demo::{DemoOptions, DemoSource};
use dbfleet::ui::theme::ThemeSet;
use jiff::{SignedDuration, Timestamp};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

const COPIES: usize = 81; // 62 instances each: 5,022 instances

fn start() -> Timestamp {
    "2026-11-18T15:37:00Z".parse().unwrap()
}

fn bench(c: &mut Criterion) {
    let themes = ThemeSet::builtin(false);
    let theme = themes.get(0);
    let mut m =
        demo_model(42, COPIES, start(), &Config::default(), jiff::tz::TimeZone::UTC, vec!["default".into()]);
    eprintln!(
        "fleet: {} instances, {} consumer groups x topics",
        m.fleet.inventory.instances.len(),
        m.fleet.kafka.consumers.len()
    );
    update(&mut m, Msg::Resize(200, 50), start());
    let area = Rect::new(0, 0, 200, 50);

    for view in [ViewId::Fleet, ViewId::Replication, ViewId::Kafka, ViewId::Maintenance, ViewId::Findings] {
        m.view = view;
        c.bench_function(&format!("render {} 200x50 (5k instances)", view.title()), |b| {
            let mut buf = Buffer::empty(area);
            b.iter(|| {
                buf.reset();
                dbfleet::ui::render(black_box(&m), theme, area, &mut buf);
            })
        });
    }

    // A steady poll: one new minute of points for every series, applied and derived.
    let mut src = DemoSource::new(DemoOptions { copies: COPIES, ..Default::default() }, start());
    src.snapshot_at(start());
    let next = start().checked_add(SignedDuration::from_mins(1)).unwrap();
    let snapshot = src.snapshot_at(next);
    // Within the same minute the maintenance-risk findings come from their per-minute cache;
    // a poll in a new minute evaluates every rule again (the live case: one poll a minute).
    c.bench_function("apply + derive one poll, same minute (5k instances)", |b| {
        b.iter_batched(
            || snapshot.clone(),
            |s| apply_snapshot(&mut m, s, next),
            criterion::BatchSize::LargeInput,
        )
    });
    c.bench_function("apply + derive one poll, new minute: all rules (5k instances)", |b| {
        b.iter_batched(
            || snapshot.clone(),
            |s| {
                m.fleet.risk = None;
                apply_snapshot(&mut m, s, next)
            },
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
