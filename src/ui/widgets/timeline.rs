//! The replay's timeline bar, drawn on the hint line: where the playhead is between the first
//! and the last recorded poll, which poll is on screen, the recording's events as ticks, and
//! the keys that move it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use crate::app::state::Model;
use crate::app::timeline::Timeline;
use crate::domain::format;
use crate::ui::theme::{Slot, Theme};

const KEYS: &str = " Space ,. [] {} -+ :goto ";

pub fn render(m: &Model, t: &Timeline, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let (first, last) = (t.first(), t.last());
    let shown = m.status.last_success.unwrap_or(first);
    let index = t.index_at(shown);
    let left = format!(" {} ", format::local_time(first, &m.settings.tz));
    let right = format!(
        " {} │ poll {}/{} │ {} ",
        format::local_time(last, &m.settings.tz),
        index + 1,
        t.times.len(),
        format::local_date_time(shown, &m.settings.tz)
    );
    let fixed = left.width() + right.width() + KEYS.width();
    let width = usize::from(area.width).saturating_sub(fixed).max(3);
    let span = last.duration_since(first).as_secs_f64().max(1.0);
    let frac = (m.now.duration_since(first).as_secs_f64() / span).clamp(0.0, 1.0);
    let pos = ((width - 1) as f64 * frac).round() as usize;
    // The recording's events as ticks: ╳ a failover, ┼ anything else notable.
    let col = |t: jiff::Timestamp| {
        ((width - 1) as f64 * (t.duration_since(first).as_secs_f64() / span).clamp(0.0, 1.0)).round() as usize
    };
    let mut ticks = vec![None; width];
    for mk in &t.marks {
        let c = col(mk.at);
        let failover = mk.kind == crate::domain::events::EventKind::Failover;
        if failover || ticks[c].is_none() {
            ticks[c] = Some(if failover { '╳' } else { '┼' });
        }
    }
    let bar: String = (0..width)
        .map(|i| {
            if i == pos {
                '●'
            } else if i == 0 {
                '├'
            } else if i == width - 1 {
                '┤'
            } else {
                ticks[i].unwrap_or('─')
            }
        })
        .collect();
    let muted = theme.style(Slot::Muted);
    Line::from(vec![
        Span::styled(left, muted),
        Span::styled(bar, theme.style(Slot::Accent)),
        Span::styled(right, theme.style(Slot::Text)),
        Span::styled(KEYS, muted),
    ])
    .render(area, buf);
}
