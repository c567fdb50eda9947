//! A windowed table: columns chosen by priority to fit the width (the least important dropped
//! first on narrow terminals), only the visible rows drawn, cells styled one by one.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use unicode_width::UnicodeWidthStr;

#[derive(Debug, Clone)]
pub struct Column {
    pub title: String,
    pub width: u16,
    /// 0 is always shown; higher numbers are dropped first.
    pub priority: u8,
    pub right: bool,
    /// Takes the width left over.
    pub flex: bool,
}

impl Column {
    pub fn new(title: impl Into<String>, width: u16, priority: u8) -> Self {
        Column { title: title.into(), width, priority, right: false, flex: false }
    }

    pub fn right(mut self) -> Self {
        self.right = true;
        self
    }

    pub fn flex(mut self) -> Self {
        self.flex = true;
        self
    }
}

#[derive(Debug, Clone)]
pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn new(text: impl Into<String>, style: Style) -> Self {
        Cell { text: text.into(), style }
    }
}

/// The columns that fit in `width` (1 space between), in their natural order, with widths.
/// Priority-0 columns are always kept; if even they overflow, the flex column shrinks.
pub fn fit(cols: &[Column], width: u16) -> Vec<(usize, u16)> {
    let mut order: Vec<usize> = (0..cols.len()).collect();
    order.sort_by_key(|&i| (cols[i].priority, i));
    let mut chosen = Vec::new();
    let mut used: u16 = 0;
    for i in order {
        let need = cols[i].width + if chosen.is_empty() { 0 } else { 1 };
        if cols[i].priority == 0 || used + need <= width {
            used += need;
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    // Flex columns share what is left over (the first takes the remainder); when even the
    // kept columns overflow, the first flex column shrinks.
    let flexes: Vec<usize> = (0..chosen.len()).filter(|&k| cols[chosen[k]].flex).collect();
    let spare = width.saturating_sub(used);
    let share = if flexes.is_empty() { 0 } else { spare / flexes.len() as u16 };
    chosen
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let w = cols[i].width;
            let w = match flexes.iter().position(|&f| f == k) {
                None => w,
                Some(0) if used > width => w.saturating_sub(used - width).max(1),
                Some(0) => w + spare - share * (flexes.len() as u16 - 1),
                Some(_) => w + share,
            };
            (i, w)
        })
        .collect()
}

/// Truncate to `width` display columns, with `…` when cut.
pub fn truncate(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut w = 0;
    for ch in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(ch);
        w += cw;
    }
    out.push('…');
    out
}

fn put(buf: &mut Buffer, x: u16, y: u16, width: u16, text: &str, style: Style, right: bool) {
    let t = truncate(text, usize::from(width));
    let tw = t.width() as u16;
    let x = if right { x + width.saturating_sub(tw) } else { x };
    buf.set_stringn(x, y, &t, usize::from(width), style);
}

pub fn draw_header(buf: &mut Buffer, area: Rect, cols: &[Column], fitted: &[(usize, u16)], style: Style) {
    buf.set_style(Rect { height: 1, ..area }, style);
    let mut x = area.x;
    for &(i, w) in fitted {
        put(buf, x, area.y, w, &cols[i].title, style, cols[i].right);
        x += w + 1;
    }
}

/// Draw one row at `y`; `base` fills the whole line first (selection, stale).
pub fn draw_row(
    buf: &mut Buffer,
    area: Rect,
    y: u16,
    cols: &[Column],
    fitted: &[(usize, u16)],
    cells: &[Cell],
    base: Style,
) {
    buf.set_style(Rect { y, height: 1, ..area }, base);
    let mut x = area.x;
    for &(i, w) in fitted {
        if let Some(c) = cells.get(i) {
            put(buf, x, y, w, &c.text, base.patch(c.style), cols[i].right);
        }
        x += w + 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_low_priority_first_and_flexes() {
        let cols = vec![Column::new("NAME", 10, 0).flex(), Column::new("A", 5, 2), Column::new("B", 5, 1)];
        assert_eq!(fit(&cols, 30), vec![(0, 18), (1, 5), (2, 5)]);
        assert_eq!(fit(&cols, 17), vec![(0, 11), (2, 5)]);
        assert_eq!(fit(&cols, 9), vec![(0, 9)], "the name column stays, shrunk");
        let two = vec![Column::new("NAME", 10, 0).flex(), Column::new("TOPIC", 10, 0).flex()];
        assert_eq!(fit(&two, 26), vec![(0, 13), (1, 12)], "two flex columns share the spare width");
    }

    #[test]
    fn truncates_with_ellipsis() {
        assert_eq!(truncate("orders-mysql", 6), "order…");
        assert_eq!(truncate("abc", 6), "abc");
    }
}
