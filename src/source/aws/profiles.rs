//! Load profiles of the writers, live: 14 days of hourly `DatabaseConnections` per writer
//! (`CPUUtilization` for one that publishes no connections), fetched with GetMetricData on
//! the inventory cycle and kept per target for hours, since a two-week profile barely moves
//! in an hour and GetMetricData is billed per metric requested.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};

use super::calls::CallCounter;
use super::cloudwatch::{self, Resolution};
use super::errors::Origin;
use super::plan::MetricQuery;
use crate::domain::metrics::{MetricKind, Point, SeriesKey};
use crate::domain::model::DbInstance;
use crate::domain::peak::{LoadMetric, LoadProfile, profile};
use crate::domain::snapshot::SourceError;

/// Hours of history behind a profile: two weeks, every hour of the week seen twice.
pub const PROFILE_HOURS: i64 = 14 * 24;
/// GetMetricData returns at most this many datapoints per call (pages beyond it).
pub const MAX_DATAPOINTS_PER_CALL: usize = 100_800;
/// Hourly queries per call: 336 datapoints each, so 300 fill one call's datapoint limit and
/// no result has to be split across pages.
pub const HOURLY: Resolution =
    Resolution { period_secs: 3600, queries_per_call: MAX_DATAPOINTS_PER_CALL / PROFILE_HOURS as usize };
/// Writers asked per call and reduced to profiles before the next call: 100 x 336 points in
/// memory at a time, not 300 x 336 (more calls, the same metrics requested, which is what
/// GetMetricData bills).
pub const PROFILE_BATCH: usize = 100;
/// A profile is fetched again when it is older than this. Two weeks of hourly averages move
/// little in six hours, and each refetch costs one metric requested (two with the CPU
/// fallback) per writer: 4 a day instead of 288 at the default 5-minute inventory cycle.
pub const PROFILE_MAX_AGE: SignedDuration = SignedDuration::from_hours(6);

/// What the last successful fetch gave for one writer.
#[derive(Debug, Clone, PartialEq)]
pub struct CachedProfile {
    /// None: neither metric had a datapoint in the two weeks (asked again after
    /// `PROFILE_MAX_AGE`; too little history to learn from anyway).
    /// Shared with the merged inventory rather than copied into it each inventory refresh.
    pub profile: Option<Arc<LoadProfile>>,
    pub fetched_at: Timestamp,
}

/// `[start, end)`: the `PROFILE_HOURS` whole hours before the hour `now` is in.
pub fn range(now: Timestamp) -> (Timestamp, Timestamp) {
    let end_hour = now.as_second().div_euclid(3600);
    let at = |h: i64| Timestamp::from_second(h * 3600).unwrap_or(now);
    (at(end_hour - PROFILE_HOURS), at(end_hour))
}

/// The instances of one region's inventory that take writes (no replica source, not an Aurora
/// reader), by the roles the target set on them after its refresh
/// (`topology::assign_roles_of`, the roles the merged inventory gives them too).
pub fn writers(instances: &[Arc<DbInstance>]) -> Vec<&DbInstance> {
    instances.iter().filter(|d| d.role.takes_writes()).map(|d| &**d).collect()
}

/// Forget instances that are no longer writers here; return the writers whose profile is
/// missing or older than `PROFILE_MAX_AGE`.
pub fn due<'a>(
    writers: &[&'a DbInstance],
    cache: &mut HashMap<crate::domain::sym::Sym, CachedProfile>,
    now: Timestamp,
) -> Vec<&'a DbInstance> {
    let present: std::collections::HashSet<&str> = writers.iter().map(|d| d.arn.as_str()).collect();
    cache.retain(|arn, _| present.contains(arn.as_str()));
    writers
        .iter()
        .filter(|d| {
            cache.get(d.arn.as_str()).is_none_or(|c| now.duration_since(c.fetched_at) >= PROFILE_MAX_AGE)
        })
        .copied()
        .collect()
}

