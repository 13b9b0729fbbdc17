//! The outbox: replies stored in the transaction that decided them, delivered later over SMTP.
//!
//! `enqueue` is called inside the reply's transaction (the request's change, its event and the
//! outbox row commit together). `build_message` turns a stored row into the exact message that is
//! sent, so a preview built from it shows what the subject will receive. The sender's SQL (claim,
//! outcome, reconcile, resolve) is here too; the delivery pass is `crate::service::outbox`.

use crate::error::{Error, Result};
use crate::store::requests::{NewEvent, insert_events};
use chrono::{DateTime, Utc};
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgPool};

/// A file sent with a reply (an access copy, a portability bundle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// A reply to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutgoing {
    pub request_id: i64,
    /// What the reply is for (the template's purpose: `acknowledgement`, `access_copy`, ...).
    pub purpose: String,
    pub language: String,
    pub from_name: String,
    pub from_address: String,
    pub to_name: Option<String>,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    /// The reply or an attachment holds the subject's personal data: refused by the database
    /// unless the requester's identity is verified (Art. 12(6)).
    pub carries_data: bool,
    pub attachments: Vec<NewAttachment>,
    /// Who queued it (the operator).
    pub queued_by: String,
}

/// What `enqueue` stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueuedMessage {
    pub id: i64,
    pub message_id: String,
}

/// Where a message is on its way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OutboxState {
    Queued,
    Sending,
    Sent,
    Retry,
    Failed,
    Uncertain,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Retry => "retry",
            OutboxState::Failed => "failed",
            OutboxState::Uncertain => "uncertain",
        }
    }

    /// Failed and uncertain messages wait for the operator.
    pub fn needs_attention(self) -> bool {
        matches!(self, OutboxState::Failed | OutboxState::Uncertain)
    }
}

impl std::fmt::Display for OutboxState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! outbox_columns {
    () => {
        "id, request_id, message_id, purpose, language, from_name, from_address, to_name, \
         to_address, subject, body, carries_data, state, attempts, next_attempt_at, \
         attempt_started_at, lease_until, last_error, sent_at, queued_by, queued_at, resolved_by, \
         resolved_at, smtp_reply"
    };
}

/// One stored message.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct OutboxRecord {
    pub id: i64,
    pub request_id: i64,
    pub message_id: String,
    pub purpose: String,
    pub language: String,
    pub from_name: String,
    pub from_address: String,
    pub to_name: Option<String>,
    pub to_address: String,
    pub subject: String,
    pub body: String,
    pub carries_data: bool,
    pub state: OutboxState,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub attempt_started_at: Option<DateTime<Utc>>,
    pub lease_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub queued_by: String,
    pub queued_at: DateTime<Utc>,
    pub resolved_by: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// The SMTP server's reply to the end of data when it took the message (its queue id).
    pub smtp_reply: Option<String>,
}

/// One stored attachment.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttachmentRecord {
    pub id: i64,
    pub outbox_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub sha256: String,
}

/// A message as the request's detail, `dsrdesk outbox list` and `dsrdesk list` show it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct OutboxSummary {
    pub id: i64,
    pub reference: String,
    pub message_id: String,
    pub purpose: String,
    pub to_address: String,
    pub subject: String,
    pub state: OutboxState,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub queued_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    /// The SMTP server's reply when it took the message ("250 2.0.0 Ok: queued as ...").
    pub smtp_reply: Option<String>,
}

/// Refuse anything in header material that could end the header line or hide in a terminal.
fn check_header_text(field: &str, value: &str) -> Result<()> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(Error::Invalid(format!(
            "{field}: contains the control character {:?}; a header is one line of text (refused: \
             it could inject a header)",
            c
        )));
    }
    Ok(())
}

