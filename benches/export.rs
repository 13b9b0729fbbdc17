//! Export benchmark: a subject with many ledger rows (payments made with `generate_series`),
//! linked and verified; the access copy and a portability bundle written by the real release
//! binary (`dsrdesk export`) as a child process, timed, with its peak resident memory (max RSS from
//! `getrusage(RUSAGE_CHILDREN)` in a helper process that has that one child only).
//!
//!     cargo bench --bench export                    # 100,000 rows
//!     cargo bench --bench export -- --rows 5000     # a smaller subject
//!
//! Under `cargo test` it runs at 2,000 rows (a smoke run). The portability bundle uses a
//! benchmark-only data map in which the payments are a portable source (the reference ledger has
//! one portable row per person); the output says so.

use chrono::Utc;
use dsrdesk::config::Config;
use dsrdesk::export::{ExportFormat, ExportOptions};
use dsrdesk::service::verify::{Verification, VerificationMethod};
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::fresh_database;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const TIME_TARGET_S: f64 = 2.0;
const RSS_TARGET_MB: f64 = 64.0;

fn arg(name: &str) -> Option<u64> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok())
}

/// The benchmark-only source: the subject's payments, declared portable (contract, provided).
const BENCH_SOURCE: &str = r#"

[[source]]
name = "bench_payments"
title = "Payments (benchmark-only portable source)"
category = "Payment data"
purpose = "Benchmarking the portability bundle"
lawful_basis = "contract"
legal_basis = "Benchmark only"
provided_by_subject = true
portable = true
recipients = []
retention = "Benchmark only"
class = "accounting_voucher"
table = "ledger.payments"
key = "id"
restricted_column = "restricted_at"
erase = "delete"
select = """
SELECT pay.id::text AS row_id, pay.restricted_at IS NOT NULL AS restricted,
       pay.paid_on, pay.amount::text AS amount, pay.method, pay.booking_reference
FROM ledger.payments pay
WHERE pay.payer_id = $1::bigint
"""
"#;

async fn build_subject(desk: &Desk, cases: i64, payments: i64) {
    let pool = desk.pool();
    sqlx::raw_sql(
        "INSERT INTO ledger.clients (id, name, org_number, country, service, agency_role) VALUES
            (1, 'Nordbank AB', '556000-0001', 'SE', 'collection', 'controller');
         INSERT INTO ledger.persons (id, role, country, personal_number, first_name, last_name, street,
            postal_code, city, email, language, created_on)
         VALUES (1, 'debtor', 'SE', '19811218-9876', 'Anna', 'Svensson', 'Storgatan 1', '123 45', 'Malmö',
            'anna.svensson@example.se', 'sv', '2010-01-01');
         INSERT INTO ledger.marketing_preferences (person_id, consent_given_on, by_email, by_sms, by_post)
         VALUES (1, '2019-02-01', true, false, false);",
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
                CASE WHEN g % 3 = 0 THEN 'collection' ELSE 'closed' END
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
    sqlx::raw_sql("ANALYZE").execute(pool).await.unwrap();
}

/// Helper-process mode: run the command, wait, print its peak RSS in KiB. This process has that
/// one child, so `RUSAGE_CHILDREN`'s maximum is that child's.
fn measure_child(command: &[String]) {
    let status =
        Command::new(&command[0]).args(&command[1..]).stdout(Stdio::null()).status().expect("run the child");
    let usage =
        nix::sys::resource::getrusage(nix::sys::resource::UsageWho::RUSAGE_CHILDREN).expect("getrusage");
    println!("{} {}", i32::from(status.success()), usage.max_rss());
}

struct Measured {
    seconds: f64,
    max_rss_mb: f64,
}

/// `dsrdesk export ...` through the helper process; wall time and peak RSS of the binary.
fn run_binary(database_url: &str, args: &[&str]) -> Measured {
    let me = std::env::current_exe().expect("current exe");
    let start = Instant::now();
    let out = Command::new(me)
        .arg("--measure-child")
        .arg(env!("CARGO_BIN_EXE_dsrdesk"))
        .args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("DSRDESK_CONFIG")
        .output()
        .expect("run the helper");
    let seconds = start.elapsed().as_secs_f64();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fields = text.split_whitespace();
    assert_eq!(
        fields.next(),
        Some("1"),
        "dsrdesk export failed: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let kib: f64 = fields.next().and_then(|v| v.parse().ok()).expect("max rss");
    Measured { seconds, max_rss_mb: kib / 1024.0 }
}

/// The size of the one file an export wrote into `dir`.
fn written_size(dir: &str) -> u64 {
    let entry = std::fs::read_dir(dir).unwrap().next().expect("a file").unwrap();
    entry.metadata().unwrap().len()
}

fn mark(ok: bool) -> &'static str {
    if ok { "ok" } else { "MISSED" }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--measure-child") {
        measure_child(&args[2..]);
        return;
    }
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(bench());
}

