//! The one place that reads the wall clock. The demo runs on simulated, optionally
//! accelerated time; tests use a fixed instant.

use std::sync::Arc;
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
    Fixed(Timestamp),
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
            Clock::Fixed(t) => *t,
        }
    }

    /// How many simulated seconds pass per real second.
    pub fn speed(&self) -> f64 {
        match self {
            Clock::Simulated { speed, .. } => *speed,
            _ => 1.0,
        }
    }
}
