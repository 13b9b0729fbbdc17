//! Delivering the outbox: reconcile, claim what is due, send concurrently over the pooled SMTP
//! transport, record each outcome with its event; and the operator's decision on an uncertain
//! message.
//!
//! Each attempt is recorded (state `sending`, with a lease) and committed before the SMTP
//! transaction starts. A message found still `sending` after its lease is `uncertain`: the sender
//! died between the server's acceptance and recording it, so it may have been delivered. It is
//! never sent again without the operator's word (`resolve`).

use super::{Desk, Operator};
use crate::error::Result;
use crate::mail::smtp::{SendFailure, Sender};
use crate::store::outbox::{
    self as store, AttemptOutcome, OutboxRecord, OutboxState, OutboxSummary, Resolution,
};
use crate::store::outbox_view::OutboxCounts;
use chrono::{DateTime, Duration, Utc};
use futures_util::StreamExt;
use serde::Serialize;

/// After this many attempts a temporary failure is taken as permanent.
pub const MAX_ATTEMPTS: i32 = 10;
/// The first retry waits a minute; each next one twice as long, at most this.
pub const MAX_BACKOFF: Duration = Duration::hours(2);

/// When to try again after the `attempts`-th attempt failed for now: 1, 2, 4 ... minutes, capped.
pub fn backoff(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 20) - 1;
    std::cmp::min(Duration::minutes(1i64 << exponent), MAX_BACKOFF)
}

/// How a delivery pass runs.
#[derive(Clone)]
pub struct Mailer {
    /// Knows which side of the end of data a failure fell on (Issue 14 §3).
    pub sender: Sender,
    /// Messages in flight at once (the transport's pool holds as many connections).
    pub concurrency: usize,
    /// How long an attempt may take before another pass takes it for dead. Longer than the SMTP
    /// timeout, so a live sender always records its outcome first.
    pub lease: Duration,
    /// The longest one SMTP transaction may take (lettre bounds only the connect): past it the
    /// server's answer is taken as never coming, and the message is uncertain.
    pub transaction_timeout: std::time::Duration,
    /// Who the history says sent (e.g. "alice (outbox)").
    pub actor: String,
}

impl Mailer {
    pub fn new(config: &crate::mail::smtp::SmtpConfig, actor: impl Into<String>) -> Result<Mailer> {
        Ok(Mailer {
            sender: Sender::new(config)?,
            concurrency: config.concurrency,
            lease: Duration::from_std(config.timeout).unwrap_or(Duration::minutes(1)) * 3
                + Duration::minutes(1),
            transaction_timeout: config.timeout * 2,
            actor: actor.into(),
        })
    }
}

/// A message to read: what `Desk::outbox_message` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    pub record: OutboxRecord,
    pub reference: String,
    /// The headers as they go on the wire, or why the stored row cannot be built into a message.
    pub headers: std::result::Result<String, String>,
    pub attachments: Vec<AttachmentInfo>,
}

/// An attachment's name, type, size and digest (not its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub file_name: String,
    pub content_type: String,
    pub bytes: usize,
    pub sha256: String,
}

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeliveryReport {
    /// Found still `sending` after their lease: now `uncertain`.
    pub reconciled_uncertain: Vec<i64>,
    pub sent: usize,
    pub retry: usize,
    /// Failed permanently in this pass.
    pub failed: Vec<i64>,
    /// The server's answer never came in this pass.
    pub uncertain: Vec<i64>,
    /// The last error of the pass (a relay that is down, a refused address), for the desk's
    /// status line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl DeliveryReport {
    pub fn attempted(&self) -> usize {
        self.sent + self.retry + self.failed.len() + self.uncertain.len()
    }
}

