//! Drawing without a terminal: `render` points a one-poll model (see `session`) at a view
//! and draws it into a buffer.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::action::ViewId;
use crate::app::state::{Detail, Model};
use crate::app::update::apply_snapshot;
use crate::config::Config;
use crate::domain::metrics::MetricHistory;
use crate::source::demo::{DemoOptions, DemoSource};
use crate::ui::theme::Theme;

/// A model holding one demo poll as of `at` (three hours of history behind it), for tests
/// and benchmarks that need a whole fleet without a session.
pub fn demo_model(
    seed: u64,
    copies: usize,
    at: Timestamp,
    cfg: &Config,
    tz: TimeZone,
    themes: Vec<String>,
) -> Model {
    let mut source = DemoSource::new(DemoOptions { seed, copies, ..Default::default() }, at);
    let snapshot = source.snapshot_at(at);
    let mut model = Model::new(at, cfg.thresholds, tz, themes);
    // As the demo dashboard keeps it (`Setup::session`).
    model.fleet.history = MetricHistory::watching_now();
    model.settings.rules = cfg.rules.clone();
    model.settings.lag = cfg.kafka;
    apply_snapshot(&mut model, snapshot, at);
    model
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RenderError {
    #[error("unknown view '{0}' (fleet, replication, kafka, maintenance, findings, evidence, detail, help)")]
    View(String),
    #[error("no instance, consumer group or finding named '{0}'")]
    Select(String),
}

/// Point the model at a view (and, for `detail`, at a row) before rendering off-screen.
pub fn select_view(m: &mut Model, view: &str, select: Option<&str>) -> Result<(), RenderError> {
    let v = view.trim().to_ascii_lowercase();
    match v.as_str() {
        "help" => m.overlays.push(crate::app::overlay::Overlay::Help),
        // The Findings view with one finding's evidence open: the first of `select` (a
        // resource id, or `resource/rule`), else the worst.
        "evidence" => {
            m.view = ViewId::Findings;
            let (resource, rule) = match select {
                Some(s) => match s.split_once('/') {
                    Some((r, rule)) => (Some(r), Some(rule)),
                    None => (Some(s), None),
                },
                None => (None, None),
            };
            let visible = &m.views[ViewId::Findings].visible;
            let pos = visible
                .iter()
                .position(|&i| {
                    let f = &m.fleet.findings[i];
                    resource.is_none_or(|r| f.resource_id == r) && rule.is_none_or(|r| f.rule.as_str() == r)
                })
                .ok_or_else(|| RenderError::Select(select.unwrap_or("(any)").to_string()))?;
            m.views[ViewId::Findings].cursor.selected = pos;
            m.overlays.push(crate::app::overlay::Overlay::Evidence { scroll: 0 });
        }
        "detail" => {
            m.view = ViewId::Fleet;
            let inv = &m.fleet.inventory;
            let detail = match select {
                Some(name) => inv
                    .instances
                    .iter()
                    .find(|d| d.id == name)
                    .map(|d| Detail::Instance(d.arn.to_string()))
                    .or_else(|| {
                        inv.consumer_groups
                            .iter()
                            .find(|c| c.group == name)
                            .map(|c| Detail::Consumer(c.clone()))
                    })
                    .ok_or_else(|| RenderError::Select(name.to_string()))?,
                // The row the Fleet view shows first: the worst instance.
                None => {
                    let first = m.views[ViewId::Fleet].visible.first().and_then(|&r| m.fleet.rows.get(r));
                    let d = first
                        .map(|r| &inv.instances[r.index])
                        .ok_or_else(|| RenderError::Select("(any)".into()))?;
                    Detail::Instance(d.arn.to_string())
                }
            };
            m.overlays.push(crate::app::overlay::Overlay::Detail(detail));
        }
        _ => m.view = ViewId::parse(&v).ok_or(RenderError::View(view.to_string()))?,
    }
    Ok(())
}

/// Draw the model into a buffer of the given size.
pub fn render_buffer(m: &mut Model, theme: &Theme, size: (u16, u16)) -> Buffer {
    let area = Rect::new(0, 0, size.0, size.1);
    crate::app::update::update(m, crate::app::msg::Msg::Resize(size.0, size.1), m.now);
    let mut buf = Buffer::empty(area);
    crate::ui::render(m, theme, area, &mut buf);
    buf
}
