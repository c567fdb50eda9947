//! The frame every table view shares: columns named by the view's own key type (never by
//! position, so adding a column cannot move the sort arrow), the arrow on the sorted column,
//! the header, the empty state, the cursor's window of rows and the selection bar.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::app::action::ViewId;
use crate::app::state::Model;
use crate::ui::theme::{Slot, Theme};
use crate::ui::views::empty;
use crate::ui::widgets::table::{self, Cell, Column};

pub struct TableView<K> {
    cols: Vec<Column>,
    keys: Vec<K>,
    /// Columns whose colours stay on the selection bar (the measured values); None: all.
    keep: Option<Vec<K>>,
}

/// The header is drawn; this is where rows go.
pub struct Body<'m> {
    pub area: Rect,
    fitted: Vec<(usize, u16)>,
    visible: &'m [usize],
    selected: usize,
    offset: usize,
    fit: usize,
    step: u16,
}

/// One row on screen: the item it shows (an index into the view's data), where, and whether
/// the cursor is on it.
#[derive(Debug, Clone, Copy)]
pub struct RowSlot {
    pub item: usize,
    /// Position in the view's visible list.
    pub pos: usize,
    pub y: u16,
    pub selected: bool,
}

impl Body<'_> {
    /// The rows the cursor's window shows, top to bottom.
    pub fn rows(&self) -> impl Iterator<Item = RowSlot> + '_ {
        (self.offset..self.visible.len()).take(self.fit).enumerate().map(|(k, pos)| RowSlot {
            item: self.visible[pos],
            pos,
            y: self.area.y + k as u16 * self.step,
            selected: pos == self.selected,
        })
    }

    /// The visible list the rows come from (tree views look at neighbours).
    pub fn visible(&self) -> &[usize] {
        self.visible
    }
}

impl<K: Copy + PartialEq> TableView<K> {
    pub fn new(cols: Vec<(K, Column)>) -> Self {
        let (keys, cols) = cols.into_iter().unzip();
        TableView { cols, keys, keep: None }
    }

    /// Put the sort arrow on `key`'s column (alone when its title is blank).
    pub fn sorted(mut self, key: K, reverse: bool) -> Self {
        let arrow = if reverse { "▲" } else { "▼" };
        if let Some(c) = self.keys.iter().position(|k| *k == key).map(|i| &mut self.cols[i]) {
            c.title =
                if c.title.trim().is_empty() { arrow.to_string() } else { format!("{}{arrow}", c.title) };
        }
        self
    }

    /// On the selection bar, only these columns keep their colours.
    pub fn keep_colours_of(mut self, keys: &[K]) -> Self {
        self.keep = Some(keys.to_vec());
        self
    }

