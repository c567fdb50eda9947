//! A real terminal for end-to-end tests: tmux on a private socket, driven with send-keys and
//! read back with capture-pane. The program runs under an inner shell that records its pid;
//! the outer shell reports the exit code and the terminal mode afterwards.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    pub dir: PathBuf,
}

impl Tmux {
    /// Start `dbfleet demo` in a 120x40 tmux session. The inner shell records its pid and
    /// execs dbfleet; the outer one reports the exit code and the terminal mode afterwards.
    pub fn start(name: &str) -> Tmux {
        let bin = env!("CARGO_BIN_EXE_dbfleet");
        Tmux::start_with(name, &format!("{bin} demo --start 2026-11-18T15:37:00Z --tz UTC --speed 1"))
    }

    /// Start `program` (a shell command line) the same way.
    pub fn start_with(name: &str, program: &str) -> Tmux {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success()),
            "tmux is required for the end-to-end tests (.ci/run installs it)"
        );
        let socket = format!("dbfleet-e2e-{name}-{}", std::process::id());
        let dir = std::env::temp_dir().join(&socket);
        std::fs::create_dir_all(&dir).unwrap();
        let pidfile = dir.join("pid");
        let inner = format!("echo $$ > {pid}; exec {program}", pid = pidfile.display());
        let outer = format!(
            "sh -c '{inner}'; echo EXIT=$?; stty -a | tr ' ;' '\\n\\n' | grep -E '^-?(icanon|echo)$' | tr '\\n' ' '; echo; sleep 600"
        );
        let t = Tmux { socket, dir };
        let ok = t
            .cmd(&["new-session", "-d", "-s", "e2e", "-x", "120", "-y", "40"])
            .arg(outer)
            .env("XDG_CONFIG_HOME", t.dir.join("config"))
            .env("XDG_STATE_HOME", t.dir.join("state"))
            .env("TERM", "xterm-256color")
            // The dashboard folds to ASCII in a non-UTF-8 locale; these tests read its glyphs.
            .env("LC_ALL", "C.UTF-8")
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux new-session failed");
        t
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket, "-f", "/dev/null"]).args(args);
        c
    }

    /// Make the window `w` x `h` (the dashboard redraws on the resize).
    pub fn resize(&self, w: u16, h: u16) {
        let (w, h) = (w.to_string(), h.to_string());
        let ok = self.cmd(&["resize-window", "-t", "e2e", "-x", &w, "-y", &h]).status().unwrap().success();
        assert!(ok, "tmux resize-window failed");
    }

    /// The pane's text, once two captures 50 ms apart agree: a capture taken while tmux was
    /// still reading a frame in holds rows of two frames (the dashboard sends each frame in one
    /// write, but the pty hands it to tmux in pieces, and tmux 3.3a ignores synchronized
    /// updates). A pane that never settles within 2 s gives its last capture.
    pub fn screen(&self) -> String {
        let settle_by = Instant::now() + Duration::from_secs(2);
        let mut s = self.capture();
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let next = self.capture();
            if next == s || Instant::now() > settle_by {
                return next;
            }
            s = next;
        }
    }

    fn capture(&self) -> String {
        let o = self.cmd(&["capture-pane", "-p", "-t", "e2e"]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            assert!(self.cmd(&["send-keys", "-t", "e2e", k]).status().unwrap().success());
        }
    }

    /// Wait until the screen satisfies `pred`, for at most 15 s.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn pid(&self) -> i32 {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Ok(s) = std::fs::read_to_string(self.dir.join("pid"))
                && let Ok(p) = s.trim().parse()
            {
                return p;
            }
            assert!(Instant::now() < deadline, "no pid file");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn assert_restored(&self, code: &str) {
        let s = self.wait_for("the program to exit", |s| s.contains("EXIT=") && s.contains("icanon"));
        assert!(s.contains(&format!("EXIT={code}")), "exit code; screen:\n{s}");
        let modes = s.lines().find(|l| l.contains("icanon")).unwrap_or("");
        assert!(modes.contains("icanon") && !modes.contains("-icanon"), "cooked mode restored: {modes:?}");
        assert!(!modes.contains("-echo"), "echo restored: {modes:?}");
        // Back on the main screen: the dashboard is gone.
        assert!(!s.contains("1 Fleet"), "alternate screen left:\n{s}");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
