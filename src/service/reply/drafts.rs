//! Drafts: a reply as it is being typed, saved so that a dropped SSH session loses nothing.

use super::super::{Desk, Operator, normalize_reference};
use crate::error::{Error, Result};
use crate::mail::templates::Purpose;
use crate::store::drafts as draft_store;

pub use crate::store::drafts::Draft;

impl Desk {
    /// The draft this operator is writing for a request, if any.
    pub async fn draft(&self, operator: &Operator, reference: &str) -> Result<Option<Draft>> {
        let reference = normalize_reference(reference)?;
        draft_store::draft_of(self.pool(), &reference, &operator.user).await
    }

    /// Save the draft as typed (one per request and operator; the newest wins).
    pub async fn save_draft(&self, operator: &Operator, reference: &str, draft: &Draft) -> Result<()> {
        let reference = normalize_reference(reference)?;
        let purpose: Purpose = draft
            .purpose
            .parse()
            .map_err(|e: crate::mail::templates::UnknownPurpose| Error::Invalid(e.to_string()))?;
        if !draft_store::save_draft(self.pool(), &reference, &operator.user, purpose.name(), draft).await? {
            return Err(Error::NotFound(reference));
        }
        Ok(())
    }

    /// Throw the draft away.
    pub async fn discard_draft(&self, operator: &Operator, reference: &str) -> Result<bool> {
        let reference = normalize_reference(reference)?;
        draft_store::discard_draft(self.pool(), &reference, &operator.user).await
    }
}
