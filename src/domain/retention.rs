//! The desk's own retention (issue 17 §3): when a closed request's personal data held by the desk
//! itself is anonymised, and what of an event's details stays. Pure: the caller passes `today`.
//!
//! Art. 5(1)(e) (storage limitation): the requester's details, the request text, the mails and
//! drafts are kept no longer than the handling of the request needs. After the request closed the
//! desk keeps them for a period the agency sets per controller (`anonymise_after_months`, default
//! 36: the period the agency keeps a closed case for complaints and disputes, DOMAIN "agency
//! policy", seed 001 — a complaint to the authority (Art. 77) or a court case (Art. 79) about how
//! the request was handled needs the same evidence). A legal hold (an authority's or a court's case
//! open about the request, Art. 17(3)(e)) stops it until lifted. What stays: the reference, kind,
//! controller, dates, status and outcome, and the event skeleton the statistics count from.

use chrono::{Months, NaiveDate};
use serde_json::Value;

/// The built-in period after a closed request is anonymised (see the module comment).
pub const DEFAULT_ANONYMISE_AFTER_MONTHS: u32 = 36;

/// What replaces a personal value in an event's details.
pub const REDACTED: &str = "[anonymised]";

/// The last day the desk keeps a request closed on `closed_on`: the period ends at the end of the
/// day with the same date `months` later, or that month's last day when it has no such date
/// (counted as Reg. 1182/71 art. 3 counts a period of months). Anonymised from the day after.
pub fn kept_until(closed_on: NaiveDate, months: u32) -> NaiveDate {
    // chrono clamps to the month's last day (31 Aug + 1 month = 30 Sep), as the regulation does.
    closed_on.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// Whether the request's personal data is anonymised today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Its period has run and nothing holds it.
    Now,
    /// Still inside its period: kept until (and including) this day.
    KeptUntil(NaiveDate),
    /// A legal hold is on it: kept until the hold is lifted, whatever the period.
    Held,
}

pub fn due(closed_on: NaiveDate, months: u32, held: bool, today: NaiveDate) -> Due {
    if held {
        return Due::Held;
    }
    let until = kept_until(closed_on, months);
    if today > until { Due::Now } else { Due::KeptUntil(until) }
}

/// What became of a file `dsrdesk export` wrote, when its request is anonymised. The file holds
/// the subject's data, so "anonymised" would be untrue while it stays (Art. 5(1)(e)); but the
/// desk removes only what it can prove is the file it wrote: the same SHA-256 as recorded, a
/// regular file at the recorded path (a symbolic link there is not ours to follow).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFileFate {
    /// Ours, and removed (or, in a dry run, would be).
    Removed,
    /// Nothing at the recorded path any more: someone removed or moved it.
    Gone,
    /// Something else is there (edited, replaced, a link, a directory): left alone.
    Changed,
    /// Ours or not, this OS user could not read or remove it (the worker may run as another
    /// user than the DPO who exported): left for the DPO.
    NotRemovable,
    /// Written before the desk recorded where: the DPO knows.
    LocationUnknown,
}

/// The export files of an anonymisation, in counts only: the `anonymised` event holds no path
/// (a path may name a home directory or the person).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ExportFileCounts {
    pub removed: u32,
    pub gone: u32,
    pub changed: u32,
    pub not_removable: u32,
    pub location_unknown: u32,
}

impl ExportFileCounts {
    pub fn count(&mut self, fate: ExportFileFate) {
        let n = match fate {
            ExportFileFate::Removed => &mut self.removed,
            ExportFileFate::Gone => &mut self.gone,
            ExportFileFate::Changed => &mut self.changed,
            ExportFileFate::NotRemovable => &mut self.not_removable,
            ExportFileFate::LocationUnknown => &mut self.location_unknown,
        };
        *n += 1;
    }
}

/// Where an `export_written` event says its file is and what it held: (path, sha256), or None
/// for an event written before the path was recorded (or one without a hash: nothing proves
/// what is there is ours).
pub fn export_file_of(details: &Value) -> Option<(&str, &str)> {
    let path = details.get("path")?.as_str().filter(|p| p.starts_with('/'))?;
    let sha256 = details.get("sha256")?.as_str().filter(|s| !s.is_empty())?;
    Some((path, sha256))
}

/// The keys of an event's details whose values are the desk's own facts, never the requester's:
/// states, articles, grounds and reasons the agency gave (the statistics count them: `to`,
/// `reason`, `paused_days`), dates, counts, ids of the desk's own rows. Every other value gives
/// way to [`REDACTED`]; the keys stay, so the skeleton still says what happened.
const KEPT_DETAIL_KEYS: &[&str] = &[
    "anonymised",
    "article",
    "arrived_on",
    "asked_on",
    "attempt",
    "attempt_started_at",
    "bytes",
    "channel",
    "chosen",
    "claimed_next",
    "client",
    "content_type",
    "count",
    "decided_on",
    "deleted",
    "erase",
    "erased",
    // The `anonymised` event's own counts of the export files (never paths).
    "export_files",
    "follow_up",
    "format",
    "held_until",
    "inbox_message",
    "information_arrived",
    "keep",
    "kept",
    "kind",
    "language",
    "mailbox",
    "matched_on",
    "message_id",
    "method",
    "number_matches",
    "op",
    "outbox_id",
    "paused_days",
    "paused_days_total",
    "person_id",
    "purpose",
    "reason",
    "received_at",
    "reference",
    "references",
    "removed",
    "requests",
    "restricted",
    "rows",
    "size",
    "source",
    "task",
    "too_large",
    "authority",
    "case_reference",
    "due_on",
    "hold_id",
];