/// What a failed attempt means (RFC 5321 §4.1.1.4, §4.2.1): an answer of 5xx is permanent and 4xx
/// temporary, at whatever phase; without an answer, what matters is whether the end of data (the
/// final ".") had been sent. Before it the server discards the transaction, so trying again
/// cannot send the subject the mail twice; after it the server may have accepted the message, so
/// it is uncertain and waits for the operator's word — never resent by itself.
fn classify(failure: SendFailure, attempts: i32, now: DateTime<Utc>) -> AttemptOutcome {
    let retry = |text: String| {
        if attempts >= MAX_ATTEMPTS {
            AttemptOutcome::Failed { error: format!("gave up after {attempts} attempts; last: {text}") }
        } else {
            AttemptOutcome::Retry { error: text, next_attempt_at: now + backoff(attempts) }
        }
    };
    match failure {
        SendFailure::Refused { permanent: true, message } | SendFailure::Client(message) => {
            AttemptOutcome::Failed { error: message }
        }
        SendFailure::Refused { permanent: false, message } => retry(message),
        SendFailure::BeforeEndOfData(message) => {
            retry(format!("{message} (before the message's end was sent: nothing was delivered)"))
        }
        SendFailure::AfterEndOfData(message) => AttemptOutcome::Uncertain {
            error: format!(
                "no answer from the server after the message's end was sent ({message}): it may or may not have been delivered"
            ),
        },
    }
}

/// The server's reply to the end of data as stored (outbox.smtp_reply, migration 0020): code and
/// text on one line ("250 2.0.0 Ok: queued as 4BC2F1A0C3"), control characters from the server
/// made spaces, at most 1,000 characters. It is the evidence that the server took the message.
pub fn smtp_reply(response: &lettre::transport::smtp::response::Response) -> String {
    let text = response.message().collect::<Vec<_>>().join(" ");
    let line: String = format!("{} {}", response.code(), text)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(1000)
        .collect();
    line.trim_end().to_string()
}

