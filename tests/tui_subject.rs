//! The subject screens driven by real key presses against the ledger fixture
//! (tests/fixtures/ledger.sql) at its fixed "now": link, verify, see the erasure plan, execute it
//! and see the follow-up; rectify a field and see the Art. 19 tasks; the rights actions on the
//! request; the erasure worker inside the desk; read-only mode; ledger text escaped.

mod tui_support;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dsrdesk::service::verify::{Verification, VerificationMethod};
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::fixture_now;
use dsrdesk::tui::action::Action;
use dsrdesk::tui::app::{Mode, StatusKind};
use dsrdesk::tui::effects::{Clock, spawn_erasure_worker};
use dsrdesk::tui::headless::Headless;
use tui_support::*;

async fn scalar_i64(desk: &Desk, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(desk.pool()).await.unwrap()
}

async fn linked(desk: &Desk, reference: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT s.person_id FROM request_subjects s JOIN requests r ON r.id = s.request_id
         WHERE r.reference = $1 ORDER BY s.person_id",
    )
    .bind(reference)
    .fetch_all(desk.pool())
    .await
    .unwrap()
}

async fn events(desk: &Desk) -> i64 {
    scalar_i64(desk, "SELECT count(*) FROM request_events").await
}

fn status(h: &Headless) -> String {
    h.app.status.as_ref().map(|s| s.text.clone()).unwrap_or_default()
}

/// Link the certain candidate and verify by BankID, through the service (the set-up of a test
/// about what comes after).
async fn link_and_verify(desk: &Desk, reference: &str) {
    let op = Operator::new("mikko.dpo");
    desk.link(&op, reference, None, fixture_now()).await.unwrap();
    let v = Verification {
        method: VerificationMethod::BankId,
        transaction_reference: Some("bankid-tx-9".into()),
        evidence: "BankID signature in the portal".into(),
        // Art. 12(6): the e-ID's number must be the linked person's (migration 0011).
        returned_number: desk
            .subject_view(reference)
            .await
            .unwrap()
            .linked()
            .next()
            .unwrap()
            .personal_number
            .clone(),
    };
    desk.verify(&op, reference, &v, fixture_now()).await.unwrap();
}

fn noon(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(12, 0, 0).unwrap())
}

