//! `dsrdesk audit verify` (issue 17 §2): walk the event history's hash chain.

use super::Desk;
use crate::error::Result;
use crate::store::audit::{self, ChainBreak, ChainHead};
use serde::Serialize;

/// What the walk found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub events: i64,
    /// The hash to write down: a later walk that ends at the same hash saw the same history.
    pub head: Option<ChainHead>,
    /// The first event that no longer agrees with the chain; None when all do.
    pub first_break: Option<ChainBreak>,
}

impl Desk {
    /// Walk the chain in one snapshot (events appended meanwhile wait for the next walk).
    pub async fn verify_chain(&self) -> Result<ChainReport> {
        let mut tx = self.pool.begin().await?;
        audit::read_only_snapshot(&mut tx).await?;
        let head = audit::head(&mut tx).await?;
        let events = audit::event_count(&mut tx).await?;
        let first_break = audit::first_break(&mut tx).await?;
        tx.commit().await?;
        Ok(ChainReport { events, head, first_break })
    }
}
