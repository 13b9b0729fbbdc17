//! Words shared by the reducer and the views: labels, the status line's phrases.

use crate::domain::identity::mask_personal_number;
use crate::domain::plan::FollowUp;
use crate::domain::text::escape_line;
use crate::domain::{RequestKind, RequestStatus};
use crate::service::rights::ObjectionDecision;

pub fn objection_label(d: ObjectionDecision) -> &'static str {
    match d {
        ObjectionDecision::Upheld => "upheld",
        ObjectionDecision::CompellingGrounds => "compelling grounds",
        ObjectionDecision::LegalClaims => "legal claims",
    }
}

/// The follow-up in words: "follow-up erasure on 2034-01-01".
pub fn follow_up_text(f: FollowUp) -> String {
    match f {
        FollowUp::None => "none: nothing is kept".into(),
        FollowUp::On(d) => format!("follow-up erasure on {d}"),
        FollowUp::WhenEventsAllow => "re-examined daily while a claim is open or proceedings last".into(),
    }
}

/// What a plan keeps and when it goes: each kept record is erased on the day its own hold lapses
/// (Art. 5(1)(e), 17(1); DOMAIN.md "What blocks erasure"), so every such day is listed, and the
/// daily re-examination when a hold waits for an event (an open claim, proceedings).
pub fn plan_follow_up_text(plan: &crate::domain::plan::ErasurePlan) -> String {
    let dates = plan.follow_up_dates();
    let mut parts = Vec::new();
    if !dates.is_empty() {
        let days: Vec<String> = dates.iter().map(ToString::to_string).collect();
        parts.push(format!("erasure on {} (each record on its own day)", days.join(", ")));
    }
    if plan.waits_for_events() {
        parts.push("daily while a claim is open or proceedings last".to_string());
    }
    if parts.is_empty() { follow_up_text(FollowUp::None) } else { parts.join("; ") }
}

/// Requests being worked on show the words; closed ones their status.
pub fn status_label(s: RequestStatus) -> &'static str {
    match s {
        RequestStatus::New => "new",
        RequestStatus::InProgress => "in progress",
        RequestStatus::AwaitingInformation => "awaiting information",
        RequestStatus::Answered => "answered",
        RequestStatus::Refused => "refused",
        RequestStatus::Forwarded => "forwarded",
        RequestStatus::Withdrawn => "withdrawn",
    }
}

pub fn export_label(format: crate::export::ExportFormat) -> &'static str {
    match format {
        crate::export::ExportFormat::Access => "access copy",
        crate::export::ExportFormat::Portability => "portability bundle",
    }
}

/// The refusal of every change in read-only mode.
pub const READ_ONLY: &str = "read-only mode: nothing can be changed here";

/// "an erasure request", "a rectification request".
pub fn a_kind(kind: RequestKind) -> String {
    let article = if matches!(kind, RequestKind::Access | RequestKind::Erasure | RequestKind::Objection) {
        "an"
    } else {
        "a"
    };
    format!("{article} {kind} request")
}

/// A match reason as the panel says it.
pub fn reason_label(reason: &str) -> &str {
    match reason {
        "personal_number" => "personal number",
        "email" => "e-mail",
        other => other,
    }
}

/// A ledger person in one line: name · role · masked personal number.
pub fn candidate_summary(c: &crate::service::subject::Candidate) -> String {
    let mut parts =
        vec![c.name.as_deref().map(escape_line).unwrap_or_else(|| "(no name)".into()).into_owned()];
    if let Some(role) = &c.role {
        parts.push(escape_line(role).into_owned());
    }
    if let Some(pn) = &c.personal_number {
        parts.push(escape_line(&mask_personal_number(pn)).into_owned());
    }
    format!("ledger person {}: {}", escape_line(&c.person_id), parts.join(" · "))
}

/// A ledger value as shown: text quoted, empty as "(empty)".
pub fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "(empty)".into(),
        serde_json::Value::String(s) => format!("“{}”", escape_line(s)),
        other => escape_line(&other.to_string()).into_owned(),
    }
}
