//! Intake's bulk path (issue 18 §1): a file of new requests and their `received` events go in by
//! `COPY ... FROM STDIN`, the server's own fastest way in, instead of one INSERT per table. COPY
//! runs the same triggers as INSERT (the due-date check, the search rows, the open counts, the
//! NOTIFY, the event stamp and hash chain, the "every change has its event" check at commit), so
//! nothing the database guards is skipped.
//!
//! COPY cannot say which id each row got, and an event needs its request's id: the ids are taken
//! from the identity's own sequence first and written with the rows. (COPY, unlike INSERT, accepts
//! a value for a `GENERATED ALWAYS` identity column; values drawn from its sequence never collide
//! with ones it generates.)

use super::copy_text::CopyText;
use super::requests::{NewEvent, RequestRecord};
use crate::domain::intake::Channel;
use crate::error::Result;
use sqlx::PgConnection;

/// `count` request ids from the `requests.id` identity, in the order drawn.
pub async fn reserve_request_ids(conn: &mut PgConnection, count: usize) -> Result<Vec<i64>> {
    if count == 0 {
        return Ok(Vec::new());
    }
    Ok(sqlx::query_scalar(
        "SELECT array_agg(nextval(pg_get_serial_sequence('requests', 'id')))
         FROM generate_series(1, $1)",
    )
    .bind(count as i64)
    .fetch_one(conn)
    .await?)
}

const REQUESTS: &str = "COPY requests (id, reference, external_id, kind, status, jurisdiction, received_at, \
    received_on, channel, language, requester_name, requester_email, requester_personal_number, \
    requester_address, requester_phone, body, assignee, extended_on, extension_reason, paused_days, \
    paused_since, pause_reason, due_on, internal_due_on, closed_at) FROM STDIN";

/// The requests as COPY data, ids included (from [`reserve_request_ids`]).
pub fn encode_requests(rows: &[RequestRecord]) -> Vec<u8> {
    let mut w = CopyText::with_capacity(rows.len() * 256);
    for r in rows {
        w.int(r.id);
        w.text(&r.reference);
        w.opt_text(r.external_id.as_deref());
        w.text(r.kind.as_str());
        w.text(r.status.as_str());
        w.text(r.jurisdiction.code());
        w.timestamp(r.received_at);
        w.date(r.received_on);
        w.opt_text(r.channel.map(Channel::as_str));
        w.opt_text(r.language.as_deref());
        w.opt_text(r.requester_name.as_deref());
        w.opt_text(r.requester_email.as_deref());
        w.opt_text(r.requester_personal_number.as_deref());
        w.opt_text(r.requester_address.as_deref());
        w.opt_text(r.requester_phone.as_deref());
        w.text(&r.body);
        w.opt_text(r.assignee.as_deref());
        w.opt_date(r.extended_on);
        w.opt_text(r.extension_reason.as_deref());
        w.int(r.paused_days.into());
        w.opt_date(r.paused_since);
        w.opt_text(r.pause_reason.as_deref());
        w.date(r.due_on);
        w.date(r.internal_due_on);
        w.opt_timestamp(r.closed_at);
        w.end_row();
    }
    w.into_bytes()
}

const EVENTS: &str =
    "COPY request_events (request_id, effective_at, actor, actor_client, action, details) FROM STDIN";

/// The events as COPY data. `recorded_at` is the column's default, the transaction's time (as
/// the stamp trigger sets it anyway for anyone but the schema's owner): events of a bulk intake
/// are recorded now.
pub fn encode_events(events: &[NewEvent]) -> Vec<u8> {
    let mut w = CopyText::with_capacity(events.len() * 96);
    for e in events {
        debug_assert!(e.recorded_at.is_none(), "the bulk path records events now");
        w.int(e.request_id);
        w.timestamp(e.effective_at);
        w.text(&e.actor);
        w.opt_text(e.actor_client.as_deref());
        w.text(e.action);
        w.text(&e.details.to_string());
        w.end_row();
    }
    w.into_bytes()
}

/// Send COPY data in pieces, so the server works on the first while the rest arrives.
async fn copy(conn: &mut PgConnection, statement: &'static str, data: &[u8]) -> Result<u64> {
    if data.is_empty() {
        return Ok(0);
    }
    let mut copy = conn.copy_in_raw(statement).await?;
    for piece in data.chunks(1 << 20) {
        copy.send(piece).await?;
    }
    Ok(copy.finish().await?)
}

/// Write requests (ids set) and then their events, in the caller's transaction. A request whose
/// external id another transaction stored meanwhile fails the whole COPY with a unique violation:
/// the caller decides (intake falls back to the statement path, which skips such rows).
pub async fn copy_requests_with_events(
    conn: &mut PgConnection,
    requests: &[RequestRecord],
    events: &[NewEvent],
) -> Result<()> {
    copy(conn, REQUESTS, &encode_requests(requests)).await?;
    copy(conn, EVENTS, &encode_events(events)).await?;
    Ok(())
}
