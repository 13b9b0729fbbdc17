//! The event history's hash chain (migration 0026): its head, and the walk that finds the first
//! event whose content, link or place no longer agrees.

use crate::error::Result;
use serde::Serialize;
use sqlx::PgConnection;

/// The first event where the chain breaks, and what failed there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ChainBreak {
    pub chain_seq: i64,
    pub event_id: i64,
    pub request_id: i64,
    pub reference: Option<String>,
    /// The place follows the one before without a gap (an event removed leaves one).
    pub place_ok: bool,
    /// The content still has the hash it was given at insert (an event edited fails here).
    pub content_ok: bool,
    /// It names the hash of the event before it.
    pub link_ok: bool,
    /// Its own hash is that of the link and the content.
    pub hash_ok: bool,
}

/// The last event of the chain: everything before it is fixed by this hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ChainHead {
    pub chain_seq: i64,
    pub event_id: i64,
    pub sha256: String,
}

/// Walk the whole chain in order: the first break, if any.
pub async fn first_break(conn: &mut PgConnection) -> Result<Option<ChainBreak>> {
    Ok(sqlx::query_as(
        "SELECT b.chain_seq, b.event_id, b.request_id, r.reference,
                b.place_ok, b.content_ok, b.link_ok, b.hash_ok
         FROM (SELECT * FROM dsrdesk_chain_breaks() LIMIT 1) b
         LEFT JOIN requests r ON r.id = b.request_id",
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn head(conn: &mut PgConnection) -> Result<Option<ChainHead>> {
    Ok(sqlx::query_as(
        "SELECT chain_seq, id AS event_id, encode(sha256, 'hex') AS sha256
         FROM request_events ORDER BY chain_seq DESC LIMIT 1",
    )
    .fetch_optional(conn)
    .await?)
}

pub async fn event_count(conn: &mut PgConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM request_events").fetch_one(conn).await?)
}

/// The rest of this transaction reads one snapshot and writes nothing.
pub async fn read_only_snapshot(conn: &mut PgConnection) -> Result<()> {
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(conn).await?;
    Ok(())
}
