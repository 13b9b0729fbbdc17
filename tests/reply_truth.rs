//! Replies that cannot say what is not so (issue 13 §§2–3), against a real PostgreSQL and the
//! ledger fixture: each claim a reply makes — erased, told the recipients (Art. 19), forwarded to
//! the client (Art. 28) — is checked against the database when the reply is composed and queued.
//! Expectations come from the law (DOMAIN.md), not from the program's output.

use dsrdesk::config::Config;
use dsrdesk::domain::RequestStatus;
use dsrdesk::mail::templates::Purpose;
use dsrdesk::service::reply::{ComposeInput, ReplyOrder};
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{fixture_now, fresh_database, load_ledger_fixture, verify_by_bankid};
use std::collections::BTreeMap;

fn alice() -> Operator {
    Operator::new("alice")
}

async fn fixture() -> (Desk, BTreeMap<String, String>) {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool, Config::default());
    let refs = load_ledger_fixture(&desk).await.expect("fixture loads");
    (desk, refs)
}

async fn link_and_verify(desk: &Desk, reference: &str, person: Option<&str>) {
    desk.link(&alice(), reference, person, fixture_now()).await.expect("linked");
    verify_by_bankid(desk, &alice(), reference).await;
}

async fn erase(desk: &Desk, reference: &str) {
    link_and_verify(desk, reference, None).await;
    let plan = desk.erasure_plan(reference, fixture_now()).await.unwrap();
    desk.execute_erasure(&alice(), reference, &plan, fixture_now()).await.expect("executed");
}

async fn intake(desk: &Desk, line: &str) -> String {
    desk.intake(&alice(), line, fixture_now()).await.expect("intake").created.remove(0)
}

