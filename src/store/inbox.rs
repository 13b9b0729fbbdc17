//! SQL for the inbox (migration 0023): arrived messages, their attachments, links to requests,
//! their history, and how far each IMAP mailbox has been read.

use crate::domain::Jurisdiction;
use crate::error::Result;
use crate::mail::inbox::parse::ParsedAttachment;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sqlx::PgConnection;

/// A message to store, as fetched and parsed.
#[derive(Debug, Clone)]
pub struct NewInboxMessage {
    pub mailbox: String,
    pub jurisdiction: Jurisdiction,
    pub uid_validity: Option<i64>,
    pub uid: Option<i64>,
    pub maildir_key: Option<String>,
    pub raw: Vec<u8>,
    pub sha256: String,
    pub size: i64,
    pub too_large: bool,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    pub from_name: Option<String>,
    pub from_address: Option<String>,
    pub reply_to: Option<String>,
    pub to_addresses: Option<String>,
    pub subject: Option<String>,
    pub sent_date: Option<DateTime<Utc>>,
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub body_text: String,
    pub parse_notes: Vec<String>,
}

/// A stored message, without its raw bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct InboxRecord {
    pub id: i64,
    pub mailbox: String,
    pub jurisdiction: Jurisdiction,
    pub sha256: String,
    pub size: i64,
    pub too_large: bool,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    pub from_name: Option<String>,
    pub from_address: Option<String>,
    pub reply_to: Option<String>,
    pub to_addresses: Option<String>,
    pub subject: Option<String>,
    pub sent_date: Option<DateTime<Utc>>,
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub body_text: String,
    pub parse_notes: Vec<String>,
    pub state: String,
    pub not_a_request_reason: Option<String>,
    pub version: i32,
}

macro_rules! inbox_columns {
    () => {
        "id, mailbox, jurisdiction, sha256, size, too_large, received_at, received_on, from_name,
         from_address, reply_to, to_addresses, subject, sent_date, message_id, in_reply_to,
         \"references\" AS references, body_text, parse_notes, state, not_a_request_reason, version"
    };
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct AttachmentRecord {
    pub id: i64,
    pub position: i32,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

/// A request a message belongs to.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct LinkRecord {
    pub reference: String,
    pub role: String,
}

/// Store an arrival; `None` when it was already taken (the same UID, Maildir name or bytes).
pub async fn insert_message(conn: &mut PgConnection, m: &NewInboxMessage) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "INSERT INTO inbox_messages (mailbox, jurisdiction, uid_validity, uid, maildir_key, raw, sha256, size,
             too_large, received_at, received_on, from_name, from_address, reply_to, to_addresses, subject,
             sent_date, message_id, in_reply_to, \"references\", body_text, parse_notes)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
         ON CONFLICT DO NOTHING
         RETURNING id",
    )
    .bind(&m.mailbox)
    .bind(m.jurisdiction)
    .bind(m.uid_validity)
    .bind(m.uid)
    .bind(&m.maildir_key)
    .bind(&m.raw)
    .bind(&m.sha256)
    .bind(m.size)
    .bind(m.too_large)
    .bind(m.received_at)
    .bind(m.received_on)
    .bind(&m.from_name)
    .bind(&m.from_address)
    .bind(&m.reply_to)
    .bind(&m.to_addresses)
    .bind(&m.subject)
    .bind(m.sent_date)
    .bind(&m.message_id)
    .bind(&m.in_reply_to)
    .bind(&m.references)
    .bind(&m.body_text)
    .bind(&m.parse_notes)
    .fetch_optional(conn)
    .await?)
}

pub async fn insert_attachments(
    conn: &mut PgConnection,
    message_id: i64,
    items: &[ParsedAttachment],
) -> Result<()> {
    for (position, a) in items.iter().enumerate() {
        sqlx::query(
            "INSERT INTO inbox_attachments (message_id, position, file_name, content_type, size, sha256, content)
             VALUES ($1, $2, $3, $4, $5, encode(sha256($6), 'hex'), $6)",
        )
        .bind(message_id)
        .bind(position as i32)
        .bind(&a.file_name)
        .bind(&a.content_type)
        .bind(a.content.len() as i64)
        .bind(&a.content)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn insert_event(
    conn: &mut PgConnection,
    message_id: i64,
    actor: &str,
    actor_client: Option<&str>,
    action: &str,
    details: serde_json::Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO inbox_events (message_id, actor, actor_client, action, details) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(message_id)
    .bind(actor)
    .bind(actor_client)
    .bind(action)
    .bind(details)
    .execute(conn)
    .await?;
    Ok(())
}

/// The last UID taken from a mailbox under this UIDVALIDITY (0: none yet).
pub async fn cursor(conn: &mut PgConnection, mailbox: &str, uid_validity: i64) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT last_uid FROM inbox_cursors WHERE mailbox = $1 AND uid_validity = $2")
        .bind(mailbox)
        .bind(uid_validity)
        .fetch_optional(conn)
        .await?
        .unwrap_or(0))
}

