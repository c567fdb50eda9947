//! One bounded series: a ring of per-period f32 slots for charts, with the newest point kept
//! exactly for the numbers on screen.

use std::collections::VecDeque;

use jiff::Timestamp;

use super::{MetricKind, Point, Reading, Unit};

/// Bounded history of one series: a ring of per-period slots (f32, NaN = no datapoint) from
/// `base`, plus the newest point kept exactly. Charts need the shape; numbers on screen and in
/// JSON come from `last`, at full precision. 4 bytes a point keeps 20,000 series x 4 hours in
/// about 20 MB.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub kind: MetricKind,
    pub period_secs: u32,
    /// Epoch seconds of `slots[0]`.
    base: i64,
    slots: VecDeque<f32>,
    last: Option<Point>,
    /// The newest point before the latest merge that brought newer ones: the points after it
    /// are what that fetch added (one minute for a series asked every minute, several for a
    /// cold one). None until a second merge: a first load judges only its newest point.
    arrived_after: Option<Timestamp>,
}

impl Series {
    pub fn new(kind: MetricKind, period_secs: u32) -> Self {
        Series {
            kind,
            period_secs: period_secs.max(1),
            base: 0,
            slots: VecDeque::new(),
            last: None,
            arrived_after: None,
        }
    }

    pub fn unit(&self) -> Unit {
        self.kind.unit()
    }

    fn slot_time(&self, i: usize) -> Timestamp {
        let t = self.base + i as i64 * i64::from(self.period_secs);
        Timestamp::from_second(t).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// Points with data, oldest first (values at chart precision).
    pub fn points(&self) -> impl DoubleEndedIterator<Item = Point> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .map(|(i, v)| Point { at: self.slot_time(i), value: f64::from(*v) })
    }

