//! `update(model, msg, now)`: the only code that changes the model.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use jiff::Timestamp;

use super::action::{Action, ViewId};
use super::derive::{clamp_cursors, derive_data, refresh_visible, selected_instance_arn};
use super::filter::Filter;
use super::keymap;
use super::msg::{Effect, Msg};
use super::state::{Detail, Input, Model, Notice};
use crate::domain::snapshot::FleetSnapshot;
use crate::domain::topology::replication_tree;
use crate::source::PollFailure;
use crate::source::poller::PollEvent;

/// Re-derive at least this often, so readings age into "stale" without a new poll.
const REDERIVE_EVERY_SECS: i64 = 5;
/// Events held while paused, at most; older ones are folded into newer ones.
const MAX_HELD: usize = 512;

pub fn update(m: &mut Model, msg: Msg, now: Timestamp) -> Vec<Effect> {
    let before = m.now;
    m.now = now;
    let mut effects = Vec::new();
    match msg {
        Msg::Key(k) => on_key(m, k, &mut effects),
        Msg::Resize(w, h) => {
            m.size = (w, h);
            clamp_cursors(m);
            m.dirty = true;
        }
        Msg::Poll(ev) => {
            if m.paused.is_some() && !matches!(ev, PollEvent::Started) {
                hold(m, ev);
            } else {
                apply_poll(m, ev, now);
            }
        }
        Msg::Tick => {
            if m.derived_at.is_none_or(|t| now.as_second() - t.as_second() >= REDERIVE_EVERY_SECS)
                && m.paused.is_none()
                && m.loaded()
            {
                derive_data(m, now);
            }
            if let Some(n) = &mut m.notice {
                n.ticks = n.ticks.saturating_sub(1);
                if n.ticks == 0 {
                    m.notice = None;
                    m.dirty = true;
                }
            }
            // Ages on screen change once a second; a frozen screen does not move.
            if m.paused.is_none() && before.as_second() != now.as_second() {
                m.dirty = true;
            }
        }
        Msg::Terminate => m.quit = true,
    }
    effects
}

fn hold(m: &mut Model, ev: PollEvent) {
    if m.held.len() >= MAX_HELD {
        // Fold the oldest snapshot's points into the next one so no history is lost.
        let oldest = m.held.remove(0);
        if let (PollEvent::Snapshot(old), Some(PollEvent::Snapshot(next))) = (oldest, m.held.first_mut()) {
            let mut metrics = old.metrics;
            metrics.append(&mut next.metrics);
            next.metrics = metrics;
        }
    }
    m.held.push(ev);
}

fn apply_poll(m: &mut Model, ev: PollEvent, now: Timestamp) {
    match ev {
        PollEvent::Started => m.status.polling = true,
        PollEvent::Snapshot(s) => apply_snapshot(m, *s, now),
        PollEvent::Failed(f) => apply_failure(m, f, now),
    }
    m.dirty = true;
}

pub fn apply_snapshot(m: &mut Model, s: FleetSnapshot, now: Timestamp) {
    let f = &mut m.fleet;
    if s.reset {
        f.history.clear();
        m.status.region_good_at.clear();
    }
    if !Arc::ptr_eq(&f.inventory, &s.inventory) && f.inventory == s.inventory {
        // Same content in a new allocation: keep the source's, so the next poll's check is a
        // pointer comparison instead of a deep one.
        f.inventory = s.inventory;
    } else if !Arc::ptr_eq(&f.inventory, &s.inventory) {
        f.inventory = s.inventory;
        f.tree = replication_tree(&f.inventory);
        f.statics = crate::domain::fleet::statics(&f.inventory);
        f.peaks = crate::domain::risk::learned_peaks(&f.inventory, &m.rules);
        let inv = &f.inventory;
        let known: std::collections::HashSet<&str> = inv
            .instances
            .iter()
            .map(|d| d.arn.as_str())
            .chain(inv.clusters.iter().map(|c| c.arn.as_str()))
            .chain(inv.kafka_clusters.iter().map(|c| c.arn.as_str()))
            .collect();
        f.history.retain_resources(|r| known.contains(r));
    }
    f.history.merge(&s.metrics);
    let st = &mut m.status;
    st.polling = false;
    st.polls += 1;
    st.last_success = Some(s.taken_at);
    st.failing_since = None;
    st.error_total += s.errors.len() as u64;
    for r in &s.source.regions {
        if !s.errors.iter().any(|e| &e.region == r && e.stales_region()) {
            st.region_good_at.insert(r.clone(), s.taken_at);
        }
    }
    st.capabilities = s.capabilities;
    st.errors = s.errors;
    st.source = Some(s.source);
    st.api = s.api;
    derive_data(m, now);
}

pub fn apply_failure(m: &mut Model, f: PollFailure, now: Timestamp) {
    let st = &mut m.status;
    st.polling = false;
    st.polls += 1;
    st.failing_since.get_or_insert(now);
    st.error_total += f.errors.len().max(1) as u64;
    st.errors = f.errors;
    if !f.capabilities.is_empty() {
        st.capabilities = f.capabilities;
    }
}

pub(crate) fn notice(m: &mut Model, text: impl Into<String>) {
    m.notice = Some(Notice { text: text.into(), ticks: 4 });
}

fn on_key(m: &mut Model, k: KeyEvent, effects: &mut Vec<Effect>) {
    if k.kind == KeyEventKind::Release {
        return;
    }
    m.dirty = true;
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
            m.quit = true;
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
    let v = m.view.index();
    m.filters[v] = Filter::parse(text);
    m.cursors[v].selected = 0;
    m.cursors[v].offset = 0;
    refresh_visible(m);
}

