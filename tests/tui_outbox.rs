//! Issue 15, "Replies you can see", by real key presses against the ledger fixture: the outbox
//! screen (each state with what to do, `outbox resolve` from the desk, read-only refused), the
//! overview's failed and uncertain counts, a relay that is down on the status line, a reply's
//! state following the outbox's NOTIFY without ctrl-r, an auditor reading the exact message sent,
//! and the bundle's passphrase in a dialog that stays (OSC 52 only where the config allows it).

mod tui_support;

use chrono::Duration;
use dsrdesk::config::{Config, SmtpSettings};
use dsrdesk::service::outbox::Mailer;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::outbox::{self as outbox, AttemptOutcome, NewAttachment, NewOutgoing, OutboxState};
use dsrdesk::testing::{fixture_now, verify_by_bankid};
use dsrdesk::tui::action::{Action, Change, Failure, FailureKind};
use dsrdesk::tui::app::{Mode, READ_ONLY, osc52_sequence};
use dsrdesk::tui::headless::Headless;
use tui_support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

fn status(h: &Headless) -> String {
    h.app.status.as_ref().map(|s| s.text.clone()).unwrap_or_default()
}

async fn link_and_verify(desk: &Desk, reference: &str) {
    let op = Operator::new("mikko.dpo");
    desk.link(&op, reference, Some("1"), fixture_now()).await.unwrap();
    verify_by_bankid(desk, &op, reference).await;
}

async fn request_id(desk: &Desk, reference: &str) -> i64 {
    sqlx::query_scalar("SELECT id FROM requests WHERE reference = $1")
        .bind(reference)
        .fetch_one(desk.pool())
        .await
        .unwrap()
}

fn reply(request_id: i64, to: &str, subject: &str) -> NewOutgoing {
    NewOutgoing {
        request_id,
        purpose: "acknowledgement".into(),
        language: "sv".into(),
        from_name: "Exempel Inkasso AB".into(),
        from_address: "dataskydd@exempelinkasso.example".into(),
        to_name: None,
        to_address: to.into(),
        subject: subject.into(),
        body: "Hej,\n\nvi har tagit emot din begäran.\n".into(),
        carries_data: false,
        attachments: Vec::new(),
        queued_by: "anna.dpo".into(),
    }
}

/// Queue `message`; with an outcome, take it for an attempt and record how the attempt ended,
/// as the sender does (store::outbox), so each state is reached the way it is in production.
async fn queue_with(
    desk: &Desk,
    message: &NewOutgoing,
    outcome: Option<AttemptOutcome>,
    minutes: i64,
) -> i64 {
    let at = fixture_now() - Duration::minutes(minutes);
    let mut tx = desk.pool().begin().await.unwrap();
    let queued = outbox::enqueue(&mut tx, message, at).await.expect("queued");
    tx.commit().await.unwrap();
    if let Some(outcome) = outcome {
        let mut tx = desk.pool().begin().await.unwrap();
        let claimed = outbox::claim_due(&mut tx, at, at + Duration::minutes(5), 10).await.unwrap();
        let row = claimed.into_iter().find(|r| r.id == queued.id).expect("claimed");
        tx.commit().await.unwrap();
        let mut tx = desk.pool().begin().await.unwrap();
        assert!(outbox::record_outcome(&mut tx, &row, &outcome, at, "test (outbox)").await.unwrap());
        tx.commit().await.unwrap();
    }
    queued.id
}

/// One message in each state a DPO meets: failed, uncertain, retry, queued. Returns their ids.
async fn four_states(desk: &Desk, reference: &str) -> [i64; 4] {
    let id = request_id(desk, reference).await;
    let failed = queue_with(
        desk,
        &reply(id, "nobody@example.se", "Mottagningsbekräftelse A"),
        Some(AttemptOutcome::Failed { error: "550 5.1.1 <nobody@example.se>: user unknown".into() }),
        40,
    )
    .await;
    let uncertain = queue_with(
        desk,
        &reply(id, "asa@example.se", "Mottagningsbekräftelse B"),
        Some(AttemptOutcome::Uncertain { error: "no answer after the end of data".into() }),
        30,
    )
    .await;
    let retry = queue_with(
        desk,
        &reply(id, "asa@example.se", "Mottagningsbekräftelse C"),
        Some(AttemptOutcome::Retry {
            error: "451 4.3.0 try again later".into(),
            next_attempt_at: fixture_now() + Duration::minutes(2),
        }),
        20,
    )
    .await;
    let queued = queue_with(desk, &reply(id, "asa@example.se", "Mottagningsbekräftelse D"), None, 10).await;
    [failed, uncertain, retry, queued]
}

