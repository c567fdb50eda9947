//! Messages the app's one loop feeds to `update`.

use crossterm::event::KeyEvent;

use crate::source::poller::PollEvent;

#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Resize(u16, u16),
    Poll(PollEvent),
    /// A second passed: ages on screen move.
    Tick,
    /// SIGTERM, SIGHUP or SIGINT: leave cleanly.
    Terminate,
}

/// What `update` asks the loop to do outside the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    RefreshNow,
    /// Write the view on screen to files (the loop holds the themes).
    Export,
    /// Move the replay's playhead (the loop owns the clock), then poll at once.
    Playhead {
        seek: Option<jiff::Timestamp>,
        playing: bool,
        speed: f64,
    },
}
