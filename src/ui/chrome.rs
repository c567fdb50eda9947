//! The frame around every view: the tab line, the status bar and the key hints.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use super::theme::{Slot, Theme};
use crate::app::action::ViewId;
use crate::app::state::{Detail, Input, Model};
use crate::app::{filter_fields, keymap};
use crate::domain::format;

/// The instant the screen describes: frozen while paused.
pub fn display_now(m: &Model) -> jiff::Timestamp {
    m.runtime.paused.unwrap_or(m.now)
}

/// The instant an export is named and titled by: in a replay or time travel, the poll on
/// screen (a seek not yet answered must not label the previous poll's data); else the clock.
pub fn export_instant(m: &Model) -> jiff::Timestamp {
    match (&m.timeline, m.status.last_success) {
        (Some(_), Some(t)) => t,
        _ => display_now(m),
    }
}

pub fn tabs(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    buf.set_style(area, theme.style(Slot::StatusBar));
    let mut spans = vec![Span::styled(" dbfleet ", theme.style(Slot::Title))];
    let crumb = m.detail().map(|d| match d {
        Detail::Instance(arn) => arn.rsplit(':').next().unwrap_or(arn).to_string(),
        Detail::Consumer(id) => id.group.to_string(),
    });
    // Full titles when they leave room for the Detail's name, short ones otherwise.
    let full: usize = 9 + ViewId::ALL.iter().map(|v| v.title().width() + 4).sum::<usize>();
    let room = crumb.as_ref().map_or(0, |c| c.width().min(24) + 3);
    let short = full + room > usize::from(area.width);
    for v in ViewId::ALL {
        let title = if short { v.short_title() } else { v.title() };
        let label = format!(" {} {title} ", v.index() + 1);
        let style = if v == m.view && m.detail().is_none() {
            theme.style(Slot::Selection)
        } else {
            theme.style(Slot::StatusBar)
        };
        spans.push(Span::styled(label, style));
    }
    if let Some(name) = crumb {
        spans.push(Span::styled(format!(" › {name} "), theme.style(Slot::Selection)));
    }
    let line = Line::from(spans);
    // The clock goes on the right only where it does not cover a tab.
    let used = line.width();
    line.render(area, buf);
    let now = display_now(m);
    let clock =
        format!("{} {} ", format::local_time(now, &m.settings.tz), format::tz_abbrev(now, &m.settings.tz));
    let w = clock.width();
    if usize::from(area.width) > used + w {
        buf.set_string(area.right() - w as u16, area.y, clock, theme.style(Slot::StatusBar));
    }
}

