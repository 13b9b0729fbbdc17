//! Each record erased on the day its own hold lapses (GDPR Art. 5(1)(e), 17(1), 17(3); DOMAIN
//! "What blocks erasure"; issue 13 §1, issue 19 §4), on the ledger fixture (tests/fixtures/ledger.sql)
//! through intake → link → verify → plan → execute → the worker on each lapse day, checking the
//! rows that remain the day before (kept) and on the day (erased).
//!
//! Expected days are derived from the law, not from the program:
//! - AML (penningtvättslagen 5 kap. 3 §): relationship ended 2022-11-21, five years → held
//!   through 2027-11-21, erased 2027-11-22.
//! - BFL 7 kap. 2 §: a payment booked in FY 2021 (ends 2021-12-31) is held through 31 Dec 2028,
//!   erased 1 Jan 2029; FY 2024 → 1 Jan 2032; FY 2026 → 1 Jan 2034, and the payer's identity in
//!   those books as long.
//! - KPL 2:10: Aino's payment of FY ending 2018-04-30 is a voucher (six years from the end of
//!   2018: erasable 2025-01-01); the books keep her identity ten years from 2018-04-30 → erased
//!   2028-05-01.
//! - No agency period is a hold without a named Art. 17(3) ground (the default config names none).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dsrdesk::config::Config;
use dsrdesk::domain::holds::HoldKind;
use dsrdesk::domain::plan::{ErasurePlan, RowAction};
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{fixture_now, fresh_database, load_ledger_fixture, verify_by_bankid};
use std::collections::BTreeMap;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn noon(d: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(12, 0, 0).unwrap())
}

fn dpo() -> Operator {
    Operator::new("alice")
}

async fn fixture() -> (Desk, BTreeMap<String, String>) {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool, Config::default());
    let refs = load_ledger_fixture(&desk).await.expect("fixture loads");
    (desk, refs)
}

/// Anna pays her open claim on 2026-11-20: only dated holds remain.
async fn anna_pays(desk: &Desk) {
    sqlx::query("UPDATE ledger.cases SET outstanding = 0, closed_on = '2026-11-20', paid_in_full_on = '2026-11-20', stage = 'closed' WHERE id = 10")
        .execute(desk.pool())
        .await
        .unwrap();
}

/// What of ledger person `person` is still stored, one word per row ("person" while the
/// identity is there, "case:10" while a case still names them, "payment:100", "aml:1", ...).
async fn remaining(desk: &Desk, person: i64) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT w FROM (
            SELECT 'person' AS w FROM ledger.persons WHERE id = $1 AND personal_number IS NOT NULL
            UNION ALL SELECT 'case:' || id FROM ledger.cases WHERE debtor_id = $1
            UNION ALL SELECT 'party:' || case_id FROM ledger.case_parties WHERE person_id = $1
            UNION ALL SELECT 'payment:' || id FROM ledger.payments WHERE payer_id = $1
            UNION ALL SELECT 'letter:' || id FROM ledger.letters WHERE person_id = $1
            UNION ALL SELECT 'call:' || id FROM ledger.calls WHERE person_id = $1
            UNION ALL SELECT 'contact:' || id FROM ledger.contact_details WHERE person_id = $1
            UNION ALL SELECT 'lookup:' || id FROM ledger.credit_lookups WHERE person_id = $1
            UNION ALL SELECT 'aml:' || id FROM ledger.aml_checks WHERE person_id = $1
            UNION ALL SELECT 'marketing' FROM ledger.marketing_preferences WHERE person_id = $1
         ) x ORDER BY w",
    )
    .bind(person)
    .fetch_all(desk.pool())
    .await
    .unwrap()
}

