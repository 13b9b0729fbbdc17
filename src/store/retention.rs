//! The desk's own retention and legal holds (issue 17 §3, migration 0032): which closed requests
//! are candidates, what each holds, the anonymisation's updates, and the holds themselves.
//! The rules (when, what of an event stays) are in `domain::retention`; the order of the updates
//! matters to the database's guards: the `anonymised` event, then the request, then the rest.

use crate::domain::Jurisdiction;
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

/// The request's events whose details are not anonymised yet: (id, details).
pub async fn event_details(conn: &mut PgConnection, id: i64) -> Result<Vec<(i64, serde_json::Value)>> {
    Ok(sqlx::query_as(
        "SELECT id, details FROM request_events WHERE request_id = $1 AND anonymised_at IS NULL ORDER BY id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// The details of the request's `export_written` events not anonymised yet, oldest first: where
/// each export file is and what it held.
pub async fn export_events(conn: &mut PgConnection, id: i64) -> Result<Vec<serde_json::Value>> {
    Ok(sqlx::query_scalar(
        "SELECT details FROM request_events
         WHERE request_id = $1 AND action = 'export_written' AND anonymised_at IS NULL ORDER BY id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// Anonymise one closed, unheld request (migration 0032's `dsrdesk_anonymise_request`, which no
/// role could do table by table): its `anonymised` event with `details` and the counts of what
/// went, the request's personal fields, the events' details replaced by `skeletons`, drafts,
/// mails in and out and their attachments, the verification's evidence. Returns the counts.
pub async fn anonymise(
    conn: &mut PgConnection,
    id: i64,
    skeletons: &[(i64, serde_json::Value)],
    details: serde_json::Value,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<serde_json::Value> {
    let skeletons: serde_json::Map<String, serde_json::Value> =
        skeletons.iter().map(|(eid, s)| (eid.to_string(), s.clone())).collect();
    Ok(sqlx::query_scalar("SELECT dsrdesk_anonymise_request($1, $2, $3, $4, $5)")
        .bind(id)
        .bind(serde_json::Value::Object(skeletons))
        .bind(details)
        .bind(actor)
        .bind(at)
        .fetch_one(conn)
        .await?)
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
