//! The inbox screen and the request's conversation (issue 16), by real key presses on a headless
//! desk against a real database, with snapshots at 80x24 and 160x48. The messages are taken in
//! through the same path `mail fetch` uses (`Desk::take_in`), with fixed arrival times.

mod tui_support;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dsrdesk::domain::Jurisdiction;
use dsrdesk::mail::inbox::{Arrival, Origin};
use dsrdesk::service::Desk;
use dsrdesk::service::inbox::TakenIn;
use dsrdesk::testing::{TestDatabase, fresh_database};
use insta::assert_snapshot;
use tui_support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn arrival(uid: u32, jurisdiction: Jurisdiction, at: DateTime<Utc>, raw: &str) -> Arrival {
    Arrival {
        mailbox: if jurisdiction == Jurisdiction::Sweden { "se-dataskydd" } else { "fi-tietosuoja" }.into(),
        jurisdiction,
        origin: Origin::Imap { uid_validity: 1, uid },
        raw: raw.as_bytes().to_vec(),
        size: raw.len() as u64,
        too_large: false,
        received_at: at,
    }
}

const ASA: &str = "From: =?utf-8?q?=C3=85sa_=C3=96berg?= <asa.oberg@example.se>\r\nTo: dataskydd@exempelinkasso.example\r\nSubject: =?utf-8?q?Beg=C3=A4ran_om_registerutdrag?=\r\nMessage-ID: <asa-1@example.se>\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nHej,\r\njag vill ha ett registerutdrag och att ni raderar mina uppgifter.\r\nMvh Åsa\r\n";

const MATTI: &str = "From: Matti Meikalainen <matti@example.fi>\r\nSubject: Tietopyynto\r\nMessage-ID: <matti-1@example.fi>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHei, haluan tietoni. Liitteena valtakirja.\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"valtakirja.pdf\"\r\n\r\n%PDF-1.4 not opened\r\n--b--\r\n";

const EVE: &str = "From: =?utf-8?q?Eve=1B[2J?= <eve@example.com>\r\nSubject: =?utf-8?q?URGENT=1B]0;pwned=07_=E2=80=AEfdp.exe?=\r\nMessage-ID: <eve-1@example.com>\r\nContent-Type: text/plain\r\n\r\nclick\x1b[5m here\r\n";

/// Three messages waiting (oldest first: Åsa 2 Mar, Matti 5 Mar, Eve 9 Mar) and an open request
/// Matti's message could belong to.
async fn inbox_desk() -> (TestDatabase, Desk, Vec<i64>) {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), dsrdesk::config::Config::default());
    let mut ids = Vec::new();
    for a in [
        arrival(1, Jurisdiction::Sweden, Utc.with_ymd_and_hms(2026, 3, 2, 7, 0, 0).unwrap(), ASA),
        arrival(1, Jurisdiction::Finland, Utc.with_ymd_and_hms(2026, 3, 5, 20, 0, 0).unwrap(), MATTI),
        arrival(2, Jurisdiction::Sweden, Utc.with_ymd_and_hms(2026, 3, 9, 22, 30, 0).unwrap(), EVE),
    ] {
        match desk.take_in(&anna(), &a).await.unwrap() {
            TakenIn::Stored { id, threaded_to: None } => ids.push(id),
            other => panic!("{other:?}"),
        }
    }
    (db, desk, ids)
}

#[tokio::test]
async fn the_inbox_lists_oldest_first_with_age_and_the_due_date_it_would_have() {
    let (_db, desk, _) = inbox_desk().await;
    for (w, h) in SIZES {
        let mut desk_view = open(&desk, w, h).await;
        desk_view.keys("4").await;
        let screen = desk_view.screen();
        assert_terminal_safe(&screen);
        // Art. 12(3): received 2 Mar (Stockholm), due 2 Apr 2026 (a Thursday), 8 days old on 10 Mar.
        let text = desk_view.text();
        let asa = text.lines().find(|l| l.contains("asa.oberg")).expect("Åsa's row");
        assert!(asa.contains("2026-04-02") && asa.contains("8 days"), "{asa}");
        let rows: Vec<usize> =
            ["asa.oberg", "matti@", "eve@"].iter().map(|s| text.find(s).expect("each one listed")).collect();
        assert!(rows[0] < rows[1] && rows[1] < rows[2], "oldest first:\n{text}");
        assert_snapshot!(format!("inbox_{w}x{h}"), screen);
    }
}

