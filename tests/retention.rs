//! The desk's own retention (issue 17 §3, migration 0032): a closed request's personal data is
//! anonymised after the controller's period (Art. 5(1)(e); default 36 months, counted as
//! Reg. 1182/71 art. 3 counts months), never under a legal hold (Art. 17(3)(e)); the statistics
//! count the same after it and every hash chain still verifies; an owner's edit is still found;
//! the export files the desk wrote go with it, unless they are no longer provably the desk's.

#[path = "support/smtp.rs"]
mod smtp;

use chrono::{DateTime, TimeZone, Utc};
use dsrdesk::config::Config;
use dsrdesk::config::SmtpSettings;
use dsrdesk::domain::RequestStatus;
use dsrdesk::domain::intake::Language;
use dsrdesk::domain::report::Period;
use dsrdesk::domain::retention::ExportFileFate;
use dsrdesk::domain::{Jurisdiction, RequestKind};
use dsrdesk::export::{ExportFormat, ExportOptions};
use dsrdesk::mail::inbox::{Arrival, Origin};
use dsrdesk::service::outbox::Mailer;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::drafts::Draft;
use dsrdesk::store::outbox::{NewAttachment, NewOutgoing};
use dsrdesk::testing::{TestDatabase, fixture_now, fresh_database, load_ledger_fixture, verify_by_bankid};
use std::process::Command;

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

/// Åsa Öberg asks once (A), the other requesters are someone else each.
fn line(id: &str, name: &str, email: &str, number: &str) -> String {
    format!(
        r#"{{"external_id":"{id}","kind":"restriction","jurisdiction":"SE","received_at":"2026-11-02T10:00:00Z","channel":"email","requester":{{"name":"{name}","email":"{email}","personal_number":"{number}","address":"Storgatan 3, 111 22 Stockholm","phone":"+46701234567"}},"text":"Hej, jag heter {name} och vill begränsa behandlingen."}}"#
    )
}

struct World {
    db: TestDatabase,
    desk: Desk,
    /// A: Åsa's, closed 21 Nov 2026. B: closed the same day, held. C: closed 25 Nov 2026. D: open.
    /// E: Åsa's too, made from her e-mail, closed 21 Nov 2026.
    refs: Vec<String>,
    _smtp: smtp::SmtpServer,
}

/// Åsa's e-mail as it arrived, in UTF-8.
fn her_mail() -> Vec<u8> {
    "From: =?utf-8?q?=C3=85sa_=C3=96berg?= <asa.oberg@example.se>\r\nTo: dataskydd@exempelinkasso.example\r\n\
     Subject: Begaran\r\nMessage-ID: <m1@example.se>\r\nDate: Mon, 2 Nov 2026 09:00:00 +0000\r\n\
     MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\
     Hej, jag heter Åsa Öberg (19811218-9876) och vill begränsa behandlingen.\r\n"
        .as_bytes()
        .to_vec()
}

/// A reply to Åsa with an attachment, delivered to the SMTP server on loopback: its exact bytes
/// are on record (outbox_raw_messages).
async fn reply_delivered(desk: &Desk, reference: &str, server: &smtp::SmtpServer) {
    let request_id: i64 = sqlx::query_scalar("SELECT id FROM requests WHERE reference = $1")
        .bind(reference)
        .fetch_one(desk.pool())
        .await
        .unwrap();
    let message = NewOutgoing {
        request_id,
        purpose: "restriction_confirmed".into(),
        language: "sv".into(),
        from_name: "Exempel Inkasso AB".into(),
        from_address: "dataskydd@exempelinkasso.example".into(),
        to_name: Some("Åsa Öberg".into()),
        to_address: "asa.oberg@example.se".into(),
        subject: "Svar till Åsa Öberg".into(),
        body: "Hej Åsa Öberg, 19811218-9876.\n".into(),
        carries_data: true,
        attachments: vec![NewAttachment {
            file_name: "uppgifter.json".into(),
            content_type: "application/json".into(),
            content: "{\"namn\": \"Åsa Öberg\", \"e-post\": \"asa.oberg@example.se\"}".as_bytes().to_vec(),
        }],
        queued_by: "dpo".into(),
    };
    let mut tx = desk.pool().begin().await.unwrap();
    dsrdesk::store::outbox::enqueue(&mut tx, &message, fixture_now()).await.unwrap();
    tx.commit().await.unwrap();
    let settings =
        SmtpSettings { url: Some(server.url()), timeout_secs: Some(10), ..SmtpSettings::default() };
    let config = dsrdesk::mail::smtp::resolve(&settings, |_| None).unwrap().expect("configured");
    let mailer = Mailer::new(&config, "test (retention)").unwrap();
    let report = desk.deliver_due(&mailer, fixture_now()).await.unwrap();
    assert_eq!(report.attempted(), 1);
}

