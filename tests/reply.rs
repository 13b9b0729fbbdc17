//! Replies against a real PostgreSQL and the ledger fixture: each template filled in with the
//! request's facts, in the request's language; the wrong template for the facts refused; drafts.

use dsrdesk::config::Config;
use dsrdesk::domain::RequestStatus;
use dsrdesk::domain::intake::Language;
use dsrdesk::mail::templates::Purpose;
use dsrdesk::service::reply::{ComposeInput, Draft, ReplyOrder};
use dsrdesk::service::verify::{Verification, VerificationMethod};
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

async fn link_and_verify(desk: &Desk, reference: &str) {
    desk.link(&alice(), reference, None, fixture_now()).await.expect("linked");
    verify_by_bankid(desk, &alice(), reference).await;
}

async fn erase(desk: &Desk, reference: &str) {
    link_and_verify(desk, reference).await;
    let plan = desk.erasure_plan(reference, fixture_now()).await.unwrap();
    desk.execute_erasure(&alice(), reference, &plan, fixture_now()).await.expect("executed");
}

fn input() -> ComposeInput {
    ComposeInput::default()
}

#[tokio::test]
async fn partial_erasure_reply_lists_each_hold_with_its_article_and_the_authority() {
    let (desk, refs) = fixture().await;
    let anna = &refs["fx-erasure-anna"];
    let before =
        desk.compose_reply(anna, Purpose::ErasurePartlyRefused, &input(), fixture_now()).await.unwrap_err();
    assert!(before.to_string().contains("not been carried out"), "{before}");

    erase(&desk, anna).await;
    // Anna's claim is open: "erased in full" would be a false statement.
    let full = desk.compose_reply(anna, Purpose::ErasureDone, &input(), fixture_now()).await.unwrap_err();
    assert!(full.to_string().contains("erasure_partly_refused"), "{full}");

    let reply =
        desk.compose_reply(anna, Purpose::ErasurePartlyRefused, &input(), fixture_now()).await.unwrap();
    assert_eq!(reply.language, Language::Sv, "the request was written in Swedish");
    assert_eq!(reply.to_address, "anna.svensson@example.se");
    assert!(reply.subject.contains(anna.as_str()));
    let body = &reply.body;
    assert!(body.contains("Hej Anna Svensson,"), "{body}");
    assert!(body.contains("fordran är obetald") && body.contains("artikel 17.3 e"), "{body}");
    assert!(body.contains("sparas tills fordran är betald"), "{body}");
    assert!(body.contains("Integritetsskyddsmyndigheten (IMY)"), "Art. 12(4): {body}");
    assert!(body.contains("föra talan i domstol"), "judicial remedy: {body}");
    assert!(!body.contains("{{"), "{body}");
}

#[tokio::test]
async fn erasure_with_nothing_held_gets_the_full_erasure_reply_only() {
    let (desk, refs) = fixture().await;
    let lisa = &refs["fx-erasure-lisa"];
    erase(&desk, lisa).await;
    let partly =
        desk.compose_reply(lisa, Purpose::ErasurePartlyRefused, &input(), fixture_now()).await.unwrap_err();
    assert!(partly.to_string().contains("erasure_done"), "{partly}");
    let done = desk.compose_reply(lisa, Purpose::ErasureDone, &input(), fixture_now()).await.unwrap();
    assert!(done.body.contains("Vi har raderat"), "{}", done.body);
}

#[tokio::test]
async fn a_finnish_request_is_answered_in_finnish_naming_the_finnish_authority() {
    let (desk, refs) = fixture().await;
    let matti = &refs["fx-erasure-matti"];
    let reply = desk
        .compose_reply(
            matti,
            Purpose::Refusal,
            &ComposeInput { detail: Some("Pyyntö on toistuva.".into()), ..input() },
            fixture_now(),
        )
        .await
        .unwrap();
    assert_eq!(reply.language, Language::Fi);
    assert!(reply.body.contains("Tietosuojavaltuutetun toimisto"), "{}", reply.body);
    assert!(reply.body.contains("Pyyntö on toistuva."));
    // The DPO may choose another language.
    let en = desk
        .compose_reply(
            matti,
            Purpose::Refusal,
            &ComposeInput { language: Some(Language::En), detail: Some("Repeated.".into()), ..input() },
            fixture_now(),
        )
        .await
        .unwrap();
    assert!(en.body.contains("Office of the Data Protection Ombudsman"), "{}", en.body);
}

