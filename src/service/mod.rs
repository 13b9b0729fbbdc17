//! Use cases: what the DPO can do, shared by the CLI and the TUI.
//!
//! Each change is one transaction: the request row, its event in the history, and (through the
//! database trigger) the NOTIFY that other desks listen to. Legal questions are decided by
//! `crate::domain`; SQL lives in `crate::store`.

pub(crate) mod disclosure;
pub mod erasure;
pub mod export;
pub mod outbox;
mod queue_order;
pub mod reply;
pub mod rights;
/// Seeding moved to [`crate::seed`]; the old path still names it.
pub use crate::seed;
pub mod shift;
pub mod subject;
pub mod verify;

use crate::config::Config;
use crate::domain::deadline::{self, DeadlineBreakdown, DeadlineFacts, DeadlineRuleError, Urgency};
use crate::domain::intake::{NewRequest, parse_line};
use crate::domain::reference::Reference;
use crate::domain::{Jurisdiction, RequestKind, RequestStatus};
use crate::error::{Error, Result};
use crate::store::requests::{self as store, EventRecord, NewEvent, QueueQuery, QueueRecord, RequestRecord};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::PgPool;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// Who is acting: the OS user, and the SSH client address when the session came over SSH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub user: String,
    pub client: Option<String>,
}

impl Operator {
    pub fn new(user: impl Into<String>) -> Operator {
        Operator { user: user.into(), client: None }
    }

    /// The OS user running this process (from the uid, not from `$USER`, which anyone can set)
    /// and the SSH client address from `$SSH_CLIENT`/`$SSH_CONNECTION`.
    pub fn from_os() -> Operator {
        let user = nix::unistd::User::from_uid(nix::unistd::Uid::current())
            .ok()
            .flatten()
            .map(|u| u.name)
            .unwrap_or_else(|| format!("uid{}", nix::unistd::Uid::current()));
        let client = ["SSH_CLIENT", "SSH_CONNECTION"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find_map(|v| v.split_whitespace().next().map(str::to_string))
            .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok());
        Operator { user, client }
    }

    fn event(
        &self,
        request_id: i64,
        at: DateTime<Utc>,
        action: &'static str,
        details: serde_json::Value,
    ) -> NewEvent {
        NewEvent {
            request_id,
            effective_at: at,
            recorded_at: None,
            actor: self.user.clone(),
            actor_client: self.client.clone(),
            action,
            details,
        }
    }
}

/// The desk: a database pool and the settings. Cheap to clone.
#[derive(Clone)]
pub struct Desk {
    pool: PgPool,
    config: Arc<Config>,
    /// The data map checked against this database, on first use.
    checked_map: Arc<tokio::sync::OnceCell<crate::store::ledger::CheckedMap>>,
}

/// What intake did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct IntakeOutcome {
    /// References of the requests created, in the order of the input lines.
    pub created: Vec<String>,
    /// External ids that were already stored (re-running a file creates no duplicates).
    pub already_present: Vec<String>,
    /// External ids that another intake run stored while this one ran (the same file taken in
    /// twice at once): not created here, not duplicated, and said so rather than counted nowhere.
    pub created_by_another_run: Vec<String>,
}

/// A queue row with its countdown worked out for today.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    pub record: QueueRecord,
    /// The due date that counts now: for a paused request, the date if the information arrived today.
    pub effective_due_on: NaiveDate,
    pub days_left: i64,
    /// The deadline could not be computed from the stored facts (an impossible value such as a
    /// pause of two billion days): the row shows this instead of a countdown, and
    /// `effective_due_on` is the stored due date.
    pub deadline_error: Option<String>,
}

impl QueueItem {
    pub fn is_paused(&self) -> bool {
        self.record.paused_since.is_some()
    }
    pub fn urgency(&self) -> Urgency {
        Urgency::of(self.days_left)
    }
}

