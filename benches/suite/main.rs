//! The benchmark suite (issue 6): one command builds a database at scale with `dsrdesk seed`
//! and measures the desk's work on it, printing one table with the target beside each figure and,
//! where it makes sense, PostgreSQL's own figure for the same work.
//!
//! ```text
//! cargo bench --bench suite                          # 1,000,000 requests and ledger persons
//! cargo bench --bench suite -- --requests 200000     # another size
//! cargo bench --bench suite -- --reuse               # measure again on the database seeded last time
//! cargo bench --bench suite -- --only queue,tui      # some sections only
//! cargo bench --bench suite -- --growth 1000000,3000000 --only queue,tui
//!                                                    # each size in turn, then every latency's growth
//! ```
//!
//! With `--bench` (what `cargo bench` passes) the table is also written to bench/RESULTS.md with
//! the machine described. Under `cargo test` it runs every section at a smoke size and writes
//! nothing: CI checks that the suite works, not the figures.
//!
//! Sections: `seed` (the database at scale), `queue` (intake, list, overview, search, claims),
//! `tui` (a child process, so its memory is its own), `erasure` (the plan for a heavy subject),
//! `export` (100,000 rows, the release binary as a child), `report` (the year's figures, issue 17),
//! `outbox` (delivery to aiosmtpd), `inbox` (mail taken in from a Maildir and from dovecot,
//! beside mail-parser alone; the inbox screen with `--inbox-screen N` messages waiting, 100,000
//! in a full run).

#[path = "../../tests/support/dovecot.rs"]
mod dovecot;
mod export;
mod growth;
mod inbox;
mod inbox_screen;
mod outbox;
mod queue;
mod report;
mod scale;
#[path = "../../tests/support/smtp.rs"]
mod smtp;
mod stats;
mod subject;
mod tui;

use report::Row;
use std::time::Instant;

/// What this run measures, and at which size.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `cargo bench` (full size, results written) rather than `cargo test` (smoke size).
    pub full: bool,
    pub requests: u64,
    pub intake: u64,
    pub claims: u64,
    pub export_rows: i64,
    pub messages: u64,
    /// Messages taken in from a Maildir and from dovecot (issue 16).
    pub inbox_messages: u64,
    /// Messages waiting while the inbox screen is timed (issue 16).
    pub inbox_screen_messages: u64,
    pub reuse: bool,
    only: Option<Vec<String>>,
    /// Sizes (requests) to run the suite at one after the other, printing how each latency grows
    /// from the first to the last (issue 18 §1).
    growth: Vec<u64>,
}

