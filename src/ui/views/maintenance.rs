//! Maintenance: the next 7 days as a timeline in the display time zone. One row per instance
//! with a window or pending maintenance, by next event: its windows (█), its learned peak
//! hours behind them (░), pending actions' auto-apply (◇) and forced (◆) dates, now (│);
//! risky ones in their finding's colour. Next event and what is queued on the right.

use jiff::{Timestamp, ToSpan};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::action::ViewId;
use crate::app::state::Model;
use crate::domain::format;
use crate::domain::maintenance::{WindowOccurrence, minute_of_week};
use crate::domain::model::DbInstance;
use crate::domain::severity::Severity;
use crate::ui::chrome::display_now;
use crate::ui::theme::{Slot, Theme};
use crate::ui::views::table_view::TableView;
use crate::ui::widgets::table::{Cell, Column};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Marker,
    Instance,
    Timeline,
    Next,
    Queued,
}

/// The 7 days shown: from the start of the local day containing `now`.
fn range(now: Timestamp, m: &Model) -> (Timestamp, Timestamp) {
    let z = now.to_zoned(m.settings.tz.clone());
    let start = z.start_of_day().unwrap_or_else(|_| z.clone());
    let end = start.checked_add(7.days()).unwrap_or_else(|_| start.clone());
    (start.timestamp(), end.timestamp())
}

/// Column of the timeline (`width` cells over `[t0, t1)`) an instant falls in.
fn cell_of(t: Timestamp, t0: Timestamp, t1: Timestamp, width: u16) -> Option<u16> {
    if t < t0 || t >= t1 || width == 0 {
        return None;
    }
    let span = (t1.as_second() - t0.as_second()) as f64;
    Some((((t.as_second() - t0.as_second()) as f64 / span) * f64::from(width)).floor() as u16)
}

fn occurrences(m: &Model, i: usize, t0: Timestamp, t1: Timestamp) -> Vec<WindowOccurrence> {
    let Some(Some(Ok(w))) = m.fleet.statics.get(i).map(|s| &s.window) else { return Vec::new() };
    let mut out = Vec::new();
    let mut o = w.next_occurrence(t0);
    while o.start < t1 && out.len() < 8 {
        out.push(o);
        match o.end.checked_add(jiff::SignedDuration::from_secs(1)) {
            Ok(after) => o = w.next_occurrence(after),
            Err(_) => break,
        }
    }
    out
}

fn risk_style(theme: &Theme, sev: Option<Severity>, d: &DbInstance) -> Style {
    match sev {
        Some(Severity::Critical) => theme.style(Slot::Crit),
        Some(Severity::Warning) => theme.style(Slot::Warn),
        _ if d.auto_minor_version_upgrade => theme.style(Slot::Accent),
        _ => theme.style(Slot::Text),
    }
}