pub async fn advance_cursor(
    conn: &mut PgConnection,
    mailbox: &str,
    uid_validity: i64,
    uid: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO inbox_cursors (mailbox, uid_validity, last_uid) VALUES ($1, $2, $3)
         ON CONFLICT (mailbox, uid_validity) DO UPDATE
             SET last_uid = greatest(inbox_cursors.last_uid, EXCLUDED.last_uid)",
    )
    .bind(mailbox)
    .bind(uid_validity)
    .bind(uid)
    .execute(conn)
    .await?;
    Ok(())
}

/// The Maildir names already taken from a mailbox.
pub async fn maildir_keys(
    conn: &mut PgConnection,
    mailbox: &str,
) -> Result<std::collections::HashSet<String>> {
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT maildir_key FROM inbox_messages WHERE mailbox = $1 AND maildir_key IS NOT NULL",
    )
    .bind(mailbox)
    .fetch_all(conn)
    .await?;
    Ok(keys.into_iter().collect())
}

/// Whether these bytes were already taken (from any mailbox).
pub async fn sha256_taken(conn: &mut PgConnection, sha256: &str) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM inbox_messages WHERE sha256 = $1)")
        .bind(sha256)
        .fetch_one(conn)
        .await?)
}

/// The open request one of our sent mails belongs to, by its Message-ID.
pub async fn request_of_outbox_message(
    conn: &mut PgConnection,
    message_ids: &[String],
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT r.reference FROM outbox o JOIN requests r ON r.id = o.request_id
         WHERE o.message_id = ANY($1) ORDER BY o.id DESC LIMIT 1",
    )
    .bind(message_ids)
    .fetch_optional(conn)
    .await?)
}

pub async fn request_id_of(conn: &mut PgConnection, reference: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM requests WHERE reference = $1")
        .bind(reference)
        .fetch_optional(conn)
        .await?)
}

pub async fn link(conn: &mut PgConnection, message_id: i64, request_id: i64, role: &str) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO inbox_message_requests (message_id, request_id, role) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(message_id)
    .bind(request_id)
    .bind(role)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_state(conn: &mut PgConnection, id: i64, state: &str, reason: Option<&str>) -> Result<()> {
    // Without a reason only `state` is written: the worker (threading) may update that column only.
    let sql = match reason {
        Some(_) => "UPDATE inbox_messages SET state = $2, not_a_request_reason = $3 WHERE id = $1",
        None => "UPDATE inbox_messages SET state = $2 WHERE id = $1 AND $3::text IS NULL",
    };
    sqlx::query(sql).bind(id).bind(state).bind(reason).execute(conn).await?;
    Ok(())
}

