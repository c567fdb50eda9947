//! The app's one model: what the source said (inventory, history), what the domain derived
//! from it (rows, tree, findings), and what the user is doing (view, cursor, filter, pause).
//! Only `update` changes it; the UI reads it.

use std::sync::Arc;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::action::ViewId;
use super::filter::Filter;
use super::held::HeldPolls;
pub use super::overlay::Detail;
use super::overlay::OverlayStack;
use super::views::{ViewState, ViewStates};
use crate::domain::capability_status::CapabilityStatus;
use crate::domain::consumer_status::LagSettings;
use crate::domain::findings::Finding;
use crate::domain::fleet::InstanceRow;
use crate::domain::kafka::KafkaOverview;
use crate::domain::metrics::MetricHistory;
use crate::domain::model::Inventory;
use crate::domain::risk::settings::RuleSettings;
use crate::domain::snapshot::{ApiStats, SourceError, SourceInfo};
use crate::domain::thresholds::Thresholds;
use crate::domain::topology::TreeLine;

/// Rows of a table view's body: the screen less the tab line, the table header, the status
/// bar and the hint line. The UI lays tables out with the same numbers.
pub const CHROME_ROWS: u16 = 4;

pub fn table_body_rows(height: u16) -> usize {
    usize::from(height.saturating_sub(CHROME_ROWS)).max(1)
}

/// Smallest usable terminal.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Normal,
    Filter(String),
    Command(String),
}

/// Fleet table columns that can be sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FleetSort {
    Severity,
    Name,
    Region,
    Engine,
    Role,
    Status,
    Connections,
    Lag,
    Cpu,
    Window,
}

impl FleetSort {
    pub const ORDER: [FleetSort; 10] = [
        FleetSort::Severity,
        FleetSort::Name,
        FleetSort::Region,
        FleetSort::Engine,
        FleetSort::Role,
        FleetSort::Status,
        FleetSort::Connections,
        FleetSort::Lag,
        FleetSort::Cpu,
        FleetSort::Window,
    ];

    pub fn label(self) -> &'static str {
        match self {
            FleetSort::Severity => "severity",
            FleetSort::Name => "name",
            FleetSort::Region => "region",
            FleetSort::Engine => "engine",
            FleetSort::Role => "role",
            FleetSort::Status => "status",
            FleetSort::Connections => "connections %",
            FleetSort::Lag => "replica lag",
            FleetSort::Cpu => "CPU",
            FleetSort::Window => "next window",
        }
    }
}

/// Kafka tree sort: groups within their cluster, topics within their group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KafkaSort {
    Severity,
    Group,
    MaxLag,
    TimeLag,
}

impl KafkaSort {
    pub const ORDER: [KafkaSort; 4] =
        [KafkaSort::Severity, KafkaSort::Group, KafkaSort::MaxLag, KafkaSort::TimeLag];

    pub fn label(self) -> &'static str {
        match self {
            KafkaSort::Severity => "status",
            KafkaSort::Group => "name",
            KafkaSort::MaxLag => "max offset lag",
            KafkaSort::TimeLag => "time lag",
        }
    }
}

/// One line of the Kafka tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KafkaLine {
    /// Index into `fleet.kafka.clusters`.
    Cluster(usize),
    /// Why the cluster shows no consumer lag.
    Reason(usize),
    /// Index into `fleet.kafka.groups`; a one-topic group shows its topic on this line.
    Group(usize),
    /// Index into `fleet.kafka.consumers`: one topic of a multi-topic group.
    Topic(usize),
}

/// How the source is doing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Status {
    pub source: Option<SourceInfo>,
    pub polling: bool,
    pub started_at: Option<Timestamp>,
    /// `taken_at` of the newest good snapshot.
    pub last_success: Option<Timestamp>,
    /// When the newest poll failed, if it did after the last success.
    pub failing_since: Option<Timestamp>,
    /// Errors of the newest poll (a failed one, or a partial success).
    pub errors: Vec<SourceError>,
    pub error_total: u64,
    pub polls: u64,
    pub api: Option<ApiStats>,
    /// Per region, when its data last arrived without errors: the age of a stale region.
    pub region_good_at: std::collections::BTreeMap<String, Timestamp>,
    /// Per account x region x capability: ok, or why that part of the data is missing or old.
    pub capabilities: Vec<CapabilityStatus>,
}

impl Status {
    /// Data is stale when the newest poll failed outright.
    pub fn stale(&self) -> bool {
        self.failing_since.is_some()
    }

    pub fn age_secs(&self, now: Timestamp) -> Option<i64> {
        self.last_success.map(|t| (now.as_second() - t.as_second()).max(0))
    }

