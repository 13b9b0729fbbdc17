//! SQL for the terminal desk's shift view: each operator's last-seen mark, the feed of events
//! since then, and the queue read in either direction and in either date order (keyset pages, so
//! the millionth row costs what the first does).

use super::requests::{AssigneeFilter, QUEUE_COLUMNS, QueueQuery, QueueRecord, push_filters};
use crate::domain::{Jurisdiction, RequestKind, RequestStatus};
use crate::error::Result;
use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

/// When `operator` last marked the overview as seen.
pub async fn last_seen(pool: &PgPool, operator: &str) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar("SELECT seen_at FROM operator_last_seen WHERE operator = $1")
        .bind(operator)
        .fetch_optional(pool)
        .await?)
}

/// Move `operator`'s mark to `at`, never backwards. Returns the mark now stored.
pub async fn mark_seen(pool: &PgPool, operator: &str, at: DateTime<Utc>) -> Result<DateTime<Utc>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO operator_last_seen (operator, seen_at) VALUES ($1, $2)
         ON CONFLICT (operator) DO UPDATE
             SET seen_at = GREATEST(operator_last_seen.seen_at, EXCLUDED.seen_at), updated_at = now()
         RETURNING seen_at",
    )
    .bind(operator)
    .bind(at)
    .fetch_one(pool)
    .await?)
}

/// One event of the change feed, with the request it belongs to.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ChangeRecord {
    pub event_id: i64,
    pub recorded_at: DateTime<Utc>,
    pub effective_at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub details: serde_json::Value,
    pub reference: String,
    pub kind: RequestKind,
    pub status: RequestStatus,
    pub jurisdiction: Jurisdiction,
}

/// The newest events recorded after `since` by anyone but `exclude_actor`, newest first. Under a
/// dsrdesk role the actor stored is the login and the desk's name is `claimed_actor` (migration
/// 0019): either one being `exclude_actor` makes the event one's own.
pub async fn changes_since(
    pool: &PgPool,
    since: DateTime<Utc>,
    exclude_actor: &str,
    limit: i64,
) -> Result<Vec<ChangeRecord>> {
    Ok(sqlx::query_as(
        "SELECT e.id AS event_id, e.recorded_at, e.effective_at, e.actor, e.action, e.details,
                r.reference, r.kind, r.status, r.jurisdiction
         FROM request_events e JOIN requests r ON r.id = e.request_id
         WHERE e.recorded_at > $1 AND e.actor <> $2 AND e.claimed_actor IS DISTINCT FROM $2
         ORDER BY e.recorded_at DESC, e.id DESC
         LIMIT $3",
    )
    .bind(since)
    .bind(exclude_actor)
    .bind(limit.max(1))
    .fetch_all(pool)
    .await?)
}

/// How many events `changes_since` would list, counting at most `cap` (a bulk intake of a million
/// rows need not be counted exactly to say "more than 10,000").
///
/// Counted newest first, by the `recorded_at` index. Without an order the planner, told that
/// many events are recent (after a large intake), took the first `cap` matches of a scan of the
/// whole table, and the recent events are at its end: 1.27 s at 3.8 million events, on every
/// opening of the overview, where reading the index backwards takes 20 ms.
pub async fn count_changes_since(
    pool: &PgPool,
    since: DateTime<Utc>,
    exclude_actor: &str,
    cap: i64,
) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT count(*) FROM (
             SELECT 1 FROM request_events
             WHERE recorded_at > $1 AND actor <> $2 AND claimed_actor IS DISTINCT FROM $2
             ORDER BY recorded_at DESC, id DESC
             LIMIT $3
         ) capped",
    )
    .bind(since)
    .bind(exclude_actor)
    .bind(cap.max(1))
    .fetch_one(pool)
    .await?)
}

/// The date a queue is ordered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum SortField {
    /// The stored legal due date (the queue's natural order).
    #[default]
    Due,
    /// The date of receipt.
    Received,
}

impl SortField {
    fn column(self) -> &'static str {
        match self {
            SortField::Due => "due_on",
            SortField::Received => "received_on",
        }
    }
}

/// An order of the queue: a date, then the id, ascending or descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct QueueOrder {
    pub field: SortField,
    pub descending: bool,
}

/// Which way to read from the cursor in `QueueQuery::after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Rows after the cursor in the order (or from the start when there is no cursor).
    Forward { inclusive: bool },
    /// Rows before the cursor (or from the end), returned nearest first: the caller reverses.
    Backward,
}

