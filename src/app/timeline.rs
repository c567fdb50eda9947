//! The replay timeline: the recorded polls, and what the timeline keys ask of the playhead.
//! The playhead (the clock) owns where it is, whether it plays and how fast; the loop reports
//! that here as `play` after every change, and the keys ask for changes through an `Effect`.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::msg::Effect;
use crate::domain::events::EventKind;
use crate::source::clock::PlayState;

/// Speeds offered by `-` and `+`, in recorded seconds per real second.
pub const SPEEDS: [f64; 6] = [1.0, 2.0, 5.0, 10.0, 30.0, 60.0];

#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// When each recorded poll was taken, oldest first (never empty).
    pub times: Vec<Timestamp>,
    /// The playhead's state, as the clock last reported it (the clock owns it).
    pub play: PlayState,
    /// Where the last seek sent the playhead: keys pressed before that poll arrives build
    /// on it (`,` `,` `.` is one step back, whatever the timing).
    pub target: Option<Timestamp>,
    /// The recording's notable events (when, which poll first carries it, what kind), for
    /// `:goto failover` and the bar's ticks. Kinds only: no name to leak under `--redact`.
    pub marks: Vec<TimelineMark>,
    /// The recording is still growing (`attach`): the end is the newest poll, not a place
    /// to start over from.
    pub growing: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineMark {
    pub at: Timestamp,
    /// The first recorded poll at or after the event: seeking there shows it.
    pub poll_at: Timestamp,
    pub kind: EventKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    PlayPause,
    /// One recorded poll back (-1) or forward (+1); pauses.
    Step(i8),
    /// Minutes back or forward.
    Jump(i32),
    Faster,
    Slower,
}

impl Timeline {
    pub fn first(&self) -> Timestamp {
        self.times[0]
    }

    pub fn last(&self) -> Timestamp {
        self.times[self.times.len() - 1]
    }

    /// Learn the polls that landed in a growing recording (those after `last`); true when
    /// some did.
    pub fn grow(&mut self, times: &[Timestamp]) -> bool {
        let last = self.last();
        let new = times.partition_point(|t| *t <= last);
        self.times.extend_from_slice(&times[new..]);
        new < times.len()
    }

    /// Index of the poll shown at `at` (the newest taken at or before it).
    pub fn index_at(&self, at: Timestamp) -> usize {
        self.times.partition_point(|t| *t <= at).saturating_sub(1)
    }

    /// Ask the playhead for `play` (and a seek); the clock applies it and reports back.
    fn effect(&mut self, seek: Option<Timestamp>, play: PlayState) -> Effect {
        if seek.is_some() {
            self.target = seek;
        }
        Effect::Playhead { seek, playing: play.playing, speed: play.speed }
    }

    /// `:goto`: move the playhead, keep playing or not.
    pub fn seek(&mut self, at: Timestamp) -> Effect {
        let at = at.clamp(self.first(), self.last());
        self.effect(Some(at), self.play)
    }

    /// Apply a timeline key; `shown` is the taken-at of the poll on screen, `now` the playhead.
    pub fn apply(&mut self, mv: Move, shown: Timestamp, now: Timestamp) -> (Effect, String) {
        // Paused, the last seek is where the user is, even before its poll is on screen.
        let (shown, now) = match self.target {
            Some(t) if !self.play.playing => (t, t),
            _ => (shown, now),
        };
        let mut play = self.play;
        match mv {
            Move::PlayPause => {
                // At the end, play starts over.
                let restart = !play.playing && now >= self.last() && !self.growing;
                play.playing = !play.playing;
                self.target = None;
                let seek = restart.then(|| self.first());
                let text = if play.playing { "playing" } else { "paused" };
                (self.effect(seek, play), text.into())
            }
            Move::Step(d) => {
                play.playing = false;
                let i = self.index_at(shown);
                let j = if d < 0 { i.saturating_sub(1) } else { (i + 1).min(self.times.len() - 1) };
                let t = self.times[j];
                (self.effect(Some(t), play), format!("poll {}/{}", j + 1, self.times.len()))
            }
            Move::Jump(min) => {
                let t = now.saturating_add(SignedDuration::from_mins(i64::from(min))).unwrap_or(now);
                let t = t.clamp(self.first(), self.last());
                let sign = if min < 0 { "-" } else { "+" };
                (self.effect(Some(t), play), format!("{sign}{} min", min.abs()))
            }
            Move::Faster | Move::Slower => {
                let i = SPEEDS.iter().position(|s| *s >= play.speed).unwrap_or(SPEEDS.len() - 1);
                let j = if mv == Move::Faster { (i + 1).min(SPEEDS.len() - 1) } else { i.saturating_sub(1) };
                play.speed = SPEEDS[j];
                (self.effect(None, play), format!("speed x{}", play.speed))
            }
        }
    }

