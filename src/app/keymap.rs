//! The one key table: dispatch, the help view and the footer hints all read it, so a key can
//! never do one thing and be documented as another.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, ViewId};
use super::timeline::Move;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    pub code: KeyCode,
    pub ctrl: bool,
    /// Shown in the help view.
    pub label: &'static str,
    pub action: Action,
    pub description: &'static str,
    /// Short word for the footer, if the binding is hinted there.
    pub hint: Option<&'static str>,
}

const fn key(
    code: KeyCode,
    label: &'static str,
    action: Action,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding { code, ctrl: false, label, action, description, hint }
}

const fn ctrl(c: char, label: &'static str, action: Action, description: &'static str) -> Binding {
    Binding { code: KeyCode::Char(c), ctrl: true, label, action, description, hint: None }
}

use KeyCode::*;

pub const KEYMAP: &[Binding] = &[
    key(Char('q'), "q", Action::Quit, "quit", Some("quit")),
    ctrl('c', "Ctrl-C", Action::Quit, "quit"),
    key(Char('?'), "?", Action::Help, "help: this list of keys", Some("help")),
    key(
        Char('/'),
        "/",
        Action::Filter,
        "filter: text, or field:value (region: engine: role: status: env:)",
        Some("filter"),
    ),
    key(
        Char(':'),
        ":",
        Action::Command,
        "jump to a view by name (:fleet :repl :kafka :maint :findings)",
        None,
    ),
    key(Esc, "Esc", Action::Back, "clear filter / close detail or help", None),
    key(Char('s'), "s", Action::SortNext, "sort by the next column / reverse the sort", Some("sort")),
    key(Char('S'), "S", Action::SortReverse, "sort by the next column / reverse the sort", None),
    key(Tab, "Tab", Action::NextView, "next / previous view", Some("view")),
    key(BackTab, "Shift-Tab", Action::PrevView, "next / previous view", None),
    key(
        Char('1'),
        "1",
        Action::Show(ViewId::Fleet),
        "views: Fleet, Replication, Kafka, Maintenance, Findings",
        None,
    ),
    key(
        Char('2'),
        "2",
        Action::Show(ViewId::Replication),
        "views: Fleet, Replication, Kafka, Maintenance, Findings",
        None,
    ),
    key(
        Char('3'),
        "3",
        Action::Show(ViewId::Kafka),
        "views: Fleet, Replication, Kafka, Maintenance, Findings",
        None,
    ),
    key(
        Char('4'),
        "4",
        Action::Show(ViewId::Maintenance),
        "views: Fleet, Replication, Kafka, Maintenance, Findings",
        None,
    ),
    key(
        Char('5'),
        "5",
        Action::Show(ViewId::Findings),
        "views: Fleet, Replication, Kafka, Maintenance, Findings",
        None,
    ),
    key(Enter, "Enter", Action::Open, "details of the selected row", Some("detail")),
    key(Char('p'), "p", Action::Pause, "pause: freeze the screen (data keeps arriving)", Some("pause")),
    key(Char('t'), "t", Action::CycleTheme, "next theme", Some("theme")),
    key(Char('z'), "z", Action::Spacing, "presentation spacing: a blank line between rows", None),
    key(
        Char('e'),
        "e",
        Action::Export,
        "export this view (SVG, text, Markdown) to the export directory",
        Some("export"),
    ),
    key(Char('E'), "E", Action::Errors, "errors of the last poll, per source", None),
    key(Char('r'), "r", Action::Refresh, "refresh now", None),
    key(Char('j'), "j", Action::Down, "move down / up", None),
    key(Down, "Down", Action::Down, "move down / up", None),
    key(Char('k'), "k", Action::Up, "move down / up", None),
    key(Up, "Up", Action::Up, "move down / up", None),
    key(PageDown, "PgDn", Action::PageDown, "page down / up", None),
    key(PageUp, "PgUp", Action::PageUp, "page down / up", None),
    key(Home, "Home", Action::Top, "first / last row", None),
    key(Char('g'), "g", Action::Top, "first / last row", None),
    key(End, "End", Action::Bottom, "first / last row", None),
    key(Char('G'), "G", Action::Bottom, "first / last row", None),
    key(Char(' '), "Space", Action::Timeline(Move::PlayPause), "replay: play / pause the timeline", None),
    key(Char(','), ",", Action::Timeline(Move::Step(-1)), "replay: one poll back / forward", None),
    key(Char('.'), ".", Action::Timeline(Move::Step(1)), "replay: one poll back / forward", None),
    key(Char('['), "[", Action::Timeline(Move::Jump(-5)), "replay: 5 minutes back / forward", None),
    key(Char(']'), "]", Action::Timeline(Move::Jump(5)), "replay: 5 minutes back / forward", None),
    key(Char('{'), "{", Action::Timeline(Move::Jump(-60)), "replay: an hour back / forward", None),
    key(Char('}'), "}", Action::Timeline(Move::Jump(60)), "replay: an hour back / forward", None),
    key(Char('-'), "-", Action::Timeline(Move::Slower), "replay: slower / faster (x1 to x60)", None),
    key(Char('+'), "+", Action::Timeline(Move::Faster), "replay: slower / faster (x1 to x60)", None),
    key(Char('='), "=", Action::Timeline(Move::Faster), "replay: slower / faster (x1 to x60)", None),
];

/// The action bound to a key press, if any.
pub fn lookup(ev: &KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    KEYMAP.iter().find(|b| b.code == ev.code && b.ctrl == ctrl).map(|b| b.action)
}

/// Footer hints: (key label, short word) of the bindings hinted there.
pub fn hints() -> impl Iterator<Item = (&'static str, &'static str)> {
    KEYMAP.iter().filter_map(|b| b.hint.map(|h| (b.label, h)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_is_bound_once() {
        for (i, a) in KEYMAP.iter().enumerate() {
            for b in &KEYMAP[i + 1..] {
                assert!(!(a.code == b.code && a.ctrl == b.ctrl), "{} bound twice", a.label);
            }
        }
    }

    #[test]
    fn lookup_respects_ctrl() {
        let c = KeyEvent::new(Char('c'), KeyModifiers::CONTROL);
        assert_eq!(lookup(&c), Some(Action::Quit));
        assert_eq!(lookup(&KeyEvent::new(Char('c'), KeyModifiers::NONE)), None);
        assert_eq!(lookup(&KeyEvent::new(Char('S'), KeyModifiers::SHIFT)), Some(Action::SortReverse));
    }
}
