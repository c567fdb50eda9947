//! Themes: TOML files with semantic slots (ok, warn, crit, stale, selection...), embedded at
//! build time from `themes/`, overridable and extendable from the user's config directory,
//! with single inheritance (`parent`). `NO_COLOR` strips every colour, keeping modifiers.
//! This file holds the slots and a resolved theme; `load` reads, inherits and collects them.

mod load;

use ratatui::style::Style;

use crate::domain::severity::Severity;

pub use self::load::{ThemeError, ThemeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Text,
    Background,
    Muted,
    Accent,
    Header,
    Title,
    Border,
    Selection,
    Ok,
    Warn,
    Crit,
    Unknown,
    Stale,
    Paused,
    StatusBar,
    Chart1,
    Chart2,
    Chart3,
    Limit,
}

impl Slot {
    pub const ALL: [Slot; 19] = [
        Slot::Text,
        Slot::Background,
        Slot::Muted,
        Slot::Accent,
        Slot::Header,
        Slot::Title,
        Slot::Border,
        Slot::Selection,
        Slot::Ok,
        Slot::Warn,
        Slot::Crit,
        Slot::Unknown,
        Slot::Stale,
        Slot::Paused,
        Slot::StatusBar,
        Slot::Chart1,
        Slot::Chart2,
        Slot::Chart3,
        Slot::Limit,
    ];

    /// The key in a theme file.
    pub fn name(self) -> &'static str {
        match self {
            Slot::Text => "text",
            Slot::Background => "background",
            Slot::Muted => "muted",
            Slot::Accent => "accent",
            Slot::Header => "header",
            Slot::Title => "title",
            Slot::Border => "border",
            Slot::Selection => "selection",
            Slot::Ok => "ok",
            Slot::Warn => "warn",
            Slot::Crit => "crit",
            Slot::Unknown => "unknown",
            Slot::Stale => "stale",
            Slot::Paused => "paused",
            Slot::StatusBar => "status_bar",
            Slot::Chart1 => "chart_1",
            Slot::Chart2 => "chart_2",
            Slot::Chart3 => "chart_3",
            Slot::Limit => "limit",
        }
    }

    fn index(self) -> usize {
        Slot::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    fn from_name(name: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|s| s.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    name: String,
    styles: [Style; 19],
    no_color: bool,
}

impl Theme {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn style(&self, slot: Slot) -> Style {
        self.styles[slot.index()]
    }

    pub fn severity(&self, s: Severity) -> Style {
        self.style(match s {
            Severity::Critical => Slot::Crit,
            Severity::Warning => Slot::Warn,
            Severity::Info => Slot::Accent,
            Severity::Ok => Slot::Ok,
            Severity::Unknown => Slot::Unknown,
        })
    }

    pub fn background(&self) -> Style {
        self.style(Slot::Background)
    }

    pub fn is_no_color(&self) -> bool {
        self.no_color
    }

    fn strip_colour(&mut self) {
        for s in &mut self.styles {
            s.fg = None;
            s.bg = None;
            s.underline_color = None;
        }
        self.no_color = true;
    }
}
