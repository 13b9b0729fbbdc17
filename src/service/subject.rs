//! Finding the data subject in the ledger and linking a request to them; the identity panel's
//! facts; repeated-request warnings (Art. 12(5)).

use super::{Desk, Operator, ensure_open, normalize_reference};
use crate::domain::RequestKind;
use crate::domain::identity::IdentityNumber;
use crate::domain::matching::{Claimed, Comparison, compare_person};
use crate::error::{Error, Result};
use crate::store::ledger::{self, CheckedMap};
use crate::store::requests::{self as store, RequestRecord};
use crate::store::subjects as subject_store;
use crate::store::verification::{self as vstore, check_violation};
use chrono::{DateTime, Months, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sqlx::PgConnection;

/// A ledger person who may be the requester, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub person_id: String,
    pub name: Option<String>,
    pub personal_number: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub role: Option<String>,
    pub comparison: Comparison,
    pub reasons: Vec<String>,
    /// Already linked to this request.
    pub linked: bool,
}

impl Candidate {
    fn ledger_side(&self) -> Claimed<'_> {
        Claimed {
            personal_number: self.personal_number.as_deref(),
            name: self.name.as_deref(),
            email: self.email.as_deref(),
            address: self.address.as_deref(),
            phone: self.phone.as_deref(),
        }
    }
}

pub use crate::store::subjects::EarlierRequest;

/// Everything the identity panel shows.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectView {
    pub reference: String,
    pub kind: RequestKind,
    pub verified: bool,
    /// Linked persons first, then the other candidates.
    pub candidates: Vec<Candidate>,
    /// Art. 12(5), read narrowly: a warning with the history, never a block.
    pub earlier_access_requests: Vec<EarlierRequest>,
    /// Clients for whom the agency holds the linked persons' data only as processor (Art. 28):
    /// the request about that data goes to them.
    pub processor_clients: Vec<String>,
}

impl SubjectView {
    pub fn linked(&self) -> impl Iterator<Item = &Candidate> {
        self.candidates.iter().filter(|c| c.linked)
    }

    /// Linking by itself is safe only when exactly one candidate is certain.
    pub fn certain_candidate(&self) -> Option<&Candidate> {
        let mut certain = self.candidates.iter().filter(|c| c.comparison.is_certain());
        match (certain.next(), certain.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }
}

fn text(o: &Map<String, Value>, key: &str) -> Option<String> {
    match o.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Null) | None => None,
        Some(other) => Some(other.to_string()),
    }
}

pub(crate) fn claimed_of(r: &RequestRecord) -> Claimed<'_> {
    Claimed {
        personal_number: r.requester_personal_number.as_deref(),
        name: r.requester_name.as_deref(),
        email: r.requester_email.as_deref(),
        address: r.requester_address.as_deref(),
        phone: r.requester_phone.as_deref(),
    }
}

pub(crate) use crate::store::subjects::linked_person_ids;

/// Art. 12(6), 15(4): a verification covers the persons linked when it was made. After it, only a
/// person the e-ID itself proved (the same personal number as the one it returned) may be added:
/// anyone else would receive data, or have data erased, on a verification that was never about
/// them. A verification is evidence and is never reset, so the DPO takes that person's part as a
/// request of its own and verifies it there.
async fn refuse_link_after_verification(
    conn: &mut PgConnection,
    request: &RequestRecord,
    person_id: &str,
    number: Option<&str>,
) -> Result<()> {
    let Some(done) = vstore::verification_of(conn, request.id).await? else { return Ok(()) };
    let proved = done.returned_number.as_deref().is_some_and(|r| Some(r) == number);
    if proved {
        return Ok(());
    }
    let why = match done.returned_number {
        Some(_) => "their personal number is not the one the e-ID returned".to_string(),
        None => format!("a {} verification does not cover a person linked after it", done.method),
    };
    Err(Error::rule(
        &request.reference,
        format!(
            "identity was verified on {} ({}) for the persons linked then; ledger person {person_id} cannot be linked now: {why}. Nothing was linked — their data is not disclosed or erased on a verification that was not about them (Art. 12(6)). If the requester is also this person, register a new request for it and verify that one",
            done.verified_at.format("%Y-%m-%d"),
            done.method,
        ),
    ))
}

