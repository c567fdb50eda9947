//! Polls that arrive while the screen is paused: kept in order and applied on resume, bounded
//! by folding the oldest snapshot's points into the next one, so no history is lost.

use crate::source::poller::PollEvent;

/// Events held while paused, at most.
const MAX_HELD: usize = 512;

#[derive(Debug, Default)]
pub struct HeldPolls {
    events: Vec<PollEvent>,
}

impl HeldPolls {
    pub fn push(&mut self, ev: PollEvent) {
        if self.events.len() >= MAX_HELD {
            let oldest = self.events.remove(0);
            if let (PollEvent::Snapshot(old), Some(PollEvent::Snapshot(next))) =
                (oldest, self.events.first_mut())
            {
                let mut metrics = old.metrics;
                metrics.append(&mut next.metrics);
                next.metrics = metrics;
            }
        }
        self.events.push(ev);
    }

    /// Everything held, oldest first; the store is empty afterwards.
    pub fn take(&mut self) -> Vec<PollEvent> {
        std::mem::take(&mut self.events)
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}