async fn state_of(desk: &Desk, id: i64) -> (OutboxState, Option<String>) {
    let mut conn = desk.pool().acquire().await.unwrap();
    let row = outbox::fetch(&mut conn, id).await.unwrap().expect("row");
    (row.state, row.resolved_by)
}

#[tokio::test]
async fn the_outbox_screen_shows_each_state_with_what_to_do_and_resolves_an_uncertain_one() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    let [failed, uncertain, _, _] = four_states(&desk, &r).await;
    for (w, h_) in SIZES {
        let mut h = open_ledger(&desk, w, h_, false).await;
        h.keys("M").await;
        let screen = h.text();
        for count in ["failed 1", "uncertain 1", "retry 1", "queued 1", "sending 0"] {
            assert!(screen.contains(count), "{count}:\n{screen}");
        }
        // The failed one is first (it waits for the operator), with its error and what to do.
        assert!(screen.contains("Failed: 550 5.1.1") && screen.contains("Fix the address"), "{screen}");
        assert!(screen.contains("resend it (r)"), "{screen}");
        insta::assert_snapshot!(format!("outbox_{w}x{h_}"), h.screen());
        h.keys("j").await;
        let screen = h.text();
        assert!(screen.contains("relay may have delivered") && screen.contains("Message-ID"), "{screen}");
    }
    let mut h = open_ledger(&desk, 80, 24, false).await;
    // `s` steps through the states; `:outbox uncertain` goes straight there.
    h.keys("M s").await;
    assert!(h.text().contains("showing failed") && !h.text().contains("Bekräftelse B"), "{}", h.text());
    // A failed message never reached the server: it cannot be recorded sent.
    h.keys("d").await;
    assert!(status(&h).contains("only an uncertain message"), "{}", status(&h));
    assert_eq!(state_of(&desk, failed).await.0, OutboxState::Failed);
    h.keys(":").await;
    h.type_text("outbox uncertain").await;
    h.keys("enter").await;
    assert!(h.text().contains("showing uncertain"), "{}", h.text());
    h.keys("d").await;
    assert!(matches!(h.app.mode, Mode::Confirm(_)), "asks first");
    h.keys("y").await;
    assert!(status(&h).contains(&format!("message #{uncertain} recorded as sent")), "{}", status(&h));
    assert_eq!(state_of(&desk, uncertain).await, (OutboxState::Sent, Some("anna.dpo".into())));
    // And a failed one is sent again from the desk (same Message-ID: store::outbox::resolve).
    h.keys(":").await;
    h.type_text("outbox failed").await;
    h.keys("enter r y").await;
    assert_eq!(state_of(&desk, failed).await.0, OutboxState::Queued, "{}", status(&h));
}

#[tokio::test]
async fn a_read_only_desk_sees_the_outbox_but_cannot_resolve() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    let [_, uncertain, _, _] = four_states(&desk, &r).await;
    let mut h = open_ledger(&desk, 80, 24, true).await;
    h.keys(":").await;
    h.type_text("outbox uncertain").await;
    h.keys("enter").await;
    assert!(h.text().contains("relay may have delivered"), "{}", h.text());
    let words = h.text().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("not on this read-only desk"), "{}", h.text());
    assert!(!h.text().contains("record sent"), "not offered:\n{}", h.text());
    h.keys("d").await;
    assert_eq!(status(&h), READ_ONLY);
    h.keys("r").await;
    assert_eq!(status(&h), READ_ONLY);
    assert_eq!(state_of(&desk, uncertain).await.0, OutboxState::Uncertain);
}

#[tokio::test]
async fn the_overview_counts_failed_and_uncertain_replies() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    four_states(&desk, &r).await;
    for (w, h_) in SIZES {
        let h = open_ledger(&desk, w, h_, false).await;
        assert!(h.text().contains("replies: 1 failed · 1 uncertain (M)"), "{}", h.text());
        insta::assert_snapshot!(format!("overview_outbox_{w}x{h_}"), h.screen());
    }
}