fn order(purpose: Purpose) -> ReplyOrder {
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

async fn tasks(desk: &Desk, reference: &str) -> Vec<String> {
    desk.recipient_tasks(reference).await.unwrap().into_iter().map(|t| t.recipient).collect()
}

const ENFORCEMENT: &str = "The enforcement authority (Kronofogden / Utsökningsverket)";
const COURT: &str = "The district court (tingsrätt / käräjäoikeus)";
const FIU: &str = "The financial intelligence unit (Finanspolisen / Rahanpesun selvittelykeskus)";
const CLIENT: &str = "The client (creditor)";

#[tokio::test]
async fn art_19_erasure_tasks_name_only_recipients_that_received_annas_data() {
    // Anna's cases never went to enforcement or court and no AML report was made about her:
    // Kronofogden, the court and the FIU never received her data (DOMAIN.md, Art. 19).
    let (desk, refs) = fixture().await;
    let anna = &refs["fx-erasure-anna"];
    erase(&desk, anna).await;
    let told = tasks(&desk, anna).await;
    assert!(told.contains(&CLIENT.to_string()), "{told:?}");
    for never in [ENFORCEMENT, COURT, FIU] {
        assert!(!told.contains(&never.to_string()), "{never} never received Anna's data: {told:?}");
    }
}

#[tokio::test]
async fn art_19_a_prospect_without_a_case_was_never_sent_to_a_client() {
    // Lisa is a prospect: no creditor ever received her identity; the credit bureau she was
    // looked up at did.
    let (desk, refs) = fixture().await;
    let lisa = &refs["fx-erasure-lisa"];
    erase(&desk, lisa).await;
    let told = tasks(&desk, lisa).await;
    assert!(!told.contains(&CLIENT.to_string()), "{told:?}");
    assert!(told.contains(&"Credit-information companies (UC, Asiakastieto)".to_string()), "{told:?}");
}

#[tokio::test]
async fn art_19_the_fiu_is_told_only_where_a_report_was_made() {
    let (desk, refs) = fixture().await;
    let anna = &refs["fx-erasure-anna"];
    sqlx::query("UPDATE ledger.aml_checks SET reported_on = '2020-01-15' WHERE id = 1")
        .execute(desk.pool())
        .await
        .unwrap();
    erase(&desk, anna).await;
    assert!(tasks(&desk, anna).await.contains(&FIU.to_string()));
}

#[tokio::test]
async fn art_19_a_case_at_enforcement_was_sent_to_the_enforcement_authority_not_the_court() {
    // Matti's case is at enforcement in Finland: a restriction is told to the enforcement
    // authority; it was never in court.
    let (desk, refs) = fixture().await;
    let matti = &refs["fx-restrict-matti"];
    link_and_verify(&desk, matti, None).await;
    desk.restrict(&alice(), matti, false, "Tietojen paikkansapitävyys kiistetään", fixture_now())
        .await
        .unwrap();
    let told = tasks(&desk, matti).await;
    assert!(told.contains(&ENFORCEMENT.to_string()), "{told:?}");
    assert!(!told.contains(&COURT.to_string()), "{told:?}");
    // The reply: in Finnish, "we will tell" by name (no task is ticked), the Art. 18(2) grounds.
    let reply = desk
        .compose_reply(matti, Purpose::RestrictionConfirmed, &ComposeInput::default(), fixture_now())
        .await
        .unwrap();
    let body = &reply.body;
    assert!(body.contains("Ilmoitamme asiasta") && body.contains("Ulosottolaitos"), "{body}");
    assert!(!body.contains("Olemme ilmoittaneet"), "nothing was told yet: {body}");
    assert!(body.contains("18 artiklan 2 kohta") && body.contains("yleistä etua"), "Art. 18(2): {body}");
}

#[tokio::test]
async fn we_have_told_only_the_recipients_whose_task_is_ticked_art_19() {
    let (desk, refs) = fixture().await;
    let anna = &refs["fx-erasure-anna"];
    erase(&desk, anna).await;
    let reply = |desk: &Desk| {
        let anna = anna.clone();
        let desk = desk.clone();
        async move {
            desk.compose_reply(&anna, Purpose::ErasurePartlyRefused, &ComposeInput::default(), fixture_now())
                .await
                .unwrap()
                .body
        }
    };
    let before = reply(&desk).await;
    assert!(!before.contains("Vi har underrättat"), "no task ticked: {before}");
    assert!(before.contains("Vi kommer att underrätta") && before.contains("Uppdragsgivaren"), "{before}");
    assert!(before.contains("rätt att få veta vilka mottagarna är"), "{before}");
    // Tick the client's task only.
    let all = desk.recipient_tasks(anna).await.unwrap();
    let client = all.iter().find(|t| t.recipient == CLIENT).unwrap();
    desk.complete_recipient_task(&alice(), anna, client.id, fixture_now()).await.unwrap();
    let after = reply(&desk).await;
    let told = after.split("Vi har underrättat").nth(1).expect("told sentence").split('.').next().unwrap();
    assert!(told.contains("Uppdragsgivaren"), "{after}");
    assert!(!told.contains("Kreditupplysning"), "the credit bureaus were not told yet: {after}");
    assert!(after.contains("Vi kommer att underrätta"), "{after}");
}

#[tokio::test]
async fn erased_in_full_is_refused_while_a_row_of_the_person_remains_in_any_source() {
    // Erik's data is held for a client: the erasure forwards, nothing is erased, and
    // "erased in full" would be false.
    let (desk, refs) = fixture().await;
    let erik = &refs["fx-erasure-erik"];
    erase(&desk, erik).await;
    let err = desk
        .compose_reply(erik, Purpose::ErasureDone, &ComposeInput::default(), fixture_now())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("remain"), "{err}");
}

