//! GetMetricData for a planned set of queries: a bounded number per call (500 at one minute,
//! fewer for long hourly ranges), NextToken followed, results matched by query id, StatusCode
//! honoured, any timestamp order accepted. Values are converted to the stored unit
//! (AuroraReplicaLag ms -> s).

use std::borrow::Borrow;

use aws_sdk_cloudwatch::operation::list_metrics::ListMetricsOutput;
use aws_sdk_cloudwatch::operation::list_metrics::builders::ListMetricsFluentBuilder;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy, StatusCode};
use jiff::Timestamp;

use super::calls::{CallCounter, ops};
use super::errors::{Origin, from_sdk};
use super::paging;
use super::plan::{MAX_QUERIES_PER_CALL, MetricQuery, PERIOD_SECS};
use crate::domain::metrics::{Point, SeriesUpdate, to_stored_unit};
use crate::domain::snapshot::{ErrorKind, Service, SourceError};

/// The period of every query in a set, and how many of them one call may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolution {
    pub period_secs: i32,
    pub queries_per_call: usize,
}

/// The per-minute plan: 500 queries per call (GetMetricData's limit).
pub const PER_MINUTE: Resolution =
    Resolution { period_secs: PERIOD_SECS, queries_per_call: MAX_QUERIES_PER_CALL };

fn to_sdk(id: String, q: &MetricQuery, period_secs: i32) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace(q.namespace)
        .metric_name(q.metric)
        .set_dimensions(Some(
            q.dimensions.iter().map(|(n, v)| Dimension::builder().name(*n).value(v).build()).collect(),
        ))
        .build();
    // No Unit: one that does not match the stored unit returns nothing.
    let stat = MetricStat::builder().metric(metric).period(period_secs).stat(q.stat).build();
    MetricDataQuery::builder()
        .id(id)
        .metric_stat(stat)
        .return_data(true)
        .set_account_id(q.account.as_deref().map(String::from))
        .build()
}

/// The queries of each call at `res`: at most `res.queries_per_call` in one.
pub fn calls_of<Q>(queries: &[Q], res: Resolution) -> std::slice::Chunks<'_, Q> {
    queries.chunks(res.queries_per_call.max(1))
}

/// The SDK queries of one call, ids `q<index in batch>`. Built for each request rather than
/// kept: the SDK takes them by value (a kept copy would be cloned anyway), and at 5,000
/// instances a kept set is 8 MB.
pub fn batch_queries<Q: Borrow<MetricQuery>>(batch: &[Q], period_secs: i32) -> Vec<MetricDataQuery> {
    batch.iter().enumerate().map(|(i, q)| to_sdk(format!("q{i}"), q.borrow(), period_secs)).collect()
}

/// What one call's worth of queries returned, every page read.
pub struct BatchResult {
    /// Per query of the batch, oldest first, one point per instant.
    pub points: Vec<Vec<Point>>,
    /// Per query: CloudWatch answered InternalError or Forbidden for it.
    pub failed: Vec<bool>,
    /// Every page was read (false: a call failed, the points may be partial).
    pub complete: bool,
    pub errors: Vec<SourceError>,
}