fn words(list: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Every kept row and the day it becomes erasable.
fn kept_days(plan: &ErasurePlan) -> BTreeMap<(String, String), Option<NaiveDate>> {
    plan.rows()
        .filter_map(|(s, r)| match &r.action {
            RowAction::Keep { erasable_from, .. } => {
                Some(((s.source.clone(), r.row_id.clone()), *erasable_from))
            }
            _ => None,
        })
        .collect()
}

async fn link_verify_execute(desk: &Desk, reference: &str) -> ErasurePlan {
    desk.link(&dpo(), reference, None, fixture_now()).await.unwrap();
    verify_by_bankid(desk, &dpo(), reference).await;
    let plan = desk.erasure_plan(reference, fixture_now()).await.unwrap();
    desk.execute_erasure(&dpo(), reference, &plan, fixture_now()).await.unwrap();
    plan
}

/// A Swedish debtor, paid in full, whose kept records lapse on four different days: each goes
/// on its own day, not on the day the last hold lapses.
#[tokio::test]
async fn paid_swedish_debtor_each_record_goes_on_its_own_day_the_day_before_it_is_kept() {
    let (desk, refs) = fixture().await;
    let r = &refs["fx-erasure-anna"];
    anna_pays(&desk).await;
    let plan = link_verify_execute(&desk, r).await;
    assert_eq!(
        plan.follow_up_dates(),
        vec![day(2027, 11, 22), day(2029, 1, 1), day(2032, 1, 1), day(2034, 1, 1)]
    );
    let due: Vec<Option<NaiveDate>> =
        desk.scheduled_erasures(r).await.unwrap().iter().map(|s| s.due_on).collect();
    assert_eq!(
        due,
        plan.follow_up_dates().into_iter().map(Some).collect::<Vec<_>>(),
        "one follow-up per day"
    );
    // Erased at once: spare contacts, marketing, the look-up, the closed cases (no agency period
    // holds them without a named 17(3) ground), the letter and the call.
    let after_execute = words(&["person", "aml:1", "payment:100", "payment:101", "payment:102"]);
    assert_eq!(remaining(&desk, 1).await, after_execute);
    // A re-plan after execute gives the same days for what is kept.
    let again = desk.erasure_plan(r, fixture_now()).await.unwrap();
    assert_eq!(kept_days(&again), kept_days(&plan));

    let worker = Operator::new("worker");
    let steps: [(NaiveDate, &[&str]); 4] = [
        (day(2027, 11, 22), &["person", "payment:100", "payment:101", "payment:102"]),
        (day(2029, 1, 1), &["person", "payment:101", "payment:102"]),
        (day(2032, 1, 1), &["person", "payment:102"]),
        (day(2034, 1, 1), &[]),
    ];
    let mut before = after_execute;
    for (lapse, left) in steps {
        let eve = lapse.pred_opt().unwrap();
        desk.run_due_erasures(&worker, noon(eve)).await.unwrap();
        assert_eq!(remaining(&desk, 1).await, before, "the day before {lapse}: kept");
        let report = desk.run_due_erasures(&worker, noon(lapse)).await.unwrap();
        assert_eq!(report.examined, 1, "{lapse}");
        assert_eq!(remaining(&desk, 1).await, words(left), "on {lapse}: erased");
        before = words(left);
    }
    assert!(desk.scheduled_erasures(r).await.unwrap().is_empty());
}

/// Finland: erasing the lapsed voucher must not drop the books' ten-year hold on the person's
/// identity (KPL 2:10): the re-plan after execute keeps it with the same day, and the worker
/// erases the identity on that day, not before.
#[tokio::test]
async fn finnish_books_keep_the_identity_after_the_voucher_is_erased_until_their_own_day() {
    let (desk, refs) = fixture().await;
    let r = &refs["fx-erasure-aino"];
    let plan = link_verify_execute(&desk, r).await;
    let identity = ("person".to_string(), "6".to_string());
    assert_eq!(kept_days(&plan).get(&identity), Some(&Some(day(2028, 5, 1))));
    // The voucher (six years from the end of 2018) is gone; the identity stays, restricted.
    assert_eq!(remaining(&desk, 6).await, words(&["person"]));
    let again = desk.erasure_plan(r, fixture_now()).await.unwrap();
    assert_eq!(kept_days(&again), kept_days(&plan), "a re-plan after execute gives the same days");
    let kept_by: Vec<HoldKind> = again
        .rows()
        .find(|(s, _)| s.source == "person")
        .map(|(_, row)| match &row.action {
            RowAction::Keep { holds, .. } => holds.iter().map(|h| h.kind).collect(),
            other => panic!("identity not kept: {other:?}"),
        })
        .unwrap();
    assert_eq!(kept_by, vec![HoldKind::BookkeepingFinlandBooks]);

    let worker = Operator::new("worker");
    desk.run_due_erasures(&worker, noon(day(2028, 4, 30))).await.unwrap();
    assert_eq!(remaining(&desk, 6).await, words(&["person"]), "2028-04-30: still in the books");
    desk.run_due_erasures(&worker, noon(day(2028, 5, 1))).await.unwrap();
    assert!(remaining(&desk, 6).await.is_empty(), "2028-05-01: erased");
}

/// Issue 19 §4: a new claim before a follow-up day is respected — the re-plan on that day erases
/// what lapsed (the AML check) and keeps the new claim's rows and the identity it needs.
#[tokio::test]
async fn a_new_claim_before_a_follow_up_day_keeps_its_rows_when_the_worker_replans() {
    let (desk, refs) = fixture().await;
    let r = &refs["fx-erasure-anna"];
    anna_pays(&desk).await;
    link_verify_execute(&desk, r).await;
    for sql in [
        "INSERT INTO ledger.cases (id, case_number, client_id, debtor_id, invoice_number, currency, principal, fees, interest, outstanding, opened_on, stage)
         VALUES (13, 'SE-2027-0000013', 1, 1, 'F-2001', 'SEK', 300.00, 60.00, 0.00, 360.00, '2027-06-01', 'collection')",
        "INSERT INTO ledger.letters (id, case_id, person_id, sent_on, letter_type, channel)
         VALUES (1004, 13, 1, '2027-06-02', 'collection_letter', 'post')",
    ] {
        sqlx::query(sql).execute(desk.pool()).await.unwrap();
    }
    let worker = Operator::new("worker");
    desk.run_due_erasures(&worker, noon(day(2027, 11, 22))).await.unwrap();
    assert_eq!(
        remaining(&desk, 1).await,
        words(&["person", "case:13", "letter:1004", "payment:100", "payment:101", "payment:102"]),
        "the AML check went on its day; the new claim's rows stay"
    );
    // The open claim waits for payment: an open-ended follow-up, besides the dated ones.
    let due: Vec<Option<NaiveDate>> =
        desk.scheduled_erasures(r).await.unwrap().iter().map(|s| s.due_on).collect();
    assert_eq!(due.first(), Some(&None), "{due:?}");
    assert!(due.contains(&Some(day(2029, 1, 1))), "{due:?}");
    // Even on the last bookkeeping day the open claim keeps its case, letter and the identity.
    desk.run_due_erasures(&worker, noon(day(2034, 1, 1))).await.unwrap();
    assert_eq!(remaining(&desk, 1).await, words(&["person", "case:13", "letter:1004"]));
}

/// Issue 19 §4: `link` without a choice is refused when two ledger persons share the number.
#[tokio::test]
async fn link_auto_with_two_candidates_sharing_a_number_is_refused() {
    let (desk, refs) = fixture().await;
    let r = &refs["fx-erasure-anna"];
    sqlx::query(
        "INSERT INTO ledger.persons (id, role, country, personal_number, first_name, last_name, created_on)
         VALUES (7, 'guarantor', 'SE', '19811218-9876', 'Anna', 'Svensson', '2015-01-01')",
    )
    .execute(desk.pool())
    .await
    .unwrap();
    let err = desk.link(&dpo(), r, None, fixture_now()).await.unwrap_err();
    assert!(err.to_string().contains("more than one ledger person has this identity number"), "{err}");
    let linked: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM request_subjects s JOIN requests q ON q.id = s.request_id WHERE q.reference = $1",
    )
    .bind(r)
    .fetch_one(desk.pool())
    .await
    .unwrap();
    assert_eq!(linked, 0);
    // The DPO's choice links one of them.
    desk.link(&dpo(), r, Some("1"), fixture_now()).await.unwrap();
}

