//! What a key press does: line editing for `/` and `:`, the keymap's actions, `:` commands.
//! Keys go to the top overlay first (the evidence popup scrolls), then to the view.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{Action, ViewId};
use super::apply::{apply_poll, notice};
use super::derive::{clamp_cursors, refresh_visible, selected_instance_arn};
use super::filter::Filter;
use super::keymap::{self, CommandKind};
use super::msg::Effect;
use super::overlay::Overlay;
use super::state::{Detail, FleetSort, Input, KafkaSort, Model};

pub(crate) fn on_key(m: &mut Model, k: KeyEvent, effects: &mut Vec<Effect>) {
    if k.kind == KeyEventKind::Release {
        return;
    }
    m.runtime.dirty = true;
    match m.input.clone() {
        Input::Filter(text) => edit_line(m, k, text, true, effects),
        Input::Command(text) => edit_line(m, k, text, false, effects),
        Input::Normal => {
            if let Some(a) = keymap::lookup(&k) {
                apply_action(m, a, effects);
            }
        }
    }
}

/// Line editing for `/` and `:`. The filter applies as you type.
fn edit_line(m: &mut Model, k: KeyEvent, mut text: String, is_filter: bool, effects: &mut Vec<Effect>) {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    match k.code {
        KeyCode::Esc => {
            if is_filter {
                set_filter(m, "");
            }
            m.input = Input::Normal;
            return;
        }
        KeyCode::Enter => {
            m.input = Input::Normal;
            if !is_filter {
                run_command(m, &text, effects);
            }
            return;
        }
        KeyCode::Char('c') if ctrl => {
            m.runtime.quit = true;
            return;
        }
        KeyCode::Char('u') if ctrl => text.clear(),
        KeyCode::Backspace => {
            text.pop();
        }
        KeyCode::Char(c) if !ctrl => text.push(c),
        _ => return,
    }
    if is_filter {
        set_filter(m, &text);
        m.input = Input::Filter(text);
    } else {
        m.input = Input::Command(text);
    }
}

fn set_filter(m: &mut Model, text: &str) {
    let state = &mut m.views[m.view];
    state.filter = Filter::parse(text);
    state.cursor = Default::default();
    refresh_visible(m);
}

/// A `:` line: the command table says what it is.
fn run_command(m: &mut Model, text: &str, effects: &mut Vec<Effect>) {
    match keymap::parse_command(text) {
        Ok(None) => {}
        Ok(Some((CommandKind::Run(a), _))) => apply_action(m, a, effects),
        Ok(Some((CommandKind::Goto, arg))) => goto(m, &arg, effects),
        Err(e) => notice(m, e),
    }
}

fn goto(m: &mut Model, arg: &str, effects: &mut Vec<Effect>) {
    let tz = m.settings.tz.clone();
    let Some(t) = &mut m.timeline else {
        notice(m, ":goto works in a replay: dbfleet replay FILE");
        return;
    };
    // An event kind (`:goto failover`): to the poll that shows the next one.
    if let Some(mark) = t.find_event(arg, t.target.unwrap_or(m.now)) {
        effects.push(t.seek(mark.poll_at));
        let when = crate::domain::format::local_date_time(mark.at, &tz);
        notice(m, format!("goto {} at {when}", mark.kind.label()));
        return;
    }
    match t.parse_goto(arg, m.now, &tz) {
        Ok(at) => {
            let at = at.clamp(t.first(), t.last());
            effects.push(t.seek(at));
            notice(m, format!("goto {}", crate::domain::format::local_date_time(at, &tz)));
        }
        Err(e) => notice(m, e),
    }
}

fn show(m: &mut Model, v: ViewId) {
    m.view = v;
    m.overlays.clear();
}

fn move_cursor(m: &mut Model, delta: isize) {
    let rows = m.body_rows();
    let state = &mut m.views[m.view];
    let len = state.visible.len();
    let c = &mut state.cursor;
    c.selected = c.selected.saturating_add_signed(delta).min(len.saturating_sub(1));
    c.clamp(len, rows);
}

/// The evidence popup on top takes the movement keys (the UI clamps the end).
fn scroll_evidence(m: &mut Model, a: Action) -> bool {
    let page = m.body_rows() as u16;
    let Some(scroll) = m.overlays.evidence_scroll() else { return false };
    *scroll = match a {
        Action::Up => scroll.saturating_sub(1),
        Action::Down => scroll.saturating_add(1),
        Action::PageUp => scroll.saturating_sub(page),
        Action::PageDown => scroll.saturating_add(page),
        Action::Top => 0,
        Action::Bottom => u16::MAX / 2,
        _ => return false,
    };
    true
}

