//! Outbox delivery: N replies queued, then delivered to a real SMTP server on loopback (aiosmtpd,
//! tests/support/smtp_server.py) by the sender as `dsrdesk outbox send` runs it, in a database of
//! its own (the rate does not depend on the queue's size). Nothing lost, nothing sent twice.

use crate::Plan;
use crate::report::Row;
use crate::smtp;
use chrono::Utc;
use dsrdesk::config::{Config, SmtpSettings};
use dsrdesk::service::outbox::Mailer;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::outbox::{NewOutgoing, enqueue};
use std::collections::HashSet;
use std::time::Instant;

const SECTION: &str = "outbox";
const CONCURRENCY: usize = 8;

pub async fn run(plan: &Plan) -> Vec<Row> {
    let n = plan.messages;
    let db = dsrdesk::testing::fresh_database_with(CONCURRENCY as u32 + 4).await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let now = Utc::now();
    let line = r#"{"external_id":"bench-outbox","kind":"access","jurisdiction":"SE","received_at":"2026-11-16T09:00:00+01:00","channel":"email","requester":{"name":"Åsa Öberg","email":"asa@example.se"},"text":"Jag begär registerutdrag."}"#;
    let outcome = desk.intake(&Operator::new("bench"), line, now).await.unwrap();
    let request_id: i64 = sqlx::query_scalar("SELECT id FROM requests WHERE reference = $1")
        .bind(&outcome.created[0])
        .fetch_one(desk.pool())
        .await
        .unwrap();
    let body =
        "Hej Åsa,\n\nvi har tagit emot din begäran om registerutdrag och återkommer inom en månad.\n\n"
            .repeat(20);
    let mut tx = desk.pool().begin().await.unwrap();
    for i in 0..n {
        let message = NewOutgoing {
            request_id,
            purpose: "acknowledgement".into(),
            language: "sv".into(),
            from_name: "Exempel Inkasso AB – Dataskydd".into(),
            from_address: "dataskydd@exempelinkasso.example".into(),
            to_name: Some("Åsa Öberg".into()),
            to_address: format!("asa{i}@example.se"),
            subject: format!("Bekräftelse {i} – din begäran"),
            body: body.clone(),
            carries_data: false,
            attachments: Vec::new(),
            queued_by: "bench".into(),
        };
        enqueue(&mut tx, &message, now).await.unwrap();
    }
    tx.commit().await.unwrap();

    let server = smtp::SmtpServer::start();
    let settings =
        SmtpSettings { url: Some(server.url()), concurrency: Some(CONCURRENCY), ..SmtpSettings::default() };
    let config = dsrdesk::mail::smtp::resolve(&settings, |_| None).unwrap().unwrap();
    let mailer = Mailer::new(&config, "bench (outbox)").unwrap();
    let started = Instant::now();
    let report = desk.deliver_due(&mailer, now).await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let rate = report.sent as f64 / seconds.max(1e-9);

    let received = server.received();
    let ids: HashSet<&str> = received.iter().map(|m| m.message_id.as_str()).collect();
    let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE state = 'sent'")
        .fetch_one(desk.pool())
        .await
        .unwrap();
    let exact = received.len() as u64 == n && ids.len() as u64 == n && sent as u64 == n;
    assert!(
        exact,
        "lost or duplicated messages: {} received, {} distinct, {sent} sent",
        received.len(),
        ids.len()
    );
    vec![
        Row::new(
            SECTION,
            format!("outbox delivery to aiosmtpd on loopback, {n} messages, {CONCURRENCY} connections"),
            format!(
                "{rate:.1} messages/s; {} received, {} distinct Message-IDs, {sent} marked sent",
                received.len(),
                ids.len()
            ),
        )
        .target("≥ 100 messages/s, none lost or twice", rate >= 100.0 && exact),
    ]
}