    /// Regions whose newest poll failed, with the age of the data shown for them.
    pub fn stale_regions(&self, now: Timestamp) -> Vec<(String, Option<i64>)> {
        let mut regions: Vec<&str> =
            self.errors.iter().filter(|e| e.stales_region()).map(|e| e.region.as_str()).collect();
        regions.sort_unstable();
        regions.dedup();
        regions
            .into_iter()
            .map(|r| {
                let age = self.region_good_at.get(r).map(|t| (now.as_second() - t.as_second()).max(0));
                (r.to_string(), age)
            })
            .collect()
    }

    /// A region is stale when the newest poll could not refresh its instances or metrics (an
    /// optional capability failing leaves the rest of its rows current).
    pub fn region_stale(&self, region: &str) -> bool {
        self.stale() || self.errors.iter().any(|e| e.region == region && e.stales_region())
    }

    /// Capabilities whose data is missing or old, worst first: the core before the rest, data
    /// missing (failed, denied, unsupported) before data kept but old.
    pub fn gaps(&self) -> Vec<&CapabilityStatus> {
        use crate::domain::capability::Capability;
        use crate::domain::capability_status::CapState;
        let rank = |c: &CapabilityStatus| {
            let state = match c.state {
                CapState::Failed => 0,
                CapState::Denied => 1,
                CapState::Unsupported => 2,
                _ => 3,
            };
            (c.capability != Capability::Instances, state)
        };
        let mut g: Vec<&CapabilityStatus> = self.capabilities.iter().filter(|c| c.state.is_gap()).collect();
        g.sort_by(|a, b| {
            rank(a).cmp(&rank(b)).then_with(|| (&a.region, a.capability).cmp(&(&b.region, b.capability)))
        });
        g
    }
}

/// Maintenance-risk findings (after mutes and overrides) as of one minute and one inventory.
#[derive(Debug, Clone)]
pub struct RiskCache {
    pub inventory: Arc<Inventory>,
    pub minute: i64,
    pub findings: Vec<Arc<Finding>>,
    pub muted: usize,
}

/// Everything the source said and the domain derived.
#[derive(Debug, Clone, Default)]
pub struct FleetState {
    pub inventory: Arc<Inventory>,
    pub history: MetricHistory,
    pub rows: Vec<InstanceRow>,
    /// Per-instance facts from the inventory alone, recomputed when it changes.
    pub statics: Vec<crate::domain::fleet::InstanceStatic>,
    pub tree: Vec<TreeLine>,
    /// Consumer rows, groups and clusters with their lag statuses.
    pub kafka: KafkaOverview,
    /// Shared: the maintenance-risk ones are reused from their per-minute cache.
    pub findings: Vec<Arc<Finding>>,
    /// Findings dropped by mutes or `off` overrides in config.
    pub muted: usize,
    /// The maintenance-risk findings of the current minute and inventory.
    pub risk: Option<RiskCache>,
    /// Learned peak hours per instance, recomputed when the inventory changes.
    pub peaks: Vec<Option<crate::domain::peak::PeakHours>>,
    /// Worst finding per instance (same order as `inventory.instances`), for marking rows.
    pub marks: Vec<crate::domain::risk::marks::Marks>,
    /// Instances with a maintenance window, by next window start.
    pub maintenance: Vec<usize>,
    /// RDS events so far (bounded, deduplicated, oldest first).
    pub events: crate::domain::events::EventStore,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    /// Real seconds (ticks) it stays: the model's time can be simulated, paused or replayed.
    pub ticks: u8,
}

/// What the source is configured to be judged by and shown in: fixed for a session.
#[derive(Debug, Clone)]
pub struct Settings {
    pub thresholds: Thresholds,
    pub rules: RuleSettings,
    /// Consumer-lag status rules (`[kafka]` in config).
    pub lag: LagSettings,
    pub tz: TimeZone,
    pub theme_names: Vec<String>,
    /// Colours of accounts and tag values (config `[[accounts]] color`, `[[colors]]`).
    pub accounts: crate::domain::accounts::Accounts,
    /// Where `e` writes the view (`--export-dir`, default the current directory).
    pub export_dir: std::path::PathBuf,
}

impl Settings {
    pub fn new(thresholds: Thresholds, tz: TimeZone, theme_names: Vec<String>) -> Settings {
        Settings {
            thresholds,
            rules: RuleSettings::default(),
            lag: LagSettings::default(),
            tz,
            theme_names,
            accounts: Default::default(),
            export_dir: std::path::PathBuf::from("."),
        }
    }
}

/// How the screen is drawn.
#[derive(Debug, Clone, Default)]
pub struct Display {
    pub size: (u16, u16),
    pub theme_index: usize,
    /// Fold the screen to ASCII (`--ascii`, `TERM=dumb`, a non-UTF-8 locale).
    pub ascii: bool,
    /// Presentation spacing (`z`, `--spacious`): a blank line between table rows, for a
    /// screen shared on a video call.
    pub spacious: bool,
}

