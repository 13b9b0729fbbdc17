//! Security, against the real parts: the database roles of scripts/roles.sql (operator, auditor,
//! worker) doing their real work through the real binary and the service layer; TLS to a private
//! PostgreSQL cluster with a test CA (sslmode=verify-full) and to a real SMTP server; secrets that
//! never reach an error message.

#[path = "support/smtp.rs"]
mod smtp;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dsrdesk::config::Config;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::quote_ident;
use dsrdesk::testing::{
    LEDGER_FIXTURE, LEDGER_FIXTURE_REQUESTS, TestDatabase, fixture_now, fresh_database, load_ledger_fixture,
    verify_by_bankid,
};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const ROLES_SQL: &str = include_str!("../scripts/roles.sql");

/// Login roles for one test, members of the group roles scripts/roles.sql creates. Roles are
/// cluster-wide and tests run in parallel: each test's logins are named after its database, and
/// the script itself serialises creating the groups.
struct Logins {
    operator: String,
    auditor: String,
    worker: String,
}

async fn logins(db: &TestDatabase) -> Logins {
    sqlx::raw_sql(ROLES_SQL).execute(&db.pool).await.expect("scripts/roles.sql runs as the owner");
    let logins = Logins {
        operator: format!("{}_operator", db.name),
        auditor: format!("{}_auditor", db.name),
        worker: format!("{}_worker", db.name),
    };
    for (login, group) in [
        (&logins.operator, "dsrdesk_operator"),
        (&logins.auditor, "dsrdesk_auditor"),
        (&logins.worker, "dsrdesk_worker"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE ROLE {} LOGIN IN ROLE {group}", quote_ident(login))))
            .execute(&db.pool)
            .await
            .expect("create the test's login");
    }
    logins
}

async fn pool_as(db: &TestDatabase, role: &str) -> PgPool {
    PgPoolOptions::new().max_connections(4).connect_with(db.options.clone().username(role)).await.unwrap()
}

/// The database's URL with another user.
fn url_as(db: &TestDatabase, role: &str) -> String {
    let url = db.url();
    let (scheme, rest) = url.split_once("://").unwrap();
    let (_, host) = rest.split_once('@').unwrap();
    format!("{scheme}://{role}@{host}")
}

fn dsrdesk_as(url: &str, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let config = tempfile::NamedTempFile::new().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("DSRDESK_CONFIG", config.path())
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dsrdesk");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: &Output, what: &str) -> String {
    assert!(out.status.success(), "{what}: {}\n{}", text(&out.stdout), text(&out.stderr));
    text(&out.stdout)
}

fn denied(out: &Output, what: &str) {
    let err = text(&out.stderr);
    assert!(!out.status.success(), "{what} was allowed: {}", text(&out.stdout));
    assert!(err.contains("permission denied"), "{what}: {err}");
}

/// The append-only evidence: no role but the owner may change or remove it, by grant.
const APPEND_ONLY: [(&str, &str); 4] = [
    ("request_events", "actor"),
    ("request_verifications", "evidence"),
    ("subject_actions", "actor"),
    ("outbox_attachments", "file_name"),
];

async fn assert_history_refused_by_grant(pool: &PgPool, who: &str) {
    for (table, column) in APPEND_ONLY {
        for sql in [
            format!("UPDATE {table} SET {column} = {column}"),
            format!("DELETE FROM {table}"),
            format!("TRUNCATE {table}"),
        ] {
            let e = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).execute(pool).await.unwrap_err();
            let code = e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned());
            // The grant refuses it, not (only) the trigger: "permission denied for table ...".
            assert_eq!(code.as_deref(), Some("42501"), "{who}: {sql}: {e}");
            assert!(
                e.to_string().contains(&format!("permission denied for table {table}")),
                "{who}: {sql}: {e}"
            );
        }
    }
    for sql in ["DELETE FROM outbox", "DELETE FROM recipient_tasks", "TRUNCATE requests"] {
        let e = sqlx::query(sql).execute(pool).await.unwrap_err();
        assert!(e.to_string().contains("permission denied"), "{who}: {sql}: {e}");
    }
}

async fn drop_logins(db: &TestDatabase, logins: &Logins) {
    for login in [&logins.operator, &logins.auditor, &logins.worker] {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP ROLE IF EXISTS {}", quote_ident(login))))
            .execute(&db.pool)
            .await;
    }
}

fn refs_by_external_id(created: &str) -> BTreeMap<String, String> {
    let ids = LEDGER_FIXTURE_REQUESTS.lines().filter(|l| !l.trim().is_empty()).map(|l| {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        v["external_id"].as_str().unwrap().to_string()
    });
    ids.zip(created.lines().map(str::to_string)).collect()
}