impl Desk {
    /// Messages found `sending` after their lease expired become `uncertain` (with an event).
    pub async fn reconcile_outbox(&self, actor: &str, now: DateTime<Utc>) -> Result<Vec<i64>> {
        let mut tx = self.pool.begin().await?;
        let rows = store::reconcile_expired(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(rows.into_iter().map(|r| r.id).collect())
    }

    /// One delivery pass: reconcile, then send everything due at `now`, `concurrency` at a time.
    /// Several desks and workers may run it at once: each message is taken by one of them.
    pub async fn deliver_due(&self, mailer: &Mailer, now: DateTime<Utc>) -> Result<DeliveryReport> {
        let mut report = DeliveryReport {
            reconciled_uncertain: self.reconcile_outbox(&mailer.actor, now).await?,
            ..Default::default()
        };
        let started = std::time::Instant::now();
        let batch = (mailer.concurrency * 4).max(1) as i64;
        loop {
            let mut tx = self.pool.begin().await?;
            let claimed = store::claim_due(&mut tx, now, now + mailer.lease, batch).await?;
            // Each message's bytes are kept in the claim's transaction, so one commit puts a
            // whole batch's attempts and bytes on record (a commit per message held one
            // connection to half the rate SMTP allows); past PREPARED_BYTES_BUDGET a message
            // is built at its turn, with a commit of its own, so memory stays bounded.
            let mut budget = PREPARED_BYTES_BUDGET;
            let mut prepared = Vec::with_capacity(claimed.len());
            for row in claimed {
                let ready = if budget > 0 { prepare(&mut tx, &row).await? } else { Prepared::AtItsTurn };
                if let Prepared::Ready { bytes, .. } = &ready {
                    budget = budget.saturating_sub(bytes.len());
                }
                prepared.push((row, ready));
            }
            // The attempt is on record before the SMTP transaction starts.
            tx.commit().await?;
            let claimed = prepared;
            if claimed.is_empty() {
                break;
            }
            // Outcomes are recorded by one writer, each transaction taking every outcome that has
            // arrived meanwhile (group commit, issue 18 §1): recording appends to the event
            // history, whose hash chain admits one writer at a time until its commit is on disk,
            // so one transaction per message made eight connections as slow as one.
            let (done, mut arrived) = tokio::sync::mpsc::unbounded_channel();
            // The sending side owns the last sender: the recorder stops when every attempt is done.
            let sending = async move {
                let done = done;
                futures_util::stream::iter(claimed)
                    .map(|(row, ready)| {
                        let done = done.clone();
                        async move {
                            let at = now + Duration::from_std(started.elapsed()).unwrap_or_default();
                            let outcome = self.attempt(mailer, &row, ready, at).await?;
                            let _ = done.send((row, outcome, at));
                            Ok::<(), crate::Error>(())
                        }
                    })
                    .buffer_unordered(mailer.concurrency.max(1))
                    .collect::<Vec<Result<()>>>()
                    .await
            };
            let recording = async {
                let mut recorded = Vec::new();
                while let Some(first) = arrived.recv().await {
                    let mut group = vec![first];
                    while let Ok(more) = arrived.try_recv() {
                        group.push(more);
                    }
                    let mut tx = self.pool.begin().await?;
                    for (row, outcome, at) in &group {
                        store::record_outcome(&mut tx, row, outcome, *at, &mailer.actor).await?;
                    }
                    tx.commit().await?;
                    for (row, outcome, _) in &group {
                        log_attempt(row, outcome);
                    }
                    recorded.extend(group.into_iter().map(|(row, outcome, _)| Ok((row.id, outcome))));
                }
                Ok::<Vec<Result<(i64, AttemptOutcome)>>, crate::Error>(recorded)
            };
            let (sent, recorded) = futures_util::join!(sending, recording);
            sent.into_iter().collect::<Result<Vec<()>>>()?;
            let outcomes = recorded?;
            for outcome in outcomes {
                let outcome = outcome?;
                if let AttemptOutcome::Retry { error, .. }
                | AttemptOutcome::Failed { error }
                | AttemptOutcome::Uncertain { error } = &outcome.1
                {
                    report.last_error = Some(error.clone());
                }
                match outcome {
                    (_, AttemptOutcome::Sent { .. }) => report.sent += 1,
                    (_, AttemptOutcome::Retry { .. }) => report.retry += 1,
                    (id, AttemptOutcome::Failed { .. }) => report.failed.push(id),
                    (id, AttemptOutcome::Uncertain { .. }) => report.uncertain.push(id),
                }
            }
        }
        Ok(report)
    }

    /// One SMTP transaction for one claimed message.
    async fn attempt(
        &self,
        mailer: &Mailer,
        row: &OutboxRecord,
        ready: Prepared,
        now: DateTime<Utc>,
    ) -> Result<AttemptOutcome> {
        let ready = match ready {
            Prepared::AtItsTurn => {
                let mut tx = self.pool.begin().await?;
                let ready = prepare(&mut tx, row).await?;
                tx.commit().await?;
                ready
            }
            ready => ready,
        };
        let (envelope, bytes) = match ready {
            Prepared::Ready { envelope, bytes } => (envelope, bytes),
            Prepared::Unbuildable(error) => return Ok(AttemptOutcome::Failed { error }),
            Prepared::AtItsTurn => unreachable!("prepared just above"),
        };
        let end_of_data = std::sync::atomic::AtomicBool::new(false);
        let send = mailer.sender.send(&envelope, &bytes, &end_of_data);
        Ok(match tokio::time::timeout(mailer.transaction_timeout, send).await {
            Ok(Ok(response)) => AttemptOutcome::Sent { response: smtp_reply(&response) },
            Ok(Err(failure)) => classify(failure, row.attempts, now),
            // Cut off by our own limit: which side of the final "." decides.
            Err(_) if end_of_data.load(std::sync::atomic::Ordering::SeqCst) => AttemptOutcome::Uncertain {
                error: format!(
                    "no answer from the server within {} s after the message's end was sent: it may or may not have been delivered",
                    mailer.transaction_timeout.as_secs()
                ),
            },
            Err(_) => classify(
                SendFailure::BeforeEndOfData(format!(
                    "no progress within {} s",
                    mailer.transaction_timeout.as_secs()
                )),
                row.attempts,
                now,
            ),
        })
    }

    /// The operator's decision on an uncertain (or failed) message, recorded with who decided.
    pub async fn resolve_outbox(
        &self,
        operator: &Operator,
        id: i64,
        resolution: Resolution,
        at: DateTime<Utc>,
    ) -> Result<OutboxRecord> {
        let mut tx = self.pool.begin().await?;
        let row =
            store::resolve(&mut tx, id, resolution, &operator.user, operator.client.clone(), at).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// Messages by state for the desk's outbox screen (all states when `states` is empty), of
    /// one request when `reference` is given; failed and uncertain first.
    pub async fn outbox_messages(
        &self,
        states: &[OutboxState],
        reference: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OutboxSummary>> {
        crate::store::outbox_view::messages(&self.pool, states, reference, limit).await
    }

    /// How many messages wait in each state (the overview's failed and uncertain counts).
    pub async fn outbox_counts(&self) -> Result<OutboxCounts> {
        crate::store::outbox_view::counts(&self.pool).await
    }

    /// One message as it was (or will be) sent: the headers as they go on the wire, the text,
    /// the attachments' names, its state and the server's reply. For reading only (an auditor's
    /// desk may open it).
    pub async fn outbox_message(&self, id: i64) -> Result<SentMessage> {
        let mut conn = self.pool.acquire().await?;
        let (record, reference) = crate::store::outbox_view::message(&mut conn, id)
            .await?
            .ok_or_else(|| crate::Error::NotFound(format!("outbox message {id}")))?;
        let files = store::attachments_of(&mut conn, id).await?;
        // The sender builds the message the same way, dated when it was queued.
        let headers = store::build_message(&record, &files, record.queued_at)
            .map(|m| store::render_headers(&m))
            .map_err(|e| e.to_string());
        let attachments = files
            .iter()
            .map(|a| AttachmentInfo {
                file_name: a.file_name.clone(),
                content_type: a.content_type.clone(),
                bytes: a.content.len(),
                sha256: a.sha256.clone(),
            })
            .collect();
        Ok(SentMessage { record, reference, headers, attachments })
    }

    /// The outbox, newest first; with `attention_only`, the failed and uncertain messages.
    pub async fn outbox(&self, attention_only: bool, limit: i64) -> Result<Vec<OutboxSummary>> {
        store::list(&self.pool, attention_only, limit).await
    }
}

/// The attempt's outcome by ids only: the server's answer may quote the recipient's address
/// ("550 <anna@...>: no such user"), so it stays in the outbox's own record.
/// How many bytes of messages a claimed batch keeps in memory between its commit and their
/// sending; the rest are built when their turn comes.
const PREPARED_BYTES_BUDGET: usize = 16 * 1024 * 1024;

/// A claimed message made ready for SMTP.
enum Prepared {
    /// Built, and its exact bytes kept with the attempt (issue 17: the case file's `.eml` is what
    /// the server was handed).
    Ready { envelope: lettre::address::Envelope, bytes: Vec<u8> },
    /// It cannot be built (a stored address or header the checks refuse): failed, not sent.
    Unbuildable(String),
    /// Past the batch's memory budget: built at its turn.
    AtItsTurn,
}

/// Build a claimed message and keep its bytes, in the caller's transaction: they are on record
/// when that commits, before the SMTP transaction starts.
async fn prepare(tx: &mut sqlx::PgConnection, row: &OutboxRecord) -> Result<Prepared> {
    let attachments = store::attachments_of(&mut *tx, row.id).await?;
    let message = match store::build_message(row, &attachments, row.queued_at) {
        Ok(m) => m,
        Err(e) => return Ok(Prepared::Unbuildable(e.to_string())),
    };
    let bytes = message.formatted();
    crate::store::casefile::keep_raw_message(&mut *tx, row.id, row.attempts, &bytes).await?;
    Ok(Prepared::Ready { envelope: message.envelope().clone(), bytes })
}

fn log_attempt(row: &OutboxRecord, outcome: &AttemptOutcome) {
    let (id, request_id, purpose, attempt) = (row.id, row.request_id, row.purpose.as_str(), row.attempts);
    match outcome {
        AttemptOutcome::Sent { .. } => tracing::info!(outbox_id = id, request_id, purpose, "reply sent"),
        AttemptOutcome::Retry { .. } => {
            tracing::warn!(outbox_id = id, request_id, attempt, "reply not delivered; will retry")
        }
        AttemptOutcome::Failed { .. } => {
            tracing::error!(outbox_id = id, request_id, "reply failed permanently; it waits for the DPO")
        }
        AttemptOutcome::Uncertain { .. } => {
            tracing::warn!(outbox_id = id, request_id, "reply delivery uncertain; it waits for the DPO")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_minute_and_is_capped_at_two_hours() {
        assert_eq!(backoff(1), Duration::minutes(1));
        assert_eq!(backoff(2), Duration::minutes(2));
        assert_eq!(backoff(5), Duration::minutes(16));
        assert_eq!(backoff(8), Duration::hours(2));
        assert_eq!(backoff(1000), Duration::hours(2));
    }
}