/// The loop's own state: pause, what to redraw, when to leave.
#[derive(Debug, Default)]
pub struct Runtime {
    /// When the screen was frozen; polls held meanwhile are applied on resume.
    pub paused: Option<Timestamp>,
    pub held: HeldPolls,
    pub notice: Option<Notice>,
    pub quit: bool,
    /// Something changed since the last frame.
    pub dirty: bool,
    pub derived_at: Option<Timestamp>,
    /// Test hook (`demo --debug-panic`): panic after the first frame.
    pub debug_panic: bool,
}

pub struct Model {
    pub now: Timestamp,
    pub settings: Settings,
    /// What the source said and the domain derived.
    pub fleet: FleetState,
    pub status: Status,
    /// The view on screen, each view's state, and what covers it.
    pub view: ViewId,
    pub views: ViewStates,
    /// The Kafka view's lines after filter and sort; `views[Kafka].visible` indexes them.
    pub kafka_lines: Vec<KafkaLine>,
    pub overlays: OverlayStack,
    pub input: Input,
    pub display: Display,
    /// A replay's timeline (None when watching live or the demo).
    pub timeline: Option<super::timeline::Timeline>,
    pub runtime: Runtime,
}

impl Model {
    pub fn new(now: Timestamp, thresholds: Thresholds, tz: TimeZone, theme_names: Vec<String>) -> Model {
        Model {
            now,
            settings: Settings::new(thresholds, tz, theme_names),
            fleet: FleetState::default(),
            status: Status { started_at: Some(now), ..Default::default() },
            view: ViewId::Fleet,
            views: ViewStates::default(),
            kafka_lines: Vec::new(),
            overlays: OverlayStack::default(),
            input: Input::Normal,
            display: Display { size: (80, 24), ..Default::default() },
            timeline: None,
            runtime: Runtime { dirty: true, ..Default::default() },
        }
    }

    /// The state of the view on screen.
    pub fn current(&self) -> &ViewState {
        &self.views[self.view]
    }

    pub fn filter(&self) -> &Filter {
        &self.views[self.view].filter
    }

    /// Index (into the view's own row list) of the selected row.
    pub fn selected_row(&self) -> Option<usize> {
        self.views[self.view].selected()
    }

    pub fn detail(&self) -> Option<&Detail> {
        self.overlays.detail()
    }

    pub fn selected_in(&self, view: ViewId) -> Option<usize> {
        self.views[view].selected()
    }

    pub fn fleet_sort(&self) -> FleetSort {
        FleetSort::ORDER[self.views[ViewId::Fleet].sort % FleetSort::ORDER.len()]
    }

    pub fn kafka_sort(&self) -> KafkaSort {
        KafkaSort::ORDER[self.views[ViewId::Kafka].sort % KafkaSort::ORDER.len()]
    }

    /// Maintenance: riskiest first (then next event) instead of next event only.
    pub fn maintenance_by_risk(&self) -> bool {
        self.views[ViewId::Maintenance].sort % 2 == 1
    }

    pub fn theme_name(&self) -> &str {
        self.settings.theme_names.get(self.display.theme_index).map_or("default", String::as_str)
    }

    /// Screen lines per table row: 2 with presentation spacing (a blank line between rows).
    pub fn row_step(&self) -> u16 {
        if self.display.spacious { 2 } else { 1 }
    }

    /// Table rows that fit in a body of `height` lines.
    pub fn rows_fit(&self, height: u16) -> usize {
        usize::from(height / self.row_step()).max(1)
    }

    /// How old a reading may be before it is drawn and judged as stale: the configured
    /// `stale_after_seconds` plus the interval at which the source asks for a cold series
    /// (`cold_every` minutes, from its API figures, recorded ones too): a series asked every
    /// five minutes is as fresh as it gets for five minutes, and an attached viewer's rows are
    /// all cold to the collector. A failing fetch still marks its region's rows stale at once
    /// (`Status::region_stale`), whatever their age.
    pub fn stale_limit_secs(&self) -> u32 {
        let cold_every = self.status.api.as_ref().map_or(1, |a| a.cold_every.max(1));
        let period = crate::source::aws::plan::PERIOD_SECS.unsigned_abs();
        self.settings.thresholds.stale_after_seconds.saturating_add((cold_every - 1).saturating_mul(period))
    }

    /// The thresholds with `stale_limit_secs` as their staleness limit (what derive judges by).
    pub fn judging_thresholds(&self) -> Thresholds {
        Thresholds { stale_after_seconds: self.stale_limit_secs(), ..self.settings.thresholds }
    }

    /// Table rows on screen, for cursor and page movement.
    pub fn body_rows(&self) -> usize {
        (table_body_rows(self.display.size.1) / usize::from(self.row_step())).max(1)
    }

    pub fn loaded(&self) -> bool {
        self.status.last_success.is_some()
    }
}
