//! Erasure (GDPR Art. 17): the plan over every data-map source for the linked persons, carrying
//! it out in one transaction, the follow-up when holds lapse, and the worker that does it.

use super::subject::linked_person_ids;
use super::{Desk, Operator, normalize_reference};
use crate::datamap::Source;
use crate::domain::plan::{
    EraseMethod, ErasurePlan, FollowUp, RecordedHold, RowAction, SourcePlan, plan_row,
};
use crate::domain::{Jurisdiction, RequestKind};
use crate::error::{Error, Result};
use crate::store::erasure as erasure_store;
use crate::store::ledger::{self, CheckedMap};
use crate::store::requests::{self as store, NewEvent, RequestRecord};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgConnection;
use std::collections::BTreeMap;

/// What carrying out a plan did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ErasureOutcome {
    pub deleted: u64,
    pub anonymised: u64,
    pub restricted: u64,
    pub kept: usize,
    pub forwarded_to: Vec<String>,
    /// The follow-up erasure now scheduled (the last day, or open-ended).
    pub follow_up: Option<FollowUp>,
    /// Every day a follow-up is now due: the days kept records become erasable.
    pub follow_up_dates: Vec<NaiveDate>,
    /// Art. 19 recipients to tell.
    pub recipient_tasks: Vec<String>,
}

pub use crate::store::erasure::ScheduledErasure;

/// What one worker pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WorkerReport {
    pub examined: usize,
    pub erased_rows: u64,
    pub completed: usize,
    pub rescheduled: usize,
}

pub(crate) fn require_verified(r: &RequestRecord, what: &str) -> Result<()> {
    if r.identity_verified_at.is_none() {
        return Err(Error::rule(
            &r.reference,
            format!(
                "identity is not verified (Art. 12(6)): no {what} before it — verify first (`dsrdesk verify`)"
            ),
        ));
    }
    Ok(())
}

pub(crate) async fn require_linked(conn: &mut PgConnection, r: &RequestRecord) -> Result<Vec<String>> {
    let persons = linked_person_ids(conn, r.id).await?;
    if persons.is_empty() {
        return Err(Error::rule(
            &r.reference,
            "not linked to a ledger person yet: link the subject first (`dsrdesk link`)",
        ));
    }
    Ok(persons)
}

/// The dated holds recorded when this request's erasure was last carried out, per person.
async fn recorded_holds(conn: &mut PgConnection, request_id: i64) -> Result<Vec<RecordedHold>> {
    let mut holds = std::collections::BTreeSet::new();
    for value in erasure_store::latest_kept_holds(conn, request_id).await? {
        let some: Vec<RecordedHold> = serde_json::from_value(value)
            .map_err(|e| Error::Invalid(format!("a recorded erasure's kept holds do not read: {e}")))?;
        holds.extend(some);
    }
    Ok(holds.into_iter().collect())
}

/// Plan the erasure of `persons`' data as of `today`. Reads through the data map only; holds
/// recorded when this request's erasure was carried out before still hold their rows.
pub(crate) async fn plan_for(
    desk: &Desk,
    conn: &mut PgConnection,
    checked: &CheckedMap,
    request_id: i64,
    jurisdiction: Jurisdiction,
    persons: &[String],
    today: NaiveDate,
) -> Result<ErasurePlan> {
    let policy = desk.config().retention_policy(jurisdiction);
    let mut sources = Vec::new();
    for person in persons {
        for source in &desk.config().data_map.sources {
            let columns = &checked.data_columns[&source.name];
            let rows = ledger::rows_of(conn, source, columns, person).await?;
            if rows.is_empty() {
                continue;
            }
            sources.push(SourcePlan {
                source: source.name.clone(),
                title: source.title.clone(),
                person_id: person.clone(),
                rows: rows
                    .iter()
                    .map(|r| plan_row(&r.facts, source.class, source.erase, jurisdiction, policy, today))
                    .collect(),
            });
        }
    }
    let mut plan = ErasurePlan { today, sources };
    plan.keep_recorded_holds(&recorded_holds(conn, request_id).await?);
    Ok(plan)
}

