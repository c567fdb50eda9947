//! Metric series: what each metric measures and in which unit, timestamped points (always
//! oldest first), and a bounded history store that merges the points each poll brings.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The unit a number on screen is in. Every series carries one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Unit {
    Count,
    Percent,
    Seconds,
    Bytes,
    /// Kafka offsets (messages).
    Offsets,
    /// Aurora capacity units (Serverless v2).
    Acu,
}

impl Unit {
    pub fn label(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Percent => "%",
            Unit::Seconds => "s",
            Unit::Bytes => "bytes",
            Unit::Offsets => "offsets",
            Unit::Acu => "ACU",
        }
    }
}

/// What a series measures. Values are stored in the unit `unit()` says, whatever the source
/// metric's unit was (AuroraReplicaLag in milliseconds is stored as seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    Connections,
    CpuPercent,
    /// ReplicaLag or AuroraReplicaLag, in seconds; -1 means replication is not running.
    ReplicaLag,
    FreeStorage,
    /// AuroraGlobalDBReplicationLag, in seconds.
    GlobalReplicationLag,
    /// AuroraGlobalDBRPOLag, in seconds.
    GlobalRpoLag,
    MaxOffsetLag,
    SumOffsetLag,
    /// EstimatedMaxTimeLag: seconds to drain MaxOffsetLag.
    EstimatedMaxTimeLag,
    /// ServerlessDatabaseCapacity: the ACUs a Serverless v2 instance runs at.
    ServerlessCapacity,
    /// ACUUtilization: capacity as a percentage of the cluster's maximum ACU.
    AcuUtilization,
}

impl MetricKind {
    pub fn unit(self) -> Unit {
        match self {
            MetricKind::Connections => Unit::Count,
            MetricKind::CpuPercent => Unit::Percent,
            MetricKind::ReplicaLag
            | MetricKind::GlobalReplicationLag
            | MetricKind::GlobalRpoLag
            | MetricKind::EstimatedMaxTimeLag => Unit::Seconds,
            MetricKind::FreeStorage => Unit::Bytes,
            MetricKind::MaxOffsetLag | MetricKind::SumOffsetLag => Unit::Offsets,
            MetricKind::ServerlessCapacity => Unit::Acu,
            MetricKind::AcuUtilization => Unit::Percent,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MetricKind::Connections => "connections",
            MetricKind::CpuPercent => "CPU",
            MetricKind::ReplicaLag => "replica lag",
            MetricKind::FreeStorage => "free storage",
            MetricKind::GlobalReplicationLag => "global replication lag",
            MetricKind::GlobalRpoLag => "global RPO lag",
            MetricKind::MaxOffsetLag => "max offset lag",
            MetricKind::SumOffsetLag => "sum offset lag",
            MetricKind::EstimatedMaxTimeLag => "est. time lag",
            MetricKind::ServerlessCapacity => "capacity",
            MetricKind::AcuUtilization => "ACU utilization",
        }
    }
}

/// CloudWatch unit of a source metric, and the factor that converts it to our stored unit.
pub fn to_stored_unit(source_metric: &str, value: f64) -> f64 {
    match source_metric {
        // Milliseconds in CloudWatch; we store seconds. -1 never occurs for these.
        "AuroraReplicaLag"
        | "ClusterReplicaLag"
        | "DBInstanceReplicaLag"
        | "AuroraReplicaLagMaximum"
        | "AuroraReplicaLagMinimum"
        | "AuroraGlobalDBReplicationLag"
        | "AuroraGlobalDBRPOLag" => value / 1000.0,
        _ => value,
    }
}

/// Which series: a resource (an ARN, or a Kafka cluster ARN with group and topic) and a kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SeriesKey {
    pub resource: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    pub kind: MetricKind,
}

impl SeriesKey {
    pub fn resource(resource: impl Into<String>, kind: MetricKind) -> Self {
        SeriesKey { resource: resource.into(), group: None, topic: None, kind }
    }

