//! Export at scale: a subject with 100,000 ledger rows (payments), linked and verified; the
//! access copy and the portability bundle written by the real release binary (`dsrdesk export`) as
//! a child process, timed, with its peak resident memory (max RSS from `getrusage(RUSAGE_CHILDREN)`
//! in a helper process that has that one child only). Beside it: the same export in process (the
//! library alone, no process start).
//!
//! The portability bundle uses a benchmark-only data map in which the payments are a portable
//! source (the reference ledger has one portable row per person); the table says so.

use crate::Plan;
use crate::report::Row;
use crate::scale::BigDatabase;
use crate::subject::{add_heavy_subject, request_from};
use chrono::Utc;
use dsrdesk::config::Config;
use dsrdesk::export::{ExportFormat, ExportOptions};
use dsrdesk::service::verify::{Verification, VerificationMethod};
use dsrdesk::service::{Desk, Operator};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const SECTION: &str = "export";
const TIME_TARGET_S: f64 = 2.0;
const RSS_TARGET_MB: f64 = 64.0;
/// The access copy, the export every access request ends in (issue 18 §1).
const ACCESS_TIME_TARGET_S: f64 = 1.0;
const ACCESS_RSS_TARGET_MB: f64 = 32.0;

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

/// Helper-process mode: run the command, wait, print its peak RSS in KiB. This process has that
/// one child, so `RUSAGE_CHILDREN`'s maximum is that child's.
pub fn measure_child(command: &[String]) {
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

pub async fn run(plan: &Plan, big: &BigDatabase, desk: &Desk) -> Vec<Row> {
    let rows = plan.export_rows;
    let cases = 50;
    let person =
        add_heavy_subject(desk, 9_500_000_000 + std::process::id() as i64 * 1_000_000, cases, rows).await;
    let reference = request_from(desk, person, "access", &format!("bench-export-{person}")).await;
    let operator = Operator::new("bench");
    let v = Verification {
        method: VerificationMethod::BankId,
        transaction_reference: Some("bench".into()),
        evidence: "benchmark".into(),
        // Art. 12(6): the e-ID returns the heavy subject's own number (migration 0011).
        returned_number: Some("19811218-9876".into()),
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
    let bench_config = bench_config.display().to_string();
    let url = big.url();
    let out = |name: &str| scratch.path().join(name).display().to_string();

    // In process (the library alone; the data map check warmed up first).
    desk.checked_map().await.unwrap();
    let start = Instant::now();
    let access = desk
        .export(&reference, &ExportOptions::default(), Path::new(&out("lib-access")), &operator, Utc::now())
        .await
        .unwrap();
    let lib_access = start.elapsed().as_secs_f64();
    let bench_desk = Desk::new(desk.pool().clone(), Config::load(Some(Path::new(&bench_config))).unwrap());
    bench_desk.checked_map().await.unwrap();
    let options = ExportOptions { format: ExportFormat::Portability, language: None, encrypt: false };
    let start = Instant::now();
    let bundle = bench_desk
        .export(&reference, &options, Path::new(&out("lib-bundle")), &operator, Utc::now())
        .await
        .unwrap();
    let lib_bundle = start.elapsed().as_secs_f64();

    // The real binary, as a DPO runs it.
    let cli_access = run_binary(&url, &["export", &reference, "--out", &out("cli-access")]);
    let bundle_args = ["--config", &bench_config, "export", &reference, "--format", "portability", "--out"];
    let cli_bundle = run_binary(&url, &[&bundle_args[..], &[&out("cli-bundle")]].concat());
    let cli_encrypted = run_binary(&url, &[&bundle_args[..], &[&out("cli-encrypted"), "--encrypt"]].concat());

    let mut table = Vec::new();
    for (what, rows, size, lib, cli, (time_target, rss_target)) in [
        (
            "access copy (HTML)",
            access.rows,
            written_size(&out("cli-access")),
            Some(lib_access),
            &cli_access,
            (ACCESS_TIME_TARGET_S, ACCESS_RSS_TARGET_MB),
        ),
        (
            "portability bundle (zip; benchmark-only portable payments)",
            bundle.rows,
            written_size(&out("cli-bundle")),
            Some(lib_bundle),
            &cli_bundle,
            (TIME_TARGET_S, RSS_TARGET_MB),
        ),
        (
            "portability bundle, AES-256",
            bundle.rows,
            written_size(&out("cli-encrypted")),
            None,
            &cli_encrypted,
            (TIME_TARGET_S, RSS_TARGET_MB),
        ),
    ] {
        table.push(
            Row::new(
                SECTION,
                format!(
                    "{what}: {rows} rows, {:.1} MB, `dsrdesk export` (time; peak memory)",
                    size as f64 / 1_048_576.0
                ),
                format!("{:.2} s; {:.1} MB", cli.seconds, cli.max_rss_mb),
            )
            .target(
                format!("≤ {time_target} s; ≤ {rss_target} MB"),
                cli.seconds <= time_target && cli.max_rss_mb <= rss_target,
            )
            .plain(lib.map(|s| format!("in process: {s:.2} s")).unwrap_or_default()),
        );
    }
    table
}
