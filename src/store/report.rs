//! The report's reading of the event history (issue 17 §1): each request that was open at some
//! time in the period, reduced to the facts `domain::report` counts — so the figures come from the
//! events (what happened when), not from the requests' present state.
//!
//! Two readings that give the same figures. [`facts`], what the report uses: the history as
//! migration 0033 keeps it reduced per request (written with each event, in its transaction),
//! most requests counted in the database a group at a time ([`SHAPES_SQL`]), the few that need it
//! one by one in `domain::report` ([`ONE_BY_ONE_SQL`]). [`histories`]: the events themselves
//! folded at each reading ([`HISTORIES_SQL`]), the reference the facts are tested against
//! (tests/report_facts.rs).

use crate::domain::report::{Closing, Period, RefusalGround, RequestHistory, Shape};
use crate::domain::{Jurisdiction, RequestKind, RequestStatus};
use crate::error::Result;
use chrono::NaiveDate;
use sqlx::PgConnection;

/// The requests a period's report reads: received by its end, not closed before it began (the
/// first closing event's time, with a day's margin for the time zones; the exact test is on the
/// day), of the one controller when $5 names one. $1 the period's first day, $2 its last day.
const IN_PERIOD: &str = "f.received_on <= $2
  AND coalesce(f.closing_at, 'infinity') >= $1::date - 1
  AND ($5::jurisdiction IS NULL OR f.jurisdiction = $5)";

/// Whether a request is counted in the database ([`Shape`]): at most one of each event (the last
/// assignment in force at the period's end), and closed by the period's end within 28 days of
/// receipt, or not closed by then and received at most 28 days before the period's end or today
/// ($3): never overdue on any day the report looks at.
const COUNTED_TOGETHER: &str = "coalesce(
  f.closings <= 1 AND f.extensions <= 1 AND f.pauses <= 1 AND f.resumptions <= 1
  AND (f.assignments <= 1 OR f.operator_on <= $2)
  AND f.first_resumed_days <= 3650 AND f.received_on < DATE '9000-01-01'
  AND CASE WHEN f.closed_on <= $2 THEN f.closed_on <= f.received_on + 28
           ELSE f.received_on + 28 >= least($2, $3) END, false)";

/// The groups counted in the database, public so that the benchmark can time the same statement
/// on the server alone. $1 the period's first day, $2 its last, $3 today, $4 the bucket
/// thresholds ([`Period::bucket_starts`]), $5 the controller (NULL for both), $6 and $7 the
/// internal target in days of SE and FI.
pub fn shapes_sql() -> String {
    format!(
        "SELECT f.kind, f.channel,
       CASE WHEN f.operator_on <= $2 THEN f.operator END AS operator,
       width_bucket(f.received_on, $4::date[]) AS received,
       f.received_on > $3 AS received_after_today,
       c.status AS closed_status,
       width_bucket(c.on_day, $4::date[]) AS closed,
       c.on_day > $3 AS closed_after_today,
       CASE WHEN c.status = 'refused' THEN f.closed_ground END AS ground,
       -- Art. 12(3): closed within 28 days, so on time; the internal target counts the pauses
       -- ended by the answer's day.
       CASE WHEN c.status = 'answered' AND c.on_day BETWEEN $1 AND $2
            THEN c.on_day <= f.received_on + CASE f.jurisdiction WHEN 'SE' THEN $6::int ELSE $7::int END
                 + CASE WHEN f.first_resumed_on <= c.on_day THEN f.first_resumed_days ELSE 0 END
       END AS within_target,
       width_bucket(f.extended_on, $4::date[]) AS extended,
       CASE WHEN f.extended_on BETWEEN $1 AND $2 THEN coalesce(f.extended_reason, '') END AS extension_reason,
       width_bucket(f.first_paused_on, $4::date[]) AS paused,
       width_bucket(f.first_resumed_on, $4::date[]) AS resumed,
       -- The days as keys rather than lists (array_agg): a group's days are all one, and a
       -- count is all each group needs.
       CASE WHEN c.status = 'answered' AND c.on_day BETWEEN $1 AND $2 THEN c.on_day - f.received_on END
           AS answer_day,
       CASE WHEN f.first_resumed_on BETWEEN $1 AND $2 THEN f.first_resumed_days END AS pause_day,
       count(*) AS requests
FROM request_report_facts f
CROSS JOIN LATERAL (
    SELECT CASE WHEN f.closed_on <= $2 THEN f.closed_on END AS on_day,
           CASE WHEN f.closed_on <= $2 THEN f.closed_status END AS status
) c
WHERE {IN_PERIOD}
  AND {COUNTED_TOGETHER}
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16"
    )
}

