//! Test support: a fresh PostgreSQL database per test, migrations applied.
//!
//! The server is `$DSRDESK_TEST_DATABASE_URL` when set (a role that may create databases), else a
//! private cluster of dsrdesk's own in the temp directory, started on first use by the same
//! launcher the product uses. Each test database is a copy of a migrated template, so a test pays
//! for CREATE DATABASE only, not for the migrations. `DATABASE_URL` is deliberately ignored:
//! tests never touch the database the desk works on.

use crate::error::Result;
use crate::store::cluster::{CLUSTER_ROLE, Cluster, SOCKET_PORT};
use crate::store::{MIGRATOR, create_database_if_missing, quote_ident};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub mod replica;

/// A database made for one test.
pub struct TestDatabase {
    pub pool: PgPool,
    pub name: String,
    pub options: PgConnectOptions,
}

impl TestDatabase {
    /// A `postgres://` URL for this database, for running the real binary against it.
    pub fn url(&self) -> String {
        let user = self.options.get_username();
        let port = self.options.get_port();
        if let Some(socket) = self.options.get_socket() {
            // sqlx reads a percent-encoded host that starts with '/' as a socket directory.
            let dir = socket.to_string_lossy().replace('/', "%2F");
            return format!("postgres://{user}@{dir}:{port}/{}", self.name);
        }
        match std::env::var("DSRDESK_TEST_DATABASE_URL") {
            Ok(base) => format!("{}/{}", url_without_database(&base), self.name),
            Err(_) => format!("postgres://{user}@{}:{port}/{}", self.options.get_host(), self.name),
        }
    }
}

fn url_without_database(url: &str) -> String {
    // postgres://user:pw@host:port/db?params -> postgres://user:pw@host:port
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    format!("{scheme}://{authority}")
}

/// The private test cluster's directory: one per OS user, in the temp directory (reachable by the
/// `postgres` user when tests run as root).
pub fn test_cluster_dir() -> PathBuf {
    std::env::temp_dir().join(format!("dsrdesk-test-{}", nix::unistd::Uid::current()))
}

async fn admin_options() -> Result<PgConnectOptions> {
    if let Ok(url) = std::env::var("DSRDESK_TEST_DATABASE_URL") {
        return Ok(PgConnectOptions::from_str(&url)?);
    }
    let cluster = Cluster::new(test_cluster_dir())?;
    let c = cluster.clone();
    tokio::task::spawn_blocking(move || c.ensure_running()).await.expect("cluster start")?;
    Ok(PgConnectOptions::new()
        .socket(cluster.socket_dir())
        .port(SOCKET_PORT)
        .username(CLUSTER_ROLE)
        .database("postgres"))
}

fn template_name() -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for m in MIGRATOR.iter() {
        m.version.hash(&mut hasher);
        m.checksum.hash(&mut hasher);
    }
    format!("dsrdesk_template_{:016x}", hasher.finish())
}

/// Connect, waiting while the cluster recovers: after an unclean stop (a machine restart) another
/// test process may have started it, and recovery can take a while on a busy disk.
async fn connect_when_ready(admin: &PgConnectOptions) -> Result<PgConnection> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(300);
    loop {
        match PgConnection::connect_with(admin).await {
            Err(e) if still_starting(&e) && std::time::Instant::now() < deadline => {
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            other => return Ok(other?),
        }
    }
}

fn still_starting(e: &sqlx::Error) -> bool {
    let message = e.to_string();
    message.contains("starting up") || message.contains("not yet accepting connections")
}

/// A fresh, migrated database for one test.
pub async fn fresh_database() -> TestDatabase {
    fresh_database_with(10).await
}

pub async fn fresh_database_with(max_connections: u32) -> TestDatabase {
    try_fresh_database(max_connections).await.unwrap_or_else(|e| panic!("test database: {e}"))
}

async fn try_fresh_database(max_connections: u32) -> Result<TestDatabase> {
    try_fresh_database_on(admin_options().await?, max_connections).await
}

/// A fresh database copied from the migrated template on the server `admin` reaches.
async fn try_fresh_database_on(admin: PgConnectOptions, max_connections: u32) -> Result<TestDatabase> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let admin = admin.disable_statement_logging();
    let template = template_name();
    let mut conn = connect_when_ready(&admin).await?;
    // Serialise template creation across test processes.
    sqlx::query("SELECT pg_advisory_lock(724119001)").execute(&mut conn).await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&template)
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        drop_stale_test_databases(&mut conn).await;
        let building = format!("{template}_building");
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {}", quote_ident(&building))))
            .execute(&mut conn)
            .await?;
        create_database_if_missing(&admin, &building).await?;
        let pool =
            PgPoolOptions::new().max_connections(1).connect_with(admin.clone().database(&building)).await?;
        MIGRATOR.run(&pool).await?;
        pool.close().await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE {} RENAME TO {}",
            quote_ident(&building),
            quote_ident(&template)
        )))
        .execute(&mut conn)
        .await?;
    }
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock").as_secs();
    let name = format!("t_{secs}_{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE {} TEMPLATE {}",
        quote_ident(&name),
        quote_ident(&template)
    )))
    .execute(&mut conn)
    .await?;
    sqlx::query("SELECT pg_advisory_unlock(724119001)").execute(&mut conn).await?;
    conn.close().await.ok();
    let options = admin.clone().database(&name);
    let pool = PgPoolOptions::new().max_connections(max_connections).connect_with(options.clone()).await?;
    Ok(TestDatabase { pool, name, options })
}

