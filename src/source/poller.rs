//! Drives a source on an interval in its own task: never overlaps polls (one loop, one poll
//! at a time), refreshes on demand, backs off after failures, stops when asked or when the
//! app is gone. Sends owned snapshots to the app over a channel.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::clock::SharedClock;
use super::{FleetSource, PollFailure};
use crate::domain::freshness::Demand;
use crate::domain::snapshot::FleetSnapshot;

/// What the poller tells the app.
#[derive(Debug)]
pub enum PollEvent {
    Started,
    Snapshot(Box<FleetSnapshot>),
    Failed(PollFailure),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PollCommand {
    /// `r` (or the playhead moved): poll now; a live source asks for every series.
    RefreshNow,
    Stop,
}

/// Exponential back-off after consecutive failures, capped; pure so it can be tested.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub interval: Duration,
    pub max: Duration,
    pub failures: u32,
}

impl Backoff {
    pub fn new(interval: Duration) -> Self {
        Backoff { interval, max: interval.max(Duration::from_secs(300)), failures: 0 }
    }

    /// Delay before the next poll.
    pub fn delay(&self) -> Duration {
        let factor = 1u32.checked_shl(self.failures.min(8)).unwrap_or(256);
        self.interval.saturating_mul(factor).min(self.max)
    }

    pub fn record(&mut self, ok: bool) {
        self.failures = if ok { 0 } else { self.failures.saturating_add(1) };
    }
}

pub struct PollerHandle {
    pub commands: mpsc::Sender<PollCommand>,
    /// The screen's demand (see `FleetSource::set_demand`).
    pub demand: watch::Sender<Arc<Demand>>,
    pub task: JoinHandle<()>,
}

impl PollerHandle {
    /// Hand the poller a new demand, only when it differs from the last one (a redraw with
    /// the same screen wakes nothing).
    pub fn offer_demand(&self, d: Demand) {
        if **self.demand.borrow() != d {
            self.demand.send_replace(Arc::new(d));
        }
    }
}

