//! SQL for the request queue. Callers (the service layer) own the transactions.

use crate::domain::intake::Channel;
use crate::domain::search::SearchTerm;
use crate::domain::{Jurisdiction, RequestKind, RequestStatus};
use crate::error::Result;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};
use std::collections::HashSet;

/// The columns of `RequestRecord`, as a macro so queries stay `&'static str` (sqlx refuses
/// runtime-built SQL unless audited).
macro_rules! request_columns {
    () => {
        "id, reference, external_id, kind, status, jurisdiction, received_at, \
    received_on, channel, language, requester_name, requester_email, requester_personal_number, \
    requester_address, requester_phone, body, assignee, extended_on, extension_reason, paused_days, \
    paused_since, pause_reason, due_on, internal_due_on, version, created_at, updated_at, closed_at, \
    identity_verified_at"
    };
}

/// One request as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct RequestRecord {
    pub id: i64,
    pub reference: String,
    pub external_id: Option<String>,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub jurisdiction: Jurisdiction,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    pub channel: Option<Channel>,
    pub language: Option<String>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_personal_number: Option<String>,
    pub requester_address: Option<String>,
    pub requester_phone: Option<String>,
    pub body: String,
    pub assignee: Option<String>,
    pub extended_on: Option<NaiveDate>,
    pub extension_reason: Option<String>,
    pub paused_days: i32,
    pub paused_since: Option<NaiveDate>,
    pub pause_reason: Option<String>,
    pub due_on: NaiveDate,
    pub internal_due_on: NaiveDate,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Set once, when identity was verified (Art. 12(6)); see `request_verifications`.
    pub identity_verified_at: Option<DateTime<Utc>>,
}

/// One event to append to the history.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub request_id: i64,
    pub effective_at: DateTime<Utc>,
    /// When it was recorded: None is the database's `now()`. Only synthetic history (seed) sets it.
    pub recorded_at: Option<DateTime<Utc>>,
    pub actor: String,
    pub actor_client: Option<String>,
    pub action: &'static str,
    pub details: serde_json::Value,
}

/// One event as stored.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, Serialize)]
pub struct EventRecord {
    pub id: i64,
    pub recorded_at: DateTime<Utc>,
    pub effective_at: DateTime<Utc>,
    pub actor: String,
    pub actor_client: Option<String>,
    pub db_role: String,
    pub action: String,
    pub details: serde_json::Value,
}

/// External ids among `ids` that are already stored.
pub async fn existing_external_ids(conn: &mut PgConnection, ids: &[String]) -> Result<HashSet<String>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let found: Vec<String> =
        sqlx::query_scalar("SELECT external_id FROM requests WHERE external_id = ANY($1)")
            .bind(ids)
            .fetch_all(conn)
            .await?;
    Ok(found.into_iter().collect())
}

/// Reserve `count` consecutive reference numbers for `year`; returns the first.
pub async fn reserve_reference_numbers(conn: &mut PgConnection, year: i32, count: i64) -> Result<i64> {
    let last: i64 = sqlx::query_scalar(
        "INSERT INTO reference_counters (year, last_number) VALUES ($1, $2)
         ON CONFLICT (year) DO UPDATE SET last_number = reference_counters.last_number + EXCLUDED.last_number
         RETURNING last_number",
    )
    .bind(year)
    .bind(count)
    .fetch_one(conn)
    .await?;
    Ok(last - count + 1)
}

