//! Terminal setup and the guarantee that it is restored: on normal exit (guard drop), on
//! panic (a hook that restores first, then runs the previous hook), and on SIGTERM/SIGHUP
//! (the app loop ends, the guard drops).

use std::io::{self, Stdout, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::{Hide, Show};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped. Create it before touching terminal modes.
pub struct TerminalGuard {
    _private: (),
}

/// Whether the terminal is in our modes; restore runs once, however many paths call it (a
/// second "leave alternate screen" would move the cursor back over the panic message).
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Leave raw mode and the alternate screen; errors are ignored (the terminal may be gone).
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = disable_raw_mode();
        let _ = execute!(stdout(), LeaveAlternateScreen, Show);
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

pub fn enter() -> io::Result<(Tui, TerminalGuard)> {
    install_panic_hook();
    let guard = TerminalGuard { _private: () };
    ACTIVE.store(true, Ordering::SeqCst);
    enable_raw_mode()?;
    execute!(stdout(), EnterAlternateScreen, Hide)?;
    let terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
    Ok((terminal, guard))
}