/// Issue 19 §4: after an erasure the link is evidence of whose data was erased: unlink refused.
#[tokio::test]
async fn unlink_after_an_erasure_is_refused_and_the_link_stays() {
    let (desk, refs) = fixture().await;
    let r = &refs["fx-erasure-lisa"];
    link_verify_execute(&desk, r).await;
    let err = desk.unlink(&dpo(), r, "5", fixture_now()).await.unwrap_err();
    assert!(err.to_string().contains("the link is evidence and stays"), "{err}");
    let view = desk.subject_view(r).await.unwrap();
    assert_eq!(view.linked().map(|c| c.person_id.as_str()).collect::<Vec<_>>(), vec!["5"]);
}

/// Seed 002: "erased within a year after full payment" is a latest date, never a reason to keep:
/// an erasure request the day after payment erases the closed case at once.
#[tokio::test]
async fn seed_002_promised_latest_date_is_never_a_reason_to_keep() {
    let db = fresh_database().await;
    let config = Config::parse(
        "[controllers.SE]\nname = \"Exempel Inkasso AB\"\n[controllers.SE.retention]\nmonths_after_case_closed = 12\nmonths_after_full_payment = 12\n",
        std::path::Path::new("seed-002.toml"),
    )
    .unwrap();
    let desk = Desk::new(db.pool, config);
    let refs = load_ledger_fixture(&desk).await.unwrap();
    anna_pays(&desk).await;
    let r = &refs["fx-erasure-anna"];
    desk.link(&dpo(), r, None, fixture_now()).await.unwrap();
    let plan = desk.erasure_plan(r, fixture_now()).await.unwrap();
    for (s, row) in plan.rows() {
        if let RowAction::Keep { holds, .. } = &row.action {
            assert!(
                holds.iter().all(|h| h.kind != HoldKind::AgencyPolicy && !h.article.contains("5(1)(e)")),
                "{} {} kept by {holds:?}",
                s.source,
                row.row_id
            );
        }
    }
    let case10 = plan.rows().find(|(s, r)| s.source == "cases" && r.row_id == "10").unwrap().1;
    assert!(matches!(case10.action, RowAction::Erase { .. }), "{:?}", case10.action);
}

/// The partial-erasure reply states each day a kept record goes, not only the last one.
#[tokio::test]
async fn the_partial_erasure_reply_states_each_follow_up_day() {
    use dsrdesk::mail::templates::Purpose;
    use dsrdesk::service::reply::ComposeInput;
    let (desk, refs) = fixture().await;
    let r = &refs["fx-erasure-anna"];
    anna_pays(&desk).await;
    link_verify_execute(&desk, r).await;
    let reply = desk
        .compose_reply(r, Purpose::ErasurePartlyRefused, &ComposeInput::default(), fixture_now())
        .await
        .unwrap();
    let body = &reply.body;
    assert!(body.contains("Varje uppgift raderas den dag då skälet att spara just den upphör"), "{body}");
    for d in [day(2027, 11, 22), day(2029, 1, 1), day(2032, 1, 1), day(2034, 1, 1)] {
        let words = dsrdesk::service::reply::date_words(d, dsrdesk::domain::intake::Language::Sv);
        assert!(body.contains(&words), "{words}: {body}");
    }
    assert!(!body.contains("5.1 e"), "Art. 5(1)(e) is never a reason to keep: {body}");
}

/// Seed 001 (closed cases kept 36 months, on the Art. 17(3)(e) ground the agency names): a
/// guarantor's (co-liable) case row goes 36 months after the case closed; their own payment and
/// their identity in the books stay until BFL 7 kap. 2 § lets them go — four years apart, each on
/// its day.
#[tokio::test]
async fn seed_001_guarantor_case_row_goes_after_36_months_the_booked_payment_years_later() {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool, dsrdesk::testing::config_with_policy_ground());
    load_ledger_fixture(&desk).await.unwrap();
    anna_pays(&desk).await;
    // The co-liable Anna (person 2) paid part of case 10 herself, booked in FY 2026.
    sqlx::query(
        "INSERT INTO ledger.payments (id, case_id, payer_id, paid_on, amount, method, booking_reference, financial_year_end)
         VALUES (103, 10, 2, '2026-10-01', 200.00, 'bankgiro', 'B-2026-103', '2026-12-31')",
    )
    .execute(desk.pool())
    .await
    .unwrap();
    let line = r#"{"external_id":"guarantor-1","kind":"erasure","jurisdiction":"SE","received_at":"2026-11-20T09:00:00+01:00","channel":"email","requester":{"name":"Anna Svensson","email":"anna.s@example.se","personal_number":"19900101-2385"},"text":"Radera mina uppgifter.","language":"sv"}"#;
    let r = desk.intake(&dpo(), line, fixture_now()).await.unwrap().created.remove(0);
    let plan = link_verify_execute(&desk, &r).await;
    // Case 10 closed 2026-11-20: policy through 2029-11-20. FY 2026: through 2033-12-31.
    assert_eq!(plan.follow_up_dates(), vec![day(2029, 11, 21), day(2034, 1, 1)]);
    assert_eq!(remaining(&desk, 2).await, words(&["person", "party:10", "payment:103"]));
    let worker = Operator::new("worker");
    desk.run_due_erasures(&worker, noon(day(2029, 11, 20))).await.unwrap();
    assert_eq!(remaining(&desk, 2).await, words(&["person", "party:10", "payment:103"]), "the day before");
    desk.run_due_erasures(&worker, noon(day(2029, 11, 21))).await.unwrap();
    assert_eq!(remaining(&desk, 2).await, words(&["person", "payment:103"]), "the case row on its day");
    desk.run_due_erasures(&worker, noon(day(2033, 12, 31))).await.unwrap();
    assert_eq!(remaining(&desk, 2).await, words(&["person", "payment:103"]), "the day before");
    desk.run_due_erasures(&worker, noon(day(2034, 1, 1))).await.unwrap();
    assert!(remaining(&desk, 2).await.is_empty(), "the books' rows on theirs");
}

