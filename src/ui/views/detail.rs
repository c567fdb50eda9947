//! Detail: every attribute of one instance (or consumer group), and history charts with
//! axes and units. Missing data is said to be missing, with no line drawn at zero.

use jiff::Timestamp;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Chart, Dataset, GraphType, Paragraph, Widget, Wrap};

use crate::app::state::Model;
use crate::domain::fleet::{InstanceRow, NextWindow};
use crate::domain::format::format_duration_secs;
use crate::domain::format::{self, MISSING};
use crate::domain::kafka::lag_key;
use crate::domain::lag::ReplicationState;
use crate::domain::metrics::{MetricKind, Series, SeriesKey, Unit};
use crate::domain::model::ConsumerGroupTopic;
use crate::ui::chrome::display_now;
use crate::ui::theme::{Slot, Theme};

fn kv<'a>(theme: &Theme, k: &str, v: impl Into<String>, style: Style) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:<14} "), theme.style(Slot::Muted)),
        Span::styled(v.into(), style),
    ])
}

fn section<'a>(theme: &Theme, title: &str) -> Line<'a> {
    Line::from(Span::styled(title.to_string(), theme.style(Slot::Header)))
}

fn reading_text(r: Option<crate::domain::metrics::Reading>, now: Timestamp) -> String {
    match r {
        Some(r) => format!("{} ({} ago)", format::value(r.value, r.unit), format::age(r.age_secs(now))),
        None => format!("{MISSING} no datapoint"),
    }
}

fn split(area: Rect) -> (Rect, Rect) {
    let left_w = (area.width * 42 / 100).clamp(34, 56).min(area.width);
    let left = Rect { width: left_w, ..area };
    let right = Rect { x: area.x + left_w, width: area.width - left_w, ..area };
    (left, right)
}