    pub fn consumer(
        cluster_arn: impl Into<String>,
        group: impl Into<String>,
        topic: impl Into<String>,
        kind: MetricKind,
    ) -> Self {
        SeriesKey { resource: cluster_arn.into(), group: Some(group.into()), topic: Some(topic.into()), kind }
    }
}

/// One datapoint.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub at: Timestamp,
    pub value: f64,
}

/// Points a poll brought for one series, oldest first (sources sort newest-first answers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesUpdate {
    pub key: SeriesKey,
    pub period_secs: u32,
    pub points: Vec<Point>,
}

/// A single value with its unit and the instant it describes, so its age can be shown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub value: f64,
    pub unit: Unit,
    pub at: Timestamp,
}

impl Reading {
    pub fn age_secs(&self, now: Timestamp) -> i64 {
        (now.as_second() - self.at.as_second()).max(0)
    }

    /// Too old to describe the present: still shown with its age, but it judges nothing.
    pub fn is_stale(&self, now: Timestamp, limit_secs: u32) -> bool {
        self.age_secs(now) > i64::from(limit_secs)
    }
}

/// Bounded history of one series: a ring of per-period slots (f32, NaN = no datapoint) from
/// `base`, plus the newest point kept exactly. Charts need the shape; numbers on screen and in
/// JSON come from `last`, at full precision. 4 bytes a point keeps 20,000 series x 4 hours in
/// about 20 MB.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub unit: Unit,
    pub period_secs: u32,
    /// Epoch seconds of `slots[0]`.
    base: i64,
    slots: VecDeque<f32>,
    last: Option<Point>,
}

impl Series {
    pub fn new(unit: Unit, period_secs: u32) -> Self {
        Series { unit, period_secs: period_secs.max(1), base: 0, slots: VecDeque::new(), last: None }
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
        self.last.map(|p| Reading { value: p.value, unit: self.unit, at: p.at })
    }

    /// The values of the last `n` periods that have data, oldest first (for sparklines).
    pub fn tail_values(&self, n: usize) -> impl Iterator<Item = f64> + '_ {
        let skip = self.slots.len().saturating_sub(n);
        self.slots.iter().skip(skip).filter(|v| !v.is_nan()).map(|v| f64::from(*v))
    }

    /// Merge points: each lands in its period's slot (a repeated period replaces: CloudWatch
    /// revises the newest minute), gaps stay empty, at most `cap` periods are kept.
    pub fn merge(&mut self, points: &[Point], cap: usize) {
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
                        self.slots.extend(std::iter::repeat_n(f32::NAN, (off - len) as usize));
                    }
                    self.slots.push_back(v);
                } else if off >= 0 {
                    self.slots[off as usize] = v;
                } else if len - off <= cap as i64 {
                    // Older than the first slot but still within the window.
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

/// The series of one resource: its own (few, scanned linearly) and, for an MSK cluster, its
/// consumer groups' by group then topic, so every lookup borrows `&str` and allocates nothing.
#[derive(Debug, Clone, Default, PartialEq)]
struct ResourceSeries {
    own: Vec<(MetricKind, Series)>,
    consumers: FxHashMap<String, FxHashMap<String, Vec<(MetricKind, Series)>>>,
}

fn find(list: &[(MetricKind, Series)], kind: MetricKind) -> Option<&Series> {
    list.iter().find(|(k, _)| *k == kind).map(|(_, s)| s)
}

/// All series the app knows, each bounded to `cap` points (a ring buffer per series).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricHistory {
    cap: usize,
    series: FxHashMap<String, ResourceSeries>,
}

/// Default retention: 4 hours at one-minute resolution.
pub const DEFAULT_HISTORY_POINTS: usize = 240;

impl Default for MetricHistory {
    fn default() -> Self {
        MetricHistory::with_capacity(DEFAULT_HISTORY_POINTS)
    }
}

impl MetricHistory {
    /// Forget every point, keeping the capacity (a replay jumped back in time).
    pub fn clear(&mut self) {
        self.series.clear();
    }

