//! Everything that talks to PostgreSQL: the connection, migrations, the queue's queries.

pub mod audit;
pub mod casefile;
pub mod cluster;
pub mod copy_text;
pub mod drafts;
pub mod erasure;
pub mod export_gate;
pub mod inbox;
pub mod intake_copy;
pub mod ledger;
pub mod meta;
pub mod notify;
pub mod outbox;
pub mod outbox_view;
pub mod replica;
pub mod report;
pub mod requests;
pub mod retention;
pub mod shift;
pub mod snapshot;
pub mod subjects;
pub mod tasks;
pub mod verification;

use crate::error::{Error, Result};
use cluster::{CLUSTER_ROLE, Cluster, SOCKET_PORT};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Make the caller's transaction one read-only snapshot of the whole database (REPEATABLE READ),
/// so that several reads (every source of a plan, an export) see the same moment. Must be the
/// first statement of the transaction.
pub async fn read_only_snapshot(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *conn).await?;
    Ok(())
}

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Which database to use.
#[derive(Debug, Clone)]
pub enum DatabaseTarget {
    /// An existing server (`DATABASE_URL`).
    Url(String),
    /// dsrdesk's own cluster in `data_dir`, database `database`.
    Embedded { data_dir: PathBuf, database: String },
}

impl DatabaseTarget {
    /// `DATABASE_URL` when set, else the embedded cluster in the default data directory.
    pub fn from_env(embedded_database: &str) -> DatabaseTarget {
        match std::env::var("DATABASE_URL") {
            Ok(url) if !url.is_empty() => DatabaseTarget::Url(url),
            _ => DatabaseTarget::Embedded {
                data_dir: Cluster::default_data_dir(),
                database: embedded_database.to_string(),
            },
        }
    }

    /// Start the embedded cluster if needed, create the database if missing, and return how to
    /// connect to it.
    pub async fn prepare(&self) -> Result<PgConnectOptions> {
        match self {
            DatabaseTarget::Url(url) => {
                let options = PgConnectOptions::from_str(url)?;
                // As libpq does: with no user in the URL and no PGUSER, the OS user's own role.
                // The jump host's sshd snippet relies on it (each DPO connects as the role of their
                // name). sqlx 0.9 builds whoami without its OS backend, and so would log in as
                // "anonymous".
                if url_names_user(url) || std::env::var_os("PGUSER").is_some() {
                    Ok(options)
                } else {
                    Ok(options.username(&os_login_name()?))
                }
            }
            DatabaseTarget::Embedded { data_dir, database } => {
                let cluster = Cluster::new(data_dir.clone())?;
                let c = cluster.clone();
                tokio::task::spawn_blocking(move || c.ensure_running())
                    .await
                    .expect("cluster start task panicked")?;
                let base = PgConnectOptions::new()
                    .socket(cluster.socket_dir())
                    .port(SOCKET_PORT)
                    .username(CLUSTER_ROLE);
                create_database_if_missing(&base.clone().database("postgres"), database).await?;
                Ok(base.database(database))
            }
        }
    }
}

/// Whether a connection URL says which role to log in as: `user@` before the host, or a `user=`
/// parameter.
fn url_names_user(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    authority.contains('@')
        || tail.split_once('?').is_some_and(|(_, query)| query.split('&').any(|p| p.starts_with("user=")))
}

/// The name of the OS user this process runs as (by its effective uid, as libpq takes it).
fn os_login_name() -> Result<String> {
    let uid = nix::unistd::Uid::effective();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => Ok(user.name),
        _ => Err(Error::Invalid(format!(
            "DATABASE_URL names no user, and uid {uid} has no name to log in with: put the role in the URL (postgres://ROLE@host/db) or in PGUSER"
        ))),
    }
}

/// CREATE DATABASE has no IF NOT EXISTS; two processes may race, so "already exists" is fine.
pub async fn create_database_if_missing(admin: &PgConnectOptions, name: &str) -> Result<()> {
    let mut conn = PgConnection::connect_with(&admin.clone().disable_statement_logging()).await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(name)
        .fetch_one(&mut conn)
        .await?;
    if !exists {
        let sql = format!("CREATE DATABASE {}", quote_ident(name));
        if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut conn).await {
            let duplicate =
                e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "42P04" || c == "23505");
            if !duplicate {
                return Err(e.into());
            }
        }
    }
    conn.close().await.ok();
    Ok(())
}

pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A pool to the target, with migrations applied.
pub async fn open(target: &DatabaseTarget, max_connections: u32) -> Result<PgPool> {
    let pool = connect(target, max_connections).await?;
    migrate_if_needed(&pool).await?;
    Ok(pool)
}

