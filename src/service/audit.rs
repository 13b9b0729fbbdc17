//! `dsrdesk audit verify` (issue 17 §2): walk every request's hash chain.

use super::Desk;
use crate::error::Result;
use crate::store::audit::{self, ChainBreak};
use crate::store::snapshot;
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
    /// Walk the chains in one snapshot (events appended meanwhile wait for the next walk). The
    /// requests are cut into id ranges, each walked on its own connection in the same exported
    /// snapshot: each event costs three SHA-256s in the server, and one connection uses one of
    /// its cores.
    pub async fn verify_chain(&self) -> Result<ChainReport> {
        let workers = snapshot::slice_count(self.pool.options().get_max_connections());
        let (mut tx, exported) = snapshot::begin_shared(&self.pool, workers > 1).await?;
        let heads_digest = audit::heads_digest(&mut tx).await?;
        let (events, chains) = audit::counts(&mut tx).await?;
        let bounds = audit::request_id_bounds(&mut tx).await?;
        let first_break = match (bounds, exported) {
            (None, _) => None,
            (Some((low, high)), None) => {
                audit::first_break_between(&mut tx, low, high.saturating_add(1)).await?
            }
            (Some((low, high)), Some(exported)) => {
                let walks = snapshot::id_slices(low, high, workers).into_iter().map(|(from, to)| {
                    let exported = exported.clone();
                    async move {
                        let mut slice = self.pool.begin().await?;
                        snapshot::read_exported_snapshot(&mut slice, &exported).await?;
                        let found = audit::first_break_between(&mut slice, from, to).await?;
                        slice.commit().await?;
                        Ok::<_, crate::error::Error>(found)
                    }
                });
                // The slices are in id order: the first break of the first slice that has one.
                futures_util::future::try_join_all(walks).await?.into_iter().flatten().next()
            }
        };
        tx.commit().await?;
        Ok(ChainReport { events, chains, heads_digest, first_break })
    }
}
