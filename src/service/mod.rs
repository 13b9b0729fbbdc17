//! Use cases: what the DPO can do, shared by the CLI and the TUI.
//!
//! Each change is one transaction: the request row, its event in the history, and (through the
//! database trigger) the NOTIFY that other desks listen to. Legal questions are decided by
//! `crate::domain`; SQL lives in `crate::store`.

mod announce;
pub mod audit;
pub mod casefile;
pub(crate) mod disclosure;
pub mod erasure;
pub mod export;
mod lifecycle;
pub(crate) use lifecycle::{pause_rule, status_rule};
pub mod inbox;
pub mod outbox;
mod queue_order;
pub mod reply;
pub mod report;
pub mod retention;
pub mod rights;
/// Seeding moved to [`crate::seed`]; the old path still names it.
pub use crate::seed;
pub mod shift;
pub mod subject;
pub mod verify;

use crate::config::Config;
use crate::domain::deadline::{self, DeadlineBreakdown, DeadlineFacts, DeadlineRuleError, Urgency};
use crate::domain::intake::{NewRequest, parse_line_all};
use crate::domain::reference::Reference;
use crate::domain::{Jurisdiction, RequestKind, RequestStatus};
use crate::error::{Error, Result};
use crate::store::intake_copy;
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
    /// Sends the claims' notifications after their commits (service/announce.rs).
    announcer: Arc<announce::Announcer>,
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
    /// Running clocks whose legal date falls from today to the end of this week (Sunday, in the
    /// controller's calendar): what must be answered before the week is out.
    pub due_this_week: i64,
    /// Running clocks past the agency's own internal target (overdue ones included).
    pub past_internal_target: i64,
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
        Desk {
            announcer: Arc::new(announce::Announcer::new(pool.clone())),
            pool,
            config: Arc::new(config),
            checked_map: Arc::default(),
        }
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
            match parse_line_all(line_no, line, now) {
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
                Err(p) => problems.extend(p),
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
        let mut records: Vec<RequestRecord> = fresh
            .iter()
            .map(|r| {
                let year = r.jurisdiction.local_date(r.received_at).year();
                let number = next_number.get_mut(&year).expect("reserved above");
                let reference = Reference { year, number: *number }.to_string();
                *number += 1;
                self.new_record(r, reference)
            })
            .collect::<Result<_>>()?;

        // The bulk path: the requests and an event for each by COPY (issue 18 §1), under a
        // savepoint. Another intake of the same lines that committed meanwhile makes it fail on
        // the external id; then the statement path below, which skips those rows, does the work.
        let ids = intake_copy::reserve_request_ids(&mut tx, records.len()).await?;
        for (record, id) in records.iter_mut().zip(ids) {
            record.id = id;
        }
        let events: Vec<NewEvent> =
            records.iter().map(|r| operator.event(r.id, now, "received", json!({}))).collect();
        let mut savepoint = sqlx::Connection::begin(&mut *tx).await?;
        let copied = match intake_copy::copy_requests_with_events(&mut savepoint, &records, &events).await {
            Ok(()) => {
                savepoint.commit().await?;
                true
            }
            Err(e) if e.is_unique_violation("requests_external_id_key") => {
                savepoint.rollback().await?;
                false
            }
            Err(e) => return Err(e),
        };
        drop(events);

        let mut created = Vec::with_capacity(records.len());
        let mut created_by_another_run = Vec::new();
        if copied {
            created.extend(records.iter().map(|r| r.reference.clone()));
        }
        for chunk in records.chunks(BATCH).filter(|_| !copied) {
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
        tracing::info!(
            created = created.len(),
            already_present = already_present.len(),
            references = %references_for_log(&created),
            "intake stored"
        );
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

    /// How far behind its primary this desk's database is, when it is a replica.
    pub async fn replica_lag(&self) -> Result<crate::store::replica::ReplicaLag> {
        crate::store::replica::replica_state(&self.pool).await.map(|s| s.lag())
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
}

impl Desk {
    /// Fold the overview's pending count changes (open requests; waiting mail) into their
    /// summaries when more than a thousand or two have piled up. Claims, status changes and mail
    /// only append them; intakes fold after themselves, and the worker calls this each pass so a
    /// day of claims without an intake does not leave the overview summing tens of thousands.
    pub async fn fold_overview_counts(&self) -> Result<()> {
        store::compact_open_counts(&self.pool, 2_000).await?;
        crate::store::inbox::fold_waiting_counts(&self.pool, 1_000).await
    }

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
            due_this_week: 0,
            past_internal_target: 0,
        };
        for row in rows {
            let urgency = (!row.paused).then(|| Urgency::of(row.days_left as i64));
            let week_left = days_to_week_end(overview.today[&row.jurisdiction]);
            if !row.paused && (0..=week_left).contains(&row.days_left) {
                overview.due_this_week += row.count;
            }
            overview.past_internal_target += row.past_internal_target;
            overview.counts.add(urgency, row.count);
            overview.by_kind.entry(row.kind).or_default().add(urgency, row.count);
            overview.by_assignee.entry(row.assignee.unwrap_or_default()).or_default().add(urgency, row.count);
        }
        Ok(overview)
    }
}

/// Days from `today` to the Sunday that ends its week (0 on a Sunday): the store's `days_left`
/// runs to 8, so every day of the week is told apart.
fn days_to_week_end(today: NaiveDate) -> i32 {
    6 - today.weekday().num_days_from_monday() as i32
}

/// Accept references in any case; refuse what cannot be one with a message saying the form.
/// The references an intake made, for the log: each of them for a small intake, the first and
/// the last of a large one (they are numbered in input order within a year).
fn references_for_log(created: &[String]) -> String {
    match created {
        [] => String::new(),
        few if few.len() <= 20 => few.join(","),
        [first, .., last] => format!("{first}..{last}"),
        [_] => unreachable!("one reference is few"),
    }
}

pub fn normalize_reference(reference: &str) -> Result<String> {
    reference.parse::<Reference>().map(|r| r.to_string()).map_err(|e| Error::Invalid(e.to_string()))
}