#[tokio::test]
async fn we_hold_no_data_is_an_answer_art_15_1_and_only_when_true() {
    let (desk, refs) = fixture().await;
    // Someone the ledger does not know.
    let nobody = intake(
        &desk,
        r#"{"kind": "access", "jurisdiction": "SE", "received_at": "2026-11-20T09:00:00+01:00", "channel": "email", "requester": {"name": "Nils Okänd", "email": "nils@example.se", "personal_number": "19640823-3234"}, "text": "Har ni uppgifter om mig?", "language": "sv"}"#,
    )
    .await;
    // Art. 12(6): the answer, even "nothing", goes to the verified requester.
    verify_by_bankid(&desk, &alice(), &nobody).await;
    let q = desk.queue_reply(&alice(), &nobody, &order(Purpose::NoData), fixture_now()).await.unwrap();
    assert_eq!(q.status, RequestStatus::Answered, "Art. 15(1): a confirmation, not a refusal");
    assert!(q.attachments.is_empty());
    let body = desk
        .compose_reply(&nobody, Purpose::NoData, &ComposeInput::default(), fixture_now())
        .await
        .unwrap()
        .body;
    assert!(body.contains("behandlar inga personuppgifter om dig") && body.contains("artikel 77"), "{body}");

    // Anna is in the ledger: "we hold no data" would be false, linked or not.
    let anna = &refs["fx-access-anna"];
    let err =
        desk.compose_reply(anna, Purpose::NoData, &ComposeInput::default(), fixture_now()).await.unwrap_err();
    assert!(err.to_string().contains("match the requester"), "{err}");
    link_and_verify(&desk, anna, Some("1")).await;
    let err =
        desk.compose_reply(anna, Purpose::NoData, &ComposeInput::default(), fixture_now()).await.unwrap_err();
    assert!(err.to_string().contains("rows in the ledger"), "{err}");
    // An access reply without the copy is refused: it must carry it (Art. 15(3)).
    let err =
        desk.queue_reply(&alice(), anna, &order(Purpose::AccessReply), fixture_now()).await.unwrap_err();
    assert!(err.to_string().contains("carries the access copy"), "{err}");
}

#[tokio::test]
async fn a_portability_reply_has_its_own_template_art_20_and_carries_the_bundle() {
    let (desk, _refs) = fixture().await;
    let lisa = intake(
        &desk,
        r#"{"kind": "portability", "jurisdiction": "SE", "received_at": "2026-11-20T09:00:00+01:00", "channel": "email", "requester": {"name": "Lisa Berg", "email": "lisa.berg@example.se", "personal_number": "19550505-4329"}, "text": "Jag vill flytta mina uppgifter.", "language": "sv"}"#,
    )
    .await;
    link_and_verify(&desk, &lisa, Some("5")).await;
    let err = desk
        .compose_reply(&lisa, Purpose::AccessReply, &ComposeInput::default(), fixture_now())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not fit"), "{err}");
    let wrong = ReplyOrder { attach: Some("access".into()), ..order(Purpose::PortabilityReply) };
    let err = desk.queue_reply(&alice(), &lisa, &wrong, fixture_now()).await.unwrap_err();
    assert!(err.to_string().contains("carries the bundle"), "{err}");
    let right = ReplyOrder { attach: Some("portability".into()), ..order(Purpose::PortabilityReply) };
    let q = desk.queue_reply(&alice(), &lisa, &right, fixture_now()).await.unwrap();
    assert_eq!(q.status, RequestStatus::Answered);
    assert!(q.attachments[0].file_name.ends_with(".zip"), "{:?}", q.attachments);
    let body: String = sqlx::query_scalar("SELECT body FROM outbox WHERE id = $1")
        .bind(q.outbox_id)
        .fetch_one(desk.pool())
        .await
        .unwrap();
    assert!(body.contains("artikel 20") && !body.contains("artikel 15 i"), "{body}");
}

