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
    /// Walk the chains in one snapshot (events appended meanwhile wait for the next walk). The
    /// requests are cut into as many id ranges as there are cores (within the pool), each walked
    /// on its own connection in the same exported snapshot: each event costs three SHA-256s in
    /// the server, and one connection uses one of its cores.
    pub async fn verify_chain(&self) -> Result<ChainReport> {
        let mut tx = self.pool.begin().await?;
        audit::read_only_snapshot(&mut tx).await?;
        let heads_digest = audit::heads_digest(&mut tx).await?;
        let (events, chains) = audit::counts(&mut tx).await?;
        let bounds = audit::request_id_bounds(&mut tx).await?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        // One connection stays with this transaction, which keeps the snapshot alive.
        let workers = cores.min(self.pool.options().get_max_connections().saturating_sub(1) as usize);
        let first_break = match bounds {
            None => None,
            Some((low, high)) if workers <= 1 => {
                audit::first_break_between(&mut tx, low, high.saturating_add(1)).await?
            }
            Some((low, high)) => {
                let snapshot = audit::export_snapshot(&mut tx).await?;
                let slices = id_slices(low, high, workers);
                let walks = slices.into_iter().map(|(from, to)| {
                    let snapshot = snapshot.clone();
                    async move {
                        let mut slice = self.pool.begin().await?;
                        audit::read_exported_snapshot(&mut slice, &snapshot).await?;
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

/// `[low, high]` cut into `n` consecutive half-open ranges that cover it exactly.
fn id_slices(low: i64, high: i64, n: usize) -> Vec<(i64, i64)> {
    let span = (high as i128 - low as i128 + 1).max(1);
    let n = (n as i128).clamp(1, span);
    (0..n)
        .map(|i| {
            let from = low as i128 + span * i / n;
            let to = low as i128 + span * (i + 1) / n;
            (from as i64, to as i64)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::id_slices;

    #[test]
    fn slices_cover_every_id_once() {
        for (low, high, n) in [(1, 1, 4), (1, 10, 3), (5, 1_000_003, 2), (-3, 3, 8), (1, 2, 2)] {
            let slices = id_slices(low, high, n);
            assert_eq!(slices.first().unwrap().0, low);
            assert_eq!(slices.last().unwrap().1, high + 1);
            for pair in slices.windows(2) {
                assert_eq!(pair[0].1, pair[1].0, "no gap, no overlap");
            }
            assert!(slices.iter().all(|(from, to)| from < to), "no empty slice");
        }
    }
}
