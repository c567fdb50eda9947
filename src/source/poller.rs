//! Drives a source on an interval in its own task: never overlaps polls (one loop, one poll
//! at a time), refreshes on demand, backs off after failures, stops when asked or when the
//! app is gone. Sends owned snapshots to the app over a channel.

use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::clock::SharedClock;
use super::{FleetSource, PollFailure};
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
    pub task: JoinHandle<()>,
}

/// Start polling. `interval` is in real time; the source sees the clock's (maybe simulated) now.
pub fn spawn(
    mut source: Box<dyn FleetSource>,
    clock: SharedClock,
    interval: Duration,
    events: mpsc::Sender<PollEvent>,
) -> PollerHandle {
    let (tx, mut rx) = mpsc::channel::<PollCommand>(8);
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
            tokio::select! {
                _ = tokio::time::sleep(backoff.delay()) => {}
                cmd = rx.recv() => match cmd {
                    Some(PollCommand::RefreshNow) => {}
                    Some(PollCommand::Stop) | None => return,
                },
            }
        }
    });
    PollerHandle { commands: tx, task }
}

#[cfg(test)]
mod tests {
    use super::*;

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
