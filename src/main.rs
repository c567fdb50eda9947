//! dbfleet's entry point: parse the command line, set up logging, pick the source, run.
//! Every user-input error is one line on stderr and exit code 2.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use dbfleet::app::state::Model;
use dbfleet::cli::{
    CheckFormat, Cli, Command, DemoArgs, DoctorFormat, GlobalArgs, LiveArgs, RenderFormat, SnapshotFormat,
};
use dbfleet::config::{Config, config_dir};
use dbfleet::source::FleetSource;
use dbfleet::source::aws::{LiveOptions, LiveSource};
use dbfleet::source::clock::Clock;
use dbfleet::source::demo::{DemoOptions, DemoSource};
use dbfleet::ui::theme::ThemeSet;
use dbfleet::{headless, report, tui, ui};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dbfleet: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn log_path(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit.or_else(|| {
        let base = std::env::var_os("XDG_STATE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
        Some(base.join("dbfleet").join("dbfleet.log"))
    })
}

/// Logs go to a file, never to the terminal the UI owns. No file, no logs.
fn init_logging(path: Option<PathBuf>) {
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

fn run(cli: Cli) -> Result<ExitCode> {
    let g = cli.global;
    let cfg = Config::load(g.config.as_deref())?;
    let tz = time_zone(g.tz.as_deref(), &cfg)?;
    let env = |k: &str| std::env::var(k).ok();
    let term = env("TERM");
    let ascii = g.ascii
        || dbfleet::ui::ascii::wanted(
            term.as_deref(),
            env("LC_ALL").as_deref(),
            env("LC_CTYPE").as_deref(),
            env("LANG").as_deref(),
        );
    // Only the dashboard draws on this terminal; files written by `render` keep their colours.
    let tui = matches!(
        cli.command,
        None | Some(Command::Watch) | Some(Command::Demo { .. }) | Some(Command::Replay { .. })
    );
    let ascii = ascii && tui;
    let (themes, theme_index) = themes(g.theme.as_deref(), &cfg, tui && term.as_deref() == Some("dumb"))?;
    let theme_names: Vec<String> = themes.names().iter().map(|s| s.to_string()).collect();
    init_logging(log_path(g.log_file.clone()));

    let live = LiveSetup::from(&g.live, &cfg);
    match cli.command {
        None | Some(Command::Watch) if g.at.is_some() => {
            let at = g.at.unwrap_or_else(Timestamp::now);
            let runtime = runtime()?;
            let source = runtime.block_on(dbfleet::source::time_travel::connect(
                live.options.clone(),
                at,
                g.window,
                Timestamp::now(),
            ))?;
            let times = source.times();
            let info = source.info();
            let source = wrapped(Box::new(source), &GlobalArgs { record: None, ..g.clone() }, at)?;
            let playhead =
                dbfleet::source::clock::Playhead::new(times[0], times[times.len() - 1], 10.0, false);
            let playhead = Arc::new(std::sync::Mutex::new(playhead));
            playhead.lock().unwrap_or_else(|e| e.into_inner()).seek(at);
            let clock = Arc::new(Clock::Timeline(playhead));
            let mut model = ui_model(at, &cfg, tz, theme_names, theme_index, &g, ascii);
            model.status.source = Some(info);
            model.timeline = Some(dbfleet::app::timeline::Timeline {
                times,
                playing: false,
                speed: 10.0,
                target: Some(at),
            });
            tracing::info!(%at, window = %g.window, "starting time travel");
            runtime.block_on(async {
                let (mut terminal, _guard) = tui::enter().context("cannot set up the terminal")?;
                dbfleet::dashboard::run(&mut terminal, model, &themes, source, clock, Duration::from_secs(1))
                    .await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        None | Some(Command::Watch) => {
            let mut model = ui_model(Timestamp::now(), &cfg, tz, theme_names, theme_index, &g, ascii);
            let runtime = runtime()?;
            runtime.block_on(async {
                // The dashboard paints the last half hour first; older history follows.
                let options = LiveOptions { first_window: Some(FIRST_WINDOW), ..live.options.clone() };
                let source = LiveSource::connect(options).await?;
                model.status.source = Some(source.info());
                let source = wrapped(Box::new(source), &g, Timestamp::now())?;
                model.status.source = Some(source.info());
                let clock = Arc::new(Clock::System);
                tracing::info!(regions = ?live.options.regions, profiles = ?live.options.profiles, "starting live");
                let (mut terminal, _guard) = tui::enter().context("cannot set up the terminal")?;
                dbfleet::dashboard::run(&mut terminal, model, &themes, source, clock, live.options.refresh).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Demo { demo, debug_panic }) => {
            let start = demo.start.unwrap_or_else(Timestamp::now);
            let speed = demo.speed.unwrap_or(cfg.demo.speed);
            if !(speed > 0.0 && speed <= 3600.0) {
                bail!("--speed must be in (0, 3600], got {speed}");
            }
            let clock = Arc::new(Clock::simulated(start, speed));
            let source = wrapped(Box::new(DemoSource::new(demo_options(&demo), start)), &g, start)?;
            let mut model = ui_model(clock.now(), &cfg, tz, theme_names, theme_index, &g, ascii);
            model.runtime.debug_panic = debug_panic;
            let refresh = Duration::from_secs_f64(cfg.demo.refresh_seconds);
            tracing::info!(seed = demo.seed, %start, speed, "starting demo");
            let runtime =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
            runtime.block_on(async {
                let (mut terminal, _guard) = tui::enter().context("cannot set up the terminal")?;
                dbfleet::dashboard::run(&mut terminal, model, &themes, source, clock, refresh).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Replay { file, speed, paused }) => {
            let rec = dbfleet::record::read_file(&file)?;
            let truncated = rec.truncated.clone();
            let polls = rec.snapshots.len();
            let source = dbfleet::source::replay::ReplaySource::new(rec, &file).with_context(|| {
                let why = truncated.as_deref().map_or(String::new(), |t| format!(" ({t})"));
                format!("{}: the recording holds no poll{why}", file.display())
            })?;
            let times = source.times();
            let (first, last) = (times[0], times[times.len() - 1]);
            // Replaying with --redact masks a recording made without it (never re-recorded).
            let source =
                wrapped(Box::new(source), &GlobalArgs { record: None, ..g.clone() }, first_time(&times))?;
            let playhead = dbfleet::source::clock::Playhead::new(first, last, speed, !paused);
            let clock = Arc::new(Clock::Timeline(Arc::new(std::sync::Mutex::new(playhead))));
            let mut model = ui_model(first, &cfg, tz, theme_names, theme_index, &g, ascii);
            model.timeline =
                Some(dbfleet::app::timeline::Timeline { times, playing: !paused, speed, target: None });
            if let Some(t) = truncated {
                model.runtime.notice = Some(dbfleet::app::state::Notice {
                    text: format!("{}: {t}; {polls} polls read", file.display()),
                    ticks: 30,
                });
            }
            tracing::info!(file = %file.display(), polls, "starting replay");
            let runtime = runtime()?;
            runtime.block_on(async {
                let (mut terminal, _guard) = tui::enter().context("cannot set up the terminal")?;
                dbfleet::dashboard::run(&mut terminal, model, &themes, source, clock, Duration::from_secs(1))
                    .await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Snapshot { demo, demo_args, format }) => {
            let model = one_poll(demo.then_some(&demo_args), &live, &cfg, tz, theme_names, &g)?;
            let r = report::json::build(&model);
            let out = match format {
                SnapshotFormat::Json => serde_json::to_string_pretty(&r)? + "\n",
                SnapshotFormat::Markdown => report::markdown::render(&r),
            };
            write_stdout(&out)?;
            // 3: some source failed (the output still carries what answered, and `errors`).
            Ok(if r.errors.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) })
        }
        Some(Command::Check { demo, demo_args, format, min_severity }) => {
            let model = one_poll(demo.then_some(&demo_args), &live, &cfg, tz, theme_names, &g)?;
            let r = report::check::build(&model, min_severity.severity());
            let out = match format {
                CheckFormat::Text => report::check::render_text(&r, &model),
                CheckFormat::Json => serde_json::to_string_pretty(&r)? + "\n",
                CheckFormat::Markdown => report::check::render_markdown(&r, &model),
            };
            write_stdout(&out)?;
            Ok(ExitCode::from(r.exit_code))
        }
        Some(Command::Doctor { format }) => {
            let options = LiveOptions {
                attempt_timeout: Duration::from_secs(10),
                operation_timeout: Duration::from_secs(20),
                ..live.options.clone()
            };
            let report = runtime()?.block_on(dbfleet::doctor::run(&options));
            let out = match format {
                DoctorFormat::Text => dbfleet::doctor::render_text(&report),
                DoctorFormat::Json => serde_json::to_string_pretty(&report)? + "\n",
            };
            write_stdout(&out)?;
            Ok(ExitCode::from(report.exit_code()))
        }
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "dbfleet", &mut out);
            write_stdout(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Man) => {
            let mut out = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command()).render(&mut out)?;
            write_stdout(&String::from_utf8_lossy(&out))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Render { demo, demo_args, view, select, size, format, output }) => {
            if !demo {
                bail!(
                    "render draws the demo fleet (--demo); for live data use `dbfleet check` or `dbfleet snapshot`"
                );
            }
            let at = demo_args.start.unwrap_or_else(Timestamp::now);
            let mut model = headless::demo_model_redacted(
                demo_args.seed,
                usize::from(demo_args.copies),
                at,
                &cfg,
                tz,
                theme_names,
                g.redact,
            );
            model.display.theme_index = theme_index;
            model.display.spacious = g.spacious;
            model.display.ascii = g.ascii;
            headless::select_view(&mut model, &view, select.as_deref())?;
            let theme = themes.get(theme_index);
            let buf = headless::render_buffer(&mut model, theme, size);
            let out = match format {
                RenderFormat::Svg => ui::export::buffer_to_svg(&buf, theme),
                RenderFormat::Txt => ui::export::buffer_to_text(&buf),
                RenderFormat::Md => report::view_markdown::render(&model),
            };
            match output {
                Some(path) => std::fs::write(&path, out).with_context(|| format!("-o {}", path.display()))?,
                None => write_stdout(&out)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The source as the flags want it: redacted (`--redact`), then recorded (`--record`), so a
/// recording of a redacted run holds no original identifier.
fn wrapped(source: Box<dyn FleetSource>, g: &GlobalArgs, now: Timestamp) -> Result<Box<dyn FleetSource>> {
    let source: Box<dyn FleetSource> = match g.redact {
        Some(mode) => Box::new(dbfleet::source::redacting::Redacting::new(source, mode)),
        None => source,
    };
    let Some(path) = &g.record else { return Ok(source) };
    let recorder = dbfleet::record::Recorder::create(path, source.info(), now)?;
    Ok(Box::new(dbfleet::source::recording::RecordingSource::new(source, recorder)))
}

/// The model every dashboard starts from: config rules, theme, export directory, spacing and
/// ASCII as the flags and the terminal ask.
fn ui_model(
    now: Timestamp,
    cfg: &Config,
    tz: TimeZone,
    theme_names: Vec<String>,
    theme_index: usize,
    g: &GlobalArgs,
    ascii: bool,
) -> Model {
    let mut model = Model::new(now, cfg.thresholds, tz, theme_names);
    model.settings.rules = cfg.rules.clone();
    model.settings.lag = cfg.kafka;
    model.display.theme_index = theme_index;
    model.settings.export_dir = g.export_dir.clone();
    model.display.spacious = g.spacious;
    model.display.ascii = ascii;
    model
}

fn first_time(times: &[Timestamp]) -> Timestamp {
    times.first().copied().unwrap_or_else(Timestamp::now)
}

/// A model holding one poll of the demo (`demo` given) or of the live source.
fn one_poll(
    demo: Option<&DemoArgs>,
    live: &LiveSetup,
    cfg: &Config,
    tz: TimeZone,
    theme_names: Vec<String>,
    g: &GlobalArgs,
) -> Result<Model> {
    let redact = g.redact;
    if let Some(d) = demo {
        let at = d.start.unwrap_or_else(Timestamp::now);
        if g.at.is_some() {
            bail!("--at looks back in live CloudWatch history; the demo takes --start instead");
        }
        let copies = usize::from(d.copies);
        return Ok(headless::demo_model_redacted(d.seed, copies, at, cfg, tz, theme_names, redact));
    }
    if let Some(at) = g.at {
        // The fleet as of `at`: the window around it, played up to `at`.
        return runtime()?.block_on(async {
            let mut source =
                dbfleet::source::time_travel::connect(live.options.clone(), at, g.window, Timestamp::now())
                    .await?;
            let mut snapshot = source.snapshot_at(at);
            if let Some(mode) = redact {
                snapshot = dbfleet::domain::redact::Redactor::new(mode).snapshot(snapshot);
            }
            let mut model = Model::new(at, cfg.thresholds, tz, theme_names);
            model.settings.rules = cfg.rules.clone();
            model.settings.lag = cfg.kafka;
            dbfleet::app::update::apply_snapshot(&mut model, snapshot, at);
            Ok(model)
        });
    }
    runtime()?.block_on(async {
        let mut source = LiveSource::connect(live.options.clone()).await?;
        Ok(headless::live_model_redacted(&mut source, Timestamp::now(), cfg, tz, theme_names, redact).await)
    })
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?)
}

/// Live options from flags and config.
struct LiveSetup {
    options: LiveOptions,
}

impl LiveSetup {
    fn from(a: &LiveArgs, cfg: &Config) -> LiveSetup {
        let mut o = LiveOptions::default();
        if !a.profiles.is_empty() {
            o.profiles = a.profiles.iter().cloned().map(Some).collect();
        }
        o.regions = a.regions.iter().map(|r| r.trim().to_string()).filter(|r| !r.is_empty()).collect();
        o.endpoint_url = a.endpoint_url.clone();
        o.refresh = Duration::from_secs(a.refresh.unwrap_or(cfg.refresh_seconds));
        if let Some(p) = a.page_size {
            o.page_size = p;
        }
        if let Some(s) = a.inventory_refresh {
            o.inventory_every = Duration::from_secs(s);
        }
        LiveSetup { options: o }
    }
}

/// What a dashboard's first poll fetches; the rest of the history follows a chunk a poll.
const FIRST_WINDOW: Duration = Duration::from_secs(30 * 60);

fn demo_options(a: &DemoArgs) -> DemoOptions {
    DemoOptions {
        seed: a.seed,
        copies: usize::from(a.copies),
        first_window_minutes: Some(FIRST_WINDOW.as_secs() as i64 / 60),
        ..Default::default()
    }
}

/// Write to stdout; a closed pipe (`| head`) is not an error worth a message.
fn write_stdout(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing to standard output"),
    }
}
