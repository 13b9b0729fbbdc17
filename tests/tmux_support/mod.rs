//! The real binary in a real terminal: a private tmux server per test, a shell in one window,
//! keys sent and the screen read back. Shared by tests/tui_e2e.rs and tests/faults_tui.rs.
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub socket: String,
    _config_home: tempfile::TempDir,
}

impl Tmux {
    /// A `width`×`height` window running `sh` with `DATABASE_URL=url`. When tmux is missing the
    /// test fails with the reason ([`dsrdesk::testing::missing_dependency`]); None only when the
    /// developer allowed skips locally (`DSRDESK_ALLOW_SKIP=1`, never under `CI=true`).
    pub fn start(url: &str, width: u16, height: u16) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            dsrdesk::testing::missing_dependency("tmux", "sudo apt-get install tmux");
            return None;
        }
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let socket = format!(
            "dsrdesk-e2e-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let config_home = tempfile::tempdir().unwrap();
        let t = Tmux { socket, _config_home: config_home };
        let (w, h) = (width.to_string(), height.to_string());
        let status = Command::new("tmux")
            .args(["-L", &t.socket, "-f", "/dev/null", "new-session", "-d", "-s", "e2e", "-x", &w, "-y", &h])
            .args(["-e", &format!("DATABASE_URL={url}")])
            .args(["-e", &format!("XDG_CONFIG_HOME={}", t._config_home.path().display())])
            .args(["-e", "DSRDESK_KEYS=", "-e", "NO_COLOR=", "-e", "PS1=$ "])
            .args(["sh"])
            .status()
            .unwrap();
        assert!(status.success());
        // A window sized by resize-window keeps that size whatever clients attach.
        t.tmux(&["set-option", "-t", "e2e", "window-size", "manual"]);
        Some(t)
    }

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").args(["-L", &self.socket]).args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "e2e", k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    pub fn literal(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "e2e", "-l", text]);
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-t", "e2e", "-p"])
    }

    pub fn display(&self, format: &str) -> String {
        self.tmux(&["display-message", "-t", "e2e", "-p", format]).trim().to_string()
    }

    pub fn resize(&self, width: u16, height: u16) {
        self.tmux(&["resize-window", "-t", "e2e", "-x", &width.to_string(), "-y", &height.to_string()]);
    }

    /// Run the desk (`dsrdesk` and `args`) in the shell, which prints `EXIT=<status>` after it.
    pub fn run_desk(&self, args: &str) {
        self.literal(&format!("{} {args}; echo EXIT=$?", env!("CARGO_BIN_EXE_dsrdesk")));
        self.keys(&["Enter"]);
    }

    /// The desk's process id: the shell's child.
    pub fn desk_pid(&self) -> String {
        let shell = self.display("#{pane_pid}");
        let started = Instant::now();
        loop {
            let out = Command::new("pgrep").args(["-P", &shell]).output().unwrap();
            if let Some(pid) = String::from_utf8_lossy(&out.stdout).lines().next() {
                return pid.trim().to_string();
            }
            assert!(started.elapsed() < Duration::from_secs(15), "the desk did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_for(&self, what: &str) -> String {
        self.wait_until(what, Duration::from_secs(15), |s| s.contains(what))
    }

    /// Poll the screen until `ok` says yes; panic with the screen after `limit`.
    pub fn wait_until(&self, what: &str, limit: Duration, ok: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            if started.elapsed() > limit {
                panic!("waited {limit:?} for {what:?}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether the terminal is back in its ordinary state.
    pub fn assert_restored(&self) {
        assert_eq!(self.display("#{alternate_on}"), "0", "left the alternate screen");
        assert_eq!(self.display("#{cursor_flag}"), "1", "cursor shown");
        self.keys(&["clear", "Enter"]);
        self.literal(
            "echo STTY=$(stty -a | tr ' ' '\\n' | grep -x -e icanon -e echo -e -icanon -e -echo | sort | tr '\\n' ,)",
        );
        self.keys(&["Enter"]);
        let screen = self.wait_for("\nSTTY=");
        let line = screen.lines().find(|l| l.starts_with("STTY=")).unwrap();
        assert_eq!(line.trim(), "STTY=echo,icanon,", "cooked mode with echo:\n{screen}");
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "kill-server"]).status();
    }
}
