//! What a case file reads (issue 17 §2): each outbound mail's exact bytes, the request's links in
//! the event chain, and the erasure work on record. Also the writing of the raw bytes themselves
//! (migration 0027), called by the outbox sender before each SMTP transaction.

use crate::error::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

/// Keep the exact bytes of an attempt, before they are handed to the SMTP server.
pub async fn keep_raw_message(
    conn: &mut PgConnection,
    outbox_id: i64,
    attempt: i32,
    raw: &[u8],
) -> Result<()> {
    sqlx::query(
        "INSERT INTO outbox_raw_messages (outbox_id, attempt, raw, sha256)
         VALUES ($1, $2, $3, encode(sha256($3), 'hex'))",
    )
    .bind(outbox_id)
    .bind(attempt)
    .bind(raw)
    .execute(conn)
    .await?;
    Ok(())
}

/// One outbound mail of a request, with the bytes of its last attempt (None when never tried).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SentMail {
    pub id: i64,
    pub message_id: String,
    pub purpose: String,
    pub state: String,
    pub to_address: String,
    pub subject: String,
    pub queued_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub raw: Option<Vec<u8>>,
    pub raw_sha256: Option<String>,
}

pub async fn mails_of(conn: &mut PgConnection, request_id: i64) -> Result<Vec<SentMail>> {
    Ok(sqlx::query_as(
        "SELECT o.id, o.message_id, o.purpose, o.state, o.to_address, o.subject, o.queued_at, o.sent_at,
                m.raw, m.sha256 AS raw_sha256
         FROM outbox o
         LEFT JOIN LATERAL (SELECT raw, sha256 FROM outbox_raw_messages
                            WHERE outbox_id = o.id ORDER BY id DESC LIMIT 1) m ON true
         WHERE o.request_id = $1 ORDER BY o.id",
    )
    .bind(request_id)
    .fetch_all(conn)
    .await?)
}

/// One event's link in its request's chain (migrations 0026, 0031).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ChainLink {
    pub chain_seq: i64,
    pub event_id: i64,
    /// The details' own hash, which the content hash covers (kept when the details are anonymised).
    pub details_sha256: String,
    pub content_sha256: String,
    pub prev_sha256: String,
    pub sha256: String,
}

pub async fn chain_of(conn: &mut PgConnection, request_id: i64) -> Result<Vec<ChainLink>> {
    Ok(sqlx::query_as(
        "SELECT chain_seq, id AS event_id, encode(details_sha256, 'hex') AS details_sha256,
                encode(content_sha256, 'hex') AS content_sha256,
                encode(prev_sha256, 'hex') AS prev_sha256, encode(sha256, 'hex') AS sha256
         FROM request_events WHERE request_id = $1 ORDER BY chain_seq",
    )
    .bind(request_id)
    .fetch_all(conn)
    .await?)
}

/// The erasure work on record for a request, each row as the database holds it: what was done
/// to each source row (`subject_actions`) and follow-up erasures planned for later dates.
pub async fn erasure_records(conn: &mut PgConnection, request_id: i64) -> Result<serde_json::Value> {
    Ok(sqlx::query_scalar(
        "SELECT jsonb_build_object(
            'actions', coalesce((SELECT jsonb_agg(to_jsonb(a) ORDER BY a.id) FROM subject_actions a
                                 WHERE a.request_id = $1), '[]'),
            'scheduled', coalesce((SELECT jsonb_agg(to_jsonb(s)) FROM scheduled_erasures s
                                   WHERE s.request_id = $1), '[]'))",
    )
    .bind(request_id)
    .fetch_one(conn)
    .await?)
}

/// A request's events in the caller's transaction (its snapshot), oldest first.
pub async fn events_in(
    conn: &mut PgConnection,
    request_id: i64,
) -> Result<Vec<crate::store::requests::EventRecord>> {
    Ok(sqlx::query_as(
        "SELECT id, recorded_at, effective_at, actor, actor_client, db_role, action, details
         FROM request_events WHERE request_id = $1 ORDER BY id",
    )
    .bind(request_id)
    .fetch_all(conn)
    .await?)
}
