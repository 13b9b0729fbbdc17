//! The DPO's figures for a period (issue 17 §1): the store reads each request's history (as the
//! facts migration 0033 keeps with the events), the domain counts it with this desk's calendars
//! and internal targets.

use super::Desk;
use crate::domain::Jurisdiction;
use crate::domain::report::{self, Controllers, Period, Report, RequestHistory, Shape, Tally};
use crate::error::Result;
use crate::store;
use crate::store::report::Reading;
use crate::store::snapshot;
use chrono::NaiveDate;
use futures_util::{StreamExt, TryStreamExt};

impl Desk {
    /// The report over `period`, for one controller or both, as it stands on `today` (open and
    /// overdue are counted at the period's end, or today while it runs).
    pub async fn report(
        &self,
        period: Period,
        controller: Option<Jurisdiction>,
        today: NaiveDate,
    ) -> Result<Report> {
        let reading = Reading {
            period,
            controller,
            today,
            internal_target_days: (
                self.config.controller(Jurisdiction::Sweden).internal_target_days,
                self.config.controller(Jurisdiction::Finland).internal_target_days,
            ),
        };
        let (shapes, histories) = self.read_facts(&reading).await?;
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

    /// The report's facts in one snapshot: the groups read in id ranges, each on its own
    /// connection in the snapshot this transaction exports (each connection is one server core:
    /// at a million requests the grouping is most of the report's time), the requests counted
    /// one by one on this one.
    async fn read_facts(&self, reading: &Reading) -> Result<(Vec<Shape>, Vec<RequestHistory>)> {
        let workers = snapshot::slice_count(self.pool.options().get_max_connections());
        let (mut tx, exported) = snapshot::begin_shared(&self.pool, workers > 1).await?;
        store::report::apply_settings(&mut tx).await?;
        let bounds = store::report::facts_id_bounds(&mut tx).await?;
        let shapes = match (bounds, exported) {
            (None, _) => Vec::new(),
            (Some(_), None) => store::report::shapes(&mut tx, reading, (i64::MIN, i64::MAX)).await?,
            (Some((low, high)), Some(exported)) => {
                // Four slices a connection, taken as each finishes: the requests of a period
                // are not spread evenly over the ids (they are in order of arrival).
                let slices = snapshot::id_slices(low, high, workers * 4).into_iter().map(|ids| {
                    let exported = exported.clone();
                    async move {
                        let mut slice = self.pool.begin().await?;
                        store::report::join_reading(&mut slice, &exported).await?;
                        let shapes = store::report::shapes(&mut slice, reading, ids).await?;
                        slice.commit().await?;
                        Ok::<_, crate::error::Error>(shapes)
                    }
                });
                // The one-by-one reading meanwhile, on the exporting connection.
                let grouped = futures_util::stream::iter(slices)
                    .buffer_unordered(workers)
                    .try_collect::<Vec<Vec<Shape>>>();
                let (sliced, histories) =
                    futures_util::join!(grouped, async { store::report::one_by_one(&mut tx, reading).await });
                let shapes = sliced?.into_iter().flatten().collect();
                tx.commit().await?;
                return Ok((shapes, histories?));
            }
        };
        let histories = store::report::one_by_one(&mut tx, reading).await?;
        tx.commit().await?;
        Ok((shapes, histories))
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