async fn make_erik_mixed(desk: &Desk) {
    // Erik also owes Nordbank AB, for whom the agency collects as controller.
    sqlx::query(
        "INSERT INTO ledger.cases (id, case_number, client_id, debtor_id, invoice_number, currency, principal, fees, interest, outstanding, opened_on, stage)
         VALUES (31, 'SE-2026-0000031', 1, 4, 'F-2001', 'SEK', 300.00, 60.00, 0.00, 360.00, '2026-06-01', 'collection')",
    )
    .execute(desk.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn mixed_roles_the_agency_answers_its_part_and_forwards_the_processor_part_seed_004() {
    let (desk, _refs) = fixture().await;
    make_erik_mixed(&desk).await;
    let erik = intake(
        &desk,
        r#"{"kind": "access", "jurisdiction": "SE", "received_at": "2026-11-20T09:00:00+01:00", "channel": "email", "requester": {"name": "Erik Lund", "email": "erik.lund@example.se", "personal_number": "19770707-1234"}, "text": "Vad har ni om mig?", "language": "sv"}"#,
    )
    .await;
    link_and_verify(&desk, &erik, Some("4")).await;
    // "Forwarded" alone would hide the agency's own part.
    let err = desk
        .compose_reply(
            &erik,
            Purpose::Forwarded,
            &ComposeInput { detail: Some("Faktura Service AB".into()), ..Default::default() },
            fixture_now(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("answer that part"), "{err}");
    // Forwarding the processor part leaves the request open for the agency's answer.
    let r =
        desk.forward_to_controller(&alice(), &erik, "Faktura Service AB", None, fixture_now()).await.unwrap();
    assert_eq!(r.status, RequestStatus::New);
    let tasks = desk.processor_tasks(&erik).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].contact.as_deref(), Some("privacy@faktura.example"), "the client's privacy contact");
    assert!(tasks[0].done_at.is_some());
    // The answer names the client, its privacy contact, and says the request went there.
    let with_copy = ReplyOrder { attach: Some("access".into()), ..order(Purpose::AccessReply) };
    let q = desk.queue_reply(&alice(), &erik, &with_copy, fixture_now()).await.unwrap();
    assert_eq!(q.status, RequestStatus::Answered);
    let body: String = sqlx::query_scalar("SELECT body FROM outbox WHERE id = $1")
        .bind(q.outbox_id)
        .fetch_one(desk.pool())
        .await
        .unwrap();
    assert!(body.contains("Faktura Service AB") && body.contains("privacy@faktura.example"), "{body}");
    assert!(body.contains("Vi har vidarebefordrat din begäran till Faktura Service AB"), "{body}");
}

#[tokio::test]
async fn mixed_roles_forwarding_after_the_answer_works_and_the_answer_did_not_claim_it() {
    let (desk, _refs) = fixture().await;
    make_erik_mixed(&desk).await;
    let erik = intake(
        &desk,
        r#"{"kind": "access", "jurisdiction": "SE", "received_at": "2026-11-20T09:00:00+01:00", "channel": "email", "requester": {"name": "Erik Lund", "email": "erik.lund@example.se", "personal_number": "19770707-1234"}, "text": "Vad har ni om mig?", "language": "sv"}"#,
    )
    .await;
    link_and_verify(&desk, &erik, Some("4")).await;
    let with_copy = ReplyOrder { attach: Some("access".into()), ..order(Purpose::AccessReply) };
    let q = desk.queue_reply(&alice(), &erik, &with_copy, fixture_now()).await.unwrap();
    let body: String = sqlx::query_scalar("SELECT body FROM outbox WHERE id = $1")
        .bind(q.outbox_id)
        .fetch_one(desk.pool())
        .await
        .unwrap();
    assert!(body.contains("Vi vidarebefordrar din begäran till Faktura Service AB"), "{body}");
    assert!(!body.contains("Vi har vidarebefordrat"), "not forwarded yet: {body}");
    // The processor part is a task on the request, open.
    let tasks = desk.processor_tasks(&erik).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert!(tasks[0].done_at.is_none());
    // Forwarding after the answer: the status stays answered, the task is ticked.
    let r =
        desk.forward_to_controller(&alice(), &erik, "Faktura Service AB", None, fixture_now()).await.unwrap();
    assert_eq!(r.status, RequestStatus::Answered);
    assert!(desk.processor_tasks(&erik).await.unwrap()[0].done_at.is_some());
}

#[tokio::test]
async fn all_rows_held_for_the_client_closes_the_request_as_forwarded() {
    let (desk, refs) = fixture().await;
    let erik = &refs["fx-erasure-erik"];
    desk.link(&alice(), erik, None, fixture_now()).await.unwrap();
    let r =
        desk.forward_to_controller(&alice(), erik, "Faktura Service AB", None, fixture_now()).await.unwrap();
    assert_eq!(r.status, RequestStatus::Forwarded);
    let tasks = desk.processor_tasks(erik).await.unwrap();
    assert!(tasks[0].done_at.is_some());
}

#[tokio::test]
async fn a_requester_living_in_norway_is_told_of_the_norwegian_authority_art_77() {
    let (desk, _refs) = fixture().await;
    let ola = intake(
        &desk,
        r#"{"kind": "access", "jurisdiction": "SE", "received_at": "2026-11-20T09:00:00+01:00", "channel": "email", "requester": {"name": "Ola Nordmann", "email": "ola@example.no", "address": "Storgata 1, 0155 Oslo, Norge"}, "text": "Hva har dere om meg?", "language": "sv"}"#,
    )
    .await;
    let reply = desk
        .compose_reply(
            &ola,
            Purpose::Refusal,
            &ComposeInput { detail: Some("Skäl.".into()), ..Default::default() },
            fixture_now(),
        )
        .await
        .unwrap();
    let body = &reply.body;
    assert!(body.contains("Integritetsskyddsmyndigheten"), "the controller's authority: {body}");
    assert!(body.contains("Datatilsynet (Norge)"), "Art. 77(1), habitual residence: {body}");
    assert!(body.contains("artikel 79") && !body.contains("78"), "{body}");
}

#[tokio::test]
async fn a_marketing_opt_out_erases_the_marketing_data_where_the_policy_says_so_art_21_3_seed_001() {
    let db = fresh_database().await;
    let config = Config::parse(
        "[controllers.SE]\nname = \"Exempel Inkasso AB\"\nmarketing_opt_out_erases = true\n",
        std::path::Path::new("dsrdesk.toml"),
    )
    .unwrap();
    let desk = Desk::new(db.pool, config);
    let refs = load_ledger_fixture(&desk).await.unwrap();
    let lisa = &refs["fx-object-lisa"];
    desk.link(&alice(), lisa, None, fixture_now()).await.unwrap();
    desk.opt_out_of_marketing(&alice(), lisa, fixture_now()).await.unwrap();
    let left: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ledger.marketing_preferences WHERE person_id = 5")
            .fetch_one(desk.pool())
            .await
            .unwrap();
    assert_eq!(left, 0, "seed 001: on an opt-out the marketing data is erased at once");
    let body = desk
        .compose_reply(lisa, Purpose::ObjectionOutcome, &ComposeInput::default(), fixture_now())
        .await
        .unwrap()
        .body;
    assert!(
        body.contains("21.3") && body.contains("raderat de uppgifter vi hade för marknadsföring"),
        "{body}"
    );
}

#[tokio::test]
async fn without_that_policy_the_opt_out_is_recorded_and_the_data_kept_art_21_3() {
    let (desk, refs) = fixture().await;
    let lisa = &refs["fx-object-lisa"];
    desk.link(&alice(), lisa, None, fixture_now()).await.unwrap();
    desk.opt_out_of_marketing(&alice(), lisa, fixture_now()).await.unwrap();
    let opted: bool = sqlx::query_scalar(
        "SELECT opted_out_at IS NOT NULL AND NOT by_email AND NOT by_sms FROM ledger.marketing_preferences WHERE person_id = 5",
    )
    .fetch_one(desk.pool())
    .await
    .unwrap();
    assert!(opted);
    let body = desk
        .compose_reply(lisa, Purpose::ObjectionOutcome, &ComposeInput::default(), fixture_now())
        .await
        .unwrap()
        .body;
    assert!(!body.contains("raderat"), "nothing was erased: {body}");
}