/// The others, with their lists: counted one by one. Same parameters as [`shapes_sql`]; the
/// requests closed once within 28 days with one of each event (`plain`) are never among them.
pub fn one_by_one_sql() -> String {
    format!(
        "SELECT f.kind, f.jurisdiction, f.channel, f.received_on,
       f.closing_on, f.closing_status, f.closing_ground, f.extension_on, f.extension_reason,
       f.paused_on, f.resumed_on, f.resumed_days, f.assigned_on, f.assigned_to
FROM request_report_facts f
WHERE {IN_PERIOD}
  AND NOT f.plain
  AND NOT {COUNTED_TOGETHER}"
    )
}

#[derive(sqlx::FromRow)]
struct ShapeRow {
    kind: RequestKind,
    channel: Option<String>,
    operator: Option<String>,
    received: i32,
    received_after_today: bool,
    closed_status: Option<String>,
    closed: Option<i32>,
    closed_after_today: Option<bool>,
    ground: Option<String>,
    within_target: Option<bool>,
    extended: Option<i32>,
    extension_reason: Option<String>,
    paused: Option<i32>,
    resumed: Option<i32>,
    answer_day: Option<i32>,
    pause_day: Option<i32>,
    requests: i64,
}

#[derive(sqlx::FromRow)]
struct FactsRow {
    kind: RequestKind,
    jurisdiction: Jurisdiction,
    channel: Option<String>,
    received_on: NaiveDate,
    closing_on: Option<Vec<NaiveDate>>,
    closing_status: Option<Vec<Option<String>>>,
    closing_ground: Option<Vec<Option<String>>>,
    extension_on: Option<Vec<NaiveDate>>,
    extension_reason: Option<Vec<Option<String>>>,
    paused_on: Option<Vec<NaiveDate>>,
    resumed_on: Option<Vec<NaiveDate>>,
    resumed_days: Option<Vec<Option<i32>>>,
    assigned_on: Option<Vec<NaiveDate>>,
    assigned_to: Option<Vec<Option<String>>>,
}

impl FactsRow {
    /// The history up to the period's end, as [`HISTORIES_SQL`] reduces the events: the first
    /// closing and extension on or before `to` (in event order), the pauses and resumptions on or
    /// before it, the last assignment on or before it.
    fn history(self, to: NaiveDate) -> RequestHistory {
        let by_end = |days: &Option<Vec<NaiveDate>>| -> Vec<usize> {
            days.iter().flatten().enumerate().filter(|(_, d)| **d <= to).map(|(i, _)| i).collect()
        };
        let at =
            |v: &Option<Vec<Option<String>>>, i: usize| v.as_ref().and_then(|v| v.get(i).cloned().flatten());
        let closed = by_end(&self.closing_on).first().and_then(|&i| {
            let status = at(&self.closing_status, i)?.parse::<RequestStatus>().ok()?;
            // The stored ground, given as its label (which cites the same ground).
            let reason = at(&self.closing_ground, i)
                .and_then(|code| RefusalGround::from_code(&code))
                .map(|g| g.label().to_string());
            Some(Closing { status, on: self.closing_on.as_ref()?[i], reason })
        });
        let extended = by_end(&self.extension_on).first().map(|&i| {
            (
                self.extension_on.as_ref().expect("listed")[i],
                at(&self.extension_reason, i).unwrap_or_default(),
            )
        });
        let paused_on = self.paused_on.iter().flatten().copied().filter(|d| *d <= to).collect();
        let days = self.resumed_days.unwrap_or_default();
        let resumed = self
            .resumed_on
            .iter()
            .flatten()
            .enumerate()
            .filter(|(_, d)| **d <= to)
            .map(|(i, d)| (*d, days.get(i).copied().flatten().unwrap_or(0).max(0) as u32))
            .collect();
        let operator = by_end(&self.assigned_on).last().and_then(|&i| at(&self.assigned_to, i));
        RequestHistory {
            kind: self.kind,
            jurisdiction: self.jurisdiction,
            channel: self.channel,
            received_on: self.received_on,
            closed,
            extended,
            paused_on,
            resumed,
            operator,
        }
    }
}

/// The settings the report's statements run under, in their transaction; public so that the
/// benchmark times the server alone under the same. The planner cannot know that the sixteen
/// grouping keys go together (it guesses fifty times the groups there are): it would sort every
/// row, or plan a hash table too big for `work_mem` and spill it to disk; hashing in memory is
/// two to three times faster. JIT compiling the keys costs more (0.18 s) than it saves.
pub const REPORT_SETTINGS: &str =
    "SET LOCAL enable_sort = off; SET LOCAL work_mem = '256MB'; SET LOCAL jit = off";

