//! The inbox's use cases: take an arrived message in (and thread it onto its request), list what
//! waits, make requests from a message, attach it to a request, set it aside. Each is one
//! transaction with its events.

use super::{Desk, Operator};
use crate::domain::inbox::{references_in, requester_email, would_be_due};
use crate::domain::intake::{Channel, Language, NewRequest, Requester};
use crate::domain::reference::Reference;
use crate::domain::{Jurisdiction, RequestKind};
use crate::error::{Error, Result};
use crate::mail::inbox::parse::{parse, sha256_hex};
use crate::mail::inbox::{Arrival, Origin};
use crate::store::inbox::{self as store, AttachmentRecord, InboxRecord, LinkRecord, NewInboxMessage};
use crate::store::requests::{self as requests, NewEvent, RequestRecord};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;

/// What taking in one arrival did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum TakenIn {
    /// Stored as message `id`; `threaded_to` names the request it was attached to by itself.
    Stored { id: i64, threaded_to: Option<String> },
    /// The same UID, Maildir name or bytes were already stored: nothing was added.
    AlreadyTaken,
}

/// A waiting message with its clock: its age from arrival and the due date it would have.
#[derive(Debug, Clone, Serialize)]
pub struct InboxItem {
    pub message: InboxRecord,
    pub age_days: i64,
    pub would_be_due_on: Option<NaiveDate>,
    pub days_left: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InboxDetail {
    pub item: InboxItem,
    pub attachments: Vec<AttachmentRecord>,
    pub requests: Vec<LinkRecord>,
    /// Other messages with the same Message-ID.
    pub same_message_id: Vec<i64>,
    pub language_guess: Option<Language>,
}

/// A page of the inbox with the attachments of its messages, and the count.
#[derive(Debug, Clone, Default, Serialize)]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    pub attachments: std::collections::HashMap<i64, Vec<AttachmentRecord>>,
    pub summary: InboxSummary,
}

/// One message of a request's conversation, with its attachments.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationMessage {
    pub message: InboxRecord,
    pub attachments: Vec<AttachmentRecord>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct InboxSummary {
    pub waiting: i64,
    pub oldest_received_at: Option<DateTime<Utc>>,
}

impl Desk {
    fn inbox_item(&self, message: InboxRecord, now: DateTime<Utc>) -> InboxItem {
        let j = message.jurisdiction;
        let today = j.local_date(now);
        let due = would_be_due(&self.config().calendar(j), j, message.received_at).ok().map(|(_, due)| due);
        InboxItem {
            age_days: (today - message.received_on).num_days(),
            days_left: due.map(|d| (d - today).num_days()),
            would_be_due_on: due,
            message,
        }
    }

    /// Store one arrival, exactly once, with its attachments and its `arrived` event; a reply to
    /// one of our mails or a mail naming a reference is attached to that request at once.
    pub async fn take_in(&self, operator: &Operator, arrival: &Arrival) -> Result<TakenIn> {
        Ok(self.take_in_all(operator, std::slice::from_ref(arrival)).await?.remove(0))
    }

    /// Store several arrivals in one transaction (each with its event, the IMAP cursor advanced
    /// with them): all of them or none, so a kill between batches loses and duplicates nothing,
    /// and one commit serves the batch.
    pub async fn take_in_all(&self, operator: &Operator, arrivals: &[Arrival]) -> Result<Vec<TakenIn>> {
        let mut tx = self.pool().begin().await?;
        let mut taken = Vec::with_capacity(arrivals.len());
        for arrival in arrivals {
            taken.push(self.take_in_tx(&mut tx, operator, arrival).await?);
        }
        tx.commit().await?;
        // The mailbox's name and the message ids; never the sender or the subject line.
        for (arrival, t) in arrivals.iter().zip(&taken) {
            if let TakenIn::Stored { id, threaded_to } = t {
                tracing::info!(mailbox = %arrival.mailbox, message_id = id, threaded_to = threaded_to.as_deref(), "mail taken in");
            }
        }
        Ok(taken)
    }

