//! Changes to a request's course: extend, pause, resume, assign, release, claim, status — each
//! one transaction through `Desk::change`, whose rule is a pure closure over the locked row.

use super::*;

impl Desk {
    /// Lock the request, let `change` decide (pure), then store the row and its event together.
    /// `change` returns the event to record, or None when nothing changes.
    pub(super) async fn change<F>(
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
        tracing::info!(reference = %next.reference, status = %next.status, version = next.version, "request changed");
        Ok(next)
    }

    /// `change` inside the caller's transaction, so that a reply can be queued with the status
    /// change it brings (one transaction: the request, its event and the outbox row).
    pub(super) async fn change_in<F>(
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
    pub(super) fn extend_rule(
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
        self.resume_on(operator, reference, None, expected_version, at).await
    }

    /// Resume the clock from the day the information arrived (Art. 12(6)): `arrived_on` in the
    /// controller's calendar, default today. A letter opened today may have arrived days ago; the
    /// clock runs from its arrival, not from when the DPO got to it. Not before the day it was
    /// asked for, not after today.
    pub async fn resume_on(
        &self,
        operator: &Operator,
        reference: &str,
        arrived_on: Option<NaiveDate>,
        expected_version: Option<i32>,
        at: DateTime<Utc>,
    ) -> Result<RequestRecord> {
        self.change(operator, reference, expected_version, at, |r| {
            let today = r.jurisdiction.local_date(at);
            let arrived_on = arrived_on.unwrap_or(today);
            if arrived_on > today {
                return Err(Error::rule(
                    &r.reference,
                    format!("the information cannot have arrived on {arrived_on}: today is {today}"),
                ));
            }
            if let Some(asked_on) = r.paused_since
                && arrived_on < asked_on
            {
                return Err(Error::rule(
                    &r.reference,
                    format!("the information was asked for on {asked_on}; it cannot have arrived before, on {arrived_on}"),
                ));
            }
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
            // After the commit, so claims commit together (migration 0010), and by the desk's
            // announcer, so the next claim need not wait for it.
            self.announcer.changed(&r.reference);
        }
        Ok(claimed)
    }

    /// Wait until the claims' notifications have been sent: a command-line process calls this
    /// before it ends.
    pub async fn flush_announcements(&self) {
        self.announcer.flush().await;
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
