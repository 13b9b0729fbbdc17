//! The erasure's own records: what each carried-out plan recorded (`subject_actions`), the
//! follow-up erasures (`scheduled_erasures`) and the Art. 19 tasks (`recipient_tasks`).
//!
//! The ledger's rows themselves are read and changed through the data map (`store::ledger`).

use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};

/// A pending follow-up erasure.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct ScheduledErasure {
    pub id: i64,
    pub due_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub last_checked_on: Option<NaiveDate>,
}

/// A follow-up the worker may take now, locked for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct DueErasure {
    pub id: i64,
    pub request_id: i64,
    pub due_on: Option<NaiveDate>,
}

/// The `kept_holds` of the latest erasure recorded for each linked person of a request. Each
/// carried-out plan records again every dated hold that still keeps a row of that person (the
/// ones recorded before included), so the latest record per person is the whole of it: reading
/// every earlier one too would only grow with each worker pass.
pub async fn latest_kept_holds(conn: &mut PgConnection, request_id: i64) -> Result<Vec<serde_json::Value>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT ON (person_id) coalesce(details->'kept_holds', '[]'::jsonb)
         FROM subject_actions
         WHERE request_id = $1 AND action = 'erasure'
         ORDER BY person_id, id DESC",
    )
    .bind(request_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Record one action on a subject's data. The database refuses it (check 23514, migration 0006)
/// when the request's identity is not verified; that refusal comes back as a rule.
pub async fn insert_subject_action(
    conn: &mut PgConnection,
    request_id: i64,
    action: &str,
    person_id: Option<&str>,
    details: &serde_json::Value,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO subject_actions (request_id, action, person_id, details, actor, recorded_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(request_id)
    .bind(action)
    .bind(person_id)
    .bind(details)
    .bind(actor)
    .bind(at)
    .execute(&mut *conn)
    .await
    .map_err(|e| match e.as_database_error() {
        Some(d) if d.code().as_deref() == Some("23514") => {
            Error::Rule { reference: String::new(), rule: d.message().to_string() }
        }
        _ => e.into(),
    })?;
    Ok(())
}

/// Close every pending follow-up of a request: a newer plan replaces them.
pub async fn supersede_follow_ups(conn: &mut PgConnection, request_id: i64, at: DateTime<Utc>) -> Result<()> {
    sqlx::query(
        "UPDATE scheduled_erasures SET done_at = $2, outcome = 'superseded by a newer plan'
         WHERE request_id = $1 AND done_at IS NULL",
    )
    .bind(request_id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Schedule a follow-up on `due_on` (`None`: open-ended, looked at daily).
pub async fn insert_follow_up(
    conn: &mut PgConnection,
    request_id: i64,
    due_on: Option<NaiveDate>,
    at: DateTime<Utc>,
) -> Result<()> {
    sqlx::query("INSERT INTO scheduled_erasures (request_id, due_on, created_at) VALUES ($1, $2, $3)")
        .bind(request_id)
        .bind(due_on)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The pending follow-ups of a request: open-ended first, then by day.
pub async fn pending_follow_ups(pool: &PgPool, reference: &str) -> Result<Vec<ScheduledErasure>> {
    Ok(sqlx::query_as(
        "SELECT s.id, s.due_on, s.created_at, s.last_checked_on FROM scheduled_erasures s
         JOIN requests r ON r.id = s.request_id WHERE r.reference = $1 AND s.done_at IS NULL
         ORDER BY s.due_on NULLS FIRST, s.id",
    )
    .bind(reference)
    .fetch_all(pool)
    .await?)
}

/// The next follow-up due (a dated one whose day has come, or an open-ended one not yet looked
/// at today), locked with `SKIP LOCKED` so several workers never take the same one. `today_se`
/// and `today_fi` are today's dates in each controller's time zone.
pub async fn lock_next_due(
    conn: &mut PgConnection,
    today_se: NaiveDate,
    today_fi: NaiveDate,
) -> Result<Option<DueErasure>> {
    Ok(sqlx::query_as(
        "SELECT s.id, s.request_id, s.due_on FROM scheduled_erasures s
         JOIN requests r ON r.id = s.request_id
         WHERE s.done_at IS NULL
           AND CASE WHEN r.jurisdiction = 'SE' THEN $1::date ELSE $2::date END
               >= coalesce(s.due_on, coalesce(s.last_checked_on + 1, s.created_at::date))
           AND (s.last_checked_on IS NULL
                OR s.last_checked_on < CASE WHEN r.jurisdiction = 'SE' THEN $1::date ELSE $2::date END)
         ORDER BY s.due_on NULLS LAST, s.id
         LIMIT 1
         FOR UPDATE OF s SKIP LOCKED",
    )
    .bind(today_se)
    .bind(today_fi)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Note that an open-ended follow-up was looked at today and still waits.
pub async fn mark_follow_up_checked(conn: &mut PgConnection, id: i64, today: NaiveDate) -> Result<()> {
    sqlx::query("UPDATE scheduled_erasures SET last_checked_on = $2 WHERE id = $1")
        .bind(id)
        .bind(today)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Close a follow-up the worker carried out.
pub async fn complete_follow_up(
    conn: &mut PgConnection,
    id: i64,
    at: DateTime<Utc>,
    today: NaiveDate,
) -> Result<()> {
    sqlx::query(
        "UPDATE scheduled_erasures SET done_at = $2, outcome = 'carried out by the worker', last_checked_on = $3
         WHERE id = $1",
    )
    .bind(id)
    .bind(at)
    .bind(today)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