async fn bench() {
    let full = std::env::args().any(|a| a == "--bench");
    let rows = arg("--rows").unwrap_or(if full { 100_000 } else { 2_000 }) as i64;
    let cases = 50;
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let start = Instant::now();
    build_subject(&desk, cases, rows).await;
    let built = start.elapsed().as_secs_f64();
    let line = r#"{"external_id":"bench-1","kind":"access","jurisdiction":"SE","received_at":"2026-11-20T09:00:00+01:00","requester":{"name":"Anna Svensson","personal_number":"19811218-9876"},"language":"sv"}"#;
    let operator = Operator::new("bench");
    let reference = desk.intake(&operator, line, Utc::now()).await.unwrap().created.remove(0);
    desk.link(&operator, &reference, None, Utc::now()).await.unwrap();
    let v = Verification {
        method: VerificationMethod::BankId,
        transaction_reference: Some("bench".into()),
        evidence: "benchmark".into(),
        returned_number: None,
    };
    desk.verify(&operator, &reference, &v, Utc::now()).await.unwrap();

    let scratch = tempfile::tempdir().unwrap();
    let map_dir = scratch.path().join("config");
    std::fs::create_dir_all(&map_dir).unwrap();
    std::fs::write(
        map_dir.join("map.toml"),
        format!("{}{BENCH_SOURCE}", dsrdesk::datamap::REFERENCE_LEDGER_MAP),
    )
    .unwrap();
    let bench_config = map_dir.join("config.toml");
    std::fs::write(&bench_config, "data_map = \"map.toml\"\n").unwrap();
    let url = db.url();
    let out = |name: &str| scratch.path().join(name).display().to_string();

    // In process (the library alone; the data map check warmed up first).
    desk.checked_map().await.unwrap();
    let dir = out("lib-access");
    let start = Instant::now();
    let access = desk
        .export(&reference, &ExportOptions::default(), Path::new(&dir), &operator, Utc::now())
        .await
        .unwrap();
    let lib_access = start.elapsed().as_secs_f64();
    let bench_desk = Desk::new(db.pool.clone(), Config::load(Some(&bench_config)).unwrap());
    bench_desk.checked_map().await.unwrap();
    let dir = out("lib-bundle");
    let options = ExportOptions { format: ExportFormat::Portability, language: None, encrypt: false };
    let start = Instant::now();
    let bundle =
        bench_desk.export(&reference, &options, Path::new(&dir), &operator, Utc::now()).await.unwrap();
    let lib_bundle = start.elapsed().as_secs_f64();

    // The real binary, as a DPO runs it.
    let cli_access = run_binary(&url, &["export", &reference, "--out", &out("cli-access")]);
    let cli_bundle = run_binary(
        &url,
        &[
            "--config",
            &bench_config.display().to_string(),
            "export",
            &reference,
            "--out",
            &out("cli-bundle"),
            "--format",
            "portability",
        ],
    );
    let cli_encrypted = run_binary(
        &url,
        &[
            "--config",
            &bench_config.display().to_string(),
            "export",
            &reference,
            "--out",
            &out("cli-encrypted"),
            "--format",
            "portability",
            "--encrypt",
        ],
    );

    println!(
        "export: one subject with {rows} payments and {cases} cases (built in {built:.1} s); the portability bundle \
         uses a BENCHMARK-ONLY data map where the payments are a portable source"
    );
    println!(
        "| export | rows | file | time (release binary) | target | in-process | peak RSS (binary) | target |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut missed = false;
    for (what, rows, size, lib, cli) in [
        ("access copy (HTML)", access.rows, written_size(&out("cli-access")), Some(lib_access), &cli_access),
        (
            "portability bundle (zip)",
            bundle.rows,
            written_size(&out("cli-bundle")),
            Some(lib_bundle),
            &cli_bundle,
        ),
        (
            "portability bundle, AES-256",
            bundle.rows,
            written_size(&out("cli-encrypted")),
            None,
            &cli_encrypted,
        ),
    ] {
        let time_ok = cli.seconds < TIME_TARGET_S;
        let rss_ok = cli.max_rss_mb < RSS_TARGET_MB;
        missed |= !(time_ok && rss_ok);
        println!(
            "| {what} | {rows} | {:.1} MB | {:.2} s {} | < {TIME_TARGET_S} s | {} | {:.1} MB {} | < {RSS_TARGET_MB} MB |",
            size as f64 / 1_048_576.0,
            cli.seconds,
            mark(time_ok),
            lib.map(|s| format!("{s:.2} s")).unwrap_or_else(|| "-".into()),
            cli.max_rss_mb,
            mark(rss_ok),
        );
    }
    if full && missed {
        eprintln!("MISSED: an export was over its time or memory target");
    }
}
