//! The other rights: rectification (Art. 16), restriction (Art. 18), objection (Art. 21), the
//! Art. 19 notices to recipients, and forwarding processor-role requests to the controller.

use super::disclosure;
use super::erasure::{record_action, require_linked, require_verified};
use super::{Desk, Operator, ensure_open, normalize_reference};
use crate::domain::{RequestKind, RequestStatus};
use crate::error::{Error, Result};
use crate::store::ledger;
use crate::store::requests::{self as store, RequestRecord};
use crate::store::subjects as subject_store;
use crate::store::tasks as task_store;
pub use crate::store::tasks::{ProcessorTask, RecipientTask};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use sqlx::PgConnection;
use std::collections::BTreeMap;
use std::str::FromStr;

/// A column the subject may have corrected, with its value now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RectifiableField {
    pub person_id: String,
    pub source: String,
    pub source_title: String,
    pub row_id: String,
    pub column: String,
    pub current: Value,
    /// The recipients that actually received this source's rows of the linked persons: the
    /// Art. 19 tasks a correction here creates (the desk's confirmation names them).
    pub disclosed_to: Vec<String>,
}

/// One requested correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub source: String,
    pub row_id: String,
    pub column: String,
    /// `None` clears the field (completing by removal is rare, but allowed).
    pub new_value: Option<String>,
}

/// A correction as carried out: the old value beside the new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rectified {
    pub source: String,
    pub row_id: String,
    pub column: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RightsOutcome {
    pub changed: Vec<Rectified>,
    pub rows: u64,
    pub recipient_tasks: Vec<String>,
}

/// The DPO's decision on an objection to processing on legitimate interests (Art. 21(1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionDecision {
    /// The processing stops.
    Upheld,
    /// Compelling legitimate grounds override the subject's interests (the controller must show them).
    CompellingGrounds,
    /// Needed for the establishment, exercise or defence of legal claims.
    LegalClaims,
}

impl FromStr for ObjectionDecision {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_lowercase().replace('_', "-").as_str() {
            "upheld" => Ok(ObjectionDecision::Upheld),
            "compelling-grounds" => Ok(ObjectionDecision::CompellingGrounds),
            "legal-claims" => Ok(ObjectionDecision::LegalClaims),
            other => Err(Error::Invalid(format!(
                "unknown objection decision {other:?}: expected upheld, compelling-grounds or legal-claims"
            ))),
        }
    }
}

async fn lock_open(conn: &mut PgConnection, reference: &str) -> Result<RequestRecord> {
    let request = store::lock_by_reference(conn, reference)
        .await?
        .ok_or_else(|| Error::NotFound(reference.to_string()))?;
    ensure_open(&request)?;
    Ok(request)
}

fn gate(result: Result<()>, reference: &str) -> Result<()> {
    result.map_err(|e| match e {
        Error::Rule { rule, .. } => Error::rule(reference, rule),
        other => other,
    })
}

impl Desk {
    /// Art. 19 tasks: every recipient that actually received a changed record, once each — the
    /// enforcement authority only for cases that went to enforcement, the FIU only where a report
    /// was made (the data map's `when`), not every recipient a source could have. Read in `conn`:
    /// the changes that call this (rectify, restrict) keep the rows; an erasure reads what was
    /// sent before it erases (`Desk::carry_out`).
    pub(crate) async fn recipient_tasks_for(
        &self,
        conn: &mut PgConnection,
        request_id: i64,
        reason: &str,
        sources: &[String],
        at: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let persons = super::subject::linked_person_ids(conn, request_id).await?;
        let by_source =
            disclosure::recipients_by_source(conn, &self.config().data_map, &persons, sources).await?;
        let tasks = disclosure::tasks_for(&by_source, sources);
        disclosure::create_tasks(conn, request_id, reason, &tasks, at).await
    }

