//! The changes the desk asks the service to make, each carrying what it needs to be refused when
//! stale, and the words the status line says when one is done. `effects.rs` carries them out.

use super::words::{export_label, objection_label, status_label};
use crate::domain::RequestStatus;
use crate::domain::plan::ErasurePlan;
use crate::domain::text::escape_line;
use crate::service::rights::{Correction, ObjectionDecision};
use crate::service::verify::VerificationMethod;

/// A change to make, carrying the version of the request as shown, so a stale one is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    /// Claim for oneself. `version` is None from the queue (whose rows carry none): claiming is
    /// refused anyway when someone else holds the request.
    Claim {
        reference: String,
        version: Option<i32>,
    },
    /// Take over a request someone else holds.
    TakeOver {
        reference: String,
        version: i32,
    },
    AssignTo {
        reference: String,
        version: i32,
        to: String,
    },
    Release {
        reference: String,
        version: i32,
    },
    Extend {
        reference: String,
        version: i32,
        reason: String,
    },
    Pause {
        reference: String,
        version: i32,
        reason: String,
    },
    Resume {
        reference: String,
        version: i32,
        /// The day the information arrived, in the controller's calendar.
        arrived_on: chrono::NaiveDate,
    },
    SetStatus {
        reference: String,
        version: i32,
        status: RequestStatus,
        reason: Option<String>,
    },
    ClaimNext,
    /// Link the request to a ledger person: always the DPO's explicit choice here.
    Link {
        reference: String,
        person_id: String,
    },
    Unlink {
        reference: String,
        person_id: String,
    },
    Verify {
        reference: String,
        method: VerificationMethod,
        transaction: Option<String>,
        returned_number: Option<String>,
        evidence: String,
    },
    /// Carry out the plan as shown: the service refuses it if the ledger changed meanwhile.
    ExecuteErasure {
        reference: String,
        plan: Box<ErasurePlan>,
    },
    /// One or more fields of the subject, in one transaction: a whole address is one
    /// correction with one Art. 19 task per recipient.
    Rectify {
        reference: String,
        corrections: Vec<Correction>,
    },
    CompleteTask {
        reference: String,
        task_id: i64,
        recipient: String,
    },
    Forward {
        reference: String,
        version: i32,
        client: String,
    },
    Restrict {
        reference: String,
        lift: bool,
        reason: String,
    },
    OptOut {
        reference: String,
    },
    DecideObjection {
        reference: String,
        decision: ObjectionDecision,
        reason: String,
    },
    SendReply {
        reference: String,
        order: Box<crate::service::reply::ReplyOrder>,
    },
    Export {
        reference: String,
        format: crate::export::ExportFormat,
        encrypt: bool,
        directory: String,
    },
    DiscardDraft {
        reference: String,
    },
    /// Write the case file (it reads the evidence and changes nothing: an auditor may too).
    Casefile {
        reference: String,
        directory: String,
    },
    /// Claim the request (nobody holds it), then make the change: whoever works on a request
    /// holds it, so it does not stay in the unclaimed pile after an extension or a pause.
    ClaimThen(Box<Mutation>),
    /// Inbox: one request per kind from a message (its arrival is their receipt).
    MakeRequests {
        message: i64,
        kinds: Vec<crate::domain::RequestKind>,
    },
    AttachMessage {
        message: i64,
        reference: String,
    },
    DismissMessage {
        message: i64,
        reason: String,
    },
    /// Resume from the arrival of the message that brought the information (Art. 12(6)).
    ResumeFromMessage {
        reference: String,
        message: i64,
    },
    /// A request entered in the form, validated as intake validates.
    NewRequest {
        request: Box<crate::domain::intake::NewRequest>,
    },
    /// The operator's decision on an outbox message (`dsrdesk outbox resolve`).
    ResolveOutbox {
        reference: String,
        id: i64,
        resend: bool,
    },
}

impl Mutation {
    /// The version a change on the shown request was made against, for the changes that may
    /// follow a claim.
    pub(super) fn with_version(self, v: i32) -> Mutation {
        match self {
            Mutation::Extend { reference, reason, .. } => Mutation::Extend { reference, version: v, reason },
            Mutation::Pause { reference, reason, .. } => Mutation::Pause { reference, version: v, reason },
            Mutation::Resume { reference, arrived_on, .. } => {
                Mutation::Resume { reference, version: v, arrived_on }
            }
            Mutation::SetStatus { reference, status, reason, .. } => {
                Mutation::SetStatus { reference, version: v, status, reason }
            }
            other => other,
        }
    }

    pub(super) fn version(&self) -> Option<i32> {
        match self {
            Mutation::Extend { version, .. }
            | Mutation::Pause { version, .. }
            | Mutation::Resume { version, .. }
            | Mutation::SetStatus { version, .. } => Some(*version),
            _ => None,
        }
    }

