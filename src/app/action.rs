//! What a key can do. Actions are data; `update` gives them meaning.

/// The top-level views, in Tab order; `1`..`6` jump to them. The discriminant indexes
/// `ViewStates`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewId {
    Fleet,
    Replication,
    Kafka,
    Maintenance,
    Findings,
    Events,
}

impl ViewId {
    pub const COUNT: usize = 6;
    pub const ALL: [ViewId; ViewId::COUNT] = [
        ViewId::Fleet,
        ViewId::Replication,
        ViewId::Kafka,
        ViewId::Maintenance,
        ViewId::Findings,
        ViewId::Events,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ViewId::Fleet => "Fleet",
            ViewId::Replication => "Replication",
            ViewId::Kafka => "Kafka",
            ViewId::Maintenance => "Maintenance",
            ViewId::Findings => "Findings",
            ViewId::Events => "Events",
        }
    }

    /// The tab's label when the full ones do not fit (80 columns with a Detail open).
    pub fn short_title(self) -> &'static str {
        match self {
            ViewId::Replication => "Repl",
            ViewId::Maintenance => "Maint",
            ViewId::Findings => "Find",
            v => v.title(),
        }
    }

    /// Names accepted by `:` and `--view` (first is canonical).
    pub fn names(self) -> &'static [&'static str] {
        match self {
            ViewId::Fleet => &["fleet", "instances", "db"],
            ViewId::Replication => &["replication", "repl", "topology"],
            ViewId::Kafka => &["kafka", "msk", "consumers"],
            ViewId::Maintenance => &["maintenance", "maint", "upgrades"],
            ViewId::Findings => &["findings", "risks", "alerts"],
            ViewId::Events => &["events", "history", "timeline"],
        }
    }

    pub fn parse(name: &str) -> Option<ViewId> {
        let n = name.trim().to_ascii_lowercase();
        ViewId::ALL.into_iter().find(|v| v.names().contains(&n.as_str()))
    }

    /// Position in Tab order (the `1`..`6` keys are this plus one).
    pub fn index(self) -> usize {
        self as usize
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Filter,
    Command,
    Back,
    SortNext,
    SortReverse,
    NextView,
    PrevView,
    Show(ViewId),
    Open,
    Pause,
    CycleTheme,
    Errors,
    Export,
    Spacing,
    Refresh,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    /// Replay: play/pause, step, jump, speed.
    Timeline(super::timeline::Move),
}