impl Desk {
    /// The data map checked against this database (once per process).
    pub async fn checked_map(&self) -> Result<&CheckedMap> {
        self.checked_map
            .get_or_try_init(|| async { ledger::check_data_map(self.pool(), &self.config().data_map).await })
            .await
    }

    async fn candidates_for(
        &self,
        conn: &mut PgConnection,
        request: &RequestRecord,
    ) -> Result<Vec<Candidate>> {
        let today = request.jurisdiction.local_date(Utc::now());
        let normalized = request.requester_personal_number.as_deref().and_then(|n| {
            crate::domain::identity::IdentityNumber::parse(n, Some(request.jurisdiction), today)
                .or_else(|_| crate::domain::identity::IdentityNumber::parse(n, None, today))
                .ok()
                .map(|n| n.normalized())
        });
        let found = ledger::candidates(
            conn,
            &self.config().data_map,
            normalized.as_deref(),
            request.requester_email.as_deref(),
            request.requester_name.as_deref(),
        )
        .await?;
        let linked = linked_person_ids(conn, request.id).await?;
        let claimed = claimed_of(request);
        let mut candidates: Vec<Candidate> = found
            .iter()
            .filter_map(|o| {
                let person_id = text(o, "person_id")?;
                let mut c = Candidate {
                    linked: linked.contains(&person_id),
                    person_id,
                    name: text(o, "name"),
                    personal_number: text(o, "personal_number"),
                    email: text(o, "email"),
                    address: text(o, "address"),
                    phone: text(o, "phone"),
                    role: text(o, "role"),
                    comparison: compare_person(&Claimed::default(), &Claimed::default(), today),
                    reasons: Vec::new(),
                };
                c.comparison = compare_person(&claimed, &c.ledger_side(), today);
                c.reasons = c.comparison.reasons().iter().map(|r| r.as_str().to_string()).collect();
                Some(c)
            })
            .collect();
        // Linked persons the lookup no longer finds (e.g. anonymised) still show.
        for id in linked {
            if !candidates.iter().any(|c| c.person_id == id) {
                candidates.push(Candidate {
                    person_id: id,
                    name: None,
                    personal_number: None,
                    email: None,
                    address: None,
                    phone: None,
                    role: None,
                    comparison: compare_person(&Claimed::default(), &Claimed::default(), today),
                    reasons: vec![],
                    linked: true,
                });
            }
        }
        candidates.sort_by(|a, b| {
            b.linked
                .cmp(&a.linked)
                .then(b.comparison.is_certain().cmp(&a.comparison.is_certain()))
                .then(b.reasons.len().cmp(&a.reasons.len()))
                .then(a.person_id.cmp(&b.person_id))
        });
        Ok(candidates)
    }

    async fn earlier_access_requests(
        &self,
        conn: &mut PgConnection,
        request: &RequestRecord,
    ) -> Result<Vec<EarlierRequest>> {
        // Art. 12(5): repetition is judged over the last twelve months, by the same subject
        // (linked person, or the same identity number before linking).
        let since = request.received_on.checked_sub_months(Months::new(12)).expect("date in range");
        subject_store::access_requests_of_same_subject(
            conn,
            request.id,
            since,
            request.received_on,
            request.requester_personal_number.as_deref(),
        )
        .await
    }