/// `to` and `from` name a status in a status change (the statistics read them) but an e-mail
/// address in a mail's events: kept only when the value is a status.
fn is_status_word(key: &str, value: &Value) -> bool {
    matches!(key, "to" | "from")
        && value.as_str().is_some_and(|v| v.parse::<crate::domain::RequestStatus>().is_ok())
}

/// The details as they stay after anonymisation; None when they hold nothing to remove (the event
/// is left as written).
pub fn details_skeleton(details: &Value) -> Option<Value> {
    let Value::Object(map) = details else {
        // Details are always an object; anything else is not ours to read: it goes whole.
        return Some(Value::String(REDACTED.into()));
    };
    let mut changed = false;
    let skeleton = map
        .iter()
        .map(|(k, v)| {
            if KEPT_DETAIL_KEYS.contains(&k.as_str()) || is_status_word(k, v) || v.is_null() {
                (k.clone(), v.clone())
            } else {
                changed = true;
                (k.clone(), Value::String(REDACTED.into()))
            }
        })
        .collect();
    changed.then_some(Value::Object(skeleton))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn closed_31_aug_kept_until_the_end_of_its_month_three_years_on() {
        // Reg. 1182/71 art. 3 counting: a month without the same date ends on its last day.
        assert_eq!(kept_until(d("2023-08-31"), 1), d("2023-09-30"));
        assert_eq!(kept_until(d("2024-02-29"), 36), d("2027-02-28"));
        assert_eq!(kept_until(d("2023-11-15"), 36), d("2026-11-15"));
    }

    #[test]
    fn the_last_day_of_the_period_is_kept_and_the_next_is_anonymised() {
        assert_eq!(due(d("2023-11-15"), 36, false, d("2026-11-15")), Due::KeptUntil(d("2026-11-15")));
        assert_eq!(due(d("2023-11-15"), 36, false, d("2026-11-16")), Due::Now);
    }

    #[test]
    fn a_legal_hold_keeps_a_request_past_its_period() {
        // Art. 17(3)(e): the authority's case needs the evidence.
        assert_eq!(due(d("2020-01-01"), 36, true, d("2026-11-30")), Due::Held);
    }

    #[test]
    fn the_skeleton_keeps_the_figures_and_removes_the_personal() {
        let details = json!({"to": "refused", "reason": "Art. 12(5)", "recipient": "asa@example.se",
                             "paused_days": 3, "file_name": "Åsa Öberg.pdf"});
        assert_eq!(
            details_skeleton(&details),
            Some(json!({"to": "refused", "reason": "Art. 12(5)", "recipient": REDACTED,
                        "paused_days": 3, "file_name": REDACTED}))
        );
        assert_eq!(details_skeleton(&json!({"to": "answered", "from": "in_progress"})), None);
        // A mail's `to` is its addressee, not a status.
        assert_eq!(
            details_skeleton(&json!({"to": "asa@example.se", "outbox_id": 7})),
            Some(json!({"to": REDACTED, "outbox_id": 7}))
        );
        assert_eq!(details_skeleton(&json!({})), None);
    }

    #[test]
    fn an_export_s_path_gives_way_and_its_figures_stay() {
        // Art. 5(1)(e): /home/asa.oberg/… names the person; the format and size are the desk's.
        let details = json!({"format": "access", "size": 1234, "rows": 15, "file_name": "DSR-1-access-sv.html",
                             "path": "/home/asa.oberg/DSR-1-access-sv.html", "sha256": "ab"});
        let skeleton = details_skeleton(&details).unwrap();
        assert_eq!(skeleton["path"], REDACTED);
        assert_eq!(
            (&skeleton["format"], &skeleton["size"], &skeleton["rows"]),
            (&json!("access"), &json!(1234), &json!(15))
        );
        assert_eq!(export_file_of(&details), Some(("/home/asa.oberg/DSR-1-access-sv.html", "ab")));
        // Written before the path was recorded, or a path not absolute: the location is unknown.
        assert_eq!(export_file_of(&json!({"file_name": "x.html", "sha256": "ab"})), None);
        assert_eq!(export_file_of(&json!({"path": "x.html", "sha256": "ab"})), None);
        assert_eq!(export_file_of(&json!({"path": null, "sha256": "ab"})), None);
        assert_eq!(export_file_of(&json!({"path": "/x.html"})), None);
    }

    #[test]
    fn the_anonymised_event_keeps_its_export_file_counts() {
        let mut counts = ExportFileCounts::default();
        for fate in [ExportFileFate::Removed, ExportFileFate::Changed, ExportFileFate::Removed] {
            counts.count(fate);
        }
        let details = json!({"export_files": counts});
        assert_eq!(
            details["export_files"],
            json!({"removed": 2, "gone": 0, "changed": 1, "not_removable": 0, "location_unknown": 0})
        );
        assert_eq!(details_skeleton(&details), None, "counts only: nothing to redact");
    }
}
