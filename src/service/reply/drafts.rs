//! Drafts: a reply as it is being typed, saved so that a dropped SSH session loses nothing.

use super::super::{Desk, Operator, normalize_reference};
use crate::error::{Error, Result};
use crate::mail::templates::Purpose;
use chrono::{DateTime, Utc};
use serde::Serialize;

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

impl Desk {
    /// The draft this operator is writing for a request, if any.
    pub async fn draft(&self, operator: &Operator, reference: &str) -> Result<Option<Draft>> {
        let reference = normalize_reference(reference)?;
        Ok(sqlx::query_as(
            "SELECT d.purpose, d.language, d.detail, d.subject, d.body, d.attach, d.encrypt, d.updated_at
             FROM reply_drafts d JOIN requests r ON r.id = d.request_id
             WHERE r.reference = $1 AND d.author = $2",
        )
        .bind(&reference)
        .bind(&operator.user)
        .fetch_optional(self.pool())
        .await?)
    }

    /// Save the draft as typed (one per request and operator; the newest wins).
    pub async fn save_draft(&self, operator: &Operator, reference: &str, draft: &Draft) -> Result<()> {
        let reference = normalize_reference(reference)?;
        let purpose: Purpose = draft
            .purpose
            .parse()
            .map_err(|e: crate::mail::templates::UnknownPurpose| Error::Invalid(e.to_string()))?;
        let saved = sqlx::query(
            "INSERT INTO reply_drafts (request_id, author, purpose, language, detail, subject, body, attach, encrypt, updated_at)
             SELECT r.id, $2, $3, $4, $5, $6, $7, $8, $9, now() FROM requests r WHERE r.reference = $1
             ON CONFLICT (request_id, author) DO UPDATE SET
               purpose = EXCLUDED.purpose, language = EXCLUDED.language, detail = EXCLUDED.detail,
               subject = EXCLUDED.subject, body = EXCLUDED.body, attach = EXCLUDED.attach,
               encrypt = EXCLUDED.encrypt, updated_at = now()",
        )
        .bind(&reference)
        .bind(&operator.user)
        .bind(purpose.name())
        .bind(&draft.language)
        .bind(&draft.detail)
        .bind(&draft.subject)
        .bind(&draft.body)
        .bind(&draft.attach)
        .bind(draft.encrypt)
        .execute(self.pool())
        .await?;
        if saved.rows_affected() == 0 {
            return Err(Error::NotFound(reference));
        }
        Ok(())
    }

    /// Throw the draft away.
    pub async fn discard_draft(&self, operator: &Operator, reference: &str) -> Result<bool> {
        let reference = normalize_reference(reference)?;
        let done = sqlx::query(
            "DELETE FROM reply_drafts d USING requests r WHERE r.id = d.request_id AND r.reference = $1 AND d.author = $2",
        )
        .bind(&reference)
        .bind(&operator.user)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() > 0)
    }
}
