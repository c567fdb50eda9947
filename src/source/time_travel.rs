//! `--at T`: the fleet as of a past instant. The current inventory (AWS keeps no history of
//! it) and a window of CloudWatch history around `T`, fetched once by the live source and cut
//! into one frame per period, then played by the replay source: the timeline scrubs through
//! the window exactly as through a recording.

use jiff::{SignedDuration, Timestamp};

use super::PollFailure;
use super::aws::{LiveOptions, LiveSource};
use super::replay::ReplaySource;
use crate::domain::metrics::SeriesUpdate;
use crate::domain::snapshot::{FleetSnapshot, SourceInfo, SourceKind};

#[derive(Debug, thiserror::Error)]
pub enum TimeTravelError {
    #[error("--at {0}: that is in the future")]
    Future(Timestamp),
    #[error("{0}")]
    Connect(#[from] super::aws::clients::ConfigError),
    #[error("fetching the history: {0}")]
    Poll(#[from] PollFailure),
}

/// CloudWatch's retention: 1-minute points for 15 days, 5-minute for 63, hourly beyond
/// (AWS_FACTS.md). The finest period still kept for data starting at `start`.
pub fn period_for(start: Timestamp, now: Timestamp) -> u32 {
    let age = now.duration_since(start);
    if age <= SignedDuration::from_hours(15 * 24) {
        60
    } else if age <= SignedDuration::from_hours(63 * 24) {
        300
    } else {
        3600
    }
}

/// The window fetched for `at`: `window` long, centred on `at`, ending no later than `now`.
pub fn window_bounds(at: Timestamp, window: SignedDuration, now: Timestamp) -> (Timestamp, Timestamp) {
    let half = window / 2;
    let end = at.saturating_add(half).unwrap_or(at).min(now);
    let start = end.saturating_sub(window).unwrap_or(end).min(at);
    (start, end)
}

/// One poll's snapshot (the whole window's points) as frames `period` apart from `start` to
/// `end`: frame `i` carries the points after frame `i-1`'s instant up to its own.
pub fn frames(mut s: FleetSnapshot, start: Timestamp, end: Timestamp, period: u32) -> Vec<FleetSnapshot> {
    // Taken out first: the frames below clone the rest of the snapshot, not its points.
    let metrics = std::mem::take(&mut s.metrics);
    let events = std::mem::take(&mut s.events);
    let step = SignedDuration::from_secs(i64::from(period.max(1)));
    let mut times = Vec::new();
    let mut t = start;
    while t <= end {
        times.push(t);
        t = match t.checked_add(step) {
            Ok(n) => n,
            Err(_) => break,
        };
    }
    if times.is_empty() {
        times.push(end);
    }
    let mut out: Vec<FleetSnapshot> = times
        .iter()
        .map(|&at| FleetSnapshot { taken_at: at, metrics: Vec::new(), reset: false, ..s.clone() })
        .collect();
    // An event joins the first frame at or after it: it appears as the playhead passes it.
    for e in events {
        let i = times.partition_point(|t| *t < e.at).min(times.len() - 1);
        out[i].events.push(e);
    }
    for u in metrics {
        let mut per: Vec<Vec<_>> = vec![Vec::new(); times.len()];
        for p in u.points {
            // The first frame at or after the point.
            let i = times.partition_point(|t| *t < p.at).min(times.len() - 1);
            per[i].push(p);
        }
        for (frame, points) in out.iter_mut().zip(per) {
            if !points.is_empty() {
                frame.metrics.push(SeriesUpdate { key: u.key.clone(), period_secs: u.period_secs, points });
            }
        }
    }
    out
}

/// Fetch the window around `at` and return a source that plays it, positioned nowhere yet
/// (the caller's playhead starts at `at`).
pub async fn connect(
    mut opts: LiveOptions,
    at: Timestamp,
    window: SignedDuration,
    now: Timestamp,
) -> Result<ReplaySource, TimeTravelError> {
    if at > now {
        return Err(TimeTravelError::Future(at));
    }
    let (start, end) = window_bounds(at, window, now);
    let period = period_for(start, now);
    opts.history = end.duration_since(start).unsigned_abs();
    // Events come with their own history: the window's, as they were.
    opts.events_lookback = opts.history;
    opts.period_secs = period;
    let mut live = LiveSource::connect(opts).await?;
    let snap = live.poll_once(end).await?;
    let info = SourceInfo {
        kind: SourceKind::TimeTravel,
        label: format!("time travel {at} ({period} s data, current inventory)"),
        ..snap.source.clone()
    };
    let frames = frames(snap, start, end, period);
    Ok(ReplaySource::from_snapshots(frames, info))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::metrics::{MetricKind, Point, SeriesKey};

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn retention_picks_the_period_and_the_window_stays_in_the_past() {
        let now = t("2026-11-29T12:00:00Z");
        assert_eq!(period_for(t("2026-11-20T03:00:00Z"), now), 60);
        assert_eq!(period_for(t("2026-10-20T03:00:00Z"), now), 300);
        assert_eq!(period_for(t("2026-06-20T03:00:00Z"), now), 3600);
        let two = SignedDuration::from_hours(2);
        assert_eq!(
            window_bounds(t("2026-11-20T03:10:00Z"), two, now),
            (t("2026-11-20T02:10:00Z"), t("2026-11-20T04:10:00Z"))
        );
        assert_eq!(
            window_bounds(t("2026-11-29T11:30:00Z"), two, now),
            (t("2026-11-29T10:00:00Z"), now),
            "clipped at now"
        );
    }

    #[test]
    fn frames_carry_each_point_once_at_the_first_instant_that_sees_it() {
        let mut src = crate::source::demo::DemoSource::new(Default::default(), t("2026-11-20T04:00:00Z"));
        let mut s = src.snapshot_at(t("2026-11-20T04:00:00Z"));
        let key = SeriesKey::resource("arn:x", MetricKind::CpuPercent);
        let pts: Vec<Point> = (0..=60)
            .map(|m| Point { at: t("2026-11-20T03:00:00Z") + SignedDuration::from_mins(m), value: m as f64 })
            .collect();
        s.metrics = vec![SeriesUpdate { key, period_secs: 60, points: pts }];
        let f = frames(s, t("2026-11-20T03:30:00Z"), t("2026-11-20T04:00:00Z"), 60);
        assert_eq!(f.len(), 31);
        assert_eq!(f[0].metrics[0].points.len(), 31, "the first frame holds the history up to it");
        assert!(
            f[1..].iter().all(|x| x.metrics[0].points.len() == 1 && x.metrics[0].points[0].at == x.taken_at)
        );
        let total: usize = f.iter().map(|x| x.metrics[0].points.len()).sum();
        assert_eq!(total, 61);
    }
}