async fn world() -> World {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let dpo = Operator::new("dpo");
    let input = [
        line("A", "Åsa Öberg", "asa.oberg@example.se", "19811218-9876"),
        line("B", "Bo Ek", "bo@example.se", "19700101-0003"),
        line("C", "Cecilia Lind", "cecilia@example.se", "19800202-0009"),
        line("D", "Dan Al", "dan@example.se", "19900303-0005"),
    ];
    let refs = desk.intake(&dpo, &input.join("\n"), fixture_now()).await.unwrap().created;
    verify_by_bankid(&desk, &dpo, &refs[0]).await;
    let draft = Draft {
        purpose: "restriction_confirmed".into(),
        language: "sv".into(),
        detail: None,
        subject: "Svar till Åsa Öberg".into(),
        body: "Hej Åsa Öberg, asa.oberg@example.se".into(),
        attach: None,
        encrypt: false,
        updated_at: fixture_now(),
    };
    desk.save_draft(&dpo, &refs[0], &draft).await.unwrap();
    desk.extend(&dpo, &refs[0], "complex: many cases", None, at(2026, 11, 20, 10)).await.unwrap();
    let server = smtp::SmtpServer::start();
    reply_delivered(&desk, &refs[0], &server).await;
    let raw = her_mail();
    let arrival = Arrival {
        mailbox: "se".into(),
        jurisdiction: Jurisdiction::Sweden,
        origin: Origin::Imap { uid_validity: 1, uid: 1 },
        size: raw.len() as u64,
        raw,
        too_large: false,
        received_at: at(2026, 11, 2, 9),
    };
    desk.take_in(&dpo, &arrival).await.unwrap();
    let message: i64 =
        sqlx::query_scalar("SELECT id FROM inbox_messages").fetch_one(desk.pool()).await.unwrap();
    let mut refs = refs;
    refs.extend(
        desk.make_requests(&dpo, message, &[RequestKind::Restriction], None, fixture_now()).await.unwrap(),
    );
    for (i, day) in [(0, 21), (1, 21), (2, 25), (4, 21)] {
        desk.set_status(&dpo, &refs[i], RequestStatus::Answered, None, None, at(2026, 11, day, 12))
            .await
            .unwrap();
    }
    World { db, desk, refs, _smtp: server }
}

async fn anonymised(desk: &Desk) -> Vec<String> {
    sqlx::query_scalar("SELECT reference FROM requests WHERE anonymised_at IS NOT NULL ORDER BY reference")
        .fetch_all(desk.pool())
        .await
        .unwrap()
}

