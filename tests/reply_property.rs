//! Property (issue 13 §2, D): for random ledgers and dates, no queued reply claims an erasure, a
//! recipient notice (Art. 19) or a forward (Art. 28) that the database does not show.
//!
//! Each case varies the fixture ledger — every case's stage (so which went to enforcement or
//! court), whether the AML check was reported, whether Erik also owes a client the agency
//! collects for as controller — and the day the work is done; then erases for a random subject,
//! ticks a random subset of the Art. 19 tasks, maybe forwards the processor part, and queues the
//! reply the desk accepts (in English, to read it). The checks read the ledger and the task
//! tables with their own SQL, not through the program's functions.

use dsrdesk::config::Config;
use dsrdesk::domain::intake::Language;
use dsrdesk::mail::templates::Purpose;
use dsrdesk::service::reply::ReplyOrder;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{fixture_now, fresh_database, load_ledger_fixture, verify_by_bankid};
use proptest::prelude::*;
use std::sync::OnceLock;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(16)
}

const STAGES: [&str; 5] = ["reminder", "collection", "payment_plan", "enforcement", "court"];

#[derive(Debug, Clone)]
struct World {
    /// Per fixture case 10, 11, 12, 20, 30, 40: an open stage, or closed (None).
    stages: Vec<Option<usize>>,
    aml_reported: bool,
    erik_mixed: bool,
    /// Which erasure request (fixture external id).
    subject: usize,
    days_later: i64,
    /// Which Art. 19 tasks to tick (by position).
    tick: Vec<bool>,
    forward: bool,
}

fn world() -> impl Strategy<Value = World> {
    (
        prop::collection::vec(prop::option::of(0..STAGES.len()), 6),
        any::<bool>(),
        any::<bool>(),
        0..5usize,
        0..4000i64,
        prop::collection::vec(any::<bool>(), 8),
        any::<bool>(),
    )
        .prop_map(|(stages, aml_reported, erik_mixed, subject, days_later, tick, forward)| World {
            stages,
            aml_reported,
            erik_mixed,
            subject,
            days_later,
            tick,
            forward,
        })
}

const SUBJECTS: [(&str, &str); 5] = [
    ("fx-erasure-anna", "1"),
    ("fx-erasure-lisa", "5"),
    ("fx-erasure-matti", "3"),
    ("fx-erasure-erik", "4"),
    ("fx-erasure-aino", "6"),
];

async fn scalar(desk: &Desk, sql: &str, person: i64) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(person)
        .fetch_one(desk.pool())
        .await
        .unwrap()
}

/// The text after `lead` up to the end of its sentence, split into names.
fn named_after(body: &str, lead: &str) -> Vec<String> {
    body.split(lead)
        .nth(1)
        .map(|rest| {
            rest.split(". ").next().unwrap().trim_end_matches('.').split("; ").map(str::to_string).collect()
        })
        .unwrap_or_default()
}