    /// Every field the linked persons may have rectified, with its current value.
    pub async fn rectifiable_fields(&self, reference: &str) -> Result<Vec<RectifiableField>> {
        let reference = normalize_reference(reference)?;
        let checked = self.checked_map().await?;
        let mut conn = self.pool().acquire().await?;
        let request = store::fetch_by_reference(&mut conn, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        let persons = require_linked(&mut conn, &request).await?;
        let rectifiable: Vec<String> = self
            .config()
            .data_map
            .sources
            .iter()
            .filter(|s| !s.rectify.is_empty())
            .map(|s| s.name.clone())
            .collect();
        let disclosed =
            disclosure::recipients_by_source(&mut conn, &self.config().data_map, &persons, &rectifiable)
                .await?;
        let mut fields = Vec::new();
        for person in &persons {
            for source in self.config().data_map.sources.iter().filter(|s| !s.rectify.is_empty()) {
                let rows =
                    ledger::rows_of(&mut conn, source, &checked.data_columns[&source.name], person).await?;
                for row in rows {
                    for column in &source.rectify {
                        let current = row.data.iter().find(|(c, _)| c == column).map(|(_, v)| v.clone());
                        fields.push(RectifiableField {
                            person_id: person.clone(),
                            source: source.name.clone(),
                            source_title: source.title.clone(),
                            row_id: row.facts.row_id.clone(),
                            column: column.clone(),
                            current: current.unwrap_or(Value::Null),
                            disclosed_to: disclosed.get(&source.name).cloned().unwrap_or_default(),
                        });
                    }
                }
            }
        }
        Ok(fields)
    }

    /// Art. 16: apply corrections through the data map in one transaction, recording the old and
    /// new value of each in the history and creating the Art. 19 tasks.
    pub async fn rectify(
        &self,
        operator: &Operator,
        reference: &str,
        corrections: &[Correction],
        at: DateTime<Utc>,
    ) -> Result<RightsOutcome> {
        let reference = normalize_reference(reference)?;
        if corrections.is_empty() {
            return Err(Error::Invalid(
                "nothing to rectify: give at least one --set SOURCE.COLUMN=VALUE".into(),
            ));
        }
        let checked = self.checked_map().await?;
        let mut tx = self.pool().begin().await?;
        let request = lock_open(&mut tx, &reference).await?;
        if request.kind != RequestKind::Rectification {
            return Err(Error::rule(
                &reference,
                format!("rectification is done on a rectification request; this is {}", request.kind),
            ));
        }
        require_verified(&request, "rectification")?;
        let persons = require_linked(&mut tx, &request).await?;
        let mut changed = Vec::new();
        let mut events = Vec::new();
        let mut sources_changed: Vec<String> = Vec::new();
        for c in corrections {
            let source = self.config().data_map.source(&c.source).ok_or_else(|| {
                Error::Invalid(format!(
                    "no data-map source \"{}\" (see `dsrdesk rectify {reference}` for the fields)",
                    c.source
                ))
            })?;
            if !source.rectify.contains(&c.column) {
                return Err(Error::Invalid(format!(
                    "{}.{} cannot be rectified through dsrdesk (the data map allows: {})",
                    c.source,
                    c.column,
                    if source.rectify.is_empty() { "nothing".to_string() } else { source.rectify.join(", ") }
                )));
            }
            // The row must be one of the linked persons' own rows: a key alone could name anyone's.
            let mut owner = None;
            for person in &persons {
                let rows =
                    ledger::rows_of(&mut tx, source, &checked.data_columns[&source.name], person).await?;
                if rows.iter().any(|r| r.facts.row_id == c.row_id) {
                    owner = Some(person.clone());
                    break;
                }
            }
            let owner = owner.ok_or_else(|| {
                Error::rule(
                    &reference,
                    format!("{} row {} does not belong to the linked subject", c.source, c.row_id),
                )
            })?;
            let old = ledger::rectify_column(
                &mut tx,
                source,
                &checked.tables[&source.name],
                &owner,
                &c.row_id,
                &c.column,
                c.new_value.as_deref(),
            )
            .await?
            .ok_or_else(|| Error::rule(&reference, format!("{} row {} is gone", c.source, c.row_id)))?;
            let done = Rectified {
                source: c.source.clone(),
                row_id: c.row_id.clone(),
                column: c.column.clone(),
                old_value: old,
                new_value: c.new_value.clone(),
            };
            gate(
                record_action(
                    &mut tx,
                    request.id,
                    "rectification",
                    Some(&owner),
                    &json!(done),
                    &operator.user,
                    at,
                )
                .await,
                &reference,
            )?;
            events.push(operator.event(request.id, at, "rectified", json!(done)));
            if !sources_changed.contains(&c.source) {
                sources_changed.push(c.source.clone());
            }
            changed.push(done);
        }
        let recipient_tasks =
            self.recipient_tasks_for(&mut tx, request.id, "rectification", &sources_changed, at).await?;
        store::insert_events(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(RightsOutcome { rows: changed.len() as u64, changed, recipient_tasks })
    }

    /// Art. 18: mark every row of the linked persons restricted (`lift = false`), or lift the
    /// restriction with a reason (Art. 18(3): the subject is told before it is lifted).
    pub async fn restrict(
        &self,
        operator: &Operator,
        reference: &str,
        lift: bool,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<RightsOutcome> {
        let reference = normalize_reference(reference)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::Invalid("a restriction and its lifting need a reason (--reason)".into()));
        }
        let checked = self.checked_map().await?;
        let mut tx = self.pool().begin().await?;
        let request = lock_open(&mut tx, &reference).await?;
        require_verified(&request, if lift { "lifting of a restriction" } else { "restriction" })?;
        let persons = require_linked(&mut tx, &request).await?;
        if lift {
            // Rows kept under an erasure hold are restricted for that reason; lifting here would
            // put them back to use.
            let erased = subject_store::any_erased(&mut tx, &persons).await?;
            if erased {
                return Err(Error::rule(
                    &reference,
                    "the subject's kept data is restricted because of an erasure; that restriction is not lifted here",
                ));
            }
        }
        let action = if lift { "restriction_lifted" } else { "restriction" };
        let mut total = 0;
        let mut sources_changed = Vec::new();
        let mut events = Vec::new();
        for person in &persons {
            let mut per_source = BTreeMap::new();
            for source in self.config().data_map.sources.iter().filter(|s| s.restricted_column.is_some()) {
                let rows =
                    ledger::rows_of(&mut tx, source, &checked.data_columns[&source.name], person).await?;
                let keys: Vec<String> = rows
                    .iter()
                    .filter(|r| r.facts.processor_client.is_none() && r.facts.restricted == lift)
                    .map(|r| r.facts.row_id.clone())
                    .collect();
                let n = ledger::mark_restricted(
                    &mut tx,
                    source,
                    &checked.tables[&source.name],
                    person,
                    &keys,
                    !lift,
                )
                .await?;
                if n > 0 {
                    per_source.insert(source.name.clone(), n);
                    if !sources_changed.contains(&source.name) {
                        sources_changed.push(source.name.clone());
                    }
                }
                total += n;
            }
            let details = json!({"person_id": person, "reason": reason, "rows": per_source});
            gate(
                record_action(&mut tx, request.id, action, Some(person), &details, &operator.user, at).await,
                &reference,
            )?;
            events.push(operator.event(request.id, at, action, details));
        }
        let recipient_tasks =
            self.recipient_tasks_for(&mut tx, request.id, action, &sources_changed, at).await?;
        store::insert_events(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(RightsOutcome { changed: Vec::new(), rows: total, recipient_tasks })
    }

    /// Art. 21(3): an objection to direct marketing stops it at once, for every linked person.
    /// Not gated on verification: it only stops processing, and delaying it is what the law forbids.
    pub async fn opt_out_of_marketing(
        &self,
        operator: &Operator,
        reference: &str,
        at: DateTime<Utc>,
    ) -> Result<u64> {
        let reference = normalize_reference(reference)?;
        self.checked_map().await?;
        let mut tx = self.pool().begin().await?;
        let request = lock_open(&mut tx, &reference).await?;
        let persons = require_linked(&mut tx, &request).await?;
        let mut rows = 0;
        let mut events = Vec::new();
        let erases = self.config().controller(request.jurisdiction).marketing_opt_out_erases;
        if erases && self.config().data_map.marketing.erase.is_none() {
            return Err(Error::Invalid(
                "the controller erases marketing data on an opt-out, but the data map has no [marketing] erase statement".into(),
            ));
        }
        for person in &persons {
            // Art. 21(3): the stop is immediate; where the agency's policy says so, the
            // marketing data goes with it (seed 001).
            let erased = if erases {
                ledger::erase_marketing(&mut tx, &self.config().data_map, person).await?
            } else {
                None
            };
            rows += match erased {
                Some(n) => n,
                None => ledger::opt_out_of_marketing(&mut tx, &self.config().data_map, person).await?,
            };
            let details =
                json!({"person_id": person, "article": "GDPR Art. 21(3)", "erased": erased.is_some()});
            record_action(
                &mut tx,
                request.id,
                "marketing_opt_out",
                Some(person),
                &details,
                &operator.user,
                at,
            )
            .await?;
            events.push(operator.event(request.id, at, "marketing_opt_out", details));
        }
        store::insert_events(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Art. 21(1): record the decision on an objection to processing on legitimate interests.
    /// Overriding it needs the grounds in words: the controller carries the burden of showing them.
    /// Upheld, the processing stops: every row of the linked persons in a source whose data map
    /// entry says `on_objection = "restrict"` is restricted (processor-held rows are the client's),
    /// in the same transaction, and the recipients of those sources are to be told (Art. 19).
    /// Like the marketing opt-out it only stops processing, so it waits for no verification; it
    /// needs the subject linked, since it acts on their rows.
    pub async fn decide_objection(
        &self,
        operator: &Operator,
        reference: &str,
        decision: ObjectionDecision,
        reason: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        let reference = normalize_reference(reference)?;
        let reason = reason.trim();
        if decision != ObjectionDecision::Upheld && reason.is_empty() {
            return Err(Error::Invalid(
                "overriding an objection needs the compelling grounds or the legal claim in words (--reason)"
                    .into(),
            ));
        }
        let checked = self.checked_map().await?;
        let mut tx = self.pool().begin().await?;
        let request = lock_open(&mut tx, &reference).await?;
        if request.kind != RequestKind::Objection {
            return Err(Error::rule(
                &reference,
                format!("an objection decision is for objection requests; this is {}", request.kind),
            ));
        }
        let mut details = json!({"decision": decision, "reason": reason, "article": "GDPR Art. 21(1)"});
        if decision == ObjectionDecision::Upheld {
            let persons = require_linked(&mut tx, &request).await?;
            let mut restricted: BTreeMap<String, u64> = BTreeMap::new();
            let stopping = self.config().data_map.sources.iter().filter(|s| s.on_objection.is_some());
            for source in stopping {
                for person in &persons {
                    let rows =
                        ledger::rows_of(&mut tx, source, &checked.data_columns[&source.name], person).await?;
                    let keys: Vec<String> = rows
                        .iter()
                        .filter(|r| r.facts.processor_client.is_none() && !r.facts.restricted)
                        .map(|r| r.facts.row_id.clone())
                        .collect();
                    let n = ledger::mark_restricted(
                        &mut tx,
                        source,
                        &checked.tables[&source.name],
                        person,
                        &keys,
                        true,
                    )
                    .await?;
                    if n > 0 {
                        *restricted.entry(source.name.clone()).or_default() += n;
                    }
                }
            }
            let sources: Vec<String> = restricted.keys().cloned().collect();
            self.recipient_tasks_for(&mut tx, request.id, "restriction", &sources, at).await?;
            details["restricted"] = json!(restricted);
        }
        record_action(&mut tx, request.id, "objection_decision", None, &details, &operator.user, at).await?;
        store::insert_events(&mut tx, &[operator.event(request.id, at, "objection_decided", details)])
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn recipient_tasks(&self, reference: &str) -> Result<Vec<RecipientTask>> {
        let reference = normalize_reference(reference)?;
        let mut conn = self.pool().acquire().await?;
        let request = store::fetch_by_reference(&mut conn, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        task_store::recipient_tasks_of(&mut conn, request.id).await
    }

    /// Tick off an Art. 19 task: the recipient was told.
    pub async fn complete_recipient_task(
        &self,
        operator: &Operator,
        reference: &str,
        task_id: i64,
        at: DateTime<Utc>,
    ) -> Result<RecipientTask> {
        let reference = normalize_reference(reference)?;
        let mut tx = self.pool().begin().await?;
        let request = store::lock_by_reference(&mut tx, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        let task =
            task_store::complete_recipient_task(&mut tx, request.id, task_id, &operator.user, at).await?;
        let task = task.ok_or_else(|| {
            Error::rule(&reference, format!("no open recipient task {task_id} on this request"))
        })?;
        store::insert_events(
            &mut tx,
            &[operator.event(
                request.id,
                at,
                "recipient_notified",
                json!({"task": task.id, "recipient": task.recipient, "article": "GDPR Art. 19"}),
            )],
        )
        .await?;
        tx.commit().await?;
        Ok(task)
    }

    /// The processor part of a request (Art. 28; seed 004 §6.2): one task per client whose data
    /// the request touches, done once the client was told.
    pub async fn processor_tasks(&self, reference: &str) -> Result<Vec<ProcessorTask>> {
        let reference = normalize_reference(reference)?;
        let mut conn = self.pool().acquire().await?;
        let request = store::fetch_by_reference(&mut conn, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        task_store::processor_tasks_of(&mut conn, request.id).await
    }

    /// A task for each client whose rows the linked persons have, with the client's privacy
    /// contact from the ledger; an existing task is kept as it is.
    pub(crate) async fn ensure_processor_tasks(
        &self,
        conn: &mut PgConnection,
        request_id: i64,
        clients: &[String],
        at: DateTime<Utc>,
    ) -> Result<()> {
        for client in clients {
            let contact = ledger::client_contact(conn, &self.config().data_map, client).await?;
            task_store::ensure_processor_task(conn, request_id, client, contact.as_deref(), at).await?;
        }
        Ok(())
    }

    /// Mark the client told (the processor part forwarded), creating the task when needed.
    pub(crate) async fn processor_part_forwarded(
        &self,
        conn: &mut PgConnection,
        operator: &Operator,
        request_id: i64,
        client: &str,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.ensure_processor_tasks(conn, request_id, &[client.to_string()], at).await?;
        task_store::complete_processor_task(conn, request_id, client, &operator.user, at).await?;
        Ok(())
    }

    /// Forward a request, or its processor part, to the client (Art. 28; seed 004 §6.2).
    ///
    /// When every row of the linked persons is held for the client (or no one is linked), the
    /// request is closed as `forwarded` with the client named: the client answers. When the
    /// request also touches the agency's own data as controller, the agency answers that part
    /// itself: the client is told (the processor task is ticked) and the status stays as it is —
    /// before or after the agency's answer.
    pub async fn forward_to_controller(
        &self,
        operator: &Operator,
        reference: &str,
        client: &str,
        expected_version: Option<i32>,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord> {
        let client = client.trim();
        if client.is_empty() {
            return Err(Error::Invalid("name the client the request is forwarded to (--client)".into()));
        }
        let reference = normalize_reference(reference)?;
        let request = {
            let mut conn = self.pool().acquire().await?;
            store::fetch_by_reference(&mut conn, &reference)
                .await?
                .ok_or_else(|| Error::NotFound(reference.clone()))?
        };
        let held = self.rows_held(&request).await?;
        let mut tx = self.pool().begin().await?;
        let after = if held.ours.is_empty() {
            let reason = format!(
                "forwarded to the controller, {client}: the agency holds this data as its processor (GDPR Art. 28)"
            );
            self.change_in(
                &mut tx,
                operator,
                &reference,
                expected_version,
                at,
                super::status_rule(RequestStatus::Forwarded, Some(&reason), at),
            )
            .await?
        } else {
            if !held.processor.contains_key(client) {
                return Err(Error::rule(
                    &reference,
                    if held.processor.is_empty() {
                        format!(
                            "the agency is controller of every row of the linked persons ({} rows): answer the request itself; nothing is held for {client}",
                            held.total()
                        )
                    } else {
                        format!(
                            "nothing of the linked persons is held for {client}; the processor part is held for {}",
                            held.processor.keys().cloned().collect::<Vec<_>>().join(", ")
                        )
                    },
                ));
            }
            let locked = store::lock_by_reference(&mut tx, &reference)
                .await?
                .ok_or_else(|| Error::NotFound(reference.clone()))?;
            if expected_version.is_some_and(|v| v != locked.version) {
                return Err(Error::Conflict {
                    reference: reference.clone(),
                    message: "the request changed since it was shown; look at it again".into(),
                });
            }
            store::insert_events(
                &mut tx,
                &[operator.event(
                    locked.id,
                    at,
                    "processor_part_forwarded",
                    json!({"client": client, "rows": held.processor[client], "article": "GDPR Art. 28"}),
                )],
            )
            .await?;
            locked
        };
        self.processor_part_forwarded(&mut tx, operator, after.id, client, at).await?;
        tx.commit().await?;
        Ok(after)
    }
}
