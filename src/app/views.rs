//! What the user is doing in each view: its filter, cursor, the rows it shows after filter and
//! sort, and its sort. One `ViewState` per view, in a map indexed by the view id itself, so a
//! new view is one more entry, not five parallel arrays edited in step.

use std::ops::{Index, IndexMut};

use super::action::ViewId;
use super::filter::Filter;

/// A table's cursor: the selected position among the visible rows, and the first row shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    pub selected: usize,
    pub offset: usize,
}

impl Cursor {
    /// Keep the selection inside `len` rows and visible in a body of `rows` lines.
    pub fn clamp(&mut self, len: usize, rows: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        }
        if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
        self.offset = self.offset.min(len.saturating_sub(rows));
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewState {
    pub filter: Filter,
    pub cursor: Cursor,
    /// Indices of the rows shown, after filter and sort (into the view's own row list).
    pub visible: Vec<usize>,
    /// Position in the view's sort keys (`ViewId::sorts`).
    pub sort: usize,
    pub reverse: bool,
}

impl ViewState {
    /// The row under the cursor.
    pub fn selected(&self) -> Option<usize> {
        self.visible.get(self.cursor.selected).copied()
    }
}

/// Every view's state, by view id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ViewStates {
    states: [ViewState; ViewId::COUNT],
}

impl ViewStates {
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (ViewId, &mut ViewState)> {
        ViewId::ALL.into_iter().zip(self.states.iter_mut())
    }
}

impl Index<ViewId> for ViewStates {
    type Output = ViewState;

    fn index(&self, v: ViewId) -> &ViewState {
        &self.states[v as usize]
    }
}

impl IndexMut<ViewId> for ViewStates {
    fn index_mut(&mut self, v: ViewId) -> &mut ViewState {
        &mut self.states[v as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_view_keeps_its_own_state() {
        let mut v = ViewStates::default();
        v[ViewId::Kafka].filter = Filter::parse("group:search");
        v[ViewId::Kafka].cursor.selected = 3;
        v[ViewId::Findings].visible = vec![4, 2];
        v[ViewId::Findings].cursor.selected = 1;
        assert_eq!(v[ViewId::Kafka].filter.text, "group:search");
        assert!(v[ViewId::Fleet].filter.is_empty() && v[ViewId::Fleet].cursor.selected == 0);
        assert_eq!(v[ViewId::Findings].selected(), Some(2));
        assert_eq!(v[ViewId::Replication].selected(), None);
        assert_eq!(v.iter_mut().count(), ViewId::ALL.len());
    }

    #[test]
    fn cursor_stays_in_the_rows_and_on_screen() {
        let mut c = Cursor { selected: 50, offset: 0 };
        c.clamp(10, 4);
        assert_eq!(c, Cursor { selected: 9, offset: 6 });
        c.selected = 2;
        c.clamp(10, 4);
        assert_eq!(c, Cursor { selected: 2, offset: 2 });
        c.clamp(0, 4);
        assert_eq!(c, Cursor { selected: 0, offset: 0 });
    }
}
