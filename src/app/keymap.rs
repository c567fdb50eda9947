//! The one key table and the one `:` command table: dispatch, the help view and the footer
//! hints all read them, so a key or a command can never do one thing and be documented as
//! another. Keys that belong together (j / Down / k / Up) share a `Group`, which carries
//! their one line of help.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, ViewId};
use super::timeline::Move;

/// A line of the help view: the keys bound to it are listed together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Quit,
    Help,
    Filter,
    Command,
    Back,
    Sort,
    Tab,
    Views,
    Open,
    Pause,
    Theme,
    Spacing,
    Export,
    Errors,
    Refresh,
    Move,
    Page,
    Ends,
    ReplayPlay,
    ReplayStep,
    ReplayJump5,
    ReplayJump60,
    ReplaySpeed,
}

impl Group {
    pub fn description(self) -> &'static str {
        match self {
            Group::Quit => "quit",
            Group::Help => "help: these keys and commands",
            Group::Filter => "filter: text, or field:value (fields listed at the prompt)",
            Group::Command => "a command: a view by name, goto TIME, help, q (below)",
            Group::Back => "close the top popup or detail, then clear the filter",
            Group::Sort => "sort by the next column / reverse the sort",
            Group::Tab => "next / previous view",
            Group::Views => "views: Fleet, Replication, Kafka, Maintenance, Findings",
            Group::Open => "details of the selected row",
            Group::Pause => "pause: freeze the screen (data keeps arriving)",
            Group::Theme => "next theme",
            Group::Spacing => "presentation spacing: a blank line between rows",
            Group::Export => "export this view (SVG, text, Markdown) to --export-dir",
            Group::Errors => "errors of the last poll, data that could not be read",
            Group::Refresh => "refresh now",
            Group::Move => "move down / up",
            Group::Page => "page down / up",
            Group::Ends => "first / last row",
            Group::ReplayPlay => "replay: play / pause the timeline",
            Group::ReplayStep => "replay: one poll back / forward",
            Group::ReplayJump5 => "replay: 5 minutes back / forward",
            Group::ReplayJump60 => "replay: an hour back / forward",
            Group::ReplaySpeed => "replay: slower / faster (x1 to x60)",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    pub code: KeyCode,
    pub ctrl: bool,
    /// Shown in the help view.
    pub label: &'static str,
    pub action: Action,
    pub group: Group,
    /// Short word for the footer, if the binding is hinted there.
    pub hint: Option<&'static str>,
}

const fn key(code: KeyCode, label: &'static str, action: Action, group: Group) -> Binding {
    Binding { code, ctrl: false, label, action, group, hint: None }
}

const fn hinted(
    code: KeyCode,
    label: &'static str,
    action: Action,
    group: Group,
    hint: &'static str,
) -> Binding {
    Binding { code, ctrl: false, label, action, group, hint: Some(hint) }
}

use KeyCode::*;

pub const KEYMAP: &[Binding] = &[
    hinted(Char('q'), "q", Action::Quit, Group::Quit, "quit"),
    Binding {
        code: Char('c'),
        ctrl: true,
        label: "Ctrl-C",
        action: Action::Quit,
        group: Group::Quit,
        hint: None,
    },
    hinted(Char('?'), "?", Action::Help, Group::Help, "help"),
    hinted(Char('/'), "/", Action::Filter, Group::Filter, "filter"),
    key(Char(':'), ":", Action::Command, Group::Command),
    key(Esc, "Esc", Action::Back, Group::Back),
    hinted(Char('s'), "s", Action::SortNext, Group::Sort, "sort"),
    key(Char('S'), "S", Action::SortReverse, Group::Sort),
    hinted(Tab, "Tab", Action::NextView, Group::Tab, "view"),
    key(BackTab, "Shift-Tab", Action::PrevView, Group::Tab),
    key(Char('1'), "1", Action::Show(ViewId::Fleet), Group::Views),
    key(Char('2'), "2", Action::Show(ViewId::Replication), Group::Views),
    key(Char('3'), "3", Action::Show(ViewId::Kafka), Group::Views),
    key(Char('4'), "4", Action::Show(ViewId::Maintenance), Group::Views),
    key(Char('5'), "5", Action::Show(ViewId::Findings), Group::Views),
    key(Char('6'), "6", Action::Show(ViewId::Events), Group::Views),
    hinted(Enter, "Enter", Action::Open, Group::Open, "detail"),
    hinted(Char('p'), "p", Action::Pause, Group::Pause, "pause"),
    hinted(Char('t'), "t", Action::CycleTheme, Group::Theme, "theme"),
    key(Char('z'), "z", Action::Spacing, Group::Spacing),
    hinted(Char('e'), "e", Action::Export, Group::Export, "export"),
    key(Char('E'), "E", Action::Errors, Group::Errors),
    key(Char('r'), "r", Action::Refresh, Group::Refresh),
    key(Char('j'), "j", Action::Down, Group::Move),
    key(Down, "Down", Action::Down, Group::Move),
    key(Char('k'), "k", Action::Up, Group::Move),
    key(Up, "Up", Action::Up, Group::Move),
    key(PageDown, "PgDn", Action::PageDown, Group::Page),
    key(PageUp, "PgUp", Action::PageUp, Group::Page),
    key(Home, "Home", Action::Top, Group::Ends),
    key(Char('g'), "g", Action::Top, Group::Ends),
    key(End, "End", Action::Bottom, Group::Ends),
    key(Char('G'), "G", Action::Bottom, Group::Ends),
    key(Char(' '), "Space", Action::Timeline(Move::PlayPause), Group::ReplayPlay),
    key(Char(','), ",", Action::Timeline(Move::Step(-1)), Group::ReplayStep),
    key(Char('.'), ".", Action::Timeline(Move::Step(1)), Group::ReplayStep),
    key(Char('['), "[", Action::Timeline(Move::Jump(-5)), Group::ReplayJump5),
    key(Char(']'), "]", Action::Timeline(Move::Jump(5)), Group::ReplayJump5),
    key(Char('{'), "{", Action::Timeline(Move::Jump(-60)), Group::ReplayJump60),
    key(Char('}'), "}", Action::Timeline(Move::Jump(60)), Group::ReplayJump60),
    key(Char('-'), "-", Action::Timeline(Move::Slower), Group::ReplaySpeed),
    key(Char('+'), "+", Action::Timeline(Move::Faster), Group::ReplaySpeed),
    key(Char('='), "=", Action::Timeline(Move::Faster), Group::ReplaySpeed),
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

/// The help view's key lines: each group once, in table order, with all its keys.
pub fn help_lines() -> Vec<(String, &'static str)> {
    let mut lines: Vec<(Group, String)> = Vec::new();
    for b in KEYMAP {
        match lines.iter_mut().find(|(g, _)| *g == b.group) {
            Some((_, keys)) => {
                keys.push_str(" / ");
                keys.push_str(b.label);
            }
            None => lines.push((b.group, b.label.to_string())),
        }
    }
    lines.into_iter().map(|(g, keys)| (keys, g.description())).collect()
}

/// What a `:` command does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    Run(Action),
    /// Replay: move the playhead to the time that follows.
    Goto,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The canonical name first, then aliases.
    pub names: &'static [&'static str],
    /// What follows the name, for help (` TIME`).
    pub args: &'static str,
    pub kind: CommandKind,
    pub description: String,
}