/// One request with everything the detail view shows.
#[derive(Debug, Clone, Serialize)]
pub struct RequestDetail {
    pub request: RequestRecord,
    /// How identity was verified, once it is.
    pub verification: Option<crate::store::verification::VerificationRecord>,
    pub deadline: DeadlineBreakdown,
    pub effective_due_on: NaiveDate,
    pub days_left: i64,
    pub events: Vec<EventRecord>,
    /// The ledger persons the request is linked to (`dsrdesk link`).
    pub linked_persons: Vec<String>,
    /// Art. 19 notices not yet given.
    pub open_recipient_tasks: i64,
    /// A pending follow-up erasure.
    pub follow_up: Option<erasure::ScheduledErasure>,
    /// The replies queued for this request and where each is (failed and uncertain ones need
    /// the operator).
    pub outbox: Vec<crate::store::outbox::OutboxSummary>,
}

/// Counts per urgency bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct UrgencyCounts {
    pub overdue: i64,
    pub due_today: i64,
    pub within_3_days: i64,
    pub within_7_days: i64,
    pub later: i64,
    /// Awaiting identifying information: the clock is paused (Art. 12(6)).
    pub paused: i64,
    pub total: i64,
}

impl UrgencyCounts {
    fn add(&mut self, urgency: Option<Urgency>, n: i64) {
        match urgency {
            None => self.paused += n,
            Some(Urgency::Overdue) => self.overdue += n,
            Some(Urgency::DueToday) => self.due_today += n,
            Some(Urgency::Within3Days) => self.within_3_days += n,
            Some(Urgency::Within7Days) => self.within_7_days += n,
            Some(Urgency::Later) => self.later += n,
        }
        self.total += n;
    }

    pub fn get(&self, urgency: Urgency) -> i64 {
        match urgency {
            Urgency::Overdue => self.overdue,
            Urgency::DueToday => self.due_today,
            Urgency::Within3Days => self.within_3_days,
            Urgency::Within7Days => self.within_7_days,
            Urgency::Later => self.later,
        }
    }
}

/// The shift-start summary.
#[derive(Debug, Clone, Serialize)]
pub struct Overview {
    pub generated_at: DateTime<Utc>,
    pub today: BTreeMap<Jurisdiction, NaiveDate>,
    pub counts: UrgencyCounts,
    pub by_kind: BTreeMap<RequestKind, UrgencyCounts>,
    /// Keyed by assignee; unassigned requests under the key "" (shown as "unassigned").
    pub by_assignee: BTreeMap<String, UrgencyCounts>,
}

fn ensure_open(r: &RequestRecord) -> Result<()> {
    if r.status.is_open() {
        Ok(())
    } else {
        Err(Error::rule(&r.reference, format!("the request is closed ({})", r.status)))
    }
}

/// The facts of a request the deadline rules read.
pub fn facts_of(r: &RequestRecord) -> DeadlineFacts {
    DeadlineFacts {
        received_on: r.received_on,
        extended: r.extended_on.is_some(),
        paused_days: r.paused_days.max(0) as u32,
    }
}

