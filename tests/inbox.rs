//! The inbox (issue 16) against a real PostgreSQL, a Maildir and a real IMAP server (a private
//! dovecot on loopback, tests/support/dovecot.rs): exactly-once fetching (also across a SIGKILL of
//! the real binary), the arrival time as the time of receipt (Art. 12(3), DOMAIN.md "The
//! deadline"), threading a reply onto its paused request and resuming from the reply's arrival
//! (Art. 12(6)), a mail with two requests, and a corpus of hostile MIME.

#[path = "support/dovecot.rs"]
mod dovecot;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dovecot::{Dovecot, deliver_to};
use dsrdesk::config::Config;
use dsrdesk::domain::RequestKind;
use dsrdesk::mail::inbox::fetch::{FetchReport, fetch_one};
use dsrdesk::mail::inbox::settings::{Mailbox, resolve};
use dsrdesk::service::inbox::TakenIn;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{TestDatabase, fresh_database};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc)
}

fn system_time(t: DateTime<Utc>) -> SystemTime {
    SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(t.timestamp() as u64)
}

fn mail(from: &str, subject: &str, body: &str, extra: &str) -> Vec<u8> {
    format!(
        "From: {from}\r\nTo: dataskydd@exempelinkasso.example\r\nSubject: {subject}\r\nDate: Mon, 30 Nov 2026 23:29:00 +0000\r\nMessage-ID: <{}@example.se>\r\n{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        uuid::Uuid::new_v4()
    )
    .into_bytes()
}

/// A config file with the given `[[mailboxes]]` text, and the Config parsed from it.
fn config(dir: &Path, mailboxes: &str) -> (PathBuf, Config) {
    let path = dir.join("config.toml");
    std::fs::write(&path, mailboxes).unwrap();
    let config = Config::parse(mailboxes, &path).unwrap();
    (path, config)
}

fn mailbox(config: &Config) -> Mailbox {
    resolve(&config.mailboxes[0], |_| None).unwrap()
}

fn new_maildir(dir: &Path) -> PathBuf {
    let m = dir.join("Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(m.join(sub)).unwrap();
    }
    m
}

async fn count(db: &TestDatabase) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM inbox_messages").fetch_one(&db.pool).await.unwrap()
}

fn operator() -> Operator {
    Operator::new("alice")
}

