//! Benchmark of the terminal desk (figures, not a timed test):
//!
//! ```text
//! cargo run --release --example tui_bench -- [N]      # N seeded requests, default 5,000
//! ```
//!
//! With N requests in the database it measures, for the real app and views over ratatui's
//! `TestBackend` (and a byte-counting `CrosstermBackend` for what a terminal would receive):
//! - the first complete frame (the shift overview with its data) after the database is reachable;
//! - keypress-to-frame time for selection moves in the queue, p50/p99/max, including any page
//!   fetched from the database on the way (keyset pages, never the whole queue);
//! - resident memory (VmRSS, VmHWM from /proc/self/status) after scrolling;
//! - bytes written to the terminal per one-row selection move, at 80x24 and 160x48.
//!
//! Targets: first screen < 300 ms, p99 < 16 ms, RSS < 64 MB, < 1 KB per move.
//!
//! Measured (2 cores, release, 1,000,000 requests of which 82,289 open, seeded 115 s once):
//! first frame 33 ms (126 ms with a cold cache); one-row moves p50 0.40 ms, p99 4.5 ms, max 20 ms
//! over 15,000 moves (the p99 is the page fetch every hundred rows); G/g in the whole history
//! 1.3–6 ms; VmRSS 11.4 MB (peak 12.8 MB); 343 bytes per move at 80x24, 598 at 160x48.
//!
//! The database is `dsrdesk_tui_bench_N` in the test cluster (`DATABASE_URL` is not touched); it
//! is seeded once, by a child process so the seeding's memory does not count, and kept for the
//! next run.

use chrono::Utc;
use dsrdesk::config::Config;
use dsrdesk::service::seed::SeedOptions;
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
use std::time::{Duration, Instant};

fn target(n: u64) -> DatabaseTarget {
    DatabaseTarget::Embedded {
        data_dir: dsrdesk::testing::test_cluster_dir(),
        database: format!("dsrdesk_tui_bench_{n}"),
    }
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

async fn seed_if_needed(n: u64) {
    let pool = store::open(&target(n), 4).await.expect("database");
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM requests").fetch_one(&pool).await.unwrap();
    pool.close().await;
    if have as u64 >= n {
        return;
    }
    eprintln!("seeding {n} requests into dsrdesk_tui_bench_{n} (once) ...");
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--seed-only", &n.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "seeding failed");
}

async fn seed_only(n: u64) {
    let pool = store::open(&target(n), 8).await.expect("database");
    let desk = Desk::new(pool, Config::default());
    let started = Instant::now();
    let options = SeedOptions { requests: n, seed: 1, force: true, ..SeedOptions::default() };
    desk.seed(&options, Utc::now(), |done| {
        if done % 100_000 == 0 {
            eprintln!("  {done}");
        }
    })
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(desk.pool()).await.unwrap();
    eprintln!("seeded in {:.1} s", started.elapsed().as_secs_f64());
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--seed-only") {
        seed_only(args[1].parse().unwrap()).await;
        return;
    }
    let n: u64 = args.first().map(|a| a.replace('_', "").parse().expect("N: a number")).unwrap_or(5_000);
    seed_if_needed(n).await;

    let rss_start = status_kb("VmRSS:");
    let pool = store::open(&target(n), 8).await.expect("database");
    let desk = Desk::new(pool, Config::default());
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM requests WHERE status IN ('new', 'in_progress', 'awaiting_information')",
    )
    .fetch_one(desk.pool())
    .await
    .unwrap();
    // The operator with the most claims, so "mine" is not empty.
    let me: String = sqlx::query_scalar(
        "SELECT assignee FROM requests WHERE assignee IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
    )
    .fetch_one(desk.pool())
    .await
    .unwrap();
    let operator = Operator::new(me);
    println!("dsrdesk TUI benchmark: {n} requests ({open} open), release build: {}", !cfg!(debug_assertions));

    // First frame: from a reachable database to the overview drawn with its data.
    let started = Instant::now();
    let mut h =
        Headless::start(desk.clone(), operator.clone(), settings(&operator), Utc::now(), 160, 48).await;
    let first = started.elapsed();
    assert!(h.text().contains("Open requests:"), "{}", h.screen());
    println!("first frame (overview with data, 160x48): {}", ms(first));

    // Into the queue.
    let started = Instant::now();
    h.keys("2").await;
    println!("overview -> queue (first page + count):   {}", ms(started.elapsed()));
    let mut include_closed =
        Headless::start(desk.clone(), operator.clone(), settings(&operator), Utc::now(), 160, 48).await;
    include_closed.keys(":").await;
    include_closed.type_text("status all").await;
    let started = Instant::now();
    include_closed.keys("enter").await;
    println!("queue of all {n} (closed too):           {}", ms(started.elapsed()));

    // Selection moves: j through the open queue (fetching pages on the way), then back.
    let moves = (open as usize).clamp(100, 5_000);
    let mut times = Vec::with_capacity(moves * 2);
    for _ in 0..moves {
        let t = Instant::now();
        h.keys("j").await;
        times.push(t.elapsed());
    }
    for _ in 0..moves {
        let t = Instant::now();
        h.keys("k").await;
        times.push(t.elapsed());
    }
    // And through the whole history (all statuses), where pages are fetched from deep offsets.
    let deep = 5_000.min(n as usize);
    for _ in 0..deep {
        let t = Instant::now();
        include_closed.keys("j").await;
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "keypress -> frame, {} one-row moves:     p50 {}  p99 {}  max {}",
        times.len(),
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap())
    );
    let mut jumps = vec![];
    for keys in ["G", "g", "pagedown", "pagedown", "pageup", "G", "k", "k", "g"] {
        let t = Instant::now();
        include_closed.keys(keys).await;
        jumps.push((keys, t.elapsed()));
    }
    let jumps: Vec<String> = jumps.iter().map(|(k, d)| format!("{k} {}", ms(*d))).collect();
    println!("jumps in the full history:                {}", jumps.join(", "));
    println!(
        "queue window held in memory: {} rows (of {})",
        include_closed.app.queue.rows.len(),
        include_closed.app.queue.total.unwrap_or(0)
    );
    drop(include_closed);

    let rss = status_kb("VmRSS:");
    let hwm = status_kb("VmHWM:");
    println!(
        "resident memory: VmRSS {:.1} MB (at start {:.1} MB), peak VmHWM {:.1} MB",
        rss as f64 / 1024.0,
        rss_start as f64 / 1024.0,
        hwm as f64 / 1024.0
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
        let first = counter.0.swap(0, Ordering::Relaxed);
        let moves = (n as usize).saturating_sub(1).clamp(1, 1_000);
        for _ in 0..moves {
            c.keys("j").await;
        }
        let bytes = counter.0.swap(0, Ordering::Relaxed);
        println!(
            "bytes to the terminal at {w}x{hgt}: {:.0} per one-row move (mean of {moves}), {first} for the whole screen",
            bytes as f64 / moves as f64
        );
    }
}