    /// Draw the header and, when the view has no rows, its empty state (`what` there is none
    /// of, and a `hint`). None then: nothing more to draw.
    pub fn begin<'m>(
        &self,
        m: &'m Model,
        view: ViewId,
        theme: &Theme,
        area: Rect,
        buf: &mut Buffer,
        (what, hint): (&str, &str),
    ) -> Option<Body<'m>> {
        let fitted = table::fit(&self.cols, area.width);
        table::draw_header(buf, area, &self.cols, &fitted, theme.style(Slot::Header));
        let body = Rect { y: area.y + 1, height: area.height.saturating_sub(1), ..area };
        let state = &m.views[view];
        if state.visible.is_empty() {
            empty::no_rows(m, theme, body, buf, what, hint);
            return None;
        }
        Some(Body {
            area: body,
            fitted,
            visible: &state.visible,
            selected: state.cursor.selected,
            offset: state.cursor.offset,
            fit: m.rows_fit(body.height),
            step: m.row_step(),
        })
    }

    /// Whether `key`'s column fits on screen.
    pub fn shown(&self, body: &Body, key: K) -> bool {
        self.x_of(body, key).is_some()
    }

    /// x and width of `key`'s column, if it fits (for text drawn across or inside columns).
    pub fn x_of(&self, body: &Body, key: K) -> Option<(u16, u16)> {
        self.x_among(&body.fitted, body.area.x, key)
    }

    /// `x_of` for the header over `area` (drawn whether or not there are rows).
    pub fn x_in(&self, area: Rect, key: K) -> Option<(u16, u16)> {
        self.x_among(&table::fit(&self.cols, area.width), area.x, key)
    }

    fn x_among(&self, fitted: &[(usize, u16)], x0: u16, key: K) -> Option<(u16, u16)> {
        let mut x = x0;
        for &(i, w) in fitted {
            if self.keys[i] == key {
                return Some((x, w));
            }
            x += w + 1;
        }
        None
    }

    /// The selection bar's style for a row, or none.
    pub fn base(&self, theme: &Theme, row: RowSlot) -> Style {
        if row.selected { theme.style(Slot::Selection) } else { Style::default() }
    }

    /// Draw one row from its cells, each named by its column (a column with no cell is blank).
    pub fn draw_row(
        &self,
        buf: &mut Buffer,
        body: &Body,
        theme: &Theme,
        row: RowSlot,
        cells: Vec<(K, Cell)>,
    ) {
        let mut by_col: Vec<Cell> = vec![Cell::new("", Style::default()); self.cols.len()];
        for (key, mut cell) in cells {
            let Some(i) = self.keys.iter().position(|k| *k == key) else { continue };
            if row.selected && self.keep.as_ref().is_some_and(|keep| !keep.contains(&key)) {
                cell.style = Style::default();
            }
            by_col[i] = cell;
        }
        let base = self.base(theme, row);
        table::draw_row(buf, body.area, row.y, &self.cols, &body.fitted, &by_col, base);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::thresholds::Thresholds;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Col {
        Name,
        Value,
        Note,
    }

    #[test]
    fn named_columns_carry_the_arrow_the_window_and_the_selection() {
        let mut m =
            Model::new(jiff::Timestamp::UNIX_EPOCH, Thresholds::default(), jiff::tz::TimeZone::UTC, vec![]);
        m.views[ViewId::Fleet].visible = vec![7, 8, 9];
        m.views[ViewId::Fleet].cursor.selected = 1;
        let theme = crate::ui::theme::ThemeSet::load(None, false).unwrap();
        let theme = theme.get(0);
        // Declared out of display order on purpose: cells find their column by name.
        let t = TableView::new(vec![
            (Col::Name, Column::new("NAME", 6, 0)),
            (Col::Value, Column::new("VAL", 4, 0)),
            (Col::Note, Column::new("NOTE", 6, 0)),
        ])
        .sorted(Col::Value, false)
        .keep_colours_of(&[Col::Value]);
        let area = Rect::new(0, 0, 20, 3);
        let mut buf = Buffer::empty(area);
        let body = t.begin(&m, ViewId::Fleet, theme, area, &mut buf, ("rows", "none")).unwrap();
        let rows: Vec<RowSlot> = body.rows().collect();
        assert_eq!(rows.iter().map(|r| r.item).collect::<Vec<_>>(), [7, 8], "two body lines, two rows");
        let crit = theme.style(Slot::Crit);
        for r in rows {
            let cells = vec![
                (Col::Note, Cell::new("n", crit)),
                (Col::Value, Cell::new(r.item.to_string(), crit)),
                (Col::Name, Cell::new("x", crit)),
            ];
            t.draw_row(&mut buf, &body, theme, r, cells);
        }
        let line = |y: u16| (0..20).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>();
        assert_eq!(line(0).trim_end(), "NAME   VAL▼ NOTE");
        assert_eq!(line(1).trim_end(), "x      7    n");
        // On the selection bar the kept column keeps its colour, the others take the bar's.
        let sel = theme.style(Slot::Selection);
        assert_eq!(buf[(7, 2)].fg, crit.fg.unwrap_or_default(), "VAL keeps its colour");
        assert_eq!(buf[(0, 2)].fg, sel.fg.unwrap_or_default(), "NAME takes the selection's");
        assert_eq!(buf[(0, 1)].fg, crit.fg.unwrap_or_default(), "unselected rows keep every colour");
    }
}