/// The desk's tables with a row whose text holds `needle` (bytea columns searched as bytes).
async fn rows_holding(desk: &Desk, needle: &str) -> Vec<String> {
    let text_tables = [
        "requests",
        "request_search",
        "request_events",
        "reply_drafts",
        "outbox",
        "inbox_messages",
        "inbox_attachments",
        "inbox_events",
        "request_verifications",
        "request_subjects",
        "legal_holds",
    ];
    let mut found = Vec::new();
    let bytea_columns = [
        ("inbox_messages", "raw"),
        ("inbox_attachments", "content"),
        ("outbox_raw_messages", "raw"),
        ("outbox_attachments", "content"),
    ];
    let queries = text_tables
        .iter()
        .map(|t| (t.to_string(), format!("SELECT count(*) FROM {t} x WHERE x::text ILIKE '%' || $1 || '%'")))
        .chain(bytea_columns.iter().map(|(t, c)| {
            (
                format!("{t}.{c}"),
                format!("SELECT count(*) FROM {t} WHERE position(convert_to($1, 'UTF8') IN {c}) > 0"),
            )
        }));
    for (name, sql) in queries {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(needle).fetch_one(desk.pool()).await.unwrap();
        if n > 0 {
            found.push(format!("{name}: {n}"));
        }
    }
    found
}

fn cli(db: &TestDatabase, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
        .args(args)
        .env("DATABASE_URL", db.url())
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

#[tokio::test]
async fn after_the_period_the_personal_data_goes_the_figures_and_the_chains_stay() {
    let w = world().await;
    let dpo = Operator::new("dpo");
    // An authority's case about B: it stays whatever the period (Art. 17(3)(e)).
    let (code, out) = cli(
        &w.db,
        &["hold", "add", &w.refs[1], "--authority", "IMY", "--case", "DI-2026-1234", "--due", "2027-01-15"],
    );
    assert_eq!(code, 0, "{out}");
    let holds = w.desk.legal_holds().await.unwrap();
    assert_eq!(holds.len(), 1);
    assert_eq!(
        (holds[0].reference.as_str(), holds[0].case_reference.as_str()),
        (w.refs[1].as_str(), "DI-2026-1234")
    );
    let report_before =
        w.desk.report(Period::year(2026).unwrap(), None, fixture_now().date_naive()).await.unwrap();
    assert!(!rows_holding(&w.desk, "Öberg").await.is_empty());
    assert!(!rows_holding(&w.desk, "asa.oberg@example.se").await.is_empty());

    // Closed 21 Nov 2026, 36 months: kept until the end of 21 Nov 2029 (its last day is kept).
    let last_day = w.desk.run_retention(&dpo, at(2029, 11, 21, 12), false).await.unwrap();
    assert!(last_day.anonymised.is_empty(), "{last_day:?}");
    assert_eq!(last_day.held, [w.refs[1].clone()]);
    // The next day A goes; B is held; C (closed 25 Nov) is just inside its period; D is open.
    let asas = vec![w.refs[0].clone(), w.refs[4].clone()];
    let dry = w.desk.run_retention(&dpo, at(2029, 11, 22, 12), true).await.unwrap();
    assert_eq!(dry.anonymised, asas);
    assert!(anonymised(&w.desk).await.is_empty(), "a dry run changes nothing");
    let pass = w.desk.run_retention(&dpo, at(2029, 11, 22, 12), false).await.unwrap();
    assert_eq!(pass.anonymised, asas);
    assert_eq!(pass.held, [w.refs[1].clone()]);
    assert_eq!(anonymised(&w.desk).await, asas);

    // Nothing of Åsa's anywhere: name, e-mail, number (as typed and normalised), address.
    for needle in ["Öberg", "asa.oberg@example.se", "19811218-9876", "198112189876", "8112189876"] {
        assert_eq!(rows_holding(&w.desk, needle).await, Vec::<String>::new(), "{needle} is still held");
    }
    // Kept: the reference, kind, controller, dates, outcome.
    let kept: (String, String, String, bool, bool) = sqlx::query_as(
        "SELECT kind::text, status::text, jurisdiction::text, closed_at IS NOT NULL, extended_on IS NOT NULL
         FROM requests WHERE reference = $1",
    )
    .bind(&w.refs[0])
    .fetch_one(w.desk.pool())
    .await
    .unwrap();
    assert_eq!(kept, ("restriction".into(), "answered".into(), "SE".into(), true, true));
    // The anonymisation is an event of its own, in counts only.
    let details: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.reference = $1 AND e.action = 'anonymised'",
    )
    .bind(&w.refs[0])
    .fetch_one(w.desk.pool())
    .await
    .unwrap();
    assert_eq!(details["removed"]["requester_fields"], 5);
    assert_eq!(details["removed"]["drafts"], 1);
    assert_eq!(details["removed"]["verification_evidence"], 1);
    assert_eq!(
        (
            &details["removed"]["mails_out"],
            &details["removed"]["mail_bytes_out"],
            &details["removed"]["attachments_out"]
        ),
        (&serde_json::json!(1), &serde_json::json!(1), &serde_json::json!(1))
    );
    // The digests of what was sent and what arrived stay (the case file's manifest still names them).
    let digests: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM outbox_raw_messages WHERE raw = '' AND anonymised_at IS NOT NULL AND sha256 <> '')
              + (SELECT count(*) FROM inbox_messages WHERE raw = '' AND anonymised_at IS NOT NULL AND sha256 <> '')",
    )
    .fetch_one(w.desk.pool())
    .await
    .unwrap();
    assert_eq!(digests, 2);

    // The same figures, counted from the event skeleton; every chain verifies.
    let report_after =
        w.desk.report(Period::year(2026).unwrap(), None, fixture_now().date_naive()).await.unwrap();
    assert_eq!(report_after, report_before);
    assert_eq!(w.desk.verify_chain().await.unwrap().first_break, None);
    let (code, out) = cli(&w.db, &["audit", "verify"]);
    assert_eq!(code, 0, "{out}");

    // The hold lifted, B goes at the next pass; C still waits for its own day.
    let (code, out) = cli(&w.db, &["hold", "lift", &w.refs[1]]);
    assert_eq!(code, 0, "{out}");
    assert!(w.desk.legal_holds().await.unwrap().is_empty());
    let pass = w.desk.run_retention(&dpo, at(2029, 11, 22, 12), false).await.unwrap();
    assert_eq!(pass.anonymised, [w.refs[1].clone()]);
    assert_eq!(anonymised(&w.desk).await, [w.refs[0].clone(), w.refs[1].clone(), w.refs[4].clone()]);
    let pass = w.desk.run_retention(&dpo, at(2029, 11, 26, 12), false).await.unwrap();
    assert_eq!(pass.anonymised, [w.refs[2].clone()]);
    assert_eq!(w.desk.verify_chain().await.unwrap().first_break, None);
    assert_eq!(
        w.desk.report(Period::year(2026).unwrap(), None, fixture_now().date_naive()).await.unwrap(),
        report_before
    );
}

