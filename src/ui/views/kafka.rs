//! Kafka: MSK consumer lag per cluster, consumer group and topic, and clusters that publish
//! no lag metrics, with the reason.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::action::ViewId;
use crate::app::state::{KafkaSort, Model};
use crate::domain::kafka::no_lag_metrics_reason;
use crate::domain::metrics::MetricKind;
use crate::ui::format;
use crate::ui::theme::{Slot, Theme};
use crate::ui::views::empty;
use crate::ui::widgets::sparkline::spark;
use crate::ui::widgets::table::{self, Cell, Column};

const TREND: usize = 12;

fn columns(m: &Model) -> Vec<Column> {
    let mut cols = vec![
        Column::new("CLUSTER", 14, 3),
        Column::new("GROUP", 18, 0).flex(),
        Column::new("TOPIC", 18, 1),
        Column::new("MAX LAG", 9, 1).right(),
        Column::new("SUM LAG", 9, 3).right(),
        Column::new("TIME LAG", 9, 0).right(),
        Column::new("TREND", TREND as u16, 2),
        Column::new("SEV", 4, 0),
    ];
    let i = match m.kafka_sort {
        KafkaSort::Group => 1,
        KafkaSort::MaxLag => 3,
        KafkaSort::TimeLag => 5,
        KafkaSort::Severity => 7,
    };
    cols[i].title.push(if m.reverse { '▲' } else { '▼' });
    cols
}

pub fn render(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let inv = &m.fleet.inventory;
    let silent: Vec<String> = inv
        .kafka_clusters
        .iter()
        .filter_map(|c| no_lag_metrics_reason(c).map(|r| format!("{} ({}): {r}", c.name, c.region)))
        .collect();
    let notes = (silent.len() as u16).min(area.height / 3);
    let table_area = Rect { height: area.height - notes, ..area };
    let cols = columns(m);
    let fitted = table::fit(&cols, table_area.width);
    table::draw_header(buf, table_area, &cols, &fitted, theme.style(Slot::Header));
    let body = Rect { y: table_area.y + 1, height: table_area.height.saturating_sub(1), ..table_area };
    let visible = &m.visible[ViewId::Kafka.index()];
    if visible.is_empty() {
        let hint = if inv.kafka_clusters.is_empty() {
            "No MSK clusters in these regions."
        } else {
            "No consumer-lag metrics found (AWS/Kafka publishes them for groups that are STABLE or EMPTY with commits)."
        };
        empty::no_rows(m, theme, body, buf, "consumer groups", hint);
    }
    let cursor = m.cursors[ViewId::Kafka.index()];
    let muted = theme.style(Slot::Muted);
    for (k, pos) in (cursor.offset..visible.len()).take(usize::from(body.height)).enumerate() {
        let r = &m.fleet.consumers[visible[pos]];
        let now = crate::ui::chrome::display_now(m);
        let stale = m.status.region_stale(&r.region)
            || r.estimated_max_time_lag.is_some_and(|x| x.is_stale(now, m.thresholds.stale_after_seconds));
        let sev_style = if stale { theme.style(Slot::Stale) } else { theme.severity(r.severity) };
        let values: Vec<f64> = m
            .fleet
            .history
            .consumer(&r.id.cluster_arn, &r.id.group, &r.id.topic, MetricKind::MaxOffsetLag)
            .map(|s| s.tail_values(TREND).collect())
            .unwrap_or_default();
        let cells = vec![
            Cell::new(r.id.cluster_name.clone(), muted),
            Cell::new(r.id.group.clone(), theme.style(Slot::Text)),
            Cell::new(r.id.topic.clone(), muted),
            Cell::new(format::reading(r.max_offset_lag.as_ref()), theme.style(Slot::Text)),
            Cell::new(format::reading(r.sum_offset_lag.as_ref()), muted),
            Cell::new(format::reading(r.estimated_max_time_lag.as_ref()), sev_style),
            Cell::new(spark(&values, TREND), sev_style),
            Cell::new(r.severity.tag(), sev_style),
        ];
        let base = if pos == cursor.selected { theme.style(Slot::Selection) } else { Style::default() };
        table::draw_row(buf, body, body.y + k as u16, &cols, &fitted, &cells, base);
    }
    for (i, s) in silent.iter().take(usize::from(notes)).enumerate() {
        let y = table_area.bottom() + i as u16;
        Line::from(vec![Span::styled(" ⓘ ", theme.style(Slot::Accent)), Span::styled(s.clone(), muted)])
            .render(Rect { y, height: 1, ..area }, buf);
    }
}
