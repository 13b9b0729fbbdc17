//! The reply composer driven by real key presses against the ledger fixture, delivered to a real
//! SMTP server on loopback (aiosmtpd): a verified access request answered with the access copy
//! attached; an erasure with holds answered with the partial refusal listing them; a draft that
//! survives a dropped session; read-only refused; snapshots of the three stages.

#[path = "support/smtp.rs"]
mod smtp;
mod tui_support;

use dsrdesk::config::SmtpSettings;
use dsrdesk::domain::RequestStatus;
use dsrdesk::service::outbox::Mailer;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{fixture_now, verify_by_bankid};
use dsrdesk::tui::action::Action;
use dsrdesk::tui::app::Mode;
use dsrdesk::tui::headless::Headless;
use smtp::SmtpServer;
use tui_support::*;

async fn link_and_verify(desk: &Desk, reference: &str) {
    let op = Operator::new("mikko.dpo");
    desk.link(&op, reference, Some("1"), fixture_now()).await.unwrap();
    verify_by_bankid(desk, &op, reference).await;
}

fn mailer(server: &SmtpServer) -> Mailer {
    let settings =
        SmtpSettings { url: Some(server.url()), timeout_secs: Some(10), ..SmtpSettings::default() };
    let config = dsrdesk::mail::smtp::resolve(&settings, |_| None).unwrap().expect("configured");
    Mailer::new(&config, "test (outbox)").unwrap()
}

fn status(h: &Headless) -> String {
    h.app.status.as_ref().map(|s| s.text.clone()).unwrap_or_default()
}

async fn draft_body(desk: &Desk, reference: &str) -> Option<String> {
    sqlx::query_scalar(
        "SELECT d.body FROM reply_drafts d JOIN requests r ON r.id = d.request_id WHERE r.reference = $1",
    )
    .bind(reference)
    .fetch_optional(desk.pool())
    .await
    .unwrap()
}

/// Move to the template named `name` in the menu (the list depends on the request's kind).
async fn choose(h: &mut Headless, name: &str) {
    let c = h.app.compose.as_ref().expect("composer open");
    let i = c.purposes.iter().position(|p| p.name() == name).unwrap_or_else(|| panic!("{name} not offered"));
    for _ in 0..i {
        h.keys("j").await;
    }
}

#[tokio::test]
async fn a_verified_access_request_gets_its_copy_by_mail_from_the_desk() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    link_and_verify(&desk, &r).await;
    let mut h = open_ledger(&desk, 100, 30, false).await;
    open_reference(&mut h, &r).await;
    h.keys("w").await;
    assert!(h.text().contains("access_reply"), "{}", h.screen());
    choose(&mut h, "access_reply").await;
    h.keys("a").await; // attach the access copy
    h.keys("enter").await;
    assert_eq!(h.app.mode, Mode::Edit, "{}", h.screen());
    // The subject is its own field; the cursor starts at the beginning of the body.
    assert!(h.text().contains("│Dina personuppgifter"), "{}", h.screen());
    h.type_text("Tack för ditt tålamod. ").await;
    // The clock ticks: the draft is saved.
    h.dispatch(Action::Tick(fixture_now())).await;
    assert!(draft_body(&desk, &r).await.is_some_and(|b| b.contains("Tack för ditt tålamod.")), "draft saved");

    h.keys("esc").await;
    let text = h.text();
    for expected in [
        "Preview: exactly what is sent",
        "To: Anna Svensson <anna.svensson@example.se>",
        &format!("Attachment: {r}-access-sv.html"),
        "Tack för ditt tålamod.",
    ] {
        assert!(text.contains(expected), "{expected}: {}", h.screen());
    }
    h.keys("s").await;
    assert!(h.text().contains("Send this access_reply"), "{}", h.screen());
    h.keys("y").await;
    assert!(status(&h).contains("queued"), "{}", h.screen());
    let detail = desk.detail(&r, fixture_now()).await.unwrap();
    assert_eq!(detail.request.status, RequestStatus::Answered, "answered with the reply, one transaction");
    assert_eq!(draft_body(&desk, &r).await, None, "the draft went with the reply");

    let server = SmtpServer::start();
    let report = desk.deliver_due(&mailer(&server), fixture_now()).await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    let received = server.received();
    assert_eq!(received.len(), 1);
    let m = &received[0];
    assert!(m.subject.contains(&r) && m.subject.contains("Dina personuppgifter"), "{m:?}");
    assert!(m.body.as_deref().is_some_and(|b| b.contains("Tack för ditt tålamod.")), "{m:?}");
    assert_eq!(m.attachments.len(), 1, "{m:?}");
    assert_eq!(m.attachments[0].file_name.as_deref(), Some(format!("{r}-access-sv.html").as_str()));
    assert!(m.attachments[0].size > 1000, "the access copy: {m:?}");
}