/// Fetch `[start, end)` for one batch at `period_secs`, following NextToken.
#[allow(clippy::too_many_arguments)]
pub async fn fetch_batch<Q: Borrow<MetricQuery> + Sync>(
    cw: &aws_sdk_cloudwatch::Client,
    origin: &Origin<'_>,
    batch: &[Q],
    period_secs: i32,
    start: Timestamp,
    end: Timestamp,
    calls: &CallCounter,
    now: Timestamp,
) -> BatchResult {
    let origin = Origin { operation: ops::GET_METRIC_DATA, service: Service::CloudWatch, ..origin.clone() };
    let mut out = BatchResult {
        points: vec![Vec::new(); batch.len()],
        failed: vec![false; batch.len()],
        complete: true,
        errors: Vec::new(),
    };
    let mut token: Option<String> = None;
    // Billed per metric requested, once per batch however many pages follow.
    calls.metrics(batch.len());
    for pages in 1.. {
        calls.call(ops::GET_METRIC_DATA);
        let sent = token.take();
        let res = cw
            .get_metric_data()
            .set_metric_data_queries(Some(batch_queries(batch, period_secs)))
            .start_time(DateTime::from_secs(start.as_second()))
            .end_time(DateTime::from_secs(end.as_second()))
            .scan_by(ScanBy::TimestampAscending)
            .set_next_token(sent.clone())
            .send()
            .await;
        let page = match res {
            Ok(o) => o,
            Err(e) => {
                out.errors.push(from_sdk(&origin, &e, now));
                out.complete = false;
                break;
            }
        };
        for r in page.metric_data_results() {
            let Some(i) = r.id().and_then(|id| id.strip_prefix('q')).and_then(|n| n.parse::<usize>().ok())
            else {
                continue;
            };
            let Some(q) = batch.get(i).map(Borrow::borrow) else { continue };
            if let Some(StatusCode::InternalError | StatusCode::Forbidden) = r.status_code() {
                out.failed[i] = true;
                let detail: Vec<&str> = r.messages().iter().filter_map(|m| m.value()).collect();
                out.errors.push(origin.error(
                    ErrorKind::ServiceUnavailable,
                    format!(
                        "{} {:?} for {}: {}",
                        q.metric,
                        r.status_code(),
                        q.dimensions.last().map_or("", |d| d.1.as_str()),
                        detail.join("; ")
                    ),
                    now,
                ));
            }
            let entry = &mut out.points[i];
            // Held until the model merges them: no room to spare (pushes doubling to 16 for
            // a 10-minute window's points).
            entry.reserve_exact(r.values().len());
            for (t, v) in r.timestamps().iter().zip(r.values()) {
                if let Ok(at) = Timestamp::from_second(t.secs()) {
                    entry.push(Point { at, value: to_stored_unit(q.metric, *v) });
                }
            }
        }
        match paging::next_token(sent.as_deref(), page.next_token(), pages) {
            Ok(Some(t)) => token = Some(t),
            Ok(None) => break,
            Err(m) => {
                out.errors.push(origin.error(ErrorKind::Malformed, m, now));
                out.complete = false;
                break;
            }
        }
    }
    for pts in &mut out.points {
        // Whatever order CloudWatch used, history is oldest first, one point per instant.
        pts.sort_by_key(|p| p.at);
        pts.dedup_by_key(|p| p.at);
    }
    out
}

/// What `fetch` brought: the updates (one per query that had data), the errors met, and per
/// query whether its answer is whole (its call's every page read, no error status for it).
pub struct Fetched {
    pub updates: Vec<SeriesUpdate>,
    pub errors: Vec<SourceError>,
    pub whole: Vec<bool>,
}

/// Fetch `[start, end)` for every query of a plan at `period_secs`; a failed call loses only
/// its own batch.
#[allow(clippy::too_many_arguments)]
pub async fn fetch<Q: Borrow<MetricQuery> + Sync>(
    cw: &aws_sdk_cloudwatch::Client,
    origin: &Origin<'_>,
    queries: &[Q],
    period_secs: u32,
    start: Timestamp,
    end: Timestamp,
    calls: &CallCounter,
    now: Timestamp,
) -> Fetched {
    let mut out =
        Fetched { updates: Vec::new(), errors: Vec::new(), whole: Vec::with_capacity(queries.len()) };
    for batch in calls_of(queries, PER_MINUTE) {
        let r = fetch_batch(cw, origin, batch, period_secs as i32, start, end, calls, now).await;
        out.errors.extend(r.errors);
        out.whole.extend(r.failed.iter().map(|f| r.complete && !f));
        if !r.complete && r.points.iter().all(Vec::is_empty) {
            continue;
        }
        for (q, pts) in batch.iter().zip(r.points) {
            if !pts.is_empty() {
                out.updates.push(SeriesUpdate { key: q.borrow().key.clone(), period_secs, points: pts });
            }
        }
    }
    out
}

/// Every page of one ListMetrics request (`request` sets its filters), each handed to `page`;
/// NextToken followed, a token that does not advance ends it with an error.
pub async fn list_metrics(
    cw: &aws_sdk_cloudwatch::Client,
    origin: &Origin<'_>,
    calls: &CallCounter,
    now: Timestamp,
    request: impl Fn(ListMetricsFluentBuilder) -> ListMetricsFluentBuilder,
    mut page: impl FnMut(&ListMetricsOutput),
) -> Result<(), SourceError> {
    let origin = Origin { operation: ops::LIST_METRICS, service: Service::CloudWatch, ..origin.clone() };
    let mut token: Option<String> = None;
    for pages in 1.. {
        calls.call(ops::LIST_METRICS);
        let sent = token.take();
        let out = request(cw.list_metrics())
            .set_next_token(sent.clone())
            .send()
            .await
            .map_err(|e| from_sdk(&origin, &e, now))?;
        page(&out);
        token = paging::next_token(sent.as_deref(), out.next_token(), pages)
            .map_err(|m| origin.error(ErrorKind::Malformed, m, now))?;
        if token.is_none() {
            break;
        }
    }
    Ok(())
}