#[tokio::test]
async fn a_refusal_needs_its_reasons() {
    let (desk, refs) = fixture().await;
    let err = desk
        .compose_reply(&refs["fx-erasure-anna"], Purpose::Refusal, &input(), fixture_now())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("--reason"), "{err}");
}

#[tokio::test]
async fn the_extension_notice_states_the_extended_date_art_12_3() {
    let (desk, refs) = fixture().await;
    // Received 2026-11-16 (SE): due 2026-12-16; extended, three months after receipt: 2027-02-16.
    let reply = desk
        .compose_reply(
            &refs["fx-erasure-anna"],
            Purpose::Extension,
            &ComposeInput { detail: Some("Ärendet omfattar många akter.".into()), ..input() },
            fixture_now(),
        )
        .await
        .unwrap();
    assert!(reply.body.contains("senast den 2027-02-16"), "{}", reply.body);
    assert!(reply.body.contains("Ärendet omfattar många akter."));
}

#[tokio::test]
async fn a_template_for_another_kind_of_request_is_refused() {
    let (desk, refs) = fixture().await;
    let err = desk
        .compose_reply(&refs["fx-erasure-anna"], Purpose::AccessReply, &input(), fixture_now())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("does not fit a erasure request")
            || err.to_string().contains("does not fit"),
        "{err}"
    );
}

#[tokio::test]
async fn objection_and_rectification_replies_say_what_was_decided_and_done() {
    let (desk, refs) = fixture().await;
    let lisa = &refs["fx-object-lisa"];
    let none =
        desk.compose_reply(lisa, Purpose::ObjectionOutcome, &input(), fixture_now()).await.unwrap_err();
    assert!(none.to_string().contains("no decision"), "{none}");
    desk.link(&alice(), lisa, None, fixture_now()).await.unwrap();
    desk.opt_out_of_marketing(&alice(), lisa, fixture_now()).await.unwrap();
    let reply = desk.compose_reply(lisa, Purpose::ObjectionOutcome, &input(), fixture_now()).await.unwrap();
    assert!(reply.body.contains("direktmarknadsföring") && reply.body.contains("21.3"), "{}", reply.body);
}

#[tokio::test]
async fn drafts_are_kept_per_operator_until_discarded() {
    let (desk, refs) = fixture().await;
    let anna = &refs["fx-erasure-anna"];
    assert_eq!(desk.draft(&alice(), anna).await.unwrap(), None);
    let draft = Draft {
        purpose: "acknowledgement".into(),
        language: "sv".into(),
        detail: None,
        subject: "Vi har tagit emot din begäran".into(),
        body: "Hej Anna,\nhalvfärdig text".into(),
        attach: None,
        encrypt: false,
        updated_at: fixture_now(),
    };
    desk.save_draft(&alice(), anna, &draft).await.unwrap();
    let edited = Draft { body: "Hej Anna,\nlite mer text".into(), ..draft.clone() };
    desk.save_draft(&alice(), anna, &edited).await.unwrap();
    let saved = desk.draft(&alice(), anna).await.unwrap().expect("saved");
    assert_eq!(saved.body, "Hej Anna,\nlite mer text");
    assert_eq!(desk.draft(&Operator::new("bob"), anna).await.unwrap(), None, "a draft is its author's");
    assert!(desk.discard_draft(&alice(), anna).await.unwrap());
    assert_eq!(desk.draft(&alice(), anna).await.unwrap(), None);
    let bad = Draft { purpose: "thanks".into(), ..draft };
    assert!(desk.save_draft(&alice(), anna, &bad).await.is_err());
}

async fn outbox_rows(desk: &Desk, reference: &str) -> Vec<(String, String, bool)> {
    sqlx::query_as(
        "SELECT o.purpose, o.subject, o.carries_data FROM outbox o JOIN requests r ON r.id = o.request_id
         WHERE r.reference = $1 ORDER BY o.id",
    )
    .bind(reference)
    .fetch_all(desk.pool())
    .await
    .unwrap()
}