/// Insert many requests in one statement (arrays unnested server-side: one round trip, no
/// row-at-a-time inserts). Rows whose external_id exists already are skipped. Returns the
/// (id, reference) of each inserted row.
pub async fn insert_requests(conn: &mut PgConnection, rows: &[RequestRecord]) -> Result<Vec<(i64, String)>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    macro_rules! column {
        ($f:expr) => {
            rows.iter().map($f).collect::<Vec<_>>()
        };
    }
    let inserted: Vec<(i64, String)> = sqlx::query_as(
        "INSERT INTO requests (reference, external_id, kind, status, jurisdiction, received_at,
            received_on, channel, language, requester_name, requester_email,
            requester_personal_number, requester_address, requester_phone, body, assignee,
            extended_on, extension_reason, paused_days, paused_since, pause_reason, due_on,
            internal_due_on, closed_at)
         SELECT r, e, k::request_kind, s::request_status, j::jurisdiction, ra, ro,
            c::request_channel, l, n, em, pn, ad, ph, b, a, eo, er, pd, ps, pr, d, idue, ca
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
            $7::date[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
            $14::text[], $15::text[], $16::text[], $17::date[], $18::text[], $19::int[], $20::date[],
            $21::text[], $22::date[], $23::date[], $24::timestamptz[])
            AS t(r, e, k, s, j, ra, ro, c, l, n, em, pn, ad, ph, b, a, eo, er, pd, ps, pr, d, idue, ca)
         ON CONFLICT (external_id) DO NOTHING
         RETURNING id, reference",
    )
    .bind(column!(|r| r.reference.clone()))
    .bind(column!(|r| r.external_id.clone()))
    .bind(column!(|r| r.kind.as_str()))
    .bind(column!(|r| r.status.as_str()))
    .bind(column!(|r| r.jurisdiction.code()))
    .bind(column!(|r| r.received_at))
    .bind(column!(|r| r.received_on))
    .bind(column!(|r| r.channel.map(Channel::as_str)))
    .bind(column!(|r| r.language.clone()))
    .bind(column!(|r| r.requester_name.clone()))
    .bind(column!(|r| r.requester_email.clone()))
    .bind(column!(|r| r.requester_personal_number.clone()))
    .bind(column!(|r| r.requester_address.clone()))
    .bind(column!(|r| r.requester_phone.clone()))
    .bind(column!(|r| r.body.clone()))
    .bind(column!(|r| r.assignee.clone()))
    .bind(column!(|r| r.extended_on))
    .bind(column!(|r| r.extension_reason.clone()))
    .bind(column!(|r| r.paused_days))
    .bind(column!(|r| r.paused_since))
    .bind(column!(|r| r.pause_reason.clone()))
    .bind(column!(|r| r.due_on))
    .bind(column!(|r| r.internal_due_on))
    .bind(column!(|r| r.closed_at))
    .fetch_all(conn)
    .await?;
    Ok(inserted)
}

/// Append events in one statement.
pub async fn insert_events(conn: &mut PgConnection, events: &[NewEvent]) -> Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO request_events (request_id, effective_at, recorded_at, actor, actor_client, action, details)
         SELECT r, e, coalesce(rec, now()), a, c, act, d
         FROM UNNEST($1::bigint[], $2::timestamptz[], $7::timestamptz[], $3::text[], $4::text[], $5::text[], $6::jsonb[])
            AS t(r, e, rec, a, c, act, d)",
    )
    .bind(events.iter().map(|e| e.request_id).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.effective_at).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.actor.clone()).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.actor_client.clone()).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.action).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.details.clone()).collect::<Vec<_>>())
    .bind(events.iter().map(|e| e.recorded_at).collect::<Vec<_>>())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn fetch_by_reference(conn: &mut PgConnection, reference: &str) -> Result<Option<RequestRecord>> {
    Ok(sqlx::query_as(concat!("SELECT ", request_columns!(), " FROM requests WHERE reference = $1"))
        .bind(reference)
        .fetch_optional(conn)
        .await?)
}

/// Read and lock a request for the rest of the transaction.
pub async fn lock_by_reference(conn: &mut PgConnection, reference: &str) -> Result<Option<RequestRecord>> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        request_columns!(),
        " FROM requests WHERE reference = $1 FOR UPDATE"
    ))
    .bind(reference)
    .fetch_optional(conn)
    .await?)
}