/// A single plain address (`anna@example.se`): no display name, no list, no comment.
fn parse_address(field: &str, value: &str) -> Result<lettre::Address> {
    check_header_text(field, value)?;
    let invalid =
        |why: String| Error::Invalid(format!("{field}: {value:?} is not a single e-mail address ({why})"));
    if value.trim() != value || value.is_empty() {
        return Err(invalid("surrounding spaces or empty".into()));
    }
    if !email_address::EmailAddress::is_valid(value) {
        return Err(invalid("not an addr-spec".into()));
    }
    if value.contains(['<', '>', ',', ';', '"', '(', ')', ' ']) {
        return Err(invalid("only the plain address, without a name or list".into()));
    }
    // The same rule as intake and rectification (Issue 14 §5): what those accept is sendable here.
    crate::domain::intake::validate_email(value).map_err(|why| Error::Invalid(format!("{field}: {why}")))?;
    value.parse::<lettre::Address>().map_err(|e| invalid(e.to_string()))
}

/// Check a reply before it is stored: the addresses, header injection, attachments.
pub fn validate(message: &NewOutgoing) -> Result<()> {
    parse_address("from_address", &message.from_address)?;
    parse_address("to_address", &message.to_address)?;
    check_header_text("from_name", &message.from_name)?;
    if let Some(name) = &message.to_name {
        check_header_text("to_name", name)?;
    }
    check_header_text("subject", &message.subject)?;
    if message.subject.trim().is_empty() {
        return Err(Error::Invalid("subject: a reply needs a subject".into()));
    }
    for (field, value) in
        [("purpose", &message.purpose), ("language", &message.language), ("queued_by", &message.queued_by)]
    {
        check_header_text(field, value)?;
        if value.trim().is_empty() {
            return Err(Error::Invalid(format!("{field}: cannot be empty")));
        }
    }
    if let Some(c) = message.body.chars().find(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(Error::Invalid(format!("body: contains the control character {c:?}")));
    }
    if !message.attachments.is_empty() && !message.carries_data {
        return Err(Error::Invalid(
            "attachments: a reply with an attachment carries data (set carries_data)".into(),
        ));
    }
    for a in &message.attachments {
        check_header_text("attachment file_name", &a.file_name)?;
        if a.file_name.is_empty() || a.file_name.contains(['/', '\\']) {
            return Err(Error::Invalid(format!(
                "attachment file_name: {:?} must be a plain file name",
                a.file_name
            )));
        }
        ContentType::parse(&a.content_type).map_err(|e| {
            Error::Invalid(format!("attachment {:?}: content type {:?}: {e}", a.file_name, a.content_type))
        })?;
    }
    Ok(())
}

/// `<uuid@domain-of-from>`: unique, and stable across attempts and resends.
pub fn new_message_id(from_address: &str) -> Result<String> {
    let address = parse_address("from_address", from_address)?;
    Ok(format!("<{}@{}>", uuid::Uuid::new_v4(), address.domain()))
}

/// Hex SHA-256, as stored beside each attachment.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Queue a reply inside the caller's transaction, with its `outbox_queued` event. Validated
/// first; the database refuses a data-carrying reply for an unverified requester.
pub async fn enqueue(
    conn: &mut PgConnection,
    message: &NewOutgoing,
    at: DateTime<Utc>,
) -> Result<QueuedMessage> {
    validate(message)?;
    let message_id = new_message_id(&message.from_address)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (request_id, message_id, purpose, language, from_name, from_address,
            to_name, to_address, subject, body, carries_data, state, next_attempt_at, queued_by, queued_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'queued', $12, $13, $12)
         RETURNING id",
    )
    .bind(message.request_id)
    .bind(&message_id)
    .bind(&message.purpose)
    .bind(&message.language)
    .bind(&message.from_name)
    .bind(&message.from_address)
    .bind(&message.to_name)
    .bind(&message.to_address)
    .bind(&message.subject)
    .bind(&message.body)
    .bind(message.carries_data)
    .bind(at)
    .bind(&message.queued_by)
    .fetch_one(&mut *conn)
    .await?;
    let mut files = Vec::new();
    for a in &message.attachments {
        let digest = sha256_hex(&a.content);
        sqlx::query(
            "INSERT INTO outbox_attachments (outbox_id, file_name, content_type, content, sha256)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(&a.file_name)
        .bind(&a.content_type)
        .bind(&a.content)
        .bind(&digest)
        .execute(&mut *conn)
        .await?;
        files.push(json!({"file_name": a.file_name, "bytes": a.content.len(), "sha256": digest}));
    }
    let event = NewEvent {
        request_id: message.request_id,
        effective_at: at,
        recorded_at: None,
        actor: message.queued_by.clone(),
        actor_client: None,
        action: "outbox_queued",
        details: json!({
            "outbox_id": id,
            "message_id": message_id,
            "purpose": message.purpose,
            "language": message.language,
            "to": message.to_address,
            "subject": message.subject,
            "carries_data": message.carries_data,
            "attachments": files,
        }),
    };
    insert_events(conn, &[event]).await?;
    Ok(QueuedMessage { id, message_id })
}

