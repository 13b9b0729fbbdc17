//! What the database says about itself: whether it holds requests yet, whether the reference
//! ledger was seeded, the migrations applied, the server and the connection.

use crate::error::Result;
use sqlx::PgPool;

/// Whether no request is stored yet.
pub async fn holds_no_requests(pool: &PgPool) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT NOT EXISTS (SELECT 1 FROM requests)").fetch_one(pool).await?)
}

/// Whether `dsrdesk seed` has filled the reference ledger (its mark in `dsrdesk_meta`).
pub async fn ledger_seeded(pool: &PgPool) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM dsrdesk_meta WHERE key = 'ledger_seeded')")
        .fetch_one(pool)
        .await?)
}

/// How many migrations have been applied.
pub async fn migrations_applied(pool: &PgPool) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success").fetch_one(pool).await?)
}

/// The server and the connection, as `dsrdesk db status` tells them (never the URL: it may
/// hold a password).
#[derive(Debug, Clone)]
pub struct ServerStatus {
    pub version: String,
    pub role: String,
    pub database: String,
    /// The TLS version and cipher, when the connection is encrypted.
    pub tls: Option<String>,
}

pub async fn server_status(pool: &PgPool) -> Result<ServerStatus> {
    let (version, role, database, tls): (String, String, String, Option<String>) = sqlx::query_as(
        "SELECT current_setting('server_version'), current_user::text, current_database()::text,
                (SELECT version || ' ' || cipher FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl)",
    )
    .fetch_one(pool)
    .await?;
    Ok(ServerStatus { version, role, database, tls })
}
