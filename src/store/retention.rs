//! The desk's own retention and legal holds (issue 17 §3, migration 0032): which closed requests
//! are candidates, what each holds, the anonymisation's updates, and the holds themselves.
//! The rules (when, what of an event stays) are in `domain::retention`; the order of the updates
//! matters to the database's guards: the `anonymised` event, then the request, then the rest.

use crate::domain::Jurisdiction;
use crate::domain::retention::REDACTED;
use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;

/// A closed request not yet anonymised.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Candidate {
    pub id: i64,
    pub reference: String,
    pub jurisdiction: Jurisdiction,
    pub closed_at: DateTime<Utc>,
    /// A legal hold not lifted.
    pub held: bool,
    /// A mail of its still on its way (queued, retrying, sending, uncertain): it waits for it.
    pub mail_pending: bool,
}

/// Closed requests of controller `j` not anonymised, closed before `closed_before`.
pub async fn candidates(
    conn: &mut PgConnection,
    j: Jurisdiction,
    closed_before: DateTime<Utc>,
) -> Result<Vec<Candidate>> {
    Ok(sqlx::query_as(
        "SELECT r.id, r.reference, r.jurisdiction, r.closed_at,
                EXISTS (SELECT 1 FROM legal_holds h WHERE h.request_id = r.id AND h.lifted_at IS NULL) AS held,
                EXISTS (SELECT 1 FROM outbox o WHERE o.request_id = r.id
                        AND o.state IN ('queued', 'retry', 'sending', 'uncertain')) AS mail_pending
         FROM requests r
         WHERE r.closed_at IS NOT NULL AND r.anonymised_at IS NULL
           AND r.jurisdiction = $1 AND r.closed_at < $2
         ORDER BY r.closed_at, r.id",
    )
    .bind(j)
    .bind(closed_before)
    .fetch_all(conn)
    .await?)
}

/// Lock one candidate for its anonymisation and read it again: None when it is gone, reopened,
/// anonymised meanwhile (another worker), or no longer a candidate.
pub async fn lock_candidate(conn: &mut PgConnection, id: i64) -> Result<Option<Candidate>> {
    Ok(sqlx::query_as(
        "SELECT r.id, r.reference, r.jurisdiction, r.closed_at,
                EXISTS (SELECT 1 FROM legal_holds h WHERE h.request_id = r.id AND h.lifted_at IS NULL) AS held,
                EXISTS (SELECT 1 FROM outbox o WHERE o.request_id = r.id
                        AND o.state IN ('queued', 'retry', 'sending', 'uncertain')) AS mail_pending
         FROM requests r
         WHERE r.id = $1 AND r.closed_at IS NOT NULL AND r.anonymised_at IS NULL
         FOR NO KEY UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await?)
}

/// What an anonymisation removes, counted before it does (the `anonymised` event carries these
/// counts only, never the content).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Removed {
    pub requester_fields: i64,
    pub request_text: i64,
    pub drafts: i64,
    pub mails_out: i64,
    pub mail_bytes_out: i64,
    pub attachments_out: i64,
    pub mails_in: i64,
    pub attachments_in: i64,
    pub verification_evidence: i64,
    pub subject_numbers: i64,
}

