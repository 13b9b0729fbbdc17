//! Taking in mail (issue 16): N messages from a Maildir and from a private dovecot over IMAP with
//! TLS, each parsed and stored in its own transaction with its event, as `dsrdesk mail fetch` does;
//! beside it, the raw parse time with mail-parser alone. Exactly once: N rows, N distinct digests.

use crate::Plan;
use crate::dovecot;
use crate::report::Row;
use dsrdesk::config::Config;
use dsrdesk::mail::inbox::fetch::fetch_one;
use dsrdesk::mail::inbox::settings::resolve;
use dsrdesk::service::{Desk, Operator};
use std::time::{Instant, SystemTime};

const SECTION: &str = "inbox";

fn message(i: u64) -> Vec<u8> {
    format!(
        "From: Person {i} <p{i}@example.se>\r\nTo: dataskydd@exempelinkasso.example\r\nSubject: =?utf-8?q?Beg=C3=A4ran_{i}?=\r\nMessage-ID: <bench-{i}@example.se>\r\nDate: Mon, 30 Nov 2026 09:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{}\r\n--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>{}</p>\r\n--b--\r\n",
        "Hej, jag vill ha ett registerutdrag och att ni raderar mina uppgifter. ".repeat(20),
        "Hej, jag vill ha ett registerutdrag. ".repeat(20)
    )
    .into_bytes()
}

async fn count(desk: &Desk) -> (i64, i64) {
    sqlx::query_as("SELECT count(*), count(DISTINCT sha256) FROM inbox_messages")
        .fetch_one(desk.pool())
        .await
        .unwrap()
}

pub async fn run(plan: &Plan) -> Vec<Row> {
    let n = plan.inbox_messages;
    let messages: Vec<Vec<u8>> = (0..n).map(message).collect();
    let mut rows = Vec::new();

    // mail-parser alone, over the same bytes.
    let started = Instant::now();
    let mut parts = 0usize;
    for m in &messages {
        parts += mail_parser::MessageParser::default().parse(m).map_or(0, |p| p.parts.len());
    }
    let parse_rate = n as f64 / started.elapsed().as_secs_f64().max(1e-9);
    assert!(parts > 0);
    let plain = format!("{parse_rate:.0} messages/s parsed by mail-parser alone");

    // A Maildir.
    let db = dsrdesk::testing::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    for (i, m) in messages.iter().enumerate() {
        dovecot::deliver_to(&maildir, &format!("{}.M{i}.bench", 1_764_545_400 + i), m, SystemTime::now());
    }
    let text =
        format!("[[mailboxes]]\nname = \"se\"\ncontroller = \"SE\"\nmaildir = \"{}\"\n", maildir.display());
    let config = Config::parse(&text, &dir.path().join("config.toml")).unwrap();
    let desk = Desk::new(db.pool.clone(), config.clone());
    let mailbox = resolve(&config.mailboxes[0], |_| None).unwrap();
    let started = Instant::now();
    let report = fetch_one(&desk, &Operator::new("bench"), &mailbox).await.unwrap();
    let rate = report.stored as f64 / started.elapsed().as_secs_f64().max(1e-9);
    let exact = count(&desk).await == (n as i64, n as i64);
    rows.push(
        Row::new(
            SECTION,
            format!("mail fetch from a Maildir, {n} messages"),
            format!("{rate:.0} messages/s"),
        )
        .target("≥ 500 messages/s, each once", rate >= 500.0 && exact)
        .plain(plain.clone()),
    );

    // A private dovecot over IMAP with TLS.
    let Some(server) = dovecot::Dovecot::start("bench") else { return rows };
    for (i, m) in messages.iter().enumerate() {
        dovecot::deliver_to(
            &server.maildir(),
            &format!("{}.M{i}.bench", 1_764_545_400 + i),
            m,
            SystemTime::now(),
        );
    }
    server.fix_owner();
    let db = dsrdesk::testing::fresh_database().await;
    let text = format!(
        "[[mailboxes]]\nname = \"se-imap\"\ncontroller = \"SE\"\nimap_url = \"imaps://localhost:{}\"\nusername = \"{}\"\npassword_file = \"{}\"\nca_file = \"{}\"\n",
        server.imaps_port,
        dovecot::USER,
        server.password_file().display(),
        server.ca.display()
    );
    let config = Config::parse(&text, &dir.path().join("config.toml")).unwrap();
    let desk = Desk::new(db.pool.clone(), config.clone());
    let mailbox = resolve(&config.mailboxes[0], |_| None).unwrap();
    let started = Instant::now();
    let report = fetch_one(&desk, &Operator::new("bench"), &mailbox).await.unwrap();
    let rate = report.stored as f64 / started.elapsed().as_secs_f64().max(1e-9);
    let exact = count(&desk).await == (n as i64, n as i64);
    rows.push(
        Row::new(
            SECTION,
            format!("mail fetch from dovecot (IMAPS, loopback), {n} messages"),
            format!("{rate:.0} messages/s"),
        )
        .target("≥ 500 messages/s, each once", rate >= 500.0 && exact)
        .plain(plain),
    );
    rows
}