#[tokio::test]
async fn the_operator_role_does_the_desks_work_and_cannot_rewrite_history() {
    let db = fresh_database().await;
    let logins = logins(&db).await;
    sqlx::raw_sql(LEDGER_FIXTURE).execute(&db.pool).await.unwrap();
    let url = url_as(&db, &logins.operator);
    let created = ok(&dsrdesk_as(&url, &["intake"], Some(LEDGER_FIXTURE_REQUESTS), &[]), "intake");
    let refs = refs_by_external_id(&created);
    let anna = &refs["fx-erasure-anna"];
    ok(&dsrdesk_as(&url, &["assign", anna], None, &[]), "claim");
    ok(&dsrdesk_as(&url, &["status", anna, "in_progress"], None, &[]), "status");
    ok(&dsrdesk_as(&url, &["link", anna, "--person", "1"], None, &[]), "link");
    ok(
        &dsrdesk_as(
            &url,
            &[
                "verify",
                anna,
                "--method",
                "bankid",
                "--transaction",
                "tx-1",
                "--evidence",
                "BankID in the portal",
            ],
            None,
            &[],
        ),
        "verify",
    );
    ok(&dsrdesk_as(&url, &["execute", anna, "--yes"], None, &[]), "execute the erasure");
    let lisa = &refs["fx-erasure-lisa"];
    ok(&dsrdesk_as(&url, &["reply", lisa, "--template", "acknowledgement"], None, &[]), "queue a reply");
    ok(&dsrdesk_as(&url, &["show", anna], None, &[]), "show");
    // What was done is recorded under the operator's own login.
    let roles: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT db_role FROM request_events").fetch_all(&db.pool).await.unwrap();
    assert_eq!(roles, vec![logins.operator.clone()]);
    let erased: i64 = sqlx::query_scalar("SELECT count(*) FROM subject_actions WHERE action = 'erasure'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert!(erased > 0);
    // The service layer's other writes: the desk's mark-seen, drafts.
    let pool = pool_as(&db, &logins.operator).await;
    let desk = Desk::new(pool.clone(), Config::default());
    desk.mark_seen(&Operator::new("op"), Utc::now()).await.unwrap();

    assert_history_refused_by_grant(&pool, "operator").await;
    // And the schema is not the operator's.
    let e = sqlx::query("CREATE TABLE mine (x int)").execute(&pool).await.unwrap_err();
    assert!(e.to_string().contains("permission denied"), "{e}");
    pool.close().await;
    drop_logins(&db, &logins).await;
}

#[tokio::test]
async fn the_auditor_role_reads_everything_on_the_desk_and_the_cli_and_changes_nothing() {
    use dsrdesk::tui::headless::Headless;
    use dsrdesk::tui::{Keymap, Settings, Theme};
    let db = fresh_database().await;
    let logins = logins(&db).await;
    let owner = Desk::new(db.pool.clone(), Config::default());
    let refs = load_ledger_fixture(&owner).await.unwrap();
    let r = refs["fx-erasure-anna"].clone();
    owner.link(&Operator::new("alice"), &r, Some("1"), fixture_now()).await.unwrap();
    let events_before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM request_events").fetch_one(&db.pool).await.unwrap();

    let url = url_as(&db, &logins.auditor);
    for args in [
        vec!["list"],
        vec!["list", "--all", "--json"],
        vec!["show", r.as_str()],
        vec!["link", r.as_str()],
        vec!["plan", r.as_str()],
        vec!["overview"],
        vec!["outbox", "list"],
        vec!["--read-only"],
    ] {
        ok(&dsrdesk_as(&url, &args, None, &[]), &format!("auditor: {args:?}"));
    }
    for (args, stdin) in [
        (vec!["assign", r.as_str()], None),
        (vec!["status", r.as_str(), "in_progress"], None),
        (vec!["verify", r.as_str(), "--method", "letter", "--evidence", "x"], None),
        (vec!["intake"], Some(LEDGER_FIXTURE_REQUESTS.replace("fx-", "new-"))),
    ] {
        denied(&dsrdesk_as(&url, &args, stdin.as_deref(), &[]), &format!("auditor: {args:?}"));
    }

    // The read-only desk under the auditor's role: every screen loads.
    let pool = pool_as(&db, &logins.auditor).await;
    let desk = Desk::new(pool.clone(), Config::default());
    let operator = Operator::new("revisor");
    let settings = Settings {
        operator: operator.clone(),
        config: Config::default(),
        read_only: true,
        keymap: Keymap::default(),
        theme: Theme::mono(),
    };
    let mut h = Headless::start(desk.clone(), operator, settings, fixture_now(), 120, 40).await;
    let mut screens = vec![h.text()];
    h.keys("2").await;
    screens.push(h.text());
    h.keys(":").await;
    h.type_text(&format!("ref {r}")).await;
    h.keys("enter").await;
    screens.push(h.text());
    assert!(screens[2].contains(&r), "{}", screens[2]);
    h.keys("i").await;
    screens.push(h.text());
    h.keys("E").await;
    screens.push(h.text());
    for screen in &screens {
        assert!(!screen.contains("permission denied") && !screen.contains("database:"), "{screen}");
    }
    // Anything else is refused by the database itself.
    for sql in [
        "UPDATE requests SET assignee = 'x'",
        "INSERT INTO request_events (request_id, actor, action) VALUES (1, 'x', 'x')",
        "INSERT INTO operator_last_seen (operator, seen_at) VALUES ('x', now())",
        "DELETE FROM reply_drafts",
        "UPDATE ledger.persons SET first_name = 'x'",
    ] {
        let e = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(e.to_string().contains("permission denied"), "{sql}: {e}");
    }
    assert_history_refused_by_grant(&pool, "auditor").await;
    let events_after: i64 =
        sqlx::query_scalar("SELECT count(*) FROM request_events").fetch_one(&db.pool).await.unwrap();
    assert_eq!(events_after, events_before, "the auditor changed nothing");
    pool.close().await;
    drop_logins(&db, &logins).await;
}

fn noon(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.from_utc_datetime(&NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(12, 0, 0).unwrap())
}

#[tokio::test]
async fn the_worker_role_runs_follow_up_erasures_and_the_outbox_and_nothing_else() {
    let db = fresh_database().await;
    let logins = logins(&db).await;
    let owner = Desk::new(db.pool.clone(), Config::default());
    let refs = load_ledger_fixture(&owner).await.unwrap();
    let alice = Operator::new("alice");
    // Anna paid her claim: only dated holds remain, and a follow-up erasure falls due 2034-01-01.
    sqlx::query("UPDATE ledger.cases SET outstanding = 0, closed_on = '2026-11-20', paid_in_full_on = '2026-11-20', stage = 'closed' WHERE id = 10")
        .execute(&db.pool)
        .await
        .unwrap();
    let anna = &refs["fx-erasure-anna"];
    owner.link(&alice, anna, None, fixture_now()).await.unwrap();
    verify_by_bankid(&owner, &alice, anna).await;
    let plan = owner.erasure_plan(anna, fixture_now()).await.unwrap();
    owner.execute_erasure(&alice, anna, &plan, fixture_now()).await.unwrap();
    ok(
        &dsrdesk_as(
            &db.url(),
            &["reply", &refs["fx-erasure-lisa"], "--template", "acknowledgement"],
            None,
            &[],
        ),
        "queue a reply",
    );

    let pool = pool_as(&db, &logins.worker).await;
    let desk = Desk::new(pool.clone(), Config::default());
    let report = desk.run_due_erasures(&Operator::new("worker"), noon(2034, 1, 1)).await.unwrap();
    assert_eq!((report.examined, report.completed), (1, 1), "{report:?}");
    let payments: i64 =
        sqlx::query_scalar("SELECT count(*) FROM ledger.payments WHERE case_id IN (10, 11, 12)")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(payments, 0, "the worker erased what fell due");

    let server = smtp::SmtpServer::start();
    let url = url_as(&db, &logins.worker);
    let smtp_url = server.url();
    let env = [("DSRDESK_SMTP_URL", smtp_url.as_str())];
    ok(&dsrdesk_as(&url, &["worker", "--once"], None, &env), "worker --once");
    ok(&dsrdesk_as(&url, &["outbox", "send"], None, &env), "outbox send");
    assert_eq!(server.received().len(), 1, "the queued reply was delivered by the worker");

    for (args, what) in [
        (vec!["assign", anna.as_str()], "claim"),
        (vec!["status", refs["fx-erasure-lisa"].as_str(), "in_progress"], "status"),
        (vec!["verify", refs["fx-access-anna"].as_str(), "--method", "letter", "--evidence", "x"], "verify"),
    ] {
        denied(&dsrdesk_as(&url, &args, None, &[]), what);
    }
    for sql in [
        "UPDATE requests SET status = 'in_progress'",
        "INSERT INTO request_verifications (request_id, method, evidence, verified_by, verified_at) VALUES (1, 'id_document', 'x', 'x', now())",
        "INSERT INTO outbox_attachments (outbox_id, file_name, content_type, content, sha256) VALUES (1, 'a', 'text/plain', 'x', 'x')",
        "SELECT * FROM reply_drafts",
    ] {
        let e = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(e.to_string().contains("permission denied"), "{sql}: {e}");
    }
    assert_history_refused_by_grant(&pool, "worker").await;
    pool.close().await;
    drop_logins(&db, &logins).await;
}

#[tokio::test]
async fn a_role_other_than_the_owner_never_migrates_and_is_told_to_ask_the_owner() {
    let db = fresh_database().await;
    let logins = logins(&db).await;
    let url = url_as(&db, &logins.operator);
    ok(&dsrdesk_as(&url, &["list"], None, &[]), "an up-to-date database opens");
    // As if the binary were newer than the database: the last migration is not applied.
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = (SELECT max(version) FROM _sqlx_migrations)")
        .execute(&db.pool)
        .await
        .unwrap();
    let out = dsrdesk_as(&url, &["list"], None, &[]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("only the schema's owner may apply") && err.contains("dsrdesk db migrate"), "{err}");
    drop_logins(&db, &logins).await;
}