pub fn instance(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer, arn: &str) {
    let inv = &m.fleet.inventory;
    let Some(row) = m.fleet.rows.iter().find(|r| inv.instances[r.index].arn == arn) else {
        let msg = format!("{arn} is no longer in the inventory (deleted or renamed). Esc goes back.");
        Paragraph::new(msg).style(theme.style(Slot::Warn)).wrap(Wrap { trim: true }).render(area, buf);
        return;
    };
    let d = &inv.instances[row.index];
    let now = display_now(m);
    let (left, right) = split(area);
    let text = theme.style(Slot::Text);
    let warn = theme.style(Slot::Warn);
    // Most urgent first: what it is doing now, then where it sits, then what is scheduled.
    let mut lines = vec![Line::from(vec![
        Span::styled(d.id.clone(), theme.style(Slot::Title)),
        Span::styled(format!("  {} · {}", d.role.label(), d.region), theme.style(Slot::Muted)),
    ])];
    let cluster = inv.cluster_of(d);
    if row.activity != crate::domain::status::Activity::Running {
        lines.push(kv(theme, "status", status_text(d, row, m), warn));
    }
    let neptune = d.family() == crate::domain::model::EngineFamily::Neptune;
    let quiet = |r: Option<crate::domain::metrics::Reading>| match r {
        None if !row.activity.publishes_metrics() => format!("none while {}", d.status),
        r => reading_text(r, now),
    };
    let connections = if neptune && row.connections.is_none() {
        "n/a (Neptune publishes no DatabaseConnections)".to_string()
    } else {
        quiet(row.connections)
    };
    lines.push(kv(theme, "connections", connections, theme.severity(row.connections_severity)));
    if let Some(mx) = &row.max_connections {
        let style = if mx.caveat.is_some() { warn } else { text };
        lines.push(kv(theme, "max conns", crate::domain::capacity::describe(mx, d, cluster), style));
    }
    if let Some(g) = d.parameter_group.as_ref().filter(|g| g.pending_reboot()) {
        lines.push(kv(theme, "param group", format!("{}: changes wait for a reboot", g.name), warn));
    }
    if let Some(range) = row.acu_range {
        let now_acu = row.capacity.map_or_else(
            || format!("{MISSING} no datapoint"),
            |c| format!("{} ({} ago)", format::acu(c.value), format::age(c.age_secs(now))),
        );
        let style = if row.minutes_at_max_acu > 0 { warn } else { text };
        lines.push(kv(theme, "capacity", now_acu, style));
        lines.push(kv(
            theme,
            "ACU range",
            format!("{} to {}", format::acu(range.min), format::acu(range.max)),
            text,
        ));
    }
    lines.push(kv(theme, "cpu", quiet(row.cpu), theme.severity(row.cpu_severity)));
    match row.replication {
        ReplicationState::NotReplica => {}
        ReplicationState::NoData => lines.push(kv(
            theme,
            "replica lag",
            format!("{MISSING} no datapoint"),
            theme.style(Slot::Unknown),
        )),
        ReplicationState::Stopped { reading } => lines.push(kv(
            theme,
            "replica lag",
            format!("STOPPED (-1, {} ago)", format::age(reading.age_secs(now))),
            theme.style(Slot::Crit),
        )),
        ReplicationState::Streaming { reading } => lines.push(kv(
            theme,
            "replica lag",
            reading_text(Some(reading), now),
            theme.severity(row.lag_severity),
        )),
    }
    if let Some(r) = m.fleet.history.latest(&d.arn, MetricKind::FreeStorage) {
        lines.push(kv(theme, "free storage", reading_text(Some(r), now), text));
    }
    lines.push(section(theme, "Topology"));
    if let Some(s) = &d.replica_source {
        lines.push(kv(theme, "replica of", s.rsplit(':').next().unwrap_or(s).to_string(), text));
    }
    if let Some(c) = &d.cluster_id {
        let kind = cluster.map_or(String::new(), |c| format!(" ({})", c.kind().label()));
        lines.push(kv(theme, "cluster", format!("{c}{kind}"), text));
    }
    if !d.replicas.is_empty() {
        let names: Vec<&str> = d.replicas.iter().map(|r| r.rsplit(':').next().unwrap_or(r)).collect();
        lines.push(kv(theme, "replicas", format!("{} ({})", names.len(), names.join(", ")), text));
    }
    let standby = match (d.multi_az, &d.secondary_az) {
        (true, Some(az)) => format!("Multi-AZ, standby in {az}"),
        (true, None) => "Multi-AZ".to_string(),
        (false, _) => row.failover.label().to_string(),
    };
    let single_writer = row.failover == crate::domain::fleet::Failover::None && d.role.takes_writes();
    lines.push(kv(theme, "failover", standby, if single_writer { warn } else { text }));
    lines.push(kv(theme, "az", d.availability_zone.clone().unwrap_or_else(|| MISSING.into()), text));
    lines.push(kv(theme, "engine", format!("{} {}", d.engine, d.engine_version), text));
    lines.push(kv(theme, "class", d.class.clone(), text));
    if row.activity == crate::domain::status::Activity::Running {
        lines.push(kv(theme, "status", d.status.clone(), if d.status == "available" { text } else { warn }));
    }
    let mine: Vec<&crate::domain::findings::Finding> = m
        .fleet
        .findings
        .iter()
        .map(|f| &**f)
        .filter(|f| {
            f.region == d.region && (f.resource_id == d.id || d.cluster_id.as_ref() == Some(&f.resource_id))
        })
        .collect();
    if !mine.is_empty() {
        lines.push(section(theme, "Findings (5 lists them all)"));
        for f in mine {
            lines.push(Line::from(vec![
                Span::styled(format!("{:<5}", f.severity.tag()), theme.severity(f.severity)),
                Span::styled(format!("{} ", f.rule), theme.style(Slot::Muted)),
                Span::styled(f.message.clone(), text),
            ]));
        }
    }
    lines.push(section(theme, "Maintenance"));
    let amvu = match (d.auto_minor_version_upgrade, &d.auto_upgrade_target) {
        (true, Some(t)) => format!("on → {t} at next window"),
        (true, None) => "on".to_string(),
        (false, _) => "off".to_string(),
    };
    lines.push(kv(theme, "auto minor upg", amvu, if d.auto_minor_version_upgrade { warn } else { text }));
    match &row.next_window {
        NextWindow::At(o) => lines.push(kv(
            theme,
            "next window",
            format!(
                "{} ({})",
                format::local_date_time(o.start, &m.settings.tz),
                format::relative(o.start, now)
            ),
            text,
        )),
        NextWindow::Invalid(e) => lines.push(kv(theme, "next window", e.clone(), warn)),
        NextWindow::None => {}
    }
    lines.push(kv(
        theme,
        "window (UTC)",
        d.maintenance_window.clone().unwrap_or_else(|| MISSING.into()),
        text,
    ));
    let pm = &d.pending_modified;
    if let Some(v) = &pm.engine_version {
        lines.push(kv(theme, "pending ver", v.clone(), warn));
    }
    if let Some(c) = &pm.class {
        lines.push(kv(theme, "pending class", c.clone(), warn));
    }
    if let Some(maz) = pm.multi_az {
        lines.push(kv(theme, "pending maz", if maz { "on" } else { "off" }, warn));
    }
    for a in inv.pending_actions.iter().filter(|a| a.resource_arn == d.arn) {
        let when = a
            .forced_apply
            .map(|t| format!("forced {}", format::relative(t, now)))
            .or_else(|| {
                a.auto_applied_after
                    .map(|t| format!("auto after {}", format::local_date_time(t, &m.settings.tz)))
            })
            .unwrap_or_else(|| "next window, opt-in".into());
        lines.push(kv(theme, "⚑ pending", format!("{} · {when}", a.action), warn));
    }
    lines.push(section(theme, "Identity"));
    lines.push(kv(theme, "account", d.account.clone(), text));
    lines.push(kv(theme, "arn", d.arn.clone(), theme.style(Slot::Muted)));
    if !d.tags.is_empty() {
        let tags: Vec<String> = d.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
        lines.push(kv(theme, "tags", tags.join(" "), theme.style(Slot::Muted)));
    }
    Paragraph::new(lines).wrap(Wrap { trim: false }).render(left, buf);
    instance_charts(m, theme, right, buf, d, row);
}

