//! Reading the outbox for the desk: counts by state, the messages in a state (or of one request),
//! and one message with its attachments' names (without their content) for the auditor's view.
//! The sender's SQL is in `store::outbox`.

use crate::error::Result;
use crate::store::outbox::{OutboxRecord, OutboxState, OutboxSummary};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};

/// How many messages are in each state that is not yet done (sent ones are history).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    pub queued: i64,
    pub sending: i64,
    pub retry: i64,
    pub failed: i64,
    pub uncertain: i64,
}

impl OutboxCounts {
    pub fn of(&self, state: OutboxState) -> i64 {
        match state {
            OutboxState::Queued => self.queued,
            OutboxState::Sending => self.sending,
            OutboxState::Retry => self.retry,
            OutboxState::Failed => self.failed,
            OutboxState::Uncertain => self.uncertain,
            OutboxState::Sent => 0,
        }
    }

    /// Failed and uncertain: the messages that wait for the operator.
    pub fn need_attention(&self) -> i64 {
        self.failed + self.uncertain
    }
}

/// The states that are not yet done, counted: read through the index of the unsent messages
/// (migration 0053), not the table, which keeps every reply ever sent.
pub async fn counts(pool: &PgPool) -> Result<OutboxCounts> {
    let rows: Vec<(OutboxState, i64)> =
        sqlx::query_as("SELECT state, count(*) FROM outbox WHERE state <> 'sent' GROUP BY state")
            .fetch_all(pool)
            .await?;
    let mut counts = OutboxCounts::default();
    for (state, n) in rows {
        match state {
            OutboxState::Queued => counts.queued = n,
            OutboxState::Sending => counts.sending = n,
            OutboxState::Retry => counts.retry = n,
            OutboxState::Failed => counts.failed = n,
            OutboxState::Uncertain => counts.uncertain = n,
            OutboxState::Sent => {}
        }
    }
    Ok(counts)
}

macro_rules! summary_select {
    () => {
        "SELECT o.id, r.reference, o.message_id, o.purpose, o.to_address, o.subject,
        o.state, o.attempts, o.next_attempt_at, o.last_error, o.queued_at, o.sent_at, o.resolved_by,
        o.smtp_reply
     FROM outbox o JOIN requests r ON r.id = o.request_id "
    };
}

/// Messages in one of `states` (all states when empty), of one request when `reference` is
/// given; those waiting for the operator first (failed, uncertain), then by state, the newest
/// first within a state.
pub async fn messages(
    pool: &PgPool,
    states: &[OutboxState],
    reference: Option<&str>,
    limit: i64,
) -> Result<Vec<OutboxSummary>> {
    let states: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
    let sql = concat!(
        summary_select!(),
        "WHERE (cardinality($1::text[]) = 0 OR o.state = ANY($1))
           AND ($2::text IS NULL OR r.reference = $2)
         ORDER BY array_position(ARRAY['failed', 'uncertain', 'retry', 'sending', 'queued', 'sent'], o.state),
            o.id DESC LIMIT $3"
    );
    Ok(sqlx::query_as(sql).bind(&states).bind(reference).bind(limit).fetch_all(pool).await?)
}

/// One message as stored, with the reference of its request.
pub async fn message(conn: &mut PgConnection, id: i64) -> Result<Option<(OutboxRecord, String)>> {
    let Some(record) = crate::store::outbox::fetch(&mut *conn, id).await? else { return Ok(None) };
    let reference: String = sqlx::query_scalar("SELECT reference FROM requests WHERE id = $1")
        .bind(record.request_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Some((record, reference)))
}
