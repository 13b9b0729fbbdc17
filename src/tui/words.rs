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

/// An event of the history as a sentence ("extended by two months: “many files”"), so the DPO
/// reads what happened rather than JSON; the raw details are one key away (`H`). Unknown
/// actions fall back to their name and details in plain words. Outside text is escaped.
pub fn event_sentence(action: &str, details: &serde_json::Value) -> String {
    let text = |key: &str| details.get(key).and_then(|v| v.as_str()).map(|s| escape_line(s).into_owned());
    let list = |key: &str| {
        details
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str())
                    .map(|s| escape_line(&s.replace('_', " ")).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .filter(|s| !s.is_empty())
    };
    let num = |key: &str| details.get(key).and_then(|v| v.as_i64());
    let quoted = |s: Option<String>| s.map(|s| format!(": “{s}”")).unwrap_or_default();
    match action {
        "received" => "received".into(),
        "assigned" => match (text("from"), text("to")) {
            (None, Some(to)) => format!("claimed by {to}"),
            (Some(from), Some(to)) => format!("assigned to {to} (was {from})"),
            _ => "assigned".into(),
        },
        "released" => "released to the queue".into(),
        "extended" => format!("extended by two months (Art. 12(3)){}", quoted(text("reason"))),
        "paused" => format!("clock paused, information asked for{}", quoted(text("reason"))),
        "resumed" => match (text("arrived_on"), num("paused_days")) {
            (Some(on), Some(days)) => {
                format!("clock resumed: the information arrived {on} ({days} day(s) paused)")
            }
            _ => "clock resumed".into(),
        },
        "status_changed" => {
            let to = text("to").map(|s| s.replace('_', " ")).unwrap_or_default();
            format!("status {to}{}", quoted(text("reason")))
        }
        "subject_linked" => format!(
            "linked to ledger person {}{}",
            text("person_id").unwrap_or_default(),
            list("matched_on").map(|m| format!(" (matched on {m})")).unwrap_or_default()
        ),
        "subject_unlinked" => {
            format!("unlinked from ledger person {}", text("person_id").unwrap_or_default())
        }
        "identity_verified" => format!(
            "identity verified by {}{}",
            text("method").map(|m| m.replace('_', " ")).unwrap_or_default(),
            text("transaction_reference").map(|t| format!(" (transaction {t})")).unwrap_or_default()
        ),
        "erasure_executed" => {
            let n = |k: &str| num(k).unwrap_or(0);
            format!(
                "erasure carried out: {} deleted, {} anonymised, {} restricted, {} kept",
                n("deleted"),
                n("anonymised"),
                n("restricted"),
                n("kept")
            )
        }
        "outbox_queued" => format!(
            "reply queued: {} to {}",
            text("purpose").map(|p| p.replace('_', " ")).unwrap_or_default(),
            text("to").unwrap_or_default()
        ),
        "reply_sent" => {
            format!("reply sent{}", text("smtp_reply").map(|r| format!(" (server: {r})")).unwrap_or_default())
        }
        "reply_uncertain" => {
            "reply perhaps sent: the connection dropped after the message (see the outbox)".into()
        }
        "recipient_notified" => format!("Art. 19: {} told", text("recipient").unwrap_or_default()),
        "processor_part_forwarded" => {
            format!("processor part forwarded to {}", text("client").unwrap_or_default())
        }
        "marketing_opt_out" => "direct marketing stopped (Art. 21(3))".into(),
        "objection_decided" => format!(
            "objection decided: {}{}",
            text("decision").map(|d| d.replace('_', " ")).unwrap_or_default(),
            quoted(text("grounds"))
        ),
        other => {
            let words = escape_line(&other.replace('_', " ")).into_owned();
            let parts: Vec<String> = details
                .as_object()
                .map(|o| {
                    o.iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, v)| {
                            let v = match v.as_str() {
                                Some(s) => s.to_string(),
                                None => v.to_string(),
                            };
                            format!("{} {}", k.replace('_', " "), escape_line(&v))
                        })
                        .collect()
                })
                .unwrap_or_default();
            if parts.is_empty() { words } else { format!("{words}: {}", parts.join("; ")) }
        }
    }
}