pub fn apply_action(m: &mut Model, a: Action, effects: &mut Vec<Effect>) {
    if scroll_evidence(m, a) {
        return;
    }
    let page = m.body_rows() as isize;
    match a {
        Action::Quit => m.runtime.quit = true,
        Action::Help => m.overlays.toggle(Overlay::Help),
        Action::Errors => m.overlays.toggle(Overlay::Errors),
        Action::Export => effects.push(Effect::Export),
        Action::Spacing => {
            m.display.spacious = !m.display.spacious;
            clamp_cursors(m);
            notice(m, if m.display.spacious { "spacing: presentation" } else { "spacing: compact" });
        }
        Action::Filter => {
            if m.overlays.top() == Some(&Overlay::Help) {
                m.overlays.pop();
            }
            m.input = Input::Filter(m.filter().text.clone());
        }
        Action::Command => m.input = Input::Command(String::new()),
        Action::Back => {
            if m.overlays.pop().is_none() && !m.filter().is_empty() {
                set_filter(m, "");
            }
        }
        Action::SortNext | Action::SortReverse => sort(m, a == Action::SortReverse),
        Action::NextView | Action::PrevView => {
            let n = ViewId::ALL.len();
            let step = if a == Action::NextView { 1 } else { n - 1 };
            show(m, ViewId::ALL[(m.view.index() + step) % n]);
        }
        Action::Show(v) => show(m, v),
        Action::Open => open(m),
        Action::Pause => toggle_pause(m),
        Action::CycleTheme => {
            m.display.theme_index = (m.display.theme_index + 1) % m.settings.theme_names.len().max(1);
            let name = m.theme_name().to_string();
            notice(m, format!("theme: {name}"));
        }
        Action::Refresh => {
            effects.push(Effect::RefreshNow);
            notice(m, "refreshing…");
        }
        Action::Timeline(mv) => match &mut m.timeline {
            Some(t) => {
                let shown = m.status.last_success.unwrap_or(m.now);
                let (effect, text) = t.apply(mv, shown, m.now);
                effects.push(effect);
                notice(m, text);
            }
            None => notice(m, "timeline keys work in a replay: dbfleet replay FILE"),
        },
        Action::Up => move_cursor(m, -1),
        Action::Down => move_cursor(m, 1),
        Action::PageUp => move_cursor(m, -page),
        Action::PageDown => move_cursor(m, page),
        Action::Top => move_cursor(m, isize::MIN / 2),
        Action::Bottom => move_cursor(m, isize::MAX / 2),
    }
}

/// How many sort orders a view offers (0: its order is fixed).
fn sort_count(v: ViewId) -> usize {
    match v {
        ViewId::Fleet => FleetSort::ORDER.len(),
        ViewId::Kafka => KafkaSort::ORDER.len(),
        ViewId::Maintenance => 2,
        ViewId::Replication | ViewId::Findings | ViewId::Events => 0,
    }
}

fn sort(m: &mut Model, reverse: bool) {
    let v = m.view;
    let count = sort_count(v);
    if count == 0 {
        notice(m, "this view has a fixed order; sorting applies to Fleet, Kafka and Maintenance");
        return;
    }
    let state = &mut m.views[v];
    if reverse {
        state.reverse = !state.reverse;
    } else {
        state.reverse = false;
        state.sort = (state.sort + 1) % count;
    }
    let label = match v {
        ViewId::Kafka => m.kafka_sort().label(),
        ViewId::Maintenance if m.maintenance_by_risk() => "risk, then next event",
        ViewId::Maintenance => "next event",
        _ => m.fleet_sort().label(),
    };
    let dir = if m.views[v].reverse { " (reversed)" } else { "" };
    notice(m, format!("sort: {label}{dir}"));
    refresh_visible(m);
}

fn open(m: &mut Model) {
    if m.detail().is_some() {
        return;
    }
    match m.view {
        ViewId::Findings => {
            if m.selected_row().is_some() {
                m.overlays.push(Overlay::Evidence { scroll: 0 });
            }
        }
        ViewId::Kafka => {
            let line = m.selected_row().and_then(|i| m.kafka_lines.get(i).copied());
            if let Some(r) = line.and_then(|l| crate::app::kafka_tree::consumer_of(&m.fleet.kafka, l)) {
                let id = m.fleet.kafka.consumers[r].id.clone();
                m.overlays.push(Overlay::Detail(Detail::Consumer(id)));
            }
        }
        v => {
            if let Some(arn) = selected_instance_arn(m, v) {
                m.overlays.push(Overlay::Detail(Detail::Instance(arn)));
            }
        }
    }
}

fn toggle_pause(m: &mut Model) {
    if m.runtime.paused.take().is_some() {
        let now = m.now;
        for ev in m.runtime.held.take() {
            apply_poll(m, ev, now);
        }
        notice(m, "resumed: live");
    } else {
        m.runtime.paused = Some(m.now);
    }
}
