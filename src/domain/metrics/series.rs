//! One bounded series: per-period f32 slots for charts (one a period for the newest hour, one
//! per five periods before it), with the newest point kept exactly for the numbers on screen.

use std::collections::VecDeque;

use jiff::Timestamp;

use super::{MetricKind, Point, Reading, Unit};

/// Periods kept one slot each, newest first; older periods fold into blocks.
const FINE_PERIODS: usize = 60;
/// Periods per block past the newest hour.
const BLOCK_PERIODS: i64 = 5;

/// Which value of a block is kept: the one an on-call engineer would look for in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Worst {
    High,
    Low,
    /// Replica lag: -1 (replication stopped) before any lag, then the highest.
    StoppedThenHigh,
}

impl Worst {
    fn of(kind: MetricKind) -> Worst {
        match kind {
            MetricKind::FreeStorage => Worst::Low,
            MetricKind::ReplicaLag => Worst::StoppedThenHigh,
            _ => Worst::High,
        }
    }

    fn fold(self, kept: f32, v: f32) -> f32 {
        if kept.is_nan() {
            return v;
        }
        match self {
            Worst::High => kept.max(v),
            Worst::Low => kept.min(v),
            Worst::StoppedThenHigh if kept < 0.0 || v < 0.0 => kept.min(v),
            Worst::StoppedThenHigh => kept.max(v),
        }
    }
}

/// Bounded history of one series. The newest hour is a ring of per-period slots (f32, NaN =
/// no datapoint) from `base`; the periods before it, up to the cap, are blocks of five
/// periods holding the block's worst value (highest; lowest for free storage; a stopped
/// replication first), each shown at its block's start. The newest point is kept exactly:
/// numbers on screen and in JSON come from `last`, at full precision. 60 + 36 slots of 4
/// bytes keep 20,000 instances' series for 4 hours in about 30 MB (all at one a minute: 71 MB).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub unit: Unit,
    pub period_secs: u32,
    worst: Worst,
    /// Epoch seconds of `slots[0]`.
    base: i64,
    slots: VecDeque<f32>,
    /// Block number (epoch seconds / block length) of `blocks[0]`.
    first_block: i64,
    blocks: VecDeque<f32>,
    last: Option<Point>,
    /// The newest point before the latest merge that brought newer ones: the points after it
    /// are what that fetch added (one minute for a series asked every minute, several for a
    /// cold one). None until a second merge: a first load judges only its newest point.
    arrived_after: Option<Timestamp>,
}

impl Series {
    pub fn new(kind: MetricKind, period_secs: u32) -> Self {
        Series {
            unit: kind.unit(),
            period_secs: period_secs.max(1),
            worst: Worst::of(kind),
            base: 0,
            slots: VecDeque::new(),
            first_block: 0,
            blocks: VecDeque::new(),
            last: None,
            arrived_after: None,
        }
    }

    fn block_secs(&self) -> i64 {
        BLOCK_PERIODS * i64::from(self.period_secs)
    }

    fn slot_time(&self, i: usize) -> Timestamp {
        let t = self.base + i as i64 * i64::from(self.period_secs);
        Timestamp::from_second(t).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The blocks with data, oldest first, each at its block's start.
    fn block_points(&self) -> impl DoubleEndedIterator<Item = Point> + '_ {
        let secs = self.block_secs();
        self.blocks.iter().enumerate().filter(|(_, v)| !v.is_nan()).map(move |(i, v)| Point {
            at: Timestamp::from_second((self.first_block + i as i64) * secs).unwrap_or(Timestamp::UNIX_EPOCH),
            value: f64::from(*v),
        })
    }

