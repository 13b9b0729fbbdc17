//! Reply drafts: one per request and author, saved as typed.

use crate::error::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

/// A draft being written: saved as it is typed, so a dropped SSH session loses nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Draft {
    pub purpose: String,
    pub language: String,
    pub detail: Option<String>,
    pub subject: String,
    pub body: String,
    /// `access` or `portability`: the export to attach.
    pub attach: Option<String>,
    pub encrypt: bool,
    pub updated_at: DateTime<Utc>,
}

pub async fn draft_of(pool: &PgPool, reference: &str, author: &str) -> Result<Option<Draft>> {
    Ok(sqlx::query_as(
        "SELECT d.purpose, d.language, d.detail, d.subject, d.body, d.attach, d.encrypt, d.updated_at
         FROM reply_drafts d JOIN requests r ON r.id = d.request_id
         WHERE r.reference = $1 AND d.author = $2",
    )
    .bind(reference)
    .bind(author)
    .fetch_optional(pool)
    .await?)
}

/// Save (insert or replace) the author's draft; false when no request has that reference.
/// `purpose` is the checked template name (the draft's own field may be any text).
pub async fn save_draft(
    pool: &PgPool,
    reference: &str,
    author: &str,
    purpose: &str,
    draft: &Draft,
) -> Result<bool> {
    let saved = sqlx::query(
        "INSERT INTO reply_drafts (request_id, author, purpose, language, detail, subject, body, attach, encrypt, updated_at)
         SELECT r.id, $2, $3, $4, $5, $6, $7, $8, $9, now() FROM requests r WHERE r.reference = $1
         ON CONFLICT (request_id, author) DO UPDATE SET
           purpose = EXCLUDED.purpose, language = EXCLUDED.language, detail = EXCLUDED.detail,
           subject = EXCLUDED.subject, body = EXCLUDED.body, attach = EXCLUDED.attach,
           encrypt = EXCLUDED.encrypt, updated_at = now()",
    )
    .bind(reference)
    .bind(author)
    .bind(purpose)
    .bind(&draft.language)
    .bind(&draft.detail)
    .bind(&draft.subject)
    .bind(&draft.body)
    .bind(&draft.attach)
    .bind(draft.encrypt)
    .execute(pool)
    .await?;
    Ok(saved.rows_affected() > 0)
}

/// Throw the author's draft away; false when there was none.
pub async fn discard_draft(pool: &PgPool, reference: &str, author: &str) -> Result<bool> {
    let done = sqlx::query(
        "DELETE FROM reply_drafts d USING requests r WHERE r.id = d.request_id AND r.reference = $1 AND d.author = $2",
    )
    .bind(reference)
    .bind(author)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The draft was sent (its reply queued in the same transaction): it goes.
pub async fn delete_draft_of(conn: &mut PgConnection, request_id: i64, author: &str) -> Result<()> {
    sqlx::query("DELETE FROM reply_drafts WHERE request_id = $1 AND author = $2")
        .bind(request_id)
        .bind(author)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