    pub fn reference(&self) -> Option<&str> {
        match self {
            Mutation::Claim { reference, .. }
            | Mutation::TakeOver { reference, .. }
            | Mutation::AssignTo { reference, .. }
            | Mutation::Release { reference, .. }
            | Mutation::Extend { reference, .. }
            | Mutation::Pause { reference, .. }
            | Mutation::Resume { reference, .. }
            | Mutation::SetStatus { reference, .. }
            | Mutation::Link { reference, .. }
            | Mutation::Unlink { reference, .. }
            | Mutation::Verify { reference, .. }
            | Mutation::ExecuteErasure { reference, .. }
            | Mutation::Rectify { reference, .. }
            | Mutation::CompleteTask { reference, .. }
            | Mutation::Forward { reference, .. }
            | Mutation::Restrict { reference, .. }
            | Mutation::OptOut { reference }
            | Mutation::DecideObjection { reference, .. }
            | Mutation::SendReply { reference, .. }
            | Mutation::Export { reference, .. }
            | Mutation::Casefile { reference, .. }
            | Mutation::DiscardDraft { reference }
            | Mutation::ResolveOutbox { reference, .. } => Some(reference),
            Mutation::ClaimThen(inner) => inner.reference(),
            Mutation::AttachMessage { reference, .. } | Mutation::ResumeFromMessage { reference, .. } => {
                Some(reference)
            }
            Mutation::ClaimNext
            | Mutation::MakeRequests { .. }
            | Mutation::DismissMessage { .. }
            | Mutation::NewRequest { .. } => None,
        }
    }

    /// In words, for the status line: "claimed", "extended" ...
    pub fn done_text(&self) -> String {
        match self {
            Mutation::Claim { .. } | Mutation::ClaimNext => "claimed".into(),
            Mutation::TakeOver { .. } => "taken over".into(),
            Mutation::AssignTo { to, .. } => format!("assigned to {}", escape_line(to)),
            Mutation::Release { .. } => "released to the queue".into(),
            Mutation::Extend { .. } => "extended by two months".into(),
            Mutation::Pause { .. } => "clock paused".into(),
            Mutation::Resume { .. } => "clock resumed".into(),
            Mutation::SetStatus { status, .. } => format!("status {}", status_label(*status)),
            Mutation::Link { person_id, .. } => format!("linked to ledger person {}", escape_line(person_id)),
            Mutation::Unlink { person_id, .. } => {
                format!("unlinked from ledger person {}", escape_line(person_id))
            }
            Mutation::Verify { method, .. } => format!("identity verified ({})", method.typed_name()),
            Mutation::ExecuteErasure { .. } => "erasure carried out".into(),
            Mutation::Rectify { corrections, .. } => {
                let fields: Vec<String> = corrections
                    .iter()
                    .map(|c| format!("{}.{}", escape_line(&c.source), escape_line(&c.column)))
                    .collect();
                format!("{} rectified", fields.join(", "))
            }
            Mutation::CompleteTask { recipient, .. } => {
                format!("Art. 19: {} told (ticked off)", escape_line(recipient))
            }
            Mutation::Forward { client, .. } => format!("forwarded to {}", escape_line(client)),
            Mutation::Restrict { lift: false, .. } => "processing restricted (Art. 18)".into(),
            Mutation::Restrict { lift: true, .. } => "restriction lifted".into(),
            Mutation::OptOut { .. } => "direct marketing stopped (Art. 21(3))".into(),
            Mutation::DecideObjection { decision, .. } => {
                format!("objection decided: {}", objection_label(*decision))
            }
            Mutation::SendReply { order, .. } => format!("{} queued for sending", order.purpose),
            Mutation::DiscardDraft { .. } => "draft thrown away".into(),
            Mutation::ResolveOutbox { id, resend: false, .. } => format!("message #{id} recorded as sent"),
            Mutation::ResolveOutbox { id, resend: true, .. } => format!("message #{id} queued again"),
            Mutation::Export { format, .. } => format!("{} written", export_label(*format)),
            Mutation::Casefile { .. } => "case file written".into(),
            Mutation::ClaimThen(inner) => format!("claimed, and {}", inner.done_text()),
            Mutation::MakeRequests { message, .. } => format!("request(s) made from message {message}"),
            Mutation::AttachMessage { message, .. } => format!("message {message} attached"),
            Mutation::DismissMessage { message, .. } => format!("message {message} set aside: not a request"),
            Mutation::NewRequest { request } => format!("{} request stored", request.kind),
            Mutation::ResumeFromMessage { message, .. } => format!("clock resumed from message {message}"),
        }
    }
}