/// Every `:` command: one per view (its names), then the others.
pub fn commands() -> Vec<Command> {
    let mut out: Vec<Command> = ViewId::ALL
        .into_iter()
        .map(|v| Command {
            names: v.names(),
            args: "",
            kind: CommandKind::Run(Action::Show(v)),
            description: format!("the {} view", v.title()),
        })
        .collect();
    out.push(Command {
        names: &["goto"],
        args: " TIME|EVENT",
        kind: CommandKind::Goto,
        description: "replay: jump to HH:MM or a date, or to the next failover (any kind)".into(),
    });
    out.push(Command {
        names: &["help", "?"],
        args: "",
        kind: CommandKind::Run(Action::Help),
        description: "this help".into(),
    });
    out.push(Command {
        names: &["quit", "q"],
        args: "",
        kind: CommandKind::Run(Action::Quit),
        description: "quit".into(),
    });
    out
}

/// The command a `:` line names, and the rest of the line (its argument).
pub fn parse_command(text: &str) -> Result<Option<(CommandKind, String)>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (name, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let name = name.to_ascii_lowercase();
    commands()
        .into_iter()
        .find(|c| c.names.contains(&name.as_str()))
        .map(|c| Some((c.kind, rest.trim().to_string())))
        .ok_or_else(|| format!("unknown command ':{name}': try {}", command_hint()))
}

/// The `:` prompt's hint line: every command's first name.
pub fn command_hint() -> String {
    commands().iter().map(|c| format!("{}{}", c.names[0], c.args)).collect::<Vec<_>>().join(" · ")
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

    #[test]
    fn help_joins_a_groups_keys_on_its_line() {
        let lines = help_lines();
        let moving = lines.iter().find(|(_, d)| *d == Group::Move.description()).unwrap();
        assert_eq!(moving.0, "j / Down / k / Up");
        assert_eq!(lines.iter().filter(|(_, d)| *d == Group::Views.description()).count(), 1);
    }

    #[test]
    fn commands_parse_by_any_name_and_carry_their_argument() {
        assert_eq!(
            parse_command("repl"),
            Ok(Some((CommandKind::Run(Action::Show(ViewId::Replication)), String::new())))
        );
        assert_eq!(parse_command(" q "), Ok(Some((CommandKind::Run(Action::Quit), String::new()))));
        assert_eq!(parse_command("goto 03:12"), Ok(Some((CommandKind::Goto, "03:12".into()))));
        assert_eq!(parse_command(""), Ok(None));
        let err = parse_command("bogus").unwrap_err();
        assert!(err.contains("fleet") && err.contains("goto TIME"), "{err}");
    }
}