/// Start polling. `interval` is in real time; the source sees the clock's (maybe simulated) now.
pub fn spawn(
    mut source: Box<dyn FleetSource>,
    clock: SharedClock,
    interval: Duration,
    events: mpsc::Sender<PollEvent>,
) -> PollerHandle {
    let (tx, mut rx) = mpsc::channel::<PollCommand>(8);
    let (demand_tx, mut demand) = watch::channel(Arc::new(Demand::default()));
    let task = tokio::spawn(async move {
        let mut backoff = Backoff::new(interval);
        loop {
            if events.send(PollEvent::Started).await.is_err() {
                return;
            }
            let result = source.poll(clock.now()).await;
            backoff.record(result.is_ok());
            let event = match result {
                Ok(s) => PollEvent::Snapshot(Box::new(s)),
                Err(f) => PollEvent::Failed(f),
            };
            if events.send(event).await.is_err() {
                return; // the app is gone
            }
            // History still coming in chunks: the next poll as soon as the app has taken this
            // one (a chunk of a 5,000-instance fleet is megabytes: one in flight at a time).
            if backoff.failures == 0 && source.backfill_pending() {
                loop {
                    match rx.try_recv() {
                        Ok(PollCommand::Stop) | Err(mpsc::error::TryRecvError::Disconnected) => return,
                        // The next poll (the next chunk) lists everything too: `r` pressed
                        // while history is still coming is not lost.
                        Ok(PollCommand::RefreshNow) => source.refresh_all(),
                        Err(mpsc::error::TryRecvError::Empty) => {}
                    }
                    if events.is_closed() {
                        return;
                    }
                    if demand.has_changed().unwrap_or(false) {
                        source.set_demand(demand.borrow_and_update().clone(), clock.now());
                    }
                    if events.capacity() == events.max_capacity() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                continue;
            }
            let next = tokio::time::Instant::now() + backoff.delay();
            loop {
                tokio::select! {
                    _ = tokio::time::sleep_until(next) => break,
                    cmd = rx.recv() => match cmd {
                        Some(PollCommand::RefreshNow) => {
                            source.refresh_all();
                            break;
                        }
                        Some(PollCommand::Stop) | None => return,
                    },
                    // What the screen needs fresh (only the latest counts: a burst of cursor
                    // moves is one change): the interval holds unless a series just made hot
                    // is due now.
                    Ok(()) = demand.changed() => {
                        if source.set_demand(demand.borrow_and_update().clone(), clock.now()) {
                            break;
                        }
                    }
                }
            }
        }
    });
    PollerHandle { commands: tx, demand: demand_tx, task }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::snapshot::{SourceInfo, SourceKind};
    use crate::source::PollFuture;
    use jiff::Timestamp;

    /// Three chunks of history pending after the first poll.
    struct Chunked {
        polls: usize,
    }

    impl FleetSource for Chunked {
        fn info(&self) -> SourceInfo {
            SourceInfo { kind: SourceKind::Demo, label: "chunked".into(), regions: vec![], accounts: vec![] }
        }
        fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
            self.polls += 1;
            let s = crate::source::demo::DemoSource::new(Default::default(), now).snapshot_at(now);
            Box::pin(async move { Ok(s) })
        }
        fn backfill_pending(&self) -> bool {
            self.polls < 4
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn backfill_chunks_are_polled_at_once_then_the_interval_holds() {
        let (tx, mut rx) = mpsc::channel(16);
        let clock: SharedClock = std::sync::Arc::new(super::super::clock::Clock::System);
        let h = spawn(Box::new(Chunked { polls: 0 }), clock, Duration::from_secs(3600), tx);
        let mut snapshots = 0;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while snapshots < 4 {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(PollEvent::Snapshot(_))) => snapshots += 1,
                Ok(Some(_)) => {}
                other => panic!("the poller stopped or waited for the interval: {other:?}"),
            }
        }
        // Backfill done: the fifth poll waits for the hour's interval.
        let fifth = tokio::time::timeout(Duration::from_millis(300), async {
            loop {
                if let Some(PollEvent::Snapshot(_)) = rx.recv().await {
                    return;
                }
            }
        })
        .await;
        assert!(fifth.is_err(), "no fifth poll before the interval");
        h.commands.send(PollCommand::Stop).await.unwrap();
        h.task.await.unwrap();
    }

    /// History always still coming; counts `refresh_all`.
    struct Backfilling {
        refreshes: Arc<std::sync::atomic::AtomicUsize>,
    }

    impl FleetSource for Backfilling {
        fn info(&self) -> SourceInfo {
            SourceInfo {
                kind: SourceKind::Demo,
                label: "backfilling".into(),
                regions: vec![],
                accounts: vec![],
            }
        }
        fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
            let s = crate::source::demo::DemoSource::new(Default::default(), now).snapshot_at(now);
            Box::pin(async move { Ok(s) })
        }
        fn backfill_pending(&self) -> bool {
            true
        }
        fn refresh_all(&mut self) {
            self.refreshes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn refresh_now_while_history_is_coming_is_not_lost() {
        let (tx, mut rx) = mpsc::channel(16);
        let clock: SharedClock = std::sync::Arc::new(super::super::clock::Clock::System);
        let refreshes = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let source = Backfilling { refreshes: refreshes.clone() };
        let h = spawn(Box::new(source), clock, Duration::from_secs(3600), tx);
        assert!(snapshot(&mut rx, 5_000).await, "the first poll");
        // From here on the poller only waits between chunks (backfill never ends).
        h.commands.send(PollCommand::RefreshNow).await.unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while refreshes.load(std::sync::atomic::Ordering::SeqCst) == 0
            && tokio::time::Instant::now() < deadline
        {
            // Take the chunks as the app would, so the poller goes on.
            let _ = snapshot(&mut rx, 50).await;
        }
        assert_eq!(refreshes.load(std::sync::atomic::Ordering::SeqCst), 1, "r was dropped");
        h.commands.send(PollCommand::Stop).await.unwrap();
        h.task.await.unwrap();
    }

    /// Wants a poll at once for a demand naming `urgent`, not for any other.
    struct Demanding {
        polls: Arc<std::sync::atomic::AtomicUsize>,
    }

    impl FleetSource for Demanding {
        fn info(&self) -> SourceInfo {
            SourceInfo {
                kind: SourceKind::Live,
                label: "demanding".into(),
                regions: vec![],
                accounts: vec![],
            }
        }
        fn poll(&mut self, now: Timestamp) -> PollFuture<'_> {
            self.polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let s = crate::source::demo::DemoSource::new(Default::default(), now).snapshot_at(now);
            Box::pin(async move { Ok(s) })
        }
        fn set_demand(&mut self, demand: Arc<Demand>, _now: Timestamp) -> bool {
            demand.resources.contains_key("urgent")
        }
    }

    /// A snapshot within `ms`.
    async fn snapshot(rx: &mut mpsc::Receiver<PollEvent>, ms: u64) -> bool {
        let wait = tokio::time::timeout(Duration::from_millis(ms), async {
            while let Some(ev) = rx.recv().await {
                if let PollEvent::Snapshot(_) = ev {
                    return true;
                }
            }
            false
        });
        wait.await.unwrap_or(false)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 1)]
    async fn a_demand_that_needs_fresh_series_polls_at_once_and_others_wait() {
        use crate::domain::freshness::HotReason;
        let (tx, mut rx) = mpsc::channel(16);
        let clock: SharedClock = std::sync::Arc::new(super::super::clock::Clock::System);
        let polls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let h = spawn(Box::new(Demanding { polls: polls.clone() }), clock, Duration::from_secs(3600), tx);
        assert!(snapshot(&mut rx, 10_000).await, "the first poll");
        let mut calm = Demand::default();
        calm.mark("quiet", HotReason::OnScreen);
        h.offer_demand(calm);
        assert!(!snapshot(&mut rx, 300).await, "a demand with nothing due waits for the interval");
        let mut urgent = Demand::default();
        urgent.mark("urgent", HotReason::OnScreen);
        h.offer_demand(urgent.clone());
        assert!(snapshot(&mut rx, 10_000).await, "a series just made hot is fetched at once");
        // The same demand again (a redraw of the same screen) reaches nobody.
        h.offer_demand(urgent);
        assert!(!snapshot(&mut rx, 300).await, "an unchanged demand polls nothing");
        assert_eq!(polls.load(std::sync::atomic::Ordering::SeqCst), 2);
        h.commands.send(PollCommand::Stop).await.unwrap();
        h.task.await.unwrap();
    }

    #[test]
    fn backoff_doubles_and_caps_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(60));
        assert_eq!(b.delay(), Duration::from_secs(60));
        b.record(false);
        assert_eq!(b.delay(), Duration::from_secs(120));
        for _ in 0..20 {
            b.record(false);
        }
        assert_eq!(b.delay(), Duration::from_secs(300));
        b.record(true);
        assert_eq!(b.delay(), Duration::from_secs(60));
    }
}
