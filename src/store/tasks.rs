//! The follow-up tasks a request leaves: Art. 19 notices to recipients and the processor part
//! forwarded to clients (Art. 28).

use crate::error::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

/// An Art. 19 notice to give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct RecipientTask {
    pub id: i64,
    pub recipient: String,
    pub reason: String,
    pub sources: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<String>,
}

/// The processor part of a request: one task per client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ProcessorTask {
    pub id: i64,
    pub client: String,
    pub contact: Option<String>,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<String>,
}

/// One open Art. 19 task per recipient, request and kind of change: an open one is widened to
/// the new sources (migration 0040), else a new one is made. The caller holds the request's row
/// lock (every rights operation does), so two corrections of one request cannot both insert.
pub async fn insert_recipient_task(
    conn: &mut PgConnection,
    request_id: i64,
    recipient: &str,
    reason: &str,
    sources: &[String],
    at: DateTime<Utc>,
) -> Result<()> {
    let widened = sqlx::query(
        "UPDATE recipient_tasks
         SET sources = sources || ARRAY(SELECT s FROM unnest($4::text[]) s WHERE s <> ALL (sources))
         WHERE id = (SELECT id FROM recipient_tasks
                     WHERE request_id = $1 AND recipient = $2 AND reason = $3 AND done_at IS NULL
                     ORDER BY id LIMIT 1)",
    )
    .bind(request_id)
    .bind(recipient)
    .bind(reason)
    .bind(sources)
    .execute(&mut *conn)
    .await?;
    if widened.rows_affected() > 0 {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO recipient_tasks (request_id, recipient, reason, sources, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(request_id)
    .bind(recipient)
    .bind(reason)
    .bind(sources)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn recipient_tasks_of(conn: &mut PgConnection, request_id: i64) -> Result<Vec<RecipientTask>> {
    Ok(sqlx::query_as(
        "SELECT id, recipient, reason, sources, created_at, done_at, done_by FROM recipient_tasks
         WHERE request_id = $1 ORDER BY id",
    )
    .bind(request_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Tick off an open task; `None` when the request has no open task with that id.
pub async fn complete_recipient_task(
    conn: &mut PgConnection,
    request_id: i64,
    task_id: i64,
    by: &str,
    at: DateTime<Utc>,
) -> Result<Option<RecipientTask>> {
    Ok(sqlx::query_as(
        "UPDATE recipient_tasks SET done_at = $3, done_by = $4
         WHERE id = $1 AND request_id = $2 AND done_at IS NULL
         RETURNING id, recipient, reason, sources, created_at, done_at, done_by",
    )
    .bind(task_id)
    .bind(request_id)
    .bind(at)
    .bind(by)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A task for the client; an existing one is kept as it is.
pub async fn ensure_processor_task(
    conn: &mut PgConnection,
    request_id: i64,
    client: &str,
    contact: Option<&str>,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO processor_tasks (request_id, client, contact, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (request_id, client) DO NOTHING",
    )
    .bind(request_id)
    .bind(client)
    .bind(contact)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn complete_processor_task(
    conn: &mut PgConnection,
    request_id: i64,
    client: &str,
    by: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "UPDATE processor_tasks SET done_at = $3, done_by = $4
         WHERE request_id = $1 AND client = $2 AND done_at IS NULL",
    )
    .bind(request_id)
    .bind(client)
    .bind(at)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn processor_tasks_of(conn: &mut PgConnection, request_id: i64) -> Result<Vec<ProcessorTask>> {
    Ok(sqlx::query_as(
        "SELECT id, client, contact, created_at, done_at, done_by FROM processor_tasks WHERE request_id = $1 ORDER BY id",
    )
    .bind(request_id)
    .fetch_all(&mut *conn)
    .await?)
}