/// Seed 004 (processor for a client's invoicing): the client is the controller (Art. 28). Its
/// data is not ours to erase: carrying out the plan leaves every row and schedules no follow-up.
#[tokio::test]
async fn processor_client_data_is_left_for_the_client_and_gets_no_follow_up() {
    let (desk, refs) = fixture().await;
    let r = &refs["fx-erasure-erik"];
    let before = remaining(&desk, 4).await;
    assert_eq!(before, words(&["person", "case:30", "payment:300"]));
    let plan = link_verify_execute(&desk, r).await;
    assert_eq!(plan.forward_to(), vec!["Faktura Service AB".to_string()]);
    assert!(plan.follow_up_dates().is_empty() && !plan.waits_for_events());
    assert_eq!(remaining(&desk, 4).await, before);
    assert!(desk.scheduled_erasures(r).await.unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Per-seed scenarios: intake → link → verify → plan → execute → reply, the reply's text checked
// against the database rows afterwards (issue 13 "Done when").

use dsrdesk::domain::RequestStatus;
use dsrdesk::domain::intake::Language;
use dsrdesk::mail::templates::Purpose;
use dsrdesk::service::reply::{ReplyOrder, date_words};

fn reply_order(purpose: Purpose) -> ReplyOrder {
    ReplyOrder {
        purpose,
        language: None,
        detail: None,
        subject: None,
        body: None,
        attach: None,
        encrypt: false,
    }
}

/// Queue `purpose` and return the body as it sits in the outbox.
async fn queued_body(desk: &Desk, reference: &str, purpose: Purpose) -> (RequestStatus, String) {
    let q = desk.queue_reply(&dpo(), reference, &reply_order(purpose), fixture_now()).await.unwrap();
    let body: String = sqlx::query_scalar("SELECT body FROM outbox WHERE id = $1")
        .bind(q.outbox_id)
        .fetch_one(desk.pool())
        .await
        .unwrap();
    (q.status, body)
}

/// The text between two headings of a reply.
fn section<'a>(body: &'a str, from: &str, to: &str) -> &'a str {
    let start = body.find(from).unwrap_or_else(|| panic!("no {from:?} in {body}")) + from.len();
    let rest = &body[start..];
    &rest[..rest.find(to).unwrap_or(rest.len())]
}

/// How many rows of `person` each data-map source holds, read through the map's own select (so
/// every source counts, whatever its table), leaving out the sources with none.
async fn row_counts(desk: &Desk, person: &str) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    for s in desk.config().data_map.sources.clone() {
        let sql = format!("SELECT count(*) FROM ({}) x", s.select);
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(person).fetch_one(desk.pool()).await.unwrap();
        if n > 0 {
            out.insert(s.name.clone(), n);
        }
    }
    out
}

/// The rows a reply's bullet list counts per source title: "• Title (3 poster)…".
fn counted(list: &str) -> BTreeMap<String, i64> {
    let mut out = BTreeMap::new();
    // "(inga)", "(ei mitään)", "(none)": an empty list.
    for line in list.lines().filter_map(|l| l.trim().strip_prefix("• ")).filter(|l| !l.starts_with('(')) {
        let head = line.split("):").next().unwrap().trim_end_matches(')');
        let (title, count) = head.rsplit_once(" (").unwrap_or_else(|| panic!("no count in {line:?}"));
        let n: i64 = count.split(' ').next().unwrap().parse().unwrap_or_else(|_| panic!("{line:?}"));
        *out.entry(title.to_string()).or_default() += n;
    }
    out
}

/// A reply's "erased" and "kept" lists agree with the ledger: each source's kept count is the
/// rows it still holds, its erased count the rows it held before and no longer does.
fn check_lists_against_rows(
    desk: &Desk,
    language: Language,
    before: &BTreeMap<String, i64>,
    after: &BTreeMap<String, i64>,
    erased: &str,
    kept: &str,
) {
    let map = &desk.config().data_map;
    let title = |name: &str| map.source(name).unwrap().title_in(language).to_string();
    let (erased, kept) = (counted(erased), counted(kept));
    for (source, n) in before {
        let left = after.get(source).copied().unwrap_or(0);
        assert_eq!(kept.get(&title(source)).copied().unwrap_or(0), left, "{source}: kept {kept:?}");
        assert_eq!(erased.get(&title(source)).copied().unwrap_or(0), n - left, "{source}: erased {erased:?}");
    }
    let known: Vec<String> = before.keys().map(|s| title(s)).collect();
    for t in erased.keys().chain(kept.keys()) {
        assert!(known.contains(t), "{t} names no source that held the person's rows");
    }
}

async fn open_tasks(desk: &Desk, reference: &str) -> Vec<(String, bool)> {
    desk.recipient_tasks(reference)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.recipient, t.done_at.is_some()))
        .collect()
}

