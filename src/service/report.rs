//! The DPO's figures for a period (issue 17 §1): the store reads each request's history (as the
//! facts migration 0033 keeps with the events), the domain counts it with this desk's calendars
//! and internal targets.

use super::Desk;
use crate::domain::Jurisdiction;
use crate::domain::report::{self, Controllers, Period, Report, Tally};
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
        let targets = (
            self.config.controller(Jurisdiction::Sweden).internal_target_days,
            self.config.controller(Jurisdiction::Finland).internal_target_days,
        );
        // One statement for the groups, on one connection. Reading them in id ranges on two
        // connections in one exported snapshot was slower at a million requests (1.86 s against
        // 1.42 s): each range's grouping is as costly per row, and the server's own parallel scan
        // already keeps both cores busy under the one grouping.
        let mut conn = self.pool.acquire().await?;
        let (shapes, histories) = store::report::facts(&mut conn, period, controller, today, targets).await?;
        let calendar = |j| self.config.calendar(j);
        let target = |j| self.config.controller(j).internal_target_days;
        let controllers = Controllers { calendar: &calendar, internal_target_days: &target };
        let mut tally = Tally::new(period, today);
        for shape in &shapes {
            tally.add_shape(shape);
        }
        for h in &histories {
            tally.add_history(h, &controllers);
        }
        Ok(tally.finish())
    }

    /// The same report counted from the events themselves, folded at this reading: the reference
    /// [`Desk::report`] is tested against (and was, before migration 0033, the report).
    pub async fn report_from_events(
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
