//! One run of dbfleet: what the flags and config chose (`Setup`), and a source, a clock and a
//! model built from it (`Session`). Every command goes through here, so the dashboard,
//! `snapshot`, `check` and `render` see the same source wrapped the same way: redaction and
//! recording are wrappers around the source, never a second path.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::app::state::{Model, Notice};
use crate::app::timeline::{Timeline, TimelineMark};
use crate::cli::{DemoArgs, GlobalArgs, LiveArgs};
use crate::config::{Config, config_dir};
use crate::domain::metrics::MetricHistory;
use crate::domain::snapshot::{SourceInfo, SourceKind};
use crate::source::FleetSource;
use crate::source::aws::{LiveOptions, LiveSource};
use crate::source::clock::{Clock, PlayState, Playhead, SharedClock};
use crate::source::demo::{DemoOptions, DemoSource};
use crate::source::follow;
use crate::source::redacting::Redacting;
use crate::source::replay::ReplaySource;
use crate::ui::theme::ThemeSet;

/// What a dashboard's first poll fetches; the rest of the history follows a chunk a poll.
const FIRST_WINDOW: Duration = Duration::from_secs(30 * 60);
/// Replay and time travel poll the playhead this often (it moves, the data does not).
const TIMELINE_REFRESH: Duration = Duration::from_secs(1);
/// An attached viewer's next poll after one answered (the poll itself waits for news).
const ATTACH_REFRESH: Duration = Duration::from_millis(50);
/// Hours of history a replay of a collector's directory opens before `--at` (the charts').
const HISTORY_HOURS: i64 = 3;

/// The run's choices, resolved once: config, zone, themes, terminal capabilities, flags.
pub struct Setup {
    pub cfg: Config,
    pub tz: TimeZone,
    pub themes: ThemeSet,
    pub theme_index: usize,
    /// ASCII drawing (flag, TERM=dumb or a non-UTF-8 locale; only for the dashboard).
    pub ascii: bool,
    pub global: GlobalArgs,
    pub live: LiveOptions,
}

/// A source, the clock it is polled by, and the model it will fill.
pub struct Session {
    pub model: Model,
    pub source: Box<dyn FleetSource>,
    pub clock: SharedClock,
    pub refresh: Duration,
}

/// The demo a session shows: the dashboard's (recent window first, history backfilled), a
/// one-shot's (three hours at once, time standing still) or a collector's (three hours at
/// once, then time runs).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum DemoUse {
    Dashboard,
    OneShot,
    Collect,
}

impl Setup {
    /// Resolve the flags against the config. `tui`: the dashboard will draw on this terminal
    /// (ASCII and a dumb terminal's lack of colour apply only then; files keep their colours).
    pub fn new(global: GlobalArgs, tui: bool) -> Result<Setup> {
        let cfg = Config::load(global.config.as_deref())?;
        let tz = time_zone(global.tz.as_deref(), &cfg)?;
        let env = |k: &str| std::env::var(k).ok();
        let term = env("TERM");
        let detected = crate::ui::ascii::wanted(
            term.as_deref(),
            env("LC_ALL").as_deref(),
            env("LC_CTYPE").as_deref(),
            env("LANG").as_deref(),
        );
        // Detected only for the dashboard's terminal; `render --ascii` still draws ASCII.
        let ascii = global.ascii || (tui && detected);
        let (themes, theme_index) =
            themes(global.theme.as_deref(), &cfg, tui && term.as_deref() == Some("dumb"))?;
        let live = live_options(&global.live, &cfg);
        Ok(Setup { cfg, tz, themes, theme_index, ascii, global, live })
    }

    /// The model every command starts from: config rules and lag settings, theme, export
    /// directory, spacing and ASCII as the flags and the terminal ask.
    pub fn model(&self, now: Timestamp) -> Model {
        let names = self.themes.names().iter().map(|s| s.to_string()).collect();
        let mut model = Model::new(now, self.cfg.thresholds, self.tz.clone(), names);
        model.settings.rules = self.cfg.rules.clone();
        model.settings.lag = self.cfg.kafka;
        model.settings.export_dir = self.global.export_dir.clone();
        model.settings.accounts = account_colors(&self.cfg);
        model.display.theme_index = self.theme_index;
        model.display.spacious = self.global.spacious;
        model.display.ascii = self.ascii;
        model
    }

