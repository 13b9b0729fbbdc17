//! The report's reading of the event history (issue 17 §1): each request that was open at some
//! time in the period, reduced by the server to the facts `domain::report` counts — so the
//! figures come from the events (what happened when), not from the requests' present state.

use crate::domain::report::{Closing, Period, RequestHistory};
use crate::domain::{Jurisdiction, RequestKind, RequestStatus};
use crate::error::Result;
use chrono::NaiveDate;
use sqlx::PgConnection;

/// The SQL, public so that the benchmark can time the same statement on the server alone.
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
