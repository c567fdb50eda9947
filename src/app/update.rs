//! `update(model, msg, now)`: the only entry that changes the model. Keys go to `keys`, polls
//! to `apply`.

use jiff::Timestamp;

use super::apply::apply_poll;
pub use super::apply::{apply_failure, apply_snapshot, notice};
use super::derive::{clamp_cursors, derive_data};
use super::keys::on_key;
use super::msg::{Effect, Msg};
use super::state::Model;
use crate::source::poller::PollEvent;

/// Re-derive at least this often, so readings age into "stale" without a new poll.
const REDERIVE_EVERY_SECS: i64 = 5;

pub fn update(m: &mut Model, msg: Msg, now: Timestamp) -> Vec<Effect> {
    let before = m.now;
    m.now = now;
    let mut effects = Vec::new();
    match msg {
        Msg::Key(k) => on_key(m, k, &mut effects),
        Msg::Resize(w, h) => {
            m.display.size = (w, h);
            clamp_cursors(m);
            m.runtime.dirty = true;
        }
        Msg::Poll(ev) => {
            if m.runtime.paused.is_some() && !matches!(ev, PollEvent::Started) {
                m.runtime.held.push(ev);
            } else {
                apply_poll(m, ev, now);
            }
        }
        Msg::Tick => {
            if m.runtime.derived_at.is_none_or(|t| now.as_second() - t.as_second() >= REDERIVE_EVERY_SECS)
                && m.runtime.paused.is_none()
                && m.loaded()
            {
                derive_data(m, now);
            }
            if let Some(n) = &mut m.runtime.notice {
                n.ticks = n.ticks.saturating_sub(1);
                if n.ticks == 0 {
                    m.runtime.notice = None;
                    m.runtime.dirty = true;
                }
            }
            // Ages on screen change once a second; a frozen screen does not move.
            if m.runtime.paused.is_none() && before.as_second() != now.as_second() {
                m.runtime.dirty = true;
            }
        }
        Msg::Terminate => m.runtime.quit = true,
    }
    effects
}