#[tokio::test]
async fn the_database_refuses_anonymising_a_held_or_open_request() {
    let w = world().await;
    let dpo = Operator::new("dpo");
    w.desk.place_hold(&dpo, &w.refs[1], "IMY", "DI-2026-1234", None, fixture_now()).await.unwrap();
    // Even written by hand beside the service: an event's details of a held request stay.
    for r in [&w.refs[1], &w.refs[3]] {
        let edit = sqlx::query(
            "UPDATE request_events SET details = '{}', anonymised_at = now()
             WHERE request_id = (SELECT id FROM requests WHERE reference = $1)",
        )
        .bind(r)
        .execute(w.desk.pool())
        .await;
        assert!(edit.is_err(), "{r}: anonymised beside the service");
    }
    let mark = sqlx::query("UPDATE requests SET anonymised_at = now() WHERE reference = $1")
        .bind(&w.refs[1])
        .execute(w.desk.pool())
        .await;
    assert!(mark.unwrap_err().to_string().contains("legal hold"));
    // A hold on an anonymised request keeps nothing: refused with a reason.
    w.desk.run_retention(&dpo, at(2029, 11, 22, 12), false).await.unwrap();
    let late = w.desk.place_hold(&dpo, &w.refs[0], "IMY", "DI-2029-1", None, at(2029, 11, 23, 12)).await;
    assert!(late.unwrap_err().to_string().contains("already anonymised"));
}

