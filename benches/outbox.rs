//! Outbox benchmark: queue N replies, deliver them to a real SMTP server on loopback (aiosmtpd,
//! tests/support/smtp_server.py), print messages/s beside the target and the server's own count.
//!
//!     cargo bench --bench outbox                        # 1,000 messages
//!     cargo bench --bench outbox -- --messages 200      # another size
//!
//! Under `cargo test` (no `--bench` argument) it runs a smoke size of 50.

#[path = "../tests/support/smtp.rs"]
mod smtp;

use chrono::Utc;
use dsrdesk::config::{Config, SmtpSettings};
use dsrdesk::service::outbox::Mailer;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::outbox::{NewOutgoing, enqueue};
use std::collections::HashSet;
use std::time::Instant;

const TARGET_PER_SECOND: f64 = 100.0;

fn arg(name: &str) -> Option<u64> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok())
}

#[tokio::main]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let n = arg("--messages").unwrap_or(if full { 1_000 } else { 50 });
    let concurrency = arg("--concurrency").unwrap_or(8) as usize;
    let db = dsrdesk::testing::fresh_database_with(concurrency as u32 + 4).await;
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

    let t = Instant::now();
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
    let queue_secs = t.elapsed().as_secs_f64();

    let server = smtp::SmtpServer::start();
    let settings =
        SmtpSettings { url: Some(server.url()), concurrency: Some(concurrency), ..SmtpSettings::default() };
    let config = dsrdesk::mail::smtp::resolve(&settings, |_| None).unwrap().unwrap();
    let mailer = Mailer::new(&config, "bench (outbox)").unwrap();
    let t = Instant::now();
    let report = desk.deliver_due(&mailer, now).await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    let rate = report.sent as f64 / secs.max(1e-9);

    let received = server.received();
    let ids: HashSet<&str> = received.iter().map(|m| m.message_id.as_str()).collect();
    let sent_in_db: i64 = sqlx::query_scalar("SELECT count(*) FROM outbox WHERE state = 'sent'")
        .fetch_one(desk.pool())
        .await
        .unwrap();

    println!("outbox benchmark: {n} messages, concurrency {concurrency}, aiosmtpd on 127.0.0.1");
    println!(
        "  queue (enqueue, one transaction)   {:>8.0} messages/s  ({queue_secs:.2} s)",
        n as f64 / queue_secs.max(1e-9)
    );
    println!(
        "  deliver (claim, SMTP, record)      {rate:>8.1} messages/s  ({secs:.2} s)   target >= {TARGET_PER_SECOND:.0}/s  {}",
        if rate >= TARGET_PER_SECOND { "ok" } else { "BELOW TARGET" }
    );
    println!(
        "  server received {} message(s), {} distinct Message-IDs; database: {sent_in_db} sent, {} retry, {} failed, {} uncertain",
        received.len(),
        ids.len(),
        report.retry,
        report.failed.len(),
        report.uncertain.len()
    );
    let exact = received.len() as u64 == n && ids.len() as u64 == n && sent_in_db as u64 == n;
    println!("  nothing lost, nothing twice: {}", if exact { "yes" } else { "NO" });
    assert!(exact, "lost or duplicated messages");
}
