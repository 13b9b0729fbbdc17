//! The desk's own retention and legal holds (issue 17 §3): anonymise each closed request whose
//! period has run (one transaction per request, with its `anonymised` event), and place or lift
//! the legal holds that stop it. The rules are `domain::retention`; the SQL `store::retention`.

use super::Desk;
use crate::domain::Jurisdiction;
use crate::domain::retention::{self, Due};
use crate::error::{Error, Result};
use crate::service::Operator;
use crate::store::{self, retention::LegalHold};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;

/// What one retention pass did (or, dry, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RetentionReport {
    pub dry_run: bool,
    /// Requests anonymised (or due, when dry).
    pub anonymised: Vec<String>,
    /// Past their period but under a legal hold: kept.
    pub held: Vec<String>,
    /// Past their period, a mail of theirs still on its way: the next pass takes them.
    pub waiting_for_mail: Vec<String>,
}

/// A hold placed or lifted, as the CLI confirms it.
#[derive(Debug, Clone, Serialize)]
pub struct HoldChange {
    pub reference: String,
    pub hold_ids: Vec<i64>,
}

impl Desk {
    /// One pass over the closed requests of every controller.
    pub async fn run_retention(
        &self,
        operator: &Operator,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<RetentionReport> {
        let mut report = RetentionReport { dry_run, ..RetentionReport::default() };
        for j in [Jurisdiction::Sweden, Jurisdiction::Finland] {
            let months = self.config.controller(j).anonymise_after_months;
            let today = j.local_date(now);
            // Coarse bound in SQL (a day either side of the time zone), the exact rule below.
            let latest_closing = today
                .checked_sub_months(chrono::Months::new(months))
                .unwrap_or(NaiveDate::MIN)
                .and_hms_opt(0, 0, 0)
                .expect("midnight")
                .and_utc()
                + Duration::days(2);
            let candidates = {
                let mut conn = self.pool.acquire().await?;
                store::retention::candidates(&mut conn, j, latest_closing).await?
            };
            for c in candidates {
                match retention::due(j.local_date(c.closed_at), months, c.held, today) {
                    Due::KeptUntil(_) => {}
                    Due::Held => report.held.push(c.reference),
                    Due::Now if c.mail_pending => report.waiting_for_mail.push(c.reference),
                    Due::Now if dry_run => report.anonymised.push(c.reference),
                    Due::Now => {
                        if self.anonymise_one(operator, c.id, months, now).await? {
                            report.anonymised.push(c.reference);
                        }
                    }
                }
            }
        }
        Ok(report)
    }

    /// Anonymise one request in one transaction, after reading it again under its lock (a hold
    /// placed or the request anonymised since the list was read: nothing happens). True if done.
    async fn anonymise_one(
        &self,
        operator: &Operator,
        id: i64,
        months: u32,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let Some(c) = store::retention::lock_candidate(&mut tx, id).await? else {
            return Ok(false);
        };
        let today = c.jurisdiction.local_date(now);
        if c.mail_pending
            || retention::due(c.jurisdiction.local_date(c.closed_at), months, c.held, today) != Due::Now
        {
            return Ok(false);
        }
        let events = store::retention::event_details(&mut tx, id).await?;
        let skeletons: Vec<(i64, serde_json::Value)> =
            events.iter().filter_map(|(eid, d)| retention::details_skeleton(d).map(|s| (*eid, s))).collect();
        // Art. 5(1)(e): the period it ran out of; the database adds what went, in counts only.
        let details = json!({"anonymise_after_months": months});
        store::retention::anonymise(&mut tx, id, &skeletons, details, &operator.user, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Place a legal hold: an authority's or a court's case about the request (Art. 17(3)(e)).
    pub async fn place_hold(
        &self,
        operator: &Operator,
        reference: &str,
        authority: &str,
        case_reference: &str,
        due_on: Option<NaiveDate>,
        at: DateTime<Utc>,
    ) -> Result<HoldChange> {
        let (authority, case_reference) = (authority.trim(), case_reference.trim());
        for (what, value) in [("--authority", authority), ("--case", case_reference)] {
            if value.is_empty() || value.chars().any(char::is_control) {
                return Err(Error::Invalid(format!(
                    "{what}: give the authority's name and its case reference, one line each"
                )));
            }
        }
        let mut tx = self.pool.begin().await?;
        let request = store::requests::fetch_by_reference(&mut tx, reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.to_string()))?;
        if store::retention::is_anonymised(&mut tx, request.id).await? {
            return Err(Error::rule(
                reference,
                "its personal data is already anonymised: a hold keeps nothing more",
            ));
        }
        let details = json!({"authority": authority, "case_reference": case_reference, "due_on": due_on});
        let event = operator.event(request.id, at, "legal_hold_placed", details);
        store::requests::insert_events(&mut tx, &[event]).await?;
        let id = store::retention::place_hold(
            &mut tx,
            request.id,
            authority,
            case_reference,
            due_on,
            &operator.user,
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(HoldChange { reference: request.reference, hold_ids: vec![id] })
    }

    /// Lift every hold on the request (the authority's case closed).
    pub async fn lift_hold(
        &self,
        operator: &Operator,
        reference: &str,
        at: DateTime<Utc>,
    ) -> Result<HoldChange> {
        let mut tx = self.pool.begin().await?;
        let request = store::requests::fetch_by_reference(&mut tx, reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.to_string()))?;
        // The event follows the change in the same transaction (checked at commit) so it can
        // name the holds it lifted.
        let ids = store::retention::lift_holds(&mut tx, request.id, &operator.user, at).await?;
        if ids.is_empty() {
            return Err(Error::rule(reference, "no legal hold is on it"));
        }
        let event = operator.event(request.id, at, "legal_hold_lifted", json!({"hold_id": ids}));
        store::requests::insert_events(&mut tx, &[event]).await?;
        tx.commit().await?;
        Ok(HoldChange { reference: request.reference, hold_ids: ids })
    }

    /// The holds in force, by the authority's due date.
    pub async fn legal_holds(&self) -> Result<Vec<LegalHold>> {
        let mut conn = self.pool.acquire().await?;
        store::retention::active_holds(&mut conn).await
    }
}
