//! Issue 15: a new address is one correction, not three. The street, the postal code and the city
//! are typed one after another (`a` in the confirmation keeps each), confirmed once, made in one
//! transaction, and each recipient that received the data gets one Art. 19 task — not one per
//! field or per step. Ledger fixture (tests/fixtures/ledger.sql) at its fixed "now".

mod tui_support;

use dsrdesk::service::rights::Correction;
use dsrdesk::service::verify::{Verification, VerificationMethod};
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::fixture_now;
use tui_support::*;

async fn scalar_i64(desk: &Desk, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string())).fetch_one(desk.pool()).await.unwrap()
}

/// Link the certain candidate and verify by BankID with the linked person's number (Art. 12(6)).
async fn link_and_verify(desk: &Desk, reference: &str) {
    let op = Operator::new("mikko.dpo");
    desk.link(&op, reference, None, fixture_now()).await.unwrap();
    let returned =
        desk.subject_view(reference).await.unwrap().linked().next().unwrap().personal_number.clone();
    let v = Verification {
        method: VerificationMethod::BankId,
        transaction_reference: Some("bankid-tx-9".into()),
        evidence: "BankID signature in the portal".into(),
        returned_number: returned,
    };
    desk.verify(&op, reference, &v, fixture_now()).await.unwrap();
}

#[tokio::test]
async fn a_whole_address_is_corrected_in_one_step_with_one_task_per_recipient() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-rectify-anna"].clone();
    link_and_verify(&desk, &r).await;
    let events_before = scalar_i64(&desk, "SELECT count(*) FROM request_events").await;
    let mut h = open_ledger(&desk, 160, 48, false).await;
    open_reference(&mut h, &r).await;
    h.keys("R").await;
    // The person's fields: first_name, last_name, street, postal_code, city, ... (the data map).
    h.keys("j j enter").await;
    h.type_text("Storgatan 3").await;
    h.keys("enter").await;
    assert!(h.text().contains("another field"), "the confirmation offers another field: {}", h.screen());
    h.keys("a").await;
    assert!(h.text().contains("→ “Storgatan 3” (kept)"), "{}", h.screen());
    assert_eq!(
        scalar_i64(&desk, "SELECT count(*) FROM request_events").await,
        events_before,
        "nothing is changed while fields are kept"
    );
    h.keys("j enter").await;
    h.type_text("111 22").await;
    h.keys("enter a").await;
    h.keys("j enter").await;
    h.type_text("Uppsala").await;
    h.keys("enter").await;
    let text = h.text();
    assert!(text.contains("Rectify 3 fields of"), "{}", h.screen());
    for v in ["“Storgatan 3”", "“111 22”", "“Uppsala”"] {
        assert!(text.contains(&format!("requested  {v}")), "{v}: {}", h.screen());
    }
    h.keys("y").await;
    let (street, postal, city): (String, String, String) =
        sqlx::query_as("SELECT street, postal_code, city FROM ledger.persons WHERE id = 1")
            .fetch_one(desk.pool())
            .await
            .unwrap();
    assert_eq!((street.as_str(), postal.as_str(), city.as_str()), ("Storgatan 3", "111 22", "Uppsala"));
    assert_eq!(scalar_i64(&desk, "SELECT count(*) FROM request_events WHERE action = 'rectified'").await, 3);
    // Anna's data went to the client and to credit information (not to enforcement or a court):
    // one task each, for the three fields together.
    let tasks: Vec<(String, Vec<String>)> =
        sqlx::query_as("SELECT recipient, sources FROM recipient_tasks ORDER BY recipient")
            .fetch_all(desk.pool())
            .await
            .unwrap();
    assert_eq!(
        tasks,
        vec![
            ("Credit-information companies (UC, Asiakastieto)".to_string(), vec!["person".to_string()]),
            ("The client (creditor)".to_string(), vec!["person".to_string()]),
        ]
    );
    assert!(!h.text().contains("(kept)"), "made, no longer kept: {}", h.screen());
}

/// The command line corrects a field per call: a second call while the recipients' tasks are
/// still open widens those tasks instead of making the same recipients a second task; once a
/// recipient was told (ticked), a later correction makes a new task for that one — they must be
/// told of it too (Art. 19).
#[tokio::test]
async fn corrections_in_two_steps_leave_one_open_task_per_recipient() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-rectify-anna"].clone();
    link_and_verify(&desk, &r).await;
    let set = |column: &str, value: &str| Correction {
        source: "person".into(),
        row_id: "1".into(),
        column: column.into(),
        new_value: Some(value.into()),
    };
    desk.rectify(&anna(), &r, &[set("street", "Storgatan 3")], fixture_now()).await.unwrap();
    desk.rectify(&anna(), &r, &[set("postal_code", "111 22")], fixture_now()).await.unwrap();
    assert_eq!(scalar_i64(&desk, "SELECT count(*) FROM recipient_tasks").await, 2, "one per recipient");
    let client: i64 =
        sqlx::query_scalar("SELECT id FROM recipient_tasks WHERE recipient = 'The client (creditor)'")
            .fetch_one(desk.pool())
            .await
            .unwrap();
    desk.complete_recipient_task(&anna(), &r, client, fixture_now()).await.unwrap();
    desk.rectify(&anna(), &r, &[set("city", "Uppsala")], fixture_now()).await.unwrap();
    assert_eq!(scalar_i64(&desk, "SELECT count(*) FROM recipient_tasks").await, 3);
    assert_eq!(
        scalar_i64(&desk, "SELECT count(*) FROM recipient_tasks WHERE recipient = 'The client (creditor)' AND done_at IS NULL")
            .await,
        1,
        "the client, told of the street and postcode, is told of the city by a new task"
    );
    // A ticked task is evidence: its sources cannot be widened afterwards, even by the owner.
    let err = sqlx::query("UPDATE recipient_tasks SET sources = sources || '{cases}' WHERE id = $1")
        .bind(client)
        .execute(desk.pool())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("already done"), "{err}");
}