    /// The identity panel: the requester's details beside each candidate's, field by field.
    pub async fn subject_view(&self, reference: &str) -> Result<SubjectView> {
        let reference = normalize_reference(reference)?;
        self.checked_map().await?;
        let mut conn = self.pool().acquire().await?;
        let request = store::fetch_by_reference(&mut conn, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        let candidates = self.candidates_for(&mut conn, &request).await?;
        let earlier_access_requests = if request.kind == RequestKind::Access {
            self.earlier_access_requests(&mut conn, &request).await?
        } else {
            Vec::new()
        };
        let checked = self.checked_map().await?;
        let mut processor_clients = Vec::new();
        for person in candidates.iter().filter(|c| c.linked) {
            for source in &self.config().data_map.sources {
                for row in
                    ledger::rows_of(&mut conn, source, &checked.data_columns[&source.name], &person.person_id)
                        .await?
                {
                    if let Some(client) = row.facts.processor_client {
                        processor_clients.push(client);
                    }
                }
            }
        }
        processor_clients.sort();
        processor_clients.dedup();
        Ok(SubjectView {
            reference,
            kind: request.kind,
            verified: request.identity_verified_at.is_some(),
            candidates,
            earlier_access_requests,
            processor_clients,
        })
    }

    /// Link a request to a ledger person. With `person_id`, the DPO's choice (it must be one of
    /// the candidates); without, only the single certain candidate is linked, never an ambiguous
    /// one.
    pub async fn link(
        &self,
        operator: &Operator,
        reference: &str,
        person_id: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<Candidate> {
        let reference = normalize_reference(reference)?;
        self.checked_map().await?;
        let mut tx = self.pool().begin().await?;
        let request = store::lock_by_reference(&mut tx, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        ensure_open(&request)?;
        let candidates = self.candidates_for(&mut tx, &request).await?;
        let chosen = match person_id {
            Some(id) => candidates.iter().find(|c| c.person_id == id).ok_or_else(|| {
                Error::rule(
                    &reference,
                    format!("ledger person {id} is not among the candidates for this requester (see `dsrdesk link {reference}`)"),
                )
            })?,
            None => {
                let mut certain = candidates.iter().filter(|c| c.comparison.is_certain());
                match (certain.next(), certain.next()) {
                    (Some(only), None) => only,
                    (None, _) => {
                        return Err(Error::rule(
                            &reference,
                            format!(
                                "no candidate matches by personal identity number ({} candidate(s) by e-mail or name): choose one with --person ID",
                                candidates.len()
                            ),
                        ));
                    }
                    (Some(_), Some(_)) => {
                        return Err(Error::rule(
                            &reference,
                            "more than one ledger person has this identity number: choose with --person ID",
                        ));
                    }
                }
            }
        };
        if chosen.linked {
            return Err(Error::rule(
                &reference,
                format!("already linked to ledger person {}", chosen.person_id),
            ));
        }
        let today = request.jurisdiction.local_date(at);
        // The ledger's number, normalised as the e-ID's is: what a BankID/FTN verification is
        // compared with (migration 0011).
        let number = chosen.personal_number.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(|n| {
            IdentityNumber::parse(n, Some(request.jurisdiction), today)
                .or_else(|_| IdentityNumber::parse(n, None, today))
                .map_or_else(|_| n.to_string(), |p| p.normalized())
        });
        refuse_link_after_verification(&mut tx, &request, &chosen.person_id, number.as_deref()).await?;
        subject_store::insert_link(
            &mut tx,
            request.id,
            &chosen.person_id,
            &chosen.reasons,
            &operator.user,
            at,
            number.as_deref(),
        )
        .await
        .map_err(check_violation)
        .map_err(|e| match e {
            Error::Rule { rule, .. } => Error::rule(&reference, rule),
            other => other,
        })?;
        store::insert_events(
            &mut tx,
            &[operator.event(
                request.id,
                at,
                "subject_linked",
                json!({"person_id": chosen.person_id, "matched_on": chosen.reasons, "chosen": person_id.is_some()}),
            )],
        )
        .await?;
        tx.commit().await?;
        // The ledger's own id of the person, never the matched fields' values.
        tracing::info!(reference = %reference, person_id = %chosen.person_id, "subject linked");
        Ok(Candidate { linked: true, ..chosen.clone() })
    }

    /// Undo a wrong link, before anything was done to the person's data for this request.
    pub async fn unlink(
        &self,
        operator: &Operator,
        reference: &str,
        person_id: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let reference = normalize_reference(reference)?;
        let mut tx = self.pool().begin().await?;
        let request = store::lock_by_reference(&mut tx, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        ensure_open(&request)?;
        let acted = subject_store::acted_on(&mut tx, request.id, person_id).await?;
        if acted {
            return Err(Error::rule(
                &reference,
                format!(
                    "ledger person {person_id}'s data was already acted on for this request; the link is evidence and stays"
                ),
            ));
        }
        if !subject_store::delete_link(&mut tx, request.id, person_id).await? {
            return Err(Error::rule(&reference, format!("not linked to ledger person {person_id}")));
        }
        store::insert_events(
            &mut tx,
            &[operator.event(request.id, at, "subject_unlinked", json!({"person_id": person_id}))],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