/// What a status other than serving means: stopped (and when AWS starts it again), being
/// created or deleted (no datapoints yet), or an outage.
fn status_text(d: &crate::domain::model::DbInstance, row: &InstanceRow, m: &Model) -> String {
    use crate::domain::status::{Activity, auto_start_at};
    match row.activity {
        Activity::Stopped => match auto_start_at(row.stopped_since) {
            Some(t) => format!(
                "{}: no datapoints; AWS starts it again around {} (7 days after it stopped)",
                d.status,
                format::local_date_time(t, &m.settings.tz)
            ),
            None => format!("{}: no datapoints; AWS starts it again 7 days after it stopped", d.status),
        },
        Activity::Starting | Activity::Deleting => format!("{}: no datapoints expected yet", d.status),
        Activity::Broken => format!("{}: not serving", d.status),
        Activity::Running => d.status.clone(),
    }
}

fn instance_charts(
    m: &Model,
    theme: &Theme,
    area: Rect,
    buf: &mut Buffer,
    d: &crate::domain::model::DbInstance,
    row: &InstanceRow,
) {
    let h = &m.fleet.history;
    let arn = d.arn.as_str();
    let mut charts: Vec<(String, Option<&Series>, Option<f64>, Slot)> = Vec::new();
    if row.replication != ReplicationState::NotReplica {
        charts.push(("Replica lag (s)".into(), h.series(arn, MetricKind::ReplicaLag), None, Slot::Chart1));
    }
    if let Some(range) = row.acu_range {
        let title = format!("Capacity (ACU; max {})", format::acu_number(range.max));
        charts.push((title, h.series(arn, MetricKind::ServerlessCapacity), Some(range.max), Slot::Chart1));
    }
    let limit = row.max_connections.map(|x| f64::from(x.value));
    let conn_title = match row.max_connections {
        Some(x) if x.estimated => format!("Connections (count; max ~{} est.)", x.value),
        Some(x) => format!("Connections (count; max {})", x.value),
        None => "Connections (count)".to_string(),
    };
    if d.family() != crate::domain::model::EngineFamily::Neptune {
        charts.push((conn_title, h.series(arn, MetricKind::Connections), limit, Slot::Chart2));
    }
    charts.push(("CPU (%)".into(), h.series(arn, MetricKind::CpuPercent), Some(100.0), Slot::Chart3));
    // A stopped or still-creating instance has no datapoints by design: say so.
    let empty = if row.activity.publishes_metrics() {
        format!("{MISSING} no datapoints for this metric yet")
    } else {
        format!("none while {}", d.status)
    };
    stack_charts(m, theme, area, buf, &charts, &empty);
}

/// Charts stacked vertically, each taking an equal share of the area; `empty` is what a chart
/// without datapoints says.
fn stack_charts(
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

pub fn consumer(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer, id: &ConsumerGroupTopic) {
    let now = display_now(m);
    let (left, right) = split(area);
    let text = theme.style(Slot::Text);
    let h = &m.fleet.history;
    let latest = |k: MetricKind| h.get(&lag_key(id, k)).and_then(|s| s.latest());
    let cluster = m.fleet.inventory.kafka_clusters.iter().find(|c| c.arn == id.cluster_arn);
    let mut lines = vec![
        Line::from(Span::styled(id.group.clone(), theme.style(Slot::Title))),
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
    stack_charts(m, theme, right, buf, &charts, &format!("{MISSING} no datapoints for this metric yet"));
}