#[tokio::test]
async fn maildir_messages_are_taken_once_by_name_and_bytes_and_moved_only_after_commit() {
    let db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let maildir = new_maildir(dir.path());
    let text = format!(
        "[[mailboxes]]\nname = \"se-dataskydd\"\ncontroller = \"SE\"\nmaildir = \"{}\"\nmove_to = \"dsrdesk\"\n",
        maildir.display()
    );
    let (_, cfg) = config(dir.path(), &text);
    let desk = Desk::new(db.pool.clone(), cfg.clone());
    let first = mail("Åsa Öberg <asa@example.se>", "Registerutdrag", "Jag vill ha mina uppgifter.", "");
    deliver_to(&maildir, "1764545400.M1P1.host", &first, system_time(at("2026-11-20T08:00:00Z")));
    deliver_to(
        &maildir,
        "1764545401.M2P1.host",
        &mail("b@example.se", "Radera", "Radera mig", ""),
        SystemTime::now(),
    );
    // The same bytes under another name (a mail client's copy): the SHA-256 refuses it.
    deliver_to(&maildir, "1764545402.M3P1.host", &first, SystemTime::now());

    let report = fetch_one(&desk, &operator(), &mailbox(&cfg)).await.unwrap();
    assert_eq!((report.stored, report.already_taken, report.moved), (2, 1, 3), "{report:?}");
    assert_eq!(count(&db).await, 2);
    // Moved into the Maildir++ folder .dsrdesk, nothing deleted.
    assert_eq!(std::fs::read_dir(maildir.join("new")).unwrap().count(), 0);
    assert_eq!(std::fs::read_dir(maildir.join(".dsrdesk/cur")).unwrap().count(), 3);

    let (raw, sha, received_at, received_on): (Vec<u8>, String, DateTime<Utc>, NaiveDate) = sqlx::query_as(
        "SELECT raw, sha256, received_at, received_on FROM inbox_messages WHERE maildir_key = '1764545400.M1P1.host'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(raw, first, "stored raw, byte for byte");
    assert_eq!(sha, dsrdesk::mail::inbox::parse::sha256_hex(&first));
    assert_eq!(received_at, at("2026-11-20T08:00:00Z"), "the delivery time is the receipt");
    assert_eq!(received_on, NaiveDate::from_ymd_opt(2026, 11, 20).unwrap());

    // Put back (as a mail client might): nothing is taken twice.
    for e in std::fs::read_dir(maildir.join(".dsrdesk/cur")).unwrap() {
        let e = e.unwrap();
        std::fs::rename(e.path(), maildir.join("cur").join(e.file_name())).unwrap();
    }
    let again = fetch_one(&desk, &operator(), &mailbox(&cfg)).await.unwrap();
    assert_eq!(again.stored, 0, "{again:?}");
    assert_eq!(count(&db).await, 2);
    // Every arrival has its event.
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM inbox_events WHERE action = 'arrived'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(events, 2);
}

fn imap_config(dir: &Path, server: &Dovecot, starttls: bool) -> (PathBuf, Config) {
    let url = if starttls {
        format!("imap://localhost:{}?tls=required", server.imap_port)
    } else {
        format!("imaps://localhost:{}", server.imaps_port)
    };
    let text = format!(
        "[[mailboxes]]\nname = \"se-imap\"\ncontroller = \"SE\"\nimap_url = \"{url}\"\nusername = \"{}\"\npassword_file = \"{}\"\nca_file = \"{}\"\n",
        dovecot::USER,
        server.password_file().display(),
        server.ca.display()
    );
    config(dir, &text)
}

#[tokio::test]
async fn imap_internaldate_is_the_receipt_2330_utc_on_30_nov_is_1_dec_in_stockholm() {
    let Some(server) = Dovecot::start("internaldate") else { return };
    let db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let (_, cfg) = imap_config(dir.path(), &server, false);
    let desk = Desk::new(db.pool.clone(), cfg.clone());
    let arrived = at("2026-11-30T23:30:00Z");
    server.deliver(
        "1764545400.M1P1.host",
        &mail(
            "Åsa Öberg <asa@example.se>",
            "Begäran om registerutdrag",
            "Jag vill ha ett registerutdrag.",
            "",
        ),
        system_time(arrived),
    );
    let report = fetch_one(&desk, &operator(), &mailbox(&cfg))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", server.log()));
    assert_eq!(report.stored, 1, "{report:?}");

    // DOMAIN.md: the receipt date is the controller's local date: 00:30 on 1 Dec in Stockholm.
    // One month later, 1 Jan 2027, is a public holiday and 2-3 Jan a weekend: due Monday 4 Jan.
    let items = desk.inbox(10, 0, at("2026-12-02T09:00:00Z")).await.unwrap();
    assert_eq!(items.len(), 1);
    let item = &items[0];
    assert_eq!(item.message.received_at, arrived);
    assert_eq!(item.message.received_on, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
    assert_eq!(item.would_be_due_on, NaiveDate::from_ymd_opt(2027, 1, 4));
    assert_eq!(item.age_days, 1, "it has waited a day in the inbox: a day less");

    let refs = desk
        .make_requests(&operator(), item.message.id, &[RequestKind::Access], None, at("2026-12-03T09:00:00Z"))
        .await
        .unwrap();
    let detail = desk.detail(&refs[0], at("2026-12-03T09:00:00Z")).await.unwrap();
    assert_eq!(detail.request.received_at, arrived, "received_at is the arrival, not when it was handled");
    assert_eq!(detail.request.received_on, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
    assert_eq!(detail.request.due_on, NaiveDate::from_ymd_opt(2027, 1, 4).unwrap());
    assert_eq!(detail.request.requester_email.as_deref(), Some("asa@example.se"));
    assert_eq!(detail.request.requester_name.as_deref(), Some("Åsa Öberg"));
    assert_eq!(detail.request.language.as_deref(), Some("sv"));

    // STARTTLS reaches the same mailbox; nothing is taken twice, and the server still has the mail.
    let (_, cfg) = imap_config(dir.path(), &server, true);
    let desk = Desk::new(db.pool.clone(), cfg.clone());
    let again = fetch_one(&desk, &operator(), &mailbox(&cfg)).await.unwrap();
    assert_eq!(again.stored, 0, "{again:?}");
    let on_server = std::fs::read_dir(server.maildir().join("cur")).unwrap().count()
        + std::fs::read_dir(server.maildir().join("new")).unwrap().count();
    assert_eq!(on_server, 1, "dsrdesk never deletes");
}

#[tokio::test]
async fn imap_certificate_of_another_ca_is_refused() {
    let Some(server) = Dovecot::start("wrongca") else { return };
    let db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let (_, mut cfg) = imap_config(dir.path(), &server, false);
    cfg.mailboxes[0].ca_file = None; // only the system's roots: the test CA is not among them
    let desk = Desk::new(db.pool.clone(), cfg.clone());
    let err = fetch_one(&desk, &operator(), &mailbox(&cfg)).await.unwrap_err().to_string();
    assert!(err.contains("TLS") && !err.contains(dovecot::PASSWORD), "{err}");
}

fn dsrdesk(db: &TestDatabase, config: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dsrdesk"));
    c.arg("--config").arg(config).args(args).env("DATABASE_URL", db.url());
    c
}

#[tokio::test]
async fn sigkill_of_mail_fetch_loses_nothing_and_duplicates_nothing() {
    let Some(server) = Dovecot::start("sigkill") else { return };
    let db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = imap_config(dir.path(), &server, false);
    const TOTAL: usize = 600;
    let body = "Jag vill ha mina uppgifter. ".repeat(200);
    for i in 0..TOTAL {
        let m = mail(&format!("p{i}@example.se"), &format!("Begäran {i}"), &body, "");
        server.deliver(&format!("17645454{i:02}.M{i}P1.host"), &m, SystemTime::now());
    }
    let mut child = dsrdesk(&db, &path, &["mail", "fetch", "--once"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it while it is storing: after the first rows are committed, before the last.
    let mut at_kill = 0;
    for _ in 0..6000 {
        at_kill = count(&db).await;
        if at_kill >= 20 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let after_kill = count(&db).await;
    assert!(
        at_kill >= 20 && (after_kill as usize) < TOTAL,
        "killed mid-way: {at_kill} then {after_kill} of {TOTAL}"
    );

    let out = dsrdesk(&db, &path, &["mail", "fetch", "--once", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let reports: Vec<FetchReport> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reports[0].stored as i64, TOTAL as i64 - after_kill, "{reports:?}");
    let (n, uids, shas): (i64, i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT uid), count(DISTINCT sha256) FROM inbox_messages")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((n, uids, shas), (TOTAL as i64, TOTAL as i64, TOTAL as i64));
}

#[tokio::test]
async fn a_reply_to_our_mail_threads_onto_the_paused_request_and_resumes_from_its_arrival() {
    let Some(server) = Dovecot::start("thread") else { return };
    let db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let (_, cfg) = imap_config(dir.path(), &server, false);
    let desk = Desk::new(db.pool.clone(), cfg.clone());
    let line = r#"{"kind":"access","jurisdiction":"SE","received_at":"2026-11-16T09:00:00+01:00","channel":"email","requester":{"name":"Åsa Öberg","email":"asa@example.se"},"text":"Registerutdrag","language":"sv"}"#;
    let reference =
        desk.intake(&operator(), line, at("2026-11-16T09:00:00Z")).await.unwrap().created[0].clone();
    // Art. 12(6): identifying information asked for on 16 Nov; the clock stops.
    desk.pause(&operator(), &reference, "personnummer", None, at("2026-11-16T10:00:00Z")).await.unwrap();
    let request_id: i64 = sqlx::query_scalar("SELECT id FROM requests WHERE reference = $1")
        .bind(&reference)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let ours = {
        let mut tx = db.pool.begin().await.unwrap();
        let q = dsrdesk::store::outbox::enqueue(
            &mut tx,
            &dsrdesk::store::outbox::NewOutgoing {
                request_id,
                purpose: "identity_request".into(),
                language: "sv".into(),
                from_name: "Exempel Inkasso AB".into(),
                from_address: "dataskydd@exempelinkasso.example".into(),
                to_name: None,
                to_address: "asa@example.se".into(),
                subject: "Vi behöver ditt personnummer".into(),
                body: "Hej".into(),
                carries_data: false,
                attachments: Vec::new(),
                queued_by: "alice".into(),
            },
            at("2026-11-16T10:00:00Z"),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        q.message_id
    };
    // The answer arrives on Friday 20 Nov, with no reference in its subject: only In-Reply-To.
    let reply = mail(
        "Åsa Öberg <asa@example.se>",
        "Re: Vi behöver ditt personnummer",
        "Mitt personnummer är 811218-9876.",
        &format!("In-Reply-To: {ours}\r\nReferences: {ours}\r\n"),
    );
    server.deliver("1763629200.M1P1.host", &reply, system_time(at("2026-11-20T08:00:00Z")));
    // And a mail naming the reference in its subject threads too.
    let named = mail("other@example.se", &format!("Angående {reference}"), "Fråga", "");
    server.deliver("1763629300.M2P1.host", &named, system_time(at("2026-11-20T09:00:00Z")));
    let report = fetch_one(&desk, &operator(), &mailbox(&cfg)).await.unwrap();
    assert_eq!((report.stored, report.threaded), (2, 2), "{report:?}");
    assert!(
        desk.inbox(10, 0, at("2026-11-20T10:00:00Z")).await.unwrap().is_empty(),
        "threaded mail is not waiting"
    );

    let messages = desk.request_messages(&reference).await.unwrap();
    assert_eq!(messages.len(), 2);
    let info: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM request_events WHERE request_id = $1 AND action = 'message_received' ORDER BY id LIMIT 1",
    )
    .bind(request_id)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(info["information_arrived"], true, "{info}");

    // Resumed (on Monday 23 Nov, when someone reads it) from the mail's arrival on 20 Nov:
    // 4 paused days (16 -> 20 Nov). Received 16 Nov: one month is 16 Dec, + 4 days is Sunday
    // 20 Dec, so the period ends on Monday 21 Dec (Reg. 1182/71 art. 3(4)).
    let r = desk.resume_from_message(&operator(), &reference, messages[0].id).await.unwrap();
    assert_eq!(r.paused_days, 4);
    assert_eq!(r.due_on, NaiveDate::from_ymd_opt(2026, 12, 21).unwrap());
}

#[tokio::test]
async fn one_mail_asking_for_access_and_erasure_becomes_two_requests_and_a_duplicate_is_warned() {
    let db = fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let maildir = new_maildir(dir.path());
    let text =
        format!("[[mailboxes]]\nname = \"fi\"\ncontroller = \"FI\"\nmaildir = \"{}\"\n", maildir.display());
    let (_, cfg) = config(dir.path(), &text);
    let desk = Desk::new(db.pool.clone(), cfg.clone());
    let body = "Hei, haluan tietoni ja pyydän poistamaan ne.";
    let m =
        mail("Matti Meikäläinen <matti@example.fi>", "Tietopyyntö", body, "Reply-To: matti.m@example.fi\r\n");
    deliver_to(&maildir, "1.M1.host", &m, system_time(at("2026-11-20T21:30:00Z")));
    fetch_one(&desk, &operator(), &mailbox(&cfg)).await.unwrap();
    let id = desk.inbox(10, 0, at("2026-11-21T09:00:00Z")).await.unwrap()[0].message.id;
    let kinds = [RequestKind::Access, RequestKind::Erasure];
    assert!(desk.inbox_duplicates(id, &kinds).await.unwrap().is_empty());
    let refs = desk.make_requests(&operator(), id, &kinds, None, at("2026-11-21T09:00:00Z")).await.unwrap();
    assert_eq!(refs.len(), 2);
    for (reference, kind) in refs.iter().zip(kinds) {
        let d = desk.detail(reference, at("2026-11-21T09:00:00Z")).await.unwrap();
        assert_eq!(d.request.kind, kind);
        assert_eq!(
            d.request.jurisdiction,
            dsrdesk::domain::Jurisdiction::Finland,
            "the mailbox's controller"
        );
        // 21:30 UTC on 20 Nov is 23:30 in Helsinki: still 20 Nov. Due 20 Dec, a Sunday: 21 Dec.
        assert_eq!(d.request.received_on, NaiveDate::from_ymd_opt(2026, 11, 20).unwrap());
        assert_eq!(d.request.due_on, NaiveDate::from_ymd_opt(2026, 12, 21).unwrap());
        assert_eq!(d.request.requester_email.as_deref(), Some("matti.m@example.fi"), "Reply-To wins");
        assert_eq!(d.request.language.as_deref(), Some("fi"));
        assert_eq!(desk.request_messages(reference).await.unwrap()[0].id, id, "the message is its original");
    }
    let again = desk.make_requests(&operator(), id, &kinds, None, at("2026-11-21T09:00:00Z")).await;
    assert!(again.is_err(), "requests are made from a message once");

    // The same person asks for access again, in a new mail: a likely duplicate is shown.
    let m2 = mail("Matti <matti.m@example.fi>", "Taas", "Haluan tietoni", "");
    deliver_to(&maildir, "2.M2.host", &m2, SystemTime::now());
    fetch_one(&desk, &operator(), &mailbox(&cfg)).await.unwrap();
    let id2 = desk.inbox(10, 0, Utc::now()).await.unwrap()[0].message.id;
    let warnings = desk.inbox_duplicates(id2, &[RequestKind::Access]).await.unwrap();
    assert!(warnings.len() == 1 && warnings[0].contains(&refs[0]), "{warnings:?}");
    desk.set_aside(&operator(), id2, "duplicate of an open request").await.unwrap();
    assert!(desk.inbox(10, 0, Utc::now()).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_taken_message_is_stored_once_even_from_two_mailboxes() {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let raw = mail("a@example.se", "x", "y", "");
    let arrival = |mailbox: &str| dsrdesk::mail::inbox::Arrival {
        mailbox: mailbox.into(),
        jurisdiction: dsrdesk::domain::Jurisdiction::Sweden,
        origin: dsrdesk::mail::inbox::Origin::Imap { uid_validity: 7, uid: 1 },
        raw: raw.clone(),
        size: raw.len() as u64,
        too_large: false,
        received_at: Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap(),
    };
    assert!(matches!(desk.take_in(&operator(), &arrival("a")).await.unwrap(), TakenIn::Stored { .. }));
    assert_eq!(desk.take_in(&operator(), &arrival("a")).await.unwrap(), TakenIn::AlreadyTaken);
    assert_eq!(desk.take_in(&operator(), &arrival("b")).await.unwrap(), TakenIn::AlreadyTaken);
    // What arrived never changes, and is never deleted.
    assert!(sqlx::query("UPDATE inbox_messages SET subject = 'forged'").execute(&db.pool).await.is_err());
    assert!(sqlx::query("DELETE FROM inbox_messages").execute(&db.pool).await.is_err());
    // A change of state without its event is refused at commit.
    assert!(
        sqlx::query("UPDATE inbox_messages SET state = 'not_a_request', not_a_request_reason = 'x'")
            .execute(&db.pool)
            .await
            .is_err()
    );
}
