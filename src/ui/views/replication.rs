//! Replication: the topology as a tree (global primary -> secondaries, cluster writer ->
//! readers, source -> read replicas), each replication edge with its lag and a tiny trend.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::action::ViewId;
use crate::app::state::Model;
use crate::domain::format::MISSING;
use crate::domain::format::format_duration_secs;
use crate::domain::lag::ReplicationState;
use crate::domain::metrics::MetricKind;
use crate::domain::topology::{TopoNode, TreeLine};
use crate::ui::theme::{Slot, Theme};
use crate::ui::views::fleet::engine_label;
use crate::ui::views::table_view::TableView;
use crate::ui::widgets::sparkline::spark;
use crate::ui::widgets::table::{Cell, Column};

const TREND: usize = 12;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Topology,
    Region,
    Engine,
    Role,
    Lag,
    Trend,
}

fn table() -> TableView<Col> {
    TableView::new(vec![
        (Col::Topology, Column::new("TOPOLOGY", 34, 0).flex()),
        (Col::Region, Column::new("REGION", 14, 3)),
        (Col::Engine, Column::new("ENGINE", 16, 4)),
        (Col::Role, Column::new("ROLE", 10, 2)),
        (Col::Lag, Column::new("LAG", 9, 1).right()),
        (Col::Trend, Column::new("TREND", TREND as u16, 1)),
    ])
}

/// Indentation and branch glyphs for a line, given which ancestors still have siblings below.
fn prefix(lines: &[TreeLine], visible: &[usize], pos: usize) -> String {
    let line = &lines[visible[pos]];
    if line.depth == 0 {
        return String::new();
    }
    let mut s = String::new();
    for d in 1..line.depth {
        // Does an ancestor at depth d have a later sibling? Look ahead for a line at depth d
        // before any line at a shallower depth.
        let more = visible[pos + 1..].iter().map(|&i| lines[i].depth).take_while(|&x| x >= d).any(|x| x == d);
        s.push_str(if more { "│ " } else { "  " });
    }
    s.push_str(if line.last { "└─" } else { "├─" });
    s
}

pub fn render(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let t = table();
    let empty =
        ("replication topologies", "No read replicas, Aurora clusters or global databases were found.");
    let Some(body) = t.begin(m, ViewId::Replication, theme, area, buf, empty) else { return };
    let inv = &m.fleet.inventory;
    let text = theme.style(Slot::Text);
    let muted = theme.style(Slot::Muted);
    for row in body.rows() {
        let line = &m.fleet.tree[row.item];
        let pre = prefix(&m.fleet.tree, body.visible(), row.pos);
        let (name, region, engine, role, name_style) = match line.node {
            TopoNode::Global(g) => {
                let g = &inv.global_clusters[g];
                (
                    format!("◆ {} (global database)", g.id),
                    String::new(),
                    g.engine.clone(),
                    "global".to_string(),
                    theme.style(Slot::Title),
                )
            }
            TopoNode::Cluster(c) => {
                let c = &inv.clusters[c];
                let role = if line.edge_lag.is_some() {
                    "secondary"
                } else if c.global_cluster_id.is_some() {
                    "primary"
                } else {
                    "cluster"
                };
                (
                    format!("{pre}▣ {}", c.id),
                    c.region.clone(),
                    engine_label(&c.engine, &c.engine_version),
                    role.to_string(),
                    theme.style(Slot::Accent),
                )
            }
            TopoNode::Instance(i) => {
                let d = &inv.instances[i];
                // A blue/green deployment's green replicates from its blue: not a plain replica.
                match inv.blue_green.iter().find(|b| b.target_arn.as_deref() == Some(d.arn.as_str())) {
                    Some(b) => (
                        format!("{pre}{} (green of {})", d.id, b.name),
                        d.region.to_string(),
                        engine_label(&d.engine, &d.engine_version),
                        "green".to_string(),
                        theme.style(Slot::Accent),
                    ),
                    None => (
                        format!("{pre}{}", d.id),
                        d.region.to_string(),
                        engine_label(&d.engine, &d.engine_version),
                        d.role.label().to_string(),
                        text,
                    ),
                }
            }
        };
        let (lag, trend, lag_style) = match &line.edge_lag {
            None => (String::new(), String::new(), muted),
            Some(key) => {
                let series = m.fleet.history.get(key);
                let latest = series.and_then(|s| s.latest());
                let values: Vec<f64> = series.map(|s| s.tail_values(TREND).collect()).unwrap_or_default();
                let state = if key.kind == MetricKind::ReplicaLag {
                    ReplicationState::from_reading(true, latest)
                } else {
                    // Global database lag is never -1: missing or streaming.
                    latest.map_or(ReplicationState::NoData, |r| ReplicationState::Streaming { reading: r })
                };
                let text = match state {
                    ReplicationState::Stopped { .. } => "STOPPED".to_string(),
                    ReplicationState::Streaming { reading } => format_duration_secs(reading.value),
                    _ => MISSING.to_string(),
                };
                let stale = m.status.region_stale(&region);
                let style = if stale {
                    theme.style(Slot::Stale)
                } else {
                    theme.severity(state.severity(&m.settings.thresholds))
                };
                // Half the warn threshold: sub-second wobble stays low, a spike fills the cell.
                let floor = m.settings.thresholds.replica_lag_seconds.warn * 0.5;
                (text, spark(&values, TREND, floor), style)
            }
        };
        let cells = vec![
            (Col::Topology, Cell::new(name, name_style)),
            (Col::Region, Cell::new(region, muted)),
            (Col::Engine, Cell::new(engine, muted)),
            (Col::Role, Cell::new(role, muted)),
            (Col::Lag, Cell::new(lag, lag_style)),
            (Col::Trend, Cell::new(trend, lag_style)),
        ];
        t.draw_row(buf, &body, theme, row, cells);
    }
}