#[tokio::test]
async fn link_verify_see_the_plan_execute_it_and_see_the_follow_up() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-erasure-anna"].clone();
    let mut h = open_ledger(&desk, 80, 24, false).await;
    open_reference(&mut h, &r).await;
    h.keys("i").await;
    let text = h.text();
    assert!(text.contains("= same") && text.contains("? unknown"), "{}", h.screen());
    assert!(text.contains("••••••••-9876") && !text.contains("19811218"), "masked: {}", h.screen());
    assert!(text.contains("✗ identity not verified"), "{}", h.screen());

    // Link: a confirmation whose key is not the trigger.
    h.keys("L").await;
    assert!(h.text().contains(&format!("Link {r} to ledger person 1?")), "{}", h.screen());
    h.keys("L").await;
    assert!(linked(&desk, &r).await.is_empty(), "pressing the trigger again does not confirm");
    h.keys("y").await;
    assert_eq!(linked(&desk, &r).await, vec!["1"]);
    assert!(h.text().contains("✓ linked"), "{}", h.screen());

    // Verify: BankID, its transaction reference, the number it returned, the evidence; confirm.
    h.keys("v enter").await;
    h.type_text("bankid-tx-1").await;
    h.keys("enter").await;
    h.type_text("19811218-9876").await;
    h.keys("enter").await;
    h.type_text("BankID signature in the portal").await;
    h.keys("enter").await;
    assert!(h.text().contains("as verified?"), "{}", h.screen());
    h.keys("y").await;
    let v = desk.detail(&r, fixture_now()).await.unwrap().verification.expect("verified");
    assert_eq!(
        (v.method.as_str(), v.transaction_reference.as_deref(), v.number_matches),
        ("bankid", Some("bankid-tx-1"), Some(true))
    );
    assert!(h.text().contains("✓ verified 2026-11-21 11:00 by anna.dpo · bankid"), "{}", h.screen());

    // The plan: what is erased now, what is kept with its article, rule and lapse date.
    h.keys("E").await;
    let text = h.text();
    for expected in [
        // No agency period is a hold by default (no Art. 17(3) ground named): case 12, closed and
        // paid in 2024, is anonymised now.
        "erase now 8: 6 deleted, 2 anonymised",
        // Each kept record on the day its own hold lapses (DOMAIN.md "What blocks erasure"): the
        // AML check 5 years after 2022-11-21, the books of 2021 and 2024 after their 7th year; the
        // open claim's rows are looked at daily (cut at 80 columns, shown in full at 160).
        "Follow-up: erasure on 2027-11-22, 2029-01-01, 2032-01-01",
        "GDPR Art. 17(3)(e) · the claim is unpaid · until paid",
        "held until 2033-12-31",
        "erasable from 2029-01-01",
    ] {
        assert!(text.contains(expected), "{expected}: {}", h.screen());
    }
    // Scrolling shows the rest of the plan.
    h.keys("G").await;
    assert!(h.text().contains("Marketing preferences"), "{}", h.screen());

    // Execute: a confirmation with another key; the trigger again does nothing.
    h.keys("x").await;
    assert!(h.text().contains(&format!("Carry out the erasure plan of {r}?")), "{}", h.screen());
    h.keys("x").await;
    assert_eq!(scalar_i64(&desk, "SELECT count(*) FROM ledger.contact_details WHERE person_id = 1").await, 2);
    h.keys("y").await;
    assert!(status(&h).contains("erased: 6 deleted, 2 anonymised; 7 kept and restricted"), "{}", status(&h));

    // The ledger changed.
    assert_eq!(scalar_i64(&desk, "SELECT count(*) FROM ledger.contact_details WHERE person_id = 1").await, 0);
    assert_eq!(
        scalar_i64(&desk, "SELECT count(*) FROM ledger.cases WHERE id = 11 AND debtor_id IS NULL").await,
        1
    );
    assert_eq!(
        scalar_i64(&desk, "SELECT count(*) FROM ledger.cases WHERE id = 10 AND restricted_at IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        scalar_i64(&desk, "SELECT count(*) FROM ledger.marketing_preferences WHERE person_id = 1").await,
        0
    );

    // The outcome and the scheduled follow-up are on the screen.
    let text = h.text();
    assert!(text.contains("✓ Carried out 2026-11-21 11:00 by anna.dpo"), "{}", h.screen());
    assert!(text.contains("Scheduled: re-examined daily while a claim is open"), "{}", h.screen());
    assert!(text.contains("Art. 19 recipients to tell"), "{}", h.screen());
    let scheduled = desk.scheduled_erasure(&r).await.unwrap().expect("a follow-up");
    assert_eq!(scheduled.due_on, None);

    // Nothing more to erase now: not carried out twice.
    h.keys("x").await;
    assert!(status(&h).contains("nothing more to erase now"), "{}", status(&h));
    assert_eq!(h.app.mode, Mode::Normal);
}

#[tokio::test]
async fn execution_is_refused_before_verification_and_when_the_ledger_changed_since_the_plan() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-erasure-lisa"].clone();
    desk.link(&anna(), &r, None, fixture_now()).await.unwrap();
    let mut h = open_ledger(&desk, 80, 24, false).await;
    open_reference(&mut h, &r).await;
    h.keys("E").await;
    assert!(h.text().contains("✗ Identity not verified: nothing is erased before it"), "{}", h.screen());
    h.keys("x").await;
    assert_eq!(h.app.mode, Mode::Normal, "no confirmation is offered");
    assert!(status(&h).contains("identity is not verified (Art. 12(6))"), "{}", status(&h));
    assert!(status(&h).contains("verify it on the identity panel (i)"), "{}", status(&h));

    // Verified at another desk; the screen is loaded again.
    let v = Verification {
        method: VerificationMethod::IdDocument,
        transaction_reference: None,
        evidence: "passport copy checked".into(),
        returned_number: None,
    };
    desk.verify(&Operator::new("mikko.dpo"), &r, &v, fixture_now()).await.unwrap();
    h.keys("ctrl-r").await;
    assert!(!h.text().contains("Identity not verified"), "{}", h.screen());

    // The plan is on the screen; meanwhile a new phone number for Lisa arrives in the ledger.
    h.keys("x").await;
    assert!(h.text().contains("Carry out the erasure plan"), "{}", h.screen());
    sqlx::query(
        "INSERT INTO ledger.contact_details (id, person_id, kind, value, obtained_from, added_on)
         VALUES (3, 5, 'phone', '+46 70 999 00 00', 'the person', '2026-11-21')",
    )
    .execute(desk.pool())
    .await
    .unwrap();
    h.keys("y").await;
    let s = h.app.status.clone().unwrap();
    assert_eq!(s.kind, StatusKind::Conflict, "{s:?}");
    assert!(s.text.contains("the ledger changed since the plan was shown; nothing was erased"), "{s:?}");
    assert_eq!(
        scalar_i64(&desk, "SELECT count(*) FROM ledger.marketing_preferences WHERE person_id = 5").await,
        1
    );

    // The plan shown now includes the new row; carrying it out erases it too.
    h.keys("x y").await;
    assert!(status(&h).contains("erased:"), "{}", status(&h));
    assert_eq!(scalar_i64(&desk, "SELECT count(*) FROM ledger.contact_details WHERE person_id = 5").await, 0);
    assert_eq!(
        scalar_i64(&desk, "SELECT count(*) FROM ledger.marketing_preferences WHERE person_id = 5").await,
        0
    );
    assert!(
        h.text().contains("✓ Carried out 2026-11-21 11:00 by anna.dpo: 4 deleted, 1 anonymised"),
        "{}",
        h.screen()
    );
}

