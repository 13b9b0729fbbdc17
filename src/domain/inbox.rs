//! Rules for arrived e-mail: which request a mail names, who the requester is, the language it
//! is probably written in, and the due date it would have as a request. Pure: the caller passes
//! every fact in.

use crate::domain::Jurisdiction;
use crate::domain::calendar::WorkingCalendar;
use crate::domain::deadline::{self, DeadlineFacts, DeadlineRuleError};
use crate::domain::intake::Language;
use crate::domain::reference::Reference;
use chrono::{DateTime, NaiveDate, Utc};

/// The request references (`DSR-2026-000123`) a subject line names, in order, each once.
pub fn references_in(subject: &str) -> Vec<String> {
    let upper = subject.to_ascii_uppercase();
    let bytes = upper.as_bytes();
    let mut found = Vec::new();
    let mut start = 0;
    while let Some(at) = upper[start..].find("DSR-").map(|i| i + start) {
        let end = at + 4 + upper[at + 4..].bytes().take_while(|b| b.is_ascii_digit() || *b == b'-').count();
        let candidate = upper[at..end].trim_end_matches('-');
        // A reference is a whole word: not the tail of a longer token ("XDSR-...").
        let word_start = at == 0 || !bytes[at - 1].is_ascii_alphanumeric();
        if word_start && let Ok(r) = candidate.parse::<Reference>() {
            let r = r.to_string();
            if !found.contains(&r) {
                found.push(r);
            }
        }
        start = at + 4;
    }
    found
}

/// Whom a reply goes to: Reply-To when the sender gave one, else From (RFC 5322 §3.6.2).
pub fn requester_email<'a>(from: Option<&'a str>, reply_to: Option<&'a str>) -> Option<&'a str> {
    reply_to.or(from)
}

/// A guess at the language of a mail's text, shown to the operator, who may change it.
pub fn guess_language(text: &str) -> Option<Language> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(w)).count();
    let sv = count(&[
        "jag",
        "och",
        "att",
        "mina",
        "uppgifter",
        "begär",
        "registerutdrag",
        "radera",
        "hej",
        "vill",
        "är",
    ]);
    let fi =
        count(&["minä", "ja", "että", "tietoni", "tietoja", "pyydän", "poistamaan", "hei", "haluan", "ole"]);
    let en = count(&["i", "and", "my", "the", "data", "request", "please", "delete", "access", "personal"]);
    let best = sv.max(fi).max(en);
    if best == 0 {
        None
    } else if best == sv {
        Some(Language::Sv)
    } else if best == fi {
        Some(Language::Fi)
    } else {
        Some(Language::En)
    }
}

/// What the inbox shows for a waiting message: the date it arrived on in the controller's time
/// zone, and the legal due date it would have as a request. Art. 12(3) and DOMAIN.md "The
/// deadline": the clock starts when the mail reaches the mailbox, whether or not anyone has looked,
/// so a mail that waits three days in the inbox has three days less.
pub fn would_be_due(
    calendar: &WorkingCalendar,
    jurisdiction: Jurisdiction,
    received_at: DateTime<Utc>,
) -> Result<(NaiveDate, NaiveDate), DeadlineRuleError> {
    let received_on = jurisdiction.local_date(received_at);
    let due =
        deadline::legal_due_on(calendar, DeadlineFacts { received_on, extended: false, paused_days: 0 })?;
    Ok((received_on, due))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_subject_names_references_as_whole_words() {
        assert_eq!(references_in("Re: Ert ärende DSR-2026-000123 (svar)"), vec!["DSR-2026-000123"]);
        assert_eq!(
            references_in("dsr-2026-000123, DSR-2026-000124"),
            vec!["DSR-2026-000123", "DSR-2026-000124"]
        );
        assert!(references_in("XDSR-2026-000123").is_empty());
        assert!(references_in("DSR-2026-0000123").is_empty(), "a padded seventh digit is a typo");
        assert!(references_in("DSR-26-1").is_empty());
    }

    #[test]
    fn reply_to_wins_over_from() {
        assert_eq!(requester_email(Some("a@x"), Some("b@x")), Some("b@x"));
        assert_eq!(requester_email(Some("a@x"), None), Some("a@x"));
    }

    #[test]
    fn language_is_guessed_from_common_words() {
        assert_eq!(
            guess_language("Hej, jag vill ha ett registerutdrag och mina uppgifter"),
            Some(Language::Sv)
        );
        assert_eq!(guess_language("Hei, haluan tietoni ja pyydän poistamaan ne"), Some(Language::Fi));
        assert_eq!(guess_language("Please send me my personal data"), Some(Language::En));
        assert_eq!(guess_language("12345"), None);
    }

    #[test]
    fn mail_at_2330_utc_on_30_nov_is_received_1_dec_in_stockholm_due_4_jan() {
        // DOMAIN.md: the receipt date is the controller's local date (CET, UTC+1 in winter), so
        // 30 Nov 2026 23:30 UTC is 1 Dec 00:30 in Stockholm. One month later is 1 Jan 2027, a
        // public holiday (nyårsdagen); 2 and 3 Jan are a weekend: due Monday 4 Jan (art. 3(4)).
        let calendar = WorkingCalendar { jurisdiction: Jurisdiction::Sweden, eves_are_holidays: false };
        let at = Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
        let (on, due) = would_be_due(&calendar, Jurisdiction::Sweden, at).unwrap();
        assert_eq!(on, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
        assert_eq!(due, NaiveDate::from_ymd_opt(2027, 1, 4).unwrap());
    }
}