/// Carry out a plan's rows in the caller's transaction: erase what may go, restrict what is kept.
/// Returns per source what happened, for the events.
async fn apply(
    desk: &Desk,
    conn: &mut PgConnection,
    checked: &CheckedMap,
    plan: &ErasurePlan,
) -> Result<(ErasureOutcome, Vec<(String, String, serde_json::Value)>)> {
    let mut outcome = ErasureOutcome::default();
    let mut per_source = Vec::new();
    for sp in &plan.sources {
        let source: &Source = desk.config().data_map.source(&sp.source).expect("planned from the map");
        let types = &checked.tables[&source.name];
        let mut by_method: BTreeMap<EraseMethod, Vec<String>> = BTreeMap::new();
        let mut keep = Vec::new();
        let mut kept_until = BTreeMap::new();
        let mut forwarded = Vec::new();
        for row in &sp.rows {
            match &row.action {
                RowAction::Erase { method } => by_method.entry(*method).or_default().push(row.row_id.clone()),
                RowAction::Keep { holds, .. } => {
                    keep.push(row.row_id.clone());
                    for h in holds {
                        kept_until.insert(
                            format!("{:?}", h.kind),
                            json!({"article": h.article, "held_until": h.held_until}),
                        );
                    }
                }
                RowAction::Forward { client } => forwarded.push(client.clone()),
            }
        }
        let person = &sp.person_id;
        let deleted = match by_method.get(&EraseMethod::Delete) {
            Some(keys) => ledger::delete_rows(conn, source, types, person, keys).await?,
            None => 0,
        };
        let anonymised = match by_method.get(&EraseMethod::Anonymise) {
            Some(keys) => ledger::anonymise_rows(conn, source, types, person, keys).await?,
            None => 0,
        };
        // Kept rows, and rows this source can only restrict: Art. 18(1)(b)/(c) — kept, not used.
        let mut to_restrict = keep.clone();
        to_restrict.extend(by_method.get(&EraseMethod::Restrict).cloned().unwrap_or_default());
        let restricted = ledger::mark_restricted(conn, source, types, person, &to_restrict, true).await?;
        outcome.deleted += deleted;
        outcome.anonymised += anonymised;
        outcome.restricted += restricted;
        outcome.kept += keep.len();
        forwarded.sort();
        forwarded.dedup();
        per_source.push((
            source.name.clone(),
            person.clone(),
            json!({
                "source": source.name,
                "person_id": person,
                "deleted": deleted,
                "anonymised": anonymised,
                "restricted": restricted,
                "kept": keep.len(),
                "holds": kept_until,
                "forwarded_to": forwarded,
            }),
        ));
    }
    outcome.forwarded_to = plan.forward_to();
    Ok((outcome, per_source))
}

pub(crate) async fn record_action(
    conn: &mut PgConnection,
    request_id: i64,
    action: &str,
    person_id: Option<&str>,
    details: &serde_json::Value,
    actor: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    erasure_store::insert_subject_action(conn, request_id, action, person_id, details, actor, at).await
}

/// A follow-up for every day a kept record becomes erasable, and an open-ended one (re-examined
/// daily) while a hold lasts until an event; the pending ones of an earlier plan are superseded.
async fn schedule_follow_ups(
    conn: &mut PgConnection,
    request_id: i64,
    plan: &ErasurePlan,
    at: DateTime<Utc>,
) -> Result<()> {
    erasure_store::supersede_follow_ups(conn, request_id, at).await?;
    let mut due: Vec<Option<NaiveDate>> = plan.follow_up_dates().into_iter().map(Some).collect();
    if plan.waits_for_events() {
        due.push(None);
    }
    for due_on in due {
        erasure_store::insert_follow_up(conn, request_id, due_on, at).await?;
    }
    Ok(())
}