#[tokio::test]
async fn rectify_a_field_seeing_the_value_now_beside_the_one_asked_for_then_the_art_19_tasks() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-rectify-anna"].clone();
    let mut h = open_ledger(&desk, 160, 48, false).await;
    open_reference(&mut h, &r).await;
    h.keys("R").await;
    assert!(h.text().contains("No ledger person is linked to this request yet"), "{}", h.screen());
    // Link, and verify by a letter to the ledger address (no e-ID transaction asked for).
    h.keys("i L y v j j j enter").await;
    h.type_text("Reply to our letter to Storgatan 1").await;
    h.keys("enter y").await;
    assert_eq!(
        desk.detail(&r, fixture_now()).await.unwrap().verification.unwrap().method,
        "registered_address"
    );

    h.keys("R").await;
    assert!(h.text().contains("Asked: “Jag har flyttat till Storgatan 3.”"), "{}", h.screen());
    assert!(h.text().contains("“Storgatan 1”"), "{}", h.screen());
    // The third field is the street; enter corrects it.
    h.keys("j j enter").await;
    assert!(h.text().contains("now: “Storgatan 1”"), "{}", h.screen());
    h.keys("enter").await;
    assert!(status(&h).contains("a new value is needed: nothing was changed"), "{}", status(&h));
    h.keys("c").await;
    h.type_text("Storgatan 1").await;
    h.keys("enter").await;
    assert!(status(&h).contains("that is the value now"), "{}", status(&h));
    h.keys("c").await;
    h.type_text("Storgatan 3").await;
    h.keys("enter").await;
    let text = h.text();
    assert!(
        text.contains("now        “Storgatan 1”") && text.contains("requested  “Storgatan 3”"),
        "{}",
        h.screen()
    );
    h.keys("c").await;
    assert!(h.text().contains("requested  “Storgatan 3”"), "the trigger does not confirm: {}", h.screen());
    h.keys("y").await;
    let street: String = sqlx::query_scalar("SELECT street FROM ledger.persons WHERE id = 1")
        .fetch_one(desk.pool())
        .await
        .unwrap();
    assert_eq!(street, "Storgatan 3");
    let text = h.text();
    assert!(text.contains("person · 1 street: “Storgatan 1” → “Storgatan 3” · anna.dpo"), "{}", h.screen());
    for recipient in ["The client (creditor)", "Credit-information companies (UC, Asiakastieto)"] {
        assert!(text.contains(&format!("[ ] {recipient}")), "{recipient}: {}", h.screen());
    }

    // Tick one off on the tasks screen. Art. 19: only recipients that received Anna's data —
    // her cases never went to enforcement, so Kronofogden is not among them (issue 13 §2).
    h.keys("T").await;
    assert!(h.text().contains("Recipients to tell: 2 of 2 open"), "{}", h.screen());
    assert!(!h.text().contains("Kronofogden"), "{}", h.screen());
    h.keys("d").await;
    assert!(h.text().contains("was told?"), "{}", h.screen());
    h.keys("d").await;
    assert_eq!(scalar_i64(&desk, "SELECT count(*) FROM recipient_tasks WHERE done_at IS NOT NULL").await, 0);
    h.keys("y").await;
    assert_eq!(scalar_i64(&desk, "SELECT count(*) FROM recipient_tasks WHERE done_by = 'anna.dpo'").await, 1);
    assert!(h.text().contains("Recipients to tell: 1 of 2 open"), "{}", h.screen());
    assert!(h.text().contains("[x] Credit-information companies"), "{}", h.screen());
    h.keys("d").await;
    assert!(status(&h).contains("was already told"), "{}", status(&h));
}