/// Seed 000 (Inkassogram AB, SE): erasure is refused only "för att säkerställa betalning av
/// fordran" (17(3)(e) while the claim is unpaid), identity by BankID, an answer within 30 days,
/// complaints to the Swedish authority (Datainspektionen, now IMY); no own retention period is
/// named, so no agency period holds anything.
///
/// Anna asks on Mon 16 Nov 2026 09:00 CET with her claim (case 10) unpaid. By hand:
/// - Art. 12(3), Reg. 1182/71 art. 3: one month after 16 Nov is Wed 16 Dec 2026 (a working day,
///   no roll); the notice's own 30 days: 16 Nov + 30 = 16 Dec 2026 as well.
/// - Kept while the claim is unpaid (17(3)(e), no date): case 10, its letter 1000, her identity,
///   and payment 102 (booked FY 2026 and on the open case).
/// - BFL 7 kap. 2 § (17(3)(b)): payment 100 (FY 2021) held through 31 Dec 2028, erased 1 Jan
///   2029; payment 101 (FY 2024) through 31 Dec 2031, erased 1 Jan 2032.
/// - Penningtvättslagen 5 kap. 3 §: relationship ended 21 Nov 2022 → through 21 Nov 2027,
///   erased 22 Nov 2027.
/// - Erased now: the closed cases 11 and 12 and what belongs to them (letter 1001, call 2000),
///   the spare phone and e-mail, the credit look-up, the marketing preferences.
/// - Art. 19: her cases went to the client and her identity to the credit bureaus; she was looked
///   up at one (it answered); her payments are in the books the auditor reviews; nothing went to
///   Kronofogden, a court or the FIU. Nothing is ticked yet: "we will tell", never "we have told".
#[tokio::test]
async fn seed_000_open_claim_kept_until_paid_the_rest_on_its_days_and_the_reply_matches_the_rows() {
    let db = fresh_database().await;
    let config = Config::parse(
        r#"
        [controllers.SE]
        name = "Inkassogram AB"
        internal_target_days = 30
        [controllers.SE.contact]
        email = "dataskydd@inkassogram.example"
        postal_address = "Lilla Bommen 1, 411 04 Göteborg"
        "#,
        std::path::Path::new("seed-000.toml"),
    )
    .unwrap();
    let desk = Desk::new(db.pool, config);
    let refs = load_ledger_fixture(&desk).await.unwrap();
    let r = &refs["fx-erasure-anna"];
    let detail = desk.detail(r, fixture_now()).await.unwrap();
    assert_eq!(detail.request.due_on, day(2026, 12, 16), "Art. 12(3): one month after 16 Nov");
    assert_eq!(detail.request.internal_due_on, day(2026, 12, 16), "seed 000: 30 days");
    let before = row_counts(&desk, "1").await;
    let plan = link_verify_execute(&desk, r).await;
    assert_eq!(plan.follow_up_dates(), vec![day(2027, 11, 22), day(2029, 1, 1), day(2032, 1, 1)]);
    assert!(plan.waits_for_events(), "the unpaid claim: re-examined daily until paid");
    assert_eq!(
        remaining(&desk, 1).await,
        words(&["person", "case:10", "letter:1000", "payment:100", "payment:101", "payment:102", "aml:1"])
    );
    let mut told = open_tasks(&desk, r).await;
    told.sort();
    assert_eq!(
        told,
        vec![
            ("Credit-information companies (UC, Asiakastieto)".to_string(), false),
            ("The agency's auditor".to_string(), false),
            ("The client (creditor)".to_string(), false),
            ("The credit-information company that answered the look-up".to_string(), false),
        ],
        "the client (her cases), the bureaus (her look-up), the auditor (every booked payment)"
    );

    let (status, body) = queued_body(&desk, r, Purpose::ErasurePartlyRefused).await;
    assert_eq!(status, RequestStatus::Answered);
    let erased = section(&body, "Detta har vi raderat:", "Detta måste vi spara");
    let kept = section(&body, "Detta måste vi spara", "Uppgifterna vi sparar är begränsade");
    check_lists_against_rows(&desk, Language::Sv, &before, &row_counts(&desk, "1").await, erased, kept);
    // The days, from the law (held through … ; erased on …).
    for held_through in [day(2027, 11, 21), day(2028, 12, 31), day(2031, 12, 31)] {
        assert!(kept.contains(&date_words(held_through, Language::Sv)), "{held_through}: {kept}");
    }
    assert!(kept.contains("sparas tills fordran är betald") && kept.contains("artikel 17.3 e"), "{kept}");
    for erased_on in [day(2027, 11, 22), day(2029, 1, 1), day(2032, 1, 1)] {
        assert!(body.contains(&date_words(erased_on, Language::Sv)), "{erased_on}: {body}");
    }
    assert!(!body.contains("5.1 e"), "Art. 5(1)(e) is never a reason to keep");
    // Art. 19: will tell exactly the two recipients, by their Swedish names; nobody was told yet.
    assert!(!body.contains("Vi har underrättat"), "{body}");
    let will = section(&body, "Vi kommer att underrätta", ".");
    assert!(
        will.contains("Uppdragsgivaren (borgenären)") && will.contains("Kreditupplysningsföretag"),
        "{will}"
    );
    for never in ["Kronofogden", "Tingsrätten", "Finanspolisen"] {
        assert!(!body.contains(never), "{never} never received her data: {body}");
    }
    // Art. 77: the Swedish authority, and the right to complain where she lives or works.
    assert!(body.contains("Integritetsskyddsmyndigheten") && body.contains("artikel 77"), "{body}");
}

