//! dbfleet's entry point: parse the command line, build the session it asks for (see
//! `session`), run it. Every user-input error is one line on stderr and exit code 2.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use clap::Parser;

use dbfleet::app::state::Model;
use dbfleet::cli::{CheckFormat, Cli, Command, DemoArgs, DoctorFormat, RenderFormat, SnapshotFormat};
use dbfleet::collect::{self, CollectOptions};
use dbfleet::record::access::Access;
use dbfleet::session::{self, DemoUse, Setup};
use dbfleet::source::aws::LiveOptions;
use dbfleet::{headless, report, ui};

fn main() -> ExitCode {
    dbfleet::memory::single_arena();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("dbfleet: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    // Only the dashboard draws on this terminal; files written by `render` keep their colours.
    let tui = matches!(
        cli.command,
        None | Some(Command::Watch)
            | Some(Command::Demo { .. })
            | Some(Command::Replay { .. })
            | Some(Command::Attach { .. })
    );
    let setup = Setup::new(cli.global.clone(), tui)?;
    session::init_logging(session::log_path(cli.global.log_file.clone()));
    let rt = session::runtime()?;
    match cli.command {
        None | Some(Command::Watch) => {
            rt.block_on(async { setup.live(true).await?.run(&setup.themes).await })?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Demo { demo, debug_panic }) => {
            let mut session = setup.demo(&demo, DemoUse::Dashboard)?;
            session.model.runtime.debug_panic = debug_panic;
            rt.block_on(session.run(&setup.themes))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Replay { file, speed, paused }) => {
            rt.block_on(setup.replay(&file, speed, paused)?.run(&setup.themes))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Attach { dir, hours, speed }) => {
            rt.block_on(setup.attach(&dir, hours, speed)?.run(&setup.themes))?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Collect { dir, demo, demo_args, keep, group }) => {
            let access = match group {
                Some(g) => Access::shared(&g)?,
                None => Access::private(),
            };
            rt.block_on(async {
                let s = setup.collector(demo.then_some(&demo_args)).await?;
                collect::run(s.model, s.source, s.clock, s.refresh, &dir, CollectOptions { keep, access })
                    .await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Snapshot { demo, demo_args, format }) => {
            let model = rt.block_on(one_shot(&setup, demo.then_some(&demo_args)))?;
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
            let model = rt.block_on(one_shot(&setup, demo.then_some(&demo_args)))?;
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
                ..setup.live.clone()
            };
            let report = rt.block_on(dbfleet::doctor::run(&options));
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
            let mut model = rt.block_on(one_shot(&setup, Some(&demo_args)))?;
            headless::select_view(&mut model, &view, select.as_deref())?;
            let theme = setup.themes.get(setup.theme_index);
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

/// A model holding one poll of the demo (`demo` given) or of the live fleet (now or `--at`).
async fn one_shot(setup: &Setup, demo: Option<&DemoArgs>) -> Result<Model> {
    let session = match demo {
        Some(d) => setup.demo(d, DemoUse::OneShot)?,
        None => setup.live(false).await?,
    };
    Ok(session.poll_once().await)
}

/// Write to stdout; a closed pipe (`| head`) is not an error worth a message.
fn write_stdout(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing to standard output"),
    }
}
