//! Erasure-plan benchmark: planning for a heavy subject (50 cases, 5,000 payments, letters and
//! calls) through the data map, against a fresh database.
//!
//!     cargo bench --bench erasure_plan                  # 30 timed plans
//!     cargo bench --bench erasure_plan -- --payments 50000
//!
//! Under `cargo test` it runs the same subject with 3 timed plans (a smoke run). Beside the
//! figure it prints the time of the data map's own SELECTs run directly (the database's part).

use chrono::Utc;
use dsrdesk::config::Config;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::fresh_database;
use std::time::Instant;

fn arg(name: &str) -> Option<u64> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok())
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(|a, b| a.partial_cmp(b).unwrap());
    samples[((samples.len() - 1) as f64 * p).round() as usize]
}

/// One heavy debtor: `cases` cases (a third open, some at enforcement, the rest closed over the
/// years), `payments` payments spread over them and over financial years, letters and calls.
async fn build_heavy_subject(desk: &Desk, cases: i64, payments: i64) {
    let pool = desk.pool();
    sqlx::raw_sql(
        "INSERT INTO ledger.clients (id, name, org_number, country, service, agency_role) VALUES
            (1, 'Nordbank AB', '556000-0001', 'SE', 'collection', 'controller');
         INSERT INTO ledger.persons (id, role, country, personal_number, first_name, last_name, street,
            postal_code, city, email, language, created_on)
         VALUES (1, 'debtor', 'SE', '19811218-9876', 'Anna', 'Svensson', 'Storgatan 1', '123 45', 'Malmö',
            'anna.svensson@example.se', 'sv', '2010-01-01');",
    )
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO ledger.cases (id, case_number, client_id, debtor_id, invoice_number, currency, principal,
            fees, interest, outstanding, opened_on, closed_on, paid_in_full_on, stage)
         SELECT g, 'SE-' || g, 1, 1, 'F-' || g, 'SEK', 1000, 180, 0,
                CASE WHEN g % 3 = 0 THEN 1180 ELSE 0 END,
                date '2012-01-01' + (g * 70)::int,
                CASE WHEN g % 3 = 0 THEN NULL ELSE date '2012-06-01' + (g * 70)::int END,
                CASE WHEN g % 3 = 0 THEN NULL ELSE date '2012-06-01' + (g * 70)::int END,
                CASE WHEN g % 3 = 0 THEN (CASE WHEN g % 2 = 0 THEN 'enforcement' ELSE 'collection' END) ELSE 'closed' END
         FROM generate_series(1, $1::bigint) g",
    )
    .bind(cases)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO ledger.payments (id, case_id, payer_id, paid_on, amount, method, booking_reference, financial_year_end)
         SELECT g, 1 + g % $2::bigint, 1, date '2012-01-01' + (g % 5000)::int,
                10, 'bankgiro', 'B-' || g,
                make_date(extract(year FROM date '2012-01-01' + (g % 5000)::int)::int, 12, 31)
         FROM generate_series(1, $1::bigint) g",
    )
    .bind(payments)
    .bind(cases)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO ledger.letters (id, case_id, person_id, sent_on, letter_type, channel)
         SELECT g, 1 + g % $1::bigint, 1, date '2012-01-01' + g::int, 'reminder', 'post' FROM generate_series(1, 500) g",
    )
    .bind(cases)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO ledger.calls (id, case_id, person_id, called_at, direction, summary)
         SELECT g, 1 + g % $1::bigint, 1, timestamptz '2012-01-01' + g * interval '3 days', 'inbound', 'call'
         FROM generate_series(1, 200) g",
    )
    .bind(cases)
    .execute(pool)
    .await
    .unwrap();
    sqlx::raw_sql("ANALYZE").execute(pool).await.unwrap();
}

/// Run a data-map SELECT for person 1 as dsrdesk does (one JSON object a row); the row count.
async fn select_directly(desk: &Desk, select: &str) -> usize {
    let rows: Vec<serde_json::Value> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT row_to_json(s) FROM ({select}) s")))
            .bind("1")
            .fetch_all(desk.pool())
            .await
            .unwrap();
    rows.len()
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let payments = arg("--payments").unwrap_or(5_000) as i64;
    let cases = arg("--cases").unwrap_or(50) as i64;
    let runs = if full { 30 } else { 3 };
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    build_heavy_subject(&desk, cases, payments).await;
    let line = r#"{"external_id":"bench-1","kind":"erasure","jurisdiction":"SE","received_at":"2026-11-20T09:00:00+01:00","requester":{"name":"Anna Svensson","personal_number":"19811218-9876"}}"#;
    let operator = Operator::new("bench");
    let reference = desk.intake(&operator, line, Utc::now()).await.unwrap().created.remove(0);
    desk.link(&operator, &reference, None, Utc::now()).await.unwrap();

    // Warm up (the data map check and the prepared statements).
    let plan = desk.erasure_plan(&reference, Utc::now()).await.unwrap();
    let rows = plan.rows().count();
    let mut samples = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let p = desk.erasure_plan(&reference, Utc::now()).await.unwrap();
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(p.rows().count(), rows);
    }
    // The database's part: every source's SELECT run directly, rows fetched and discarded.
    let mut plain = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        for source in &desk.config().data_map.sources {
            std::hint::black_box(select_directly(&desk, &source.select).await);
        }
        plain.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    // Where the database's time goes, per source (one run).
    let mut per_source = Vec::new();
    for source in &desk.config().data_map.sources {
        let start = Instant::now();
        let rows = select_directly(&desk, &source.select).await;
        per_source.push(format!(
            "{} {rows} rows {:.1} ms",
            source.name,
            start.elapsed().as_secs_f64() * 1000.0
        ));
    }
    let p50 = percentile(&mut samples, 0.5);
    let max = percentile(&mut samples, 1.0);
    let plain50 = percentile(&mut plain, 0.5);
    println!("erasure plan: {cases} cases, {payments} payments, {rows} rows planned, {runs} runs");
    println!("| what | figure | target | the data map's SELECTs alone |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| plan for a heavy subject (p50 / max) | {p50:.1} ms / {max:.1} ms | < 200 ms | {plain50:.1} ms |"
    );
    println!(
        "erase now {}, keep {}, follow-up {:?}",
        plan.erase_count(),
        plan.keep_count(),
        plan.follow_up()
    );
    println!("per source: {}", per_source.join("; "));
    if full && max >= 200.0 {
        eprintln!("MISSED: the plan took {max:.1} ms at worst (target < 200 ms)");
    }
}
