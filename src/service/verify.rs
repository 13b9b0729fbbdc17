//! Identity verification (GDPR Art. 12(6)): record how the desk became sure the requester is the
//! data subject. Until then nothing carrying or acting on personal data leaves: the service refuses,
//! and the database refuses too (migration 0004).

use super::{Desk, Operator, ensure_open, normalize_reference};
use crate::domain::RequestKind;
use crate::domain::verification::check_returned_number;
use crate::error::{Error, Result};
use crate::store::requests::{self as store, RequestRecord};
use crate::store::verification::{self as vstore, VerificationRecord, linked_numbers};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::str::FromStr;

/// Requests whose answer carries or acts on personal data: identity must be verified first.
pub fn needs_verification(kind: RequestKind) -> bool {
    matches!(
        kind,
        RequestKind::Access | RequestKind::Portability | RequestKind::Erasure | RequestKind::Rectification
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationMethod {
    /// Swedish BankID through the agency's portal.
    BankId,
    /// Finnish Trust Network e-identification through the agency's portal.
    Ftn,
    /// A reply from the e-mail address registered in the ledger.
    RegisteredEmail,
    /// A letter to the address registered in the ledger, answered.
    RegisteredAddress,
    /// A copy of an identity document, checked.
    IdDocument,
}

impl VerificationMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            VerificationMethod::BankId => "bankid",
            VerificationMethod::Ftn => "ftn",
            VerificationMethod::RegisteredEmail => "registered_email",
            VerificationMethod::RegisteredAddress => "registered_address",
            VerificationMethod::IdDocument => "id_document",
        }
    }

    /// The word the DPO types for it (the CLI's `--method`, the desk's menu); `FromStr` reads it.
    pub fn typed_name(self) -> &'static str {
        match self {
            VerificationMethod::BankId => "bankid",
            VerificationMethod::Ftn => "ftn",
            VerificationMethod::RegisteredEmail => "email",
            VerificationMethod::RegisteredAddress => "letter",
            VerificationMethod::IdDocument => "id-document",
        }
    }

    /// e-ID methods carry a transaction reference from the portal, which must be recorded.
    pub fn is_eid(self) -> bool {
        matches!(self, VerificationMethod::BankId | VerificationMethod::Ftn)
    }
}

impl FromStr for VerificationMethod {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "bankid" => Ok(VerificationMethod::BankId),
            "ftn" | "eid_fi" => Ok(VerificationMethod::Ftn),
            "email" | "registered_email" => Ok(VerificationMethod::RegisteredEmail),
            "letter" | "registered_address" => Ok(VerificationMethod::RegisteredAddress),
            "id_document" | "document" => Ok(VerificationMethod::IdDocument),
            _ => Err(Error::Invalid(format!(
                "unknown verification method {s:?}: expected bankid, ftn, email, letter or id-document"
            ))),
        }
    }
}

/// What the DPO records.
#[derive(Debug, Clone)]
pub struct Verification {
    pub method: VerificationMethod,
    /// The e-ID transaction reference (BankID order reference, FTN transaction id).
    pub transaction_reference: Option<String>,
    /// What was seen: "BankID returned 19811218-9876, Åsa Öberg".
    pub evidence: String,
    /// The personal number the e-ID returned, compared with the one the requester gave.
    pub returned_number: Option<String>,
}

impl Desk {
    /// Record that the requester's identity is verified. Once only; refused on a closed request,
    /// without evidence, without a transaction reference for e-ID, or when the e-ID returned
    /// another person's number.
    pub async fn verify(
        &self,
        operator: &Operator,
        reference: &str,
        v: &Verification,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord> {
        let reference = normalize_reference(reference)?;
        let evidence = v.evidence.trim();
        if evidence.is_empty() {
            return Err(Error::Invalid("a verification needs evidence: what was seen (--evidence)".into()));
        }
        let transaction = v.transaction_reference.as_deref().map(str::trim).filter(|t| !t.is_empty());
        if v.method.is_eid() && transaction.is_none() {
            return Err(Error::Invalid(format!(
                "{} needs the portal's transaction reference (--transaction)",
                v.method.as_str()
            )));
        }
        let mut tx = self.pool().begin().await?;
        let current = store::lock_by_reference(&mut tx, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        ensure_open(&current)?;
        if let Some(done) = vstore::verification_of(&mut tx, current.id).await? {
            return Err(Error::rule(
                &reference,
                format!(
                    "identity was already verified on {} by {} ({})",
                    done.verified_at.format("%Y-%m-%d"),
                    done.verified_by,
                    done.method
                ),
            ));
        }
        let today = current.jurisdiction.local_date(at);
        let returned = v.returned_number.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let (returned_number, number_matches) = if v.method.is_eid() {
            let returned = returned.ok_or_else(|| {
                Error::Invalid(format!(
                    "{} needs the personal number the e-ID returned (--returned-number): it is what shows the requester is the linked person",
                    v.method.as_str()
                ))
            })?;
            // The same check the desk makes as the number is typed (domain::verification).
            let linked = linked_numbers(&mut tx, current.id).await?;
            let returned = check_returned_number(
                returned,
                current.jurisdiction,
                today,
                current.requester_personal_number.as_deref(),
                &linked,
            )
            .map_err(|why| {
                if why.starts_with("the returned number is not valid") {
                    Error::Invalid(why)
                } else {
                    Error::rule(&reference, why)
                }
            })?;
            (Some(returned), Some(true))
        } else {
            if returned.is_some() {
                return Err(Error::Invalid(format!(
                    "a returned personal number comes from an e-ID (bankid, ftn), not from {}",
                    v.method.as_str()
                )));
            }
            (None, None)
        };
        let record = VerificationRecord {
            method: v.method.as_str().to_string(),
            transaction_reference: transaction.map(str::to_string),
            evidence: evidence.to_string(),
            number_matches,
            returned_number,
            verified_by: operator.user.clone(),
            verified_at: at,
        };
        let version = vstore::record_verification(&mut tx, current.id, &record)
            .await
            .map_err(|e| match e {
                // The database's own checks (migrations 0011, 0019), should the service ever miss one.
                Error::Rule { rule, .. } => {
                    let prefix = format!("request {reference}: ");
                    Error::rule(&reference, rule.strip_prefix(&prefix).unwrap_or(&rule).to_string())
                }
                other => other,
            })?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        store::insert_events(
            &mut tx,
            &[operator.event(
                current.id,
                at,
                "identity_verified",
                json!({"method": record.method, "transaction_reference": record.transaction_reference, "number_matches": number_matches}),
            )],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(reference = %reference, method = record.method, "identity verified");
        Ok(RequestRecord { identity_verified_at: Some(at), version, ..current })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_parse_in_the_words_a_dpo_types() {
        assert_eq!("BankID".parse::<VerificationMethod>().unwrap(), VerificationMethod::BankId);
        assert_eq!("id-document".parse::<VerificationMethod>().unwrap(), VerificationMethod::IdDocument);
        assert_eq!("letter".parse::<VerificationMethod>().unwrap(), VerificationMethod::RegisteredAddress);
        assert!("fax".parse::<VerificationMethod>().is_err());
    }

    #[test]
    fn data_carrying_kinds_need_verification() {
        assert!(needs_verification(RequestKind::Access));
        assert!(needs_verification(RequestKind::Erasure));
        assert!(!needs_verification(RequestKind::Objection));
    }
}