pub async fn lock(conn: &mut PgConnection, id: i64) -> Result<Option<InboxRecord>> {
    Ok(sqlx::query_as(concat!("SELECT ", inbox_columns!(), " FROM inbox_messages WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

pub async fn get(conn: &mut PgConnection, id: i64) -> Result<Option<InboxRecord>> {
    Ok(sqlx::query_as(concat!("SELECT ", inbox_columns!(), " FROM inbox_messages WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

pub async fn raw(conn: &mut PgConnection, id: i64) -> Result<Option<Vec<u8>>> {
    Ok(sqlx::query_scalar("SELECT raw FROM inbox_messages WHERE id = $1")
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

/// Messages not yet handled, oldest arrival first.
pub async fn waiting(conn: &mut PgConnection, limit: i64, offset: i64) -> Result<Vec<InboxRecord>> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        inbox_columns!(),
        " FROM inbox_messages WHERE state = 'new' ORDER BY received_at, id LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?)
}

/// How many wait, and when the oldest arrived: the count the database keeps (migration 0050), the
/// oldest from the waiting messages' index.
pub async fn waiting_summary(conn: &mut PgConnection) -> Result<(i64, Option<DateTime<Utc>>)> {
    Ok(sqlx::query_as(
        "SELECT (SELECT coalesce(sum(n), 0) FROM inbox_waiting_counts)::bigint,
                (SELECT min(received_at) FROM inbox_messages WHERE state = 'new')",
    )
    .fetch_one(conn)
    .await?)
}

/// The same count by reading every waiting message: the reference the kept count is tested against.
pub async fn waiting_count_by_scan(conn: &mut PgConnection) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM inbox_messages WHERE state = 'new'").fetch_one(conn).await?)
}

/// Fold the waiting count's rows into one when more than `threshold` have piled up (migration
/// 0050: as the schema's owner, one session at a time; rows appended meanwhile are kept).
pub async fn fold_waiting_counts(pool: &sqlx::PgPool, threshold: i64) -> Result<()> {
    sqlx::query("SELECT dsrdesk_fold_inbox_waiting_counts($1)").bind(threshold).execute(pool).await?;
    Ok(())
}

pub async fn attachments(conn: &mut PgConnection, message_id: i64) -> Result<Vec<AttachmentRecord>> {
    Ok(sqlx::query_as(
        "SELECT id, position, file_name, content_type, size, sha256 FROM inbox_attachments
         WHERE message_id = $1 ORDER BY position",
    )
    .bind(message_id)
    .fetch_all(conn)
    .await?)
}

/// The attachments of several messages at once (the inbox screen's page), by message.
pub async fn attachments_of(
    conn: &mut PgConnection,
    message_ids: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<AttachmentRecord>>> {
    let rows: Vec<(i64, i64, i32, String, String, i64, String)> = sqlx::query_as(
        "SELECT message_id, id, position, file_name, content_type, size, sha256 FROM inbox_attachments
         WHERE message_id = ANY($1) ORDER BY message_id, position",
    )
    .bind(message_ids)
    .fetch_all(conn)
    .await?;
    let mut by_message: std::collections::HashMap<i64, Vec<AttachmentRecord>> =
        std::collections::HashMap::new();
    for (message_id, id, position, file_name, content_type, size, sha256) in rows {
        by_message.entry(message_id).or_default().push(AttachmentRecord {
            id,
            position,
            file_name,
            content_type,
            size,
            sha256,
        });
    }
    Ok(by_message)
}

pub async fn links(conn: &mut PgConnection, message_id: i64) -> Result<Vec<LinkRecord>> {
    Ok(sqlx::query_as(
        "SELECT r.reference, l.role FROM inbox_message_requests l JOIN requests r ON r.id = l.request_id
         WHERE l.message_id = $1 ORDER BY r.reference",
    )
    .bind(message_id)
    .fetch_all(conn)
    .await?)
}

/// The messages that belong to a request, in order of arrival.
pub async fn messages_of_request(conn: &mut PgConnection, request_id: i64) -> Result<Vec<InboxRecord>> {
    Ok(sqlx::query_as(concat!(
        "SELECT ",
        inbox_columns!(),
        " FROM inbox_messages WHERE id IN (SELECT message_id FROM inbox_message_requests WHERE request_id = $1)
          ORDER BY received_at, id"
    ))
    .bind(request_id)
    .fetch_all(conn)
    .await?)
}

/// Other messages with the same Message-ID (a resent or copied mail).
pub async fn same_message_id(conn: &mut PgConnection, id: i64, message_id: &str) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM inbox_messages WHERE message_id = $1 AND id <> $2 ORDER BY id")
        .bind(message_id)
        .bind(id)
        .fetch_all(conn)
        .await?)
}

/// Open requests of the same kind from the same personal number (a likely duplicate).
pub async fn open_requests_by_number(
    conn: &mut PgConnection,
    number: &str,
    kind: crate::domain::RequestKind,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT reference FROM requests
         WHERE requester_personal_number = $1 AND kind = $2
           AND status IN ('new', 'in_progress', 'awaiting_information')
         ORDER BY reference",
    )
    .bind(number)
    .bind(kind)
    .fetch_all(conn)
    .await?)
}

/// Open requests of the same kind from the same e-mail address (a likely duplicate).
pub async fn open_requests_from(
    conn: &mut PgConnection,
    email: &str,
    kind: crate::domain::RequestKind,
) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT reference FROM requests
         WHERE lower(requester_email) = lower($1) AND kind = $2
           AND status IN ('new', 'in_progress', 'awaiting_information')
         ORDER BY reference",
    )
    .bind(email)
    .bind(kind)
    .fetch_all(conn)
    .await?)
}