    /// Points with data at or after `from`, oldest first, without walking the older slots.
    pub fn points_since(&self, from: Timestamp) -> impl Iterator<Item = Point> + '_ {
        let skip = (from.as_second() - self.base).div_euclid(i64::from(self.period_secs)).max(0) as usize;
        self.slots
            .iter()
            .enumerate()
            .skip(skip)
            .filter(|(_, v)| !v.is_nan())
            .map(|(i, v)| Point { at: self.slot_time(i), value: f64::from(*v) })
            .filter(move |p| p.at >= from)
    }

    /// Number of points with data.
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|v| !v.is_nan()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.last.is_none()
    }

    pub fn latest(&self) -> Option<Reading> {
        self.last.map(|p| Reading { value: p.value, unit: self.unit(), at: p.at })
    }

    /// The values of the last `n` periods that have data, oldest first (for sparklines).
    pub fn tail_values(&self, n: usize) -> impl Iterator<Item = f64> + '_ {
        let skip = self.slots.len().saturating_sub(n);
        self.slots.iter().skip(skip).filter(|v| !v.is_nan()).map(|v| f64::from(*v))
    }

    /// Merge points: each lands in its period's slot (a repeated period replaces: CloudWatch
    /// revises the newest minute), gaps stay empty, at most `cap` periods are kept.
    pub fn merge(&mut self, points: &[Point], cap: usize) {
        let before = self.last.map(|p| p.at);
        self.merge_points(points, cap);
        let after = self.last.map(|p| p.at);
        if before.is_some() && after > before {
            self.arrived_after = before;
        }
    }

    /// The worst point the latest fetch added (`MetricKind::worse`), newest first on a tie;
    /// just the newest point after a first load. A cold series asked every few minutes brings
    /// several points at once: a spike among them is judged even when the newest point is
    /// back to normal.
    pub fn arrival_worst(&self) -> Option<Reading> {
        let last = self.latest()?;
        let Some(after) = self.arrived_after else { return Some(last) };
        let mut best = last;
        for p in self.points_since(after).filter(|p| p.at > after && p.at < last.at) {
            if self.kind.worse(p.value, best.value) {
                best = Reading { value: p.value, unit: self.unit(), at: p.at };
            }
        }
        Some(best)
    }

    /// Room for `extra` more slots: doubling as a `VecDeque` does, but never past `cap + 1`
    /// (a merge holds one slot over the cap before the oldest falls off). Doubling alone took
    /// a full ring of 240 slots to 256: 6% of the history, kept for as long as it is open.
    fn room_for(&mut self, extra: usize, cap: usize) {
        let len = self.slots.len();
        if len + extra <= self.slots.capacity() {
            return;
        }
        let target = (len + extra).max((len * 2).max(4).min(cap + 1));
        self.slots.reserve_exact(target - len);
    }

    fn merge_points(&mut self, points: &[Point], cap: usize) {
        let period = i64::from(self.period_secs);
        let cap = cap.max(1);
        for p in points {
            let t = p.at.as_second();
            let v = p.value as f32;
            if self.slots.is_empty() {
                self.base = t;
                self.slots.push_back(v);
            } else {
                let off = (t - self.base).div_euclid(period);
                let len = self.slots.len() as i64;
                if off >= len {
                    if off - len >= cap as i64 {
                        // Far newer than anything kept: start over.
                        self.slots.clear();
                        self.base = t;
                    } else {
                        self.room_for((off - len) as usize + 1, cap);
                        self.slots.extend(std::iter::repeat_n(f32::NAN, (off - len) as usize));
                    }
                    self.slots.push_back(v);
                } else if off >= 0 {
                    self.slots[off as usize] = v;
                } else if len - off <= cap as i64 {
                    // Older than the first slot but still within the window.
                    self.room_for(-off as usize, cap);
                    for _ in 0..(-off - 1) {
                        self.slots.push_front(f32::NAN);
                    }
                    self.slots.push_front(v);
                    self.base += off * period;
                }
            }
            if self.last.is_none_or(|l| p.at >= l.at) {
                self.last = Some(*p);
            }
            while self.slots.len() > cap {
                self.slots.pop_front();
                self.base += period;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn a_full_ring_holds_no_room_past_its_cap() {
        let mut s = Series::new(MetricKind::Connections, 60);
        for m in 1..=600 {
            s.merge(&[Point { at: ts(m * 60), value: m as f64 }], 240);
        }
        assert_eq!(s.len(), 240);
        assert_eq!(s.slots.capacity(), 241, "cap + 1, not the doubling's 256");
        // A backfill of older points within the window grows it no further.
        let mut b = Series::new(MetricKind::Connections, 60);
        b.merge(&[Point { at: ts(600 * 60), value: 1.0 }], 240);
        let older: Vec<Point> = (361..600).map(|m| Point { at: ts(m * 60), value: m as f64 }).collect();
        b.merge(&older, 240);
        assert_eq!(b.len(), 240);
        assert!(b.slots.capacity() <= 241, "{}", b.slots.capacity());
    }

    #[test]
    fn merge_appends_replaces_and_bounds() {
        let mut s = Series::new(MetricKind::Connections, 60);
        s.merge(&[Point { at: ts(60), value: 1.0 }, Point { at: ts(120), value: 2.0 }], 3);
        // CloudWatch revises the newest minute: same timestamp replaces.
        s.merge(&[Point { at: ts(120), value: 5.0 }, Point { at: ts(180), value: 3.0 }], 3);
        assert_eq!(s.tail_values(10).collect::<Vec<_>>(), vec![1.0, 5.0, 3.0]);
        // A late older point is inserted in order, then the oldest falls off.
        s.merge(&[Point { at: ts(90), value: 9.0 }], 3);
        assert_eq!(s.tail_values(10).collect::<Vec<_>>(), vec![9.0, 5.0, 3.0]);
        assert_eq!(s.latest().unwrap().at, ts(180));
        // A gap stays a gap: no point is invented for 240..360.
        s.merge(&[Point { at: ts(420), value: 7.0 }], 10);
        let times: Vec<i64> = s.points().map(|p| p.at.as_second()).collect();
        assert_eq!(times, vec![60, 120, 180, 420]);
        // Far newer data starts over rather than filling thousands of empty slots.
        s.merge(&[Point { at: ts(1_000_000), value: 1.5 }], 10);
        assert_eq!(s.len(), 1);
        assert_eq!(s.latest().unwrap().value, 1.5);
    }

    #[test]
    fn the_worst_of_what_a_fetch_added_not_of_the_overlap() {
        let mut s = Series::new(MetricKind::ReplicaLag, 60);
        let pts =
            |v: &[(i64, f64)]| v.iter().map(|&(t, value)| Point { at: ts(t), value }).collect::<Vec<_>>();
        // A first load (three hours of history) judges its newest point only.
        s.merge(&pts(&[(60, 90.0), (120, 0.0)]), 100);
        assert_eq!(s.arrival_worst().unwrap().value, 0.0);
        // A cold fetch five minutes later, with the overlap re-sent: the spike inside it.
        s.merge(&pts(&[(60, 90.0), (120, 0.0), (180, 0.0), (240, 45.0), (300, 50.0), (360, 0.0)]), 100);
        let w = s.arrival_worst().unwrap();
        assert_eq!((w.value, w.at), (50.0, ts(300)));
        // The newest minute revised, nothing newer: the same fetch still stands.
        s.merge(&pts(&[(360, 0.5)]), 100);
        assert_eq!(s.arrival_worst().unwrap().value, 50.0);
        // The next fetch brings one flat minute: the spike is behind it.
        s.merge(&pts(&[(300, 50.0), (360, 0.5), (420, 0.0)]), 100);
        let w = s.arrival_worst().unwrap();
        assert_eq!((w.value, w.at), (0.0, ts(420)));
        // Worse can mean lower: replication stopped (-1) among positive lags.
        s.merge(&pts(&[(480, -1.0), (540, 3.0)]), 100);
        assert_eq!(s.arrival_worst().unwrap().value, -1.0);
    }

    #[test]
    fn latest_is_exact_even_where_slots_are_f32() {
        let mut s = Series::new(MetricKind::FreeStorage, 60);
        s.merge(&[Point { at: ts(60), value: 1_234_567_891_234.0 }], 10);
        assert_eq!(s.latest().unwrap().value, 1_234_567_891_234.0);
    }
}