#[tokio::test]
async fn a_relay_that_is_down_says_so_on_the_status_line() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    let id = request_id(&desk, &r).await;
    queue_with(&desk, &reply(id, "asa@example.se", "Mottagningsbekräftelse"), None, 1).await;
    // Nothing listens on port 1: the pass the desk's sender makes reports a retry and why.
    let settings = SmtpSettings {
        url: Some("smtp://127.0.0.1:1".into()),
        timeout_secs: Some(5),
        ..SmtpSettings::default()
    };
    let config = dsrdesk::mail::smtp::resolve(&settings, |_| None).unwrap().expect("configured");
    let mailer = Mailer::new(&config, "anna.dpo (outbox)").unwrap();
    let report = desk.deliver_due(&mailer, fixture_now()).await.unwrap();
    assert_eq!(report.retry, 1, "{report:?}");
    let mut h = open_ledger(&desk, 80, 24, false).await;
    h.dispatch(Action::OutboxPass(Ok(report))).await;
    let text = status(&h);
    assert!(text.starts_with("outbox: 1 to retry — relay: "), "{text}");
    assert!(text.contains("(M: the outbox)"), "{text}");
    // A pass that could not run at all says so too.
    let down = Failure { kind: FailureKind::Trouble, message: "database: connection refused".into() };
    h.dispatch(Action::OutboxPass(Err(down))).await;
    assert!(status(&h).starts_with("outbox sender: database: connection refused"), "{}", status(&h));
}

#[tokio::test]
async fn a_replys_state_on_the_request_follows_the_outbox_without_ctrl_r() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    let id = request_id(&desk, &r).await;
    let mut h = open_ledger(&desk, 120, 36, false).await;
    let message = queue_with(&desk, &reply(id, "nobody@example.se", "Mottagningsbekräftelse"), None, 1).await;
    open_reference(&mut h, &r).await;
    assert!(h.text().contains(&format!("#{message} acknowledgement")), "{}", h.text());
    assert!(!h.text().contains("FAILED"));
    // Another process (the sender) records the failure; the desk hears the outbox's NOTIFY.
    let mut listener = dsrdesk::store::notify::ChangeListener::connect(desk.pool()).await.unwrap();
    let mut tx = desk.pool().begin().await.unwrap();
    let row = outbox::claim_due(&mut tx, fixture_now(), fixture_now() + Duration::minutes(5), 10)
        .await
        .unwrap()
        .pop()
        .expect("due");
    tx.commit().await.unwrap();
    let mut tx = desk.pool().begin().await.unwrap();
    let failed = AttemptOutcome::Failed { error: "550 5.1.1 user unknown".into() };
    outbox::record_outcome(&mut tx, &row, &failed, fixture_now(), "test (outbox)").await.unwrap();
    tx.commit().await.unwrap();
    let mut change = None;
    // The claim notifies too; the desk merges whatever came within a moment.
    while let Ok(heard) = tokio::time::timeout(std::time::Duration::from_secs(2), listener.next()).await {
        match heard {
            dsrdesk::store::notify::Heard::Notice(payload) => {
                let c = Change::from_payload(&payload);
                assert!(c.touches(&r) && c.references.is_some(), "{payload}");
                change.get_or_insert_with(Change::default).merge(c);
            }
            other => panic!("{other:?}"),
        }
    }
    let change = change.expect("the outbox notified");
    h.dispatch(Action::Changed(change)).await;
    assert!(h.text().contains("FAILED: 550 5.1.1 user unknown"), "{}", h.text());
}

#[tokio::test]
async fn an_auditor_reads_the_exact_text_and_headers_of_a_sent_reply() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    link_and_verify(&desk, &r).await;
    let id = request_id(&desk, &r).await;
    let mut message = reply(id, "anna.andersson@example.se", "Registerutdrag DSR");
    // A bidi override in the text (allowed in a body) must reach the screen escaped.
    message.body = "Hej Anna,\n\nhär är ditt registerutdrag.\u{202e}gnirts\n\nMed vänlig hälsning\n".into();
    message.carries_data = true;
    message.attachments = vec![NewAttachment {
        file_name: "registerutdrag.html".into(),
        content_type: "text/html; charset=utf-8".into(),
        content: b"<html>ok</html>".to_vec(),
    }];
    let sent = AttemptOutcome::Sent { response: "250 2.0.0 Ok: queued as 4BC2F1A0C3".into() };
    let id = queue_with(&desk, &message, Some(sent), 5).await;
    for (w, h_) in SIZES {
        let mut h = open_ledger(&desk, w, h_, true).await;
        open_reference(&mut h, &r).await;
        // `m`: the request's replies; enter opens the selected one.
        h.keys("m").await;
        assert!(h.text().contains(&format!("Replies of {r}")), "{}", h.text());
        h.keys("enter").await;
        let screen = h.text();
        assert_eq!(h.app.screen, dsrdesk::tui::app::Screen::Message(id));
        for expected in [
            "From: \"Exempel Inkasso AB\" <dataskydd@exempelinkasso.example>",
            "To: anna.andersson@example.se",
            "Subject: Registerutdrag DSR",
            "Message-ID: <",
            "här är ditt registerutdrag.",
            "250 2.0.0 Ok: queued as 4BC2F1A0C3",
            "sent 2026-11-21",
        ] {
            assert!(screen.contains(expected), "{expected}:\n{screen}");
        }
        assert_terminal_safe(&h.screen());
        // The Message-ID is new for each message: the picture shows a stand-in of its width.
        let message_id = h.app.message.load.data.as_ref().unwrap().record.message_id.clone();
        let stand_in = format!("<{}@exempelinkasso.example>", "X".repeat(36));
        insta::assert_snapshot!(format!("message_{w}x{h_}"), h.screen().replace(&message_id, &stand_in));
        // The attachments' names are at the end: `G` brings them up.
        h.keys("G").await;
        let screen = h.text();
        assert!(screen.contains("registerutdrag.html (text/html; charset=utf-8, 15 bytes"), "{screen}");
        assert!(screen.contains("Med vänlig hälsning"), "the last line of the text stays in view:\n{screen}");
    }
}

