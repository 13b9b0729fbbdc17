//! The real binary in a real terminal (tmux): `dsrdesk` without a subcommand opens the desk; we
//! navigate, filter, open a request and quit, then check the terminal is as it was (no alternate
//! screen, cursor shown, cooked mode with echo). Also: SIGTERM gives the terminal back.
//!
//! Needs tmux; skipped with a message when it is missing.

use chrono::Utc;
use dsrdesk::config::Config;
use dsrdesk::service::Desk;
use dsrdesk::service::seed::SeedOptions;
use dsrdesk::testing::fresh_database;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    _config_home: tempfile::TempDir,
}

impl Tmux {
    fn start(url: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            eprintln!("tmux is not installed: skipping the end-to-end test");
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
        let status = Command::new("tmux")
            .args([
                "-L",
                &t.socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                "100",
                "-y",
                "30",
            ])
            .args(["-e", &format!("DATABASE_URL={url}")])
            .args(["-e", &format!("XDG_CONFIG_HOME={}", t._config_home.path().display())])
            .args(["-e", "DSRDESK_KEYS=", "-e", "NO_COLOR=", "-e", "PS1=$ "])
            .args(["sh"])
            .status()
            .unwrap();
        assert!(status.success());
        Some(t)
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").args(["-L", &self.socket]).args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", "-t", "e2e", k]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn literal(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "e2e", "-l", text]);
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-t", "e2e", "-p"])
    }

    fn display(&self, format: &str) -> String {
        self.tmux(&["display-message", "-t", "e2e", "-p", format]).trim().to_string()
    }

    fn wait_for(&self, what: &str) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen();
            if screen.contains(what) {
                return screen;
            }
            if started.elapsed() > Duration::from_secs(15) {
                panic!("waited 15 s for {what:?}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Whether the terminal is back in its ordinary state.
    fn assert_restored(&self) {
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

fn binary() -> String {
    env!("CARGO_BIN_EXE_dsrdesk").to_string()
}

async fn seeded_url() -> (dsrdesk::testing::TestDatabase, String) {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    desk.seed(&SeedOptions { requests: 300, seed: 7, ..SeedOptions::default() }, Utc::now(), |_| {})
        .await
        .unwrap();
    let url = db.url();
    (db, url)
}

#[tokio::test]
async fn navigate_filter_open_quit_and_the_terminal_is_restored() {
    let (_db, url) = seeded_url().await;
    let Some(t) = Tmux::start(&url) else { return };
    t.literal(&format!("{}; echo EXIT=$?", binary()));
    t.keys(&["Enter"]);
    t.wait_for("Open requests:");
    assert_eq!(t.display("#{alternate_on}"), "1", "the desk uses the alternate screen");
    t.keys(&["2"]);
    t.wait_for("open requests · by due date");
    t.keys(&["j", "j", "t", "o"]);
    t.wait_for("kind access · overdue");
    t.keys(&["x", "/"]);
    t.literal("an");
    t.wait_for("matching “an”");
    t.keys(&["Enter", "Enter"]);
    let screen = t.wait_for("Request text");
    assert!(screen.contains("Deadline (Art. 12(3))"), "{screen}");
    t.keys(&["Escape"]);
    t.wait_for("matching “an”");
    t.keys(&["?"]);
    t.wait_for("Help: keys and commands");
    t.keys(&["q"]);
    t.wait_for("EXIT=0");
    t.assert_restored();
}

#[tokio::test]
async fn sigterm_gives_the_terminal_back() {
    let (_db, url) = seeded_url().await;
    let Some(t) = Tmux::start(&url) else { return };
    t.literal(&format!("{}; echo EXIT=$?", binary()));
    t.keys(&["Enter"]);
    t.wait_for("Open requests:");
    let shell = t.display("#{pane_pid}");
    let out = Command::new("pgrep").args(["-P", &shell]).output().unwrap();
    let pid = String::from_utf8_lossy(&out.stdout).lines().next().expect("the desk's pid").trim().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    // 128 + 15 would mean it died of the signal without cleaning up; it exits in order instead.
    t.wait_for("EXIT=0");
    t.assert_restored();
}