#[tokio::test]
async fn an_owner_editing_an_event_after_the_anonymisation_is_still_found() {
    let w = world().await;
    w.desk.run_retention(&Operator::new("dpo"), at(2029, 11, 22, 12), false).await.unwrap();
    assert_eq!(anonymised(&w.desk).await, [w.refs[0].clone(), w.refs[1].clone(), w.refs[4].clone()]);
    // The owner switches the append-only trigger off and edits C's closing (not anonymised):
    // its details no longer have their hash.
    let edited: i64 = sqlx::query_scalar(
        "SELECT e.id FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.reference = $1 AND e.details->>'to' = 'answered'",
    )
    .bind(&w.refs[2])
    .fetch_one(w.desk.pool())
    .await
    .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER TABLE request_events DISABLE TRIGGER request_events_append_only;
         UPDATE request_events SET details = jsonb_set(details, '{{to}}', '\"refused\"') WHERE id = {edited};
         ALTER TABLE request_events ENABLE TRIGGER request_events_append_only;"
    )))
    .execute(w.desk.pool())
    .await
    .unwrap();
    let broken = w.desk.verify_chain().await.unwrap().first_break.expect("the edit is found");
    assert_eq!(broken.event_id, Some(edited));
    assert!(!broken.details_ok && broken.content_ok);
    let (code, out) = cli(&w.db, &["audit", "verify"]);
    assert_eq!(code, 6, "{out}");
    // And an anonymised event's actor changed: its content hash no longer agrees.
    let anon: i64 = sqlx::query_scalar(
        "SELECT e.id FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.reference = $1 AND e.anonymised_at IS NOT NULL ORDER BY e.id LIMIT 1",
    )
    .bind(&w.refs[0])
    .fetch_one(w.desk.pool())
    .await
    .unwrap();
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "ALTER TABLE request_events DISABLE TRIGGER request_events_append_only;
         UPDATE request_events SET actor = 'mallory' WHERE id = {anon};
         ALTER TABLE request_events ENABLE TRIGGER request_events_append_only;"
    )))
    .execute(w.desk.pool())
    .await
    .unwrap();
    let broken = w.desk.verify_chain().await.unwrap().first_break.expect("found");
    assert_eq!(broken.event_id, Some(anon), "A's chain comes first");
    assert!(!broken.content_ok);
}

/// scripts/roles.sql's groups, and a login in each of two of them named after this test's
/// database (roles are cluster-wide; tests run in parallel).
async fn login_pool(w: &World, group: &str) -> sqlx::PgPool {
    sqlx::raw_sql(include_str!("../scripts/roles.sql"))
        .execute(&w.db.pool)
        .await
        .expect("roles.sql as the owner");
    let login = format!("{}_{}", w.db.name, group.trim_start_matches("dsrdesk_"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE ROLE \"{login}\" LOGIN IN ROLE {group}")))
        .execute(&w.db.pool)
        .await
        .unwrap();
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(2)
        .connect_with(w.db.options.clone().username(&login))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_operator_holds_and_the_worker_anonymises_through_the_database_s_function_only() {
    let w = world().await;
    let operator = Desk::new(login_pool(&w, "dsrdesk_operator").await, Config::default());
    let worker_pool = login_pool(&w, "dsrdesk_worker").await;
    let worker = Desk::new(worker_pool.clone(), Config::default());
    operator
        .place_hold(&Operator::new("dpo"), &w.refs[1], "IMY", "DI-2026-1234", None, fixture_now())
        .await
        .unwrap();
    let pass = worker.run_retention(&Operator::new("worker"), at(2029, 11, 22, 12), false).await.unwrap();
    assert_eq!(pass.anonymised, [w.refs[0].clone(), w.refs[4].clone()]);
    assert_eq!(pass.held, [w.refs[1].clone()]);
    // The event's actor is the worker's login (the database's stamp), not a name it chose.
    let actor: String = sqlx::query_scalar(
        "SELECT e.actor FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.reference = $1 AND e.action = 'anonymised'",
    )
    .bind(&w.refs[0])
    .fetch_one(w.desk.pool())
    .await
    .unwrap();
    assert_eq!(actor, format!("{}_worker", w.db.name));
    // Table by table the worker may not change evidence: the grant refuses it.
    let e = sqlx::query("UPDATE request_events SET details = '{}' WHERE false").execute(&worker_pool).await;
    assert!(e.unwrap_err().to_string().contains("permission denied"));
    assert_eq!(w.desk.verify_chain().await.unwrap().first_break, None);
    worker_pool.close().await;
    operator.pool().close().await;
    for login in ["operator", "worker"] {
        let name = format!("{}_{login}", w.db.name);
        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP OWNED BY \"{name}\"; DROP ROLE \"{name}\"")))
            .execute(&w.db.pool)
            .await;
    }
}

