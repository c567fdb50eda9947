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
use crate::ui::views::empty;
use crate::ui::widgets::sparkline::spark;
use crate::ui::widgets::table::{self, Cell, Column};

const TREND: usize = 12;
const NAME: usize = 0;
const TOPIC: usize = 1;
const STATUS: usize = 6;

fn columns(m: &Model) -> Vec<Column> {
    let mut cols = vec![
        Column::new("NAME", 20, 0).flex(),
        Column::new("TOPIC", 18, 1).flex(),
        Column::new("MAX LAG", 9, 1).right(),
        Column::new("SUM LAG", 9, 3).right(),
        Column::new("TIME LAG", 9, 0).right(),
        Column::new("TREND", TREND as u16, 2),
        Column::new("STATUS", 7, 0),
    ];
    let i = match m.kafka_sort() {
        KafkaSort::Group => NAME,
        KafkaSort::MaxLag => 2,
        KafkaSort::TimeLag => 4,
        KafkaSort::Severity => STATUS,
    };
    cols[i].title.push(if m.views[ViewId::Kafka].reverse { '▲' } else { '▼' });
    cols
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
    let old =
        |x: &Option<Reading>| x.is_some_and(|x| x.is_stale(now, m.settings.thresholds.stale_after_seconds));
    m.status.region_stale(&r.region) || old(&r.max_offset_lag) || old(&r.estimated_max_time_lag)
}

pub fn render(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let inv = &m.fleet.inventory;
    let k = &m.fleet.kafka;
    let cols = columns(m);
    let fitted = table::fit(&cols, area.width);
    table::draw_header(buf, area, &cols, &fitted, theme.style(Slot::Header));
    let body = Rect { y: area.y + 1, height: area.height.saturating_sub(1), ..area };
    let visible = &m.views[ViewId::Kafka].visible;
    if visible.is_empty() {
        let hint = if inv.kafka_clusters.is_empty() {
            "No MSK clusters in these regions."
        } else {
            "No cluster or consumer group matches the filter."
        };
        empty::no_rows(m, theme, body, buf, "consumer groups", hint);
    }
    let topic_shown = fitted.iter().any(|&(i, _)| i == TOPIC);
    // x and width of each fitted column, for text that spans columns.
    let mut xs = Vec::with_capacity(fitted.len());
    let mut x = area.x;
    for &(i, w) in &fitted {
        xs.push((i, x, w));
        x += w + 1;
    }
    let col_x = |i: usize| xs.iter().find(|c| c.0 == i).map(|c| (c.1, c.2));
    let cursor = m.views[ViewId::Kafka].cursor;
    let (text, muted) = (theme.style(Slot::Text), theme.style(Slot::Muted));
    let status_cell = |status: Option<LagStatus>, stale: bool| match status {
        None => Cell::new(MISSING, muted),
        Some(s) if stale => Cell::new(s.tag(), theme.style(Slot::Stale)),
        Some(s) => Cell::new(s.tag(), theme.severity(s.severity())),
    };
    for (row, pos) in (cursor.offset..visible.len()).take(m.rows_fit(body.height)).enumerate() {
        let y = body.y + row as u16 * m.row_step();
        let base = if pos == cursor.selected { theme.style(Slot::Selection) } else { Style::default() };
        let Some(&line) = m.kafka_lines.get(visible[pos]) else { continue };
        let mut cells = vec![Cell::new("", text); cols.len()];
        let mut span: Option<(String, Style)> = None;
        match line {
            KafkaLine::Cluster(ci) => {
                let c = &k.clusters[ci];
                let Some(mc) = inv.kafka_clusters.get(c.index) else { continue };
                cells[NAME] = Cell::new(format!("▣ {}", mc.name), theme.style(Slot::Accent));
                let stale = m.status.region_stale(&mc.region);
                cells[STATUS] = status_cell(c.status, stale);
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
                buf.set_style(Rect { y, height: 1, ..body }, base);
                buf.set_stringn(
                    body.x,
                    y,
                    table::truncate(&line, usize::from(body.width)),
                    usize::from(body.width),
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
                    [one] => one.id.topic.clone(),
                    many => format!("{} topics", many.len()),
                };
                if topic_shown || rows.len() > 1 {
                    cells[NAME] = Cell::new(format!("  {}", g.group), text);
                    cells[TOPIC] = Cell::new(topic, muted);
                } else {
                    cells[NAME] = Cell::new(format!("  {} › {topic}", g.group), text);
                }
                cells[2] = Cell::new(value(g.max_offset_lag, Unit::Count), text);
                cells[3] = Cell::new(value(g.sum_offset_lag, Unit::Count), muted);
                cells[4] = Cell::new(value(g.time_lag, Unit::Seconds), sev);
                cells[5] = Cell::new(spark(&group_trend(m, &rows), TREND, lag_floor(m, &rows)), sev);
                cells[STATUS] = status_cell(Some(g.status), stale);
            }
            KafkaLine::Topic(t) => {
                let r = &k.consumers[t];
                let stale = is_stale(m, r);
                let sev = if stale { theme.style(Slot::Stale) } else { theme.severity(r.severity()) };
                if topic_shown {
                    cells[NAME] = Cell::new("    └", muted);
                    cells[TOPIC] = Cell::new(r.id.topic.clone(), text);
                } else {
                    cells[NAME] = Cell::new(format!("    └ {}", r.id.topic), text);
                }
                cells[2] = Cell::new(format::reading(r.max_offset_lag.as_ref()), text);
                cells[3] = Cell::new(format::reading(r.sum_offset_lag.as_ref()), muted);
                cells[4] = Cell::new(format::reading(r.estimated_max_time_lag.as_ref()), sev);
                cells[5] = Cell::new(spark(&trend(m, r), TREND, lag_floor(m, &[r])), sev);
                cells[STATUS] = status_cell(Some(r.status()), stale);
            }
        }
        table::draw_row(buf, body, y, &cols, &fitted, &cells, base);
        // A cluster's facts run from the column after NAME up to STATUS.
        if let (Some((text, style)), Some(first)) = (span, xs.get(1))
            && let Some((sx, _)) = col_x(STATUS)
        {
            let width = usize::from(sx.saturating_sub(first.1 + 1));
            buf.set_stringn(first.1, y, table::truncate(&text, width), width, base.patch(style));
        }
    }
}
