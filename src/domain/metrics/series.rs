//! One bounded series: per-period f32 slots for charts, with the newest point kept exactly
//! for the numbers on screen. A live dashboard's series keeps a slot a period for the newest
//! hour and the low and high of every ten periods before it (`Resolution::Tiered`); a
//! replay's keeps a slot a period throughout, since its playhead reads any minute.

use std::collections::VecDeque;

use jiff::Timestamp;

use super::{MetricKind, Point, Reading, Unit};

/// Periods a tiered series keeps one slot each; older periods fold into blocks.
pub const FINE_PERIODS: usize = 60;
/// Periods per block past the newest hour.
pub const BLOCK_PERIODS: i64 = 10;

/// How a series keeps the periods of its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resolution {
    /// A slot a period for the whole window: a replay or time travel, whose playhead reads
    /// any minute of it.
    #[default]
    Exact,
    /// A slot a period for the newest hour, then blocks of ten periods holding each block's
    /// lowest and highest value: a live dashboard, which reads the past only as the charts'
    /// shape, and a chart 80 columns wide draws three minutes a dot anyway. A dip (a failover's
    /// connections) and a spike both stay; 60 + 2 x 18 slots instead of 240: at 20,000
    /// instances, 40 MB less.
    Tiered,
}

/// Bounded history of one series. The newest periods are a ring of slots (f32, NaN = no
/// datapoint) from `base`; in a tiered series the periods before its newest hour, up to the
/// cap, are blocks of ten periods holding the block's low and high, both shown at the block's
/// middle. The newest point is kept exactly: numbers on screen and in JSON come from `last`,
/// at full precision.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub kind: MetricKind,
    pub period_secs: u32,
    resolution: Resolution,
    /// Epoch seconds of `slots[0]`.
    base: i64,
    slots: VecDeque<f32>,
    /// Block number (epoch seconds / block length) of `blocks[0]`.
    first_block: i64,
    /// Each block's (lowest, highest); NaN for a block without data.
    blocks: VecDeque<[f32; 2]>,
    last: Option<Point>,
    /// The newest point before the latest merge that brought newer ones: the points after it
    /// are what that fetch added (one minute for a series asked every minute, several for a
    /// cold one). None until a second merge: a first load judges only its newest point.
    arrived_after: Option<Timestamp>,
}

impl Series {
    pub fn new(kind: MetricKind, period_secs: u32) -> Self {
        Series::with_resolution(kind, period_secs, Resolution::Exact)
    }

    pub fn with_resolution(kind: MetricKind, period_secs: u32, resolution: Resolution) -> Self {
        Series {
            kind,
            period_secs: period_secs.max(1),
            resolution,
            base: 0,
            slots: VecDeque::new(),
            first_block: 0,
            blocks: VecDeque::new(),
            last: None,
            arrived_after: None,
        }
    }

    pub fn unit(&self) -> Unit {
        self.kind.unit()
    }

    fn block_secs(&self) -> i64 {
        BLOCK_PERIODS * i64::from(self.period_secs)
    }

    fn slot_time(&self, i: usize) -> Timestamp {
        let t = self.base + i as i64 * i64::from(self.period_secs);
        Timestamp::from_second(t).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// The blocks with data, oldest first, each as its low then its high at the middle of its
    /// part before the slots (the newest block can end where the slots begin).
    fn block_points(&self) -> impl DoubleEndedIterator<Item = Point> + '_ {
        let secs = self.block_secs();
        self.blocks.iter().enumerate().filter(|(_, v)| !v[0].is_nan()).flat_map(move |(i, v)| {
            let start = (self.first_block + i as i64) * secs;
            let mid = start + ((start + secs).min(self.base) - start) / 2;
            let at = Timestamp::from_second(mid).unwrap_or(Timestamp::UNIX_EPOCH);
            [Point { at, value: f64::from(v[0]) }, Point { at, value: f64::from(v[1]) }]
        })
    }

