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
                "--returned-number",
                "19811218-9876",
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
    // A wrong link removed (with its event, migration 0019).
    let access = &refs["fx-access-anna"];
    ok(&dsrdesk_as(&url, &["link", access, "--person", "1"], None, &[]), "link");
    ok(&dsrdesk_as(&url, &["link", access, "--unlink", "1"], None, &[]), "unlink");
    // What was done is recorded under the operator's own login: as db_role and as the actor.
    let roles: Vec<(String, String)> = sqlx::query_as("SELECT DISTINCT db_role, actor FROM request_events")
        .fetch_all(&db.pool)
        .await
        .unwrap();
    assert_eq!(roles, vec![(logins.operator.clone(), logins.operator.clone())]);
    let verified_by: String = sqlx::query_scalar("SELECT verified_by FROM request_verifications")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(verified_by, logins.operator, "the verifier is the login (dsrdesk_record_verification)");
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
    // What the worker's word "sent" rests on: the server's own reply, with the id it gave.
    let (reply, actor): (Option<String>, String) = sqlx::query_as(
        "SELECT o.smtp_reply, e.actor FROM outbox o
         JOIN request_events e ON e.request_id = o.request_id AND e.action = 'reply_sent'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(reply, Some(format!("250 2.0.0 Ok: queued as {}", server.received()[0].queue_id)));
    assert_eq!(actor, logins.worker, "the event names the worker's login");

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

/// A test CA and a certificate for `localhost` signed by it, made with the openssl CLI.
struct TestPki {
    ca: std::path::PathBuf,
    other_ca: std::path::PathBuf,
    cert: std::path::PathBuf,
    key: std::path::PathBuf,
}

fn openssl(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("the openssl CLI");
    assert!(out.status.success(), "openssl {args:?}: {}", text(&out.stderr));
}

fn test_pki(dir: &std::path::Path) -> TestPki {
    std::fs::create_dir_all(dir).unwrap();
    for ca in ["ca", "other-ca"] {
        openssl(
            dir,
            &[
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                &format!("{ca}.key"),
                "-out",
                &format!("{ca}.crt"),
                "-days",
                "2",
                "-subj",
                &format!("/CN=dsrdesk test {ca}"),
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
    }
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=localhost",
        ],
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "server.ext",
        ],
    );
    TestPki {
        ca: dir.join("ca.crt"),
        other_ca: dir.join("other-ca.crt"),
        cert: dir.join("server.crt"),
        key: dir.join("server.key"),
    }
}

/// A private cluster of its own (never the shared test cluster) listening on a loopback TCP port
/// with TLS only and password (SCRAM) authentication; stopped when dropped.
struct TlsCluster {
    cluster: dsrdesk::store::cluster::Cluster,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        let _ = self.cluster.stop();
    }
}

const DB_PASSWORD: &str = "Corr3ct-H0rse-Battery-Staple";

async fn tls_cluster(pki_dir: &std::path::Path) -> (TlsCluster, TestPki) {
    use dsrdesk::store::cluster::{CLUSTER_ROLE, Cluster, SOCKET_PORT};
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    let cluster = Cluster::new(dir.path().join("db")).unwrap();
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.ensure_running()).await.unwrap().unwrap();
    let socket = sqlx::postgres::PgConnectOptions::new()
        .socket(cluster.socket_dir())
        .port(SOCKET_PORT)
        .username(CLUSTER_ROLE)
        .database("postgres");
    let mut conn = sqlx::PgConnection::connect_with(&socket).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("ALTER ROLE {CLUSTER_ROLE} PASSWORD '{DB_PASSWORD}'")))
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("CREATE DATABASE dsrdesk_tls").execute(&mut conn).await.unwrap();
    conn.close().await.unwrap();
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.stop()).await.unwrap().unwrap();

    let pki = test_pki(pki_dir);
    let pgdata = cluster.pgdata();
    for (from, to) in [(&pki.cert, "server.crt"), (&pki.key, "server.key")] {
        std::fs::copy(from, pgdata.join(to)).unwrap();
        let path = pgdata.join(to);
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        // As root the cluster runs as `postgres`, which must own its key.
        if nix::unistd::Uid::effective().is_root() {
            let user = nix::unistd::User::from_name("postgres").unwrap().unwrap();
            std::os::unix::fs::chown(&path, Some(user.uid.as_raw()), Some(user.gid.as_raw())).unwrap();
        }
    }
    let port = smtp::closed_port();
    let conf = pgdata.join("postgresql.conf");
    let mut settings = std::fs::read_to_string(&conf).unwrap();
    settings.push_str(&format!(
        "\n# tests/security.rs: TLS on loopback\nlisten_addresses = 'localhost'\nport = {port}\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\npassword_encryption = 'scram-sha-256'\n"
    ));
    std::fs::write(&conf, settings).unwrap();
    let hba = pgdata.join("pg_hba.conf");
    let rules = std::fs::read_to_string(&hba).unwrap();
    std::fs::write(
        &hba,
        format!(
            "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\nhostssl all all ::1/128 scram-sha-256\nhost all all all reject\n{rules}"
        ),
    )
    .unwrap();
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.ensure_running()).await.unwrap().unwrap();
    (TlsCluster { cluster, port, _dir: dir }, pki)
}