impl Desk {
    pub fn new(pool: PgPool, config: Config) -> Desk {
        Desk { pool, config: Arc::new(config), checked_map: Arc::default() }
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Today's date for each controller (the two time zones differ by an hour).
    pub fn today(&self, now: DateTime<Utc>) -> BTreeMap<Jurisdiction, NaiveDate> {
        Jurisdiction::ALL.into_iter().map(|j| (j, j.local_date(now))).collect()
    }

    /// Recompute the stored due dates from the deadline facts.
    pub(crate) fn apply_deadline(&self, r: &mut RequestRecord) -> Result<()> {
        let calendar = self.config.calendar(r.jurisdiction);
        let facts = facts_of(r);
        let reference = r.reference.clone();
        r.due_on = deadline::legal_due_on(&calendar, facts).map_err(|e| Error::rule(&reference, e))?;
        r.internal_due_on = deadline::internal_due_on(
            &calendar,
            facts,
            self.config.controller(r.jurisdiction).internal_target_days,
        )
        .map_err(|e| Error::rule(&reference, e))?;
        Ok(())
    }

    /// The due date that counts today: a paused clock stands still, so a paused request's date
    /// is the one it would have if the information arrived today.
    fn effective_due_on(
        &self,
        jurisdiction: Jurisdiction,
        facts: DeadlineFacts,
        paused_since: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Result<NaiveDate, DeadlineRuleError> {
        let facts = match paused_since {
            Some(since) => DeadlineFacts {
                paused_days: facts.paused_days.saturating_add((today - since).num_days().max(0) as u32),
                ..facts
            },
            None => facts,
        };
        deadline::legal_due_on(&self.config.calendar(jurisdiction), facts)
    }

    /// Build the stored form of a new request, with its deadline computed.
    pub fn new_record(&self, n: &NewRequest, reference: String) -> Result<RequestRecord> {
        let received_on = n.jurisdiction.local_date(n.received_at);
        let mut r = RequestRecord {
            id: 0,
            reference,
            external_id: n.external_id.clone(),
            kind: n.kind,
            status: RequestStatus::New,
            jurisdiction: n.jurisdiction,
            received_at: n.received_at,
            received_on,
            channel: n.channel,
            language: n.language.map(|l| l.as_str().to_string()),
            requester_name: n.requester.name.clone(),
            requester_email: n.requester.email.clone(),
            requester_personal_number: n.requester.personal_number.clone(),
            requester_address: n.requester.address.clone(),
            requester_phone: n.requester.phone.clone(),
            body: n.text.clone(),
            assignee: None,
            extended_on: None,
            extension_reason: None,
            paused_days: 0,
            paused_since: None,
            pause_reason: None,
            due_on: received_on,
            internal_due_on: received_on,
            version: 1,
            created_at: n.received_at,
            updated_at: n.received_at,
            closed_at: None,
            identity_verified_at: None,
        };
        self.apply_deadline(&mut r)?;
        Ok(r)
    }

    /// Take in requests from JSON Lines. All or nothing: one bad line refuses the whole input.
    pub async fn intake(
        &self,
        operator: &Operator,
        input: &str,
        now: DateTime<Utc>,
    ) -> Result<IntakeOutcome> {
        let mut problems = Vec::new();
        let mut requests = Vec::new();
        let mut seen_external: HashMap<String, usize> = HashMap::new();
        for (index, line) in input.lines().enumerate() {
            let line_no = index + 1;
            if line.trim().is_empty() {
                continue;
            }
            match parse_line(line_no, line, now) {
                Ok(r) => {
                    if let Some(id) = &r.external_id
                        && let Some(first) = seen_external.insert(id.clone(), line_no)
                    {
                        problems.push(crate::domain::intake::IntakeProblem {
                            line: line_no,
                            field: Some("external_id".into()),
                            message: format!("{id:?} repeats line {first}"),
                        });
                    }
                    requests.push(r);
                }
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            return Err(Error::Intake(problems));
        }
        self.store_new_requests(operator, &requests, now).await
    }

    /// Store validated requests in one transaction, skipping external ids already stored.
    pub async fn store_new_requests(
        &self,
        operator: &Operator,
        requests: &[NewRequest],
        now: DateTime<Utc>,
    ) -> Result<IntakeOutcome> {
        const BATCH: usize = 5_000;
        let mut tx = self.pool.begin().await?;
        let external: Vec<String> = requests.iter().filter_map(|r| r.external_id.clone()).collect();
        let mut present = HashSet::new();
        for chunk in external.chunks(BATCH * 4) {
            present.extend(store::existing_external_ids(&mut tx, chunk).await?);
        }
        let fresh: Vec<&NewRequest> = requests
            .iter()
            .filter(|r| r.external_id.as_ref().is_none_or(|id| !present.contains(id)))
            .collect();

        // Reserve reference numbers per year of receipt, in input order.
        let mut per_year: BTreeMap<i32, i64> = BTreeMap::new();
        for r in &fresh {
            *per_year.entry(r.jurisdiction.local_date(r.received_at).year()).or_default() += 1;
        }
        let mut next_number = BTreeMap::new();
        for (year, count) in per_year {
            next_number.insert(year, store::reserve_reference_numbers(&mut tx, year, count).await?);
        }
        let records: Vec<RequestRecord> = fresh
            .iter()
            .map(|r| {
                let year = r.jurisdiction.local_date(r.received_at).year();
                let number = next_number.get_mut(&year).expect("reserved above");
                let reference = Reference { year, number: *number }.to_string();
                *number += 1;
                self.new_record(r, reference)
            })
            .collect::<Result<_>>()?;

        let mut created = Vec::with_capacity(records.len());
        let mut created_by_another_run = Vec::new();
        for chunk in records.chunks(BATCH) {
            let inserted = store::insert_requests(&mut tx, chunk).await?;
            let events: Vec<NewEvent> =
                inserted.iter().map(|(id, _)| operator.event(*id, now, "received", json!({}))).collect();
            store::insert_events(&mut tx, &events).await?;
            let inserted: HashSet<String> = inserted.into_iter().map(|(_, r)| r).collect();
            // A concurrent intake of the same file may have won a row: keep input order, skip those.
            for r in chunk {
                if inserted.contains(&r.reference) {
                    created.push(r.reference.clone());
                } else if let Some(id) = &r.external_id {
                    created_by_another_run.push(id.clone());
                }
            }
        }
        tx.commit().await?;
        store::compact_open_counts(&self.pool, 2_000).await?;
        let mut already_present: Vec<String> = present.into_iter().collect();
        already_present.sort();
        Ok(IntakeOutcome { created, already_present, created_by_another_run })
    }

    /// A page of the queue, most urgent first, each row with its countdown.
    pub async fn queue(&self, query: &QueueQuery, now: DateTime<Utc>) -> Result<Vec<QueueItem>> {
        self.queue_by_shown_date(query, false, false, now).await
    }

    /// Whether no request is stored yet (the demo seeds an empty database only).
    pub async fn holds_no_requests(&self) -> Result<bool> {
        crate::store::meta::holds_no_requests(&self.pool).await
    }

    /// Whether the reference ledger has been seeded.
    pub async fn ledger_seeded(&self) -> Result<bool> {
        crate::store::meta::ledger_seeded(&self.pool).await
    }

    /// How many migrations the database has applied.
    pub async fn migrations_applied(&self) -> Result<i64> {
        crate::store::meta::migrations_applied(&self.pool).await
    }

    /// The server and the connection (`dsrdesk db status`).
    pub async fn server_status(&self) -> Result<crate::store::meta::ServerStatus> {
        crate::store::meta::server_status(&self.pool).await
    }

    /// Replies that need a person: failed for good, or waiting long (`dsrdesk outbox`).
    pub async fn outbox_needing_attention(
        &self,
        limit: i64,
    ) -> Result<Vec<crate::store::outbox::OutboxSummary>> {
        crate::store::outbox::needing_attention(&self.pool, limit).await
    }

    pub async fn detail(&self, reference: &str, now: DateTime<Utc>) -> Result<RequestDetail> {
        let reference = normalize_reference(reference)?;
        let mut conn = self.pool.acquire().await?;
        let request = store::fetch_by_reference(&mut conn, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        let verification = crate::store::verification::verification_of(&mut conn, request.id).await?;
        let linked_persons = subject::linked_person_ids(&mut conn, request.id).await?;
        let open_recipient_tasks = store::open_recipient_task_count(&mut conn, request.id).await?;
        let outbox = crate::store::outbox::summaries_of_request(&mut conn, request.id).await?;
        drop(conn);
        let follow_up = self.scheduled_erasure(&reference).await?;
        let events = store::events_of(&self.pool, request.id).await?;
        let calendar = self.config.calendar(request.jurisdiction);
        let target = self.config.controller(request.jurisdiction).internal_target_days;
        // An impossible stored value (Issue 14 §2) is told as an error naming the request.
        let breakdown = deadline::breakdown(&calendar, facts_of(&request), target)
            .map_err(|e| Error::rule(&request.reference, e))?;
        let today = request.jurisdiction.local_date(now);
        let effective_due_on = if request.status.is_open() {
            self.effective_due_on(request.jurisdiction, facts_of(&request), request.paused_since, today)
                .map_err(|e| Error::rule(&request.reference, e))?
        } else {
            request.due_on
        };
        Ok(RequestDetail {
            verification,
            linked_persons,
            open_recipient_tasks,
            follow_up,
            outbox,
            days_left: deadline::days_left(effective_due_on, today),
            effective_due_on,
            deadline: breakdown,
            request,
            events,
        })
    }

    /// Lock the request, let `change` decide (pure), then store the row and its event together.
    /// `change` returns the event to record, or None when nothing changes.
    async fn change<F>(
        &self,
        operator: &Operator,
        reference: &str,
        expected_version: Option<i32>,
        at: DateTime<Utc>,
        change: F,
    ) -> Result<RequestRecord>
    where
        F: FnOnce(&mut RequestRecord) -> ChangeResult,
    {
        let mut tx = self.pool.begin().await?;
        let next = self.change_in(&mut tx, operator, reference, expected_version, at, change).await?;
        tx.commit().await?;
        Ok(next)
    }

    /// `change` inside the caller's transaction, so that a reply can be queued with the status
    /// change it brings (one transaction: the request, its event and the outbox row).
    async fn change_in<F>(
        &self,
        tx: &mut sqlx::PgConnection,
        operator: &Operator,
        reference: &str,
        expected_version: Option<i32>,
        at: DateTime<Utc>,
        change: F,
    ) -> Result<RequestRecord>
    where
        F: FnOnce(&mut RequestRecord) -> ChangeResult,
    {
        let reference = normalize_reference(reference)?;
        let current = store::lock_by_reference(&mut *tx, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        if let Some(expected) = expected_version
            && expected != current.version
        {
            let last = store::last_event(&mut *tx, current.id).await?;
            let by = last.map(|(actor, action)| format!(" ({action} by {actor})")).unwrap_or_default();
            return Err(Error::Conflict {
                reference,
                message: format!(
                    "changed by someone else since you opened it{by}; nothing was changed — look again and retry"
                ),
            });
        }
        let mut next = current.clone();
        let Some((action, details)) = change(&mut next)? else {
            return Ok(current);
        };
        self.apply_deadline(&mut next)?;
        let mut details = details;
        if next.due_on != current.due_on {
            details["due_on"] = json!({"from": current.due_on, "to": next.due_on});
        }
        let version = store::update_request(&mut *tx, &next).await?.ok_or_else(|| Error::Conflict {
            reference: reference.clone(),
            message: "changed by someone else at the same moment; nothing was changed".into(),
        })?;
        store::insert_events(&mut *tx, &[operator.event(next.id, at, action, details)]).await?;
        next.version = version;
        Ok(next)
    }

    /// Art. 12(3): extend by two further months, with the reason told to the subject.
    pub async fn extend(
        &self,
        operator: &Operator,
        reference: &str,
        reason: &str,
        expected_version: Option<i32>,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord> {
        self.change(operator, reference, expected_version, at, self.extend_rule(reason, at)).await
    }

    /// The extension's rule (Art. 12(3)): only while open, only within the first month, with reasons.
    fn extend_rule(
        &self,
        reason: &str,
        at: DateTime<Utc>,
    ) -> impl FnOnce(&mut RequestRecord) -> ChangeResult + '_ {
        let reason = reason.trim().to_string();
        move |r| {
            ensure_open(r)?;
            let decided_on = r.jurisdiction.local_date(at);
            let calendar = self.config.calendar(r.jurisdiction);
            deadline::check_extension(&calendar, facts_of(r), decided_on, &reason)
                .map_err(|e| Error::rule(&r.reference, e))?;
            r.extended_on = Some(decided_on);
            r.extension_reason = Some(reason.clone());
            Ok(Some(("extended", json!({"reason": reason, "decided_on": decided_on}))))
        }
    }

    /// Art. 12(6): identifying information asked for; the clock stops from the day it was asked.
    pub async fn pause(
        &self,
        operator: &Operator,
        reference: &str,
        reason: &str,
        expected_version: Option<i32>,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord> {
        if reason.trim().is_empty() {
            return Err(Error::Invalid("a pause needs a reason: what information was asked for".into()));
        }
        self.change(operator, reference, expected_version, at, pause_rule(reason, at)).await
    }
}

/// A change decided on the request row: the event to record, or None when nothing changes.
type ChangeResult = Result<Option<(&'static str, serde_json::Value)>>;

/// Pausing's rule (Art. 12(6)): the clock stops from the day the information was asked for.
pub(crate) fn pause_rule(reason: &str, at: DateTime<Utc>) -> impl FnOnce(&mut RequestRecord) -> ChangeResult {
    let reason = reason.trim().to_string();
    move |r| {
        ensure_open(r)?;
        let asked_on = r.jurisdiction.local_date(at);
        deadline::check_pause(facts_of(r), r.paused_since, asked_on)
            .map_err(|e| Error::rule(&r.reference, e))?;
        if asked_on > r.due_on {
            return Err(Error::rule(
                &r.reference,
                format!(
                    "the deadline passed on {}; the clock cannot be paused after it (the information must be asked for without undue delay)",
                    r.due_on
                ),
            ));
        }
        r.status = RequestStatus::AwaitingInformation;
        r.paused_since = Some(asked_on);
        r.pause_reason = Some(reason.clone());
        Ok(Some(("paused", json!({"reason": reason, "asked_on": asked_on}))))
    }
}

impl Desk {
    /// The information arrived: the clock runs again, later by the paused days.
    pub async fn resume(
        &self,
        operator: &Operator,
        reference: &str,
        expected_version: Option<i32>,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord> {
        self.change(operator, reference, expected_version, at, |r| {
            let arrived_on = r.jurisdiction.local_date(at);
            let days = deadline::paused_days_on_resume(r.paused_since, arrived_on).map_err(|e| match e {
                DeadlineRuleError::NotPaused => Error::rule(&r.reference, "the clock is not paused (status is not awaiting_information)"),
                e => Error::rule(&r.reference, e),
            })?;
            let asked_on = r.paused_since;
            r.paused_days = i32::try_from(days)
                .ok()
                .and_then(|d| r.paused_days.checked_add(d))
                .ok_or_else(|| Error::rule(&r.reference, "the paused days no longer fit a number; the stored value is impossible"))?;
            r.paused_since = None;
            r.pause_reason = None;
            r.status = RequestStatus::InProgress;
            Ok(Some(("resumed", json!({"asked_on": asked_on, "arrived_on": arrived_on, "paused_days": days, "paused_days_total": r.paused_days}))))
        })
        .await
    }

    /// Assign to `to`, or claim for oneself when `to` is None. Claiming a request that someone
    /// else holds is refused (never two owners); naming `to` explicitly hands it over.
    /// `expected_version` (from the screen the operator looked at) refuses stale actions.
    pub async fn assign(
        &self,
        operator: &Operator,
        reference: &str,
        to: Option<&str>,
        expected_version: Option<i32>,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord> {
        let explicit = to.is_some();
        let target = to.unwrap_or(&operator.user).trim().to_string();
        if target.is_empty() {
            return Err(Error::Invalid("an assignee cannot be empty".into()));
        }
        self.change(operator, reference, expected_version, at, |r| {
            ensure_open(r)?;
            if r.assignee.as_deref() == Some(target.as_str()) {
                return Ok(None);
            }
            if let (Some(holder), false) = (&r.assignee, explicit) {
                return Err(Error::Conflict {
                    reference: r.reference.clone(),
                    message: format!(
                        "already claimed by {holder}; to take it over, assign it explicitly (--to {target})"
                    ),
                });
            }
            let details = json!({"from": r.assignee, "to": target});
            r.assignee = Some(target.clone());
            if r.status == RequestStatus::New {
                r.status = RequestStatus::InProgress;
            }
            Ok(Some(("assigned", details)))
        })
        .await
    }

    /// Give a request back to the queue.
    pub async fn release(
        &self,
        operator: &Operator,
        reference: &str,
        expected_version: Option<i32>,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord> {
        self.change(operator, reference, expected_version, at, |r| {
            ensure_open(r)?;
            let Some(holder) = r.assignee.take() else { return Ok(None) };
            Ok(Some(("released", json!({"from": holder}))))
        })
        .await
    }

    /// Claim the most urgent unclaimed new request. Many operators may call this at once: each
    /// gets a different request (`FOR UPDATE SKIP LOCKED`).
    pub async fn claim_next(&self, operator: &Operator, at: DateTime<Utc>) -> Result<Option<RequestRecord>> {
        let mut conn = self.pool.acquire().await?;
        // One statement is its own transaction: the claim and its event commit together.
        let claimed = store::claim_next_unclaimed(
            &mut conn,
            &operator.user,
            operator.client.as_deref(),
            at,
            &json!({"from": null, "to": operator.user, "claimed_next": true}),
        )
        .await?;
        if let Some(r) = &claimed {
            // After the commit, so claims commit together (migration 0010). Should this fail,
            // the claim stands all the same and other desks see it at their next read.
            let _ = store::notify_changed(&mut conn, &r.reference).await;
        }
        Ok(claimed)
    }

    /// Move a request along the state machine. Pausing and resuming have their own calls, since
    /// they move the deadline; closing as refused, forwarded or withdrawn needs a reason.
    pub async fn set_status(
        &self,
        operator: &Operator,
        reference: &str,
        status: RequestStatus,
        reason: Option<&str>,
        expected_version: Option<i32>,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord> {
        self.change(operator, reference, expected_version, at, status_rule(status, reason, at)).await
    }
}

/// Moving along the state machine: the same table the database holds (migrations), and the
/// rules that need words: answering a request about the subject's data needs a verified identity
/// (Art. 12(6)); closing as refused, forwarded or withdrawn needs a reason.
pub(crate) fn status_rule(
    status: RequestStatus,
    reason: Option<&str>,
    at: DateTime<Utc>,
) -> impl FnOnce(&mut RequestRecord) -> ChangeResult {
    let reason = reason.map(str::trim).filter(|r| !r.is_empty()).map(str::to_string);
    move |r| {
        if status == r.status {
            return Ok(None);
        }
        match status {
            RequestStatus::AwaitingInformation => {
                return Err(Error::rule(
                    &r.reference,
                    "use pause: asking for information stops the clock and needs a reason",
                ));
            }
            RequestStatus::InProgress if r.status == RequestStatus::AwaitingInformation => {
                return Err(Error::rule(
                    &r.reference,
                    "use resume: the day the information arrived fixes the new deadline",
                ));
            }
            // Art. 12(6): an answer that carries or acts on personal data needs a verified identity.
            RequestStatus::Answered
                if verify::needs_verification(r.kind) && r.identity_verified_at.is_none() =>
            {
                return Err(Error::rule(
                    &r.reference,
                    format!(
                        "identity is not verified: a {} request cannot be answered before it is (Art. 12(6)); record it with `dsrdesk verify`",
                        r.kind
                    ),
                ));
            }
            RequestStatus::Refused | RequestStatus::Forwarded | RequestStatus::Withdrawn
                if reason.is_none() =>
            {
                return Err(Error::rule(
                    &r.reference,
                    format!("closing as {status} needs a reason (--reason)"),
                ));
            }
            _ => {}
        }
        if !r.status.can_become(status) {
            return Err(Error::rule(&r.reference, format!("status {} cannot become {status}", r.status)));
        }
        let details = json!({"from": r.status, "to": status, "reason": reason});
        if r.status == RequestStatus::AwaitingInformation {
            // Closing while paused: the pause ends with the request.
            r.paused_since = None;
            r.pause_reason = None;
        }
        r.status = status;
        if !status.is_open() {
            r.closed_at = Some(at);
        }
        Ok(Some(("status_changed", details)))
    }
}

impl Desk {
    /// Counts for the start of a shift: by urgency, by kind, by assignee.
    pub async fn overview(&self, now: DateTime<Utc>) -> Result<Overview> {
        let today = self.today(now);
        let rows =
            store::overview_counts(&self.pool, today[&Jurisdiction::Sweden], today[&Jurisdiction::Finland])
                .await?;
        let mut overview = Overview {
            generated_at: now,
            today,
            counts: UrgencyCounts::default(),
            by_kind: BTreeMap::new(),
            by_assignee: BTreeMap::new(),
        };
        for row in rows {
            let urgency = (!row.paused).then(|| Urgency::of(row.days_left as i64));
            overview.counts.add(urgency, row.count);
            overview.by_kind.entry(row.kind).or_default().add(urgency, row.count);
            overview.by_assignee.entry(row.assignee.unwrap_or_default()).or_default().add(urgency, row.count);
        }
        Ok(overview)
    }
}

/// Accept references in any case; refuse what cannot be one with a message saying the form.
pub fn normalize_reference(reference: &str) -> Result<String> {
    reference.parse::<Reference>().map(|r| r.to_string()).map_err(|e| Error::Invalid(e.to_string()))
}
