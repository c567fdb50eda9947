//! What happened and what the team alarms on: RDS `DescribeEvents` (per source type, paged
//! with `Marker`, over an explicit time range: the API returns one hour unless told) and
//! CloudWatch `DescribeAlarms` (metric alarms, paged with `NextToken`). Both are reads.

use aws_sdk_rds::types::SourceType;
use jiff::Timestamp;

use super::calls::{CallCounter, ops};
use super::convert;
use super::errors::{Origin, from_sdk};
use super::paging;
use super::rds::RdsCtx;
use crate::domain::alarms::{Alarm, AlarmState};
use crate::domain::events::DbEvent;
use crate::domain::snapshot::{ErrorKind, Service, SourceError};

/// The source types whose events matter to a fleet: instances, clusters, blue/green
/// deployments (snapshots and parameter groups are left out: a daily backup per instance
/// would drown a failover).
const SOURCE_TYPES: [SourceType; 3] =
    [SourceType::DbInstance, SourceType::DbCluster, SourceType::BlueGreenDeployment];

fn sdk_time(t: Timestamp) -> aws_sdk_rds::primitives::DateTime {
    aws_sdk_rds::primitives::DateTime::from_secs(t.as_second())
}

/// A range this short is asked in one call for every source type, the others dropped here
/// (each poll's few minutes: one call a target, not three); a longer one (the first poll's 14
/// days) is asked type by type, so a daily snapshot per instance is not paged through.
const ONE_CALL_UNDER: jiff::SignedDuration = jiff::SignedDuration::from_hours(1);

/// How long a page of a few minutes' events may take, its retries included but not the wait
/// for its slot under the region's pace: DescribeEvents runs every poll, and a region failing
/// it must not hold its metrics back behind the SDK's retries (the events are asked again on
/// the next poll). Slots are not counted: on a poll that lists 5,000 instances the page waits
/// seconds behind the lists without anything being wrong. The first poll's 14 days have no
/// such limit.
const PAGE_BUDGET: std::time::Duration = std::time::Duration::from_secs(5);

/// Every event of the fleet's source types in `[from, until]`, oldest first as the API sends
/// them (the store dedups and reorders anyway).
pub async fn rds_events(
    ctx: &RdsCtx<'_>,
    from: Timestamp,
    until: Timestamp,
) -> Result<Vec<DbEvent>, SourceError> {
    let short = until.duration_since(from) < ONE_CALL_UNDER;
    let budget = short.then_some(PAGE_BUDGET);
    let op = ops::DESCRIBE_EVENTS;
    let mut out = Vec::new();
    let asked: Vec<Option<SourceType>> =
        if short { vec![None] } else { SOURCE_TYPES.iter().cloned().map(Some).collect() };
    for source_type in asked {
        let mut marker: Option<String> = None;
        for pages in 1.. {
            ctx.call(op).await;
            let sent = marker.take();
            let send = ctx
                .client
                .describe_events()
                .set_source_type(source_type.clone())
                .start_time(sdk_time(from))
                .end_time(sdk_time(until))
                .max_records(ctx.page_size)
                .set_marker(sent.clone())
                .send();
            let answer = match budget {
                Some(b) => tokio::time::timeout(b, send).await.map_err(|_| {
                    let message = format!("no answer within {} s (asked again next poll)", b.as_secs());
                    ctx.origin(op).error(ErrorKind::Timeout, message, ctx.now)
                })?,
                None => send.await,
            };
            let page = answer.map_err(|e| from_sdk(&ctx.origin(op), &e, ctx.now))?;
            for e in page.events() {
                let (Some(id), Some(at)) = (e.source_identifier(), e.date().and_then(convert::ts)) else {
                    continue;
                };
                let Some(ty) = e.source_type().or(source_type.as_ref()) else { continue };
                if !SOURCE_TYPES.contains(ty) {
                    continue;
                }
                out.push(DbEvent {
                    account: ctx.account.map(String::from),
                    region: ctx.region.to_string(),
                    source_id: id.to_string(),
                    source_type: ty.as_str().to_string(),
                    source_arn: e.source_arn().map(String::from),
                    at,
                    categories: e.event_categories().to_vec(),
                    message: e.message().unwrap_or("").to_string(),
                });
            }
            marker = paging::next_token(sent.as_deref(), page.marker(), pages)
                .map_err(|m| ctx.origin(op).error(ErrorKind::Malformed, m, ctx.now))?;
            if marker.is_none() {
                break;
            }
        }
    }
    Ok(out)
}

/// Every metric alarm in the region with its state (composite alarms watch alarms, not
/// resources: left out).
pub async fn alarms(
    cw: &aws_sdk_cloudwatch::Client,
    region: &str,
    account: Option<&str>,
    calls: &CallCounter,
    now: Timestamp,
) -> Result<Vec<Alarm>, SourceError> {
    let op = ops::DESCRIBE_ALARMS;
    let origin = Origin { account, region, service: Service::CloudWatch, operation: op };
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    for pages in 1.. {
        calls.call(op);
        let sent = token.take();
        let page = cw
            .describe_alarms()
            .alarm_types(aws_sdk_cloudwatch::types::AlarmType::MetricAlarm)
            .max_records(100)
            .set_next_token(sent.clone())
            .send()
            .await
            .map_err(|e| from_sdk(&origin, &e, now))?;
        for a in page.metric_alarms() {
            let (Some(name), Some(state)) =
                (a.alarm_name(), a.state_value().and_then(|s| AlarmState::parse(s.as_str())))
            else {
                continue;
            };
            out.push(Alarm {
                account: account.map(String::from),
                region: region.to_string(),
                name: name.to_string(),
                arn: a.alarm_arn().map(String::from),
                state,
                reason: a.state_reason().unwrap_or("").to_string(),
                since: a
                    .state_updated_timestamp()
                    .and_then(|t| Timestamp::from_second(t.secs()).ok())
                    .unwrap_or(now),
                namespace: a.namespace().unwrap_or("").to_string(),
                metric: a.metric_name().unwrap_or("").to_string(),
                dimensions: a
                    .dimensions()
                    .iter()
                    .filter_map(|d| Some((d.name()?.to_string(), d.value()?.to_string())))
                    .collect(),
            });
        }
        token = paging::next_token(sent.as_deref(), page.next_token(), pages)
            .map_err(|m| origin.error(ErrorKind::Malformed, m, now))?;
        if token.is_none() {
            break;
        }
    }
    Ok(out)
}
