//! Kafka: MSK clusters, their consumer groups and topics as a tree, each with its lag, trend
//! and status; a cluster that publishes no lag says why instead of looking empty.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::action::ViewId;
use crate::app::state::{KafkaLine, KafkaSort, Model};
use crate::domain::consumer_status::LagStatus;
use crate::domain::format::{self, MISSING};
use crate::domain::kafka::ConsumerLagRow;
use crate::domain::metrics::{MetricKind, Reading, Unit};
use crate::domain::model::{MskCluster, MskClusterType};
use crate::ui::theme::{Slot, Theme};
use crate::ui::views::table_view::TableView;
use crate::ui::widgets::sparkline::spark;
use crate::ui::widgets::table::{self, Cell, Column};

const TREND: usize = 12;
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Name,
    Topic,
    MaxLag,
    SumLag,
    TimeLag,
    Trend,
    Status,
}

fn table(m: &Model) -> TableView<Col> {
    let sorted = match m.kafka_sort() {
        KafkaSort::Group => Col::Name,
        KafkaSort::MaxLag => Col::MaxLag,
        KafkaSort::TimeLag => Col::TimeLag,
        KafkaSort::Severity => Col::Status,
    };
    TableView::new(vec![
        (Col::Name, Column::new("NAME", 20, 0).flex()),
        (Col::Topic, Column::new("TOPIC", 18, 1).flex()),
        (Col::MaxLag, Column::new("MAX LAG", 9, 1).right()),
        (Col::SumLag, Column::new("SUM LAG", 9, 3).right()),
        (Col::TimeLag, Column::new("TIME LAG", 9, 0).right()),
        (Col::Trend, Column::new("TREND", TREND as u16, 2)),
        (Col::Status, Column::new("STATUS", 7, 0)),
    ])
    .sorted(sorted, m.views[ViewId::Kafka].reverse)
}

/// "us-east-1 · ACTIVE · Kafka 3.6.0 · 6 brokers · DEFAULT": what an engineer checks first
/// when a cluster shows no lag.
fn cluster_facts(c: &MskCluster) -> String {
    let mut parts = vec![c.region.clone(), c.state.clone()];
    match c.cluster_type {
        MskClusterType::Serverless => parts.push("serverless".into()),
        MskClusterType::Provisioned => {
            parts.push(format!("Kafka {}", c.kafka_version.as_deref().unwrap_or(MISSING)));
            parts.push(
                c.broker_count.map_or_else(|| format!("{MISSING} brokers"), |n| format!("{n} brokers")),
            );
            parts.push(c.monitoring_level.clone().unwrap_or_else(|| MISSING.into()));
        }
    }
    parts.join(" · ")
}

fn value(v: Option<f64>, unit: Unit) -> String {
    v.map_or_else(|| MISSING.to_string(), |v| format::value(v, unit))
}

fn tail(m: &Model, r: &ConsumerLagRow, kind: MetricKind) -> Vec<f64> {
    m.fleet
        .history
        .consumer(&r.id.cluster_arn, &r.id.group, &r.id.topic, kind)
        .map(|s| s.tail_values(TREND).collect())
        .unwrap_or_default()
}

fn trend(m: &Model, r: &ConsumerLagRow) -> Vec<f64> {
    tail(m, r, MetricKind::MaxOffsetLag)
}

/// The scale a lag trend is drawn against, at least: the lag an idle topic may carry, and a
/// tenth of the ERR time threshold in messages at the topics' own pace over the window (the
/// largest offset lag over the largest time lag). A busy group's few seconds of wobble stay
/// low; a real rise still fills the cell.
fn lag_floor(m: &Model, rows: &[&ConsumerLagRow]) -> f64 {
    let most = |v: Vec<f64>| v.into_iter().fold(0.0, f64::max);
    let pace = rows
        .iter()
        .filter_map(|r| {
            let (offsets, seconds) = (most(trend(m, r)), most(tail(m, r, MetricKind::EstimatedMaxTimeLag)));
            (seconds > 0.0).then(|| offsets / seconds)
        })
        .fold(0.0, f64::max);
    m.settings.lag.idle_lag_max.max(pace * m.settings.lag.err_time_lag_seconds * 0.1)
}