/// Seed 003 (Annomen Oy, FI, writes to data subjects in Swedish): data kept "så länge som lagar
/// och andra författningar kräver det", no own period; complaints to Dataombudsmannens byrå.
///
/// Aino writes in Swedish on Thu 19 Nov 2026. By hand:
/// - Art. 12(3), Reg. 1182/71 art. 3: one month → Sat 19 Dec 2026, not a working day → Mon 21 Dec.
/// - Her case 40 closed and paid 15 Mar 2018: no claim, no named period → erased now.
/// - KPL 2:10 vouchers: her payment of the financial year ending 30 Apr 2018 is kept six years
///   from the end of 2018, through 31 Dec 2024 → erased now.
/// - KPL 2:10 books: ten years from 30 Apr 2018, through 30 Apr 2028, keep her identity (the
///   counterparty in the books) → erased 1 May 2028, not a day earlier.
/// - Art. 19: her case went to the client, her payment into the books the auditor reviews; she was
///   never looked up at a credit bureau nor at enforcement: those are not told.
#[tokio::test]
async fn seed_003_finnish_books_keep_the_identity_until_1_may_2028_and_the_swedish_reply_matches_the_rows() {
    let db = fresh_database().await;
    let config = Config::parse(
        r#"
        [controllers.FI]
        name = "Annomen Oy"
        default_language = "sv"
        [controllers.FI.contact]
        email = "gdpr@annomen.example"
        postal_address = "PB 33, 00181 Helsingfors"
        "#,
        std::path::Path::new("seed-003.toml"),
    )
    .unwrap();
    let desk = Desk::new(db.pool, config);
    load_ledger_fixture(&desk).await.unwrap();
    let line = r#"{"external_id":"seed-003-aino","kind":"erasure","jurisdiction":"FI","received_at":"2026-11-19T10:00:00+02:00","channel":"email","requester":{"name":"Aino Korhonen","email":"aino.korhonen@example.fi","personal_number":"150585-2025"},"text":"Jag vill att ni raderar mina uppgifter.","language":"sv"}"#;
    let r = desk.intake(&dpo(), line, fixture_now()).await.unwrap().created.remove(0);
    assert_eq!(desk.detail(&r, fixture_now()).await.unwrap().request.due_on, day(2026, 12, 21));
    let before = row_counts(&desk, "6").await;
    let plan = link_verify_execute(&desk, &r).await;
    assert_eq!(plan.follow_up_dates(), vec![day(2028, 5, 1)]);
    assert!(!plan.waits_for_events());
    assert_eq!(remaining(&desk, 6).await, words(&["person"]));
    let mut told = open_tasks(&desk, &r).await;
    told.sort();
    assert_eq!(
        told,
        vec![("The agency's auditor".to_string(), false), ("The client (creditor)".to_string(), false)]
    );

    let (status, body) = queued_body(&desk, &r, Purpose::ErasurePartlyRefused).await;
    assert_eq!(status, RequestStatus::Answered);
    let erased = section(&body, "Detta har vi raderat:", "Detta måste vi spara");
    let kept = section(&body, "Detta måste vi spara", "Uppgifterna vi sparar är begränsade");
    check_lists_against_rows(&desk, Language::Sv, &before, &row_counts(&desk, "6").await, erased, kept);
    assert!(kept.contains("kirjanpitolaki 2:10") && kept.contains("artikel 17.3 b"), "{kept}");
    assert!(kept.contains(&date_words(day(2028, 4, 30), Language::Sv)), "held through: {kept}");
    assert!(body.contains(&date_words(day(2028, 5, 1), Language::Sv)), "erased on: {body}");
    assert!(!body.contains("Vi har underrättat"), "{body}");
    let will = section(&body, "Vi kommer att underrätta", ".");
    assert!(will.contains("Uppdragsgivaren (borgenären)") && will.contains("Byråns revisor"), "{will}");
    for never in ["Kreditupplysningsföretag", "Utsökningsverket", "Kronofogden", "Tingsrätten"] {
        assert!(!body.contains(never), "{never} never received her data: {body}");
    }
    // The Finnish authority under its Swedish name (DOMAIN "names per language"), Art. 77.
    assert!(body.contains("Dataombudsmannens byrå") && body.contains("artikel 77"), "{body}");
    for english in ["The client", "auditor", "Article", "kept until"] {
        assert!(!body.contains(english), "English in a Swedish reply: {english}: {body}");
    }

    // The worker on the books' last day keeps her identity; on 1 May 2028 it goes.
    let worker = Operator::new("worker");
    desk.run_due_erasures(&worker, noon(day(2028, 4, 30))).await.unwrap();
    assert_eq!(remaining(&desk, 6).await, words(&["person"]), "30 Apr 2028: still in the books");
    desk.run_due_erasures(&worker, noon(day(2028, 5, 1))).await.unwrap();
    assert!(remaining(&desk, 6).await.is_empty(), "1 May 2028: erased");
}

