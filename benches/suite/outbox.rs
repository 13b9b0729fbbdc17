//! Outbox delivery: N replies queued, then delivered to a real SMTP server on loopback (aiosmtpd,
//! tests/support/smtp_server.py) by the sender as `dsrdesk outbox send` runs it, in a database of
//! its own (the rate does not depend on the queue's size). Nothing lost, nothing sent twice.
//! Measured over one connection and over eight, beside a bare lettre client sending the same
//! messages over eight pooled connections to the same server in the same run, without dsrdesk's
//! bookkeeping (issue 18 §1).

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
const FROM_NAME: &str = "Exempel Inkasso AB – Dataskydd";
const FROM_ADDRESS: &str = "dataskydd@exempelinkasso.example";

fn body() -> String {
    "Hej Åsa,\n\nvi har tagit emot din begäran om registerutdrag och återkommer inom en månad.\n\n".repeat(20)
}

pub async fn run(plan: &Plan) -> Vec<Row> {
    let server = smtp::SmtpServer::start();
    let one = deliver(plan.messages, 1, &server).await;
    let eight = deliver(plan.messages, CONCURRENCY, &server).await;
    let bare = bare_lettre(plan.messages, CONCURRENCY, &server).await;
    let ratio = eight / bare;
    vec![
        Row::new(
            SECTION,
            format!("outbox delivery to aiosmtpd on loopback, {} messages, 1 connection", plan.messages),
            format!("{one:.1} messages/s"),
        )
        .target("≥ 100 messages/s, none lost or twice", one >= 100.0),
        Row::new(
            SECTION,
            format!(
                "outbox delivery to aiosmtpd on loopback, {} messages, {CONCURRENCY} connections",
                plan.messages
            ),
            format!("{eight:.1} messages/s = {ratio:.2}× a bare lettre client"),
        )
        .target("≥ 0.8× bare lettre, none lost or twice", ratio >= 0.8)
        .plain(format!(
            "lettre's pooled transport alone, {CONCURRENCY} connections, the same messages to the same server \
             (no database, no bookkeeping; lettre's own sockets, without TCP_NODELAY): {bare:.1} messages/s"
        )),
    ]
}

/// Queue `n` replies in a database of their own and deliver them over `connections`; checks that
/// each arrived exactly once and is marked sent. Returns messages per second.
async fn deliver(n: u64, connections: usize, server: &smtp::SmtpServer) -> f64 {
    let already = server.received().len();
    let db = dsrdesk::testing::fresh_database_with(connections as u32 + 4).await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let now = Utc::now();
    let line = r#"{"external_id":"bench-outbox","kind":"access","jurisdiction":"SE","received_at":"2026-11-16T09:00:00+01:00","channel":"email","requester":{"name":"Åsa Öberg","email":"asa@example.se"},"text":"Jag begär registerutdrag."}"#;
    let outcome = desk.intake(&Operator::new("bench"), line, now).await.unwrap();
    let request_id: i64 = sqlx::query_scalar("SELECT id FROM requests WHERE reference = $1")
        .bind(&outcome.created[0])
        .fetch_one(desk.pool())
        .await
        .unwrap();
    let body = body();
    let mut tx = desk.pool().begin().await.unwrap();
    for i in 0..n {
        let message = NewOutgoing {
            request_id,
            purpose: "acknowledgement".into(),
            language: "sv".into(),
            from_name: FROM_NAME.into(),
            from_address: FROM_ADDRESS.into(),
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

    let settings =
        SmtpSettings { url: Some(server.url()), concurrency: Some(connections), ..SmtpSettings::default() };
    let config = dsrdesk::mail::smtp::resolve(&settings, |_| None).unwrap().unwrap();
    let mailer = Mailer::new(&config, "bench (outbox)").unwrap();
    let started = Instant::now();
    let report = desk.deliver_due(&mailer, now).await.unwrap();
    let seconds = started.elapsed().as_secs_f64();

    let received = server.received();
    let received = &received[already..];
    let ids: HashSet<&str> = received.iter().map(|m| m.message_id.as_str()).collect();
    let sent: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE state = 'sent'")
        .fetch_one(desk.pool())
        .await
        .unwrap();
    let exact = received.len() as u64 == n && ids.len() as u64 == n && sent as u64 == n;
    assert!(
        exact,
        "{connections} connection(s): lost or duplicated messages: {} received, {} distinct, {sent} sent",
        received.len(),
        ids.len()
    );
    report.sent as f64 / seconds.max(1e-9)
}

/// The same messages through lettre's pooled transport alone, `connections` at once.
async fn bare_lettre(n: u64, connections: usize, server: &smtp::SmtpServer) -> f64 {
    use lettre::message::{Mailbox, Message};
    use lettre::transport::smtp::PoolConfig;
    use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
    let already = server.received().len();
    let transport: AsyncSmtpTransport<Tokio1Executor> =
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(server.port)
            .pool_config(PoolConfig::new().max_size(connections as u32))
            .build();
    let from: Mailbox = format!("{FROM_NAME} <{FROM_ADDRESS}>").parse().unwrap();
    let body = body();
    let messages: Vec<Message> = (0..n)
        .map(|i| {
            Message::builder()
                .from(from.clone())
                .to(format!("Åsa Öberg <asa{i}@example.se>").parse().unwrap())
                .subject(format!("Bekräftelse {i} – din begäran"))
                .body(body.clone())
                .unwrap()
        })
        .collect();
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let messages = std::sync::Arc::new(messages);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (transport, next, messages) = (transport.clone(), next.clone(), messages.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(message) = messages.get(i) else { break };
                transport.send(message.clone()).await.expect("bare lettre send");
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(server.received().len() - already, n as usize, "bare lettre: every message received");
    n as f64 / seconds.max(1e-9)
}