#[tokio::test]
async fn an_ambiguous_match_is_linked_only_by_choice_and_a_repeated_access_request_is_a_warning() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    let mut h = open_ledger(&desk, 80, 24, false).await;
    open_reference(&mut h, &r).await;
    h.keys("i").await;
    assert!(h.text().contains("Art. 12(5): no earlier access request"), "{}", h.screen());
    h.keys("j").await;
    assert!(h.text().contains("Requester beside ledger person 2"), "{}", h.screen());
    assert!(h.text().contains("≠ differs"), "the e-mails differ: {}", h.screen());
    h.keys("L").await;
    assert!(h.text().contains("Not a certain match"), "{}", h.screen());
    h.keys("n").await;
    assert!(linked(&desk, &r).await.is_empty());
    h.keys("k L y").await;
    assert_eq!(linked(&desk, &r).await, vec!["1"]);
    h.keys("L").await;
    assert!(status(&h).contains("already linked"), "{}", status(&h));

    // The earlier request of March is linked to the same person: a warning, not a block.
    desk.link(&anna(), &refs["fx-access-anna-earlier"], None, fixture_now()).await.unwrap();
    h.keys("ctrl-r").await;
    let text = h.text();
    assert!(text.contains("⚠ Art. 12(5): 1 earlier access request(s)"), "{}", h.screen());
    assert!(
        text.contains(&format!("{} (2026-03-02, new)", refs["fx-access-anna-earlier"])),
        "{}",
        h.screen()
    );

    // A wrong link is undone the same way.
    h.keys("U").await;
    assert!(h.text().contains("Unlink ledger person 1"), "{}", h.screen());
    h.keys("y").await;
    assert!(linked(&desk, &r).await.is_empty());
}

#[tokio::test]
async fn rights_on_the_request_restrict_and_lift_stop_marketing_decide_an_objection_forward() {
    let (_db, desk, refs) = ledger().await;
    let matti = refs["fx-restrict-matti"].clone();
    link_and_verify(&desk, &matti).await;
    let mut h = open_ledger(&desk, 80, 24, false).await;
    open_reference(&mut h, &matti).await;
    assert!(h.text().contains("b restrict"), "offered for a restriction request: {}", h.screen());
    h.keys("b").await;
    h.type_text("the debtor contests the claim").await;
    h.keys("enter").await;
    assert!(h.text().contains("Restrict the processing"), "{}", h.screen());
    h.keys("y").await;
    let unrestricted = "SELECT count(*) FROM ledger.payments WHERE payer_id = 3 AND restricted_at IS NULL";
    assert_eq!(scalar_i64(&desk, unrestricted).await, 0);
    assert!(status(&h).contains("Art. 19:"), "{}", status(&h));
    h.keys("B").await;
    h.type_text("the court confirmed the claim").await;
    h.keys("enter y").await;
    assert_eq!(scalar_i64(&desk, unrestricted).await, 1);

    let lisa = refs["fx-object-lisa"].clone();
    desk.link(&anna(), &lisa, None, fixture_now()).await.unwrap();
    open_reference(&mut h, &lisa).await;
    h.keys("o").await;
    assert!(h.text().contains("Art. 21(3)"), "{}", h.screen());
    h.keys("y").await;
    let opted_out =
        "SELECT count(*) FROM ledger.marketing_preferences WHERE person_id = 5 AND opted_out_at IS NOT NULL";
    assert_eq!(scalar_i64(&desk, opted_out).await, 1);
    // Overriding an objection needs the grounds in words.
    h.keys("O j j enter enter").await;
    assert!(status(&h).contains("the grounds (Art. 21(1)) is needed"), "{}", status(&h));
    h.keys("O j j enter").await;
    h.type_text("the claim is before the district court").await;
    h.keys("enter y").await;
    let detail = desk.detail(&lisa, fixture_now()).await.unwrap();
    let decided = detail.events.iter().find(|e| e.action == "objection_decided").expect("decided");
    assert_eq!(decided.details["decision"], "legal_claims");

    // Erik's data is held for a client: forwarded, by name.
    let erik = refs["fx-erasure-erik"].clone();
    desk.link(&anna(), &erik, None, fixture_now()).await.unwrap();
    open_reference(&mut h, &erik).await;
    h.keys("E").await;
    assert!(h.text().contains("to Faktura Service AB: held as its processor (Art. 28)"), "{}", h.screen());
    assert!(h.text().contains("f forward"), "{}", h.screen());
    h.keys("f").await;
    assert!(h.text().contains("Forward ") && h.text().contains("Faktura Service AB?"), "{}", h.screen());
    h.keys("y").await;
    let r = desk.detail(&erik, fixture_now()).await.unwrap().request;
    assert_eq!(r.status.to_string(), "forwarded");
}

