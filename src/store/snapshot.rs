//! One snapshot read on several connections at once (PostgreSQL's exported snapshots, as
//! `pg_dump --jobs` uses them): a long read — the chain walk, the year's report — cut into id
//! ranges, each on its own connection and so on its own server core, all seeing the same data.

use crate::error::{Error, Result};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};

/// The rest of this transaction reads one snapshot and writes nothing.
pub async fn read_only_snapshot(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(conn).await?;
    Ok(())
}

/// A read-only REPEATABLE READ transaction whose snapshot, when `share` and the server allows
/// it (not on every standby), is exported under the name returned, for other connections to read
/// exactly it while this transaction stays open. Without a name the caller reads on this
/// connection alone.
pub async fn begin_shared(
    pool: &PgPool,
    share: bool,
) -> Result<(Transaction<'static, Postgres>, Option<String>)> {
    let mut tx = pool.begin().await?;
    read_only_snapshot(&mut tx).await?;
    if !share {
        return Ok((tx, None));
    }
    // Not in a savepoint: the server exports no snapshot from a subtransaction. A refusal ends
    // this transaction, so the reading starts again in a new one.
    match sqlx::query_scalar::<_, String>("SELECT pg_export_snapshot()").fetch_one(&mut *tx).await {
        Ok(name) => Ok((tx, Some(name))),
        Err(e) => {
            tracing::info!(error = %e, "no exported snapshot: reading on one connection");
            tx.rollback().await?;
            let mut tx = pool.begin().await?;
            read_only_snapshot(&mut tx).await?;
            Ok((tx, None))
        }
    }
}

/// Read, for the rest of this transaction, the snapshot another transaction exported (it must
/// still be open). Must come before the transaction's first query.
pub async fn read_exported_snapshot(conn: &mut PgConnection, snapshot: &str) -> Result<()> {
    read_only_snapshot(&mut *conn).await?;
    // SET TRANSACTION SNAPSHOT takes no parameter; the name is the server's own (hex digits and
    // dashes), checked so that nothing else is ever spliced in.
    if snapshot.is_empty() || !snapshot.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        return Err(Error::Invalid(format!("not a snapshot name: {snapshot:?}")));
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("SET TRANSACTION SNAPSHOT '{snapshot}'")))
        .execute(conn)
        .await?;
    Ok(())
}

/// `[low, high]` cut into `n` consecutive half-open ranges that cover it exactly.
pub fn id_slices(low: i64, high: i64, n: usize) -> Vec<(i64, i64)> {
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

/// How many connections a sliced read uses: the cores here (the server's, for the embedded
/// cluster; a guess otherwise), at most 8, and one fewer than the pool holds (one connection
/// keeps the exported snapshot alive).
pub fn slice_count(pool_size: u32) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    cores.min(pool_size.saturating_sub(1) as usize)
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