/// The hourly average of `metric` for one instance.
pub fn query(d: &DbInstance, metric: LoadMetric) -> MetricQuery {
    let kind = match metric {
        LoadMetric::Connections => MetricKind::Connections,
        LoadMetric::Cpu => MetricKind::CpuPercent,
    };
    MetricQuery {
        namespace: d.family().namespace(),
        metric: metric.cloudwatch_name(),
        dimensions: std::sync::Arc::new([("DBInstanceIdentifier", d.id.clone())]),
        stat: "Average",
        key: SeriesKey::resource(&d.arn, kind),
        account: None,
    }
}

/// Record one metric's answers (`results[i]` for `asked[i]`; None: its batch or its query
/// failed, so whatever was cached stays). Returns the instances that had no datapoint of
/// connections: they get the CPU fallback. A CPU answer with no datapoint is cached as "no
/// profile".
pub fn settle<'a>(
    cache: &mut HashMap<crate::domain::sym::Sym, CachedProfile>,
    asked: &[&'a DbInstance],
    metric: LoadMetric,
    results: Vec<Option<Vec<Point>>>,
    now: Timestamp,
) -> Vec<&'a DbInstance> {
    let mut fallback = Vec::new();
    for (d, points) in asked.iter().zip(results) {
        let Some(points) = points else { continue };
        if points.is_empty() && metric == LoadMetric::Connections {
            fallback.push(*d);
            continue;
        }
        let profile = (!points.is_empty()).then(|| Arc::new(profile(metric, &points)));
        cache.insert(d.arn.clone(), CachedProfile { profile, fetched_at: now });
    }
    fallback
}

/// Hourly points of `metric` for `asked`, `HOURLY.queries_per_call` per call. None for an
/// instance whose batch did not complete or whose query CloudWatch failed: a partial two
/// weeks would skew the profile.
async fn fetch(
    cw: &aws_sdk_cloudwatch::Client,
    origin: &Origin<'_>,
    asked: &[&DbInstance],
    metric: LoadMetric,
    calls: &CallCounter,
    now: Timestamp,
    errors: &mut Vec<SourceError>,
) -> Vec<Option<Vec<Point>>> {
    let (start, end) = range(now);
    let queries: Vec<MetricQuery> = asked.iter().map(|d| query(d, metric)).collect();
    let mut out = Vec::with_capacity(queries.len());
    for batch in cloudwatch::calls_of(&queries, HOURLY) {
        let r = cloudwatch::fetch_batch(cw, origin, batch, HOURLY.period_secs, start, end, calls, now).await;
        errors.extend(r.errors);
        out.extend(
            r.points.into_iter().zip(r.failed).map(|(p, failed)| (r.complete && !failed).then_some(p)),
        );
    }
    out
}

