//! GetMetricData for a planned set of queries: up to 500 per call, NextToken followed,
//! results matched by query id, StatusCode honoured, any timestamp order accepted. Values
//! are converted to the stored unit (AuroraReplicaLag ms -> s).

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy, StatusCode};
use jiff::Timestamp;

use super::calls::{CallCounter, ops};
use super::errors::{Origin, from_sdk};
use super::plan::{MAX_QUERIES_PER_CALL, MetricQuery, PERIOD_SECS};
use crate::domain::metrics::{Point, SeriesUpdate, to_stored_unit};
use crate::domain::snapshot::{ErrorKind, Service, SourceError};

fn to_sdk(id: String, q: &MetricQuery) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace(q.namespace)
        .metric_name(q.metric)
        .set_dimensions(Some(
            q.dimensions.iter().map(|(n, v)| Dimension::builder().name(*n).value(v).build()).collect(),
        ))
        .build();
    // No Unit: one that does not match the stored unit returns nothing.
    let stat = MetricStat::builder().metric(metric).period(PERIOD_SECS).stat(q.stat).build();
    MetricDataQuery::builder().id(id).metric_stat(stat).return_data(true).build()
}

/// The SDK queries for a plan, cut into calls of at most 500; ids are `q<index in batch>`.
/// Built once per inventory and reused on every poll.
pub fn batches(queries: &[MetricQuery]) -> Vec<Vec<MetricDataQuery>> {
    queries
        .chunks(MAX_QUERIES_PER_CALL)
        .map(|batch| batch.iter().enumerate().map(|(i, q)| to_sdk(format!("q{i}"), q)).collect())
        .collect()
}

/// Fetch `[start, end)` for every query (`sdk_batches` = `batches(queries)`). Returns the
/// updates (one per query that had data) and the errors met; a failed call loses only its
/// own batch.
#[allow(clippy::too_many_arguments)]
pub async fn fetch(
    cw: &aws_sdk_cloudwatch::Client,
    origin: &Origin<'_>,
    queries: &[MetricQuery],
    sdk_batches: &[Vec<MetricDataQuery>],
    start: Timestamp,
    end: Timestamp,
    calls: &CallCounter,
    now: Timestamp,
) -> (Vec<SeriesUpdate>, Vec<SourceError>) {
    let mut updates = Vec::new();
    let mut errors = Vec::new();
    let origin = Origin { operation: ops::GET_METRIC_DATA, service: Service::CloudWatch, ..origin.clone() };
    for (batch, sdk) in queries.chunks(MAX_QUERIES_PER_CALL).zip(sdk_batches) {
        let mut points: Vec<Vec<Point>> = vec![Vec::new(); batch.len()];
        let mut token: Option<String> = None;
        let mut first = true;
        let mut failed = false;
        loop {
            calls.call(ops::GET_METRIC_DATA);
            if first {
                calls.metrics(batch.len());
                first = false;
            }
            let res = cw
                .get_metric_data()
                .set_metric_data_queries(Some(sdk.clone()))
                .start_time(DateTime::from_secs(start.as_second()))
                .end_time(DateTime::from_secs(end.as_second()))
                .scan_by(ScanBy::TimestampAscending)
                .set_next_token(token.take())
                .send()
                .await;
            let out = match res {
                Ok(o) => o,
                Err(e) => {
                    errors.push(from_sdk(&origin, &e, now));
                    failed = true;
                    break;
                }
            };
            for r in out.metric_data_results() {
                let Some(i) =
                    r.id().and_then(|id| id.strip_prefix('q')).and_then(|n| n.parse::<usize>().ok())
                else {
                    continue;
                };
                let Some(q) = batch.get(i) else { continue };
                if let Some(StatusCode::InternalError | StatusCode::Forbidden) = r.status_code() {
                    let detail: Vec<&str> = r.messages().iter().filter_map(|m| m.value()).collect();
                    errors.push(origin.error(
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
                let entry = &mut points[i];
                for (t, v) in r.timestamps().iter().zip(r.values()) {
                    if let Ok(at) = Timestamp::from_second(t.secs()) {
                        entry.push(Point { at, value: to_stored_unit(q.metric, *v) });
                    }
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        if failed && points.iter().all(Vec::is_empty) {
            continue;
        }
        for (i, mut pts) in points.into_iter().enumerate() {
            // Whatever order CloudWatch used, history is oldest first, one point per instant.
            pts.sort_by_key(|p| p.at);
            pts.dedup_by_key(|p| p.at);
            if !pts.is_empty() {
                updates.push(SeriesUpdate {
                    key: batch[i].key.clone(),
                    period_secs: PERIOD_SECS as u32,
                    points: pts,
                });
            }
        }
    }
    (updates, errors)
}