    /// The source as the flags want it: redacted (`--redact`), then recorded (`--record`,
    /// when `record`), so a recording of a redacted run holds no original identifier.
    fn wrap(
        &self,
        source: Box<dyn FleetSource>,
        now: Timestamp,
        record: bool,
    ) -> Result<Box<dyn FleetSource>> {
        let source: Box<dyn FleetSource> = match self.global.redact {
            Some(mode) => Box::new(Redacting::new(source, mode)),
            None => source,
        };
        let Some(path) = self.global.record.as_ref().filter(|_| record) else { return Ok(source) };
        let recorder = crate::record::Recorder::create(path, source.info(), now)?;
        Ok(Box::new(crate::source::recording::RecordingSource::new(source, recorder)))
    }

    fn session(&self, source: Box<dyn FleetSource>, clock: SharedClock, refresh: Duration) -> Session {
        let mut model = self.model(clock.now());
        let info = source.info();
        // Live or demo: watching now. A replay, `attach` and time travel keep every minute.
        if matches!(info.kind, SourceKind::Live | SourceKind::Demo) {
            model.fleet.history = MetricHistory::watching_now();
        }
        model.status.source = Some(info);
        Session { model, source, clock, refresh }
    }

    /// The live fleet. The dashboard's first poll fetches the recent window (`dashboard`).
    pub async fn live(&self, dashboard: bool) -> Result<Session> {
        if let Some(at) = self.global.at {
            return self.time_travel(at).await;
        }
        let first_window = dashboard.then_some(FIRST_WINDOW);
        let source = LiveSource::connect(LiveOptions { first_window, ..self.live.clone() }).await?;
        tracing::info!(regions = ?self.live.regions, profiles = ?self.live.profiles, "starting live");
        let source = self.wrap(Box::new(source), Timestamp::now(), true)?;
        Ok(self.session(source, Arc::new(Clock::System), self.live.refresh))
    }

    /// The live fleet as of `at`: the window around it fetched once, then scrubbed.
    async fn time_travel(&self, at: Timestamp) -> Result<Session> {
        let now = Timestamp::now();
        let source =
            crate::source::time_travel::connect(self.live.clone(), at, self.global.window, now).await?;
        tracing::info!(%at, window = %self.global.window, "starting time travel");
        let (times, marks) = (source.times(), marks(&source));
        let source = self.wrap(Box::new(source), at, false)?;
        let play = PlayState { playing: false, speed: 10.0 };
        Ok(self.timeline(source, times, marks, play, Some(at)))
    }

    /// What `collect` polls: the live fleet with the global flags, or the demo; the whole
    /// history in the first poll (no one waits for the first screen).
    pub async fn collector(&self, demo: Option<&DemoArgs>) -> Result<Session> {
        if self.global.at.is_some() {
            bail!("collect records the fleet as it is now; --at is for `dbfleet replay DIR --at TIME`");
        }
        match demo {
            Some(d) => self.demo(d, DemoUse::Collect),
            None => self.live(false).await,
        }
    }

    /// The built-in demo fleet, on a simulated clock.
    pub fn demo(&self, demo: &DemoArgs, usage: DemoUse) -> Result<Session> {
        if usage == DemoUse::OneShot && self.global.at.is_some() {
            bail!("--at looks back in live CloudWatch history; the demo takes --start instead");
        }
        let start = demo.start.unwrap_or_else(Timestamp::now);
        let speed = demo.speed.unwrap_or(self.cfg.demo.speed);
        if !(speed > 0.0 && speed <= 3600.0) {
            bail!("--speed must be in (0, 3600], got {speed}");
        }
        let first_window_minutes =
            (usage == DemoUse::Dashboard).then_some(FIRST_WINDOW.as_secs() as i64 / 60);
        let options = DemoOptions {
            seed: demo.seed,
            copies: usize::from(demo.copies),
            first_window_minutes,
            ..Default::default()
        };
        tracing::info!(seed = demo.seed, %start, speed, "starting demo");
        let source = self.wrap(Box::new(DemoSource::new(options, start)), start, true)?;
        let refresh = Duration::from_secs_f64(self.cfg.demo.refresh_seconds);
        let clock = match usage {
            DemoUse::Dashboard | DemoUse::Collect => Clock::simulated(start, speed),
            // A one-shot is the fleet exactly at `start`: a playhead that never moves.
            DemoUse::OneShot => {
                Clock::Timeline(Arc::new(Mutex::new(Playhead::new(start, start, 1.0, false))))
            }
        };
        Ok(self.session(source, Arc::new(clock), refresh))
    }

