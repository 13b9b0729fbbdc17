//! What the terminal desk needs beyond the CLI's use cases: the change feed since an operator last
//! looked, the queue read backwards and in other orders, counts, and the version check that
//! refuses an action taken on a stale screen.

use super::{Desk, Operator, QueueItem};
use crate::domain::deadline::{self, DeadlineFacts};
use crate::domain::{Jurisdiction, RequestStatus};
use crate::error::Result;
use crate::store::requests::{QueueQuery, QueueRecord};
use crate::store::shift::{self as store, ChangeRecord, Direction, QueueOrder};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::collections::BTreeMap;

/// The feed shown under "since you last looked".
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeFeed {
    /// Events recorded after this moment are listed.
    pub since: DateTime<Utc>,
    /// The operator never marked anything seen: `since` is a day before now.
    pub first_visit: bool,
    /// The newest events first, at most the limit asked for.
    pub items: Vec<ChangeRecord>,
    /// How many events there are in all, counted up to `CHANGES_COUNT_CAP`.
    pub total: i64,
    /// The newest `recorded_at` listed: marking seen moves the mark here, not to "now", so an
    /// event recorded while the screen was open is never marked seen unseen.
    pub newest: Option<DateTime<Utc>>,
}

/// Counting more events than this only says "more than".
pub const CHANGES_COUNT_CAP: i64 = 10_000;

/// One event in the feed, in words.
pub fn change_summary(c: &ChangeRecord) -> String {
    let d = &c.details;
    let s = |k: &str| d.get(k).and_then(|v| v.as_str()).map(str::to_string);
    match c.action.as_str() {
        "received" => format!("new {} request", c.kind),
        "assigned" => match (s("from"), s("to")) {
            (Some(from), Some(to)) => format!("handed from {from} to {to}"),
            (None, Some(to)) => format!("claimed by {to}"),
            _ => "assigned".into(),
        },
        "released" => "released to the queue".into(),
        "extended" => "deadline extended".into(),
        "paused" => "clock paused".into(),
        "resumed" => "clock resumed".into(),
        "status_changed" => match s("to") {
            Some(to) => format!("status {}", to.replace('_', " ")),
            None => "status changed".into(),
        },
        other => other.replace('_', " "),
    }
}

/// How many of the newest events are read for the operators who acted recently.
const RECENT_EVENTS_FOR_OPERATORS: i64 = 5_000;

impl Desk {
    /// Whom a request can be handed to: the configured operators and those the database knows
    /// from their work, sorted, each once. Names with spaces or control characters are left out
    /// (a user name has neither, and the list is shown on the terminal).
    pub async fn known_operators(&self, operator: &Operator) -> Result<Vec<String>> {
        let mut names = store::known_operators(&self.pool, RECENT_EVENTS_FOR_OPERATORS).await?;
        names.extend(self.config.desk.operators.iter().cloned());
        names.push(operator.user.clone());
        names.retain(|n| !n.is_empty() && !n.chars().any(|c| c.is_whitespace() || c.is_control()));
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// When the operator last marked the overview seen.
    pub async fn last_seen(&self, operator: &Operator) -> Result<Option<DateTime<Utc>>> {
        store::last_seen(&self.pool, &operator.user).await
    }

    /// Mark everything recorded up to `up_to` as seen by the operator (never moves backwards).
    pub async fn mark_seen(&self, operator: &Operator, up_to: DateTime<Utc>) -> Result<DateTime<Utc>> {
        store::mark_seen(&self.pool, &operator.user, up_to).await
    }

    /// What others recorded since the operator last looked (or, the first time, in the last day).
    pub async fn changes_since(
        &self,
        operator: &Operator,
        last_seen: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<ChangeFeed> {
        let since = last_seen.unwrap_or(now - Duration::days(1));
        let (items, total) = tokio::try_join!(
            store::changes_since(&self.pool, since, &operator.user, limit),
            store::count_changes_since(&self.pool, since, &operator.user, CHANGES_COUNT_CAP + 1),
        )?;
        let newest = items.iter().map(|c| c.recorded_at).max();
        Ok(ChangeFeed { since, first_visit: last_seen.is_none(), items, total, newest })
    }

    /// A keyset page of the queue in any order and either direction, in display order. The
    /// natural order read forwards is exactly [`Desk::queue`], the CLI's list.
    pub async fn queue_slice(
        &self,
        query: &QueueQuery,
        order: QueueOrder,
        direction: Direction,
        now: DateTime<Utc>,
    ) -> Result<Vec<QueueItem>> {
        if order == QueueOrder::default() && direction == (Direction::Forward { inclusive: false }) {
            return self.queue(query, now).await;
        }
        if order.field == crate::store::shift::SortField::Due {
            // By the date each row shows (a paused request: if the information arrived today).
            let backward = direction == Direction::Backward;
            let inclusive = direction == (Direction::Forward { inclusive: true });
            let mut items =
                self.queue_by_shown_date(query, order.descending != backward, inclusive, now).await?;
            if backward {
                items.reverse();
            }
            return Ok(items);
        }
        let mut rows = store::queue_slice(&self.pool, query, order, direction).await?;
        if direction == Direction::Backward {
            rows.reverse();
        }
        let today = self.today(now);
        Ok(rows.into_iter().map(|r| self.queue_item(r, &today)).collect())
    }

    pub(super) fn queue_item(
        &self,
        record: QueueRecord,
        today: &BTreeMap<Jurisdiction, NaiveDate>,
    ) -> QueueItem {
        let today = today[&record.jurisdiction];
        let facts = DeadlineFacts {
            received_on: record.received_on,
            extended: record.extended_on.is_some(),
            paused_days: record.paused_days.max(0) as u32,
        };
        let computed = if record.status.is_open() {
            self.effective_due_on(record.jurisdiction, facts, record.paused_since, today)
        } else {
            Ok(record.due_on)
        };
        // An impossible stored value shows as an error on its own row; the rest of the queue stands.
        let (effective_due_on, deadline_error) = match computed {
            Ok(due) => (due, None),
            Err(e) => (record.due_on, Some(e.to_string())),
        };
        QueueItem {
            days_left: deadline::days_left(effective_due_on, today),
            effective_due_on,
            deadline_error,
            record,
        }
    }

    /// How many requests the query matches.
    pub async fn queue_count(&self, query: &QueueQuery) -> Result<i64> {
        store::queue_count(&self.pool, query).await
    }
}

/// The statuses "change status" offers from `from`: what the state machine allows, less
/// awaiting information and back to in progress, which are pause and resume (they move the
/// deadline and have their own actions).
pub fn status_choices(from: RequestStatus) -> Vec<RequestStatus> {
    RequestStatus::ALL
        .into_iter()
        .filter(|&to| from.can_become(to))
        .filter(|&to| to != RequestStatus::AwaitingInformation)
        .filter(|&to| !(to == RequestStatus::InProgress && from == RequestStatus::AwaitingInformation))
        .collect()
}

/// Closing as refused, forwarded or withdrawn needs a reason (`Desk::set_status` refuses it
/// without one); the desk asks for it before calling.
pub fn status_needs_reason(to: RequestStatus) -> bool {
    matches!(to, RequestStatus::Refused | RequestStatus::Forwarded | RequestStatus::Withdrawn)
}
