//! `dbfleet collect DIR`: the session's source polled by the same poller as the dashboard,
//! every snapshot written into the directory's hour files (see `record::hourly`), files past
//! `--keep` deleted as each new hour opens. No terminal: a line on standard error (and in the
//! log) per hour file and per failure. SIGTERM, SIGINT and SIGHUP end it with the current
//! file finished.

use std::path::Path;

use anyhow::{Context, Result};
use jiff::SignedDuration;
use tokio::sync::mpsc;

use crate::app::demand;
use crate::app::state::Model;
use crate::app::update::apply_snapshot;
use crate::record::access::Access;
use crate::record::hourly::{self, HourlyRecorder};
use crate::source::FleetSource;
use crate::source::clock::SharedClock;
use crate::source::poller::{self, PollCommand, PollEvent};

/// What the collector keeps and who may read it.
pub struct CollectOptions {
    pub keep: SignedDuration,
    pub access: Access,
}

/// A line for whoever runs the collector (journald, a tmux pane) and the log file.
fn say(text: &str) {
    eprintln!("dbfleet collect: {text}");
    tracing::info!("{text}");
}

fn warn(text: &str) {
    eprintln!("dbfleet collect: {text}");
    tracing::warn!("{text}");
}

/// Prepare `dir`, then poll and write until a signal arrives.
pub async fn run(
    mut model: Model,
    source: Box<dyn FleetSource>,
    clock: SharedClock,
    refresh: std::time::Duration,
    dir: &Path,
    options: CollectOptions,
) -> Result<()> {
    if let Some(changed) = options.access.prepare_dir(dir)? {
        say(&format!("{}: {changed}", dir.display()));
    }
    let files = hourly::list(dir).with_context(|| format!("reading {}", dir.display()))?;
    for f in &files {
        options.access.apply(&f.path).with_context(|| format!("setting the mode of {}", f.path.display()))?;
    }
    sweep(dir, clock.now(), options.keep);
    let shared = options.access.group.as_ref().map_or("owner only".to_string(), |g| format!("group {}", g.0));
    say(&format!(
        "collecting {} into {} every {:.1} s (keep {}, {shared})",
        source.info().label,
        dir.display(),
        refresh.as_secs_f64(),
        format_keep(options.keep),
    ));

    let mut recorder = HourlyRecorder::new(dir, options.access);
    let (tx, mut rx) = mpsc::channel(16);
    let poller = poller::spawn(source, clock.clone(), refresh, tx);
    let mut signals = crate::dashboard::Signals::new()?;
    let mut last_errors: Vec<String> = Vec::new();
    loop {
        let ev = tokio::select! {
            ev = rx.recv() => ev,
            _ = signals.recv() => {
                say("signal received: finishing the current file");
                break;
            }
        };
        match ev {
            Some(PollEvent::Started) => {}
            Some(PollEvent::Snapshot(s)) => {
                let now = clock.now();
                let errors: Vec<String> = s.errors.iter().map(|e| e.to_string()).collect();
                if errors != last_errors {
                    for e in &errors {
                        warn(&format!("poll error: {e}"));
                    }
                    last_errors = errors;
                }
                match recorder.append(&s, now) {
                    Ok(Some(rotated)) => {
                        if let Some(closed) = &rotated.closed {
                            say(&format!("closed {}", closed.display()));
                        }
                        say(&format!("writing {}", rotated.opened.display()));
                        sweep(dir, clock.now(), options.keep);
                    }
                    Ok(None) => {}
                    Err(e) => warn(&format!("{e}: {} (the next poll opens a new file)", e.source)),
                }
                // No screen, but what is not OK stays fresh for the viewers and the recording:
                // the collector judges the fleet as a dashboard would and says what it needs.
                apply_snapshot(&mut model, *s, now);
                poller.offer_demand(demand::unattended(&model, now));
            }
            Some(PollEvent::Failed(f)) => warn(&format!("{f}")),
            None => {
                warn("the poller stopped");
                break;
            }
        }
    }
    let _ = poller.commands.try_send(PollCommand::Stop);
    poller.task.abort();
    if let Some(path) = recorder.finish()? {
        say(&format!("closed {}", path.display()));
    }
    Ok(())
}

/// Delete what is past the retention; a failure is logged, never fatal.
fn sweep(dir: &Path, now: jiff::Timestamp, keep: SignedDuration) {
    match hourly::sweep(dir, now, keep) {
        Ok(gone) => {
            for p in gone {
                say(&format!("deleted {} (older than {})", p.display(), format_keep(keep)));
            }
        }
        Err(e) => warn(&format!("retention sweep of {}: {e}", dir.display())),
    }
}

fn format_keep(keep: SignedDuration) -> String {
    let hours = keep.as_secs() / 3600;
    if hours % 24 == 0 { format!("{}d", hours / 24) } else { format!("{hours}h") }
}