/// Test databases older than two hours are leftovers of earlier runs.
async fn drop_stale_test_databases(conn: &mut PgConnection) {
    let Ok(names) =
        sqlx::query_scalar::<_, String>("SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'")
            .fetch_all(&mut *conn)
            .await
    else {
        return;
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    for name in names {
        let created = name.split('_').nth(1).and_then(|s| s.parse::<u64>().ok()).unwrap_or(now);
        if now.saturating_sub(created) > 2 * 3600 {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(&name)
            )))
            .execute(&mut *conn)
            .await;
        }
    }
}

/// A small hand-made reference ledger (tests/fixtures/ledger.sql) whose holds lapse on known days.
pub const LEDGER_FIXTURE: &str = include_str!("../tests/fixtures/ledger.sql");
/// Requests from the fixture's persons (tests/fixtures/ledger_requests.jsonl).
pub const LEDGER_FIXTURE_REQUESTS: &str = include_str!("../tests/fixtures/ledger_requests.jsonl");

/// The fixed "now" the ledger fixture's dates are written for: 2026-11-21 10:00 UTC.
pub fn fixture_now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").expect("valid").with_timezone(&chrono::Utc)
}

/// Load the ledger fixture and its requests into a test database. Returns each request's
/// external id (`fx-erasure-anna`, ...) with the reference intake gave it.
pub async fn load_ledger_fixture(
    desk: &crate::service::Desk,
) -> Result<std::collections::BTreeMap<String, String>> {
    sqlx::raw_sql(LEDGER_FIXTURE).execute(desk.pool()).await?;
    let operator = crate::service::Operator::new("fixture");
    let outcome = desk.intake(&operator, LEDGER_FIXTURE_REQUESTS, fixture_now()).await?;
    let ids = LEDGER_FIXTURE_REQUESTS.lines().filter(|l| !l.trim().is_empty()).map(|l| {
        let v: serde_json::Value = serde_json::from_str(l).expect("fixture line is JSON");
        v["external_id"].as_str().expect("fixture has external ids").to_string()
    });
    Ok(ids.zip(outcome.created).collect())
}

/// Record a BankID verification through the service at the fixture's "now": the set-up of tests
/// about what may only happen after identity is verified (Art. 12(6)). The e-ID returns the real
/// number of the linked ledger person (all linked persons share it, or the verification is
/// refused); with nobody linked yet, the number the requester gave; with neither, a valid test
/// personnummer (and only a person with that number may be linked afterwards).
pub async fn verify_by_bankid(
    desk: &crate::service::Desk,
    operator: &crate::service::Operator,
    reference: &str,
) {
    use crate::service::verify::{Verification, VerificationMethod};
    let linked: Option<String> = sqlx::query_scalar(
        "SELECT coalesce(
             (SELECT s.personal_number FROM request_subjects s WHERE s.request_id = r.id
              ORDER BY s.linked_at, s.person_id LIMIT 1),
             r.requester_personal_number)
         FROM requests r WHERE r.reference = $1",
    )
    .bind(reference)
    .fetch_optional(desk.pool())
    .await
    .expect("the request is readable")
    .flatten();
    let v = Verification {
        method: VerificationMethod::BankId,
        transaction_reference: Some("bankid-tx-1".into()),
        evidence: "BankID signature in the portal".into(),
        returned_number: Some(linked.unwrap_or_else(|| "19811218-9876".into())),
    };
    desk.verify(operator, reference, &v, fixture_now()).await.expect("verified");
}

/// A real dependency of a test (a program, a package) is missing. The test fails with the reason
/// and how to install it — always under `CI=true`. A developer may opt out locally with
/// `DSRDESK_ALLOW_SKIP=1`: then this returns and the caller skips, and the skip is written to
/// `$DSRDESK_SKIP_LOG` (scripts/test sets it and prints what was skipped at the end of the run).
pub fn missing_dependency(what: &str, install: &str) {
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let allowed = std::env::var("DSRDESK_ALLOW_SKIP").is_ok_and(|v| v == "1");
    if ci || !allowed {
        panic!(
            "{test} needs {what}, which is missing: install it with `{install}` (scripts/test does){}",
            if ci { "; CI=true: never skipped" } else { "; DSRDESK_ALLOW_SKIP=1 skips it locally" }
        );
    }
    let line = format!("SKIPPED {test}: {what} is missing (install: {install})\n");
    eprint!("{line}");
    if let Ok(log) = std::env::var("DSRDESK_SKIP_LOG") {
        use std::io::Write;
        let file = std::fs::OpenOptions::new().create(true).append(true).open(&log);
        let _ = file.and_then(|mut f| f.write_all(line.as_bytes()));
    }
}

/// Seed 001's practice as configuration: closed cases kept 36 months on the Art. 17(3)(e) ground
/// the agency names (complaints and disputes about the collection), in both countries. Without a
/// named ground the period holds nothing (the default).
pub fn config_with_policy_ground() -> crate::config::Config {
    crate::config::Config::default().with_policy_ground(Some(crate::domain::holds::PolicyGround::LegalClaims))
}