    /// The newest hour's points with data, oldest first, one a period.
    fn fine_points(&self) -> impl DoubleEndedIterator<Item = Point> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .map(|(i, v)| Point { at: self.slot_time(i), value: f64::from(*v) })
    }

    /// Points with data, oldest first (values at chart precision; past the newest hour, one
    /// per block).
    pub fn points(&self) -> impl DoubleEndedIterator<Item = Point> + '_ {
        self.block_points().chain(self.fine_points())
    }

    /// The newest hour's points with data, one a period, oldest first: for counting a run of
    /// minutes, which the blocks before it cannot prove.
    pub fn recent_points(&self) -> impl DoubleEndedIterator<Item = Point> + '_ {
        self.fine_points()
    }

    /// Points with data at or after `from`, oldest first, without walking the older slots.
    pub fn points_since(&self, from: Timestamp) -> impl Iterator<Item = Point> + '_ {
        let skip = (from.as_second() - self.base).div_euclid(i64::from(self.period_secs)).max(0) as usize;
        let older = self.block_points().filter(move |p| p.at >= from && from.as_second() < self.base);
        older.chain(
            self.slots
                .iter()
                .enumerate()
                .skip(skip)
                .filter(|(_, v)| !v.is_nan())
                .map(|(i, v)| Point { at: self.slot_time(i), value: f64::from(*v) })
                .filter(move |p| p.at >= from),
        )
    }

    /// Number of points with data.
    pub fn len(&self) -> usize {
        self.slots.iter().chain(&self.blocks).filter(|v| !v.is_nan()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.last.is_none()
    }

    pub fn latest(&self) -> Option<Reading> {
        self.last.map(|p| Reading { value: p.value, unit: self.unit, at: p.at })
    }

    /// The values of the last `n` slots that have data, oldest first (for sparklines).
    pub fn tail_values(&self, n: usize) -> impl Iterator<Item = f64> + '_ {
        let skip = self.slots.len().saturating_sub(n);
        let older = n.saturating_sub(self.slots.len());
        let skip_blocks = self.blocks.len().saturating_sub(older);
        self.blocks
            .iter()
            .skip(skip_blocks)
            .chain(self.slots.iter().skip(skip))
            .filter(|v| !v.is_nan())
            .map(|v| f64::from(*v))
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

    /// The worst point the latest fetch added (`worse(a, b)`: a is worse than b), newest
    /// first on a tie; just the newest point after a first load. A cold series asked every
    /// few minutes brings several points at once: a spike among them is judged even when the
    /// newest point is back to normal.
    pub fn arrival_worst(&self, worse: impl Fn(f64, f64) -> bool) -> Option<Reading> {
        let last = self.latest()?;
        let Some(after) = self.arrived_after else { return Some(last) };
        let mut best = last;
        for p in self.points_since(after).filter(|p| p.at > after && p.at < last.at) {
            if worse(p.value, best.value) {
                best = Reading { value: p.value, unit: self.unit, at: p.at };
            }
        }
        Some(best)
    }

    /// Room for `extra` more entries in `q`: doubling as a `VecDeque` does, but never past
    /// `most` (doubling alone took a ring of 240 slots to 256, kept for as long as it is open).
    fn room_for(q: &mut VecDeque<f32>, extra: usize, most: usize) {
        let len = q.len();
        if len + extra <= q.capacity() {
            return;
        }
        let target = (len + extra).max((len * 2).max(4).min(most));
        q.reserve_exact(target - len);
    }

    /// Periods kept one slot each, and blocks at most (one over while a merge folds).
    fn shape(cap: usize) -> (usize, usize) {
        let fine = cap.min(FINE_PERIODS);
        (fine, (cap - fine).div_ceil(BLOCK_PERIODS as usize) + 1)
    }

    /// Fold a value older than the newest hour into its block.
    fn fold_old(&mut self, t: i64, v: f32, cap: usize) {
        if v.is_nan() {
            return;
        }
        let (_, most_blocks) = Self::shape(cap);
        let k = t.div_euclid(self.block_secs());
        if self.blocks.is_empty() {
            Self::room_for(&mut self.blocks, 1, most_blocks + 1);
            self.first_block = k;
            self.blocks.push_back(v);
            return;
        }
        let off = k - self.first_block;
        let len = self.blocks.len() as i64;
        if off >= len {
            Self::room_for(&mut self.blocks, (off - len) as usize + 1, most_blocks + 1);
            self.blocks.extend(std::iter::repeat_n(f32::NAN, (off - len) as usize));
            self.blocks.push_back(v);
        } else if off >= 0 {
            let kept = &mut self.blocks[off as usize];
            *kept = self.worst.fold(*kept, v);
        } else {
            Self::room_for(&mut self.blocks, -off as usize, most_blocks + 1);
            for _ in 0..(-off - 1) {
                self.blocks.push_front(f32::NAN);
            }
            self.blocks.push_front(v);
            self.first_block = k;
        }
    }

    /// Epoch seconds before which nothing is kept: `cap` periods before the newest slot's end.
    fn window_start(&self, cap: usize) -> i64 {
        let period = i64::from(self.period_secs);
        self.base + self.slots.len() as i64 * period - cap as i64 * period
    }

    /// Drop the blocks wholly before the window.
    fn trim_blocks(&mut self, cap: usize) {
        let (start, secs) = (self.window_start(cap), self.block_secs());
        while !self.blocks.is_empty() && (self.first_block + 1) * secs <= start {
            self.blocks.pop_front();
            self.first_block += 1;
        }
        while self.blocks.front().is_some_and(|v| v.is_nan()) {
            self.blocks.pop_front();
            self.first_block += 1;
        }
    }

    fn merge_points(&mut self, points: &[Point], cap: usize) {
        let period = i64::from(self.period_secs);
        let cap = cap.max(1);
        let (fine_cap, _) = Self::shape(cap);
        // A cap within the newest hour keeps every period a slot: no blocks.
        let tiered = cap > fine_cap;
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
                        self.blocks.clear();
                        self.base = t;
                    } else {
                        Self::room_for(&mut self.slots, (off - len) as usize + 1, fine_cap + 1);
                        self.slots.extend(std::iter::repeat_n(f32::NAN, (off - len) as usize));
                    }
                    self.slots.push_back(v);
                } else if off >= 0 {
                    self.slots[off as usize] = v;
                } else if len - off <= fine_cap as i64 {
                    // Older than the first slot but still within the newest hour.
                    Self::room_for(&mut self.slots, -off as usize, fine_cap + 1);
                    for _ in 0..(-off - 1) {
                        self.slots.push_front(f32::NAN);
                    }
                    self.slots.push_front(v);
                    self.base += off * period;
                } else if tiered && t >= self.window_start(cap) {
                    // Older than the newest hour but within the window: into its block.
                    self.fold_old(t, v, cap);
                }
            }
            if self.last.is_none_or(|l| p.at >= l.at) {
                self.last = Some(*p);
            }
            while self.slots.len() > fine_cap {
                let oldest = self.slots.pop_front().unwrap_or(f32::NAN);
                if tiered {
                    self.fold_old(self.base, oldest, cap);
                }
                self.base += period;
            }
            if tiered {
                self.trim_blocks(cap);
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

    fn minutes(s: &Series) -> Vec<(i64, f64)> {
        s.points().map(|p| (p.at.as_second() / 60, p.value)).collect()
    }

    #[test]
    fn the_newest_hour_a_slot_a_minute_the_rest_in_five_minute_blocks() {
        let mut s = Series::new(MetricKind::Connections, 60);
        for m in 1..=600 {
            s.merge(&[Point { at: ts(m * 60), value: m as f64 }], 240);
        }
        // Minutes 541..600 one a slot; 360..540 in blocks of five (the highest of each), the
        // block of minute 361, the window's start, kept whole.
        let pts = minutes(&s);
        assert_eq!(s.len(), 60 + 37);
        assert_eq!(pts.len(), s.len());
        assert_eq!(pts[0], (360, 364.0));
        assert_eq!(pts[36], (540, 540.0));
        assert_eq!(pts[37], (541, 541.0));
        assert_eq!(*pts.last().unwrap(), (600, 600.0));
        assert!(pts.windows(2).all(|w| w[0].0 < w[1].0), "oldest first, strictly: {pts:?}");
        assert_eq!(s.recent_points().count(), 60);
        assert_eq!(s.slots.capacity(), 61, "the hour + 1, not the doubling's 64");
        assert!(s.blocks.capacity() <= 38, "{}", s.blocks.capacity());
        // A backfill of older points lands in the same shape.
        let mut b = Series::new(MetricKind::Connections, 60);
        b.merge(&[Point { at: ts(600 * 60), value: 600.0 }], 240);
        let older: Vec<Point> = (361..600).map(|m| Point { at: ts(m * 60), value: m as f64 }).collect();
        b.merge(&older, 240);
        assert_eq!(minutes(&b), pts);
        assert!(b.slots.capacity() <= 61 && b.blocks.capacity() <= 38);
        // Older than the window: dropped.
        b.merge(&[Point { at: ts(100 * 60), value: 1e9 }], 240);
        assert_eq!(minutes(&b), pts);
        // The latest value is exact and its time the newest point's.
        assert_eq!(b.latest().unwrap().at, ts(600 * 60));
    }

    #[test]
    fn a_block_keeps_what_on_call_would_look_for() {
        let load = |kind: MetricKind, values: &[f64]| {
            let mut s = Series::new(kind, 60);
            // Five minutes of values, then an hour later the newest: the five fold into a block.
            let mut pts: Vec<Point> = values
                .iter()
                .enumerate()
                .map(|(i, v)| Point { at: ts(600 + 60 * i as i64), value: *v })
                .collect();
            pts.push(Point { at: ts(600 + 60 * 70), value: 1.0 });
            s.merge(&pts, 240);
            s.points().next().unwrap().value
        };
        assert_eq!(load(MetricKind::CpuPercent, &[10.0, 95.0, 12.0, 11.0, 10.0]), 95.0);
        assert_eq!(load(MetricKind::FreeStorage, &[9e9, 8e9, 1e8, 8e9, 9e9]), 1e8);
        assert_eq!(load(MetricKind::ReplicaLag, &[3.0, 200.0, -1.0, 4.0, 3.0]), -1.0);
        assert_eq!(load(MetricKind::ReplicaLag, &[3.0, 200.0, 5.0, 4.0, 3.0]), 200.0);
        // A gap is not a value: a block of missing minutes is not there at all.
        let mut s = Series::new(MetricKind::Connections, 60);
        s.merge(&[Point { at: ts(600), value: 5.0 }, Point { at: ts(600 + 60 * 70), value: 6.0 }], 240);
        assert_eq!(minutes(&s), vec![(10, 5.0), (80, 6.0)]);
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
        let max = |a: f64, b: f64| a > b;
        // A first load (three hours of history) judges its newest point only.
        s.merge(&pts(&[(60, 90.0), (120, 0.0)]), 100);
        assert_eq!(s.arrival_worst(max).unwrap().value, 0.0);
        // A cold fetch five minutes later, with the overlap re-sent: the spike inside it.
        s.merge(&pts(&[(60, 90.0), (120, 0.0), (180, 0.0), (240, 45.0), (300, 50.0), (360, 0.0)]), 100);
        let w = s.arrival_worst(max).unwrap();
        assert_eq!((w.value, w.at), (50.0, ts(300)));
        // The newest minute revised, nothing newer: the same fetch still stands.
        s.merge(&pts(&[(360, 0.5)]), 100);
        assert_eq!(s.arrival_worst(max).unwrap().value, 50.0);
        // The next fetch brings one flat minute: the spike is behind it.
        s.merge(&pts(&[(300, 50.0), (360, 0.5), (420, 0.0)]), 100);
        let w = s.arrival_worst(max).unwrap();
        assert_eq!((w.value, w.at), (0.0, ts(420)));
        // Worse can mean lower: replication stopped (-1) among positive lags.
        s.merge(&pts(&[(480, -1.0), (540, 3.0)]), 100);
        assert_eq!(s.arrival_worst(|a, b| a < 0.0 && b >= 0.0).unwrap().value, -1.0);
    }

    #[test]
    fn latest_is_exact_even_where_slots_are_f32() {
        let mut s = Series::new(MetricKind::FreeStorage, 60);
        s.merge(&[Point { at: ts(60), value: 1_234_567_891_234.0 }], 10);
        assert_eq!(s.latest().unwrap().value, 1_234_567_891_234.0);
    }
}