    /// A recording played back with a timeline, from `--at` when given. `--redact` masks a
    /// recording made without it (a replay is never re-recorded). A collector's directory
    /// opens the hour files around `--at` (or its newest hours), stitched into one recording.
    pub fn replay(&self, file: &Path, speed: f64, paused: bool) -> Result<Session> {
        if file.is_dir() {
            return self.replay_dir(file, speed, paused);
        }
        let rec = crate::record::read_file(file).map_err(|e| anyhow::anyhow!(follow::read_error(&e)))?;
        let truncated = rec.truncated.clone();
        let polls = rec.snapshots.len();
        let source = ReplaySource::new(rec, file).with_context(|| {
            let why = truncated.as_deref().map_or(String::new(), |t| format!(" ({t})"));
            format!("{}: the recording holds no poll{why}", file.display())
        })?;
        tracing::info!(file = %file.display(), polls, "starting replay");
        let (times, marks) = (source.times(), marks(&source));
        let source = self.wrap(Box::new(source), times[0], false)?;
        let play = PlayState { playing: !paused, speed };
        let mut session = self.timeline(source, times, marks, play, self.global.at);
        if let Some(t) = truncated {
            session.model.runtime.notice =
                Some(Notice { text: format!("{}: {t}; {polls} polls read", file.display()), ticks: 30 });
        }
        Ok(session)
    }

    /// `replay DIR [--at TIME]`: the hour of `--at` with the three before it (the charts'
    /// history) and the one after; without `--at`, the newest four hours, from the start.
    fn replay_dir(&self, dir: &Path, speed: f64, paused: bool) -> Result<Session> {
        let files = follow::hour_files(dir).map_err(anyhow::Error::msg)?;
        let newest = files[files.len() - 1].hour;
        let at = self.global.at;
        let around = at.unwrap_or(newest);
        let hour = jiff::SignedDuration::from_hours(1);
        let from = around.saturating_sub(jiff::SignedDuration::from_hours(HISTORY_HOURS)).unwrap_or(around);
        let to = around.saturating_add(hour).unwrap_or(around);
        let chosen = crate::record::hourly::files_between(&files, from, to);
        let mut snapshots = Vec::new();
        let mut recorded = None;
        for f in &chosen {
            let rec =
                crate::record::read_file(&f.path).map_err(|e| anyhow::anyhow!(follow::read_error(&e)))?;
            if let Some(t) = &rec.truncated {
                tracing::info!(file = %f.path.display(), "{t}");
            }
            recorded.get_or_insert(rec.header.source.clone());
            snapshots.extend(rec.snapshots);
        }
        snapshots.sort_by_key(|s| s.taken_at);
        let (Some(recorded), false) = (recorded, snapshots.is_empty()) else {
            bail!(
                "{}: no poll recorded between {} and {} (the directory holds {} to {})",
                dir.display(),
                from,
                to,
                files[0].hour,
                newest.saturating_add(hour).unwrap_or(newest)
            );
        };
        tracing::info!(dir = %dir.display(), files = chosen.len(), polls = snapshots.len(), ?at, "starting replay");
        let info = SourceInfo {
            kind: SourceKind::Replay,
            label: format!("replay {} ({})", dir.display(), recorded.label),
            regions: recorded.regions,
            accounts: recorded.accounts,
        };
        let source = ReplaySource::from_snapshots(snapshots, info);
        let (times, marks) = (source.times(), marks(&source));
        let source = self.wrap(Box::new(source), times[0], false)?;
        Ok(self.timeline(source, times, marks, PlayState { playing: !paused, speed }, at))
    }