/// A keyset page of the queue in `order`, read from `q.after` in `direction`.
pub async fn queue_slice(
    pool: &PgPool,
    q: &QueueQuery,
    order: QueueOrder,
    direction: Direction,
) -> Result<Vec<QueueRecord>> {
    let column = order.field.column();
    let backward = matches!(direction, Direction::Backward);
    // Reading backwards through a descending order is reading the index forwards.
    let ascending_scan = order.descending == backward;
    let mut b: QueryBuilder<Postgres> =
        QueryBuilder::new(format!("SELECT {QUEUE_COLUMNS} FROM requests WHERE true"));
    push_filters(&mut b, q);
    if let Some((date, id)) = q.after {
        let op = match (ascending_scan, direction) {
            (true, Direction::Forward { inclusive: true }) => ">=",
            (true, _) => ">",
            (false, Direction::Forward { inclusive: true }) => "<=",
            (false, _) => "<",
        };
        b.push(format!(" AND ({column}, id) {op} (")).push_bind(date).push(", ").push_bind(id).push(")");
    }
    let dir = if ascending_scan { "ASC" } else { "DESC" };
    b.push(format!(" ORDER BY {column} {dir}, id {dir} LIMIT ")).push_bind(q.limit.max(1));
    Ok(b.build_query_as().fetch_all(pool).await?)
}

/// How many rows the query matches (ignoring the cursor and the limit).
pub async fn queue_count(pool: &PgPool, q: &QueueQuery) -> Result<i64> {
    if let Some(mut summed) = count_from_summary(q) {
        return Ok(summed.build_query_scalar().fetch_one(pool).await?);
    }
    let mut b: QueryBuilder<Postgres> = QueryBuilder::new("SELECT count(*) FROM requests WHERE true");
    push_filters(&mut b, q);
    Ok(b.build_query_scalar().fetch_one(pool).await?)
}

/// The count of open requests from the summary the database keeps of them (migration 0003: per
/// controller, kind, assignee, paused or not and due date, with the changes not yet folded in), when
/// the query asks only what that summary holds. The queue screen counts its rows again at each
/// refresh; counting the open requests themselves took 160 ms at 850,000 of them, the summary's
/// few thousand rows a few milliseconds. None for a search, closed requests, or a status the
/// summary does not tell apart (new from in progress).
fn count_from_summary(q: &QueueQuery) -> Option<QueryBuilder<Postgres>> {
    let searching = q.search.as_deref().and_then(crate::domain::search::SearchTerm::parse).is_some();
    let paused_only = match q.status {
        None => false,
        Some(RequestStatus::AwaitingInformation) => true,
        Some(_) => return None,
    };
    if q.include_closed || searching {
        return None;
    }
    let mut b: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT coalesce(sum(n), 0)::bigint FROM (
             SELECT kind, assignee, paused, due_on, n FROM open_request_counts
             UNION ALL
             SELECT kind, assignee, paused, due_on, n FROM open_request_count_deltas) summary
         WHERE true",
    );
    if let Some(kind) = q.kind {
        b.push(" AND kind = ").push_bind(kind.as_str()).push("::request_kind");
    }
    if paused_only {
        b.push(" AND paused");
    }
    match &q.assignee {
        AssigneeFilter::Anyone => {}
        // The summary writes "nobody" as ''.
        AssigneeFilter::Unassigned => {
            b.push(" AND assignee = ''");
        }
        // '' is "nobody" there; no request is assigned to '' (a check refuses it).
        AssigneeFilter::Is(user) if user.is_empty() => return None,
        AssigneeFilter::Is(user) => {
            b.push(" AND assignee = ").push_bind(user.clone());
        }
    }
    if let Some(before) = q.due_before {
        b.push(" AND due_on < ").push_bind(before);
    }
    Some(b)
}

/// The operators this database knows of, for choosing an assignee: those who have marked the
/// overview seen, those holding open requests, and the actors (the desk's name where one was
/// claimed) of the most recent events of a request's course — claims, extensions, pauses, status
/// changes: an operator's work, not the intake's, the worker's or a mail fetch's. Each part reads an index or a small table, so the list
/// costs the same at three million events as at three hundred.
pub async fn known_operators(pool: &PgPool, recent_events: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT name FROM (
             SELECT operator AS name FROM operator_last_seen
             UNION
             SELECT assignee FROM open_request_counts WHERE assignee <> ''
             UNION
             SELECT assignee FROM open_request_count_deltas WHERE assignee <> ''
             UNION
             SELECT coalesce(claimed_actor, actor)
             FROM (SELECT actor, claimed_actor FROM request_events
                   WHERE action IN ('assigned', 'released', 'extended', 'paused', 'resumed', 'status_changed')
                   ORDER BY id DESC LIMIT $1) recent
         ) known
         WHERE name IS NOT NULL AND name <> '' AND name !~ '[[:space:][:cntrl:]]'
         ORDER BY name",
    )
    .bind(recent_events.max(0))
    .fetch_all(pool)
    .await?)
}