impl Desk {
    /// The erasure plan for an erasure request, as of today in the controller's time zone.
    pub async fn erasure_plan(&self, reference: &str, now: DateTime<Utc>) -> Result<ErasurePlan> {
        let reference = normalize_reference(reference)?;
        let checked = self.checked_map().await?;
        let mut tx = self.pool().begin().await?;
        // One snapshot of every source, so the plan is consistent.
        crate::store::read_only_snapshot(&mut tx).await?;
        let request = store::fetch_by_reference(&mut tx, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        if request.kind != RequestKind::Erasure {
            return Err(Error::rule(
                &reference,
                format!("an erasure plan is for erasure requests; this is {}", request.kind),
            ));
        }
        let persons = require_linked(&mut tx, &request).await?;
        let today = request.jurisdiction.local_date(now);
        let plan =
            plan_for(self, &mut tx, checked, request.id, request.jurisdiction, &persons, today).await?;
        tx.commit().await?;
        Ok(plan)
    }

    /// Carry out `confirmed` (the plan the DPO saw): in one transaction, re-plan under lock and
    /// refuse if anything changed, erase and restrict, record per source what was done, create
    /// the Art. 19 tasks and schedule the follow-up for the day the last hold lapses.
    pub async fn execute_erasure(
        &self,
        operator: &Operator,
        reference: &str,
        confirmed: &ErasurePlan,
        now: DateTime<Utc>,
    ) -> Result<ErasureOutcome> {
        let reference = normalize_reference(reference)?;
        let checked = self.checked_map().await?;
        let mut tx = self.pool().begin().await?;
        let request = store::lock_by_reference(&mut tx, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        if request.kind != RequestKind::Erasure {
            return Err(Error::rule(
                &reference,
                format!("only an erasure request erases; this is {}", request.kind),
            ));
        }
        super::ensure_open(&request)?;
        require_verified(&request, "erasure")?;
        let persons = require_linked(&mut tx, &request).await?;
        let today = request.jurisdiction.local_date(now);
        let plan =
            plan_for(self, &mut tx, checked, request.id, request.jurisdiction, &persons, today).await?;
        if plan.sources != confirmed.sources {
            return Err(Error::Conflict {
                reference,
                message:
                    "the ledger changed since the plan was shown; nothing was erased — look at the plan again"
                        .into(),
            });
        }
        let outcome = self.carry_out(&mut tx, checked, operator, &request, &plan, now).await?;
        tx.commit().await?;
        tracing::info!(
            reference = %reference,
            deleted = outcome.deleted,
            anonymised = outcome.anonymised,
            restricted = outcome.restricted,
            kept = outcome.kept,
            follow_up = outcome.follow_up.is_some(),
            "erasure carried out"
        );
        Ok(outcome)
    }

    async fn carry_out(
        &self,
        tx: &mut PgConnection,
        checked: &CheckedMap,
        operator: &Operator,
        request: &RequestRecord,
        plan: &ErasurePlan,
        now: DateTime<Utc>,
    ) -> Result<ErasureOutcome> {
        let summary = json!({
            "erase": plan.erase_count(),
            "keep": plan.keep_count(),
            "forward_to": plan.forward_to(),
            "follow_up": plan.follow_up(),
            "follow_up_dates": plan.follow_up_dates(),
            "as_of": plan.today,
        });
        let mut persons: Vec<&str> = plan.sources.iter().map(|s| s.person_id.as_str()).collect();
        persons.sort();
        persons.dedup();
        let dated_holds = plan.dated_holds();
        for person in &persons {
            // What keeps each of this person's kept rows, and until when, grouped by hold and
            // day: a later re-plan keeps these holds even when the fact they came from was
            // erased with another record.
            let mut details = summary.clone();
            details["kept_holds"] =
                json!(dated_holds.iter().filter(|h| h.person_id == *person).collect::<Vec<_>>());
            record_action(tx, request.id, "erasure", Some(person), &details, &operator.user, now)
                .await
                .map_err(|e| match e {
                    Error::Rule { rule, .. } => Error::rule(&request.reference, rule),
                    other => other,
                })?;
        }
        // Art. 19: who received each source's rows, read in this transaction before they go.
        let planned_sources: Vec<String> = {
            let mut names: Vec<String> = plan.sources.iter().map(|s| s.source.clone()).collect();
            names.sort();
            names.dedup();
            names
        };
        let linked: Vec<String> = persons.iter().map(|p| p.to_string()).collect();
        let received =
            super::disclosure::recipients_by_source(tx, &self.config().data_map, &linked, &planned_sources)
                .await?;
        let (mut outcome, per_source) = apply(self, tx, checked, plan).await?;
        let mut events: Vec<NewEvent> = per_source
            .iter()
            .map(|(_, _, details)| operator.event(request.id, now, "erasure_source", details.clone()))
            .collect();
        let mut affected: Vec<String> = per_source
            .iter()
            .filter(|(_, _, d)| {
                d["deleted"].as_u64() > Some(0)
                    || d["anonymised"].as_u64() > Some(0)
                    || d["restricted"].as_u64() > Some(0)
            })
            .map(|(name, _, _)| name.clone())
            .collect();
        affected.dedup();
        let tasks = super::disclosure::tasks_for(&received, &affected);
        outcome.recipient_tasks =
            super::disclosure::create_tasks(tx, request.id, "erasure", &tasks, now).await?;
        let follow_up = plan.follow_up();
        schedule_follow_ups(tx, request.id, plan, now).await?;
        outcome.follow_up = Some(follow_up);
        outcome.follow_up_dates = plan.follow_up_dates();
        events.push(operator.event(
            request.id,
            now,
            "erasure_executed",
            json!({
                "deleted": outcome.deleted,
                "anonymised": outcome.anonymised,
                "restricted": outcome.restricted,
                "kept": outcome.kept,
                "forwarded_to": outcome.forwarded_to,
                "follow_up": follow_up,
                "follow_up_dates": outcome.follow_up_dates,
                "recipient_tasks": outcome.recipient_tasks,
            }),
        ));
        store::insert_events(tx, &events).await?;
        Ok(outcome)
    }

    /// The next pending follow-up erasure of a request (an open-ended one first).
    pub async fn scheduled_erasure(&self, reference: &str) -> Result<Option<ScheduledErasure>> {
        Ok(self.scheduled_erasures(reference).await?.into_iter().next())
    }

    /// Every pending follow-up erasure of a request: open-ended first, then by day.
    pub async fn scheduled_erasures(&self, reference: &str) -> Result<Vec<ScheduledErasure>> {
        let reference = normalize_reference(reference)?;
        erasure_store::pending_follow_ups(self.pool(), &reference).await
    }

    /// One pass of the worker: every follow-up erasure that is due (or open-ended and not yet
    /// looked at today) is re-planned as of today and what may go now is erased. Each follow-up
    /// is its own transaction; several workers may run at once (SKIP LOCKED).
    pub async fn run_due_erasures(&self, operator: &Operator, now: DateTime<Utc>) -> Result<WorkerReport> {
        let checked = self.checked_map().await?;
        let mut report = WorkerReport::default();
        let today_se = Jurisdiction::Sweden.local_date(now);
        let today_fi = Jurisdiction::Finland.local_date(now);
        loop {
            let mut tx = self.pool().begin().await?;
            let due = erasure_store::lock_next_due(&mut tx, today_se, today_fi).await?;
            let Some(erasure_store::DueErasure { id: schedule_id, request_id, due_on }) = due else { break };
            report.examined += 1;
            let request = store::lock_by_id(&mut tx, request_id).await?;
            let today = request.jurisdiction.local_date(now);
            let persons = linked_person_ids(&mut tx, request_id).await?;
            let plan =
                plan_for(self, &mut tx, checked, request_id, request.jurisdiction, &persons, today).await?;
            let follow_up = plan.follow_up();
            if plan.erase_count() == 0 && due_on.is_none() && follow_up == FollowUp::WhenEventsAllow {
                // Still waiting for an event: note the look, keep the history quiet.
                erasure_store::mark_follow_up_checked(&mut tx, schedule_id, today).await?;
                tx.commit().await?;
                continue;
            }
            // This follow-up is done; carrying out the plan schedules the next one if needed.
            erasure_store::complete_follow_up(&mut tx, schedule_id, now, today).await?;
            let outcome = self.carry_out(&mut tx, checked, operator, &request, &plan, now).await?;
            tx.commit().await?;
            tracing::info!(
                reference = %request.reference,
                schedule_id,
                deleted = outcome.deleted,
                anonymised = outcome.anonymised,
                follow_up = outcome.follow_up.is_some(),
                "follow-up erasure carried out"
            );
            report.erased_rows += outcome.deleted + outcome.anonymised;
            if matches!(follow_up, FollowUp::None) {
                report.completed += 1;
            } else {
                report.rescheduled += 1;
            }
        }
        Ok(report)
    }
}