pub async fn count_personal(conn: &mut PgConnection, id: i64) -> Result<Removed> {
    Ok(sqlx::query_as(
        "SELECT
            (SELECT (requester_name IS NOT NULL)::int + (requester_email IS NOT NULL)::int
                    + (requester_personal_number IS NOT NULL)::int + (requester_address IS NOT NULL)::int
                    + (requester_phone IS NOT NULL)::int FROM requests WHERE id = $1)::bigint AS requester_fields,
            (SELECT (body <> '')::int FROM requests WHERE id = $1)::bigint AS request_text,
            (SELECT count(*) FROM reply_drafts WHERE request_id = $1) AS drafts,
            (SELECT count(*) FROM outbox WHERE request_id = $1 AND anonymised_at IS NULL) AS mails_out,
            (SELECT count(*) FROM outbox_raw_messages m JOIN outbox o ON o.id = m.outbox_id
              WHERE o.request_id = $1 AND m.anonymised_at IS NULL) AS mail_bytes_out,
            (SELECT count(*) FROM outbox_attachments a JOIN outbox o ON o.id = a.outbox_id
              WHERE o.request_id = $1 AND a.anonymised_at IS NULL) AS attachments_out,
            (SELECT count(*) FROM inbox_messages m WHERE m.anonymised_at IS NULL
                AND m.id IN (SELECT message_id FROM inbox_message_requests WHERE request_id = $1)
                AND NOT EXISTS (SELECT 1 FROM inbox_message_requests l JOIN requests o ON o.id = l.request_id
                                WHERE l.message_id = m.id AND o.id <> $1
                                  AND (o.anonymised_at IS NULL OR EXISTS (SELECT 1 FROM legal_holds h
                                       WHERE h.request_id = o.id AND h.lifted_at IS NULL)))) AS mails_in,
            (SELECT count(*) FROM inbox_attachments a WHERE a.anonymised_at IS NULL
                AND a.message_id IN (SELECT message_id FROM inbox_message_requests WHERE request_id = $1)) AS attachments_in,
            (SELECT count(*) FROM request_verifications WHERE request_id = $1 AND evidence <> $2) AS verification_evidence,
            (SELECT count(*) FROM request_subjects WHERE request_id = $1 AND personal_number IS NOT NULL) AS subject_numbers",
    )
    .bind(id)
    .bind(REDACTED)
    .fetch_one(conn)
    .await?)
}