    pub fn with_capacity(cap: usize) -> Self {
        MetricHistory { cap: cap.max(1), series: FxHashMap::default() }
    }

    pub fn merge(&mut self, updates: &[SeriesUpdate]) {
        let cap = self.cap;
        for u in updates {
            let k = &u.key;
            let res = match self.series.get_mut(&k.resource) {
                Some(r) => r,
                None => self.series.entry(k.resource.clone()).or_default(),
            };
            let list = match (&k.group, &k.topic) {
                (Some(g), Some(t)) => {
                    let groups = match res.consumers.get_mut(g) {
                        Some(x) => x,
                        None => res.consumers.entry(g.clone()).or_default(),
                    };
                    match groups.get_mut(t) {
                        Some(x) => x,
                        None => groups.entry(t.clone()).or_default(),
                    }
                }
                _ => &mut res.own,
            };
            match list.iter_mut().find(|(kind, _)| *kind == k.kind) {
                Some((_, series)) => series.merge(&u.points, cap),
                None => {
                    let mut series = Series::new(k.kind.unit(), u.period_secs);
                    series.merge(&u.points, cap);
                    list.push((k.kind, series));
                }
            }
        }
    }

    pub fn get(&self, key: &SeriesKey) -> Option<&Series> {
        match (&key.group, &key.topic) {
            (Some(g), Some(t)) => self.consumer(&key.resource, g, t, key.kind),
            _ => self.series(&key.resource, key.kind),
        }
    }

    /// A resource's own (non-Kafka) series of a kind.
    pub fn series(&self, resource: &str, kind: MetricKind) -> Option<&Series> {
        find(&self.series.get(resource)?.own, kind)
    }

    /// A consumer group's series on one topic of an MSK cluster.
    pub fn consumer(&self, cluster_arn: &str, group: &str, topic: &str, kind: MetricKind) -> Option<&Series> {
        find(self.series.get(cluster_arn)?.consumers.get(group)?.get(topic)?, kind)
    }

    /// Latest reading of a resource's metric, if any point was ever seen.
    pub fn latest(&self, resource: &str, kind: MetricKind) -> Option<Reading> {
        self.series(resource, kind).and_then(Series::latest)
    }

    fn all(&self) -> impl Iterator<Item = &Series> {
        self.series.values().flat_map(|r| {
            r.own.iter().chain(r.consumers.values().flat_map(|g| g.values().flatten())).map(|(_, s)| s)
        })
    }

    /// Number of series.
    pub fn len(&self) -> usize {
        self.all().count()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    pub fn point_count(&self) -> usize {
        self.all().map(Series::len).sum()
    }

    /// Forget series of resources no longer in the inventory.
    pub fn retain_resources(&mut self, mut keep: impl FnMut(&str) -> bool) {
        self.series.retain(|k, _| keep(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn merge_appends_replaces_and_bounds() {
        let mut s = Series::new(Unit::Count, 60);
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
    fn latest_is_exact_even_where_slots_are_f32() {
        let mut s = Series::new(Unit::Bytes, 60);
        s.merge(&[Point { at: ts(60), value: 1_234_567_891_234.0 }], 10);
        assert_eq!(s.latest().unwrap().value, 1_234_567_891_234.0);
    }

    #[test]
    fn aurora_lag_is_converted_to_seconds() {
        assert_eq!(to_stored_unit("AuroraReplicaLag", 1500.0), 1.5);
        assert_eq!(to_stored_unit("ReplicaLag", -1.0), -1.0);
        // Neptune and DocumentDB publish replica lag in milliseconds too.
        assert_eq!(to_stored_unit("ClusterReplicaLag", 250.0), 0.25);
        assert_eq!(to_stored_unit("DBInstanceReplicaLag", 2000.0), 2.0);
        assert_eq!(MetricKind::ReplicaLag.unit(), Unit::Seconds);
    }

    #[test]
    fn history_latest_is_none_without_points() {
        let h = MetricHistory::default();
        assert!(h.latest("arn:x", MetricKind::Connections).is_none());
    }
}