/// What a report reads for: the period, the controller (None for both), the day it stands on,
/// and the internal target in days of SE and FI.
#[derive(Debug, Clone, Copy)]
struct Reading {
    period: Period,
    controller: Option<Jurisdiction>,
    today: NaiveDate,
    internal_target_days: (u32, u32),
}

/// The rest of this transaction reads as the report does: one snapshot, read only, under
/// [`REPORT_SETTINGS`]. First in the transaction.
async fn begin_reading(conn: &mut PgConnection) -> Result<()> {
    crate::store::snapshot::read_only_snapshot(&mut *conn).await?;
    sqlx::raw_sql(REPORT_SETTINGS).execute(conn).await?;
    Ok(())
}

/// $1 to $7 of both statements ([`shapes_sql`], [`one_by_one_sql`]), in their order.
fn arguments(reading: &Reading) -> Result<sqlx::postgres::PgArguments> {
    use sqlx::Arguments;
    let Reading { period, controller, today, internal_target_days: (se, fi) } = *reading;
    let mut arguments = sqlx::postgres::PgArguments::default();
    let encoded = (|| {
        arguments.add(period.from)?;
        arguments.add(period.to)?;
        arguments.add(today)?;
        arguments.add(period.bucket_starts())?;
        arguments.add(controller)?;
        arguments.add(se as i32)?;
        arguments.add(fi as i32)
    })();
    encoded.map_err(sqlx::Error::Encode)?;
    Ok(arguments)
}

/// The groups counted in the database.
async fn shapes(conn: &mut PgConnection, reading: &Reading) -> Result<Vec<Shape>> {
    let rows: Vec<ShapeRow> =
        sqlx::query_as_with(sqlx::AssertSqlSafe(shapes_sql()), arguments(reading)?).fetch_all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let requests = r.requests.max(0) as u64;
            // Each of the group's requests took the group's days.
            let each =
                |day: Option<i32>| day.map(|d| vec![i64::from(d); requests as usize]).unwrap_or_default();
            Shape {
                requests,
                kind: r.kind,
                channel: r.channel,
                operator: r.operator,
                received: r.received,
                received_after_today: r.received_after_today,
                closed: match (r.closed_status.and_then(|s| s.parse::<RequestStatus>().ok()), r.closed) {
                    (Some(status), Some(bucket)) => {
                        Some((status, bucket, r.closed_after_today.unwrap_or(false)))
                    }
                    _ => None,
                },
                ground: r.ground.and_then(|g| RefusalGround::from_code(&g)),
                within_target: r.within_target,
                extended: r.extended,
                extension_reason: r.extension_reason,
                paused: r.paused,
                resumed: r.resumed,
                answer_days: each(r.answer_day),
                pause_days: each(r.pause_day),
            }
        })
        .collect())
}

/// The histories of the requests counted one by one.
async fn one_by_one(conn: &mut PgConnection, reading: &Reading) -> Result<Vec<RequestHistory>> {
    let rows: Vec<FactsRow> = sqlx::query_as_with(sqlx::AssertSqlSafe(one_by_one_sql()), arguments(reading)?)
        .fetch_all(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.history(reading.period.to)).collect())
}

/// The report's facts for `period` as they stand on `today`, read on this one connection: the
/// groups counted in the database and the histories of the others. `internal_target_days` of
/// SE and FI.
pub async fn facts(
    conn: &mut PgConnection,
    period: Period,
    controller: Option<Jurisdiction>,
    today: NaiveDate,
    internal_target_days: (u32, u32),
) -> Result<(Vec<Shape>, Vec<RequestHistory>)> {
    let reading = Reading { period, controller, today, internal_target_days };
    let mut tx = sqlx::Connection::begin(&mut *conn).await?;
    begin_reading(&mut tx).await?;
    let shapes = shapes(&mut tx, &reading).await?;
    let histories = one_by_one(&mut tx, &reading).await?;
    tx.commit().await?;
    Ok((shapes, histories))
}

/// The reference reading, folding the events at each reading (7 s for 200,000 requests before
/// the facts): public so that tests and the benchmark can set it beside [`facts`].
/// $1 the period's first day, $2 its last day, $3 the controller (NULL for both).
/// Dates of events are their `effective_at` (when it happened, `--at`) in the controller's zone.
pub const HISTORIES_SQL: &str = "
SELECT r.kind, r.jurisdiction, r.channel::text AS channel, r.received_on,
       f.closed_to, f.closed_on, f.closed_reason,
       f.extended_on, f.extension_reason,
       coalesce(f.paused_on, '{}') AS paused_on,
       coalesce(f.resumed_on, '{}') AS resumed_on,
       coalesce(f.resumed_days, '{}') AS resumed_days,
       f.operator
