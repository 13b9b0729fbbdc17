//! SQL for identity verification records.

use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct VerificationRecord {
    pub method: String,
    pub transaction_reference: Option<String>,
    pub evidence: String,
    pub number_matches: Option<bool>,
    /// The personal number the e-ID returned, normalised (e-ID methods only).
    pub returned_number: Option<String>,
    pub verified_by: String,
    pub verified_at: DateTime<Utc>,
}

pub async fn verification_of(conn: &mut PgConnection, request_id: i64) -> Result<Option<VerificationRecord>> {
    Ok(sqlx::query_as(
        "SELECT method::text AS method, transaction_reference, evidence, number_matches, returned_number, verified_by, verified_at
         FROM request_verifications WHERE request_id = $1",
    )
    .bind(request_id)
    .fetch_optional(conn)
    .await?)
}

pub async fn insert_verification(
    conn: &mut PgConnection,
    request_id: i64,
    v: &VerificationRecord,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO request_verifications
            (request_id, method, transaction_reference, evidence, number_matches, verified_by, verified_at, returned_number)
         VALUES ($1, $2::verification_method, $3, $4, $5, $6, $7, $8)",
    )
    .bind(request_id)
    .bind(&v.method)
    .bind(&v.transaction_reference)
    .bind(&v.evidence)
    .bind(v.number_matches)
    .bind(&v.verified_by)
    .bind(v.verified_at)
    .bind(&v.returned_number)
    .execute(conn)
    .await
    .map_err(check_violation)?;
    Ok(())
}

/// A refusal by one of the database's own checks (SQLSTATE 23514) as the rule it states.
pub fn check_violation(e: sqlx::Error) -> Error {
    match e.as_database_error() {
        Some(d) if d.code().as_deref() == Some("23514") => {
            Error::Rule { reference: String::new(), rule: d.message().to_string() }
        }
        _ => Error::Database(e),
    }
}

/// The linked ledger persons and the identity number each had in the ledger when linked.
pub async fn linked_numbers(
    conn: &mut PgConnection,
    request_id: i64,
) -> Result<Vec<(String, Option<String>)>> {
    Ok(sqlx::query_as(
        "SELECT person_id, personal_number FROM request_subjects WHERE request_id = $1 ORDER BY person_id",
    )
    .bind(request_id)
    .fetch_all(conn)
    .await?)
}

pub async fn mark_verified(
    conn: &mut PgConnection,
    request_id: i64,
    at: DateTime<Utc>,
) -> Result<Option<i32>> {
    Ok(sqlx::query_scalar("UPDATE requests SET identity_verified_at = $2 WHERE id = $1 RETURNING version")
        .bind(request_id)
        .bind(at)
        .fetch_optional(conn)
        .await?)
}