/// The exact message sent for a stored row: the sender and the preview both build it here.
/// `date` is the Date header (the sender uses the time the reply was queued, so every attempt and
/// a resend carry the same message).
pub fn build_message(
    row: &OutboxRecord,
    attachments: &[AttachmentRecord],
    date: DateTime<Utc>,
) -> Result<Message> {
    let from = Mailbox::new(
        Some(row.from_name.clone()).filter(|n| !n.is_empty()),
        parse_address("from_address", &row.from_address)?,
    );
    let to = Mailbox::new(
        row.to_name.clone().filter(|n| !n.is_empty()),
        parse_address("to_address", &row.to_address)?,
    );
    check_header_text("subject", &row.subject)?;
    let builder = Message::builder().from(from).to(to);
    let builder = match folded_subject(&row.subject) {
        Some(encoded) => builder.raw_header(lettre::message::header::HeaderValue::dangerous_new_pre_encoded(
            lettre::message::header::HeaderName::new_from_ascii_str("Subject"),
            row.subject.clone(),
            encoded,
        )),
        None => builder.subject(row.subject.clone()),
    };
    let builder = builder.date(date.into()).message_id(Some(row.message_id.clone()));
    let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(row.body.clone());
    let built = if attachments.is_empty() {
        builder.singlepart(text)
    } else {
        let mut parts = MultiPart::mixed().singlepart(text);
        for a in attachments {
            let content_type = ContentType::parse(&a.content_type)
                .map_err(|e| Error::Invalid(format!("attachment {:?}: {e}", a.file_name)))?;
            parts =
                parts.singlepart(Attachment::new(a.file_name.clone()).body(a.content.clone(), content_type));
        }
        builder.multipart(parts)
    };
    built.map_err(|e| Error::Invalid(format!("outbox message {}: cannot build the e-mail: {e}", row.id)))
}

/// RFC 5322 §2.1.1: a line is at most 998 octets and SHOULD be at most 78. lettre folds a header
/// only at spaces, so a subject with one long run of text (20,000 characters without a space)
/// would go out as one 20,009-octet line that servers may cut or refuse. Such a subject is sent
/// instead as RFC 2047 encoded words of at most 68 characters each, one per folded line: the
/// reader's mail program joins and decodes them (RFC 2047 §6.2), so the subject arrives whole.
/// `None` when lettre's own folding keeps every line within 78 octets.
fn folded_subject(subject: &str) -> Option<String> {
    const FOLDABLE: usize = 78 - "Subject: ".len();
    if subject.split(' ').all(|word| word.len() <= FOLDABLE) {
        return None;
    }
    // 42 bytes of UTF-8 are 56 base64 characters: "=?utf-8?b?" + 56 + "?=" is 68.
    let mut words = Vec::new();
    let mut chunk_start = 0;
    let mut chunk_end = 0;
    for (i, c) in subject.char_indices() {
        if i + c.len_utf8() - chunk_start > 42 {
            words.push(&subject[chunk_start..chunk_end]);
            chunk_start = chunk_end;
        }
        chunk_end = i + c.len_utf8();
    }
    words.push(&subject[chunk_start..chunk_end]);
    Some(
        words
            .iter()
            .map(|w| format!("=?utf-8?b?{}?=", base64(w.as_bytes())))
            .collect::<Vec<_>>()
            .join("\r\n "),
    )
}