/// Mixed roles (DOMAIN "mixed roles"; seed 004 §6.2, seed 000: processor for invoicing): Erik's
/// invoicing case is held for Faktura Service AB (the client is the controller, Art. 28) and he
/// also owes Nordbank AB, whose claim the agency collects as controller. By hand:
/// - The agency answers its own part: the unpaid Nordbank claim and the identity it needs are
///   kept (17(3)(e), until paid); nothing of the invoicing data is erased by us.
/// - The processor part becomes a task (tell the client); the reply names the client and its
///   privacy contact from the ledger; the request is answered, not "forwarded" (not every row is
///   processor-held).
#[tokio::test]
async fn mixed_controller_and_processor_erasure_answers_our_part_and_names_the_client_for_the_rest() {
    let (desk, refs) = fixture().await;
    sqlx::query(
        "INSERT INTO ledger.cases (id, case_number, client_id, debtor_id, invoice_number, currency, principal, fees, interest, outstanding, opened_on, stage)
         VALUES (31, 'SE-2026-0000031', 1, 4, 'F-2001', 'SEK', 300.00, 60.00, 0.00, 360.00, '2026-06-01', 'collection')",
    )
    .execute(desk.pool())
    .await
    .unwrap();
    let r = &refs["fx-erasure-erik"];
    let before = remaining(&desk, 4).await;
    let plan = link_verify_execute(&desk, r).await;
    assert_eq!(plan.forward_to(), vec!["Faktura Service AB".to_string()]);
    assert!(plan.waits_for_events(), "the Nordbank claim is unpaid");
    // Payment 300 (FY ending 31 Dec 2025) is in the client's books, not ours: it keeps nothing of
    // ours — no bookkeeping hold through 31 Dec 2032 on Erik's identity (BFL 7:2 binds the
    // client, not its processor). His identity is kept for the Nordbank claim only.
    let identity_holds: Vec<_> = plan
        .sources
        .iter()
        .filter(|s| s.source == "person")
        .flat_map(|s| s.rows.iter())
        .flat_map(|r| match &r.action {
            dsrdesk::domain::plan::RowAction::Keep { holds, .. } => holds.clone(),
            _ => Vec::new(),
        })
        .collect();
    assert!(!identity_holds.is_empty(), "the identity is kept");
    assert!(
        identity_holds.iter().all(|h| h.held_until != Some(day(2032, 12, 31))),
        "a processor's payment keeps our identity row: {identity_holds:?}"
    );
    assert_eq!(
        remaining(&desk, 4).await,
        before,
        "nothing erased: the claim keeps ours, the client decides the rest"
    );
    let (status, body) = queued_body(&desk, r, Purpose::ErasurePartlyRefused).await;
    assert_eq!(status, RequestStatus::Answered, "not forwarded: part of the data is ours");
    // Our part: nothing erased; the identity and the Nordbank case kept; the invoicing case 30
    // and its payment 300 are the client's (two rows), not listed as ours to keep.
    let erased = section(&body, "Detta har vi raderat:", "Detta måste vi spara");
    let kept = section(&body, "Detta måste vi spara", "Uppgifterna vi sparar är begränsade");
    assert_eq!(counted(erased), BTreeMap::new(), "{erased}");
    assert_eq!(
        counted(kept),
        BTreeMap::from([
            ("Identitets- och kontaktuppgifter".to_string(), 1),
            ("Inkassoärenden".to_string(), 1)
        ]),
        "{kept}"
    );
    let processor_part = section(&body, "behandlar vi för Faktura Service AB", ".");
    assert!(body.contains("En del av uppgifterna om dig (2 poster)"), "case 30 and payment 300: {body}");
    assert!(processor_part.contains("personuppgiftsbiträde"), "{processor_part}");
    assert!(body.contains("Faktura Service AB") && body.contains("privacy@faktura.example"), "{body}");
    assert!(body.contains("sparas tills fordran är betald") && body.contains("artikel 17.3 e"), "{body}");
    let tasks = desk.processor_tasks(r).await.unwrap();
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    assert_eq!(tasks[0].contact.as_deref(), Some("privacy@faktura.example"));
    // Not forwarded yet: the reply may not say it was.
    assert!(tasks[0].done_at.is_none());
    assert!(!body.contains("Vi har vidarebefordrat"), "{body}");
    // Forwarding after the answer works and ticks the task; the request stays answered.
    let after =
        desk.forward_to_controller(&dpo(), r, "Faktura Service AB", None, fixture_now()).await.unwrap();
    assert_eq!(after.status, RequestStatus::Answered);
    assert!(desk.processor_tasks(r).await.unwrap()[0].done_at.is_some());
}

/// Art. 19 depends on the data map's `when` columns: a misspelt or missing one would read as
/// "never sent" and the recipient would silently never be told. Refused when the map is checked
/// at start, naming the file, the source and the recipient.
#[tokio::test]
async fn a_misspelt_recipient_when_column_is_refused_at_start_with_file_source_and_recipient() {
    let db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let check = |map: String| {
        let dir = dir.path().to_path_buf();
        let pool = db.pool.clone();
        async move {
            std::fs::write(dir.join("map.toml"), map).unwrap();
            std::fs::write(dir.join("config.toml"), "data_map = \"map.toml\"\n").unwrap();
            match Config::load(Some(&dir.join("config.toml"))) {
                Err(e) => Err(e.to_string()),
                Ok(config) => {
                    Desk::new(pool, config).checked_map().await.map(|_| ()).map_err(|e| e.to_string())
                }
            }
        }
    };
    let shipped = dsrdesk::datamap::REFERENCE_LEDGER_MAP;
    // The first `disclosed_to_court` is the person source's court recipient.
    let misspelt =
        check(shipped.replacen("when = \"disclosed_to_court\"", "when = \"disclosed_tto_court\"", 1))
            .await
            .unwrap_err();
    for needed in ["map.toml", "\"person\"", "The district court", "disclosed_tto_court"] {
        assert!(misspelt.contains(needed), "{needed}: {misspelt}");
    }
    // A column that is not a disclosure fact (it would be shown as data, and is not true/false
    // for "sent").
    let not_a_fact =
        check(shipped.replacen("when = \"disclosed_to_court\"", "when = \"city\"", 1)).await.unwrap_err();
    assert!(not_a_fact.contains("map.toml") && not_a_fact.contains("The district court"), "{not_a_fact}");
    assert!(not_a_fact.contains("disclosed_"), "{not_a_fact}");
    // The shipped map passes.
    check(shipped.to_string()).await.expect("the shipped map passes");
}

