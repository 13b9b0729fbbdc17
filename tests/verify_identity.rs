//! Data only to the person it is about (GDPR Art. 12(6), 15(1), 15(4); issue 13 §0, issue 19 §4).
//!
//! A BankID or FTN verification proves who the requester is by the personal number the e-ID
//! returns. When the requester gave no number, that returned number must still be every linked
//! ledger person's; otherwise the linked person's data would go to someone else. The fixture's
//! access request `fx-access-anna` gives no number; Anna Svensson (ledger person 1,
//! 19811218-9876) and another Anna Svensson (person 2, 19900101-2385) are both candidates.

mod tui_support;

use dsrdesk::config::Config;
use dsrdesk::export::ExportOptions;
use dsrdesk::service::Desk;
use dsrdesk::service::verify::{Verification, VerificationMethod};
use dsrdesk::testing::{TestDatabase, fixture_now, fresh_database, load_ledger_fixture};
use std::process::{Command, Output};
use tui_support::*;

const ANNA: &str = "19811218-9876";
const OTHER_ANNA: &str = "19900101-2385";

fn dsrdesk(db: &TestDatabase, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
        .args(args)
        .env("DATABASE_URL", db.url())
        .env_remove("DSRDESK_CONFIG")
        .output()
        .expect("run dsrdesk")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

async fn count(desk: &Desk, sql: &str, reference: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .bind(reference)
        .fetch_one(desk.pool())
        .await
        .unwrap()
}

async fn verifications(desk: &Desk, reference: &str) -> i64 {
    count(
        desk,
        "SELECT count(*) FROM request_verifications v JOIN requests r ON r.id = v.request_id WHERE r.reference = $1",
        reference,
    )
    .await
}

async fn verified_events(desk: &Desk, reference: &str) -> i64 {
    count(
        desk,
        "SELECT count(*) FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.reference = $1 AND e.action = 'identity_verified'",
        reference,
    )
    .await
}

fn bankid(number: Option<&str>) -> Verification {
    Verification {
        method: VerificationMethod::BankId,
        transaction_reference: Some("bankid-tx-42".into()),
        evidence: "BankID in the portal".into(),
        returned_number: number.map(str::to_string),
    }
}

async fn ledger_desk() -> (TestDatabase, Desk, std::collections::BTreeMap<String, String>) {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let refs = load_ledger_fixture(&desk).await.expect("fixture loads");
    (db, desk, refs)
}

/// The exact path of the finding, by the real binary: intake without a personal number, link
/// Anna, BankID returns the other Anna's number → refused, nothing stored, export refused.
#[tokio::test]
async fn cli_bankid_returning_another_persons_number_is_refused_and_no_copy_is_written() {
    let (db, desk, refs) = ledger_desk().await;
    let r = refs["fx-access-anna"].clone();
    let out = dsrdesk(&db, &["link", &r, "--person", "1"]);
    assert!(out.status.success(), "{}", stderr(&out));

    let out = dsrdesk(
        &db,
        &[
            "verify",
            &r,
            "--method",
            "bankid",
            "--transaction",
            "tx-1",
            "--returned-number",
            OTHER_ANNA,
            "--evidence",
            "BankID in the portal",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "refused by a rule: {}", stderr(&out));
    assert!(stderr(&out).contains("not linked ledger person 1's: not verified"), "{}", stderr(&out));
    assert_eq!(verifications(&desk, &r).await, 0, "nothing stored");
    assert_eq!(verified_events(&desk, &r).await, 0);

    // Without the returned number: refused too (e-ID needs it).
    let out = dsrdesk(
        &db,
        &["verify", &r, "--method", "bankid", "--transaction", "tx-1", "--evidence", "BankID in the portal"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--returned-number"), "{}", stderr(&out));
    assert_eq!(verifications(&desk, &r).await, 0);

    let dir = tempfile::tempdir().unwrap();
    let out = dsrdesk(&db, &["export", &r, "--out", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("Art. 12(6)"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no access copy written");

    // The right person's number (as the e-ID writes it, 10 digits): verified, stored normalised;
    // the copy is written.
    let out = dsrdesk(
        &db,
        &[
            "verify",
            &r,
            "--method",
            "bankid",
            "--transaction",
            "tx-2",
            "--returned-number",
            "811218-9876",
            "--evidence",
            "BankID in the portal",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let stored: (Option<String>, Option<bool>) = sqlx::query_as(
        "SELECT v.returned_number, v.number_matches FROM request_verifications v
         JOIN requests r ON r.id = v.request_id WHERE r.reference = $1",
    )
    .bind(&r)
    .fetch_one(desk.pool())
    .await
    .unwrap();
    assert_eq!(stored, (Some(ANNA.to_string()), Some(true)));
    let out = dsrdesk(&db, &["export", &r, "--out", dir.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Finnish Trust Network: the HETU the bank ID returns must be the linked person's.
#[tokio::test]
async fn ftn_returning_another_hetu_is_refused_and_the_right_one_is_stored_with_its_century_sign() {
    let (_db, desk, refs) = ledger_desk().await;
    let r = refs["fx-restrict-matti"].clone();
    desk.link(&anna(), &r, None, fixture_now()).await.unwrap();
    let ftn = |n: &str| Verification {
        method: VerificationMethod::Ftn,
        transaction_reference: Some("ftn-7".into()),
        evidence: "FTN via the broker".into(),
        returned_number: Some(n.into()),
    };
    // Aino's HETU, not Matti's: also differs from the number Matti gave.
    let err = desk.verify(&anna(), &r, &ftn("150585-2025"), fixture_now()).await.unwrap_err();
    assert!(err.to_string().contains("this may be someone else"), "{err}");
    assert_eq!(verifications(&desk, &r).await, 0);
    desk.verify(&anna(), &r, &ftn("131052-308t"), fixture_now()).await.unwrap();
    let v = desk.detail(&r, fixture_now()).await.unwrap().verification.unwrap();
    assert_eq!(v.returned_number.as_deref(), Some("131052-308T"));
}

/// Every linked person is compared, not only the first.
#[tokio::test]
async fn bankid_is_refused_when_one_of_two_linked_persons_has_another_number() {
    let (_db, desk, refs) = ledger_desk().await;
    let r = refs["fx-access-anna"].clone();
    desk.link(&anna(), &r, Some("1"), fixture_now()).await.unwrap();
    desk.link(&anna(), &r, Some("2"), fixture_now()).await.unwrap();
    let err = desk.verify(&anna(), &r, &bankid(Some(ANNA)), fixture_now()).await.unwrap_err();
    assert!(err.to_string().contains("ledger person 2"), "{err}");
    assert_eq!(verifications(&desk, &r).await, 0);
}

/// The database refuses on its own what the service refuses: an e-ID verification without a
/// returned number, or one whose number is not the linked person's.
#[tokio::test]
async fn the_database_refuses_an_eid_verification_without_or_with_a_foreign_number() {
    let (_db, desk, refs) = ledger_desk().await;
    let r = refs["fx-access-anna"].clone();
    desk.link(&anna(), &r, Some("1"), fixture_now()).await.unwrap();
    let insert = |number: Option<&'static str>| {
        let pool = desk.pool().clone();
        let r = r.clone();
        async move {
            sqlx::query(
                "INSERT INTO request_verifications
                    (request_id, method, transaction_reference, evidence, number_matches, returned_number, verified_by, verified_at)
                 SELECT id, 'bankid', 'tx', 'BankID', true, $2, 'mallory', now() FROM requests WHERE reference = $1",
            )
            .bind(&r)
            .bind(number)
            .execute(&pool)
            .await
        }
    };
    let e = insert(None).await.unwrap_err();
    assert!(e.to_string().contains("not linked ledger person 1's"), "{e}");
    let e = insert(Some(OTHER_ANNA)).await.unwrap_err();
    assert!(e.to_string().contains("not linked ledger person 1's"), "{e}");
    assert_eq!(verifications(&desk, &r).await, 0);
    insert(Some(ANNA)).await.expect("the linked person's number is accepted");
    // With nobody linked, the constraint alone refuses an e-ID verification without a number.
    let e = sqlx::query(
        "INSERT INTO request_verifications
            (request_id, method, transaction_reference, evidence, verified_by, verified_at)
         SELECT id, 'ftn', 'tx', 'FTN', 'mallory', now() FROM requests WHERE reference = $1",
    )
    .bind(&refs["fx-erasure-aino"])
    .execute(desk.pool())
    .await
    .unwrap_err();
    assert!(e.to_string().contains("eid_has_returned_number"), "{e}");
}

/// Should a link of another person slip past the link check (here: triggers bypassed as a
/// replica would), no data leaves: the outbox and export gates compare the numbers again.
#[tokio::test]
async fn no_data_leaves_when_a_linked_person_does_not_have_the_eid_number() {
    let (_db, desk, refs) = ledger_desk().await;
    let r = refs["fx-access-anna"].clone();
    desk.link(&anna(), &r, Some("1"), fixture_now()).await.unwrap();
    desk.verify(&anna(), &r, &bankid(Some(ANNA)), fixture_now()).await.unwrap();
    let mut conn = desk.pool().acquire().await.unwrap();
    sqlx::query("SET session_replication_role = replica").execute(&mut *conn).await.unwrap();
    sqlx::query(
        "INSERT INTO request_subjects (request_id, person_id, match_reasons, linked_by, linked_at, personal_number)
         SELECT id, '2', '{name}', 'mallory', now(), $2 FROM requests WHERE reference = $1",
    )
    .bind(&r)
    .bind(OTHER_ANNA)
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query("SET session_replication_role = origin").execute(&mut *conn).await.unwrap();
    drop(conn);

    let dir = tempfile::tempdir().unwrap();
    let err =
        desk.export(&r, &ExportOptions::default(), dir.path(), &anna(), fixture_now()).await.unwrap_err();
    assert!(err.to_string().contains("ledger person 2 does not have the personal number"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    let e = sqlx::query(
        "INSERT INTO outbox (request_id, message_id, purpose, language, from_name, from_address, to_address,
                             subject, body, carries_data, next_attempt_at, queued_by, queued_at)
         SELECT id, '<x@example.se>', 'access', 'sv', 'DPO', 'dpo@example.se', 'anna@example.se',
                'Registerutdrag', 'data', true, now(), 'mallory', now() FROM requests WHERE reference = $1",
    )
    .bind(&r)
    .execute(desk.pool())
    .await
    .unwrap_err();
    assert!(e.to_string().contains("does not have the personal number the e-ID returned"), "{e}");
}

/// Issue 19 §4: linking a different person after verification is refused — the verification was
/// about the persons linked when it was made; a person the e-ID itself proved (the same number)
/// may still be linked.
#[tokio::test]
async fn linking_another_person_after_verification_is_refused_unless_the_eid_proved_them() {
    let (_db, desk, refs) = ledger_desk().await;
    let r = refs["fx-access-anna"].clone();
    desk.link(&anna(), &r, Some("1"), fixture_now()).await.unwrap();
    desk.verify(&anna(), &r, &bankid(Some(ANNA)), fixture_now()).await.unwrap();
    let err = desk.link(&anna(), &r, Some("2"), fixture_now()).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("ledger person 2 cannot be linked now"), "{text}");
    assert!(text.contains("not the one the e-ID returned"), "{text}");
    assert!(text.contains("register a new request"), "says what to do: {text}");
    assert_eq!(
        count(
            &desk,
            "SELECT count(*) FROM request_subjects s JOIN requests r ON r.id = s.request_id WHERE r.reference = $1",
            &r
        )
        .await,
        1
    );
    // A second ledger record of the same person (same personnummer, e.g. an older address):
    // the e-ID proved it is the requester, so it may be linked.
    sqlx::query(
        "INSERT INTO ledger.persons (id, role, country, personal_number, first_name, last_name, email, created_on)
         VALUES (7, 'debtor', 'SE', $1, 'Anna', 'Svensson', 'anna.svensson@example.se', '2015-01-01')",
    )
    .bind(ANNA)
    .execute(desk.pool())
    .await
    .unwrap();
    desk.link(&anna(), &r, Some("7"), fixture_now()).await.expect("the same number may be linked");
}

/// After a verification by another method (no number to prove anyone), no person is added.
#[tokio::test]
async fn linking_after_a_document_verification_is_refused() {
    let (_db, desk, refs) = ledger_desk().await;
    let r = refs["fx-access-anna"].clone();
    desk.link(&anna(), &r, Some("1"), fixture_now()).await.unwrap();
    let doc = Verification {
        method: VerificationMethod::IdDocument,
        transaction_reference: None,
        evidence: "passport copy checked".into(),
        returned_number: None,
    };
    desk.verify(&anna(), &r, &doc, fixture_now()).await.unwrap();
    let err = desk.link(&anna(), &r, Some("2"), fixture_now()).await.unwrap_err();
    assert!(err.to_string().contains("does not cover a person linked after it"), "{err}");
    // Unlinking stays possible (it discloses nothing); linking back is refused the same way.
    desk.unlink(&anna(), &r, "1", fixture_now()).await.unwrap();
    assert!(desk.link(&anna(), &r, Some("1"), fixture_now()).await.is_err());
}

/// The same path by key presses on the desk: link Anna on the identity panel, verify with the
/// other Anna's number → refused as the number is typed, on the status line; nothing stored.
#[tokio::test]
async fn desk_bankid_returning_another_persons_number_is_refused() {
    let (_db, desk, refs) = ledger_desk().await;
    let r = refs["fx-access-anna"].clone();
    let mut h = open_ledger(&desk, 80, 24, false).await;
    open_reference(&mut h, &r).await;
    h.keys("i").await;
    h.keys("L y").await;
    assert_eq!(
        count(
            &desk,
            "SELECT count(*) FROM request_subjects s JOIN requests r ON r.id = s.request_id
             WHERE r.reference = $1 AND s.person_id = '1'",
            &r
        )
        .await,
        1,
        "{}",
        h.screen()
    );
    h.keys("v enter").await;
    h.type_text("bankid-tx-1").await;
    h.keys("enter").await;
    h.type_text(OTHER_ANNA).await;
    h.keys("enter").await;
    // Refused as soon as the number is typed (issue 15): no evidence is asked, nothing confirmed.
    assert!(!h.text().contains("What was seen?"), "{}", h.screen());
    let status = h.app.status.as_ref().map(|s| s.text.clone()).unwrap_or_default();
    assert!(status.contains("not verified"), "{status}");
    h.keys("esc").await;
    assert!(!h.text().contains("as verified?"), "{}", h.screen());
    assert_eq!(verifications(&desk, &r).await, 0);
    assert!(!h.text().contains("✓ verified"), "{}", h.screen());
    let dir = tempfile::tempdir().unwrap();
    assert!(desk.export(&r, &ExportOptions::default(), dir.path(), &anna(), fixture_now()).await.is_err());
}

/// A linked person without a number recorded with the link (the ledger has none): an e-ID
/// cannot prove the requester is them — refused, with what to do.
#[tokio::test]
async fn bankid_is_refused_for_a_linked_person_without_a_number() {
    let (_db, desk, refs) = ledger_desk().await;
    let r = refs["fx-access-anna"].clone();
    sqlx::query("UPDATE ledger.persons SET personal_number = NULL WHERE id = 1")
        .execute(desk.pool())
        .await
        .unwrap();
    desk.link(&anna(), &r, Some("1"), fixture_now()).await.unwrap();
    let err = desk.verify(&anna(), &r, &bankid(Some(ANNA)), fixture_now()).await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("has no personal number recorded with the link"), "{text}");
    assert!(text.contains("another method"), "{text}");
    assert_eq!(verifications(&desk, &r).await, 0);
}
