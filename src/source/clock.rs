//! The one place that reads the wall clock. The demo runs on simulated, optionally
//! accelerated time; a replay on a playhead the user moves. The playhead owns where it is,
//! whether it plays and how fast; the app reads that (`PlayState`) and asks it to change.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone)]
pub enum Clock {
    System,
    /// `start` at the moment the clock was made, advancing `speed` times faster than real time.
    Simulated {
        origin: Instant,
        start: Timestamp,
        speed: f64,
    },
    /// A replay's playhead: paused, playing at a speed, moved by the timeline keys.
    Timeline(Arc<Mutex<Playhead>>),
}

/// Whether a playhead plays, and how fast (recorded seconds per real second).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlayState {
    pub playing: bool,
    pub speed: f64,
}

/// Recorded time under the user's control, kept within `[first, last]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Playhead {
    anchor_real: Instant,
    anchor: Timestamp,
    pub speed: f64,
    pub playing: bool,
    pub first: Timestamp,
    pub last: Timestamp,
    /// Polls that landed after the recording was opened (a recording still growing), oldest
    /// first, for the timeline to learn.
    grown: Vec<Timestamp>,
}

impl Playhead {
    pub fn new(first: Timestamp, last: Timestamp, speed: f64, playing: bool) -> Playhead {
        Playhead {
            anchor_real: Instant::now(),
            anchor: first,
            speed,
            playing,
            first,
            last: last.max(first),
            grown: Vec::new(),
        }
    }

    /// The recording grew by polls taken at `times` (oldest first, after `last`). A playhead
    /// playing at the end follows to the new end, like `tail -f`; one behind it stays where it
    /// is; a paused one does not move.
    pub fn extend(&mut self, times: &[Timestamp]) {
        let Some(&newest) = times.last() else { return };
        let at_end = self.playing && self.now() >= self.last;
        self.grown.extend(times.iter().copied().filter(|t| *t > self.last));
        self.last = self.last.max(newest);
        if at_end {
            self.seek(self.last);
        }
    }

    /// The recording no longer holds what is before `t`.
    pub fn forget_before(&mut self, t: Timestamp) {
        self.first = t.clamp(self.first, self.last);
    }

    /// The polls that landed since the recording was opened.
    pub fn grown(&self) -> &[Timestamp] {
        &self.grown
    }

    pub fn now(&self) -> Timestamp {
        let t = if self.playing {
            let elapsed = self.anchor_real.elapsed().as_secs_f64() * self.speed;
            self.anchor.saturating_add(SignedDuration::from_secs_f64(elapsed)).unwrap_or(self.anchor)
        } else {
            self.anchor
        };
        t.clamp(self.first, self.last)
    }

    /// Start counting again from here (before any change of speed or state).
    fn rebase(&mut self) {
        self.anchor = self.now();
        self.anchor_real = Instant::now();
    }

    pub fn seek(&mut self, t: Timestamp) {
        self.anchor = t.clamp(self.first, self.last);
        self.anchor_real = Instant::now();
    }

    pub fn set_playing(&mut self, playing: bool) {
        self.rebase();
        self.playing = playing;
    }

    pub fn set_speed(&mut self, speed: f64) {
        self.rebase();
        self.speed = speed.max(0.0);
    }

    pub fn state(&self) -> PlayState {
        PlayState { playing: self.playing, speed: self.speed }
    }
}

pub type SharedClock = Arc<Clock>;

impl Clock {
    pub fn simulated(start: Timestamp, speed: f64) -> Clock {
        Clock::Simulated { origin: Instant::now(), start, speed: speed.max(0.0) }
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Simulated { origin, start, speed } => {
                let elapsed = origin.elapsed().as_secs_f64() * speed;
                start.saturating_add(SignedDuration::from_secs_f64(elapsed)).unwrap_or(*start)
            }
            Clock::Timeline(p) => p.lock().map_or_else(|e| e.into_inner().now(), |p| p.now()),
        }
    }

    /// The playhead, when time is a replay's.
    pub fn playhead(&self) -> Option<&Arc<Mutex<Playhead>>> {
        match self {
            Clock::Timeline(p) => Some(p),
            _ => None,
        }
    }

    /// A replay's play state, as its playhead has it.
    pub fn play_state(&self) -> Option<PlayState> {
        self.playhead().map(|p| p.lock().unwrap_or_else(|e| e.into_inner()).state())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// A growing recording: playing at the end follows the new end; scrubbed back or paused,
    /// the playhead stays where the user put it, and the new end is reachable.
    #[test]
    fn a_playhead_at_the_end_follows_the_recording_as_it_grows() {
        let (t0, t1, t2) =
            (at("2026-11-24T03:00:00Z"), at("2026-11-24T03:01:00Z"), at("2026-11-24T03:02:00Z"));
        let mut p = Playhead::new(t0, t1, 1.0, true);
        p.seek(t1);
        p.extend(&[t2]);
        assert_eq!(p.now(), t2, "at the end and playing: follows");
        assert_eq!(p.grown(), &[t2]);
        let t3 = at("2026-11-24T03:03:00Z");
        p.set_playing(false);
        p.seek(t0);
        p.extend(&[t3]);
        assert_eq!(p.now(), t0, "scrubbed back: stays");
        p.seek(t3);
        assert_eq!(p.now(), t3, "the new end is reachable");
        p.extend(&[]);
        assert_eq!(p.grown().len(), 2);
    }
}
