//! The new-request form (`N`, issue 16 §3) by real key presses on a headless desk: a letter typed
//! in, an invalid personal number refused on its field with nothing stored, then stored with the
//! receipt the DPO typed (the controller's local time), and a likely duplicate shown first.
//! Snapshots at 80x24 and 160x48.

mod tui_support;

use chrono::{DateTime, TimeZone, Utc};
use dsrdesk::testing::fresh_database;
use insta::assert_snapshot;
use tui_support::*;

async fn fill(h: &mut dsrdesk::tui::headless::Headless, number: &str) {
    h.keys("N").await;
    h.type_text("access").await;
    // controller SE, received (replaced), channel letter.
    h.keys("tab tab").await;
    for _ in 0..16 {
        h.keys("backspace").await;
    }
    h.type_text("2026-03-06 23:30").await;
    h.keys("tab tab").await;
    h.type_text("Åsa Öberg").await;
    h.keys("tab").await;
    h.type_text(number).await;
    h.keys("tab").await;
    h.type_text("Storgatan 1, 111 22 Stockholm").await;
    h.keys("tab tab tab tab").await;
    h.type_text("Jag vill ha ett registerutdrag.").await;
}

#[tokio::test]
async fn a_letter_is_entered_refused_on_its_field_then_stored_with_the_typed_receipt() {
    let db = fresh_database().await;
    let desk = dsrdesk::service::Desk::new(db.pool.clone(), dsrdesk::config::Config::default());
    let mut h = open(&desk, 80, 24).await;
    // 811218-9875: the check digit is wrong (DOMAIN.md: Luhn gives 6).
    fill(&mut h, "811218-9875").await;
    h.keys("ctrl-s").await;
    let screen = h.screen();
    assert!(screen.contains("pers. no.:"), "the error is on its field:\n{screen}");
    assert_snapshot!("new_request_refused_80x24", screen);
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM requests").fetch_one(&db.pool).await.unwrap();
    assert_eq!(count, 0, "nothing stored until it is all valid");

    // Corrected: the field at fault has the focus; its last digit.
    h.keys("backspace").await;
    h.type_text("6").await;
    h.keys("ctrl-s").await;
    let (reference, channel, number, received_at, due_on): (
        String,
        String,
        String,
        DateTime<Utc>,
        chrono::NaiveDate,
    ) = sqlx::query_as(
        "SELECT reference, channel::text, requester_personal_number, received_at, due_on FROM requests",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", h.screen()));
    assert_eq!(channel, "letter");
    assert_eq!(number, "19811218-9876");
    // 23:30 on 6 Mar in Stockholm (CET) is 22:30 UTC; received 6 Mar, due 6 Apr 2026 — Easter
    // Monday, a holiday: the next working day, Tuesday 7 Apr.
    assert_eq!(received_at, Utc.with_ymd_and_hms(2026, 3, 6, 22, 30, 0).unwrap());
    assert_eq!(due_on, chrono::NaiveDate::from_ymd_opt(2026, 4, 7).unwrap());
    assert!(h.text().contains(&reference), "its request opens:\n{}", h.screen());
}

#[tokio::test]
async fn the_form_at_both_sizes_and_a_duplicate_shown_before_storing() {
    let db = fresh_database().await;
    let desk = dsrdesk::service::Desk::new(db.pool.clone(), dsrdesk::config::Config::default());
    for (w, hgt) in [(80, 24), (160, 48)] {
        let mut h = open(&desk, w, hgt).await;
        fill(&mut h, "811218-9876").await;
        assert_snapshot!(format!("new_request_{w}x{hgt}"), h.screen());
    }
    let mut h = open(&desk, 80, 24).await;
    fill(&mut h, "811218-9876").await;
    h.keys("ctrl-s").await;
    let mut h = open(&desk, 80, 24).await;
    fill(&mut h, "811218-9876").await;
    h.keys("ctrl-s").await;
    let screen = h.screen();
    assert!(screen.contains("Likely duplicate") && screen.contains("DSR-2026-000001"), "{screen}");
    h.keys("n").await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM requests").fetch_one(&db.pool).await.unwrap();
    assert_eq!(count, 1, "cancelled: the duplicate was not stored");
}