FROM requests r
CROSS JOIN LATERAL (
    SELECT
        (array_agg(e.details->>'to' ORDER BY e.id) FILTER (WHERE e.closing))[1] AS closed_to,
        (array_agg(e.on_day ORDER BY e.id) FILTER (WHERE e.closing))[1] AS closed_on,
        (array_agg(e.details->>'reason' ORDER BY e.id) FILTER (WHERE e.closing))[1] AS closed_reason,
        (array_agg(e.on_day ORDER BY e.id) FILTER (WHERE e.action = 'extended'))[1] AS extended_on,
        (array_agg(e.details->>'reason' ORDER BY e.id) FILTER (WHERE e.action = 'extended'))[1] AS extension_reason,
        array_agg(e.on_day ORDER BY e.id) FILTER (WHERE e.action = 'paused') AS paused_on,
        array_agg(e.on_day ORDER BY e.id) FILTER (WHERE e.action = 'resumed') AS resumed_on,
        array_agg((e.details->>'paused_days')::int ORDER BY e.id) FILTER (WHERE e.action = 'resumed') AS resumed_days,
        (array_agg(e.details->>'to' ORDER BY e.id DESC)
            FILTER (WHERE e.action IN ('assigned', 'released')))[1] AS operator
    FROM (
        SELECT ev.id, ev.action, ev.details,
               dsrdesk_local_date(r.jurisdiction, ev.effective_at) AS on_day,
               ev.action = 'status_changed'
                   AND ev.details->>'to' IN ('answered', 'refused', 'forwarded', 'withdrawn') AS closing
        FROM request_events ev
        WHERE ev.request_id = r.id
          AND ev.action IN ('status_changed', 'extended', 'paused', 'resumed', 'assigned', 'released')
    ) e
    WHERE e.on_day <= $2
) f
WHERE r.received_on <= $2
  -- Closed before the period began: nothing of it falls in the period. closed_at is the closing
  -- event's own time (a day's margin for the time zones; the exact test is on the event).
  AND (r.closed_at IS NULL OR r.closed_at >= $1::date - 1)
  AND ($3::jurisdiction IS NULL OR r.jurisdiction = $3)";

#[derive(sqlx::FromRow)]
struct Row {
    kind: RequestKind,
    jurisdiction: Jurisdiction,
    channel: Option<String>,
    received_on: NaiveDate,
    closed_to: Option<String>,
    closed_on: Option<NaiveDate>,
    closed_reason: Option<String>,
    extended_on: Option<NaiveDate>,
    extension_reason: Option<String>,
    paused_on: Vec<NaiveDate>,
    resumed_on: Vec<NaiveDate>,
    resumed_days: Vec<Option<i32>>,
    operator: Option<String>,
}

/// Each request's history up to the period's end, for the requests open at some time in it.
pub async fn histories(
    conn: &mut PgConnection,
    period: Period,
    controller: Option<Jurisdiction>,
) -> Result<Vec<RequestHistory>> {
    let rows: Vec<Row> = sqlx::query_as(HISTORIES_SQL)
        .bind(period.from)
        .bind(period.to)
        .bind(controller)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| RequestHistory {
            kind: r.kind,
            jurisdiction: r.jurisdiction,
            channel: r.channel,
            received_on: r.received_on,
            closed: match (r.closed_to.and_then(|s| s.parse::<RequestStatus>().ok()), r.closed_on) {
                (Some(status), Some(on)) => Some(Closing { status, on, reason: r.closed_reason }),
                _ => None,
            },
            extended: r.extended_on.map(|on| (on, r.extension_reason.unwrap_or_default())),
            paused_on: r.paused_on,
            resumed: r
                .resumed_on
                .into_iter()
                .zip(r.resumed_days)
                .map(|(on, days)| (on, days.unwrap_or(0).max(0) as u32))
                .collect(),
            operator: r.operator,
        })
        .collect())
}

/// Requests received per day from `from` to `to` (both included), days without any as 0. The
/// receipt date never changes, so a past day's count stays what it was.
pub async fn daily_intake(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, u64)>> {
    let rows: Vec<(NaiveDate, i64)> = sqlx::query_as(
        "SELECT d::date, (SELECT count(*) FROM requests r WHERE r.received_on = d::date)
         FROM generate_series($1::date, $2::date, interval '1 day') AS d ORDER BY 1",
    )
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(d, n)| (d, n.max(0) as u64)).collect())
}