/// A pool to a replica (`[database] replica_url`), which is only ever read: it is never migrated,
/// even when the URL names a server that would take writes; its schema comes from the primary.
pub async fn open_replica(target: &DatabaseTarget, max_connections: u32) -> Result<PgPool> {
    let pool = connect(target, max_connections).await?;
    let pending = pending_migrations(&pool).await?;
    if !pending.is_empty() {
        return Err(Error::Invalid(format!(
            "the replica ([database] replica_url) lacks migration(s) {} of this program: run `dsrdesk db migrate` against the primary, then wait for the replica",
            pending.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        )));
    }
    Ok(pool)
}

/// How long a pooled connection may lie idle before it is checked when taken.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(2);

async fn connect(target: &DatabaseTarget, max_connections: u32) -> Result<PgPool> {
    let options = target.prepare().await?.disable_statement_logging();
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(10))
        // A connection taken from the pool is checked with a round trip only when it lay idle
        // for a while (a server restarted, a connection cut by a firewall): checking every one
        // cost each statement a second round trip, more than a search by reference takes.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > IDLE_BEFORE_PING {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_with(options)
        .await?)
}

/// The embedded migrations the database has not applied yet (or applied with other content,
/// which `MIGRATOR.run` then reports).
pub async fn pending_migrations(pool: &PgPool) -> Result<Vec<i64>> {
    let exists: bool =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(pool).await?;
    let applied: Vec<(i64, Vec<u8>)> = if exists {
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success").fetch_all(pool).await?
    } else {
        Vec::new()
    };
    Ok(MIGRATOR
        .iter()
        .filter(|m| !m.migration_type.is_down_migration())
        .filter(|m| !applied.iter().any(|(v, c)| *v == m.version && c.as_slice() == &*m.checksum))
        .map(|m| m.version)
        .collect())
}

/// Apply the migrations that are pending, and do nothing when none is. Only the schema's owner
/// may change it: the operator, auditor and worker roles (scripts/roles.sql) open an up-to-date
/// database without touching the schema, and are told to ask the owner when it is not.
pub async fn migrate_if_needed(pool: &PgPool) -> Result<()> {
    let pending = pending_migrations(pool).await.map_err(|e| match &e {
        Error::Database(d) if is_permission_denied(d) => Error::Invalid(format!(
            "this role may not read the migration table _sqlx_migrations: run scripts/roles.sql as the owner ({e})"
        )),
        _ => e,
    })?;
    if pending.is_empty() {
        return Ok(());
    }
    if replica::is_hot_standby(pool).await? {
        // A replica gets its schema from the primary's WAL; it can apply nothing itself.
        return Err(Error::Invalid(format!(
            "this database is a read-only replica (hot standby) that has not replayed migration(s) {} yet: run `dsrdesk db migrate` against the primary, then wait for the replica",
            pending.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
        )));
    }
    match MIGRATOR.run(pool).await {
        Ok(()) => Ok(()),
        Err(sqlx::migrate::MigrateError::Execute(d)) if is_permission_denied(&d) => {
            Err(Error::Invalid(format!(
                "the database needs migration(s) {}, which only the schema's owner may apply: run `dsrdesk db migrate` as the owner role, then scripts/roles.sql again ({d})",
                pending.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
            )))
        }
        Err(e) => Err(e.into()),
    }
}

fn is_permission_denied(e: &sqlx::Error) -> bool {
    // 42501: insufficient_privilege.
    e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "42501")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_names_its_user_before_the_host_or_as_a_parameter() {
        assert!(url_names_user("postgres://anna@db.internal/dsrdesk"));
        assert!(url_names_user("postgres://anna:secret@db.internal:5433/dsrdesk?sslmode=verify-full"));
        assert!(url_names_user("postgresql://db.internal/dsrdesk?sslmode=require&user=anna"));
        assert!(!url_names_user("postgres://db.internal/dsrdesk?sslmode=verify-full"));
        assert!(!url_names_user("postgres://localhost/jumphost?host=/run/postgresql"));
        assert!(!url_names_user("postgres:///dsrdesk"));
        // An @ in the path or the parameters is not a user.
        assert!(!url_names_user("postgres://db.internal/dsr@desk?application_name=a@b"));
    }

    /// The jump host's snippet gives a URL without a user: each DPO connects as their own role,
    /// as psql would. (sqlx alone said "anonymous".)
    #[tokio::test]
    async fn a_url_without_a_user_logs_in_as_the_os_user() {
        let options = DatabaseTarget::Url("postgres://db.internal/dsrdesk?sslmode=disable".into())
            .prepare()
            .await
            .unwrap();
        let expected = match std::env::var("PGUSER") {
            Ok(user) => user,
            Err(_) => nix::unistd::User::from_uid(nix::unistd::Uid::effective()).unwrap().unwrap().name,
        };
        assert_eq!(options.get_username(), expected);
        assert_ne!(options.get_username(), "anonymous");
        let named =
            DatabaseTarget::Url("postgres://anna@db.internal/dsrdesk".into()).prepare().await.unwrap();
        assert_eq!(named.get_username(), "anna");
    }
}
