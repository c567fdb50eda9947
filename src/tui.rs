//! Terminal setup and the guarantee that it is restored: on normal exit (guard drop), on
//! panic (a hook that restores first, then runs the previous hook), and on SIGTERM/SIGHUP
//! (the app loop ends, the guard drops). Frames reach the terminal whole (`FrameWriter`).

use std::io::{self, Stdout, Write, stdout};
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::{Hide, Show};
use crossterm::terminal::{
    BeginSynchronizedUpdate, EndSynchronizedUpdate, EnterAlternateScreen, LeaveAlternateScreen,
    disable_raw_mode, enable_raw_mode,
};
use crossterm::{execute, queue};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Tui = Terminal<CrosstermBackend<FrameWriter<Stdout>>>;

/// Holds what ratatui writes for a frame and hands it on in one write, between the marks of a
/// synchronized update (DEC mode 2026): a terminal that knows the mode shows the frame whole,
/// one that does not ignores the marks. Straight to stdout (a line buffer of 1 KiB, and frames
/// hold no newlines) a frame went out in 1 KiB pieces, and a slow SSH link or a `tmux
/// capture-pane` saw it half drawn: rows that moved shown twice, others missing.
pub struct FrameWriter<W: Write> {
    frame: Vec<u8>,
    out: W,
}

impl<W: Write> FrameWriter<W> {
    pub fn new(out: W) -> Self {
        FrameWriter { frame: Vec::new(), out }
    }
}

impl<W: Write> Write for FrameWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.frame.is_empty() && !bytes.is_empty() {
            queue!(self.frame, BeginSynchronizedUpdate)?;
        }
        self.frame.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if !self.frame.is_empty() {
            queue!(self.frame, EndSynchronizedUpdate)?;
            // Cleared even when the write fails: a half-sent frame is not sent twice.
            let sent = self.out.write_all(&self.frame);
            self.frame.clear();
            sent?;
        }
        self.out.flush()
    }
}

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
        // The end mark too: a panic between a frame's two marks must not leave a terminal
        // holding its screen for the rest of the session.
        let _ = execute!(stdout(), EndSynchronizedUpdate, LeaveAlternateScreen, Show);
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
    let terminal = Terminal::new(CrosstermBackend::new(FrameWriter::new(stdout())))?;
    Ok((terminal, guard))
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::cell::RefCell;
    use std::rc::Rc;

    /// Records each write it is given, as the terminal's file descriptor would see them; the
    /// test keeps a second handle (ratatui lends no stable access to its backend's writer).
    #[derive(Clone, Default)]
    struct Writes(Rc<RefCell<Vec<Vec<u8>>>>);

    impl Write for Writes {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().push(bytes.to_vec());
            Ok(bytes.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_frame_goes_out_in_one_write_between_the_synchronized_update_marks() {
        let mut w = FrameWriter::new(Writes::default());
        w.write_all(b"row 1").unwrap();
        w.write_all(&[b'x'; 5000]).unwrap();
        w.write_all(b"row 2").unwrap();
        assert!(w.out.0.borrow().is_empty(), "nothing reaches the terminal before the frame ends");
        w.flush().unwrap();
        let writes = w.out.0.clone();
        assert_eq!(writes.borrow().len(), 1, "one write for the frame");
        let sent = writes.borrow()[0].clone();
        assert!(sent.starts_with(b"\x1b[?2026hrow 1xxx"), "{:?}", &sent[..20]);
        assert!(sent.ends_with(b"xrow 2\x1b[?2026l"));
        assert_eq!(sent.len(), 8 + 5 + 5000 + 5 + 8);
        // A flush with nothing drawn sends nothing, not an empty update.
        w.flush().unwrap();
        assert_eq!(writes.borrow().len(), 1);
        w.write_all(b"next").unwrap();
        w.flush().unwrap();
        assert_eq!(writes.borrow()[1], b"\x1b[?2026hnext\x1b[?2026l");
    }

    #[test]
    fn a_ratatui_frame_is_one_write() {
        use ratatui::layout::Rect;
        use ratatui::widgets::{Paragraph, Wrap};
        use ratatui::{TerminalOptions, Viewport};
        // A fixed viewport: the test asks no real terminal for its size.
        let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)) };
        let seen = Writes::default();
        let backend = CrosstermBackend::new(FrameWriter::new(seen.clone()));
        let mut t = Terminal::with_options(backend, options).unwrap();
        let before = seen.0.borrow().len();
        t.draw(|f| {
            f.render_widget(Paragraph::new("dbfleet ".repeat(200)).wrap(Wrap { trim: false }), f.area())
        })
        .unwrap();
        let all = seen.0.borrow();
        let writes = &all[before..];
        assert_eq!(writes.len(), 1, "the frame and the cursor's hiding in one write");
        assert!(writes[0].len() > 1600 && writes[0].starts_with(b"\x1b[?2026h"));
    }
}