/// Refresh the profiles of this region's writers that are due. Errors keep the profiles
/// already cached.
pub async fn refresh(
    cw: &aws_sdk_cloudwatch::Client,
    origin: &Origin<'_>,
    writers: &[&DbInstance],
    cache: &mut HashMap<crate::domain::sym::Sym, CachedProfile>,
    calls: &CallCounter,
    now: Timestamp,
) -> (Vec<SourceError>, bool) {
    let mut errors = Vec::new();
    let due = due(writers, cache, now);
    if due.is_empty() {
        return (errors, false);
    }
    // A batch's points become profiles before the next batch is asked: two weeks of hourly
    // points for every writer of a 5,000-instance fleet were 17 MB at once (a third of the
    // dashboard's heap at its peak).
    let mut quiet = Vec::new();
    for batch in due.chunks(PROFILE_BATCH) {
        let connections = fetch(cw, origin, batch, LoadMetric::Connections, calls, now, &mut errors).await;
        quiet.extend(settle(cache, batch, LoadMetric::Connections, connections, now));
    }
    for batch in quiet.chunks(PROFILE_BATCH) {
        let cpu = fetch(cw, origin, batch, LoadMetric::Cpu, calls, now, &mut errors).await;
        settle(cache, batch, LoadMetric::Cpu, cpu, now);
    }
    (errors, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::model::{DbCluster, Inventory, Role};
    use crate::source::demo::{DemoOptions, DemoSource};
    use std::collections::BTreeSet;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn fleet() -> Inventory {
        let src = DemoSource::new(DemoOptions::default(), ts("2026-11-18T15:37:00Z"));
        (*src.scenario().inventory).clone()
    }

    fn hourly(n: i64, value: f64) -> Vec<Point> {
        let (start, _) = range(ts("2026-11-18T15:37:00Z"));
        (0..n)
            .map(|h| Point { at: Timestamp::from_second(start.as_second() + h * 3600).unwrap(), value })
            .collect()
    }

    #[test]
    fn range_is_the_whole_hours_before_now() {
        let (start, end) = range(ts("2026-11-18T15:37:12Z"));
        assert_eq!(end, ts("2026-11-18T15:00:00Z"));
        assert_eq!(start, ts("2026-11-04T15:00:00Z"));
        assert_eq!(range(ts("2026-11-18T15:00:00Z")).1, ts("2026-11-18T15:00:00Z"));
    }

    #[test]
    fn batches_stay_within_the_datapoint_limit() {
        assert_eq!(HOURLY.queries_per_call, 300);
        assert!(HOURLY.queries_per_call * PROFILE_HOURS as usize <= MAX_DATAPOINTS_PER_CALL);
        // 2,500 writers (the demo fleet 100 times over): 9 calls, none over 300 queries.
        let inv = fleet();
        let d = &inv.instances[0];
        let queries: Vec<MetricQuery> = (0..2500).map(|_| query(d, LoadMetric::Connections)).collect();
        let batches: Vec<_> = cloudwatch::calls_of(&queries, HOURLY)
            .map(|b| cloudwatch::batch_queries(b, HOURLY.period_secs))
            .collect();
        assert_eq!(batches.len(), 9);
        assert!(batches.iter().all(|b| b.len() <= 300));
        assert_eq!(batches.iter().map(Vec::len).sum::<usize>(), 2500);
        let stat = batches[0][0].metric_stat().unwrap();
        assert_eq!(stat.period(), Some(3600));
        assert_eq!(stat.stat(), Some("Average"));
        assert_eq!(stat.metric().and_then(|m| m.metric_name()), Some("DatabaseConnections"));
        assert_eq!(batches[0][299].id(), Some("q299"));
        assert_eq!(batches[1][0].id(), Some("q0"), "ids restart in every call");
    }

    #[test]
    fn writers_are_those_that_take_writes() {
        let inv = fleet();
        // As a target has them: one region at a time, roles set from that region alone
        // (converted instances carry none), against the merged inventory's roles.
        let mut got: Vec<String> = Vec::new();
        for region in inv.instances.iter().map(|d| d.region.clone()).collect::<BTreeSet<_>>() {
            let mut own: Vec<Arc<DbInstance>> = inv
                .instances
                .iter()
                .filter(|d| d.region == region)
                .map(|d| Arc::new(DbInstance { role: Role::Standalone, ..(**d).clone() }))
                .collect();
            let clusters: Vec<DbCluster> =
                inv.clusters.iter().filter(|c| c.region == region).cloned().collect();
            crate::domain::topology::assign_roles_of(&mut own, &clusters);
            got.extend(writers(&own).iter().map(|d| d.id.clone()));
        }
        let want: Vec<String> =
            inv.instances.iter().filter(|d| d.role.takes_writes()).map(|d| d.id.clone()).collect();
        assert_eq!(got.iter().collect::<BTreeSet<_>>(), want.iter().collect::<BTreeSet<_>>());
        let got: Vec<&str> = got.iter().map(String::as_str).collect();
        assert!(got.contains(&"billing-pg") && got.contains(&"users-aurora-1"));
        assert!(!got.contains(&"billing-pg-r1") && !got.contains(&"users-aurora-2"));
        // The profiles the demo learned are exactly for these writers, but the one being
        // deleted (it publishes nothing): Neptune's from CPU, the stopped one's up to its stop.
        let publishing =
            inv.instances.iter().filter(|d| d.role.takes_writes() && d.status != "deleting").count();
        assert_eq!(inv.load_profiles.keys().count(), publishing);
        let sandbox = inv.instances.iter().find(|d| d.id == "sandbox-pg").unwrap();
        let stopped = inv.load_profiles[&sandbox.arn].last_at.unwrap();
        assert!(stopped < ts("2026-11-15T17:37:00Z"), "the stopped instance's profile ends when it stopped");
    }

    #[test]
    fn due_when_missing_or_older_than_six_hours_and_forgets_the_rest() {
        let inv = fleet();
        let w = writers(&inv.instances);
        let now = ts("2026-11-18T15:37:00Z");
        let mut cache = HashMap::new();
        assert_eq!(due(&w, &mut cache, now).len(), w.len(), "nothing cached: all due");
        let at = |h: i64| now.checked_sub(SignedDuration::from_hours(h)).unwrap();
        cache.insert(w[0].arn.clone(), CachedProfile { profile: None, fetched_at: at(5) });
        cache.insert(w[1].arn.clone(), CachedProfile { profile: None, fetched_at: at(6) });
        cache.insert(
            "arn:aws:rds:us-east-1:1:db:gone".into(),
            CachedProfile { profile: None, fetched_at: at(1) },
        );
        let d = due(&w, &mut cache, now);
        assert_eq!(d.len(), w.len() - 1, "five hours old is fresh, six is due");
        assert!(!d.iter().any(|x| x.arn == w[0].arn));
        assert!(!cache.contains_key("arn:aws:rds:us-east-1:1:db:gone"), "no longer a writer: forgotten");
    }

    #[test]
    fn cpu_fallback_and_failures_keep_what_was_cached() {
        let inv = fleet();
        let w = writers(&inv.instances);
        let (a, b, c) = (w[0], w[1], w[2]);
        let now = ts("2026-11-18T15:37:00Z");
        let old = CachedProfile {
            profile: Some(Arc::new(profile(LoadMetric::Connections, &hourly(200, 5.0)))),
            fetched_at: now,
        };
        let mut cache = HashMap::from([(c.arn.clone(), old.clone())]);
        // a has connections, b has none, c's query failed.
        let results = vec![Some(hourly(336, 40.0)), Some(Vec::new()), None];
        let quiet = settle(&mut cache, &[a, b, c], LoadMetric::Connections, results, now);
        assert_eq!(quiet.iter().map(|d| &d.arn).collect::<Vec<_>>(), vec![&b.arn], "CPU fallback for b only");
        let pa = cache[&a.arn].profile.as_ref().unwrap();
        assert_eq!((pa.metric, pa.samples), (LoadMetric::Connections, 336));
        assert!(!cache.contains_key(&b.arn), "nothing recorded for b before its fallback");
        assert_eq!(cache[&c.arn], old, "a failed query keeps the previous profile");
        // The fallback answers with CPU: b learns from CPU.
        settle(&mut cache, &quiet, LoadMetric::Cpu, vec![Some(hourly(336, 30.0))], now);
        assert_eq!(cache[&b.arn].profile.as_ref().unwrap().metric, LoadMetric::Cpu);
        // No datapoint of either metric: cached as "no profile" until it is due again.
        let mut cache = HashMap::new();
        settle(&mut cache, &[b], LoadMetric::Cpu, vec![Some(Vec::new())], now);
        assert_eq!(cache[&b.arn], CachedProfile { profile: None, fetched_at: now });
    }
}
