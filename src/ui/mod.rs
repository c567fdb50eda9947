//! Rendering: a read-only function of the model and a theme. No awaits, no locks, no mutation.

pub mod ascii;
pub mod chrome;
pub mod export;
pub mod theme;
pub mod views;
pub mod widgets;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget, Wrap};

use self::theme::{Slot, Theme};
use crate::app::action::ViewId;
use crate::app::overlay::Overlay;
use crate::app::state::{Detail, MIN_HEIGHT, MIN_WIDTH, Model};

pub fn draw(frame: &mut Frame, m: &Model, theme: &Theme) {
    let area = frame.area();
    render(m, theme, area, frame.buffer_mut());
}

/// Draw the whole screen into a buffer (also used off-screen by `render` and the tests).
pub fn render(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    render_frame(m, theme, area, buf);
    if m.display.ascii {
        ascii::fold(buf);
    }
}

fn render_frame(m: &Model, theme: &Theme, area: Rect, buf: &mut Buffer) {
    buf.set_style(area, theme.background());
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(theme, area, buf);
        return;
    }
    let tabs = Rect { height: 1, ..area };
    let body = Rect { y: area.y + 1, height: area.height - 3, ..area };
    let status = Rect { y: area.bottom() - 2, height: 1, ..area };
    let hints = Rect { y: area.bottom() - 1, height: 1, ..area };

    chrome::tabs(m, theme, tabs, buf);
    match m.detail() {
        Some(Detail::Instance(arn)) => views::detail::instance(m, theme, body, buf, arn),
        Some(Detail::Consumer(id)) => views::detail::consumer(m, theme, body, buf, id),
        None if !m.loaded() => views::empty::loading(m, theme, body, buf),
        None => match m.view {
            ViewId::Fleet => views::fleet::render(m, theme, body, buf),
            ViewId::Replication => views::replication::render(m, theme, body, buf),
            ViewId::Kafka => views::kafka::render(m, theme, body, buf),
            ViewId::Maintenance => views::maintenance::render(m, theme, body, buf),
            ViewId::Findings => views::findings::render(m, theme, body, buf),
            ViewId::Events => views::events::render(m, theme, body, buf),
        },
    }
    chrome::status_bar(m, theme, status, buf);
    chrome::hints(m, theme, hints, buf);
    // The popups, bottom of the stack first (Detail replaced the body above).
    for overlay in m.overlays.iter() {
        match overlay {
            Overlay::Detail(_) => {}
            Overlay::Evidence { .. } if m.detail().is_none() => {
                views::findings::evidence_popup(m, theme, body, buf)
            }
            Overlay::Evidence { .. } => {}
            Overlay::Errors => views::errors::render(m, theme, body, buf),
            Overlay::Help => views::help::render(m, theme, body, buf),
        }
    }
}

fn too_small(theme: &Theme, area: Rect, buf: &mut Buffer) {
    let text = format!(
        "Terminal too small: {}x{}.\nDbfleet needs at least {MIN_WIDTH}x{MIN_HEIGHT}.\nResize, or press q to quit.",
        area.width, area.height
    );
    Paragraph::new(text).style(theme.style(Slot::Warn)).wrap(Wrap { trim: true }).render(area, buf);
}

/// A centred box of at most `w` x `h`, cleared, with a titled border.
pub fn popup(theme: &Theme, area: Rect, w: u16, h: u16, title: &str, buf: &mut Buffer) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    let r = Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    Clear.render(r, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {title} "))
        .border_style(theme.style(Slot::Accent))
        .style(theme.style(Slot::Text));
    let inner = block.inner(r);
    block.render(r, buf);
    inner
}
