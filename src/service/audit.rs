//! `dsrdesk audit verify` (issue 17 §2): walk every request's hash chain.

use super::Desk;
use crate::error::Result;
use crate::store::audit::{self, ChainBreak};
use serde::Serialize;

/// What the walk found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    pub events: i64,
    /// How many requests' chains (one per request since migration 0031).
    pub chains: i64,
    /// The hash to write down: the SHA-256 over every request's head, in request order. A later
    /// walk that ends at the same digest saw the same history (or that history grown since, if
    /// the digest is recomputed over the same requests' heads as written down then).
    pub heads_digest: Option<String>,
    /// The first event (by request, then place) that no longer agrees; None when all do.
    pub first_break: Option<ChainBreak>,
}

impl Desk {
    /// Walk the chains in one snapshot (events appended meanwhile wait for the next walk).
    pub async fn verify_chain(&self) -> Result<ChainReport> {
        let mut tx = self.pool.begin().await?;
        audit::read_only_snapshot(&mut tx).await?;
        let heads_digest = audit::heads_digest(&mut tx).await?;
        let (events, chains) = audit::counts(&mut tx).await?;
        let first_break = audit::first_break(&mut tx).await?;
        tx.commit().await?;
        Ok(ChainReport { events, chains, heads_digest, first_break })
    }
}