async fn actions(desk: &Desk, reference: &str) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT e.action FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.reference = $1 ORDER BY e.id",
    )
    .bind(reference)
    .fetch_all(desk.pool())
    .await
    .unwrap()
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

#[tokio::test]
async fn a_refusal_is_queued_with_the_status_change_and_both_events_in_one_step() {
    let (desk, refs) = fixture().await;
    let lisa = &refs["fx-erasure-lisa"];
    let before = actions(&desk, lisa).await.len();
    let q = desk
        .queue_reply(
            &alice(),
            lisa,
            &ReplyOrder {
                detail: Some("Begäran är uppenbart ogrundad.".into()), ..order(Purpose::Refusal)
            },
            fixture_now(),
        )
        .await
        .unwrap();
    assert_eq!(q.status, RequestStatus::Refused);
    assert!(
        q.message_id.starts_with('<') && q.message_id.ends_with("@exempelinkasso.example>"),
        "{}",
        q.message_id
    );
    let rows = outbox_rows(&desk, lisa).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "refusal");
    let new: Vec<String> = actions(&desk, lisa).await.split_off(before);
    assert_eq!(new, vec!["status_changed".to_string(), "outbox_queued".to_string()]);
    // Closed now: only a reply that keeps it as it is may follow.
    let err =
        desk.queue_reply(&alice(), lisa, &order(Purpose::Acknowledgement), fixture_now()).await.unwrap_err();
    assert!(err.to_string().contains("closed"), "{err}");
}

