//! The dashboard's one loop: terminal events, poll results, ticks and signals become `update`
//! calls on the one model; the effects it asks for (refresh, export, move the playhead) run
//! here; the screen is redrawn only when something changed.

use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::Backend;
use tokio::sync::mpsc;

use crate::app::msg::{Effect, Msg};
use crate::app::state::Model;
use crate::app::update;
use crate::memory::LARGE_SNAPSHOT_POINTS;
use crate::source::FleetSource;
use crate::source::clock::SharedClock;
use crate::source::poller::{self, PollCommand, PollEvent};
use crate::ui::theme::ThemeSet;

/// Run the TUI until the user quits or a signal arrives. The caller owns terminal setup and
/// restore (see `tui`), so every exit path restores it.
pub async fn run<B: Backend>(
    terminal: &mut Terminal<B>,
    mut model: Model,
    themes: &ThemeSet,
    source: Box<dyn FleetSource>,
    clock: SharedClock,
    refresh: Duration,
) -> anyhow::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    let (poll_tx, mut poll_rx) = mpsc::channel(16);
    let poller = poller::spawn(source, clock.clone(), refresh, poll_tx);
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut signals = Signals::new()?;
    if let Ok(size) = terminal.size() {
        update::update(&mut model, Msg::Resize(size.width, size.height), clock.now());
    }

    let mut source_died = false;
    // Set when the message is a snapshot big enough that its freed pages should go back.
    let mut large_snapshot = false;
    while !model.runtime.quit {
        if model.runtime.dirty {
            let theme = themes.get(model.display.theme_index);
            terminal.draw(|f| crate::ui::draw(f, &model, theme))?;
            model.runtime.dirty = false;
            if model.runtime.debug_panic && model.loaded() {
                panic!("debug panic requested with --debug-panic");
            }
        }
        let msg = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => Msg::Key(k),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                // The terminal went away (SSH drop): leave.
                Some(Err(_)) | None => Msg::Terminate,
            },
            ev = poll_rx.recv() => match ev {
                Some(ev) => {
                    large_snapshot = matches!(&ev, PollEvent::Snapshot(s)
                        if s.metrics.iter().map(|u| u.points.len()).sum::<usize>() > LARGE_SNAPSHOT_POINTS);
                    Msg::Poll(ev)
                }
                None => {
                    source_died = true;
                    Msg::Terminate
                }
            },
            _ = tick.tick() => Msg::Tick,
            _ = signals.recv() => Msg::Terminate,
        };
        let effects = update::update(&mut model, msg, clock.now());
        // A growing recording (attach): the timeline learns the polls that landed.
        if let (Some(t), Some(p)) = (model.timeline.as_mut(), clock.playhead()) {
            model.runtime.dirty |= t.grow(p.lock().unwrap_or_else(|e| e.into_inner()).grown());
        }
        if std::mem::take(&mut large_snapshot) {
            crate::memory::release_free_pages();
        }
        // What the screen needs fresh, to the poller when it changed (a live source plans its
        // metrics by it; the others ignore it).
        if model.runtime.dirty && model.loaded() {
            poller.offer_demand(crate::app::demand::demand(&model, clock.now()));
        }
        for effect in effects {
            match effect {
                // A full queue means a refresh is already pending: dropping this one is right.
                Effect::RefreshNow => {
                    let _ = poller.commands.try_send(PollCommand::RefreshNow);
                }
                Effect::Export => {
                    let theme = themes.get(model.display.theme_index);
                    let text =
                        match crate::report::export::write_view(&model, theme, &model.settings.export_dir) {
                            Ok(files) => {
                                let names: Vec<String> =
                                    files.iter().map(|p| p.display().to_string()).collect();
                                format!("exported {}", names.join(", "))
                            }
                            Err(e) => {
                                format!("export to {} failed: {e}", model.settings.export_dir.display())
                            }
                        };
                    tracing::info!("{text}");
                    update::notice(&mut model, text);
                    model.runtime.dirty = true;
                }
                Effect::Playhead { seek, playing, speed } => {
                    if let Some(p) = clock.playhead() {
                        let mut p = p.lock().unwrap_or_else(|e| e.into_inner());
                        if let Some(t) = seek {
                            p.seek(t);
                        }
                        p.set_playing(playing);
                        p.set_speed(speed);
                    }
                    if let (Some(t), Some(play)) = (model.timeline.as_mut(), clock.play_state()) {
                        t.play = play;
                    }
                    let _ = poller.commands.try_send(PollCommand::RefreshNow);
                }
            }
        }
    }
    let _ = poller.commands.try_send(PollCommand::Stop);
    poller.task.abort();
    if source_died {
        anyhow::bail!("the data source stopped unexpectedly (see the log file)");
    }
    Ok(())
}

/// SIGTERM, SIGHUP (the SSH session dropped) and SIGINT end the loop so the terminal is restored.
pub struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    pub fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    #[cfg(unix)]
    pub async fn recv(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
            _ = self.int.recv() => {}
        }
    }

    #[cfg(not(unix))]
    pub fn new() -> std::io::Result<Self> {
        Ok(Signals {})
    }

    #[cfg(not(unix))]
    pub async fn recv(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}