/// The request's own personal fields (the `anonymised` event must already be written).
pub async fn anonymise_request(conn: &mut PgConnection, id: i64, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE requests SET requester_name = NULL, requester_email = NULL, requester_personal_number = NULL,
                requester_address = NULL, requester_phone = NULL, body = '', anonymised_at = $2
         WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The request's events whose details are not anonymised yet: (id, details).
pub async fn event_details(conn: &mut PgConnection, id: i64) -> Result<Vec<(i64, serde_json::Value)>> {
    Ok(sqlx::query_as(
        "SELECT id, details FROM request_events WHERE request_id = $1 AND anonymised_at IS NULL ORDER BY id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// Replace events' details by their skeletons; the details' hash stays (migration 0031).
pub async fn replace_event_details(
    conn: &mut PgConnection,
    skeletons: &[(i64, serde_json::Value)],
    at: DateTime<Utc>,
) -> Result<u64> {
    if skeletons.is_empty() {
        return Ok(0);
    }
    let done = sqlx::query(
        "UPDATE request_events e SET details = s.d, anonymised_at = $3
         FROM UNNEST($1::bigint[], $2::jsonb[]) AS s(id, d) WHERE e.id = s.id",
    )
    .bind(skeletons.iter().map(|s| s.0).collect::<Vec<_>>())
    .bind(skeletons.iter().map(|s| s.1.clone()).collect::<Vec<_>>())
    .bind(at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Everything else the desk holds of the request's personal content, after the request itself.
/// `actor` writes the inbox messages' own `anonymised` events (their history requires one).
pub async fn anonymise_the_rest(
    conn: &mut PgConnection,
    id: i64,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("DELETE FROM reply_drafts WHERE request_id = $1").bind(id).execute(&mut *conn).await?;
    sqlx::query(
        "UPDATE outbox_raw_messages m SET raw = '', anonymised_at = $2
         FROM outbox o WHERE o.id = m.outbox_id AND o.request_id = $1 AND m.anonymised_at IS NULL",
    )
    .bind(id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE outbox_attachments a SET content = '', anonymised_at = $2
         FROM outbox o WHERE o.id = a.outbox_id AND o.request_id = $1 AND a.anonymised_at IS NULL",
    )
    .bind(id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE outbox SET to_name = NULL, to_address = 'anonymised@anonymised.invalid', subject = $3,
                body = '', last_error = NULL, anonymised_at = $2
         WHERE request_id = $1 AND anonymised_at IS NULL",
    )
    .bind(id)
    .bind(at)
    .bind(REDACTED)
    .execute(&mut *conn)
    .await?;
    // Mails in: only those whose every request may give way (a mail attached to another request
    // still kept stays whole for it).
    let messages: Vec<i64> = sqlx::query_scalar(
        "SELECT m.id FROM inbox_messages m
         WHERE m.anonymised_at IS NULL
           AND m.id IN (SELECT message_id FROM inbox_message_requests WHERE request_id = $1)
           AND dsrdesk_may_anonymise_message(m.id)
         ORDER BY m.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    if !messages.is_empty() {
        sqlx::query(
            "INSERT INTO inbox_events (message_id, actor, action, details)
             SELECT m, $2, 'anonymised', '{}'::jsonb FROM UNNEST($1::bigint[]) AS m",
        )
        .bind(&messages)
        .bind(actor)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE inbox_attachments SET content = '', file_name = 'anonymised', anonymised_at = $2
             WHERE message_id = ANY ($1) AND anonymised_at IS NULL",
        )
        .bind(&messages)
        .bind(at)
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE inbox_messages SET raw = '', from_name = NULL, from_address = NULL, reply_to = NULL,
                    to_addresses = NULL, subject = NULL, body_text = '', anonymised_at = $2
             WHERE id = ANY ($1)",
        )
        .bind(&messages)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "UPDATE request_verifications SET evidence = $2,
                transaction_reference = CASE WHEN transaction_reference IS NULL THEN NULL ELSE $2 END,
                returned_number = CASE WHEN returned_number IS NULL THEN NULL ELSE $2 END
         WHERE request_id = $1",
    )
    .bind(id)
    .bind(REDACTED)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE request_subjects SET personal_number = NULL WHERE request_id = $1 AND personal_number IS NOT NULL")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A legal hold as the overview and `hold list` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LegalHold {
    pub id: i64,
    pub reference: String,
    pub authority: String,
    pub case_reference: String,
    pub due_on: Option<NaiveDate>,
    pub placed_by: String,
    pub placed_at: DateTime<Utc>,
}

pub async fn place_hold(
    conn: &mut PgConnection,
    request_id: i64,
    authority: &str,
    case_reference: &str,
    due_on: Option<NaiveDate>,
    by: &str,
    at: DateTime<Utc>,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO legal_holds (request_id, authority, case_reference, due_on, placed_by, placed_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(request_id)
    .bind(authority)
    .bind(case_reference)
    .bind(due_on)
    .bind(by)
    .bind(at)
    .fetch_one(conn)
    .await?)
}

/// Lift every hold on the request not yet lifted; the ids lifted.
pub async fn lift_holds(
    conn: &mut PgConnection,
    request_id: i64,
    by: &str,
    at: DateTime<Utc>,
) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "UPDATE legal_holds SET lifted_by = $2, lifted_at = $3
         WHERE request_id = $1 AND lifted_at IS NULL RETURNING id",
    )
    .bind(request_id)
    .bind(by)
    .bind(at)
    .fetch_all(conn)
    .await?)
}

/// The holds in force, by the authority's due date (none last).
pub async fn active_holds(conn: &mut PgConnection) -> Result<Vec<LegalHold>> {
    Ok(sqlx::query_as(
        "SELECT h.id, r.reference, h.authority, h.case_reference, h.due_on, h.placed_by, h.placed_at
         FROM legal_holds h JOIN requests r ON r.id = h.request_id
         WHERE h.lifted_at IS NULL ORDER BY h.due_on NULLS LAST, h.id",
    )
    .fetch_all(conn)
    .await?)
}

pub async fn is_anonymised(conn: &mut PgConnection, request_id: i64) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT anonymised_at IS NOT NULL FROM requests WHERE id = $1")
        .bind(request_id)
        .fetch_one(conn)
        .await?)
}