    /// `:goto failover` (any event kind, or `event` for any notable one): the poll that first
    /// shows the next such event after `now`, wrapping around to the first.
    pub fn find_event(&self, query: &str, now: Timestamp) -> Option<TimelineMark> {
        let q = query.trim().to_ascii_lowercase();
        let any = q == "event" || q == "events";
        let kind = EventKind::parse(&q);
        if !any && kind.is_none() {
            return None;
        }
        let matching: Vec<TimelineMark> = self
            .marks
            .iter()
            .copied()
            .filter(|m| if any { m.kind.notable() } else { Some(m.kind) == kind })
            .collect();
        matching.iter().copied().find(|m| m.poll_at > now).or_else(|| matching.first().copied())
    }

    /// `:goto` target: `HH:MM` (the day on screen, in the display zone; the nearest such
    /// time within the recording), a date and time, or an RFC 3339 instant.
    pub fn parse_goto(&self, text: &str, now: Timestamp, tz: &TimeZone) -> Result<Timestamp, String> {
        let t = text.trim();
        if let Ok(ts) = t.parse::<Timestamp>() {
            return Ok(ts);
        }
        if let Ok(dt) = t.replace(' ', "T").parse::<jiff::civil::DateTime>() {
            return dt.to_zoned(tz.clone()).map(|z| z.timestamp()).map_err(|e| e.to_string());
        }
        let time = t
            .parse::<jiff::civil::Time>()
            .map_err(|_| format!("goto: '{t}' is not HH:MM, YYYY-MM-DD HH:MM or an RFC 3339 instant"))?;
        let today = now.to_zoned(tz.clone()).date();
        let candidates = [-1, 0, 1].into_iter().filter_map(|d| {
            let day = today.checked_add(jiff::Span::new().days(d)).ok()?;
            day.to_datetime(time).to_zoned(tz.clone()).ok().map(|z| z.timestamp())
        });
        // Within the recording first, then the closest to where the playhead is.
        candidates
            .min_by_key(|c| {
                let outside = *c < self.first() || *c > self.last();
                (outside, c.duration_since(now).abs())
            })
            .ok_or_else(|| format!("goto: no {t} near the recording"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn tl() -> Timeline {
        let times = (0..61).map(|m| at("2026-11-20T03:00:00Z") + SignedDuration::from_mins(m)).collect();
        Timeline {
            times,
            play: PlayState { playing: true, speed: 10.0 },
            target: None,
            marks: Vec::new(),
            growing: false,
        }
    }

    #[test]
    fn a_growing_timeline_learns_new_polls_and_never_starts_over() {
        let mut t = tl();
        let later = [t.last() + SignedDuration::from_mins(1), t.last() + SignedDuration::from_mins(2)];
        assert!(t.grow(&later[..1]));
        assert!(t.grow(&later), "only the poll it did not know");
        assert!(!t.grow(&later));
        assert_eq!(t.times.len(), 63);
        assert_eq!(t.last(), later[1]);
        t.growing = true;
        t.play.playing = false;
        let (e, _) = t.apply(Move::PlayPause, t.last(), t.last());
        assert_eq!(e, Effect::Playhead { seek: None, playing: true, speed: 10.0 }, "plays on from the end");
    }

    /// What the loop does: apply the effect to the playhead and report its state back.
    fn applied(t: &mut Timeline, (mv, shown, now): (Move, Timestamp, Timestamp)) -> (Effect, String) {
        let (e, msg) = t.apply(mv, shown, now);
        if let Effect::Playhead { playing, speed, .. } = e {
            t.play = PlayState { playing, speed };
        }
        (e, msg)
    }

    #[test]
    fn steps_jumps_and_speeds() {
        let mut t = tl();
        let shown = at("2026-11-20T03:12:00Z");
        let (e, msg) = applied(&mut t, (Move::Step(-1), shown, shown + SignedDuration::from_secs(30)));
        assert_eq!(
            e,
            Effect::Playhead { seek: Some(at("2026-11-20T03:11:00Z")), playing: false, speed: 10.0 }
        );
        assert_eq!(msg, "poll 12/61");
        let (e, _) = tl().apply(Move::Step(1), at("2026-11-20T04:00:00Z"), at("2026-11-20T04:00:00Z"));
        assert_eq!(
            e,
            Effect::Playhead { seek: Some(at("2026-11-20T04:00:00Z")), playing: false, speed: 10.0 },
            "stays at the end"
        );
        let (e, _) = applied(&mut t, (Move::Jump(-60), shown, shown));
        assert_eq!(
            e,
            Effect::Playhead { seek: Some(at("2026-11-20T03:00:00Z")), playing: false, speed: 10.0 },
            "clamped to the start"
        );
        applied(&mut t, (Move::Faster, shown, shown));
        assert_eq!(t.play.speed, 30.0);
        // Keys faster than the polls they ask for still compose: back twice, forward once.
        let mut u = tl();
        applied(&mut u, (Move::Step(-1), shown, shown));
        applied(&mut u, (Move::Step(-1), shown, shown));
        let (e, _) = applied(&mut u, (Move::Step(1), shown, shown));
        assert_eq!(
            e,
            Effect::Playhead { seek: Some(at("2026-11-20T03:11:00Z")), playing: false, speed: 10.0 }
        );
        applied(&mut t, (Move::Faster, shown, shown));
        applied(&mut t, (Move::Faster, shown, shown));
        assert_eq!(t.play.speed, 60.0, "x60 at most");
        for _ in 0..8 {
            applied(&mut t, (Move::Slower, shown, shown));
        }
        assert_eq!(t.play.speed, 1.0);
        // Play at the end starts over.
        t.seek(t.last());
        let end = t.last();
        let (e, _) = applied(&mut t, (Move::PlayPause, end, end));
        assert_eq!(e, Effect::Playhead { seek: Some(t.first()), playing: true, speed: 1.0 });
    }

    #[test]
    fn goto_reads_clock_times_in_the_display_zone() {
        let t = tl();
        let now = at("2026-11-20T03:30:00Z");
        assert_eq!(t.parse_goto("03:12", now, &TimeZone::UTC), Ok(at("2026-11-20T03:12:00Z")));
        let ny = TimeZone::get("America/New_York").unwrap();
        assert_eq!(
            t.parse_goto("22:12", now, &ny),
            Ok(at("2026-11-20T03:12:00Z")),
            "the evening before, locally"
        );
        assert_eq!(t.parse_goto("2026-11-20T03:40Z", now, &ny), Ok(at("2026-11-20T03:40:00Z")));
        assert_eq!(t.parse_goto("2026-11-19 22:45", now, &ny), Ok(at("2026-11-20T03:45:00Z")));
        assert!(t.parse_goto("soon", now, &ny).unwrap_err().contains("HH:MM"));
    }
}