/// DOMAIN "agency policy": the agency's own period (36 months after the case closed, seed 001)
/// holds only on the Art. 17(3) ground it names, and the plan and the reply cite that ground.
/// Anna pays case 10 on 20 Nov 2026: held through 20 Nov 2029 (Reg. 1182/71: 36 months later,
/// same date); case 12 closed 30 Jun 2024: through 30 Jun 2027; case 11 (closed 10 Mar 2021) is
/// past its period and goes now.
#[tokio::test]
async fn each_accepted_retention_ground_is_cited_in_the_plan_and_the_reply() {
    use dsrdesk::domain::holds::PolicyGround;
    for (ground, article, in_swedish) in [
        (PolicyGround::LegalObligation, "GDPR Art. 17(3)(b)", "artikel 17.3 b"),
        (PolicyGround::LegalClaims, "GDPR Art. 17(3)(e)", "artikel 17.3 e"),
    ] {
        let db = fresh_database().await;
        let desk = Desk::new(db.pool, Config::default().with_policy_ground(Some(ground)));
        let refs = load_ledger_fixture(&desk).await.unwrap();
        anna_pays(&desk).await;
        let r = &refs["fx-erasure-anna"];
        let plan = link_verify_execute(&desk, r).await;
        let case_holds = |id: &str| -> Vec<(String, Option<NaiveDate>)> {
            match &plan.rows().find(|(s, row)| s.source == "cases" && row.row_id == id).unwrap().1.action {
                RowAction::Keep { holds, .. } => {
                    holds.iter().map(|h| (h.article.clone(), h.held_until)).collect()
                }
                other => panic!("case {id} not kept: {other:?}"),
            }
        };
        assert_eq!(case_holds("10"), vec![(article.to_string(), Some(day(2029, 11, 20)))], "{ground:?}");
        assert_eq!(case_holds("12"), vec![(article.to_string(), Some(day(2027, 6, 30)))], "{ground:?}");
        let (_, body) = queued_body(&desk, r, Purpose::ErasurePartlyRefused).await;
        let kept = section(&body, "Detta måste vi spara", "Uppgifterna vi sparar är begränsade");
        let cases: Vec<&str> = kept.lines().filter(|l| l.contains("Inkassoärenden")).collect();
        assert_eq!(cases.len(), 2, "{kept}");
        for (line, until) in cases.iter().zip([day(2027, 6, 30), day(2029, 11, 20)]) {
            assert!(line.contains(in_swedish) && line.contains(&date_words(until, Language::Sv)), "{line}");
            assert!(!line.contains("5.1 e"), "{line}");
        }
    }
    // Any other ground is refused when the configuration loads, naming the file and the key.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("agency.toml");
    std::fs::write(&path, "[controllers.SE]\nname = 'x'\n[controllers.SE.retention]\nground = \"5(1)(e)\"\n")
        .unwrap();
    let err = Config::load(Some(&path)).unwrap_err().to_string();
    assert!(err.contains("agency.toml") && err.contains("5(1)(e)") && err.contains("17(3)(b)"), "{err}");
}

/// The holds recorded when a plan is carried out are one entry per source, person, hold and last
/// day — not one per row: 3,000 more booked payments in the same three financial years record no
/// more entries, and the re-plan and the worker still treat each row on its own day (BFL 7:2:
/// FY 2021 → erased 1 Jan 2029; FY 2024 → 1 Jan 2032; FY 2026 → 1 Jan 2034).
#[tokio::test]
async fn kept_holds_are_recorded_per_group_not_per_row_and_keep_their_days_with_many_rows() {
    async fn recorded_entries(desk: &Desk, reference: &str) -> (i64, i64) {
        sqlx::query_as(
            "SELECT sum(jsonb_array_length(a.details->'kept_holds'))::bigint, sum(pg_column_size(a.details))::bigint
             FROM subject_actions a JOIN requests r ON r.id = a.request_id
             WHERE r.reference = $1 AND a.action = 'erasure'",
        )
        .bind(reference)
        .fetch_one(desk.pool())
        .await
        .unwrap()
    }
    let (plain, refs) = fixture().await;
    anna_pays(&plain).await;
    link_verify_execute(&plain, &refs["fx-erasure-anna"]).await;
    let (few, _) = recorded_entries(&plain, &refs["fx-erasure-anna"]).await;

    let (desk, refs) = fixture().await;
    let r = &refs["fx-erasure-anna"];
    anna_pays(&desk).await;
    sqlx::query(
        "INSERT INTO ledger.payments (id, case_id, payer_id, paid_on, amount, method, booking_reference, financial_year_end)
         SELECT 10000 + n, 11, 1, '2021-03-10', 1.00, 'bankgiro', 'B-MANY-' || n,
                (ARRAY['2021-12-31', '2024-12-31', '2026-12-31'])[1 + n % 3]::date
         FROM generate_series(1, 3000) n",
    )
    .execute(desk.pool())
    .await
    .unwrap();
    let plan = link_verify_execute(&desk, r).await;
    assert_eq!(plan.keep_count(), 3 + 3000 + 2, "payments, the identity and the AML check");
    let (many, bytes) = recorded_entries(&desk, r).await;
    assert_eq!(many, few, "as many recorded holds with 3,000 more rows");
    assert!(bytes < 64 * 1024, "the record stays small: {bytes} bytes");
    let again = desk.erasure_plan(r, fixture_now()).await.unwrap();
    assert_eq!(kept_days(&again), kept_days(&plan), "a re-plan keeps every row's day");
    let count = |desk: &Desk| {
        let desk = desk.clone();
        async move {
            let n: i64 = sqlx::query_scalar("SELECT count(*) FROM ledger.payments WHERE payer_id = 1")
                .fetch_one(desk.pool())
                .await
                .unwrap();
            n
        }
    };
    let worker = Operator::new("worker");
    desk.run_due_erasures(&worker, noon(day(2028, 12, 31))).await.unwrap();
    assert_eq!(count(&desk).await, 3003, "31 Dec 2028: every payment still kept");
    desk.run_due_erasures(&worker, noon(day(2029, 1, 1))).await.unwrap();
    assert_eq!(count(&desk).await, 3003 - 1 - 1000, "1 Jan 2029: FY 2021's payments go");
    desk.run_due_erasures(&worker, noon(day(2032, 1, 1))).await.unwrap();
    assert_eq!(count(&desk).await, 1 + 1000, "1 Jan 2032: FY 2024's go");
}
