//! Which ledger persons a request is about (its links), and what was done to their data.

use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;

/// An earlier request of the same kind from the same subject within 12 months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct EarlierRequest {
    pub reference: String,
    pub received_on: NaiveDate,
    pub status: String,
}

pub async fn linked_person_ids(conn: &mut PgConnection, request_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT person_id FROM request_subjects WHERE request_id = $1 ORDER BY linked_at, person_id",
    )
    .bind(request_id)
    .fetch_all(conn)
    .await?)
}

/// A new link. The database refuses a link the verification does not cover (migration 0011); the
/// caller turns that check violation into a rule.
pub async fn insert_link(
    conn: &mut PgConnection,
    request_id: i64,
    person_id: &str,
    match_reasons: &[String],
    linked_by: &str,
    at: DateTime<Utc>,
    personal_number: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO request_subjects (request_id, person_id, match_reasons, linked_by, linked_at, personal_number)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(request_id)
    .bind(person_id)
    .bind(match_reasons)
    .bind(linked_by)
    .bind(at)
    .bind(personal_number)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Remove a link; false when there was none.
pub async fn delete_link(conn: &mut PgConnection, request_id: i64, person_id: &str) -> Result<bool> {
    let removed = sqlx::query("DELETE FROM request_subjects WHERE request_id = $1 AND person_id = $2")
        .bind(request_id)
        .bind(person_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    Ok(removed > 0)
}

/// Whether anything was done to the person's data for this request (erased, restricted, ...).
pub async fn acted_on(conn: &mut PgConnection, request_id: i64, person_id: &str) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM subject_actions WHERE request_id = $1 AND person_id = $2)",
    )
    .bind(request_id)
    .bind(person_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Whether any of the persons had an erasure carried out, by any request.
pub async fn any_erased(conn: &mut PgConnection, persons: &[String]) -> Result<bool> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM subject_actions WHERE action = 'erasure' AND person_id = ANY($1))",
    )
    .bind(persons)
    .fetch_one(&mut *conn)
    .await?)
}

/// Access requests other than `request_id` received in (`since`, `until`] by the same subject: a
/// person linked to both, or the same identity number before linking.
pub async fn access_requests_of_same_subject(
    conn: &mut PgConnection,
    request_id: i64,
    since: NaiveDate,
    until: NaiveDate,
    personal_number: Option<&str>,
) -> Result<Vec<EarlierRequest>> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT r.reference, r.received_on, r.status::text AS status
         FROM requests r
         WHERE r.id <> $1 AND r.kind = 'access' AND r.received_on > $2 AND r.received_on <= $3
           AND (r.id IN (SELECT s2.request_id FROM request_subjects s1
                          JOIN request_subjects s2 ON s2.person_id = s1.person_id
                          WHERE s1.request_id = $1)
                OR ($4::text IS NOT NULL AND r.requester_personal_number = $4))
         ORDER BY r.received_on DESC LIMIT 20",
    )
    .bind(request_id)
    .bind(since)
    .bind(until)
    .bind(personal_number)
    .fetch_all(conn)
    .await?)
}
