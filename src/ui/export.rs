//! A drawn buffer as plain text or as SVG in the theme's colours: screenshots for the README
//! and views for postmortem documents, byte-for-byte reproducible.

use std::fmt::Write;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::theme::{Slot, Theme};

/// Each row's symbols, right-trimmed, one line per row.
pub fn buffer_to_text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let mut line = String::new();
        let mut x = area.left();
        while x < area.right() {
            let sym = buf[(x, y)].symbol();
            line.push_str(sym);
            // A wide character covers the next cell(s): they add nothing to the text.
            x += (unicode_width::UnicodeWidthStr::width(sym) as u16).max(1);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// xterm's default palette for the 16 named colours.
const BASE16: [(u8, u8, u8); 16] = [
    (0, 0, 0),       // black
    (205, 0, 0),     // red
    (0, 205, 0),     // green
    (205, 205, 0),   // yellow
    (0, 0, 238),     // blue
    (205, 0, 205),   // magenta
    (0, 205, 205),   // cyan
    (229, 229, 229), // gray (white)
    (127, 127, 127), // dark gray (bright black)
    (255, 0, 0),     // light red
    (0, 255, 0),     // light green
    (255, 255, 0),   // light yellow
    (92, 92, 255),   // light blue
    (255, 0, 255),   // light magenta
    (0, 255, 255),   // light cyan
    (255, 255, 255), // white
];

fn indexed(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => BASE16[usize::from(i)],
        16..=231 => {
            let i = i - 16;
            let level = |v: u8| if v == 0 { 0 } else { 55 + v * 40 };
            (level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let g = 8 + (i - 232) * 10;
            (g, g, g)
        }
    }
}

/// An RGB hex for a colour, or None for Reset (use the theme's default).
fn hex(c: Color) -> Option<String> {
    let (r, g, b) = match c {
        Color::Reset => return None,
        Color::Black => BASE16[0],
        Color::Red => BASE16[1],
        Color::Green => BASE16[2],
        Color::Yellow => BASE16[3],
        Color::Blue => BASE16[4],
        Color::Magenta => BASE16[5],
        Color::Cyan => BASE16[6],
        Color::Gray => BASE16[7],
        Color::DarkGray => BASE16[8],
        Color::LightRed => BASE16[9],
        Color::LightGreen => BASE16[10],
        Color::LightYellow => BASE16[11],
        Color::LightBlue => BASE16[12],
        Color::LightMagenta => BASE16[13],
        Color::LightCyan => BASE16[14],
        Color::White => BASE16[15],
        Color::Indexed(i) => indexed(i),
        Color::Rgb(r, g, b) => (r, g, b),
    };
    Some(format!("#{r:02x}{g:02x}{b:02x}"))
}

fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c => o.push(c),
        }
    }
    o
}

const CELL_W: u32 = 9;
const CELL_H: u32 = 18;
const MARGIN: u32 = 8;

/// The resolved look of one cell: foreground, background, modifiers.
#[derive(PartialEq, Clone)]
struct Look {
    fg: String,
    bg: Option<String>,
    bold: bool,
    dim: bool,
    italic: bool,
    underline: bool,
}

fn look(cell: &ratatui::buffer::Cell, default_fg: &str, default_bg: &str) -> Look {
    let m = cell.modifier;
    let mut fg = hex(cell.fg).unwrap_or_else(|| default_fg.to_string());
    let mut bg = hex(cell.bg);
    if m.contains(Modifier::REVERSED) {
        let old_bg = bg.take().unwrap_or_else(|| default_bg.to_string());
        bg = Some(fg);
        fg = old_bg;
    }
    if bg.as_deref() == Some(default_bg) {
        bg = None;
    }
    Look {
        fg,
        bg,
        bold: m.contains(Modifier::BOLD),
        dim: m.contains(Modifier::DIM),
        italic: m.contains(Modifier::ITALIC),
        underline: m.contains(Modifier::UNDERLINED),
    }
}