#[tokio::test]
async fn an_erasure_with_holds_gets_the_partial_refusal_listing_them() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-erasure-anna"].clone();
    link_and_verify(&desk, &r).await;
    let plan = desk.erasure_plan(&r, fixture_now()).await.unwrap();
    desk.execute_erasure(&Operator::new("mikko.dpo"), &r, &plan, fixture_now()).await.unwrap();

    let mut h = open_ledger(&desk, 100, 30, false).await;
    open_reference(&mut h, &r).await;
    h.keys("w").await;
    choose(&mut h, "erasure_partly_refused").await;
    h.keys("enter esc").await;
    let text = h.text();
    assert!(text.contains("fordran är obetald"), "{}", h.screen());
    h.keys("s y").await;
    assert!(status(&h).contains("queued"), "{}", h.screen());

    let server = SmtpServer::start();
    desk.deliver_due(&mailer(&server), fixture_now()).await.unwrap();
    let received = server.received();
    assert_eq!(received.len(), 1);
    let body = received[0].body.clone().unwrap_or_default();
    for expected in ["artikel 17.3 e", "sparas tills fordran är betald", "Integritetsskyddsmyndigheten (IMY)"]
    {
        assert!(body.contains(expected), "{expected}: {body}");
    }
}

#[tokio::test]
async fn a_draft_survives_a_dropped_session() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-erasure-lisa"].clone();
    {
        let mut h = open_ledger(&desk, 80, 24, false).await;
        open_reference(&mut h, &r).await;
        h.keys("w enter").await; // acknowledgement, the first template
        h.keys("down down").await;
        h.type_text("Halvfärdig mening").await;
        h.dispatch(Action::Tick(fixture_now())).await;
        // The SSH session drops: the desk is gone without Esc or send.
    }
    assert!(draft_body(&desk, &r).await.is_some_and(|b| b.contains("Halvfärdig mening")));
    let mut h = open_ledger(&desk, 80, 24, false).await;
    open_reference(&mut h, &r).await;
    h.keys("w").await;
    assert_eq!(h.app.mode, Mode::Edit, "back in the editor: {}", h.screen());
    assert!(h.text().contains("Halvfärdig mening"), "{}", h.screen());
    assert!(status(&h).contains("draft"), "{}", status(&h));
    // Throw it away.
    h.keys("esc D y").await;
    assert_eq!(draft_body(&desk, &r).await, None);
}

#[tokio::test]
async fn a_refusal_asks_for_its_reasons_and_read_only_writes_nothing() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-erasure-lisa"].clone();
    let mut h = open_ledger(&desk, 80, 24, false).await;
    open_reference(&mut h, &r).await;
    h.keys("w").await;
    choose(&mut h, "refusal").await;
    h.keys("enter").await;
    assert!(matches!(h.app.mode, Mode::Prompt(_)), "{}", h.screen());
    h.keys("enter").await;
    assert!(status(&h).contains("needs these words"), "{}", status(&h));
    h.keys("enter").await;
    h.type_text("Begäran är uppenbart ogrundad.").await;
    h.keys("enter").await;
    assert!(h.text().contains("Begäran är uppenbart ogrundad."), "{}", h.screen());

    let mut auditor = open_ledger(&desk, 80, 24, true).await;
    open_reference(&mut auditor, &r).await;
    auditor.keys("w").await;
    assert!(status(&auditor).contains("read-only"), "{}", auditor.screen());
}

#[tokio::test]
async fn reply_screens_at_80x24_and_160x48() {
    for (w, h_) in [(80, 24), (160, 48)] {
        let (_db, desk, refs) = ledger().await;
        let r = refs["fx-erasure-anna"].clone();
        link_and_verify(&desk, &r).await;
        let plan = desk.erasure_plan(&r, fixture_now()).await.unwrap();
        desk.execute_erasure(&Operator::new("mikko.dpo"), &r, &plan, fixture_now()).await.unwrap();
        let mut h = open_ledger(&desk, w, h_, false).await;
        open_reference(&mut h, &r).await;
        h.keys("w").await;
        choose(&mut h, "erasure_partly_refused").await;
        insta::assert_snapshot!(format!("reply_menu_{w}x{h_}"), h.screen());
        h.keys("enter").await;
        insta::assert_snapshot!(format!("reply_editor_{w}x{h_}"), h.screen());
        h.keys("esc").await;
        insta::assert_snapshot!(format!("reply_preview_{w}x{h_}"), h.screen());
        assert_terminal_safe(&h.screen());
    }
}

#[tokio::test]
async fn the_desk_writes_the_access_copy_to_a_directory() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    let mut h = open_ledger(&desk, 100, 30, false).await;
    open_reference(&mut h, &r).await;
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("exports");
    // Before verification: refused, nothing written.
    h.keys("X enter ctrl-u").await;
    h.type_text(&dir.display().to_string()).await;
    h.keys("enter").await;
    assert!(status(&h).contains("not verified"), "{}", status(&h));
    assert!(!dir.join(format!("{r}-access-sv.html")).exists());

    link_and_verify(&desk, &r).await;
    h.keys("X enter ctrl-u").await;
    h.type_text(&dir.display().to_string()).await;
    h.keys("enter").await;
    let file = dir.join(format!("{r}-access-sv.html"));
    assert!(file.exists(), "{}", status(&h));
    assert!(status(&h).contains("access copy written") && status(&h).contains("SHA-256"), "{}", status(&h));
}
