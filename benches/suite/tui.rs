//! The desk itself over the database at scale: the real app and views, drawn by ratatui into a
//! `TestBackend` (and a byte-counting `CrosstermBackend` for what a terminal would receive). Run in
//! a child process so its resident memory is the desk's alone.

use crate::report::{Row, percentile};
use crate::scale::BigDatabase;
use chrono::Utc;
use dsrdesk::config::Config;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::{self, DatabaseTarget};
use dsrdesk::tui::headless::Headless;
use dsrdesk::tui::{Keymap, Settings, Theme};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

const SECTION: &str = "tui";

/// Run the measurement in a child process (`--tui-child DATABASE MOVES`); its rows come back as
/// JSON lines.
pub fn run_child(big: &BigDatabase) -> Vec<Row> {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--tui-child", &big.name, "5000"])
        .output()
        .expect("run the desk's benchmark child");
    assert!(out.status.success(), "the desk's benchmark failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn settings(operator: &Operator) -> Settings {
    Settings {
        operator: operator.clone(),
        config: Config::default(),
        read_only: false,
        keymap: Keymap::default(),
        theme: Theme::color(),
    }
}

/// Counts what would reach the terminal.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

pub async fn measure(database: &str, max_moves: usize) -> Vec<Row> {
    let target = DatabaseTarget::Embedded {
        data_dir: dsrdesk::testing::test_cluster_dir(),
        database: database.to_string(),
    };
    let pool = store::open(&target, 8).await.expect("the benchmark database");
    let desk = Desk::new(pool, Config::default());
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM requests WHERE status IN ('new', 'in_progress', 'awaiting_information')",
    )
    .fetch_one(desk.pool())
    .await
    .unwrap();
    let total: i64 =
        sqlx::query_scalar("SELECT count(*) FROM requests").fetch_one(desk.pool()).await.unwrap();
    // The operator with the most requests, so "mine" is not empty.
    let me: String = sqlx::query_scalar(
        "SELECT assignee FROM requests WHERE assignee IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    )
    .fetch_one(desk.pool())
    .await
    .unwrap();
    let operator = Operator::new(me);
    let mut rows = Vec::new();

    // First frame: from a reachable database to the shift overview drawn with its data.
    let started = Instant::now();
    let mut h =
        Headless::start(desk.clone(), operator.clone(), settings(&operator), Utc::now(), 160, 48).await;
    let first = started.elapsed().as_secs_f64() * 1000.0;
    assert!(h.text().contains("Open requests:"), "{}", h.screen());
    rows.push(
        Row::new(SECTION, "first frame: the shift overview with its data (160x48)", format!("{first:.1} ms"))
            .target("< 300 ms", first < 300.0),
    );

    // Selection moves through the open queue (pages fetched on the way) and back, then through
    // everything ever received, where pages come from deep in the index.
    h.keys("2").await;
    let mut all =
        Headless::start(desk.clone(), operator.clone(), settings(&operator), Utc::now(), 160, 48).await;
    all.keys(":").await;
    all.type_text("status all").await;
    all.keys("enter").await;
    let moves = (open as usize).clamp(100, max_moves);
    let mut times = Vec::with_capacity(moves * 3);
    for key in ["j", "k"] {
        for _ in 0..moves {
            let t = Instant::now();
            h.keys(key).await;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
    }
    for _ in 0..max_moves.min(total as usize) {
        let t = Instant::now();
        all.keys("j").await;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let count = times.len();
    let p50 = percentile(&mut times, 0.5);
    let p99 = percentile(&mut times, 0.99);
    let max = percentile(&mut times, 1.0);
    rows.push(
        Row::new(SECTION, format!("keypress to frame, {count} one-row moves (p50)"), format!("{p50:.2} ms"))
            .target("< 16 ms", p50 < 16.0),
    );
    rows.push(
        Row::new(SECTION, "keypress to frame (p99; max)", format!("{p99:.2} ms; {max:.1} ms"))
            .target("< 16 ms", p99 < 16.0),
    );
    let mut jumps = Vec::new();
    for key in ["G", "g", "pagedown", "pagedown", "pageup", "G", "g"] {
        let t = Instant::now();
        all.keys(key).await;
        jumps.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let worst = percentile(&mut jumps, 1.0);
    rows.push(
        Row::new(SECTION, "jumps through all requests (G, g, page down/up; worst)", format!("{worst:.2} ms"))
            .target("< 16 ms", worst < 16.0),
    );
    let window = all.app.queue.rows.len();
    drop(all);

    let rss = status_kb("VmRSS:") as f64 / 1024.0;
    let peak = status_kb("VmHWM:") as f64 / 1024.0;
    rows.push(
        Row::new(
            SECTION,
            format!("resident memory with the full queue ({total} requests; {window} rows held)"),
            format!("{rss:.1} MB (peak {peak:.1} MB)"),
        )
        .target("< 64 MB", peak < 64.0),
    );

    // Bytes to the terminal per one-row move.
    for (w, hgt) in [(80u16, 24u16), (160, 48)] {
        let counter = Counter::default();
        let backend = CrosstermBackend::new(counter.clone());
        let options = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, w, hgt)) };
        let terminal = Terminal::with_options(backend, options).unwrap();
        let mut c = Headless::with_terminal(
            desk.clone(),
            operator.clone(),
            settings(&operator),
            Utc::now(),
            terminal,
            (w, hgt),
        )
        .await;
        c.keys(":").await;
        c.type_text("status all").await;
        c.keys("enter").await;
        let whole = counter.0.swap(0, Ordering::Relaxed);
        let moves = (total as usize).saturating_sub(1).clamp(1, 1_000);
        for _ in 0..moves {
            c.keys("j").await;
        }
        let bytes = counter.0.swap(0, Ordering::Relaxed) as f64 / moves as f64;
        rows.push(
            Row::new(
                SECTION,
                format!("bytes to the terminal per one-row move at {w}x{hgt} (whole screen: {whole})"),
                format!("{bytes:.0} B"),
            )
            .target("< 1 KB", bytes < 1024.0),
        );
    }
    rows
}