#[tokio::test]
async fn the_erasure_worker_in_the_desk_erases_on_the_day_and_reports_on_the_status_line() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-erasure-anna"].clone();
    // Anna pays her open claim: only dated holds remain, the last lapsing on 31 Dec 2033.
    sqlx::query("UPDATE ledger.cases SET outstanding = 0, closed_on = '2026-11-20', paid_in_full_on = '2026-11-20', stage = 'closed' WHERE id = 10")
        .execute(desk.pool())
        .await
        .unwrap();
    link_and_verify(&desk, &r).await;
    let mut h = open_ledger(&desk, 80, 24, false).await;
    open_reference(&mut h, &r).await;
    h.keys("E").await;
    assert!(
        h.text().contains("Follow-up: erasure on 2027-11-22, 2029-01-01, 2032-01-01, 2034-01-01"),
        "every lapse day, the last the books' 2034-01-01: {}",
        h.screen()
    );
    h.keys("x y").await;
    // A follow-up for each day a kept record's hold lapses; the next one is shown: the AML
    // check, five years after the relationship ended 2022-11-21.
    assert!(h.text().contains("Scheduled: follow-up erasure on 2027-11-22"), "{}", h.screen());
    assert_eq!(
        desk.scheduled_erasures(&r).await.unwrap().len(),
        4,
        "2027-11-22, 2029-01-01, 2032-01-01, 2034-01-01"
    );

    let worker = Operator::new("anna.dpo");
    let period = std::time::Duration::from_secs(3600);
    let pass = |at: DateTime<Utc>| {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (spawn_erasure_worker(desk.clone(), worker.clone(), Clock::Fixed(at), period, tx), rx)
    };
    // The day before the first: nothing is due, and nothing is said.
    let (task, mut rx) = pass(noon(2027, 11, 21));
    let report = rx.recv().await.expect("a first pass at once");
    task.abort();
    let Action::Worker(Ok(early)) = &report else { panic!("{report:?}") };
    assert_eq!(early.examined, 0);
    h.dispatch(report).await;
    assert!(!status(&h).contains("erasure worker"), "{}", status(&h));

    // The first day: the AML check goes, the bookkeeping rows stay.
    let (task, mut rx) = pass(noon(2027, 11, 22));
    let report = rx.recv().await.expect("a first pass at once");
    task.abort();
    h.dispatch(report).await;
    assert!(status(&h).contains("erasure worker: 1 follow-up(s) examined"), "{}", status(&h));
    assert_eq!(scalar_i64(&desk, "SELECT count(*) FROM ledger.aml_checks WHERE person_id = 1").await, 0);
    assert_eq!(
        scalar_i64(&desk, "SELECT count(*) FROM ledger.payments WHERE case_id IN (10, 11, 12)").await,
        3
    );

    // The last day: carried out, and told.
    let (task, mut rx) = pass(noon(2034, 1, 1));
    let report = rx.recv().await.expect("a first pass at once");
    task.abort();
    h.dispatch(report).await;
    assert!(status(&h).contains("erasure worker: 1 follow-up(s) examined"), "{}", status(&h));
    assert_eq!(
        scalar_i64(&desk, "SELECT count(*) FROM ledger.payments WHERE case_id IN (10, 11, 12)").await,
        0
    );
    assert!(desk.scheduled_erasure(&r).await.unwrap().is_none());
    assert!(
        h.text().contains("Follow-up: none — nothing is kept"),
        "the screen was loaded again: {}",
        h.screen()
    );
}

