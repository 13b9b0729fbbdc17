//! Queue benchmark: seed, intake, list, overview, search and concurrent claims at scale.
//!
//!     cargo bench --bench queue                       # 1,000,000 requests, 100,000 intake
//!     cargo bench --bench queue -- --requests 200000  # smaller
//!
//! Under `cargo test` (no `--bench` argument) it runs a smoke size and writes no results file.
//! Prints a table with the target beside each figure and, where it makes sense, the database's
//! own execution time for the same SQL (EXPLAIN ANALYZE), so the distance to PostgreSQL's limit
//! shows. With `--bench`, the table is also written to bench/RESULTS.md.

use chrono::{Duration, Utc};
use dsrdesk::config::Config;
use dsrdesk::service::seed::SeedOptions;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::requests::{AssigneeFilter, QueueQuery};
use std::fmt::Write as _;
use std::time::Instant;

struct Row {
    what: String,
    figure: String,
    target: String,
    database: String,
    ok: Option<bool>,
}

fn median_ms(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[samples.len() / 2]
}

async fn time_ms<F, Fut, T>(runs: usize, mut f: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut samples = Vec::with_capacity(runs);
    f().await; // warm the caches and the prepared statement
    for _ in 0..runs {
        let t = Instant::now();
        std::hint::black_box(f().await);
        samples.push(t.elapsed().as_secs_f64() * 1e3);
    }
    median_ms(samples)
}

/// PostgreSQL's own execution time for `sql` (median of runs), from EXPLAIN ANALYZE.
async fn db_ms(pool: &sqlx::PgPool, sql: &str) -> f64 {
    let explain = format!("EXPLAIN (ANALYZE, FORMAT JSON) {sql}");
    let mut samples = Vec::new();
    for _ in 0..7 {
        let plan: serde_json::Value =
            sqlx::query_scalar(sqlx::AssertSqlSafe(explain.clone())).fetch_one(pool).await.unwrap();
        samples.push(plan[0]["Execution Time"].as_f64().unwrap());
    }
    median_ms(samples)
}