pub fn render(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let now = display_now(m);
    let (t0, t1) = range(now, m);
    let t = TableView::new(vec![
        (Col::Marker, Column::new(" ", 1, 0)),
        (
            Col::Instance,
            Column::new(if m.maintenance_by_risk() { "INSTANCE ▼risk" } else { "INSTANCE" }, 18, 0),
        ),
        (Col::Timeline, Column::new("", 28, 0).flex()),
        (Col::Next, Column::new(format!("NEXT {}", format::tz_abbrev(now, &m.settings.tz)), 19, 1)),
        (Col::Queued, Column::new("QUEUED", 22, 2)),
    ]);
    let empty = ("maintenance", "No instance has a maintenance window or pending action.");
    let body = t.begin(m, ViewId::Maintenance, theme, area, buf, empty);
    let Some((tx, tw)) = t.x_in(area, Col::Timeline) else { return };
    // Day labels at local midnights; a tick for now.
    let mut day = t0.to_zoned(m.settings.tz.clone());
    while day.timestamp() < t1 {
        if let Some(c) = cell_of(day.timestamp(), t0, t1, tw) {
            let label = day.strftime("%a %d").to_string();
            let room = tw.saturating_sub(c) as usize;
            let label = if tw < 56 { day.strftime("%a").to_string() } else { label };
            buf.set_stringn(tx + c, area.y, format!("┆{label}"), room, theme.style(Slot::Header));
        }
        match day.checked_add(1.day()) {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    let now_col = cell_of(now, t0, t1, tw);

    let Some(body) = body else { return };
    let inv = &m.fleet.inventory;
    let muted = theme.style(Slot::Muted);
    let text = theme.style(Slot::Text);
    let midnights: Vec<u16> = {
        let mut v = Vec::new();
        let mut d = t0.to_zoned(m.settings.tz.clone());
        while let Ok(n) = d.checked_add(1.day()) {
            if n.timestamp() >= t1 {
                break;
            }
            v.extend(cell_of(n.timestamp(), t0, t1, tw));
            d = n;
        }
        v
    };
    let cell_secs = (t1.as_second() - t0.as_second()) as f64 / f64::from(tw.max(1));
    for row in body.rows() {
        let (i, y) = (row.item, row.y);
        let d = &inv.instances[i];
        let marks = m.fleet.marks.get(i).copied().unwrap_or_default();
        let risk = risk_style(theme, marks.maintenance, d);
        let actions: Vec<&crate::domain::model::PendingAction> =
            inv.pending_actions.iter().filter(|a| a.resource_arn == d.arn).collect();
        let occ = occurrences(m, i, t0, t1);
        let next_window = match &m.fleet.rows[i].next_window {
            crate::domain::fleet::NextWindow::At(o) => Some(*o),
            _ => None,
        };
        let next_action = actions
            .iter()
            .flat_map(|a| [a.auto_applied_after, a.forced_apply].into_iter().flatten())
            .filter(|t| *t >= now)
            .min();
        let next = match (next_window, next_action) {
            (Some(o), Some(a)) if a < o.start => Some(a),
            (Some(o), _) if o.contains(now) => Some(now),
            (Some(o), _) => Some(o.start),
            (None, a) => a,
        };
        let next_text = match next {
            Some(t) if t == now => "NOW".to_string(),
            Some(t) => format!("{} {}", format::local_day_time(t, &m.settings.tz), format::relative(t, now)),
            None => "—".to_string(),
        };
        let mut queued: Vec<String> = Vec::new();
        if d.auto_minor_version_upgrade {
            queued.push(match &d.auto_upgrade_target {
                Some(t) => format!("auto→{t}"),
                None => "auto-upg".into(),
            });
        }
        if let Some(v) = &d.pending_modified.engine_version {
            queued.push(format!("→{v}"));
        }
        queued.extend(actions.iter().map(|a| a.action.clone()));
        let marker = match marks.maintenance {
            Some(Severity::Critical | Severity::Warning) => "▲",
            Some(Severity::Info) => "·",
            _ => " ",
        };
        let base = t.base(theme, row);
        let cells = vec![
            (Col::Marker, Cell::new(marker, marks.maintenance.map_or(muted, |s| theme.severity(s)))),
            (
                Col::Instance,
                Cell::new(
                    d.id.clone(),
                    if marks.maintenance >= Some(Severity::Warning) { risk } else { text },
                ),
            ),
            (Col::Next, Cell::new(next_text, if next == Some(now) { theme.style(Slot::Crit) } else { text })),
            (
                Col::Queued,
                Cell::new(queued.join(" "), if actions.is_empty() { muted } else { theme.style(Slot::Warn) }),
            ),
        ];
        t.draw_row(buf, &body, theme, row, cells);

        // The timeline: peak shading, day ticks, windows, action dates, now.
        let peaks = m.fleet.peaks.get(i).and_then(Option::as_ref);
        for c in 0..tw {
            let mid = t0.as_second() + ((f64::from(c) + 0.5) * cell_secs) as i64;
            let peak = peaks.is_some_and(|p| {
                Timestamp::from_second(mid).is_ok_and(|t| p.is_peak((minute_of_week(t) / 60) as usize))
            });
            let (g, st) = if peak {
                ("░", muted)
            } else if midnights.contains(&c) {
                ("┆", theme.style(Slot::Border))
            } else {
                ("·", theme.style(Slot::Border))
            };
            buf.set_string(tx + c, y, g, base.patch(st));
        }
        for o in &occ {
            let a = cell_of(o.start.max(t0), t0, t1, tw);
            let b = cell_of(
                o.end.min(t1).checked_sub(jiff::SignedDuration::from_secs(1)).unwrap_or(o.end),
                t0,
                t1,
                tw,
            );
            if let (Some(a), Some(b)) = (a, b.or(Some(tw - 1))) {
                for c in a..=b.min(tw - 1) {
                    buf.set_string(tx + c, y, "█", base.patch(risk));
                }
            }
        }
        for a in &actions {
            if let Some(c) = a.auto_applied_after.and_then(|t| cell_of(t, t0, t1, tw)) {
                buf.set_string(tx + c, y, "◇", base.patch(theme.style(Slot::Warn)));
            }
            if let Some(c) = a.forced_apply.and_then(|t| cell_of(t, t0, t1, tw)) {
                buf.set_string(tx + c, y, "◆", base.patch(theme.style(Slot::Crit)));
            }
        }
        if let Some(c) = now_col {
            let cur = buf[(tx + c, y)].symbol().to_string();
            if cur == "·" || cur == "░" || cur == "┆" {
                buf.set_string(tx + c, y, "│", base.patch(theme.style(Slot::Accent)));
            }
        }
    }
    // The legend takes the last line when the rows leave it (and one above it) free.
    let shown = body.rows().count() as u16;
    let body = body.area;
    if shown + 1 < body.height {
        let legend = "█ window  ░ peak hours (learned)  ◇ auto-apply after  ◆ forced apply  │ now  ▲ at risk";
        buf.set_stringn(tx, body.y + body.height - 1, legend, usize::from(area.right() - tx), muted);
    }
}
