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

/// Record the verification and mark the request verified, returning its new version. Through
/// `dsrdesk_record_verification` (migration 0019), the only way an operator's login may: the
/// database checks the returned number, the day and who verified as the service does, and records
/// the real login as the verifier unless the schema's owner is connected.
pub async fn record_verification(
    conn: &mut PgConnection,
    request_id: i64,
    v: &VerificationRecord,
) -> Result<Option<i32>> {
    sqlx::query_scalar("SELECT dsrdesk_record_verification($1, $2::verification_method, $3, $4, $5, $6, $7)")
        .bind(request_id)
        .bind(&v.method)
        .bind(&v.transaction_reference)
        .bind(&v.evidence)
        .bind(&v.returned_number)
        .bind(&v.verified_by)
        .bind(v.verified_at)
        .fetch_one(conn)
        .await
        .map(Some)
        .or_else(|e| match e.as_database_error().and_then(|d| d.code()).as_deref() {
            Some("P0002") => Ok(None),
            _ => Err(check_violation(e)),
        })
}

/// A refusal by one of the database's own checks (SQLSTATE 23514) as the rule it states.
pub fn check_violation(e: sqlx::Error) -> Error {
    match e.as_database_error() {
        Some(d) if d.code().as_deref() == Some("23514") => {
            Error::Rule { reference: String::new(), rule: d.message().to_string() }
        }
        _ => e.into(),
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