async fn run(w: World) -> Result<(), TestCaseError> {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool, Config::default());
    let refs = load_ledger_fixture(&desk).await.unwrap();
    for (i, id) in [10, 11, 12, 20, 30, 40].into_iter().enumerate() {
        // Closed cases are paid (outstanding 0) so that the ledger's own checks hold.
        let sql = match w.stages[i] {
            Some(s) => format!(
                "UPDATE ledger.cases SET stage = '{}', closed_on = NULL, paid_in_full_on = NULL, outstanding = greatest(outstanding, 1) WHERE id = {id}",
                STAGES[s]
            ),
            None => format!(
                "UPDATE ledger.cases SET stage = 'closed', closed_on = coalesce(closed_on, '2021-01-31'), paid_in_full_on = coalesce(paid_in_full_on, '2021-01-31'), outstanding = 0 WHERE id = {id}"
            ),
        };
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(desk.pool()).await.unwrap();
    }
    if w.aml_reported {
        sqlx::query("UPDATE ledger.aml_checks SET reported_on = '2020-01-15'")
            .execute(desk.pool())
            .await
            .unwrap();
    }
    if w.erik_mixed {
        sqlx::query(
            "INSERT INTO ledger.cases (id, case_number, client_id, debtor_id, invoice_number, currency, principal, fees, interest, outstanding, opened_on, stage)
             VALUES (31, 'SE-2026-0000031', 1, 4, 'F-2001', 'SEK', 300.00, 60.00, 0.00, 360.00, '2026-06-01', 'collection')",
        )
        .execute(desk.pool())
        .await
        .unwrap();
    }
    let (external, person) = SUBJECTS[w.subject];
    let person_id: i64 = person.parse().unwrap();
    let reference = &refs[external];
    let now = fixture_now() + chrono::Duration::days(w.days_later);
    let operator = Operator::new("alice");
    desk.link(&operator, reference, Some(person), fixture_now()).await.unwrap();
    verify_by_bankid(&desk, &operator, reference).await;
    // Which cases of this person went to the enforcement authority or to court, by the ledger.
    let went_to = |stage: &'static str| {
        let desk = desk.clone();
        async move {
            scalar(
                &desk,
                &format!(
                    "SELECT count(*) FROM ledger.cases c WHERE (c.debtor_id = $1 OR c.id IN (SELECT case_id FROM ledger.case_parties WHERE person_id = $1)) AND c.stage = '{stage}'"
                ),
                person_id,
            )
            .await
                > 0
        }
    };
    let enforcement = went_to("enforcement").await;
    let court = went_to("court").await;
    let reported = w.aml_reported
        && scalar(&desk, "SELECT count(*) FROM ledger.aml_checks WHERE person_id = $1", person_id).await > 0;

    let plan = desk.erasure_plan(reference, now).await.unwrap();
    if desk.execute_erasure(&operator, reference, &plan, now).await.is_err() {
        return Ok(()); // a refused erasure sends nothing: nothing to check
    }
    // Art. 19 tasks only for recipients that received the data.
    let tasks = desk.recipient_tasks(reference).await.unwrap();
    let has = |name: &str| tasks.iter().any(|t| t.recipient.contains(name));
    prop_assert!(
        !has("enforcement authority") || enforcement,
        "enforcement authority told though no case went there"
    );
    prop_assert!(!has("district court") || court, "court told though no case was in court");
    prop_assert!(!has("financial intelligence") || reported, "FIU told though no report was made");
    for (task, tick) in tasks.iter().zip(&w.tick) {
        if *tick {
            desk.complete_recipient_task(&operator, reference, task.id, now).await.unwrap();
        }
    }
    let processor_client: Option<String> = sqlx::query_scalar(
        "SELECT cl.name FROM ledger.cases c JOIN ledger.clients cl ON cl.id = c.client_id WHERE c.debtor_id = $1 AND cl.agency_role = 'processor' LIMIT 1",
    )
    .bind(person_id)
    .fetch_optional(desk.pool())
    .await
    .unwrap();
    if w.forward
        && let Some(client) = &processor_client
    {
        let _ = desk.forward_to_controller(&operator, reference, client, None, now).await;
    }

    // The reply the desk accepts: "erased in full" first, else the partial one.
    let mut queued = None;
    for purpose in [Purpose::ErasureDone, Purpose::ErasurePartlyRefused] {
        let order = ReplyOrder {
            purpose,
            language: Some(Language::En),
            detail: None,
            subject: None,
            body: None,
            attach: None,
            encrypt: false,
        };
        if let Ok(q) = desk.queue_reply(&operator, reference, &order, now).await {
            queued = Some((purpose, q));
            break;
        }
    }
    let Some((purpose, q)) = queued else { return Ok(()) };
    let body: String = sqlx::query_scalar("SELECT body FROM outbox WHERE id = $1")
        .bind(q.outbox_id)
        .fetch_one(desk.pool())
        .await
        .unwrap();

    eprintln!(
        "case: {external} +{}d → {purpose}; claims told: {:?}; claims forwarded: {}",
        w.days_later,
        named_after(&body, "We have told these recipients of the data (Article 19): "),
        body.contains("We have forwarded")
    );
    // An erasure claimed in full: no row of the person identifies them in any ledger table.
    if purpose == Purpose::ErasureDone {
        let left = scalar(
            &desk,
            "SELECT (SELECT count(*) FROM ledger.persons WHERE id = $1 AND (personal_number IS NOT NULL OR last_name IS NOT NULL OR email IS NOT NULL))
                  + (SELECT count(*) FROM ledger.cases WHERE debtor_id = $1)
                  + (SELECT count(*) FROM ledger.case_parties WHERE person_id = $1)
                  + (SELECT count(*) FROM ledger.payments WHERE payer_id = $1)
                  + (SELECT count(*) FROM ledger.contact_details WHERE person_id = $1)
                  + (SELECT count(*) FROM ledger.letters WHERE person_id = $1)
                  + (SELECT count(*) FROM ledger.calls WHERE person_id = $1)
                  + (SELECT count(*) FROM ledger.credit_lookups WHERE person_id = $1)
                  + (SELECT count(*) FROM ledger.aml_checks WHERE person_id = $1)
                  + (SELECT count(*) FROM ledger.marketing_preferences WHERE person_id = $1)",
            person_id,
        )
        .await;
        prop_assert_eq!(left, 0, "\"erased in full\" while {} rows remain:\n{}", left, body);
    }
    // "We have told": each named recipient's task is ticked in the database.
    for name in named_after(&body, "We have told these recipients of the data (Article 19): ") {
        let done: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM recipient_tasks t JOIN requests r ON r.id = t.request_id WHERE r.reference = $1 AND t.recipient = $2 AND t.done_at IS NOT NULL",
        )
        .bind(reference)
        .bind(&name)
        .fetch_one(desk.pool())
        .await
        .unwrap();
        prop_assert!(done > 0, "claims {} was told; no ticked task:\n{}", name, body);
    }
    if !body.contains("We have told these recipients") {
        // Nothing claimed told: fine whatever the tasks say.
    }
    // "We have forwarded": the client's processor task is ticked.
    if let Some(rest) = body.split("We have forwarded your request to ").nth(1) {
        let client = rest.split('.').next().unwrap();
        let done: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM processor_tasks t JOIN requests r ON r.id = t.request_id WHERE r.reference = $1 AND t.client = $2 AND t.done_at IS NOT NULL",
        )
        .bind(reference)
        .bind(client)
        .fetch_one(desk.pool())
        .await
        .unwrap();
        prop_assert!(done > 0, "claims the request went to {}; no forward recorded:\n{}", client, body);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 50, ..ProptestConfig::default() })]

    #[test]
    fn no_queued_reply_claims_an_erasure_a_notice_or_a_forward_the_database_does_not_show(w in world()) {
        runtime().block_on(run(w))?;
    }
}

/// The checks can fail: a body claiming a notice with no ticked task is caught by the parser.
#[test]
fn the_told_parser_reads_the_names_a_reply_claims() {
    let body = "x. We have told these recipients of the data (Article 19): The client (creditor); The agency's auditor. You have the right";
    assert_eq!(
        named_after(body, "We have told these recipients of the data (Article 19): "),
        vec!["The client (creditor)".to_string(), "The agency's auditor".to_string()]
    );
}