#[tokio::test]
async fn an_edit_that_drops_the_right_to_complain_is_refused_and_nothing_is_stored() {
    let (desk, refs) = fixture().await;
    let lisa = &refs["fx-erasure-lisa"];
    let before = actions(&desk, lisa).await.len();
    let err = desk
        .queue_reply(
            &alice(),
            lisa,
            &ReplyOrder {
                detail: Some("Nej.".into()),
                body: Some("Hej Lisa,\nvi säger nej.\n".into()),
                ..order(Purpose::Refusal)
            },
            fixture_now(),
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Art. 12(4)"), "{err}");
    assert!(outbox_rows(&desk, lisa).await.is_empty());
    assert_eq!(actions(&desk, lisa).await.len(), before, "no event");
    assert_eq!(desk.detail(lisa, fixture_now()).await.unwrap().request.status, RequestStatus::New);
}

#[tokio::test]
async fn data_leaves_only_after_verification_art_12_6() {
    let (desk, refs) = fixture().await;
    let access = &refs["fx-access-anna"];
    desk.link(&alice(), access, Some("1"), fixture_now()).await.unwrap();
    let with_copy = ReplyOrder { attach: Some("access".into()), ..order(Purpose::AccessReply) };
    let err = desk.queue_reply(&alice(), access, &with_copy, fixture_now()).await.unwrap_err();
    assert!(err.to_string().contains("not verified"), "{err}");
    assert!(outbox_rows(&desk, access).await.is_empty());
    assert!(!actions(&desk, access).await.contains(&"export_written".to_string()), "no copy was made");

    let v = Verification {
        method: VerificationMethod::BankId,
        transaction_reference: Some("bankid-tx-2".into()),
        evidence: "BankID".into(),
        // Art. 12(6): the e-ID returns the linked person's (Anna's) number (migration 0011).
        returned_number: Some("19811218-9876".into()),
    };
    desk.verify(&alice(), access, &v, fixture_now()).await.unwrap();
    let q = desk.queue_reply(&alice(), access, &with_copy, fixture_now()).await.unwrap();
    assert_eq!(q.status, RequestStatus::Answered);
    assert_eq!(q.attachments.len(), 1);
    assert!(q.attachments[0].file_name.ends_with("-access-sv.html"));
    let rows = outbox_rows(&desk, access).await;
    assert!(rows[0].2, "marked as carrying data");
}

#[tokio::test]
async fn the_identity_request_pauses_the_clock_and_the_extension_extends_it() {
    let (desk, refs) = fixture().await;
    let anna = &refs["fx-erasure-anna"];
    let q = desk
        .queue_reply(
            &alice(),
            anna,
            &ReplyOrder {
                detail: Some("En kopia av din id-handling.".into()),
                ..order(Purpose::IdentityRequest)
            },
            fixture_now(),
        )
        .await
        .unwrap();
    assert_eq!(q.status, RequestStatus::AwaitingInformation);
    let matti = &refs["fx-erasure-matti"];
    desk.queue_reply(
        &alice(),
        matti,
        &ReplyOrder {
            detail: Some("Asiaan liittyy useita perintäasioita.".into()),
            ..order(Purpose::Extension)
        },
        fixture_now(),
    )
    .await
    .unwrap();
    let d = desk.detail(matti, fixture_now()).await.unwrap();
    assert!(d.request.extended_on.is_some(), "extended in the same step as the notice");
    // Received 2026-11-18 (FI): three months later 2027-02-18, a Thursday.
    assert_eq!(d.request.due_on.to_string(), "2027-02-18");
}

/// An acknowledgement on an overdue request must not promise "senast den" a day already past.
/// fx-access-anna was received 2026-11-19 in Sweden: one month is Saturday 2026-12-19, so the
/// answer is due Monday 2026-12-21 (Art. 12(3); Reg. 1182/71 Art. 3(4)). On 2026-12-22 it is late:
/// the letter says so and promises the date the DPO gives, never one before today.
#[tokio::test]
async fn an_acknowledgement_on_an_overdue_request_says_it_is_late_and_by_when() {
    use chrono::{TimeZone, Utc};
    let (desk, refs) = fixture().await;
    let r = &refs["fx-access-anna"];
    let on_time = desk.compose_reply(r, Purpose::Acknowledgement, &input(), fixture_now()).await.unwrap();
    assert!(on_time.body.contains("Du får vårt svar senast den 2026-12-21."), "{}", on_time.body);

    let late = Utc.with_ymd_and_hms(2026, 12, 22, 9, 0, 0).unwrap();
    let err = desk.compose_reply(r, Purpose::Acknowledgement, &input(), late).await.unwrap_err().to_string();
    assert!(err.contains("2026-12-21") && err.contains("late"), "{err}");
    let past = ComposeInput { detail: Some("2026-12-21".into()), ..input() };
    let err = desk.compose_reply(r, Purpose::Acknowledgement, &past, late).await.unwrap_err().to_string();
    assert!(err.contains("already past"), "{err}");
    let promised = ComposeInput { detail: Some("2027-01-08".into()), ..input() };
    let reply = desk.compose_reply(r, Purpose::Acknowledgement, &promised, late).await.unwrap();
    assert!(reply.body.contains("vi är sena med svaret"), "{}", reply.body);
    assert!(reply.body.contains("Du får vårt svar senast den 2027-01-08."), "{}", reply.body);
    assert!(!reply.body.contains("Du får vårt svar senast den 2026-12-21"), "{}", reply.body);
}

/// Art. 12(3): one extension, one set of reasons. Once the extension is recorded with its
/// reasons, the letter states exactly those; a letter with other reasons is refused.
#[tokio::test]
async fn the_extension_letter_states_the_recorded_reasons_and_no_others() {
    let (desk, refs) = fixture().await;
    let r = &refs["fx-erasure-anna"];
    desk.extend(&alice(), r, "Ärendet omfattar många akter.", None, fixture_now()).await.unwrap();
    let other = ComposeInput { detail: Some("Vi har många ärenden.".into()), ..input() };
    let err = desk.compose_reply(r, Purpose::Extension, &other, fixture_now()).await.unwrap_err().to_string();
    assert!(err.contains("Ärendet omfattar många akter."), "{err}");
    let letter = desk.compose_reply(r, Purpose::Extension, &input(), fixture_now()).await.unwrap();
    assert!(letter.body.contains("Ärendet omfattar många akter."), "{}", letter.body);
    assert!(letter.body.contains("senast den 2027-02-16"), "{}", letter.body);
}