/// Read and lock a request by its id.
pub async fn lock_by_id(conn: &mut PgConnection, id: i64) -> Result<RequestRecord> {
    Ok(sqlx::query_as(concat!("SELECT ", request_columns!(), " FROM requests WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_one(conn)
        .await?)
}

/// The statement behind [`claim_next_unclaimed`]: `$1` the claimer, `$2` when, `$3` the desk's
/// client name, `$4` the event's details. The benchmark hands the same text to pgbench.
pub const CLAIM_NEXT_UNCLAIMED: &str = concat!(
    "WITH quiet AS (
            -- For this statement only: the notification is sent after the commit (migration 0010).
            SELECT set_config('dsrdesk.defer_notify', 'on', true) AS deferred
        ), claimed AS (
            UPDATE requests SET assignee = $1, status = 'in_progress'
            WHERE id = (
                SELECT id FROM requests
                WHERE status = 'new' AND assignee IS NULL
                ORDER BY due_on, id
                LIMIT 1
                FOR UPDATE SKIP LOCKED)
              AND (SELECT deferred FROM quiet) = 'on'
            RETURNING ",
    request_columns!(),
    "), logged AS (
            INSERT INTO request_events (request_id, effective_at, actor, actor_client, action, details)
            SELECT id, $2, $1, $3, 'assigned', $4 FROM claimed
        )
        SELECT ",
    request_columns!(),
    " FROM claimed"
);

/// Claim the most urgent new, unassigned request nobody else is claiming right now, for `user`:
/// lock it (`SKIP LOCKED`, so concurrent claimers never wait on or take the same row), set the
/// assignee and move it from new to in progress, and append its `assigned` event — all in one
/// statement, so a claim costs one round trip and one commit. The change is not announced: the
/// caller does that after the commit with [`notify_changed`]. The same rule as `Desk::assign`
/// (a claimed new request is being worked on); the database's state-machine trigger checks it.
pub async fn claim_next_unclaimed(
    conn: &mut PgConnection,
    user: &str,
    client: Option<&str>,
    at: DateTime<Utc>,
    details: &serde_json::Value,
) -> Result<Option<RequestRecord>> {
    Ok(sqlx::query_as(CLAIM_NEXT_UNCLAIMED)
        .bind(user)
        .bind(at)
        .bind(client)
        .bind(details)
        .fetch_optional(conn)
        .await?)
}

/// Announce to listening desks (`LISTEN dsrdesk_requests`) that `references` changed, as the
/// database's own trigger would, in a transaction of its own that does not wait for the disk: it
/// writes nothing worth keeping, and so it holds the notification lock for microseconds.
pub async fn notify_changed(conn: &mut PgConnection, references: &[String]) -> Result<()> {
    // As the trigger (migration 0010) writes it: the references when there are at most 50.
    let listed = (references.len() <= 50).then_some(references);
    let payload =
        serde_json::json!({"op": "update", "count": references.len(), "references": listed}).to_string();
    // A simple query with two statements runs as one implicit transaction: one round trip.
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "SET LOCAL synchronous_commit = off; SELECT pg_notify('dsrdesk_requests', {})",
        quote_literal(&payload)
    )))
    .execute(conn)
    .await?;
    Ok(())
}

/// Write the mutable fields of `r`, but only if nobody changed it since `r.version` was read.
/// Returns the new version, or None when the version no longer matches.
pub async fn update_request(conn: &mut PgConnection, r: &RequestRecord) -> Result<Option<i32>> {
    Ok(sqlx::query_scalar(
        "UPDATE requests SET status = $3::request_status, assignee = $4, extended_on = $5,
            extension_reason = $6, paused_days = $7, paused_since = $8, pause_reason = $9,
            due_on = $10, internal_due_on = $11, closed_at = $12
         WHERE id = $1 AND version = $2
         RETURNING version",
    )
    .bind(r.id)
    .bind(r.version)
    .bind(r.status.as_str())
    .bind(&r.assignee)
    .bind(r.extended_on)
    .bind(&r.extension_reason)
    .bind(r.paused_days)
    .bind(r.paused_since)
    .bind(&r.pause_reason)
    .bind(r.due_on)
    .bind(r.internal_due_on)
    .bind(r.closed_at)
    .fetch_optional(conn)
    .await?)
}

pub async fn events_of(pool: &PgPool, request_id: i64) -> Result<Vec<EventRecord>> {
    Ok(sqlx::query_as(
        "SELECT id, recorded_at, effective_at, actor, actor_client, db_role, action, details
         FROM request_events WHERE request_id = $1 ORDER BY id",
    )
    .bind(request_id)
    .fetch_all(pool)
    .await?)
}

