//! One consumer group's detail on one topic: its cluster, its lag now, its status with the
//! evidence behind it, and its three lag charts.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::charts::stack_charts;
use super::{kv, reading_text, section, split};
use crate::app::state::Model;
use crate::domain::format::MISSING;
use crate::domain::kafka::lag_key;
use crate::domain::metrics::{MetricKind, SeriesKey};
use crate::domain::model::ConsumerGroupTopic;
use crate::ui::chrome::display_now;
use crate::ui::theme::{Slot, Theme};

pub fn consumer(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer, id: &ConsumerGroupTopic) {
    let now = display_now(m);
    let (left, right) = split(area);
    let text = theme.style(Slot::Text);
    let h = &m.fleet.history;
    let latest = |k: MetricKind| h.get(&lag_key(id, k)).and_then(|s| s.latest());
    let cluster = m.fleet.inventory.kafka_clusters.iter().find(|c| c.arn == id.cluster_arn);
    let mut lines = vec![
        Line::from(Span::styled(id.group.as_str(), theme.style(Slot::Title))),
        kv(theme, "topic", id.topic.clone(), text),
        kv(theme, "cluster", id.cluster_name.clone(), text),
    ];
    if let Some(c) = cluster {
        lines.push(kv(theme, "region", c.region.clone(), text));
        lines.push(kv(theme, "kafka", c.kafka_version.clone().unwrap_or_else(|| "serverless".into()), text));
    }
    lines.push(section(theme, "Now"));
    lines.push(kv(theme, "max lag", reading_text(latest(MetricKind::MaxOffsetLag), now), text));
    lines.push(kv(theme, "sum lag", reading_text(latest(MetricKind::SumOffsetLag), now), text));
    let row = m.fleet.kafka.consumers.iter().find(|c| &c.id == id);
    let sev = row.map(|c| c.severity());
    lines.push(kv(
        theme,
        "time lag",
        reading_text(latest(MetricKind::EstimatedMaxTimeLag), now),
        sev.map_or(text, |s| theme.severity(s)),
    ));
    if let Some(r) = row {
        lines.push(section(theme, "Status"));
        lines.push(kv(theme, "status", r.status().tag().to_string(), theme.severity(r.severity())));
        lines.push(Line::from(Span::styled(r.verdict.reason.clone(), text)));
        let muted = theme.style(Slot::Muted);
        lines.extend(r.verdict.evidence.iter().map(|e| Line::from(Span::styled(format!("· {e}"), muted))));
    }
    let region = cluster.map(|c| c.region.as_str()).unwrap_or_default();
    let alarms: Vec<&crate::domain::alarms::Alarm> = m
        .fleet
        .inventory
        .alarms
        .iter()
        .filter(|a| a.watches_consumer(region, &id.cluster_name, &id.group, &id.topic))
        .collect();
    if !alarms.is_empty() {
        lines.push(section(theme, "Alarms"));
        lines.extend(alarms.into_iter().map(|a| super::alarm_line(theme, a, now)));
    }
    Paragraph::new(lines).wrap(Wrap { trim: false }).render(left, buf);
    let key = |k: MetricKind| -> SeriesKey { lag_key(id, k) };
    let charts = vec![
        ("Max offset lag (offsets)".to_string(), h.get(&key(MetricKind::MaxOffsetLag)), None, Slot::Chart1),
        ("Sum offset lag (offsets)".to_string(), h.get(&key(MetricKind::SumOffsetLag)), None, Slot::Chart2),
        (
            "Estimated time lag (s)".to_string(),
            h.get(&key(MetricKind::EstimatedMaxTimeLag)),
            None,
            Slot::Chart3,
        ),
    ];
    stack_charts(m, theme, right, buf, &charts, &format!("{MISSING} no datapoints for this metric yet"), &[]);
}
