//! The event history's hash chains, one per request (migrations 0026, 0031): the heads, and the
//! walk that finds the first event whose content, details, link or place no longer agrees.

use crate::error::Result;
use serde::Serialize;
use sqlx::PgConnection;

/// The first place where a request's chain breaks, and what failed there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ChainBreak {
    pub request_id: i64,
    pub reference: Option<String>,
    /// The place in the request's chain (None: a head on record for a request with no event).
    pub chain_seq: Option<i64>,
    /// The event (None when the request has no event left at all).
    pub event_id: Option<i64>,
    /// The place follows the one before without a gap (an event removed leaves one).
    pub place_ok: bool,
    /// The content still has the hash it was given at insert (an event edited fails here).
    pub content_ok: bool,
    /// The details still have their hash (an anonymised event's details are exempt: §3).
    pub details_ok: bool,
    /// It names the hash of the event before it.
    pub link_ok: bool,
    /// Its own hash is that of the link and the content.
    pub hash_ok: bool,
    /// The request's last event is the head on record (its end not cut off).
    pub tail_ok: bool,
}

/// One request's last event: everything before it in that request's chain is fixed by this hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ChainHead {
    pub chain_seq: i64,
    pub event_id: i64,
    pub sha256: String,
}

/// Walk the chains of the requests whose id is in `[from, to)`, in (request, place) order: the
/// first break among them, if any (migration 0043).
pub async fn first_break_between(conn: &mut PgConnection, from: i64, to: i64) -> Result<Option<ChainBreak>> {
    Ok(sqlx::query_as(
        "SELECT b.request_id, r.reference, b.chain_seq, b.event_id,
                b.place_ok, b.content_ok, b.details_ok, b.link_ok, b.hash_ok, b.tail_ok
         FROM (SELECT * FROM dsrdesk_chain_breaks_between($1, $2) LIMIT 1) b
         LEFT JOIN requests r ON r.id = b.request_id",
    )
    .bind(from)
    .bind(to)
    .fetch_optional(conn)
    .await?)
}

/// The lowest and highest request id any chain can belong to: a request, a head on record or an
/// event (an event or head whose request row is gone is still walked).
pub async fn request_id_bounds(conn: &mut PgConnection) -> Result<Option<(i64, i64)>> {
    let (low, high): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT least((SELECT min(id) FROM requests), (SELECT min(request_id) FROM request_chain_heads),
                      (SELECT min(request_id) FROM request_events)),
                greatest((SELECT max(id) FROM requests), (SELECT max(request_id) FROM request_chain_heads),
                         (SELECT max(request_id) FROM request_events))",
    )
    .fetch_one(conn)
    .await?;
    Ok(low.zip(high))
}

/// The head of one request's chain, read from its events (the case file writes it down).
pub async fn head_of(conn: &mut PgConnection, request_id: i64) -> Result<Option<ChainHead>> {
    Ok(sqlx::query_as(
        "SELECT chain_seq, id AS event_id, encode(sha256, 'hex') AS sha256
         FROM request_events WHERE request_id = $1 ORDER BY chain_seq DESC LIMIT 1",
    )
    .bind(request_id)
    .fetch_optional(conn)
    .await?)
}

/// A digest of every request's head, in request order: one hash to write down that fixes the
/// whole history at the time of the walk (SHA-256 over "request_id:head_hex\n" lines).
pub async fn heads_digest(conn: &mut PgConnection) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT encode(sha256(convert_to(
                    string_agg(request_id::text || ':' || encode(sha256, 'hex'), E'\\n'
                               ORDER BY request_id) || E'\\n', 'UTF8')), 'hex')
         FROM request_chain_heads",
    )
    .fetch_one(conn)
    .await?)
}

pub async fn counts(conn: &mut PgConnection) -> Result<(i64, i64)> {
    Ok(sqlx::query_as(
        "SELECT (SELECT count(*) FROM request_events), (SELECT count(*) FROM request_chain_heads)",
    )
    .fetch_one(conn)
    .await?)
}
