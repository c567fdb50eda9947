//! Metric series: what each metric measures and in which unit, timestamped points (always
//! oldest first), and a bounded history store that merges the points each poll brings.

use std::collections::{HashMap, VecDeque};

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
}

impl Unit {
    pub fn label(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Percent => "%",
            Unit::Seconds => "s",
            Unit::Bytes => "bytes",
            Unit::Offsets => "offsets",
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
        }
    }
}

/// CloudWatch unit of a source metric, and the factor that converts it to our stored unit.
pub fn to_stored_unit(source_metric: &str, value: f64) -> f64 {
    match source_metric {
        // Milliseconds in CloudWatch; we store seconds. -1 never occurs for these.
        "AuroraReplicaLag"
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
}

/// Bounded history of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub unit: Unit,
    pub period_secs: u32,
    points: VecDeque<Point>,
}

impl Series {
    pub fn new(unit: Unit, period_secs: u32) -> Self {
        Series { unit, period_secs, points: VecDeque::new() }
    }

    pub fn points(&self) -> impl DoubleEndedIterator<Item = &Point> + ExactSizeIterator {
        self.points.iter()
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    pub fn latest(&self) -> Option<Reading> {
        self.points.back().map(|p| Reading { value: p.value, unit: self.unit, at: p.at })
    }

    /// The last `n` values, oldest first (for sparklines).
    pub fn tail_values(&self, n: usize) -> impl Iterator<Item = f64> + '_ {
        let skip = self.points.len().saturating_sub(n);
        self.points.iter().skip(skip).map(|p| p.value)
    }

    /// Merge points: newer ones append, a repeated timestamp replaces (CloudWatch revises the
    /// last minute), older unknown ones are inserted in order. Keeps at most `cap` points.
    pub fn merge(&mut self, points: &[Point], cap: usize) {
        for p in points {
            match self.points.back() {
                None => self.points.push_back(*p),
                Some(last) if p.at > last.at => self.points.push_back(*p),
                Some(_) => match self.points.binary_search_by(|q| q.at.cmp(&p.at)) {
                    Ok(i) => self.points[i] = *p,
                    Err(i) => self.points.insert(i, *p),
                },
            }
        }
        while self.points.len() > cap {
            self.points.pop_front();
        }
    }
}

/// All series the app knows, each bounded to `cap` points (a ring buffer per series).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricHistory {
    cap: usize,
    series: HashMap<SeriesKey, Series>,
}

/// Default retention: 4 hours at one-minute resolution.
pub const DEFAULT_HISTORY_POINTS: usize = 240;

impl Default for MetricHistory {
    fn default() -> Self {
        MetricHistory::with_capacity(DEFAULT_HISTORY_POINTS)
    }
}

impl MetricHistory {
    pub fn with_capacity(cap: usize) -> Self {
        MetricHistory { cap: cap.max(1), series: HashMap::new() }
    }

    pub fn merge(&mut self, updates: &[SeriesUpdate]) {
        for u in updates {
            let cap = self.cap;
            self.series
                .entry(u.key.clone())
                .or_insert_with(|| Series::new(u.key.kind.unit(), u.period_secs))
                .merge(&u.points, cap);
        }
    }

    pub fn get(&self, key: &SeriesKey) -> Option<&Series> {
        self.series.get(key)
    }

    /// Latest reading of a resource's metric, if any point was ever seen.
    pub fn latest(&self, resource: &str, kind: MetricKind) -> Option<Reading> {
        // Building a key allocates; this is called per row per derive, which is cheap enough
        // (5,000 rows x 3 metrics) and keeps the map keyed by one type.
        self.series.get(&SeriesKey::resource(resource, kind)).and_then(Series::latest)
    }

    pub fn series(&self, resource: &str, kind: MetricKind) -> Option<&Series> {
        self.series.get(&SeriesKey::resource(resource, kind))
    }

    pub fn len(&self) -> usize {
        self.series.len()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }

    pub fn point_count(&self) -> usize {
        self.series.values().map(Series::len).sum()
    }

    /// Forget series of resources no longer in the inventory.
    pub fn retain(&mut self, mut keep: impl FnMut(&SeriesKey) -> bool) {
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
    }

    #[test]
    fn aurora_lag_is_converted_to_seconds() {
        assert_eq!(to_stored_unit("AuroraReplicaLag", 1500.0), 1.5);
        assert_eq!(to_stored_unit("ReplicaLag", -1.0), -1.0);
        assert_eq!(MetricKind::ReplicaLag.unit(), Unit::Seconds);
    }

    #[test]
    fn history_latest_is_none_without_points() {
        let h = MetricHistory::default();
        assert!(h.latest("arn:x", MetricKind::Connections).is_none());
    }
}