    /// `attach DIR`: a dashboard following a collector's newest file, with the `hours` before
    /// it to scrub back into; at the newest poll and playing, so each new poll shows at once.
    pub fn attach(&self, dir: &Path, hours: u16, speed: f64) -> Result<Session> {
        let followed = follow::open(dir, i64::from(hours)).map_err(anyhow::Error::msg)?;
        if followed.snapshots.is_empty() {
            bail!(
                "{}: no poll recorded yet: is the collector running? (dbfleet collect {})",
                dir.display(),
                dir.display()
            );
        }
        let recorded = followed.recorded.clone();
        let info = SourceInfo {
            kind: SourceKind::Replay,
            label: format!("attach {} ({})", dir.display(), recorded.label),
            regions: recorded.regions,
            accounts: recorded.accounts,
        };
        let times: Vec<Timestamp> = followed.snapshots.iter().map(|s| s.taken_at).collect();
        let last = times[times.len() - 1];
        let mut playhead = Playhead::new(times[0], last, speed, true);
        playhead.seek(last);
        let playhead = Arc::new(Mutex::new(playhead));
        tracing::info!(dir = %dir.display(), polls = times.len(), "attaching");
        let source = follow::FollowSource::new(dir, followed, info, playhead.clone(), i64::from(hours));
        let marks = marks(source.replay());
        let source = self.wrap(Box::new(source), last, false)?;
        let clock = Arc::new(Clock::Timeline(playhead));
        let mut session = self.session(source, clock, ATTACH_REFRESH);
        let play = PlayState { playing: true, speed };
        session.model.timeline = Some(Timeline { times, play, target: None, marks, growing: true });
        Ok(session)
    }

    /// A session on a playhead over `times` (never empty), optionally sought to `at`.
    fn timeline(
        &self,
        source: Box<dyn FleetSource>,
        times: Vec<Timestamp>,
        marks: Vec<TimelineMark>,
        play: PlayState,
        at: Option<Timestamp>,
    ) -> Session {
        let mut playhead = Playhead::new(times[0], times[times.len() - 1], play.speed, play.playing);
        if let Some(at) = at {
            playhead.seek(at);
        }
        let clock = Arc::new(Clock::Timeline(Arc::new(Mutex::new(playhead))));
        let mut session = self.session(source, clock, TIMELINE_REFRESH);
        session.model.timeline = Some(Timeline { times, play, target: at, marks, growing: false });
        session
    }
}

impl Session {
    /// One poll through the source (and its wrappers), applied to the model. A poll where
    /// every source failed still yields a model: empty, with the errors and gaps.
    pub async fn poll_once(mut self) -> Model {
        let now = self.clock.now();
        let result = self.source.poll(now).await;
        // The wrappers (redaction) may have rewritten the source's info during the poll.
        self.model.status.source = Some(self.source.info());
        match result {
            Ok(snapshot) => crate::app::update::apply_snapshot(&mut self.model, snapshot, now),
            Err(failure) => crate::app::update::apply_failure(&mut self.model, failure, now),
        }
        self.model
    }

    /// The dashboard on this terminal until the user quits; the terminal is restored on
    /// every exit path (see `tui`).
    pub async fn run(self, themes: &ThemeSet) -> Result<()> {
        let (mut terminal, _guard) = crate::tui::enter().context("cannot set up the terminal")?;
        crate::dashboard::run(&mut terminal, self.model, themes, self.source, self.clock, self.refresh).await
    }
}

/// The notable events a recording holds, with the poll that first carries each.
fn marks(source: &ReplaySource) -> Vec<TimelineMark> {
    let mut out: Vec<TimelineMark> = source
        .polls()
        .flat_map(|(poll_at, events)| {
            events.iter().filter(|e| e.kind().notable()).map(move |e| TimelineMark {
                at: e.at,
                poll_at,
                kind: e.kind(),
            })
        })
        .collect();
    out.sort_by_key(|m| (m.at, m.poll_at));
    // A live recording can carry an event twice (overlapping DescribeEvents ranges).
    out.dedup_by(|a, b| a.at == b.at && a.kind == b.kind);
    out
}