    async fn take_in_tx(
        &self,
        tx: &mut sqlx::PgConnection,
        operator: &Operator,
        arrival: &Arrival,
    ) -> Result<TakenIn> {
        let parsed = if arrival.too_large {
            // Headers only: what is needed to see who wrote and answer; the rest stays on the server.
            let mut p = parse(&arrival.raw);
            p.body_text.clear();
            p.attachments.clear();
            p.notes.push(format!("too large ({} bytes): kept with its header only", arrival.size));
            p
        } else {
            parse(&arrival.raw)
        };
        let (uid_validity, uid, maildir_key) = match &arrival.origin {
            Origin::Imap { uid_validity, uid } => (Some(*uid_validity as i64), Some(*uid as i64), None),
            Origin::Maildir { key } => (None, None, Some(key.clone())),
        };
        let new = NewInboxMessage {
            mailbox: arrival.mailbox.clone(),
            jurisdiction: arrival.jurisdiction,
            uid_validity,
            uid,
            maildir_key,
            sha256: sha256_hex(&arrival.raw),
            raw: arrival.raw.clone(),
            size: arrival.size as i64,
            too_large: arrival.too_large,
            received_at: arrival.received_at,
            received_on: arrival.jurisdiction.local_date(arrival.received_at),
            from_name: parsed.from_name,
            from_address: parsed.from_address,
            reply_to: parsed.reply_to,
            to_addresses: parsed.to_addresses,
            subject: parsed.subject,
            sent_date: parsed.sent_date,
            message_id: parsed.message_id,
            in_reply_to: parsed.in_reply_to,
            references: parsed.references,
            body_text: parsed.body_text,
            parse_notes: parsed.notes,
        };
        let id = store::insert_message(tx, &new).await?;
        if let (Some(v), Some(u)) = (uid_validity, uid) {
            store::advance_cursor(tx, &new.mailbox, v, u).await?;
        }
        let Some(id) = id else {
            return Ok(TakenIn::AlreadyTaken);
        };
        store::insert_attachments(tx, id, &parsed.attachments).await?;
        store::insert_event(
            tx,
            id,
            &operator.user,
            operator.client.as_deref(),
            "arrived",
            json!({"mailbox": new.mailbox, "received_at": new.received_at, "size": new.size, "too_large": new.too_large}),
        )
        .await?;
        // Threading: our own Message-ID in In-Reply-To/References first, then a reference in the subject.
        let ours: Vec<String> = new.in_reply_to.iter().chain(new.references.iter()).cloned().collect();
        let mut target =
            if ours.is_empty() { None } else { store::request_of_outbox_message(tx, &ours).await? };
        if target.is_none() {
            for reference in references_in(new.subject.as_deref().unwrap_or("")) {
                if store::request_id_of(tx, &reference).await?.is_some() {
                    target = Some(reference);
                    break;
                }
            }
        }
        if let Some(reference) = &target {
            self.attach_in(tx, operator, id, reference, "attached_automatically", arrival.received_at)
                .await?;
        }
        Ok(TakenIn::Stored { id, threaded_to: target })
    }

