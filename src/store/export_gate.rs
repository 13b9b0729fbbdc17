//! The database's own gates before a subject's data leaves: who may export, one snapshot of
//! every source, and the verification the data may go out on.

use crate::error::Result;
use sqlx::{PgConnection, PgPool};

/// Whether this login may export (only operators: migration 0016).
pub async fn may_export(pool: &PgPool) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT dsrdesk_may_export()").fetch_one(pool).await?)
}

/// Make the open transaction one read-only snapshot (the bundle reads each portable source twice,
/// and both reads must agree). Must be the transaction's first statement.
pub async fn read_only_snapshot(conn: &mut PgConnection) -> Result<()> {
    // One round trip for both. The sources are read in their order (a subject's 100,000 payments
    // by date): with the server's 4 MB the sort went to disk; 64 MB keeps it in memory, for
    // this transaction only, whose statements run one at a time.
    sqlx::raw_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY; SET LOCAL work_mem = '64MB'")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The database's check (migrations 0004, 0011): for an e-ID verification the number it returned
/// must be every linked person's, or no data is read. A refusal comes back as a check violation
/// naming `what`.
pub async fn require_verified(conn: &mut PgConnection, request_id: i64, what: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT dsrdesk_require_verified($1, $2)")
        .bind(request_id)
        .bind(what)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
