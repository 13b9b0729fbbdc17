//! The real `dsrdesk` binary killed with SIGKILL in the middle of its work: an intake of a large
//! file and the erasure of a heavy subject, each caught inside its transaction after it has
//! written (the server process has a transaction id) and before it committed. Afterwards the
//! database is consistent (tests/fault_support: every request has its `received` event, every
//! change its event, an erasure is whole or absent), the history shows nothing of the killed run,
//! and running the same command again completes cleanly.
//!
//! The third case of the brief, a sender killed mid-send, is
//! `a_sender_killed_after_the_server_accepted_leaves_the_message_uncertain_until_the_operator_decides`
//! in tests/outbox.rs: the message is left `uncertain`, never resent by itself.

mod fault_support;

use chrono::Utc;
use dsrdesk::config::Config;
use dsrdesk::domain::plan::RowAction;
use dsrdesk::service::verify::{Verification, VerificationMethod};
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{TestDatabase, fresh_database};
use fault_support::{assert_consistent, wait_for_uncommitted_write, wait_until_disconnected};
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Output, Stdio};

/// The real binary against the test database; its sessions carry `application_name`, so the
/// test can watch them in `pg_stat_activity`.
fn dsrdesk(db: &TestDatabase, application_name: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dsrdesk"));
    cmd.args(args)
        .env("DATABASE_URL", db.url())
        .env("PGAPPNAME", application_name)
        .env("DSRDESK_CONFIG", "/dev/null")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn run(db: &TestDatabase, args: &[&str]) -> Output {
    let out = dsrdesk(db, "faults-rerun", args).output().expect("run dsrdesk");
    assert!(
        out.status.success(),
        "dsrdesk {args:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Start `args`, wait until it is half-way through its transaction, SIGKILL it, and wait until
/// the server has rolled its session back.
async fn kill_mid_transaction(db: &TestDatabase, args: &[&str]) {
    let name = format!("faults-{}", args[0]);
    let mut child: Child = dsrdesk(db, &name, args).spawn().expect("spawn dsrdesk");
    let caught = wait_for_uncommitted_write(&db.pool, &name, || matches!(child.try_wait(), Ok(None))).await;
    if !caught {
        let out = child.wait_with_output().unwrap();
        panic!(
            "dsrdesk {args:?} finished before it could be caught mid-transaction ({}); make the work heavier\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(9), "killed by SIGKILL, not finished: {status}");
    wait_until_disconnected(&db.pool, &name).await;
}

async fn count(db: &TestDatabase, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap()
}

fn intake_lines(range: std::ops::Range<usize>) -> String {
    let kinds = ["access", "erasure", "rectification", "restriction", "portability", "objection"];
    let mut out = String::new();
    for i in range {
        out.push_str(&format!(
            r#"{{"external_id":"bulk-{i}","kind":"{}","jurisdiction":"{}","received_at":"2026-11-02T10:00:00+01:00","channel":"email","requester":{{"name":"Requester {i}","email":"r{i}@example.se"}},"text":"Request number {i}."}}"#,
            kinds[i % kinds.len()],
            if i % 3 == 0 { "FI" } else { "SE" },
        ));
        out.push('\n');
    }
    out
}

/// Intake is one transaction: killed inside it, nothing of the file is stored (no request, no
/// event, no reference number used up); run again, it stores the whole file once, skipping the
/// lines an earlier complete run already stored (by external id), with references without gaps.
#[tokio::test]
async fn intake_killed_mid_transaction_stores_nothing_and_the_rerun_completes_it() {
    const EARLIER: usize = 1_000;
    const TOTAL: usize = 60_000;
    let db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.jsonl");
    std::fs::write(&first, intake_lines(0..EARLIER)).unwrap();
    let file = dir.path().join("all.jsonl");
    std::fs::File::create(&file).unwrap().write_all(intake_lines(0..TOTAL).as_bytes()).unwrap();

    // An earlier, complete intake of the file's first lines.
    run(&db, &["intake", first.to_str().unwrap()]);
    assert_eq!(count(&db, "SELECT count(*) FROM requests").await, EARLIER as i64);

    kill_mid_transaction(&db, &["intake", file.to_str().unwrap()]).await;
    assert_eq!(
        count(&db, "SELECT count(*) FROM requests").await,
        EARLIER as i64,
        "nothing of the killed intake is stored"
    );
    assert_eq!(count(&db, "SELECT count(*) FROM request_events").await, EARLIER as i64);
    assert_eq!(
        count(&db, "SELECT coalesce(sum(last_number), 0)::bigint FROM reference_counters").await,
        EARLIER as i64,
        "no reference number was used up"
    );
    assert_consistent(&db.pool).await;

    let out = run(&db, &["intake", "--json", file.to_str().unwrap()]);
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["created"].as_array().unwrap().len(), TOTAL - EARLIER);
    assert_eq!(answer["already_present"].as_array().unwrap().len(), EARLIER);
    assert_eq!(count(&db, "SELECT count(*) FROM requests").await, TOTAL as i64);
    assert_eq!(
        count(&db, "SELECT count(*) FROM request_events WHERE action = 'received'").await,
        TOTAL as i64
    );
    assert_eq!(count(&db, "SELECT count(DISTINCT external_id) FROM requests").await, TOTAL as i64);
    // References DSR-2026-000001 .. DSR-2026-060000: the killed run left no gap.
    assert_eq!(
        count(&db, "SELECT max(substr(reference, 10)::bigint) FROM requests").await,
        TOTAL as i64,
        "the references have no gap"
    );
    assert_consistent(&db.pool).await;
}

/// One debtor with a long history: cases closed long ago (erasable) and open ones (held), many
/// payments over fourteen financial years (the old ones erasable, the recent ones held by the
/// bookkeeping rule), letters and calls. The same shape as the benchmark suite's (benches/suite/subject.rs), heavier.
async fn heavy_subject(desk: &Desk, cases: i64, payments: i64) {
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
         SELECT g, 1 + g % $1::bigint, 1, date '2012-01-01' + (g % 5000)::int, 'reminder', 'post'
         FROM generate_series(1, 5000) g",
    )
    .bind(cases)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO ledger.calls (id, case_id, person_id, called_at, direction, summary)
         SELECT g, 1 + g % $1::bigint, 1, timestamptz '2012-01-01' + (g % 1500) * interval '3 days', 'inbound', 'call'
         FROM generate_series(1, 2000) g",
    )
    .bind(cases)
    .execute(pool)
    .await
    .unwrap();
    sqlx::raw_sql("ANALYZE").execute(pool).await.unwrap();
}

const LEDGER_TABLES: &[&str] = &[
    "persons",
    "contact_details",
    "cases",
    "case_parties",
    "payments",
    "letters",
    "calls",
    "credit_lookups",
    "aml_checks",
    "marketing_preferences",
];

/// A fingerprint of every row of the ledger: equal fingerprints, equal ledgers.
async fn ledger_fingerprint(db: &TestDatabase) -> Vec<(String, i64, Option<String>)> {
    let mut out = Vec::new();
    for table in LEDGER_TABLES {
        let (rows, digest): (i64, Option<String>) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) FROM ledger.{table} t"
        )))
        .fetch_one(&db.pool)
        .await
        .unwrap();
        out.push((table.to_string(), rows, digest));
    }
    out
}

