//! The history store: every series the app knows, by resource (and, for MSK, by consumer
//! group and topic), each bounded to the same number of periods.

use rustc_hash::FxHashMap;

use super::series::{Resolution, Series};
use super::{MetricKind, Reading, SeriesKey, SeriesUpdate};
use crate::domain::sym::Sym;

/// The series of one resource: its own (few, scanned linearly) and, for an MSK cluster, its
/// consumer groups' by group then topic, so every lookup borrows `&str` and allocates nothing.
#[derive(Debug, Clone, Default, PartialEq)]
struct ResourceSeries {
    own: Vec<(MetricKind, Series)>,
    consumers: FxHashMap<Sym, FxHashMap<Sym, Vec<(MetricKind, Series)>>>,
}

fn find(list: &[(MetricKind, Series)], kind: MetricKind) -> Option<&Series> {
    list.iter().find(|(k, _)| *k == kind).map(|(_, s)| s)
}

/// All series the app knows, each bounded to `cap` points (a ring buffer per series).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricHistory {
    cap: usize,
    /// How resources' own series keep their window; consumer series are always exact (the
    /// lag trend is judged over every minute of its window, which may reach past an hour).
    resolution: Resolution,
    series: FxHashMap<Sym, ResourceSeries>,
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
        MetricHistory::with_resolution(cap, Resolution::Exact)
    }

    pub fn with_resolution(cap: usize, resolution: Resolution) -> Self {
        MetricHistory { cap: cap.max(1), resolution, series: FxHashMap::default() }
    }

    /// A dashboard watching now: the past is only the charts' shape, so the hours before the
    /// newest one are kept as ten minutes' low and high (40 MB less at 20,000 instances). A
    /// replay's playhead reads any minute, so it keeps the default, exact.
    pub fn watching_now() -> Self {
        MetricHistory::with_resolution(DEFAULT_HISTORY_POINTS, Resolution::Tiered)
    }

    pub fn resolution(&self) -> Resolution {
        self.resolution
    }

    pub fn merge(&mut self, updates: &[SeriesUpdate]) {
        let cap = self.cap;
        for u in updates {
            let k = &u.key;
            let res = match self.series.get_mut(&k.resource) {
                Some(r) => r,
                None => self.series.entry(k.resource.clone()).or_default(),
            };
            let mut resolution = self.resolution;
            let list = match (&k.group, &k.topic) {
                (Some(g), Some(t)) => {
                    resolution = Resolution::Exact;
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
                    let mut series = Series::with_resolution(k.kind, u.period_secs, resolution);
                    series.merge(&u.points, cap);
                    // A resource has a handful of series: grown one at a time, not doubled
                    // (a tenth of the history's heap at 5,000 instances was spare room).
                    list.reserve_exact(1);
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

    #[test]
    fn history_latest_is_none_without_points() {
        let h = MetricHistory::default();
        assert!(h.latest("arn:x", MetricKind::Connections).is_none());
    }
}