pub fn status_bar(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let bar = theme.style(Slot::StatusBar);
    buf.set_style(area, bar);
    let now = display_now(m);
    let st = &m.status;
    let mut spans: Vec<Span> = Vec::new();
    if let Some(p) = m.runtime.paused {
        spans.push(Span::styled(
            format!(" ⏸ PAUSED at {} — p resumes ", format::local_time(p, &m.settings.tz)),
            theme.style(Slot::Paused),
        ));
    } else if let Some(t) = &m.timeline {
        let what = match st.source.as_ref().map(|s| s.kind) {
            Some(crate::domain::snapshot::SourceKind::TimeTravel) => "TIME TRAVEL (current inventory)",
            _ if t.growing => "ATTACHED",
            _ => "REPLAY",
        };
        let label = if t.play.playing {
            format!(" ▶ {what} x{} ", t.play.speed)
        } else {
            format!(" ⏸ {what} paused ")
        };
        spans.push(Span::styled(label, theme.style(Slot::Paused)));
    } else if st.stale() {
        spans.push(Span::styled(" ✖ STALE ", theme.style(Slot::Crit)));
    } else {
        spans.push(Span::styled(" ● LIVE ", theme.style(Slot::Ok)));
    }
    let sep = || Span::styled(" │ ", theme.style(Slot::Muted).bg(bar.bg.unwrap_or_default()));
    if m.loaded() {
        use crate::domain::severity::Severity;
        let f = &m.fleet.findings;
        let crit = f.iter().filter(|x| x.severity == Severity::Critical).count();
        let warn = f.iter().filter(|x| x.severity == Severity::Warning).count();
        spans.push(sep());
        spans.push(Span::styled(format!("{} db", m.fleet.inventory.instances.len()), bar));
        if crit > 0 {
            spans.push(Span::styled(
                format!(" {crit} crit"),
                theme.style(Slot::Crit).bg(bar.bg.unwrap_or_default()),
            ));
        }
        if warn > 0 {
            spans.push(Span::styled(
                format!(" {warn} warn"),
                theme.style(Slot::Warn).bg(bar.bg.unwrap_or_default()),
            ));
        }
    }
    spans.push(sep());
    match (st.last_success, st.age_secs(now)) {
        (Some(t), Some(age)) => {
            let style = if st.stale() { theme.style(Slot::Stale) } else { bar };
            spans.push(Span::styled(
                format!("↻ {} ({} ago)", format::local_time(t, &m.settings.tz), format::age(age)),
                style,
            ));
        }
        _ => spans.push(Span::styled(
            if st.polling { "first poll…" } else { "no data yet" },
            theme.style(Slot::Muted),
        )),
    }
    if st.polling && st.last_success.is_some() {
        spans.push(Span::styled(" ⟳", theme.style(Slot::Accent)));
    }
    spans.push(sep());
    let errs = st.errors.len();
    let err_style = if errs > 0 { theme.style(Slot::Crit) } else { bar };
    spans.push(Span::styled(format!("{errs} error{}", if errs == 1 { "" } else { "s" }), err_style));
    // Which regions' rows are old comes first: a narrow terminal cuts from the right, and
    // the gap named next can be long.
    if !st.stale() {
        for (region, age) in st.stale_regions(now) {
            spans.push(sep());
            let age = age.map_or_else(|| "no data yet".to_string(), |a| format!("stale {}", format::age(a)));
            spans.push(Span::styled(format!("{region} {age}"), theme.style(Slot::Stale)));
        }
    }
    // A part of the data that could not be read is named, so fewer findings never pass for
    // a healthier fleet.
    let gaps = st.gaps();
    if let Some(g) = gaps.first() {
        spans.push(sep());
        let more =
            if gaps.len() > 1 { format!(" (+{} more, E lists them)", gaps.len() - 1) } else { String::new() };
        spans.push(Span::styled(format!("{} {}{more}", g.region, g.summary(now)), theme.style(Slot::Warn)));
    }
    // Least important last: a narrow terminal cuts from the right.
    if let Some(api) = &st.api {
        spans.push(sep());
        // Calls this poll, the cost an hour at this freshness, and (all) fetching every series
        // every minute beside it.
        let all = if api.all_every_minute_usd_per_hour > 0.0 {
            format!(" (all ${:.2})", api.all_every_minute_usd_per_hour)
        } else {
            String::new()
        };
        spans.push(Span::styled(
            format!("{} calls ${:.2}/h{all}", api.total_calls(), api.estimated_cost_per_hour_usd),
            bar,
        ));
        if let Some(b) = &api.budget {
            spans.push(sep());
            spans.push(Span::styled(b.clone(), theme.style(Slot::Warn)));
        }
    }
    if let Some(e) = st.errors.first() {
        spans.push(sep());
        spans.push(Span::styled(format!("{}: {}", e.region, e.message), theme.style(Slot::Warn)));
    }
    if let Some(src) = &st.source {
        spans.push(sep());
        spans.push(Span::styled(src.label.clone(), bar));
        spans.push(sep());
        let regions = if src.regions.len() <= 2 {
            src.regions.join(",")
        } else {
            format!("{} regions", src.regions.len())
        };
        spans.push(Span::styled(regions, bar));
    }
    Line::from(spans).render(area, buf);
}

pub fn hints(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let key = theme.style(Slot::Accent);
    let text = theme.style(Slot::Muted);
    let line = match &m.input {
        Input::Filter(t) => Line::from(vec![
            Span::styled(" / ", key),
            Span::styled(format!("{t}▏"), theme.style(Slot::Text)),
            Span::styled(format!("  Enter keep · Esc clear · {}", filter_fields::hint(m.view)), text),
        ]),
        Input::Command(t) => Line::from(vec![
            Span::styled(" : ", key),
            Span::styled(format!("{t}▏"), theme.style(Slot::Text)),
            Span::styled(format!("  {}", keymap::command_hint()), text),
        ]),
        Input::Normal => {
            if let Some(n) = &m.runtime.notice {
                Line::from(Span::styled(format!(" {}", n.text), theme.style(Slot::Accent)))
            } else if let Some(t) = &m.timeline {
                buf.set_style(area, Style::default().patch(theme.background()));
                crate::ui::widgets::timeline::render(m, t, theme, area, buf);
                return;
            } else {
                let mut spans = vec![Span::raw(" ")];
                if !m.filter().is_empty() {
                    spans
                        .push(Span::styled(format!("filter: {} ", m.filter().text), theme.style(Slot::Warn)));
                    spans.push(Span::styled("(Esc clears)  ", text));
                }
                for (k, d) in keymap::hints() {
                    spans.push(Span::styled(k, key));
                    spans.push(Span::styled(format!(" {d}  "), text));
                }
                Line::from(spans)
            }
        }
    };
    buf.set_style(area, Style::default().patch(theme.background()));
    line.render(area, buf);
}