fn arg(name: &str) -> Option<u64> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok())
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let requests = arg("--requests").unwrap_or(if full { 1_000_000 } else { 3_000 });
    let intake_n = arg("--intake").unwrap_or(if full { 100_000 } else { 1_000 });
    let db = dsrdesk::testing::fresh_database_with(24).await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let pool = desk.pool().clone();
    let now = Utc::now();
    let mut rows = Vec::new();
    let mut push = |what: &str, figure: String, target: &str, database: String, ok: Option<bool>| {
        rows.push(Row { what: what.into(), figure, target: target.into(), database, ok })
    };
    eprintln!("seeding {requests} requests ...");

    let t = Instant::now();
    let created =
        desk.seed(&SeedOptions { requests, seed: 42, ..Default::default() }, now, |_| {}).await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    let events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM request_events").fetch_one(&pool).await.unwrap();
    // Rows loaded: the requests and the events that explain their state.
    let rate = (created as f64 + events as f64) / secs;
    push(
        &format!("seed {created} requests (+{events} events)"),
        format!("{secs:.1} s, {rate:.0} rows/s ({:.0} requests/s)", created as f64 / secs),
        "≥ 50,000 rows/s",
        String::new(),
        Some(rate >= 50_000.0),
    );

    // Intake from one JSON Lines file.
    let mut file = String::new();
    for i in 0..intake_n {
        let received = (now - Duration::minutes(10 + (i as i64 % 20_000))).to_rfc3339();
        let (j, kind) = if i % 3 == 0 { ("FI", "erasure") } else { ("SE", "access") };
        let _ = writeln!(
            file,
            r#"{{"external_id":"bench-{i}","kind":"{kind}","jurisdiction":"{j}","received_at":"{received}","channel":"email","requester":{{"name":"Bench Person {i}","email":"p{i}@example.se"}},"text":"Jag begär registerutdrag."}}"#
        );
    }
    let path = std::env::temp_dir().join(format!("dsrdesk-bench-intake-{}.jsonl", std::process::id()));
    std::fs::write(&path, &file).unwrap();
    let t = Instant::now();
    let text = std::fs::read_to_string(&path).unwrap();
    let outcome = desk.intake(&Operator::new("bench"), &text, Utc::now()).await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    std::fs::remove_file(&path).ok();
    assert_eq!(outcome.created.len() as u64, intake_n);
    push(
        &format!("intake {intake_n} requests from one file"),
        format!("{secs:.2} s, {:.0} requests/s", intake_n as f64 / secs),
        "100,000 < 10 s",
        String::new(),
        Some(intake_n as f64 / secs >= 10_000.0),
    );
    sqlx::query("ANALYZE").execute(&pool).await.unwrap();
    let open: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM requests WHERE status IN ('new','in_progress','awaiting_information')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM requests").fetch_one(&pool).await.unwrap();
    eprintln!("{total} requests stored, {open} open");

    // list: first page of the open queue, as `dsrdesk list` asks for it.
    let first = QueueQuery { limit: 100, ..Default::default() };
    let ms = time_ms(30, || desk.queue(&first, now)).await;
    let db = db_ms(&pool, "SELECT * FROM requests WHERE status IN ('new','in_progress','awaiting_information') ORDER BY due_on, id LIMIT 100").await;
    push(
        "list: open queue, first 100",
        format!("{ms:.2} ms"),
        "< 100 ms (issue 6: < 5 ms)",
        format!("{db:.2} ms"),
        Some(ms < 100.0),
    );

    // A page deep in the whole queue (closed included), by keyset.
    let mid: (chrono::NaiveDate, i64) =
        sqlx::query_as("SELECT due_on, id FROM requests ORDER BY due_on, id OFFSET $1 LIMIT 1")
            .bind(total / 2)
            .fetch_one(&pool)
            .await
            .unwrap();
    let deep = QueueQuery { include_closed: true, after: Some(mid), limit: 100, ..Default::default() };
    let ms = time_ms(30, || desk.queue(&deep, now)).await;
    let db = db_ms(
        &pool,
        &format!(
            "SELECT * FROM requests WHERE (due_on, id) > ('{}', {}) ORDER BY due_on, id LIMIT 100",
            mid.0, mid.1
        ),
    )
    .await;
    push(
        "list --all: page in the middle (keyset)",
        format!("{ms:.2} ms"),
        "< 100 ms (issue 6: < 5 ms)",
        format!("{db:.2} ms"),
        Some(ms < 100.0),
    );

    let mine =
        QueueQuery { assignee: AssigneeFilter::Is("anna.dpo".into()), limit: 100, ..Default::default() };
    let ms = time_ms(30, || desk.queue(&mine, now)).await;
    push("list --mine", format!("{ms:.2} ms"), "< 100 ms", String::new(), Some(ms < 100.0));

    let ms = time_ms(30, || desk.overview(now)).await;
    let today = now.date_naive();
    let db = db_ms(&pool, &format!(
        "SELECT kind, NULLIF(assignee, ''), paused, GREATEST(-1, LEAST(8, due_on - '{today}'::date)), sum(n) FROM (SELECT jurisdiction, kind, assignee, paused, due_on, n FROM open_request_counts UNION ALL SELECT jurisdiction, kind, assignee, paused, due_on, n FROM open_request_count_deltas) c GROUP BY 1,2,3,4"
    )).await;
    let scan = db_ms(&pool, &format!(
        "SELECT kind, assignee, status = 'awaiting_information', GREATEST(-1, LEAST(8, due_on - '{today}'::date)), count(*) FROM requests WHERE status IN ('new','in_progress','awaiting_information') GROUP BY 1,2,3,4"
    )).await;
    push(
        "overview",
        format!("{ms:.2} ms"),
        "< 100 ms (issue 6: < 50 ms)",
        format!("{db:.2} ms (full scan of open requests: {scan:.0} ms)"),
        Some(ms < 50.0),
    );

    let sample: (String, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT reference, requester_personal_number, requester_name FROM requests WHERE requester_personal_number IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    for (label, term) in [
        ("search: reference", sample.0.clone()),
        ("search: personal number", sample.1.clone().unwrap_or_default()),
        ("search: name", sample.2.clone().unwrap_or_default()),
    ] {
        let q = QueueQuery { include_closed: true, search: Some(term), limit: 100, ..Default::default() };
        let ms = time_ms(5, || desk.queue(&q, now)).await;
        push(label, format!("{ms:.1} ms"), "issue 6: < 20 ms", String::new(), Some(ms < 20.0));
    }

    // 16 operators claiming at once.
    let claims_wanted: usize = if full { 4_000 } else { 200 };
    let t = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..16 {
        let desk = desk.clone();
        tasks.push(tokio::spawn(async move {
            let op = Operator::new(format!("bench{n}"));
            let mut got = Vec::new();
            for _ in 0..claims_wanted / 16 {
                match desk.claim_next(&op, Utc::now()).await.unwrap() {
                    Some(r) => got.push(r.id),
                    None => break,
                }
            }
            got
        }));
    }
    let mut claimed = Vec::new();
    for task in tasks {
        claimed.extend(task.await.unwrap());
    }
    let secs = t.elapsed().as_secs_f64();
    let n = claimed.len();
    claimed.sort();
    claimed.dedup();
    let doubles = n - claimed.len();
    push(
        "claims by 16 concurrent operators",
        format!("{:.0} claims/s, {doubles} double", n as f64 / secs),
        "issue 6: ≥ 2,000/s, 0 double",
        String::new(),
        Some(doubles == 0 && n as f64 / secs >= 2_000.0),
    );
    assert_eq!(doubles, 0, "a request was claimed twice");

    // The table.
    let mut table = String::new();
    let _ = writeln!(table, "| measurement | dsrdesk | target | PostgreSQL alone | |");
    let _ = writeln!(table, "|---|---|---|---|---|");
    for r in &rows {
        let mark = match r.ok {
            Some(true) => "meets",
            Some(false) => "MISSES",
            None => "",
        };
        let _ = writeln!(table, "| {} | {} | {} | {} | {mark} |", r.what, r.figure, r.target, r.database);
    }
    println!("\n{total} requests stored ({open} open)\n\n{table}");
    if full {
        let machine = format!(
            "{} cores, {} GiB memory, {}",
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
            std::fs::read_to_string("/proc/meminfo")
                .ok()
                .and_then(|m| m
                    .lines()
                    .next()
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse::<u64>().ok()))
                .map(|kb| kb / 1024 / 1024)
                .unwrap_or(0),
            std::fs::read_to_string("/proc/cpuinfo")
                .ok()
                .and_then(|c| c.lines().find(|l| l.starts_with("model name")).map(|l| l
                    .split(':')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_string()))
                .unwrap_or_default()
        );
        let server: String = sqlx::query_scalar("SHOW server_version").fetch_one(&pool).await.unwrap();
        let doc = format!(
            "# Queue benchmark results\n\nMeasured {} with `cargo bench --bench queue` on {machine}; PostgreSQL {server} \
(embedded cluster, default settings but shared_buffers = 256MB). {total} requests stored, {open} open.\n\
\"PostgreSQL alone\" is the server's own execution time for the same SQL (EXPLAIN ANALYZE), without the \
client round trip and dsrdesk's work. Figures are medians.\n\n{table}",
            Utc::now().format("%Y-%m-%d"),
        );
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/RESULTS.md");
        std::fs::write(&path, doc).unwrap();
        eprintln!("written to {}", path.display());
    }
}