fn tls_url(port: u16, host: &str, password: &str, params: &str) -> String {
    format!("postgres://dsrdesk:{password}@{host}:{port}/dsrdesk_tls?{params}")
}

fn dsrdesk_url(url: &str, args: &[&str]) -> Output {
    dsrdesk_as(url, args, None, &[])
}

#[tokio::test]
async fn postgres_over_tls_with_verify_full_works_and_a_wrong_ca_or_host_name_is_refused_clearly() {
    let pki_dir = tempfile::tempdir().unwrap();
    let (server, pki) = tls_cluster(pki_dir.path()).await;
    let verify = |ca: &std::path::Path| format!("sslmode=verify-full&sslrootcert={}", ca.display());

    // verify-full against the test CA: connected, migrated, and the session is encrypted.
    let url = tls_url(server.port, "localhost", DB_PASSWORD, &verify(&pki.ca));
    let out = dsrdesk_url(&url, &["db", "status"]);
    let status = ok(&out, "db status over TLS");
    assert!(status.contains("TLS: TLSv1."), "{status}");
    assert!(status.contains("as role dsrdesk"), "{status}");
    ok(&dsrdesk_url(&url, &["list"]), "list over TLS");
    for shown in [status, text(&out.stderr)] {
        assert!(!shown.contains(DB_PASSWORD), "the password was shown: {shown}");
    }

    // A certificate from another CA: refused, saying why, exit 4, no password in the message.
    let out = dsrdesk_url(&tls_url(server.port, "localhost", DB_PASSWORD, &verify(&pki.other_ca)), &["list"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("invalid peer certificate: UnknownIssuer"), "a clear reason: {err}");
    assert!(!err.contains(DB_PASSWORD), "{err}");

    // The right CA but another host name than the certificate's: verify-full refuses it.
    let out = dsrdesk_url(&tls_url(server.port, "127.0.0.1", DB_PASSWORD, &verify(&pki.ca)), &["list"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("certificate not valid for name \"127.0.0.1\""), "{err}");

    // Without TLS the server refuses the connection (hostnossl is rejected).
    let out = dsrdesk_url(&tls_url(server.port, "localhost", DB_PASSWORD, "sslmode=disable"), &["list"]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));

    // A wrong password, an unreachable server, a malformed URL: the password is never echoed.
    let wrong = "Wr0ng-Pa55word-Never-Shown";
    for url in [
        tls_url(server.port, "localhost", wrong, &verify(&pki.ca)),
        tls_url(smtp::closed_port(), "localhost", wrong, &verify(&pki.ca)),
        format!("postgres://dsrdesk:{wrong}@localhost:notaport/dsrdesk_tls"),
        format!("postgres://dsrdesk:{wrong}@localhost/dsrdesk_tls?sslmode=bogus"),
    ] {
        let out = dsrdesk_url(&url, &["list"]);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{url}");
        assert!(!err.contains(wrong) && !text(&out.stdout).contains(wrong), "the password was shown: {err}");
    }
}

#[tokio::test]
async fn smtp_over_implicit_tls_and_starttls_with_an_agency_ca_delivers_and_another_ca_is_refused() {
    use dsrdesk::config::SmtpSettings;
    let pki_dir = tempfile::tempdir().unwrap();
    let pki = test_pki(pki_dir.path());
    let db = fresh_database().await;
    let owner = Desk::new(db.pool.clone(), Config::default());
    let intake = LEDGER_FIXTURE_REQUESTS.lines().take(3).collect::<Vec<_>>().join("\n");
    let refs = owner.intake(&Operator::new("alice"), &intake, Utc::now()).await.unwrap().created;

    for (n, (mode, scheme)) in [("implicit", "smtps"), ("starttls", "smtp")].into_iter().enumerate() {
        let server = smtp::SmtpServer::start_tls(mode, &pki.cert, &pki.key);
        let url = match mode {
            "implicit" => format!("{scheme}://localhost:{}", server.port),
            _ => format!("{scheme}://localhost:{}?tls=required", server.port),
        };
        ok(
            &dsrdesk_as(&db.url(), &["reply", &refs[n], "--template", "acknowledgement"], None, &[]),
            "queue a reply",
        );
        // Another CA: the message is not delivered (a temporary failure, retried later), and the
        // reason names the certificate.
        let other = pki.other_ca.display().to_string();
        let out = dsrdesk_as(
            &db.url(),
            &["outbox", "send"],
            None,
            &[("DSRDESK_SMTP_URL", &url), ("DSRDESK_SMTP_CA_FILE", &other)],
        );
        assert!(server.received().is_empty(), "{mode}: delivered despite an untrusted certificate");
        let last_error: Option<String> =
            sqlx::query_scalar("SELECT last_error FROM outbox ORDER BY id DESC LIMIT 1")
                .fetch_one(&db.pool)
                .await
                .unwrap();
        let shown = format!("{} {} {last_error:?}", text(&out.stdout), text(&out.stderr));
        assert!(shown.to_lowercase().contains("certificate"), "{mode}: {shown}");
        sqlx::query("UPDATE outbox SET next_attempt_at = now() WHERE state = 'retry'")
            .execute(&db.pool)
            .await
            .unwrap();
        // The agency's CA from the configuration file: delivered.
        let config_dir = tempfile::tempdir().unwrap();
        std::fs::copy(&pki.ca, config_dir.path().join("relay-ca.pem")).unwrap();
        let config = config_dir.path().join("config.toml");
        std::fs::write(&config, format!("[smtp]\nurl = \"{url}\"\nca_file = \"relay-ca.pem\"\n")).unwrap();
        let out =
            dsrdesk_as(&db.url(), &["outbox", "send"], None, &[("DSRDESK_CONFIG", config.to_str().unwrap())]);
        ok(&out, &format!("{mode}: outbox send with the agency's CA"));
        assert_eq!(server.received().len(), 1, "{mode}: delivered over TLS");
    }

    // A CA file that is not a certificate is refused when the settings are read.
    let settings = SmtpSettings {
        url: Some("smtps://localhost:465".into()),
        ca_file: Some(pki.key.clone()),
        ..SmtpSettings::default()
    };
    let err = dsrdesk::mail::smtp::resolve(&settings, |_| None).unwrap_err().to_string();
    assert!(err.contains("not a PEM certificate"), "{err}");
}

/// Issue 14 §5: only operators export the subject's data. The worker role reads the ledger (for
/// follow-up erasures) and appends events, so before migration 0016 `dsrdesk export` worked for
/// it. Now the desk refuses before writing anything, and the database refuses the export's event
/// (SQLSTATE 42501) should anything else try.
#[tokio::test]
async fn the_worker_role_cannot_export_and_the_operator_can() {
    let db = fresh_database().await;
    let logins = logins(&db).await;
    let owner = Desk::new(db.pool.clone(), Config::default());
    let refs = load_ledger_fixture(&owner).await.unwrap();
    let alice = Operator::new("alice");
    let anna = &refs["fx-access-anna"];
    owner.link(&alice, anna, Some("1"), fixture_now()).await.unwrap();
    verify_by_bankid(&owner, &alice, anna).await;

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("worker");
    let denied = dsrdesk_as(
        &url_as(&db, &logins.worker),
        &["export", anna, "--out", out.to_str().unwrap()],
        None,
        &[],
    );
    assert!(!denied.status.success(), "the worker exported: {}", text(&denied.stdout));
    assert!(text(&denied.stderr).contains("may not export"), "{}", text(&denied.stderr));
    assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none(), "nothing written");

    // Through psql: the event that records an export is refused by the database.
    let pool = pool_as(&db, &logins.worker).await;
    let e = sqlx::query(
        // Anna's request is verified, so only the role can be what refuses it.
        "INSERT INTO request_events (request_id, actor, action) SELECT id, 'worker', 'export_written' FROM requests WHERE reference = $1",
    )
    .bind(anna)
    .execute(&pool)
    .await
    .unwrap_err();
    let code = e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some("42501"), "{e}");
    pool.close().await;

    let out = dir.path().join("operator");
    ok(
        &dsrdesk_as(
            &url_as(&db, &logins.operator),
            &["export", anna, "--out", out.to_str().unwrap()],
            None,
            &[],
        ),
        "the operator exports",
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1);
    drop_logins(&db, &logins).await;
}