    /// The points kept a slot a period, with data, oldest first: for counting a run of
    /// minutes, which a block's low and high cannot prove.
    pub fn period_points(&self) -> impl DoubleEndedIterator<Item = Point> + '_ {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .map(|(i, v)| Point { at: self.slot_time(i), value: f64::from(*v) })
    }

    /// Points with data, oldest first (values at chart precision; in a tiered series, a
    /// block's low then its high before the newest hour: `blocks_until`).
    pub fn points(&self) -> impl DoubleEndedIterator<Item = Point> + '_ {
        self.block_points().chain(self.period_points())
    }

    /// Where the blocks end and the slots a period begin, when there are blocks: the charts
    /// say that what is drawn before it is each block's range.
    pub fn blocks_until(&self) -> Option<Timestamp> {
        self.blocks.iter().any(|v| !v[0].is_nan()).then(|| self.slot_time(0))
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

    /// Number of points with data (a block's low and high are two).
    pub fn len(&self) -> usize {
        self.slots.iter().filter(|v| !v.is_nan()).count()
            + 2 * self.blocks.iter().filter(|v| !v[0].is_nan()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.last.is_none()
    }

    pub fn latest(&self) -> Option<Reading> {
        self.last.map(|p| Reading { value: p.value, unit: self.unit(), at: p.at })
    }

    /// The values of the last `n` periods kept a slot each that have data, oldest first (for
    /// sparklines, a few minutes wide).
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

    /// Room for `extra` more entries in `q`: doubling as a `VecDeque` does, but never past
    /// `most` (a merge holds one over before the oldest falls off). Doubling alone took a full
    /// ring of 240 slots to 256, kept for as long as it is open.
    fn room_for<T>(q: &mut VecDeque<T>, extra: usize, most: usize) {
        let len = q.len();
        if len + extra <= q.capacity() {
            return;
        }
        let target = (len + extra).max((len * 2).max(4).min(most));
        q.reserve_exact(target - len);
    }

    /// Periods kept a slot each, and blocks at most (one more when the window starts inside
    /// a block); a cap within the newest hour, or an exact series, keeps no blocks.
    fn shape(&self, cap: usize) -> (usize, usize) {
        match self.resolution {
            Resolution::Exact => (cap, 0),
            Resolution::Tiered => {
                let fine = cap.min(FINE_PERIODS);
                let blocks = (cap - fine).div_ceil(BLOCK_PERIODS as usize);
                (fine, if blocks == 0 { 0 } else { blocks + 1 })
            }
        }
    }

    /// Fold a value older than the slots into its block's low and high.
    fn fold_old(&mut self, t: i64, v: f32, most_blocks: usize) {
        if v.is_nan() {
            return;
        }
        let k = t.div_euclid(self.block_secs());
        if self.blocks.is_empty() {
            self.first_block = k;
        }
        let off = k - self.first_block;
        let len = self.blocks.len() as i64;
        if off >= len {
            Self::room_for(&mut self.blocks, (off - len) as usize + 1, most_blocks);
            self.blocks.extend(std::iter::repeat_n([f32::NAN; 2], (off - len) as usize));
            self.blocks.push_back([v, v]);
        } else if off >= 0 {
            let [lo, hi] = &mut self.blocks[off as usize];
            // A block's NaN (no data yet) gives way: f32::min and max return the other operand.
            *lo = lo.min(v);
            *hi = hi.max(v);
        } else {
            Self::room_for(&mut self.blocks, -off as usize, most_blocks);
            for _ in 0..(-off - 1) {
                self.blocks.push_front([f32::NAN; 2]);
            }
            self.blocks.push_front([v, v]);
            self.first_block = k;
        }
    }

    /// Epoch seconds before which nothing is kept: `cap` periods before the newest slot's end.
    fn window_start(&self, cap: usize) -> i64 {
        let period = i64::from(self.period_secs);
        self.base + self.slots.len() as i64 * period - cap as i64 * period
    }

    /// Drop the blocks wholly before the window, and empty ones at its start.
    fn trim_blocks(&mut self, cap: usize) {
        let (start, secs) = (self.window_start(cap), self.block_secs());
        while !self.blocks.is_empty() && (self.first_block + 1) * secs <= start {
            self.blocks.pop_front();
            self.first_block += 1;
        }
        while self.blocks.front().is_some_and(|v| v[0].is_nan()) {
            self.blocks.pop_front();
            self.first_block += 1;
        }
    }

    fn merge_points(&mut self, points: &[Point], cap: usize) {
        let period = i64::from(self.period_secs);
        let cap = cap.max(1);
        let (fine_cap, most_blocks) = self.shape(cap);
        let tiered = most_blocks > 0;
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
                    // Older than the first slot but still within the slots' span.
                    Self::room_for(&mut self.slots, -off as usize, fine_cap + 1);
                    for _ in 0..(-off - 1) {
                        self.slots.push_front(f32::NAN);
                    }
                    self.slots.push_front(v);
                    self.base += off * period;
                } else if tiered && t >= self.window_start(cap) {
                    // Older than the newest hour but within the window: into its block.
                    self.fold_old(t, v, most_blocks + 1);
                }
            }
            if self.last.is_none_or(|l| p.at >= l.at) {
                self.last = Some(*p);
            }
            while self.slots.len() > fine_cap {
                let oldest = self.slots.pop_front().unwrap_or(f32::NAN);
                if tiered {
                    self.fold_old(self.base, oldest, most_blocks + 1);
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

    fn tiered() -> Series {
        Series::with_resolution(MetricKind::Connections, 60, Resolution::Tiered)
    }

    #[test]
    fn the_newest_hour_a_slot_a_minute_the_rest_the_range_of_ten() {
        let mut s = tiered();
        for m in 1..=600 {
            s.merge(&[Point { at: ts(m * 60), value: m as f64 }], 240);
        }
        // Minutes 541..600 one a slot; 361..540 in blocks of ten (low then high, at the
        // block's middle). The window starts at minute 361, inside block 360..369: a block
        // folded before the window moved past its first minutes keeps them (at most nine).
        let pts = minutes(&s);
        assert_eq!(pts.len(), s.len());
        // 360..540 is 19 blocks: 18 whole, minute 540's alone.
        assert_eq!(s.len(), 60 + 2 * 19);
        assert_eq!(&pts[..4], &[(365, 360.0), (365, 369.0), (375, 370.0), (375, 379.0)]);
        assert_eq!(&pts[34..39], &[(535, 530.0), (535, 539.0), (540, 540.0), (540, 540.0), (541, 541.0)]);
        assert_eq!(*pts.last().unwrap(), (600, 600.0));
        assert!(pts.windows(2).all(|w| w[0].0 <= w[1].0), "oldest first: {pts:?}");
        assert_eq!(s.period_points().count(), 60);
        assert_eq!(s.blocks_until(), Some(ts(541 * 60)));
        assert_eq!(s.slots.capacity(), 61, "the hour + 1, not the doubling's 64");
        assert!(s.blocks.capacity() <= 20, "{}", s.blocks.capacity());
        // A backfill of older points lands in the same shape.
        let mut b = tiered();
        b.merge(&[Point { at: ts(600 * 60), value: 600.0 }], 240);
        let older: Vec<Point> = (361..600).map(|m| Point { at: ts(m * 60), value: m as f64 }).collect();
        b.merge(&older, 240);
        // ...but for the first block, which never saw minute 360.
        assert_eq!(&minutes(&b)[..2], &[(365, 361.0), (365, 369.0)]);
        assert_eq!(minutes(&b)[2..], pts[2..]);
        assert!(b.slots.capacity() <= 61 && b.blocks.capacity() <= 20);
        // Older than the window: dropped.
        b.merge(&[Point { at: ts(100 * 60), value: 1e9 }], 240);
        assert_eq!(minutes(&b)[2..], pts[2..]);
        // The latest value is exact and its time the newest point's.
        assert_eq!(b.latest().unwrap().at, ts(600 * 60));
        // Sparklines read the minutes only.
        assert_eq!(b.tail_values(3).collect::<Vec<_>>(), vec![598.0, 599.0, 600.0]);
    }

    #[test]
    fn a_block_keeps_its_dip_and_its_spike() {
        let load = |kind: MetricKind, values: &[f64]| {
            let mut s = Series::with_resolution(kind, 60, Resolution::Tiered);
            // Ten minutes of values, then an hour later the newest: the ten fold into a block.
            let mut pts: Vec<Point> = values
                .iter()
                .enumerate()
                .map(|(i, v)| Point { at: ts(600 + 60 * i as i64), value: *v })
                .collect();
            pts.push(Point { at: ts(600 + 60 * 75), value: 1.0 });
            s.merge(&pts, 240);
            let block: Vec<f64> = s.points().take(2).map(|p| p.value).collect();
            block
        };
        let failover = [900.0, 910.0, 0.0, 20.0, 850.0, 1400.0, 950.0, 930.0, 920.0, 915.0];
        assert_eq!(load(MetricKind::Connections, &failover), vec![0.0, 1400.0]);
        // At chart precision (f32), as every slot.
        let (lo, hi) = (f64::from(1e8_f32), f64::from(9e9_f32));
        assert_eq!(load(MetricKind::FreeStorage, &[9e9, 8e9, 1e8, 8e9, 9e9]), vec![lo, hi]);
        // Replication stopped (-1) is the low: the chart marks it stopped.
        assert_eq!(load(MetricKind::ReplicaLag, &[3.0, 200.0, -1.0, 4.0, 3.0]), vec![-1.0, 200.0]);
        // A gap is not a value: a block of missing minutes is not there at all.
        let mut s = tiered();
        s.merge(&[Point { at: ts(600), value: 5.0 }, Point { at: ts(600 + 60 * 75), value: 6.0 }], 240);
        assert_eq!(minutes(&s), vec![(15, 5.0), (15, 5.0), (85, 6.0)]);
    }

    #[test]
    fn an_exact_series_keeps_every_period_and_a_short_cap_no_blocks() {
        let mut exact = Series::new(MetricKind::Connections, 60);
        let mut short = Series::with_resolution(MetricKind::Connections, 60, Resolution::Tiered);
        for m in 1..=600 {
            exact.merge(&[Point { at: ts(m * 60), value: m as f64 }], 240);
            short.merge(&[Point { at: ts(m * 60), value: m as f64 }], 30);
        }
        assert_eq!(exact.len(), 240);
        assert_eq!(exact.blocks_until(), None);
        assert_eq!(exact.points().next().unwrap().at, ts(361 * 60));
        assert_eq!(short.len(), 30);
        assert_eq!(short.blocks_until(), None);
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