#[tokio::test]
async fn read_only_shows_the_subject_screens_and_changes_nothing() {
    let (_db, desk, refs) = ledger().await;
    let erasure = refs["fx-erasure-anna"].clone();
    let rectify = refs["fx-rectify-anna"].clone();
    link_and_verify(&desk, &erasure).await;
    link_and_verify(&desk, &rectify).await;
    desk.execute_erasure(
        &anna(),
        &erasure,
        &desk.erasure_plan(&erasure, fixture_now()).await.unwrap(),
        fixture_now(),
    )
    .await
    .unwrap();
    let lisa = refs["fx-erasure-lisa"].clone();
    desk.link(&anna(), &lisa, None, fixture_now()).await.unwrap();
    let before = events(&desk).await;
    let mut h = open_ledger(&desk, 80, 24, true).await;

    open_reference(&mut h, &lisa).await;
    h.keys("i").await;
    assert!(h.text().contains("Ledger persons who may be the requester"), "{}", h.screen());
    assert!(!h.text().contains("L link") && !h.text().contains("v records"), "not offered: {}", h.screen());
    for key in ["L", "U", "v"] {
        h.keys(key).await;
        assert!(status(&h).contains("read-only mode"), "{key}: {}", status(&h));
        assert_eq!(h.app.mode, Mode::Normal);
    }
    h.keys("E").await;
    assert!(h.text().contains("The plan: every row"), "{}", h.screen());
    h.keys("x").await;
    assert!(status(&h).contains("read-only mode"), "{}", status(&h));

    open_reference(&mut h, &rectify).await;
    h.keys("R").await;
    assert!(h.text().contains("Fields you may correct"), "{}", h.screen());
    for key in ["c", "enter"] {
        h.keys(key).await;
        assert!(status(&h).contains("read-only mode"), "{key}: {}", status(&h));
        assert_eq!(h.app.mode, Mode::Normal);
    }
    open_reference(&mut h, &erasure).await;
    h.keys("T").await;
    assert!(h.text().contains("Recipients to tell"), "{}", h.screen());
    assert!(!h.text().contains("d ticks it off"), "{}", h.screen());
    h.keys("d").await;
    assert!(status(&h).contains("read-only mode"), "{}", status(&h));
    open_reference(&mut h, &refs["fx-restrict-matti"]).await;
    h.keys("b B o O").await;
    assert!(status(&h).contains("read-only mode"), "{}", status(&h));
    h.keys("?").await;
    let help = h.text();
    assert!(!help.contains("[link]") && !help.contains("[execute_erasure]"), "{help}");
    assert_eq!(events(&desk).await, before, "no event was recorded");
    assert_eq!(scalar_i64(&desk, "SELECT count(*) FROM recipient_tasks WHERE done_at IS NOT NULL").await, 0);
}

#[tokio::test]
async fn ledger_text_reaches_the_subject_screens_escaped() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-rectify-anna"].clone();
    link_and_verify(&desk, &r).await;
    // The ledger is another system's: whatever it holds is shown as text.
    sqlx::query("UPDATE ledger.persons SET first_name = $1, city = $2 WHERE id = 1")
        .bind("Anna\u{1b}]0;pwned\u{7}")
        .bind("Malm\u{202e}ö")
        .execute(desk.pool())
        .await
        .unwrap();
    let mut h = open_ledger(&desk, 160, 48, false).await;
    open_reference(&mut h, &r).await;
    for keys in ["i", "R"] {
        h.keys(keys).await;
        let text = h.text();
        assert!(text.contains("Anna\\x1b]0;pwned\\x07"), "{keys}: {}", h.screen());
        assert_terminal_safe(&text);
    }
    assert!(h.text().contains("“Malm\\u{202e}ö”"), "{}", h.screen());
    h.keys("enter").await;
    assert_terminal_safe(&h.text());
}