/// Standard base64 with padding (RFC 4648 §4), for the encoded words above.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let n = group.iter().enumerate().fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The headers of a built message as they go on the wire (one per line, encoded words as sent),
/// for the preview.
pub fn render_headers(message: &Message) -> String {
    message.headers().to_string().replace("\r\n", "\n")
}

pub async fn fetch(conn: &mut PgConnection, id: i64) -> Result<Option<OutboxRecord>> {
    Ok(sqlx::query_as(concat!("SELECT ", outbox_columns!(), " FROM outbox WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?)
}

pub async fn attachments_of(conn: &mut PgConnection, id: i64) -> Result<Vec<AttachmentRecord>> {
    Ok(sqlx::query_as(
        "SELECT id, outbox_id, file_name, content_type, content, sha256
         FROM outbox_attachments WHERE outbox_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?)
}

/// Take up to `limit` due messages for one attempt: each becomes `sending` with a lease, its
/// attempt counted. Several senders may run at once: `SKIP LOCKED` gives each different rows.
/// The caller commits before it talks to the SMTP server.
pub async fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<OutboxRecord>> {
    Ok(sqlx::query_as(concat!(
        "WITH due AS (
            SELECT id FROM outbox
            WHERE state IN ('queued', 'retry') AND next_attempt_at <= $1
            ORDER BY next_attempt_at, id
            LIMIT $3
            FOR UPDATE SKIP LOCKED)
         UPDATE outbox o SET state = 'sending', attempts = o.attempts + 1,
            attempt_started_at = $1, lease_until = $2
         FROM due WHERE o.id = due.id
         RETURNING ",
        "o.id, o.request_id, o.message_id, o.purpose, o.language, o.from_name, o.from_address, \
         o.to_name, o.to_address, o.subject, o.body, o.carries_data, o.state, o.attempts, \
         o.next_attempt_at, o.attempt_started_at, o.lease_until, o.last_error, o.sent_at, \
         o.queued_by, o.queued_at, o.resolved_by, o.resolved_at, o.smtp_reply"
    ))
    .bind(now)
    .bind(lease_until)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The server took it: `response` is its reply to the end of data, code and text (the
    /// evidence that it was sent, stored in `smtp_reply` and the reply_sent event).
    Sent {
        response: String,
    },
    Retry {
        error: String,
        next_attempt_at: DateTime<Utc>,
    },
    Failed {
        error: String,
    },
    /// The server's answer to the message never came: it may have been delivered.
    Uncertain {
        error: String,
    },
}

/// Record the end of an attempt with its event, if the message is still in that attempt (a
/// reconcile that found the lease expired has already made it `uncertain`). Returns whether it
/// was recorded.
pub async fn record_outcome(
    conn: &mut PgConnection,
    row: &OutboxRecord,
    outcome: &AttemptOutcome,
    at: DateTime<Utc>,
    actor: &str,
) -> Result<bool> {
    let smtp_reply = match outcome {
        AttemptOutcome::Sent { response } => Some(response.as_str()),
        _ => None,
    };
    let (state, error, next, sent_at, action) = match outcome {
        AttemptOutcome::Sent { .. } => (OutboxState::Sent, None, row.next_attempt_at, Some(at), "reply_sent"),
        AttemptOutcome::Retry { error, next_attempt_at } => {
            (OutboxState::Retry, Some(error.clone()), *next_attempt_at, None, "reply_send_retry")
        }
        AttemptOutcome::Failed { error } => {
            (OutboxState::Failed, Some(error.clone()), row.next_attempt_at, None, "reply_send_failed")
        }
        AttemptOutcome::Uncertain { error } => {
            (OutboxState::Uncertain, Some(error.clone()), row.next_attempt_at, None, "reply_uncertain")
        }
    };
    let updated = sqlx::query(
        "UPDATE outbox SET state = $3, last_error = coalesce($4, last_error), next_attempt_at = $5,
            sent_at = $6, lease_until = NULL, smtp_reply = coalesce($7, smtp_reply)
         WHERE id = $1 AND state = 'sending' AND attempts = $2",
    )
    .bind(row.id)
    .bind(row.attempts)
    .bind(state)
    .bind(&error)
    .bind(next)
    .bind(sent_at)
    .bind(smtp_reply)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    let mut details = json!({
        "outbox_id": row.id,
        "message_id": row.message_id,
        "attempt": row.attempts,
        "to": row.to_address,
    });
    match outcome {
        AttemptOutcome::Sent { response } => details["smtp_reply"] = json!(response),
        AttemptOutcome::Retry { error, next_attempt_at } => {
            details["error"] = json!(error);
            details["next_attempt_at"] = json!(next_attempt_at);
        }
        AttemptOutcome::Failed { error } | AttemptOutcome::Uncertain { error } => {
            details["error"] = json!(error)
        }
    }
    let event = NewEvent {
        request_id: row.request_id,
        effective_at: at,
        recorded_at: None,
        actor: actor.to_string(),
        actor_client: None,
        action,
        details,
    };
    insert_events(conn, &[event]).await?;
    Ok(true)
}

/// Messages found `sending` after their lease expired: the sender died between starting the
/// SMTP transaction and recording its end. They become `uncertain`, each with an event; they are
/// never sent again without the operator's decision. Returns them.
pub async fn reconcile_expired(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    actor: &str,
) -> Result<Vec<OutboxRecord>> {
    let rows: Vec<OutboxRecord> = sqlx::query_as(concat!(
        "WITH expired AS (
            SELECT id FROM outbox WHERE state = 'sending' AND lease_until < $1
            FOR UPDATE SKIP LOCKED)
         UPDATE outbox o SET state = 'uncertain', lease_until = NULL,
            last_error = 'the sender stopped during the attempt started ' || to_char(o.attempt_started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC: it may or may not have been delivered'
         FROM expired WHERE o.id = expired.id
         RETURNING ",
        "o.id, o.request_id, o.message_id, o.purpose, o.language, o.from_name, o.from_address, \
         o.to_name, o.to_address, o.subject, o.body, o.carries_data, o.state, o.attempts, \
         o.next_attempt_at, o.attempt_started_at, o.lease_until, o.last_error, o.sent_at, \
         o.queued_by, o.queued_at, o.resolved_by, o.resolved_at, o.smtp_reply"
    ))
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    let events: Vec<NewEvent> = rows
        .iter()
        .map(|r| NewEvent {
            request_id: r.request_id,
            effective_at: now,
            recorded_at: None,
            actor: actor.to_string(),
            actor_client: None,
            action: "reply_uncertain",
            details: json!({
                "outbox_id": r.id,
                "message_id": r.message_id,
                "attempt": r.attempts,
                "attempt_started_at": r.attempt_started_at,
                "error": r.last_error,
            }),
        })
        .collect();
    insert_events(conn, &events).await?;
    Ok(rows)
}

/// The operator's decision on an uncertain (or failed) message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// They checked: it arrived.
    Sent,
    /// Send it again, with the same Message-ID so mail clients de-duplicate.
    Resend,
}

/// Record the operator's decision with its event. Refused unless the message is uncertain
/// (or, for a resend, failed).
pub async fn resolve(
    conn: &mut PgConnection,
    id: i64,
    resolution: Resolution,
    actor: &str,
    actor_client: Option<String>,
    at: DateTime<Utc>,
) -> Result<OutboxRecord> {
    let row: OutboxRecord =
        sqlx::query_as(concat!("SELECT ", outbox_columns!(), " FROM outbox WHERE id = $1 FOR UPDATE"))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| Error::NotFound(format!("outbox message {id}")))?;
    let allowed = match resolution {
        Resolution::Sent => row.state == OutboxState::Uncertain,
        Resolution::Resend => matches!(row.state, OutboxState::Uncertain | OutboxState::Failed),
    };
    if !allowed {
        let what = match resolution {
            Resolution::Sent => "only an uncertain message can be marked sent",
            Resolution::Resend => "only an uncertain or failed message can be sent again",
        };
        return Err(Error::rule(format!("outbox message {id}"), format!("it is {}: {what}", row.state)));
    }
    let (state, action) = match resolution {
        Resolution::Sent => (OutboxState::Sent, "reply_resolved_sent"),
        Resolution::Resend => (OutboxState::Queued, "reply_resend"),
    };
    let updated: OutboxRecord = sqlx::query_as(concat!(
        "UPDATE outbox SET state = $2, resolved_by = $3, resolved_at = $4,
            sent_at = CASE WHEN $2 = 'sent' THEN $4 ELSE NULL END,
            next_attempt_at = CASE WHEN $2 = 'queued' THEN $4 ELSE next_attempt_at END
         WHERE id = $1 RETURNING ",
        outbox_columns!()
    ))
    .bind(id)
    .bind(state)
    .bind(actor)
    .bind(at)
    .fetch_one(&mut *conn)
    .await?;
    let event = NewEvent {
        request_id: row.request_id,
        effective_at: at,
        recorded_at: None,
        actor: actor.to_string(),
        actor_client,
        action,
        details: json!({
            "outbox_id": row.id,
            "message_id": row.message_id,
            "was": row.state,
            "last_error": row.last_error,
        }),
    };
    insert_events(conn, &[event]).await?;
    Ok(updated)
}

macro_rules! summary_select {
    () => {
        "SELECT o.id, r.reference, o.message_id, o.purpose, o.to_address, o.subject, o.state,
            o.attempts, o.next_attempt_at, o.last_error, o.queued_at, o.sent_at, o.resolved_by,
            o.smtp_reply
         FROM outbox o JOIN requests r ON r.id = o.request_id "
    };
}

/// The messages of one request, oldest first.
pub async fn summaries_of_request(conn: &mut PgConnection, request_id: i64) -> Result<Vec<OutboxSummary>> {
    Ok(sqlx::query_as(concat!(summary_select!(), "WHERE o.request_id = $1 ORDER BY o.id"))
        .bind(request_id)
        .fetch_all(conn)
        .await?)
}

/// Failed and uncertain messages (the partial index `outbox_attention` answers it), newest first.
pub async fn needing_attention(pool: &PgPool, limit: i64) -> Result<Vec<OutboxSummary>> {
    Ok(sqlx::query_as(concat!(
        summary_select!(),
        "WHERE o.state IN ('failed', 'uncertain') ORDER BY o.id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

/// All messages, or only those that wait for the operator, newest first.
pub async fn list(pool: &PgPool, attention_only: bool, limit: i64) -> Result<Vec<OutboxSummary>> {
    if attention_only {
        return needing_attention(pool, limit).await;
    }
    Ok(sqlx::query_as(concat!(summary_select!(), "ORDER BY o.id DESC LIMIT $1"))
        .bind(limit)
        .fetch_all(pool)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_test_vectors() {
        // RFC 4648 §10.
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn a_subject_of_20000_characters_without_a_space_is_folded_within_78_octets() {
        // RFC 5322 §2.1.1: at most 998 octets a line, 78 recommended.
        let subject = "Å".repeat(7_000) + &"x".repeat(13_000);
        let folded = folded_subject(&subject).expect("too long to leave to lettre");
        for line in format!("Subject: {folded}").split("\r\n") {
            assert!(line.len() <= 78, "{} octets: {line}", line.len());
        }
        assert_eq!(folded_subject("Ert ärende DSR-2026-000001: registerutdrag"), None);
    }
}