/// A row of the queue: what a list needs, without the request text.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QueueRecord {
    pub id: i64,
    pub reference: String,
    pub external_id: Option<String>,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub jurisdiction: Jurisdiction,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
    pub internal_due_on: NaiveDate,
    pub extended_on: Option<NaiveDate>,
    pub paused_days: i32,
    pub paused_since: Option<NaiveDate>,
    pub assignee: Option<String>,
    pub requester_name: Option<String>,
    pub requester_email: Option<String>,
    pub requester_personal_number: Option<String>,
}

pub(crate) const QUEUE_COLUMNS: &str = "id, reference, external_id, kind, status, jurisdiction, received_at, \
    received_on, due_on, internal_due_on, extended_on, paused_days, paused_since, assignee, \
    requester_name, requester_email, requester_personal_number";

/// Who a queue view shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum AssigneeFilter {
    #[default]
    Anyone,
    Unassigned,
    Is(String),
}

/// A queue query: filters plus a keyset cursor, so any page costs the same as the first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueQuery {
    pub include_closed: bool,
    pub kind: Option<RequestKind>,
    pub status: Option<RequestStatus>,
    pub assignee: AssigneeFilter,
    /// Only requests due before this date (overdue when it is today).
    pub due_before: Option<NaiveDate>,
    /// Case-insensitive match on reference, name, e-mail or personal number.
    pub search: Option<String>,
    /// Start after this (due_on, id), exclusive.
    pub after: Option<(NaiveDate, i64)>,
    pub limit: i64,
}

pub async fn queue_page(pool: &PgPool, q: &QueueQuery) -> Result<Vec<QueueRecord>> {
    let mut b: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("SELECT {QUEUE_COLUMNS} FROM requests WHERE true"));
    push_filters(&mut b, q);
    if let Some((due, id)) = q.after {
        b.push(" AND (due_on, id) > (").push_bind(due).push(", ").push_bind(id).push(")");
    }
    b.push(" ORDER BY due_on, id LIMIT ").push_bind(q.limit.max(1));
    Ok(b.build_query_as().fetch_all(pool).await?)
}

/// Where one controller's paused requests stand against a cursor and a "due before" filter, in
/// `pause_offset` days (migration 0021): a paused request shows roll(today + offset), the working
/// day on or after it. The service computes these from its calendar; with `W(d)` the last working
/// day on or before `d` and `t` today in the controller's time zone:
/// - shown > D   ⟺ offset > W(D) − t  (`above`)
/// - shown < D   ⟺ offset ≤ W(D − 1) − t  (`below`)
/// - shown = D   ⟺ `below` < offset ≤ `above` (empty when D is not a working day there)
/// - shown < B   ⟺ offset ≤ W(B − 1) − t  (`due_before_max`)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PausedFrame {
    pub jurisdiction: Jurisdiction,
    /// Today in the controller's time zone (`t`).
    pub today: NaiveDate,
    /// (below, above) for the cursor's date.
    pub cursor_band: Option<(i32, i32)>,
    pub due_before_max: Option<i32>,
}

/// How far apart the day a paused request would be due before the working-day rule and the day
/// it shows can be: the longest run of days off (Easter: Friday to Monday) is four; ten is safe.
const ROLL_SLACK_DAYS: i32 = 10;

/// One page of the queue by the date each row shows (its legal due date; for a paused request the
/// date it would have if the information arrived today), read from `q.after` — the rows that are
/// not paused, and, per controller, the paused rows that can be on the page. The service rolls
/// the paused rows' dates, merges both and keeps `q.limit`: the paused ones are read by their
/// offset, which orders them as their shown dates do, plus those within `ROLL_SLACK_DAYS` of the
/// last one (which may show the same day and come first by id).
pub async fn queue_by_shown_date(
    pool: &PgPool,
    q: &QueueQuery,
    descending: bool,
    inclusive: bool,
    frames: &[PausedFrame],
) -> Result<(Vec<QueueRecord>, Vec<QueueRecord>)> {
    let rows = queue_statement("", q, descending, inclusive, frames).build_query_as().fetch_all(pool).await?;
    split_paused(rows)
}

