//! Heap at fleet scale, by stage: the demo source built, its first poll (three hours of
//! history), that poll applied to the model, the model alone, and steady polls after it.
//! A counting allocator measures live and peak heap bytes; `cargo bench --bench memory`
//! prints them (target: peak RSS <= 60 MB at 5,000 instances, heap is most of it).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use dbfleet::app::state::Model;
use dbfleet::app::update::apply_snapshot;
use dbfleet::config::Config;
use dbfleet::source::FleetSource;
use dbfleet::source::aws::plan;
use dbfleet::source::demo::{DemoOptions, DemoSource};
use jiff::{SignedDuration, Timestamp};

struct Counting;
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            let now = LIVE.fetch_add(l.size(), Ordering::Relaxed) + l.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static A: Counting = Counting;

fn mb(b: usize) -> String {
    format!("{:.1} MB", b as f64 / 1_000_000.0)
}

/// Heap figures of one run: the source built, its first poll applied (and the peak while it
/// was), then `polls` one-minute polls (backfill chunks included).
fn run(label: &str, copies: usize, first_window_minutes: Option<i64>) {
    let start: Timestamp = "2026-11-18T15:37:00Z".parse().unwrap();
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let opts = DemoOptions { copies, first_window_minutes, ..Default::default() };
    let mut src = DemoSource::new(opts, start);
    let source = LIVE.load(Ordering::Relaxed) - base;
    let mut m =
        Model::new(start, Config::default().thresholds, jiff::tz::TimeZone::UTC, vec!["default".into()]);
    let first = src.snapshot_at(start);
    let (instances, series) = (first.inventory.instances.len(), first.metrics.len());
    let first_points: usize = first.metrics.iter().map(|u| u.points.len()).sum();
    let first_heap = LIVE.load(Ordering::Relaxed) - base;
    // What one copy of the inventory and the live source's metric plan for it weigh.
    let before = LIVE.load(Ordering::Relaxed);
    // Instances are shared (Arc): copy them too, as a second source of them would.
    let mut copy = (*first.inventory).clone();
    copy.instances = copy.instances.iter().map(|d| std::sync::Arc::new((**d).clone())).collect();
    let inventory_bytes = LIVE.load(Ordering::Relaxed) - before;
    drop(copy);
    let before = LIVE.load(Ordering::Relaxed);
    let regions: std::collections::BTreeSet<&str> =
        first.inventory.instances.iter().map(|d| d.region.as_str()).collect();
    let plans: Vec<_> = regions.iter().map(|r| plan::plan(&first.inventory, r)).collect();
    let plan_bytes = LIVE.load(Ordering::Relaxed) - before;
    drop(plans);
    apply_snapshot(&mut m, first, start);
    let first_peak = PEAK.load(Ordering::Relaxed) - base;
    let mut now = start;
    // Backfill chunks come at once (the poller does not wait for them), then a minute a poll.
    let mut polls = 0;
    while src.backfill_pending() || polls < 60 {
        if !src.backfill_pending() {
            now = now.checked_add(SignedDuration::from_mins(1)).unwrap();
        }
        let s = src.snapshot_at(now);
        apply_snapshot(&mut m, s, now);
        polls += 1;
    }
    let steady = LIVE.load(Ordering::Relaxed) - base;
    let peak = PEAK.load(Ordering::Relaxed) - base;
    println!("## {label}: {instances} instances, {series} series");
    println!("| figure | heap |");
    println!("|---|---|");
    println!("| demo source (scenario, load profiles) | {} |", mb(source));
    println!("| first poll ({first_points} points) + source | {} |", mb(first_heap));
    println!("| one copy of the inventory | {} |", mb(inventory_bytes));
    println!("| the live source's metric plan for it (every region) | {} |", mb(plan_bytes));
    println!("| peak until the first poll is applied | {} |", mb(first_peak));
    println!(
        "| model + source after {polls} polls ({} points of history) | {} |",
        m.fleet.history.point_count(),
        mb(steady)
    );
    println!("| peak over the whole run | {} |", mb(peak));
    drop(m);
    drop(src);
}

fn main() {
    let copies: usize = std::env::var("MEMORY_COPIES").ok().and_then(|s| s.parse().ok()).unwrap_or(81);
    run("dashboard (first poll: the last 30 min, older history in chunks)", copies, Some(30));
    println!();
    run("one-shot (snapshot, check, render: three hours in the first poll)", copies, None);
}