async fn history(db: &TestDatabase, reference: &str) -> Vec<(i64, String)> {
    sqlx::query_as(
        "SELECT e.id, e.action FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.reference = $1 ORDER BY e.id",
    )
    .bind(reference)
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

/// An erasure is one transaction: killed inside it (the subject action recorded, rows being
/// deleted), the ledger is exactly as before, the request's history and row unchanged, no
/// follow-up and no Art. 19 task. Run again, `dsrdesk execute --yes` carries out the whole plan
/// once, with its events, its follow-up and its tasks.
#[tokio::test]
async fn erasure_killed_mid_transaction_changes_nothing_and_the_rerun_carries_it_out() {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    heavy_subject(&desk, 60, 300_000).await;
    let operator = Operator::new("dpo");
    let now = Utc::now();
    let line = r#"{"external_id":"heavy-1","kind":"erasure","jurisdiction":"SE","received_at":"2026-11-02T09:00:00+01:00","requester":{"name":"Anna Svensson","personal_number":"19811218-9876"}}"#;
    let reference = desk.intake(&operator, line, now).await.unwrap().created.remove(0);
    desk.link(&operator, &reference, None, now).await.unwrap();
    let v = Verification {
        method: VerificationMethod::BankId,
        transaction_reference: Some("bankid-tx-heavy".into()),
        evidence: "BankID signature in the portal".into(),
        returned_number: Some("19811218-9876".into()),
    };
    desk.verify(&operator, &reference, &v, now).await.unwrap();
    let plan = desk.erasure_plan(&reference, now).await.unwrap();
    assert!(plan.erase_count() > 10_000 && plan.keep_count() > 0, "a heavy plan that keeps something");

    let ledger_before = ledger_fingerprint(&db).await;
    let history_before = history(&db, &reference).await;
    let version_before: i32 = sqlx::query_scalar("SELECT version FROM requests WHERE reference = $1")
        .bind(&reference)
        .fetch_one(&db.pool)
        .await
        .unwrap();

    kill_mid_transaction(&db, &["execute", &reference, "--yes"]).await;
    assert_eq!(ledger_fingerprint(&db).await, ledger_before, "the ledger is exactly as before");
    assert_eq!(history(&db, &reference).await, history_before, "the history shows nothing of it");
    let version: i32 = sqlx::query_scalar("SELECT version FROM requests WHERE reference = $1")
        .bind(&reference)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(version, version_before);
    assert_eq!(count(&db, "SELECT count(*) FROM subject_actions").await, 0);
    assert_eq!(count(&db, "SELECT count(*) FROM scheduled_erasures").await, 0);
    assert_eq!(count(&db, "SELECT count(*) FROM recipient_tasks").await, 0);
    assert_consistent(&db.pool).await;

    let out = run(&db, &["execute", &reference, "--yes"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("{reference}: ")) && text.contains("deleted"), "{text}");
    let actions: Vec<String> = history(&db, &reference).await.into_iter().map(|(_, a)| a).collect();
    let new: Vec<&str> = actions[history_before.len()..].iter().map(String::as_str).collect();
    assert_eq!(new.iter().filter(|a| **a == "erasure_executed").count(), 1, "{new:?}");
    assert!(new.contains(&"erasure_source"), "{new:?}");
    assert_eq!(count(&db, "SELECT count(*) FROM subject_actions WHERE action = 'erasure'").await, 1);
    // What is kept has its follow-ups: one for each day a kept record's hold lapses (and one
    // open-ended while a hold waits for an event), never two for the same day.
    let pending = count(&db, "SELECT count(*) FROM scheduled_erasures WHERE done_at IS NULL").await;
    assert!(pending >= 1, "what is kept has its follow-up");
    assert_eq!(
        count(&db, "SELECT count(DISTINCT coalesce(due_on, '-infinity')) FROM scheduled_erasures WHERE done_at IS NULL")
            .await,
        pending
    );
    let payments_after = count(&db, "SELECT count(*) FROM ledger.payments").await;
    let erased_payments = plan
        .sources
        .iter()
        .filter(|s| s.source == "payments")
        .flat_map(|s| &s.rows)
        .filter(|r| matches!(r.action, RowAction::Erase { .. }))
        .count() as i64;
    assert!(erased_payments > 0);
    assert_eq!(payments_after, 300_000 - erased_payments, "exactly the plan's payments are gone");
    assert_consistent(&db.pool).await;
}