#[tokio::test]
async fn the_overview_counts_the_inbox_and_names_the_oldest() {
    let (_db, desk, _) = inbox_desk().await;
    let desk_view = open(&desk, 80, 24).await;
    let text = desk_view.text();
    assert!(text.contains("inbox: 3 waiting, oldest 8 days old"), "{text}");
}

#[tokio::test]
async fn making_two_requests_setting_one_aside_and_attaching_by_keys() {
    let (db, desk, ids) = inbox_desk().await;
    let mut h = open(&desk, 80, 24).await;
    // Åsa's mail asks for access and erasure: two requests from one message.
    h.keys("4 r").await;
    h.type_text("access erasure").await;
    h.keys("enter").await;
    let made: Vec<(String, String, DateTime<Utc>, NaiveDate)> = sqlx::query_as(
        "SELECT r.reference, r.kind::text, r.received_at, r.due_on FROM requests r
           JOIN inbox_message_requests l ON l.request_id = r.id AND l.role = 'original'
          WHERE l.message_id = $1 ORDER BY r.id",
    )
    .bind(ids[0])
    .fetch_all(&db.pool)
    .await
    .unwrap();
    assert_eq!(made.len(), 2, "{}", h.screen());
    assert_eq!((made[0].1.as_str(), made[1].1.as_str()), ("access", "erasure"));
    for (_, _, received_at, due_on) in &made {
        assert_eq!(
            *received_at,
            Utc.with_ymd_and_hms(2026, 3, 2, 7, 0, 0).unwrap(),
            "the arrival is the receipt"
        );
        assert_eq!(*due_on, NaiveDate::from_ymd_opt(2026, 4, 2).unwrap());
    }
    assert!(h.text().contains(&made[0].0), "the status line names them:\n{}", h.screen());

    // Eve's mail is not a request (now the second row).
    h.keys("j d").await;
    h.type_text("phishing").await;
    h.keys("enter").await;
    let (state, reason): (String, Option<String>) =
        sqlx::query_as("SELECT state, not_a_request_reason FROM inbox_messages WHERE id = $1")
            .bind(ids[2])
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((state.as_str(), reason.as_deref()), ("not_a_request", Some("phishing")), "{}", h.screen());

    // Matti's mail is attached to Åsa's access request (a stand-in for "the subject's answer").
    h.keys("g a").await;
    h.type_text(&made[0].0).await;
    h.keys("enter").await;
    let state: String = sqlx::query_scalar("SELECT state FROM inbox_messages WHERE id = $1")
        .bind(ids[1])
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(state, "attached", "{}", h.screen());
    assert!(h.text().contains("The inbox is empty"), "{}", h.screen());

    // A second try on a handled message is impossible: it is no longer listed. Every change has
    // its event.
    let events: Vec<String> =
        sqlx::query_scalar("SELECT action FROM inbox_events WHERE action <> 'arrived' ORDER BY id")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert_eq!(events, vec!["made_request", "not_a_request", "attached"]);
}