/// The `export_written` events' details of a request, oldest first.
async fn export_details(desk: &Desk, reference: &str) -> Vec<serde_json::Value> {
    sqlx::query_scalar(
        "SELECT e.details FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.reference = $1 AND e.action = 'export_written' ORDER BY e.id",
    )
    .bind(reference)
    .fetch_all(desk.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn the_export_files_go_with_the_anonymisation_and_one_edited_since_stays() {
    // Art. 5(1)(e): an access copy on disk is the subject's data as much as the database's is.
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let refs = load_ledger_fixture(&desk).await.unwrap();
    let dpo = Operator::new("dpo");
    let r = refs["fx-access-anna"].clone();
    desk.link(&dpo, &r, Some("1"), fixture_now()).await.unwrap();
    verify_by_bankid(&desk, &dpo, &r).await;
    let dir = tempfile::tempdir().unwrap();
    let copy =
        |language| ExportOptions { format: ExportFormat::Access, language: Some(language), encrypt: false };
    let sv = desk.export(&r, &copy(Language::Sv), dir.path(), &dpo, fixture_now()).await.unwrap();
    let en = desk.export(&r, &copy(Language::En), dir.path(), &dpo, fixture_now()).await.unwrap();
    // Each event says where its file is: the directory as the system resolves it, and the name.
    let canonical = std::fs::canonicalize(dir.path()).unwrap();
    let (sv_path, en_path) = (canonical.join(&sv.file.file_name), canonical.join(&en.file.file_name));
    let recorded: Vec<String> =
        export_details(&desk, &r).await.iter().map(|d| d["path"].as_str().unwrap().to_string()).collect();
    assert_eq!(recorded, [sv_path.to_str().unwrap(), en_path.to_str().unwrap()]);
    // The DPO adds notes to the English copy: no longer the file the desk wrote.
    std::fs::write(&en_path, "<html>Anna Svensson — noted by the DPO</html>").unwrap();
    // One written before the desk recorded where (no path): somewhere the desk cannot know.
    sqlx::query(
        "INSERT INTO request_events (request_id, effective_at, actor, action, details)
         SELECT id, $2, 'dpo', 'export_written',
                jsonb_build_object('format', 'access', 'file_name', reference || '-access-fi.html', 'sha256', 'ab')
         FROM requests WHERE reference = $1",
    )
    .bind(&r)
    .bind(fixture_now())
    .execute(desk.pool())
    .await
    .unwrap();
    desk.set_status(&dpo, &r, RequestStatus::Answered, None, None, at(2026, 11, 21, 12)).await.unwrap();
    // A linked request: the link never changes while the request holds its data (migration 0011)…
    let edit = sqlx::query(
        "UPDATE request_subjects SET personal_number = NULL
         WHERE request_id = (SELECT id FROM requests WHERE reference = $1)",
    )
    .bind(&r)
    .execute(desk.pool())
    .await;
    assert!(edit.unwrap_err().to_string().contains("not changed"));

    // The DPO's dry run from the command line, with a period of no months (due from the day after
    // the closing, today by the clock): each file by path, what would become of it; none touched.
    let config = dir.path().join("retention.toml");
    std::fs::write(&config, "[controllers.SE]\nname = \"Exempel Inkasso AB\"\nanonymise_after_months = 0\n")
        .unwrap();
    let (code, out) = cli(&db, &["--config", config.to_str().unwrap(), "retention", "run", "--dry-run"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("{r}: export file would remove: {}", sv_path.display())), "{out}");
    assert!(
        out.contains(&format!(
            "{r}: export file left on disk (not the file written: changed since, or a link): {}",
            en_path.display()
        )),
        "{out}"
    );
    assert!(out.contains(&format!("{r}: export file left on disk perhaps (exported before the desk recorded where): {r}-access-fi.html")), "{out}");
    assert!(sv_path.exists() && en_path.exists() && anonymised(&desk).await.is_empty(), "{out}");

    // A dry run names the file it would remove and the ones it would leave, and touches none.
    let dry = desk.run_retention(&dpo, at(2029, 11, 22, 12), true).await.unwrap();
    assert_eq!(dry.anonymised, std::slice::from_ref(&r));
    let fates: Vec<(Option<String>, ExportFileFate)> =
        dry.export_files.iter().map(|f| (f.path.clone(), f.fate)).collect();
    assert_eq!(
        fates,
        [
            (Some(sv_path.to_str().unwrap().to_string()), ExportFileFate::Removed),
            (Some(en_path.to_str().unwrap().to_string()), ExportFileFate::Changed),
            (None, ExportFileFate::LocationUnknown),
        ]
    );
    assert!(sv_path.exists() && en_path.exists(), "a dry run removes nothing");
    assert!(anonymised(&desk).await.is_empty());

    let pass = desk.run_retention(&dpo, at(2029, 11, 22, 12), false).await.unwrap();
    assert_eq!(pass.anonymised, std::slice::from_ref(&r));
    assert!(!sv_path.exists(), "the copy the desk wrote is gone");
    assert!(en_path.exists(), "the edited one is not provably ours: it stays");
    let left: Vec<&str> =
        pass.export_files.iter().filter(|f| f.left()).filter_map(|f| f.path.as_deref()).collect();
    assert_eq!(left, [en_path.to_str().unwrap()]);
    // The event counts them and names no path; the export events' paths gave way.
    let details: serde_json::Value = sqlx::query_scalar(
        "SELECT details FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE r.reference = $1 AND e.action = 'anonymised'",
    )
    .bind(&r)
    .fetch_one(desk.pool())
    .await
    .unwrap();
    assert_eq!(
        details["export_files"],
        serde_json::json!({"removed": 1, "gone": 0, "changed": 1, "not_removable": 0, "location_unknown": 1})
    );
    // …and at the anonymisation its personal number gives way, the link to person 1 stays (0042).
    assert_eq!(details["removed"]["subject_numbers"], 1);
    let linked: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT person_id, personal_number FROM request_subjects
         WHERE request_id = (SELECT id FROM requests WHERE reference = $1)",
    )
    .bind(&r)
    .fetch_all(desk.pool())
    .await
    .unwrap();
    assert_eq!(linked, [("1".to_string(), None)]);
    let dir_name = canonical.to_str().unwrap();
    assert!(!details.to_string().contains(dir_name), "{details}");
    let paths: Vec<serde_json::Value> =
        export_details(&desk, &r).await.iter().map(|d| d["path"].clone()).collect();
    assert_eq!(
        paths,
        [serde_json::json!("[anonymised]"), serde_json::json!("[anonymised]"), serde_json::Value::Null]
    );
    assert_eq!(rows_holding(&desk, dir_name).await, Vec::<String>::new());
    assert_eq!(desk.verify_chain().await.unwrap().first_break, None);
}