    /// Link a message to a request with both histories told; a paused request is marked
    /// "information arrived" (Art. 12(6)): resuming then takes the message's arrival time.
    async fn attach_in(
        &self,
        tx: &mut sqlx::PgConnection,
        operator: &Operator,
        message_id: i64,
        reference: &str,
        how: &'static str,
        received_at: DateTime<Utc>,
    ) -> Result<()> {
        let request = requests::lock_by_reference(tx, reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.to_string()))?;
        let message = store::lock(tx, message_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("inbox message {message_id}")))?;
        if !store::link(tx, message_id, request.id, "attached").await? {
            return Err(Error::rule(reference, format!("inbox message {message_id} already belongs to it")));
        }
        let information_arrived = request.paused_since.is_some_and(|since| message.received_on >= since);
        if message.state != "made_request" {
            store::set_state(tx, message_id, "attached", None).await?;
        }
        store::insert_event(
            tx,
            message_id,
            &operator.user,
            operator.client.as_deref(),
            how,
            json!({"reference": reference}),
        )
        .await?;
        let event = operator.event(
            request.id,
            received_at,
            "message_received",
            json!({"inbox_message": message_id, "how": how, "information_arrived": information_arrived,
                   "received_at": received_at}),
        );
        requests::insert_events(tx, &[event]).await?;
        Ok(())
    }

    /// The waiting messages, oldest first.
    pub async fn inbox(&self, limit: i64, offset: i64, now: DateTime<Utc>) -> Result<Vec<InboxItem>> {
        let mut conn = self.pool().acquire().await?;
        let rows = store::waiting(&mut conn, limit, offset).await?;
        Ok(rows.into_iter().map(|m| self.inbox_item(m, now)).collect())
    }

    pub async fn inbox_summary(&self) -> Result<InboxSummary> {
        let mut conn = self.pool().acquire().await?;
        let (waiting, oldest_received_at) = store::waiting_summary(&mut conn).await?;
        Ok(InboxSummary { waiting, oldest_received_at })
    }

    pub async fn inbox_message(&self, id: i64, now: DateTime<Utc>) -> Result<InboxDetail> {
        let mut conn = self.pool().acquire().await?;
        let message =
            store::get(&mut conn, id).await?.ok_or_else(|| Error::NotFound(format!("inbox message {id}")))?;
        let same_message_id = match &message.message_id {
            Some(mid) => store::same_message_id(&mut conn, id, mid).await?,
            None => Vec::new(),
        };
        let language_guess = crate::domain::inbox::guess_language(&message.body_text);
        Ok(InboxDetail {
            attachments: store::attachments(&mut conn, id).await?,
            requests: store::links(&mut conn, id).await?,
            same_message_id,
            language_guess,
            item: self.inbox_item(message, now),
        })
    }

    /// The message's bytes as they arrived (evidence; never interpreted here).
    pub async fn inbox_raw(&self, id: i64) -> Result<Vec<u8>> {
        let mut conn = self.pool().acquire().await?;
        store::raw(&mut conn, id).await?.ok_or_else(|| Error::NotFound(format!("inbox message {id}")))
    }

    /// Likely duplicates of requests of these kinds from this message: open requests of the same
    /// kind from the same address, and requests made from another copy (same Message-ID).
    pub async fn inbox_duplicates(&self, id: i64, kinds: &[RequestKind]) -> Result<Vec<String>> {
        let mut conn = self.pool().acquire().await?;
        let message =
            store::get(&mut conn, id).await?.ok_or_else(|| Error::NotFound(format!("inbox message {id}")))?;
        let mut warnings = Vec::new();
        if let Some(email) = requester_email(message.from_address.as_deref(), message.reply_to.as_deref()) {
            for kind in kinds {
                for reference in store::open_requests_from(&mut conn, email, *kind).await? {
                    warnings.push(format!("{reference} is an open {kind} request from {email}"));
                }
            }
        }
        if let Some(mid) = &message.message_id {
            for other in store::same_message_id(&mut conn, id, mid).await? {
                for link in store::links(&mut conn, other).await? {
                    warnings.push(format!(
                        "{} was made from message {other}, which has the same Message-ID",
                        link.reference
                    ));
                }
            }
        }
        Ok(warnings)
    }

    /// Likely duplicates of a request entered by hand: open requests of the same kind from the
    /// same e-mail address or personal number.
    pub async fn new_request_duplicates(&self, n: &NewRequest) -> Result<Vec<String>> {
        let mut conn = self.pool().acquire().await?;
        let mut warnings = Vec::new();
        if let Some(email) = &n.requester.email {
            for reference in store::open_requests_from(&mut conn, email, n.kind).await? {
                warnings.push(format!("{reference} is an open {} request from {email}", n.kind));
            }
        }
        if let Some(number) = &n.requester.personal_number {
            for reference in store::open_requests_by_number(&mut conn, number, n.kind).await? {
                let masked = crate::domain::identity::mask_personal_number(number);
                let line = format!("{reference} is an open {} request from {masked}", n.kind);
                if !warnings.iter().any(|w| w.starts_with(&reference)) {
                    warnings.push(line);
                }
            }
        }
        Ok(warnings)
    }

    /// Make one request per kind from a message (several rights asked in one mail become several
    /// requests). Art. 12(3): received_at is the message's arrival, not now; the jurisdiction is
    /// the mailbox's controller; the message is each request's original.
    pub async fn make_requests(
        &self,
        operator: &Operator,
        id: i64,
        kinds: &[RequestKind],
        language: Option<Language>,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        if kinds.is_empty() {
            return Err(Error::Invalid("name at least one kind (access, erasure, ...)".into()));
        }
        let mut tx = self.pool().begin().await?;
        let message =
            store::lock(&mut tx, id).await?.ok_or_else(|| Error::NotFound(format!("inbox message {id}")))?;
        if message.state == "made_request" {
            return Err(Error::rule(format!("inbox message {id}"), "requests were already made from it"));
        }
        let email =
            requester_email(message.from_address.as_deref(), message.reply_to.as_deref()).map(str::to_string);
        if email.is_none() {
            return Err(Error::rule(
                format!("inbox message {id}"),
                "it has no usable sender address; enter it as a letter with the new-request form",
            ));
        }
        let requester = Requester { name: message.from_name.clone(), email, ..Requester::default() };
        let year = message.received_on.year();
        let mut number = requests::reserve_reference_numbers(&mut tx, year, kinds.len() as i64).await?;
        let mut records: Vec<RequestRecord> = Vec::new();
        for kind in kinds {
            let new = NewRequest {
                external_id: None,
                kind: *kind,
                jurisdiction: message.jurisdiction,
                received_at: message.received_at,
                channel: Some(Channel::Email),
                requester: requester.clone(),
                text: message.body_text.clone(),
                language: language.or_else(|| crate::domain::inbox::guess_language(&message.body_text)),
            };
            records.push(self.new_record(&new, Reference { year, number }.to_string())?);
            number += 1;
        }
        let inserted = requests::insert_requests(&mut tx, &records).await?;
        let events: Vec<NewEvent> = inserted
            .iter()
            .map(|(rid, _)| {
                operator.event(*rid, now, "received", json!({"inbox_message": id, "channel": "email"}))
            })
            .collect();
        requests::insert_events(&mut tx, &events).await?;
        for (rid, _) in &inserted {
            store::link(&mut tx, id, *rid, "original").await?;
        }
        let created: Vec<String> = inserted.into_iter().map(|(_, r)| r).collect();
        store::set_state(&mut tx, id, "made_request", None).await?;
        store::insert_event(
            &mut tx,
            id,
            &operator.user,
            operator.client.as_deref(),
            "made_request",
            json!({"requests": created}),
        )
        .await?;
        tx.commit().await?;
        requests::compact_open_counts(self.pool(), 2_000).await?;
        Ok(created)
    }

    /// Attach a message to a request by hand (the subject's answer to our question).
    pub async fn attach_message(&self, operator: &Operator, id: i64, reference: &str) -> Result<()> {
        let reference = super::normalize_reference(reference)?;
        let mut tx = self.pool().begin().await?;
        let message =
            store::lock(&mut tx, id).await?.ok_or_else(|| Error::NotFound(format!("inbox message {id}")))?;
        self.attach_in(&mut tx, operator, id, &reference, "attached", message.received_at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Not a request: set aside with the reason (kept for its own retention).
    pub async fn set_aside(&self, operator: &Operator, id: i64, reason: &str) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Error::Invalid("say why it is not a request (--reason)".into()));
        }
        let reason = crate::domain::text::escape_line(reason).into_owned();
        let mut tx = self.pool().begin().await?;
        let message =
            store::lock(&mut tx, id).await?.ok_or_else(|| Error::NotFound(format!("inbox message {id}")))?;
        if message.state != "new" {
            return Err(Error::rule(
                format!("inbox message {id}"),
                format!("it is already handled ({})", message.state),
            ));
        }
        store::set_state(&mut tx, id, "not_a_request", Some(&reason)).await?;
        store::insert_event(
            &mut tx,
            id,
            &operator.user,
            operator.client.as_deref(),
            "not_a_request",
            json!({"reason": reason}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Art. 12(6): the information asked for arrived with this message, so the clock runs again
    /// from the message's arrival, not from when someone read it.
    pub async fn resume_from_message(
        &self,
        operator: &Operator,
        reference: &str,
        id: i64,
    ) -> Result<RequestRecord> {
        let reference = super::normalize_reference(reference)?;
        let (message, links) = {
            let mut conn = self.pool().acquire().await?;
            let m = store::get(&mut conn, id)
                .await?
                .ok_or_else(|| Error::NotFound(format!("inbox message {id}")))?;
            (m, store::links(&mut conn, id).await?)
        };
        if !links.iter().any(|l| l.reference == reference) {
            return Err(Error::rule(&reference, format!("inbox message {id} is not attached to it")));
        }
        self.resume(operator, &reference, None, message.received_at).await
    }

    /// What the inbox screen shows: the oldest `limit` waiting messages, their attachments, the count.
    pub async fn inbox_page(&self, limit: i64, now: DateTime<Utc>) -> Result<InboxPage> {
        let mut conn = self.pool().acquire().await?;
        let rows = store::waiting(&mut conn, limit, 0).await?;
        let ids: Vec<i64> = rows.iter().map(|m| m.id).collect();
        let attachments = store::attachments_of(&mut conn, &ids).await?;
        let (waiting, oldest_received_at) = store::waiting_summary(&mut conn).await?;
        Ok(InboxPage {
            items: rows.into_iter().map(|m| self.inbox_item(m, now)).collect(),
            attachments,
            summary: InboxSummary { waiting, oldest_received_at },
        })
    }

    /// A request's messages in, oldest first, with their attachments (the detail's conversation).
    pub async fn conversation(&self, reference: &str) -> Result<Vec<ConversationMessage>> {
        let messages = self.request_messages(reference).await?;
        let mut conn = self.pool().acquire().await?;
        let ids: Vec<i64> = messages.iter().map(|m| m.id).collect();
        let mut attachments = store::attachments_of(&mut conn, &ids).await?;
        Ok(messages
            .into_iter()
            .map(|message| ConversationMessage {
                attachments: attachments.remove(&message.id).unwrap_or_default(),
                message,
            })
            .collect())
    }

    /// The messages that belong to a request, oldest first (for its conversation).
    pub async fn request_messages(&self, reference: &str) -> Result<Vec<InboxRecord>> {
        let mut conn = self.pool().acquire().await?;
        let Some(request_id) = store::request_id_of(&mut conn, reference).await? else {
            return Err(Error::NotFound(reference.to_string()));
        };
        store::messages_of_request(&mut conn, request_id).await
    }

    /// The Maildir names already taken from a mailbox.
    pub async fn maildir_keys(&self, mailbox: &str) -> Result<std::collections::HashSet<String>> {
        let mut conn = self.pool().acquire().await?;
        store::maildir_keys(&mut conn, mailbox).await
    }

    /// The last UID taken from an IMAP mailbox under this UIDVALIDITY.
    pub async fn imap_cursor(&self, mailbox: &str, uid_validity: u32) -> Result<u32> {
        let mut conn = self.pool().acquire().await?;
        let last = store::cursor(&mut conn, mailbox, uid_validity as i64).await?;
        Ok(u32::try_from(last).unwrap_or(u32::MAX))
    }

    /// The controller a mailbox belongs to (for screens that show a mailbox's messages).
    pub fn mailbox_jurisdiction(&self, name: &str) -> Option<Jurisdiction> {
        self.config().mailboxes.iter().find(|m| m.name == name).map(|m| m.controller)
    }
}