/// The statement [`queue_by_shown_date`] sends, after `prefix` (the benchmark puts `EXPLAIN
/// (ANALYZE ...)` there to have the server time it with the same values). Its rows carry
/// `paused_row` and the queue's columns.
pub fn queue_statement(
    prefix: &str,
    q: &QueueQuery,
    descending: bool,
    inclusive: bool,
    frames: &[PausedFrame],
) -> QueryBuilder<Postgres> {
    let dir = if descending { "DESC" } else { "ASC" };
    let limit = q.limit.max(1);
    let with_paused = !frames.is_empty() && q.status.is_none_or(|s| s == RequestStatus::AwaitingInformation);
    // One statement, one round trip: the page of rows that are not paused, then (when the query
    // can match paused rows) the paused rows that can be on it, bounded by that page's last date.
    let mut b: QueryBuilder<Postgres> = QueryBuilder::new(format!(
        "{prefix}WITH unpaused AS MATERIALIZED (SELECT {QUEUE_COLUMNS} FROM requests WHERE pause_offset IS NULL"
    ));
    push_filters(&mut b, q);
    if let Some((due, id)) = q.after {
        let op = match (descending, inclusive) {
            (false, false) => ">",
            (false, true) => ">=",
            (true, false) => "<",
            (true, true) => "<=",
        };
        b.push(format!(" AND (due_on, id) {op} (")).push_bind(due).push(", ").push_bind(id).push(")");
    }
    b.push(format!(" ORDER BY due_on {dir}, id {dir} LIMIT ")).push_bind(limit).push(")");
    if !with_paused {
        b.push(format!(
            " SELECT false AS paused_row, {QUEUE_COLUMNS} FROM unpaused ORDER BY due_on {dir}, id {dir}"
        ));
        return b;
    }
    // A full page of rows that are not paused ends on `last`: a paused row can only be on the page
    // when it shows that day or an earlier one (later, descending). Shown = roll(t + offset) is at
    // least t + offset and less than ROLL_SLACK_DAYS after it. NULL when the page is not full.
    let edge_of_page = if descending { "min" } else { "max" };
    b.push(format!(
        ", last AS (SELECT CASE WHEN count(*) = {limit} THEN {edge_of_page}(due_on) END AS due_on FROM unpaused)"
    ));
    // Neither the stored due date nor the cursor's: the paused rows' own conditions below.
    let plain = QueueQuery { due_before: None, after: None, ..q.clone() };
    // The candidates are read once (the filters, a search above all, cost the same whatever is
    // asked of them), then per controller the first page by offset and those that may tie with it.
    b.push(format!(
        ", paused AS MATERIALIZED (SELECT {QUEUE_COLUMNS}, pause_offset FROM requests WHERE pause_offset IS NOT NULL"
    ));
    push_filters_among(&mut b, &plain, SearchRows::Paused);
    b.push(" AND (false");
    for frame in frames {
        b.push(" OR (jurisdiction = ").push_bind(frame.jurisdiction.code()).push("::jurisdiction");
        // The bound from the page's last date, as a condition an index can use (an InitPlan);
        // none when the page is not full.
        if descending {
            b.push(" AND pause_offset >= coalesce((SELECT due_on FROM last) - ")
                .push_bind(frame.today)
                .push(format!("::date - {ROLL_SLACK_DAYS}, {})", i32::MIN));
        } else {
            b.push(" AND pause_offset <= coalesce((SELECT due_on FROM last) - ")
                .push_bind(frame.today)
                .push(format!("::date, {})", i32::MAX));
        }
        if let Some(max) = frame.due_before_max {
            b.push(" AND pause_offset <= ").push_bind(max);
        }
        if let (Some((below, above)), Some((_, id))) = (frame.cursor_band, q.after) {
            let id_op = match (descending, inclusive) {
                (false, false) => ">",
                (false, true) => ">=",
                (true, false) => "<",
                (true, true) => "<=",
            };
            if descending {
                b.push(" AND (pause_offset <= ").push_bind(below);
            } else {
                b.push(" AND (pause_offset > ").push_bind(above);
            }
            b.push(" OR (pause_offset > ").push_bind(below).push(" AND pause_offset <= ").push_bind(above);
            b.push(format!(" AND id {id_op} ")).push_bind(id).push("))");
        }
        b.push(")");
    }
    b.push("))");
    b.push(format!(" SELECT false AS paused_row, {QUEUE_COLUMNS} FROM unpaused"));
    let (edge, towards, within) = if descending { ("min", "-", ">=") } else { ("max", "+", "<=") };
    for frame in frames {
        let code = frame.jurisdiction.code();
        b.push(format!(
            " UNION ALL (SELECT true, {QUEUE_COLUMNS} FROM paused WHERE jurisdiction = '{code}' AND pause_offset {within}
               (SELECT {edge}(pause_offset) {towards} {ROLL_SLACK_DAYS} FROM
                  (SELECT pause_offset FROM paused WHERE jurisdiction = '{code}'
                   ORDER BY pause_offset {dir}, id {dir} LIMIT "
        ));
        b.push_bind(limit);
        b.push(") AS first_page))");
    }
    b
}

/// A queue row and whether it came from the paused part of [`queue_by_shown_date`]'s statement.
#[derive(sqlx::FromRow)]
struct FlaggedQueueRecord {
    paused_row: bool,
    #[sqlx(flatten)]
    record: QueueRecord,
}

/// The rows that are not paused (in the statement's order) and the paused ones.
fn split_paused(rows: Vec<FlaggedQueueRecord>) -> Result<(Vec<QueueRecord>, Vec<QueueRecord>)> {
    let (paused, unpaused): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.paused_row);
    Ok((unpaused.into_iter().map(|r| r.record).collect(), paused.into_iter().map(|r| r.record).collect()))
}

/// How many rows match `q` when "due before" means the date each row shows: the rows that are not
/// paused by their stored due date, the paused ones per controller by `due_before_max`.
pub async fn queue_count_by_shown_date(pool: &PgPool, q: &QueueQuery, frames: &[PausedFrame]) -> Result<i64> {
    let mut b: QueryBuilder<Postgres> =
        QueryBuilder::new("SELECT count(*) FROM requests WHERE pause_offset IS NULL");
    push_filters(&mut b, q);
    let mut n: i64 = b.build_query_scalar().fetch_one(pool).await?;
    let plain = QueueQuery { due_before: None, after: None, ..q.clone() };
    for frame in frames {
        let mut b: QueryBuilder<Postgres> =
            QueryBuilder::new("SELECT count(*) FROM requests WHERE pause_offset IS NOT NULL");
        push_filters_among(&mut b, &plain, SearchRows::Paused);
        b.push(" AND jurisdiction = ").push_bind(frame.jurisdiction.code()).push("::jurisdiction");
        if let Some(max) = frame.due_before_max {
            b.push(" AND pause_offset <= ").push_bind(max);
        }
        let m: i64 = b.build_query_scalar().fetch_one(pool).await?;
        n += m;
    }
    Ok(n)
}

/// The filters of a `QueueQuery` as SQL conditions (every queue read spells them this one way).
pub(crate) fn push_filters(b: &mut QueryBuilder<Postgres>, q: &QueueQuery) {
    push_filters_among(b, q, SearchRows::All);
}

/// Which search rows a search reads: those of every request, or (for a statement that reads only
/// paused requests) the small indexes over the paused ones' (migration 0046).
#[derive(Clone, Copy, PartialEq, Eq)]
enum SearchRows {
    All,
    Paused,
}

fn push_filters_among(b: &mut QueryBuilder<Postgres>, q: &QueueQuery, rows: SearchRows) {
    if !q.include_closed {
        // Spelled exactly as in the partial indexes' predicate so the planner uses them.
        b.push(" AND status IN ('new', 'in_progress', 'awaiting_information')");
    }
    if let Some(kind) = q.kind {
        b.push(" AND kind = ").push_bind(kind.as_str()).push("::request_kind");
    }
    if let Some(status) = q.status {
        b.push(" AND status = ").push_bind(status.as_str()).push("::request_status");
    }
    match &q.assignee {
        AssigneeFilter::Anyone => {}
        AssigneeFilter::Unassigned => {
            b.push(" AND assignee IS NULL");
        }
        AssigneeFilter::Is(user) => {
            b.push(" AND assignee = ").push_bind(user.clone());
        }
    }
    if let Some(before) = q.due_before {
        b.push(" AND due_on < ").push_bind(before);
    }
    // The partial indexes' predicate (migration 0046), spelled as they are.
    let among = match rows {
        SearchRows::All => "",
        SearchRows::Paused => "paused AND ",
    };
    match q.search.as_deref().and_then(SearchTerm::parse) {
        None => {}
        Some(SearchTerm::Reference(reference)) => {
            b.push(" AND reference = ").push_bind(reference);
        }
        // By the index on the normal form (migration 0047); a trigram scan of every number grew
        // with the table (56 ms at 3M requests).
        Some(SearchTerm::PersonalNumber(forms)) => {
            b.push(" AND requester_number_normalized = ANY(").push_bind(forms).push(")");
        }
        // The term is written into the SQL as a quoted literal, not bound: the best plan depends
        // on how common it is (walk the queue in order for "Larsson", look "Öberg" up in the
        // index), which only a plan made for the value knows, and a bound parameter may get a
        // prepared statement's generic plan.
        // On the requests' own index of their names' word beginnings (migration 0051); for the
        // paused part, its partial index (the statement reads only paused requests).
        Some(SearchTerm::NameWords(words)) => {
            b.push(format!(" AND {}", name_condition(&words)));
        }
        Some(SearchTerm::Substring(term)) => {
            // The trigram index `request_search_text` (migration 0009), rather than four ORed
            // ILIKEs on `requests`, which only a scan of every request could answer.
            b.push(format!(
                " AND id IN (SELECT request_id FROM request_search WHERE {among}text ILIKE {})",
                quote_literal(&format!("%{}%", escape_like(&term)))
            ));
        }
    }
}

/// Every typed word begins a word of the requester's name: each is one of the name's word
/// beginnings, as the index `requests_name_prefixes` holds them (migrations 0046, 0051). The
/// typed words go through the same full-text parser as the names, so both are lower-cased alike.
pub fn name_condition(words: &[String]) -> String {
    format!(
        "dsrdesk_name_prefixes(requester_name) @> tsvector_to_array(to_tsvector('simple', {}))",
        quote_literal(&words.join(" "))
    )
}

/// A string as an SQL literal that means the same whatever the server's
/// standard_conforming_strings: an escape string (`E'...'`) with backslashes and quotes doubled.
/// NUL, which no text value may hold, is dropped.
fn quote_literal(value: &str) -> String {
    format!("E'{}'", value.replace('\0', "").replace('\\', "\\\\").replace('\'', "''"))
}

fn escape_like(term: &str) -> String {
    term.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// Counts of open requests by kind, assignee and days left (clamped to -1..=8, which is all the
/// urgency buckets need). Paused requests are counted apart: their clock stands still.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OverviewCount {
    pub jurisdiction: Jurisdiction,
    pub kind: RequestKind,
    pub assignee: Option<String>,
    pub paused: bool,
    pub days_left: i32,
    pub count: i64,
    /// Of `count`, those whose clock runs (not paused) and whose internal target date is before
    /// their controller's today.
    pub past_internal_target: i64,
}

/// The statement behind [`overview_counts`] (`$1`, `$2`: today in Sweden and in Finland). The
/// past-target count comes from the same rows (migration 0049): a row per day, however many
/// requests are past their target.
pub const OVERVIEW_COUNTS: &str = "SELECT jurisdiction, kind, NULLIF(assignee, '') AS assignee, paused,
                GREATEST(-1, LEAST(8, due_on - today))::int AS days_left,
                sum(n)::bigint AS count,
                coalesce(sum(n) FILTER (WHERE NOT paused AND internal_due_on < today), 0)::bigint
                    AS past_internal_target
         FROM (SELECT *, CASE jurisdiction WHEN 'SE' THEN $1::date ELSE $2::date END AS today
               FROM (SELECT jurisdiction, kind, assignee, paused, due_on, internal_due_on, n
                     FROM open_request_counts
                     UNION ALL
                     SELECT jurisdiction, kind, assignee, paused, due_on, internal_due_on, n
                     FROM open_request_count_deltas) rows) c
         GROUP BY 1, 2, 3, 4, 5
         HAVING sum(n) <> 0";

/// Open-request counts from the database-maintained summary (migration 0003): the compact table
/// plus the deltas not yet folded in, read in one snapshot.
pub async fn overview_counts(
    pool: &PgPool,
    today_se: NaiveDate,
    today_fi: NaiveDate,
) -> Result<Vec<OverviewCount>> {
    Ok(sqlx::query_as(OVERVIEW_COUNTS).bind(today_se).bind(today_fi).fetch_all(pool).await?)
}

/// The same counts straight from the requests table: the reference the summary is tested against.
pub async fn overview_counts_by_scan(
    pool: &PgPool,
    today_se: NaiveDate,
    today_fi: NaiveDate,
) -> Result<Vec<OverviewCount>> {
    Ok(sqlx::query_as(
        "SELECT jurisdiction, kind, assignee, status = 'awaiting_information' AS paused,
                GREATEST(-1, LEAST(8, due_on - CASE jurisdiction WHEN 'SE' THEN $1::date ELSE $2::date END))::int AS days_left,
                count(*) AS count,
                count(*) FILTER (WHERE status IN ('new', 'in_progress')
                                   AND internal_due_on < CASE jurisdiction WHEN 'SE' THEN $1::date ELSE $2::date END)
                    AS past_internal_target
         FROM requests
         WHERE status IN ('new', 'in_progress', 'awaiting_information')
         GROUP BY 1, 2, 3, 4, 5",
    )
    .bind(today_se)
    .bind(today_fi)
    .fetch_all(pool)
    .await?)
}

/// Fold the count deltas into the compact table when more than `threshold` have piled up. Only one
/// session compacts at a time (others skip); writers are never blocked, since they only append.
pub async fn compact_open_counts(pool: &PgPool, threshold: i64) -> Result<()> {
    let pending: i64 =
        sqlx::query_scalar("SELECT count(*) FROM (SELECT 1 FROM open_request_count_deltas LIMIT $1 + 1) d")
            .bind(threshold)
            .fetch_one(pool)
            .await?;
    if pending <= threshold {
        return Ok(());
    }
    let mut tx = pool.begin().await?;
    let ours: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(724119002)").fetch_one(&mut *tx).await?;
    if !ours {
        return Ok(());
    }
    sqlx::query(
        "WITH moved AS (
             DELETE FROM open_request_count_deltas
             RETURNING jurisdiction, kind, assignee, paused, due_on, internal_due_on, n
         )
         INSERT INTO open_request_counts AS c (jurisdiction, kind, assignee, paused, due_on, internal_due_on, n)
         SELECT jurisdiction, kind, assignee, paused, due_on, internal_due_on, sum(n)
         FROM moved GROUP BY 1, 2, 3, 4, 5, 6
         ON CONFLICT (jurisdiction, kind, assignee, paused, due_on, internal_due_on)
         DO UPDATE SET n = c.n + EXCLUDED.n",
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM open_request_counts WHERE n = 0").execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// How many of a request's Art. 19 notices to recipients are not ticked off yet.
pub async fn open_recipient_task_count(conn: &mut PgConnection, request_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM recipient_tasks WHERE request_id = $1 AND done_at IS NULL")
        .bind(request_id)
        .fetch_one(&mut *conn)
        .await?)
}

/// Who last changed a request and how: (actor, action) of its newest event.
pub async fn last_event(conn: &mut PgConnection, request_id: i64) -> Result<Option<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT actor, action FROM request_events WHERE request_id = $1 ORDER BY id DESC LIMIT 1",
    )
    .bind(request_id)
    .fetch_optional(&mut *conn)
    .await?)
}
