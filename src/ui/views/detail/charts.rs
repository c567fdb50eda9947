//! History charts: stacked in an area, each with time and value axes in its unit, a limit
//! line once the data nears it, and stopped replication marked apart.

use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, Widget};

use crate::app::state::Model;
use crate::domain::format::{self, format_duration_secs};
use crate::domain::metrics::{Series, Unit};
use crate::ui::theme::{Slot, Theme};

/// Charts stacked vertically, each taking an equal share of the area; `empty` is what a chart
/// without datapoints says.
pub(super) fn stack_charts(
    m: &Model,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
    charts: &[(String, Option<&Series>, Option<f64>, Slot)],
    empty: &str,
) {
    let n = charts.len().max(1) as u16;
    let each = area.height / n;
    for (i, (title, series, limit, slot)) in charts.iter().enumerate() {
        let y = area.y + each * i as u16;
        let height = if i as u16 == n - 1 { area.bottom() - y } else { each };
        let place = Rect { y, height, ..area };
        chart(m, theme, place, buf, Chart1 { title, series: *series, limit: *limit, slot: *slot, empty });
    }
}

/// One chart's content.
struct Chart1<'a> {
    title: &'a str,
    series: Option<&'a Series>,
    limit: Option<f64>,
    slot: Slot,
    empty: &'a str,
}

fn axis_value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Seconds => format_duration_secs(v),
        Unit::Percent => format!("{v:.0}%"),
        _ => format::value(v, unit),
    }
}

fn chart(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer, c: Chart1) {
    let Chart1 { title, series, limit, slot, empty } = c;
    let block = Block::default()
        .borders(Borders::TOP | Borders::LEFT)
        .title(Span::styled(format!(" {title} "), theme.style(Slot::Header)))
        .border_style(theme.style(Slot::Border));
    let Some(series) = series.filter(|s| !s.is_empty()) else {
        let inner = block.inner(area);
        block.render(area, buf);
        Paragraph::new(empty.to_string()).style(theme.style(Slot::Unknown)).render(inner, buf);
        return;
    };
    let pts: Vec<crate::domain::metrics::Point> = series.points().collect();
    let t0 = pts.first().map_or(0, |p| p.at.as_second());
    let t1 = pts.last().map_or(0, |p| p.at.as_second()).max(t0 + 60);
    let x = |t: Timestamp| (t.as_second() - t0) as f64;
    let values: Vec<(f64, f64)> = pts.iter().filter(|p| p.value >= 0.0).map(|p| (x(p.at), p.value)).collect();
    let stopped: Vec<(f64, f64)> = pts.iter().filter(|p| p.value < 0.0).map(|p| (x(p.at), 0.0)).collect();
    let unit = series.unit;
    // A flat zero series still gets a readable axis: at least one unit of span.
    let min_span = match unit {
        Unit::Seconds => 1.0,
        Unit::Bytes => 1024.0 * 1024.0,
        _ => 10.0,
    };
    let top = values.iter().map(|p| p.1).fold(0.0, f64::max).max(min_span);
    // Scale to the data; draw the limit line once the data reaches half of it.
    let show_limit = limit.filter(|l| top >= *l * 0.5);
    let y_max = show_limit.map_or(top, |l| l.max(top)) * 1.1;
    let limit_line: Vec<(f64, f64)> =
        show_limit.map(|l| vec![(0.0, l), ((t1 - t0) as f64, l)]).unwrap_or_default();
    let mut datasets = vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.style(slot))
            .data(&values),
    ];
    if !limit_line.is_empty() {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.style(Slot::Limit))
                .data(&limit_line),
        );
    }
    if !stopped.is_empty() {
        datasets.push(
            Dataset::default()
                .name("stopped")
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(theme.style(Slot::Crit))
                .data(&stopped),
        );
    }
    let ts = |s: i64| Timestamp::from_second(s).unwrap_or(Timestamp::UNIX_EPOCH);
    let x_labels = vec![
        Span::styled(format::local_time(ts(t0), &m.settings.tz)[..5].to_string(), theme.style(Slot::Muted)),
        Span::styled(format::local_time(ts(t1), &m.settings.tz)[..5].to_string(), theme.style(Slot::Muted)),
    ];
    let y_labels = vec![
        Span::styled(axis_value(0.0, unit), theme.style(Slot::Muted)),
        Span::styled(axis_value(y_max / 2.0, unit), theme.style(Slot::Muted)),
        Span::styled(axis_value(y_max, unit), theme.style(Slot::Muted)),
    ];
    Chart::new(datasets)
        .block(block)
        .x_axis(
            Axis::default().bounds([0.0, (t1 - t0) as f64]).labels(x_labels).style(theme.style(Slot::Border)),
        )
        .y_axis(Axis::default().bounds([0.0, y_max]).labels(y_labels).style(theme.style(Slot::Border)))
        .hidden_legend_constraints((
            ratatui::layout::Constraint::Ratio(1, 2),
            ratatui::layout::Constraint::Ratio(1, 2),
        ))
        .render(area, buf);
}