fn run_command(m: &mut Model, text: &str, effects: &mut Vec<Effect>) {
    let cmd = text.trim();
    if let Some(arg) = cmd.strip_prefix("goto") {
        match &mut m.timeline {
            Some(t) => match t.parse_goto(arg, m.now, &m.tz) {
                Ok(at) => {
                    let at = at.clamp(t.first(), t.last());
                    effects.push(t.seek(at));
                    let shown = crate::ui::format::local_date_time(at, &m.tz);
                    notice(m, format!("goto {shown}"));
                }
                Err(e) => notice(m, e),
            },
            None => notice(m, ":goto works in a replay: dbfleet replay FILE"),
        }
        return;
    }
    match cmd {
        "" => {}
        "q" | "quit" => m.quit = true,
        "help" | "?" => m.help = true,
        _ => match ViewId::parse(cmd) {
            Some(v) => show(m, v),
            None => {
                let names: Vec<&str> = ViewId::ALL.iter().map(|v| v.names()[0]).collect();
                notice(m, format!("unknown view '{cmd}': try {}", names.join(", ")));
            }
        },
    }
}

fn show(m: &mut Model, v: ViewId) {
    m.view = v;
    m.detail = None;
    m.help = false;
    m.finding_open = false;
}

fn move_cursor(m: &mut Model, delta: isize) {
    let v = m.view.index();
    let len = m.visible[v].len();
    let rows = m.body_rows();
    let c = &mut m.cursors[v];
    c.selected = c.selected.saturating_add_signed(delta).min(len.saturating_sub(1));
    c.clamp(len, rows);
}

pub fn apply_action(m: &mut Model, a: Action, effects: &mut Vec<Effect>) {
    let page = m.body_rows() as isize;
    match a {
        Action::Quit => m.quit = true,
        Action::Help => m.help = !m.help,
        Action::Errors => m.errors_open = !m.errors_open,
        Action::Export => effects.push(Effect::Export),
        Action::Spacing => {
            m.spacious = !m.spacious;
            crate::app::derive::clamp_cursors(m);
            notice(m, if m.spacious { "spacing: presentation" } else { "spacing: compact" });
        }
        Action::Filter => {
            m.help = false;
            m.input = Input::Filter(m.filter().text.clone());
        }
        Action::Command => m.input = Input::Command(String::new()),
        Action::Back => {
            if m.help {
                m.help = false;
            } else if m.errors_open {
                m.errors_open = false;
            } else if m.finding_open {
                m.finding_open = false;
            } else if m.detail.is_some() {
                m.detail = None;
            } else if !m.filter().is_empty() {
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
            m.theme_index = (m.theme_index + 1) % m.theme_names.len().max(1);
            let name = m.theme_name().to_string();
            notice(m, format!("theme: {name}"));
        }
        Action::Refresh => {
            effects.push(Effect::RefreshNow);
            notice(m, "refreshing…");
        }
        // With the evidence popup open, the movement keys scroll it (the UI clamps the end).
        Action::Up if m.finding_open => m.popup_scroll = m.popup_scroll.saturating_sub(1),
        Action::Down if m.finding_open => m.popup_scroll = m.popup_scroll.saturating_add(1),
        Action::PageUp if m.finding_open => m.popup_scroll = m.popup_scroll.saturating_sub(page as u16),
        Action::PageDown if m.finding_open => m.popup_scroll = m.popup_scroll.saturating_add(page as u16),
        Action::Top if m.finding_open => m.popup_scroll = 0,
        Action::Bottom if m.finding_open => m.popup_scroll = u16::MAX / 2,
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

fn sort(m: &mut Model, reverse: bool) {
    if reverse {
        m.reverse = !m.reverse;
    } else {
        m.reverse = false;
        match m.view {
            ViewId::Fleet => m.fleet_sort = m.fleet_sort.next(),
            ViewId::Kafka => m.kafka_sort = m.kafka_sort.next(),
            ViewId::Maintenance => m.maintenance_by_risk = !m.maintenance_by_risk,
            _ => {
                notice(m, "this view has a fixed order; sorting applies to Fleet, Kafka and Maintenance");
                return;
            }
        }
    }
    let label = match m.view {
        ViewId::Kafka => m.kafka_sort.label(),
        ViewId::Maintenance if m.maintenance_by_risk => "risk, then next event",
        ViewId::Maintenance => "next event",
        _ => m.fleet_sort.label(),
    };
    let dir = if m.reverse { " (reversed)" } else { "" };
    notice(m, format!("sort: {label}{dir}"));
    refresh_visible(m);
}

fn open(m: &mut Model) {
    if m.detail.is_some() {
        return;
    }
    match m.view {
        ViewId::Findings => {
            m.finding_open = m.selected_row().is_some();
            m.popup_scroll = 0;
        }
        ViewId::Kafka => {
            let line = m.selected_row().and_then(|i| m.kafka_lines.get(i).copied());
            if let Some(r) = line.and_then(|l| crate::app::kafka_tree::consumer_of(&m.fleet.kafka, l)) {
                m.detail = Some(Detail::Consumer(m.fleet.kafka.consumers[r].id.clone()));
            }
        }
        v => {
            if let Some(arn) = selected_instance_arn(m, v) {
                m.detail = Some(Detail::Instance(arn));
            }
        }
    }
}

fn toggle_pause(m: &mut Model) {
    if m.paused.take().is_some() {
        let now = m.now;
        for ev in std::mem::take(&mut m.held) {
            apply_poll(m, ev, now);
        }
        notice(m, "resumed: live");
    } else {
        m.paused = Some(m.now);
    }
}
