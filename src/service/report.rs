//! The DPO's figures for a period (issue 17 §1): the store reads each request's history, the
//! domain counts it with this desk's calendars and internal targets.

use super::Desk;
use crate::domain::Jurisdiction;
use crate::domain::report::{self, Controllers, Period, Report};
use crate::error::Result;
use crate::store;
use chrono::NaiveDate;

impl Desk {
    /// The report over `period`, for one controller or both, as it stands on `today` (open and
    /// overdue are counted at the period's end, or today while it runs).
    pub async fn report(
        &self,
        period: Period,
        controller: Option<Jurisdiction>,
        today: NaiveDate,
    ) -> Result<Report> {
        let mut conn = self.pool.acquire().await?;
        let histories = store::report::histories(&mut conn, period, controller).await?;
        let calendar = |j| self.config.calendar(j);
        let target = |j| self.config.controller(j).internal_target_days;
        let controllers = Controllers { calendar: &calendar, internal_target_days: &target };
        Ok(report::report(&histories, period, today, &controllers))
    }

    /// Requests received per day from `from` to `to`, both included.
    pub async fn daily_intake(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(NaiveDate, u64)>> {
        let mut conn = self.pool.acquire().await?;
        store::report::daily_intake(&mut conn, from, to).await
    }
}