impl Plan {
    fn from_args() -> Plan {
        let args: Vec<String> = std::env::args().collect();
        let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
        let number = |name: &str| value(name).map(|v| v.replace('_', "").parse::<u64>().expect("a number"));
        let full = args.iter().any(|a| a == "--bench");
        Plan {
            full,
            requests: number("--requests").unwrap_or(if full { 1_000_000 } else { 3_000 }),
            intake: number("--intake").unwrap_or(if full { 100_000 } else { 1_000 }),
            claims: number("--claims").unwrap_or(if full { 8_000 } else { 160 }),
            export_rows: number("--export-rows").unwrap_or(if full { 100_000 } else { 2_000 }) as i64,
            messages: number("--messages").unwrap_or(if full { 1_000 } else { 50 }),
            inbox_messages: number("--inbox-messages").unwrap_or(if full { 10_000 } else { 200 }),
            inbox_screen_messages: number("--inbox-screen").unwrap_or(if full { 100_000 } else { 2_000 }),
            reuse: args.iter().any(|a| a == "--reuse"),
            only: value("--only").map(|v| v.split(',').map(str::to_string).collect()),
            growth: value("--growth")
                .map(|v| {
                    v.split(',')
                        .map(|n| n.replace('_', "").parse::<u64>().expect("--growth: sizes"))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    pub fn runs(&self, section: &str) -> bool {
        self.only.as_ref().is_none_or(|only| only.iter().any(|s| s == section))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        // Helper-process modes: measured apart from the suite's own memory.
        Some("--measure-child") => return export::measure_child(&args[2..]),
        Some("--tui-child") => {
            let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
            let rows = runtime.block_on(tui::measure(&args[2], args[3].parse().unwrap()));
            for row in rows {
                println!("{}", serde_json::to_string(&row).unwrap());
            }
            return;
        }
        _ => {}
    }
    let plan = Plan::from_args();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(run(plan));
}

/// One run of the suite at `plan.requests`: the rows, the database described, the server's version.
async fn measure(plan: &Plan) -> (Vec<Row>, String, String) {
    eprintln!("benchmark suite: {} requests ({})", plan.requests, if plan.full { "full" } else { "smoke" });
    let big = scale::BigDatabase::new(plan);
    let mut rows: Vec<Row> = Vec::new();
    // Each figure is printed as soon as it is measured, so a failure later keeps it.
    let mut keep = |new: Vec<Row>| {
        for row in &new {
            eprintln!("  {} | {} | {} | {} | {}", row.section, row.what, row.figure, row.target, row.plain);
        }
        rows.extend(new);
    };
    keep(big.build(plan).await);
    let desk = big.desk(32).await;
    let server: String = sqlx::query_scalar("SHOW server_version").fetch_one(desk.pool()).await.unwrap();
    let stored = big.describe(&desk).await;
    if plan.runs("queue") {
        keep(queue::run(plan, &big, &desk).await);
    }
    if plan.runs("tui") {
        keep(tui::run_child(&big));
    }
    if plan.runs("erasure") {
        keep(subject::erasure_plan(plan, &desk).await);
    }
    if plan.runs("export") {
        keep(export::run(plan, &big, &desk).await);
    }
    if plan.runs("report") {
        keep(stats::run(plan, &desk).await);
    }
    if plan.runs("outbox") {
        keep(outbox::run(plan).await);
    }
    if plan.runs("inbox") {
        keep(inbox::run(plan).await);
        keep(inbox_screen::run(plan).await);
    }
    desk.pool().close().await;
    if !plan.full {
        big.drop_if_smoke().await;
    }
    (rows, stored, server)
}

async fn run(plan: Plan) {
    let machine = report::machine();
    let started = Instant::now();
    let (table, stored, server) = if plan.growth.len() >= 2 {
        let mut runs = Vec::new();
        let mut stored = Vec::new();
        let mut server = String::new();
        for &size in &plan.growth {
            let sized = Plan { requests: size, ..plan.clone() };
            let (rows, described, version) = measure(&sized).await;
            runs.push((size, rows));
            stored.push(described);
            server = version;
        }
        let mut table = String::new();
        for (size, rows) in &runs {
            table.push_str(&format!("At {size} requests:\n\n{}\n", report::table(rows)));
        }
        table.push_str(&growth::table(&runs));
        (table, stored.join("\n\n"), server)
    } else {
        let (rows, stored, server) = measure(&plan).await;
        let missed: Vec<&str> =
            rows.iter().filter(|r| r.meets == Some(false)).map(|r| r.what.as_str()).collect();
        if !missed.is_empty() {
            eprintln!("MISSED targets: {}", missed.join("; "));
        }
        (report::table(&rows), stored, server)
    };
    println!("\n{stored}\n\n{table}");
    if plan.full {
        let doc = format!(
            "# Benchmark results\n\n\
Measured {date} by `cargo bench --bench suite` ({minutes:.0} minutes in all) on this machine: {machine}. \
PostgreSQL {server}, dsrdesk's embedded cluster (shared_buffers = 256MB, fsync and synchronous commit on, \
the rest as shipped), release build.\n\n{stored}\n\n\
\"PostgreSQL alone\" is the database's own figure for the same work without dsrdesk: the same SQL timed by \
the server (EXPLAIN ANALYZE, median), the same statement driven by pgbench, or the server's own COPY. \
Latencies are medians unless the row says otherwise.\n\n{table}",
            date = chrono::Utc::now().format("%Y-%m-%d"),
            minutes = started.elapsed().as_secs_f64() / 60.0,
        );
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/RESULTS.md");
        std::fs::write(&path, doc).unwrap();
        eprintln!("written to {}", path.display());
    }
}