/// The buffer as an SVG image, as a terminal would show it with this theme.
pub fn buffer_to_svg(buf: &Buffer, theme: &Theme) -> String {
    let area = buf.area;
    let bg_style = theme.style(Slot::Background);
    let default_bg = bg_style.bg.and_then(hex).unwrap_or_else(|| "#000000".into());
    let default_fg = bg_style
        .fg
        .or(theme.style(Slot::Text).fg)
        .and_then(hex)
        .unwrap_or_else(|| if theme.is_no_color() { "#e0e0e0".into() } else { "#d0d0d0".into() });
    let (w, h) = (u32::from(area.width) * CELL_W, u32::from(area.height) * CELL_H);
    // A margin so glyphs that overhang their cell at the edges are not clipped.
    let (vw, vh) = (w + 2 * MARGIN, h + 2 * MARGIN);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{vw}\" height=\"{vh}\" viewBox=\"-{MARGIN} -{MARGIN} {vw} {vh}\" \
         font-family=\"'DejaVu Sans Mono','Menlo','Consolas',monospace\" font-size=\"15\">"
    );
    let _ = writeln!(
        s,
        "<rect x=\"-{MARGIN}\" y=\"-{MARGIN}\" width=\"{vw}\" height=\"{vh}\" fill=\"{default_bg}\"/>"
    );
    for y in area.top()..area.bottom() {
        let py = u32::from(y - area.top()) * CELL_H;
        // Group runs of cells with the same look, so the file stays small.
        let mut x = area.left();
        while x < area.right() {
            let start = x;
            let first = look(&buf[(x, y)], &default_fg, &default_bg);
            let mut text = String::new();
            let mut cols = 0u32;
            while x < area.right() {
                let cell = &buf[(x, y)];
                if look(cell, &default_fg, &default_bg) != first {
                    break;
                }
                let sym = cell.symbol();
                let w = (unicode_width::UnicodeWidthStr::width(sym) as u16).max(1);
                text.push_str(sym);
                cols += u32::from(w);
                x += w;
            }
            let px = u32::from(start - area.left()) * CELL_W;
            if let Some(bg) = &first.bg {
                let _ = writeln!(
                    s,
                    "<rect x=\"{px}\" y=\"{py}\" width=\"{}\" height=\"{CELL_H}\" fill=\"{bg}\"/>",
                    cols * CELL_W
                );
            }
            let trimmed = text.trim_end();
            if trimmed.is_empty() {
                continue;
            }
            // Leading spaces become an offset; textLength keeps the run on the cell grid.
            let lead = trimmed.chars().take_while(|c| *c == ' ').count() as u32;
            let body = &trimmed[lead as usize..];
            let body_cols = unicode_width::UnicodeWidthStr::width(body) as u32;
            let mut attrs = format!("fill=\"{}\"", first.fg);
            if first.bold {
                attrs.push_str(" font-weight=\"bold\"");
            }
            if first.italic {
                attrs.push_str(" font-style=\"italic\"");
            }
            if first.dim {
                attrs.push_str(" opacity=\".6\"");
            }
            if first.underline {
                attrs.push_str(" text-decoration=\"underline\"");
            }
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" {attrs} textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\" xml:space=\"preserve\">{}</text>",
                px + lead * CELL_W,
                py + CELL_H - 5,
                body_cols * CELL_W,
                escape(body)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// The `e` key and `render --format md`: the view on screen as SVG, text and Markdown in
/// `dir`, named by view and instant (UTC), e.g. `kafka-20261118T153700Z.svg`.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::theme::ThemeSet;
    use ratatui::layout::Rect;

    #[test]
    fn text_is_trimmed_and_wide_chars_keep_columns() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 8, 2));
        buf.set_string(0, 0, "a界b", ratatui::style::Style::default());
        buf.set_string(0, 1, "x", ratatui::style::Style::default());
        assert_eq!(buffer_to_text(&buf), "a界b\nx\n");
    }

    #[test]
    fn svg_is_deterministic_escaped_and_coloured() {
        let set = ThemeSet::builtin(false);
        let theme = set.get(0);
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 2));
        buf.set_string(0, 0, "<a & b>", theme.style(Slot::Text));
        buf.set_string(0, 1, "CRIT", theme.style(Slot::Crit));
        let a = buffer_to_svg(&buf, theme);
        assert_eq!(a, buffer_to_svg(&buf, theme));
        assert!(a.contains("&lt;a &amp; b&gt;"));
        let crit = hex(theme.style(Slot::Crit).fg.unwrap()).unwrap();
        assert!(a.contains(&format!("fill=\"{crit}\" font-weight=\"bold\"")), "{a}");
    }

    #[test]
    fn palette() {
        assert_eq!(hex(Color::Indexed(16)).unwrap(), "#000000");
        assert_eq!(hex(Color::Indexed(231)).unwrap(), "#ffffff");
        assert_eq!(hex(Color::Indexed(232)).unwrap(), "#080808");
        assert_eq!(hex(Color::Reset), None);
    }
}
