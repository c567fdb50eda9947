//! History charts: stacked in an area, each with time and value axes in its unit, a limit
//! line once the data nears it, stopped replication marked apart, and events (a failover, a
//! restart) as vertical lines at their minute with a legend under the charts.

use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::Span;
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, Widget};

use crate::app::state::Model;
use crate::domain::events::EventKind;
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
    events: &[(Timestamp, EventKind)],
) {
    // The charts' time span (the longest series), for the legend: events outside it are not
    // drawn, so not listed either.
    let span = charts
        .iter()
        .filter_map(|c| c.1.filter(|s| !s.is_empty()))
        .filter_map(|s| Some((s.points().next()?.at, s.points().last()?.at)))
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    let shown: Vec<(Timestamp, EventKind)> = match span {
        Some((t0, t1)) => events.iter().copied().filter(|(t, _)| (t0..=t1).contains(t)).collect(),
        None => Vec::new(),
    };
    // Where the charts' ten-minute blocks end (a live dashboard's hours before the newest).
    let blocks_until = charts.iter().filter_map(|c| c.1?.blocks_until()).max();
    let mut area = area;
    if (!shown.is_empty() || blocks_until.is_some()) && area.height > 4 {
        area.height -= 1;
        legend(m, theme, Rect { y: area.bottom(), height: 1, ..area }, buf, blocks_until, &shown);
    }
    let n = charts.len().max(1) as u16;
    let each = area.height / n;
    for (i, (title, series, limit, slot)) in charts.iter().enumerate() {
        let y = area.y + each * i as u16;
        let height = if i as u16 == n - 1 { area.bottom() - y } else { each };
        let place = Rect { y, height, ..area };
        chart(
            m,
            theme,
            place,
            buf,
            Chart1 { title, series: *series, limit: *limit, slot: *slot, empty, events: &shown },
        );
    }
}

/// `10-min low/high to 14:37 · events │ 03:49 failover+restart  │ 04:34 failover …`: what the
/// charts draw before their newest hour, when it is blocks; then the markers' times and kinds
/// in their colours, events within three minutes of each other as one entry (a failover comes
/// as started, restarted, completed).
fn legend(
    m: &Model,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
    blocks_until: Option<Timestamp>,
    events: &[(Timestamp, EventKind)],
) {
    let mut spans = Vec::new();
    if let Some(t) = blocks_until {
        // Blocks are of periods; a dashboard watching now asks every series a minute apart.
        let until = &format::local_time(t, &m.settings.tz)[..5];
        spans.push(Span::styled(
            format!(" {}-min low/high to {until} ", crate::domain::metrics::BLOCK_PERIODS),
            theme.style(Slot::Muted),
        ));
        if events.is_empty() {
            ratatui::text::Line::from(spans).render(area, buf);
            return;
        }
        spans.push(Span::styled("·", theme.style(Slot::Muted)));
    }
    let mut groups: Vec<(Timestamp, Vec<EventKind>)> = Vec::new();
    for &(t, kind) in events {
        match groups.last_mut() {
            Some((start, kinds)) if t.as_second() - start.as_second() <= 180 => {
                if !kinds.contains(&kind) {
                    kinds.push(kind);
                }
            }
            _ => groups.push((t, vec![kind])),
        }
    }
    spans.push(Span::styled(" events ", theme.style(Slot::Header)));
    let skipped = groups.len().saturating_sub(5);
    for (t, kinds) in groups.iter().skip(skipped) {
        let worst =
            kinds.iter().map(|k| crate::ui::views::events::kind_slot(*k)).next().unwrap_or(Slot::Muted);
        let names: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
        spans.push(Span::styled("│ ", theme.style(worst)));
        spans.push(Span::styled(
            format!("{} {}  ", &format::local_time(*t, &m.settings.tz)[..5], names.join("+")),
            theme.style(Slot::Muted),
        ));
    }
    if skipped > 0 {
        spans.push(Span::styled(format!("(+{skipped} earlier)"), theme.style(Slot::Muted)));
    }
    ratatui::text::Line::from(spans).render(area, buf);
}

/// One chart's content.
struct Chart1<'a> {
    title: &'a str,
    series: Option<&'a Series>,
    limit: Option<f64>,
    slot: Slot,
    empty: &'a str,
    events: &'a [(Timestamp, EventKind)],
}

fn axis_value(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Seconds => format_duration_secs(v),
        Unit::Percent => format!("{v:.0}%"),
        _ => format::value(v, unit),
    }
}

fn chart(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer, c: Chart1) {
    let Chart1 { title, series, limit, slot, empty, events } = c;
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
    let unit = series.unit();
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
    // Events: a tick down from the top at their minute, in their kind's colour (short, so the
    // dip or spike under it stays visible).
    let marks: Vec<([(f64, f64); 2], Slot)> = events
        .iter()
        .filter(|(t, _)| (t0..=t1).contains(&t.as_second()))
        .map(|(t, k)| ([(x(*t), y_max * 0.86), (x(*t), y_max)], crate::ui::views::events::kind_slot(*k)))
        .collect();
    for (line, slot) in &marks {
        datasets.push(
            Dataset::default()
                .marker(Marker::Braille)
                .graph_type(GraphType::Line)
                .style(theme.style(*slot))
                .data(line),
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