/// Element-wise max of the topics' trends, aligned at their newest point.
fn group_trend(m: &Model, rows: &[&ConsumerLagRow]) -> Vec<f64> {
    let tails: Vec<Vec<f64>> = rows.iter().map(|r| trend(m, r)).collect();
    let len = tails.iter().map(Vec::len).max().unwrap_or(0);
    (0..len)
        .map(|i| {
            tails
                .iter()
                .filter_map(|t| t.len().checked_sub(len - i).map(|j| t[j]))
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .collect()
}

fn is_stale(m: &Model, r: &ConsumerLagRow) -> bool {
    let now = crate::ui::chrome::display_now(m);
    let old = |x: &Option<Reading>| x.is_some_and(|x| x.is_stale(now, m.stale_limit_secs()));
    m.status.region_stale(&r.region) || old(&r.max_offset_lag) || old(&r.estimated_max_time_lag)
}

pub fn render(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let inv = &m.fleet.inventory;
    let k = &m.fleet.kafka;
    let t = table(m);
    let hint = if inv.kafka_clusters.is_empty() {
        "No MSK clusters in these regions."
    } else {
        "No cluster or consumer group matches the filter."
    };
    let Some(body) = t.begin(m, ViewId::Kafka, theme, area, buf, ("consumer groups", hint)) else { return };
    let topic_shown = t.shown(&body, Col::Topic);
    let (text, muted) = (theme.style(Slot::Text), theme.style(Slot::Muted));
    let status_cell = |status: Option<LagStatus>, stale: bool| match status {
        None => Cell::new(MISSING, muted),
        Some(s) if stale => Cell::new(s.tag(), theme.style(Slot::Stale)),
        Some(s) => Cell::new(s.tag(), theme.severity(s.severity())),
    };
    for row in body.rows() {
        let (y, base) = (row.y, t.base(theme, row));
        let Some(&line) = m.kafka_lines.get(row.item) else { continue };
        let mut cells: Vec<(Col, Cell)> = Vec::new();
        let mut span: Option<(String, Style)> = None;
        match line {
            KafkaLine::Cluster(ci) => {
                let c = &k.clusters[ci];
                let Some(mc) = inv.kafka_clusters.get(c.index) else { continue };
                cells.push((Col::Name, Cell::new(format!("▣ {}", mc.name), theme.style(Slot::Accent))));
                let stale = m.status.region_stale(&mc.region);
                cells.push((Col::Status, status_cell(c.status, stale)));
                let groups = match c.groups.len() {
                    0 => String::new(),
                    1 => " · 1 group".into(),
                    n => format!(" · {n} groups"),
                };
                span = Some((format!("{}{groups}", cluster_facts(mc)), muted));
            }
            KafkaLine::Reason(ci) => {
                let reason = k.clusters[ci].no_metrics.clone().unwrap_or_default();
                let line = format!("  ⓘ {reason}");
                let a = body.area;
                buf.set_style(Rect { y, height: 1, ..a }, base);
                buf.set_stringn(
                    a.x,
                    y,
                    table::truncate(&line, usize::from(a.width)),
                    usize::from(a.width),
                    base.patch(muted),
                );
                continue;
            }
            KafkaLine::Group(gi) => {
                let g = &k.groups[gi];
                let rows: Vec<&ConsumerLagRow> = g.topics.iter().map(|&t| &k.consumers[t]).collect();
                let stale = rows.iter().any(|r| is_stale(m, r));
                let sev = if stale { theme.style(Slot::Stale) } else { theme.severity(g.status.severity()) };
                let topic = match rows.as_slice() {
                    [one] => one.id.topic.to_string(),
                    many => format!("{} topics", many.len()),
                };
                if topic_shown || rows.len() > 1 {
                    cells.push((Col::Name, Cell::new(format!("  {}", g.group), text)));
                    cells.push((Col::Topic, Cell::new(topic, muted)));
                } else {
                    cells.push((Col::Name, Cell::new(format!("  {} › {topic}", g.group), text)));
                }
                cells.push((Col::MaxLag, Cell::new(value(g.max_offset_lag, Unit::Count), text)));
                cells.push((Col::SumLag, Cell::new(value(g.sum_offset_lag, Unit::Count), muted)));
                cells.push((Col::TimeLag, Cell::new(value(g.time_lag, Unit::Seconds), sev)));
                cells.push((
                    Col::Trend,
                    Cell::new(spark(&group_trend(m, &rows), TREND, lag_floor(m, &rows)), sev),
                ));
                cells.push((Col::Status, status_cell(Some(g.status), stale)));
            }
            KafkaLine::Topic(t) => {
                let r = &k.consumers[t];
                let stale = is_stale(m, r);
                let sev = if stale { theme.style(Slot::Stale) } else { theme.severity(r.severity()) };
                if topic_shown {
                    cells.push((Col::Name, Cell::new("    └", muted)));
                    cells.push((Col::Topic, Cell::new(r.id.topic.clone(), text)));
                } else {
                    cells.push((Col::Name, Cell::new(format!("    └ {}", r.id.topic), text)));
                }
                cells.push((Col::MaxLag, Cell::new(format::reading(r.max_offset_lag.as_ref()), text)));
                cells.push((Col::SumLag, Cell::new(format::reading(r.sum_offset_lag.as_ref()), muted)));
                cells
                    .push((Col::TimeLag, Cell::new(format::reading(r.estimated_max_time_lag.as_ref()), sev)));
                cells.push((Col::Trend, Cell::new(spark(&trend(m, r), TREND, lag_floor(m, &[r])), sev)));
                cells.push((Col::Status, status_cell(Some(r.status()), stale)));
            }
        }
        t.draw_row(buf, &body, theme, row, cells);
        // A cluster's facts run from the column after NAME up to STATUS.
        if let (Some((text, style)), Some((nx, nw)), Some((sx, _))) =
            (span, t.x_of(&body, Col::Name), t.x_of(&body, Col::Status))
        {
            let first = nx + nw + 1;
            let width = usize::from(sx.saturating_sub(first + 1));
            buf.set_stringn(first, y, table::truncate(&text, width), width, base.patch(style));
        }
    }
}