#[tokio::test]
async fn the_bundle_passphrase_stays_in_a_dialog_until_dismissed() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    link_and_verify(&desk, &r).await;
    let out = tempfile::tempdir().unwrap();
    let mut h = open_ledger(&desk, 80, 24, false).await;
    open_reference(&mut h, &r).await;
    // X, the third choice (the bundle, encrypted), the directory.
    h.keys("X j j enter ctrl-u").await;
    h.type_text(&out.path().display().to_string()).await;
    h.keys("enter").await;
    let Mode::Notice(notice) = h.app.mode.clone() else { panic!("no dialog: {}", status(&h)) };
    let passphrase = notice.secret.clone().expect("the passphrase");
    assert!(h.text().contains(&passphrase), "{}", h.text());
    assert!(!status(&h).contains(&passphrase), "not on the status line: {}", status(&h));
    // Another message on the status line does not take it away.
    let trouble = Failure { kind: FailureKind::Trouble, message: "database: connection refused".into() };
    h.dispatch(Action::Worker(Err(trouble))).await;
    assert!(status(&h).starts_with("erasure worker"), "{}", status(&h));
    assert!(h.text().contains(&passphrase), "{}", h.text());
    // The passphrase is new each time: the picture shows a stand-in of the same width.
    insta::assert_snapshot!(
        "passphrase_dialog_80x24",
        h.screen().replace(&passphrase, &"X".repeat(passphrase.chars().count()))
    );
    // Other keys do nothing while it is up.
    h.keys("2 j").await;
    assert!(h.text().contains(&passphrase));
    // Copying is off by default: nothing goes to the terminal.
    h.keys("c").await;
    assert_eq!(h.app.clipboard, None);
    assert!(h.text().contains("copying is off"), "{}", h.text());
    h.keys("enter").await;
    assert_eq!(h.app.mode, Mode::Normal);
    assert!(!h.text().contains(&passphrase), "{}", h.text());
}

#[tokio::test]
async fn osc_52_is_sent_only_where_the_config_allows_it() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    link_and_verify(&desk, &r).await;
    let out = tempfile::tempdir().unwrap();
    let mut settings = settings(&anna(), false);
    settings.config.desk.osc52_clipboard = true;
    let mut h = Headless::start(desk.clone(), anna(), settings, fixture_now(), 80, 24).await;
    open_reference(&mut h, &r).await;
    h.keys("X j j enter ctrl-u").await;
    h.type_text(&out.path().display().to_string()).await;
    h.keys("enter").await;
    let Mode::Notice(notice) = h.app.mode.clone() else { panic!("no dialog: {}", status(&h)) };
    let passphrase = notice.secret.expect("the passphrase");
    h.keys("c").await;
    assert_eq!(h.app.clipboard, Some(osc52_sequence(&passphrase)));
    // The sequence is handed to the terminal beside the frame, never drawn into a cell.
    assert_terminal_safe(&h.screen());
}

#[test]
fn the_osc_52_sequence_carries_the_text_in_base64_and_is_off_by_default() {
    // xterm ctlseqs: OSC 5 2 ; Pc ; Pd BEL, Pd base64 (RFC 4648: "hunter2" is aHVudGVyMg==).
    assert_eq!(osc52_sequence("hunter2"), "\u{1b}]52;c;aHVudGVyMg==\u{7}");
    assert!(!Config::default().desk.osc52_clipboard, "never by default");
    let path = std::path::Path::new("/etc/dsrdesk/config.toml");
    assert!(!Config::parse("", path).unwrap().desk.osc52_clipboard);
    assert!(Config::parse("[desk]\nosc52_clipboard = true\n", path).unwrap().desk.osc52_clipboard);
    assert!(Config::parse("[desk]\nosc52 = true\n", path).is_err(), "a misspelt key is refused");
}
