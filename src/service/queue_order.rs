//! The queue in order of the date each row shows (issue 19, issue 15).
//!
//! Art. 12(3) with 12(6): while the controller waits for the information it asked for, the clock
//! stands still; dsrdesk moves the due date one day later for every day paused (DOMAIN.md
//! "Suspension"). A paused request therefore shows — and is sorted by — the date it would have if
//! the information arrived today, not the due date stored when it was paused. The rows that are
//! not paused are read by their stored due date; the paused ones by an offset that orders them as
//! their shown dates do (migration 0021); both are merged here, where the calendar is.

use super::{Desk, QueueItem};
use crate::domain::Jurisdiction;
use crate::domain::calendar::WorkingCalendar;
use crate::error::Result;
use crate::store::requests::{self as store, PausedFrame, QueueQuery};
use crate::store::shift::queue_count;
use chrono::{DateTime, NaiveDate, Utc};

/// The last working day on or before `day`.
fn working_day_at_or_before(calendar: &WorkingCalendar, day: NaiveDate) -> NaiveDate {
    let mut d = day;
    while !calendar.is_working_day(d) {
        d = d.pred_opt().expect("date within chrono's range");
    }
    d
}

fn days(from: NaiveDate, to: NaiveDate) -> i32 {
    (to - from).num_days().clamp(i32::MIN as i64, i32::MAX as i64) as i32
}

impl QueueItem {
    /// The date the queue sorts this row by in "by due date": the date it shows (for a paused
    /// request, the date if the information arrived today; otherwise the stored legal due date).
    pub fn shown_due_on(&self) -> NaiveDate {
        if self.is_paused() && self.deadline_error.is_none() {
            self.effective_due_on
        } else {
            self.record.due_on
        }
    }
}

impl Desk {
    /// A keyset page by shown due date from `query.after`: ascending or descending, the cursor
    /// itself included or not. Rows come in that order.
    /// Where each controller's paused requests stand against the query's cursor and "due before".
    fn paused_frames(&self, query: &QueueQuery, now: DateTime<Utc>) -> Vec<PausedFrame> {
        let today = self.today(now);
        Jurisdiction::ALL
            .into_iter()
            .map(|j| {
                let calendar = self.config.calendar(j);
                let t = today[&j];
                let at_or_before = |d: NaiveDate| days(t, working_day_at_or_before(&calendar, d));
                PausedFrame {
                    jurisdiction: j,
                    today: t,
                    cursor_band: query.after.map(|(d, _)| {
                        (at_or_before(d.pred_opt().expect("date within range")), at_or_before(d))
                    }),
                    due_before_max: query
                        .due_before
                        .map(|b| at_or_before(b.pred_opt().expect("date within range"))),
                }
            })
            .collect()
    }

    /// How many rows the query matches as of `now`, "due before" by the date each row shows (the
    /// count beside the queue's pages).
    pub async fn queue_count_at(&self, query: &QueueQuery, now: DateTime<Utc>) -> Result<i64> {
        if query.due_before.is_none() {
            return queue_count(&self.pool, query).await;
        }
        store::queue_count_by_shown_date(&self.pool, query, &self.paused_frames(query, now)).await
    }

    /// The statement [`Desk::queue`] sends for `query` as of `now`, after `prefix`: for the
    /// benchmark, which has a bare client send it and the server time it (`EXPLAIN ANALYZE` as
    /// the prefix) with the same values.
    #[doc(hidden)]
    pub fn queue_statement(
        &self,
        prefix: &str,
        query: &QueueQuery,
        now: DateTime<Utc>,
    ) -> sqlx::QueryBuilder<sqlx::Postgres> {
        store::queue_statement(prefix, query, false, false, &self.paused_frames(query, now))
    }

    pub(crate) async fn queue_by_shown_date(
        &self,
        query: &QueueQuery,
        descending: bool,
        inclusive: bool,
        now: DateTime<Utc>,
    ) -> Result<Vec<QueueItem>> {
        let today = self.today(now);
        let frames = self.paused_frames(query, now);
        let (unpaused, paused) =
            store::queue_by_shown_date(&self.pool, query, descending, inclusive, &frames).await?;
        // Only the paused rows need their date computed to find their place; the rest are built
        // once they are known to be on the page.
        let paused: Vec<QueueItem> = paused.into_iter().map(|r| self.queue_item(r, &today)).collect();
        let mut keyed: Vec<((NaiveDate, i64), Result<QueueItem, crate::store::requests::QueueRecord>)> =
            paused
                .into_iter()
                .map(|i| ((i.shown_due_on(), i.record.id), Ok(i)))
                .chain(unpaused.into_iter().map(|r| ((r.due_on, r.id), Err(r))))
                .collect();
        keyed.sort_by_key(|(key, _)| *key);
        if descending {
            keyed.reverse();
        }
        keyed.truncate(query.limit.max(1) as usize);
        let items: Vec<QueueItem> = keyed
            .into_iter()
            .map(|(_, item)| item.unwrap_or_else(|record| self.queue_item(record, &today)))
            .collect();
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_last_working_day_before_easter_monday_2026_is_maundy_thursday() {
        // Good Friday 3 Apr, Easter Sunday 5 Apr, Easter Monday 6 Apr 2026 (lag 1989:253).
        let se = WorkingCalendar::new(Jurisdiction::Sweden);
        assert_eq!(working_day_at_or_before(&se, d(2026, 4, 6)), d(2026, 4, 2));
        assert_eq!(working_day_at_or_before(&se, d(2026, 4, 7)), d(2026, 4, 7));
    }
}