/// The colours config gives accounts and tag values (validated when it was read).
fn account_colors(cfg: &Config) -> crate::domain::accounts::Accounts {
    use crate::domain::accounts::parse_color;
    let mut a = crate::domain::accounts::Accounts::default();
    for e in &cfg.accounts {
        if let Some(c) = e.color.as_deref().and_then(parse_color) {
            a.color(&e.id, c);
        }
    }
    for t in &cfg.colors {
        if let Some(c) = parse_color(&t.color) {
            a.tag_color(&t.tag, c);
        }
    }
    a
}

fn time_zone(flag: Option<&str>, cfg: &Config) -> Result<TimeZone> {
    match flag.or(cfg.time_zone.as_deref()) {
        Some(name) => TimeZone::get(name).with_context(|| format!("--tz: unknown IANA time zone {name:?}")),
        None => Ok(TimeZone::try_system().unwrap_or(TimeZone::UTC)),
    }
}

fn themes(flag: Option<&str>, cfg: &Config, dumb: bool) -> Result<(ThemeSet, usize)> {
    // A dumb terminal shows escape codes as text: no colours there either.
    let no_color = dumb || std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let user_dir = config_dir().map(|d| d.join("themes"));
    let mut set = ThemeSet::load(user_dir.as_deref().filter(|d| d.is_dir()), no_color)?;
    let index = match flag.or(cfg.theme.as_deref()) {
        Some(name) => {
            set.select(name).with_context(|| if flag.is_some() { "--theme" } else { "config theme" })?
        }
        None => 0,
    };
    Ok((set, index))
}

/// Live options from flags and config.
fn live_options(a: &LiveArgs, cfg: &Config) -> LiveOptions {
    let mut o = LiveOptions::default();
    if !a.profiles.is_empty() {
        o.profiles = a.profiles.iter().cloned().map(Some).collect();
    }
    o.regions = a.regions.iter().map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect();
    o.endpoint_url = a.endpoint_url.clone();
    o.refresh = Duration::from_secs(a.refresh.unwrap_or(cfg.refresh_seconds));
    o.cost = cfg.cost.settings();
    if let Some(p) = a.page_size {
        o.page_size = p;
    }
    if let Some(s) = a.inventory_refresh {
        o.inventory_every = Duration::from_secs(s);
    }
    if let Some(s) = a.full_describe {
        o.full_describe_every = Duration::from_secs(s);
    }
    // Accounts: config entries, and `--accounts` ids not already there.
    o.accounts = cfg.accounts.clone();
    for id in a.accounts.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if !o.accounts.iter().any(|x| x.id == id) {
            o.accounts.push(crate::config::AccountEntry::id_only(id));
        }
    }
    // Named in config but not asked for: names and colours only, unless roles are used.
    if a.assume_role.is_none() && cfg.assume_role.is_none() && !a.org && a.accounts.is_empty() {
        o.accounts.retain(|x| x.role_arn.is_some());
    }
    o.assume_role = a.assume_role.clone().or_else(|| cfg.assume_role.clone());
    o.org = a.org;
    o.monitoring_profile = a.monitoring_account.clone().or_else(|| cfg.monitoring_account.clone());
    o
}

/// Where logs go: `--log-file`, else `$XDG_STATE_HOME/dbfleet/dbfleet.log`.
pub fn log_path(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit.or_else(|| {
        let base = std::env::var_os("XDG_STATE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
        Some(base.join("dbfleet").join("dbfleet.log"))
    })
}

/// Logs go to a file, never to the terminal the UI owns. No file, no logs.
pub fn init_logging(path: Option<PathBuf>) {
    let Some(path) = path else { return };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = std::fs::OpenOptions::new().create(true).append(true).open(&path) else { return };
    let filter = tracing_subscriber::EnvFilter::try_from_env("DBFLEET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(Arc::new(file))
        .with_ansi(false)
        .with_env_filter(filter)
        .try_init();
}

/// The tokio runtime every command runs on (two workers: the machine's two cores).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}