#[tokio::test]
async fn a_likely_duplicate_is_shown_before_creating_and_cancel_creates_nothing() {
    let (db, desk, ids) = inbox_desk().await;
    desk.make_requests(&anna(), ids[0], &[dsrdesk::domain::RequestKind::Access], None, fixed_now())
        .await
        .unwrap();
    // Åsa writes again, asking for access once more.
    let again = ASA.replace("asa-1@", "asa-2@").replace("registerutdrag och", "registerutdrag igen och");
    desk.take_in(
        &anna(),
        &arrival(3, Jurisdiction::Sweden, Utc.with_ymd_and_hms(2026, 3, 9, 9, 0, 0).unwrap(), &again),
    )
    .await
    .unwrap();
    let mut h = open(&desk, 80, 24).await;
    h.keys("4 j").await;
    assert!(h.text().contains("asa.oberg"), "{}", h.screen());
    h.keys("r").await;
    h.type_text("access").await;
    h.keys("enter").await;
    let screen = h.screen();
    assert!(screen.contains("Likely duplicate") && screen.contains("DSR-2026-000001"), "{screen}");
    assert_snapshot!("inbox_duplicate_80x24", screen);
    h.keys("n").await;
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM requests").fetch_one(&db.pool).await.unwrap();
    assert_eq!(count, 1, "cancelled: nothing made");
}

#[tokio::test]
async fn the_request_shows_its_messages_in_and_out_as_one_conversation() {
    let (_db, desk, ids) = inbox_desk().await;
    let made = desk
        .make_requests(&anna(), ids[1], &[dsrdesk::domain::RequestKind::Access], None, fixed_now())
        .await
        .unwrap();
    desk.attach_message(&anna(), ids[2], &made[0]).await.unwrap();
    for (w, h) in SIZES {
        let mut desk_view = open(&desk, w, h).await;
        open_reference(&mut desk_view, &made[0]).await;
        let screen = desk_view.screen();
        assert_terminal_safe(&screen);
        let text = desk_view.text();
        assert!(text.contains("Conversation (2 in, 0 out)") && text.contains("valtakirja.pdf"), "{text}");
        assert_snapshot!(format!("conversation_{w}x{h}"), screen);
    }
}

#[tokio::test]
async fn resume_on_the_request_takes_the_arrival_of_the_answer_that_threaded_onto_it() {
    let (db, desk, ids) = inbox_desk().await;
    let made = desk
        .make_requests(&anna(), ids[0], &[dsrdesk::domain::RequestKind::Access], None, fixed_now())
        .await
        .unwrap();
    let reference = made[0].clone();
    // Art. 12(6): identity asked for on 3 Mar; the answer names the reference and arrives 6 Mar.
    desk.pause(&anna(), &reference, "personnummer", None, Utc.with_ymd_and_hms(2026, 3, 3, 9, 0, 0).unwrap())
        .await
        .unwrap();
    let answer = format!(
        "From: asa.oberg@example.se\r\nSubject: Re: {reference}\r\nMessage-ID: <asa-answer@example.se>\r\n\r\nMitt personnummer: 811218-9876\r\n"
    );
    let taken = desk
        .take_in(
            &anna(),
            &arrival(9, Jurisdiction::Sweden, Utc.with_ymd_and_hms(2026, 3, 6, 8, 0, 0).unwrap(), &answer),
        )
        .await
        .unwrap();
    assert!(matches!(&taken, TakenIn::Stored { threaded_to: Some(r), .. } if *r == reference), "{taken:?}");
    let mut h = open(&desk, 160, 48).await;
    open_reference(&mut h, &reference).await;
    assert!(h.text().contains("information arrived"), "{}", h.screen());
    h.keys("r").await;
    assert!(h.text().contains("on 2026-03-06"), "{}", h.screen());
    h.keys("y").await;
    // Paused 3 -> 6 Mar: 3 days. Received 2 Mar: one month is 2 Apr, + 3 days is Sunday 5 Apr
    // (Easter Sunday); Monday 6 Apr is Easter Monday: due Tuesday 7 Apr (Reg. 1182/71 art. 3(4)).
    let (paused_days, due_on): (i32, NaiveDate) =
        sqlx::query_as("SELECT paused_days, due_on FROM requests WHERE reference = $1")
            .bind(&reference)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((paused_days, due_on), (3, NaiveDate::from_ymd_opt(2026, 4, 7).unwrap()), "{}", h.screen());
}
