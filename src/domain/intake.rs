//! Parsing requests for intake: one JSON object per line (JSON Lines).
//!
//! Pure: the caller passes `now` (a receipt in the future is refused). Every problem names the
//! line and the field, so a DPO can fix the export that produced the file.

use super::text::{escape_line, has_controls};
use super::{Jurisdiction, RequestKind};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "request_channel", rename_all = "snake_case")]
pub enum Channel {
    Email,
    Letter,
    Web,
    Phone,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Letter => "letter",
            Channel::Web => "web",
            Channel::Phone => "phone",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Sv,
    Fi,
    En,
}

impl Language {
    /// `sv`, `fi` or `en` (any case).
    pub fn from_code(code: &str) -> Option<Language> {
        match code.trim().to_ascii_lowercase().as_str() {
            "sv" => Some(Language::Sv),
            "fi" => Some(Language::Fi),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Language::Sv => "sv",
            Language::Fi => "fi",
            Language::En => "en",
        }
    }
}

/// Who asked, as they stated it. Unverified: identity is checked later (Art. 12(6)).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct Requester {
    pub name: Option<String>,
    pub email: Option<String>,
    pub personal_number: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
}

/// A validated request ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub external_id: Option<String>,
    pub kind: RequestKind,
    pub jurisdiction: Jurisdiction,
    pub received_at: DateTime<Utc>,
    pub channel: Option<Channel>,
    pub requester: Requester,
    pub text: String,
    pub language: Option<Language>,
}

/// One problem in an intake file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeProblem {
    pub line: usize,
    /// The JSON field at fault, `None` when the line as a whole is broken.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for IntakeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Field names and messages can quote the file (an unknown key is whatever the file says):
        // escaped, so a hostile key never reaches the terminal as a command.
        let message = escape_line(&self.message);
        match &self.field {
            Some(field) => write!(f, "line {}: field `{}`: {message}", self.line, escape_line(field)),
            None => write!(f, "line {}: {message}", self.line),
        }
    }
}

/// The intake file as text. Intake is JSON Lines, which is UTF-8 (RFC 8259 §8.1): a file with
/// bytes that are not UTF-8 is refused as a whole, naming the line and the byte in it, rather
/// than guessing an encoding or storing mangled names.
pub fn decode(bytes: &[u8]) -> Result<&str, IntakeProblem> {
    std::str::from_utf8(bytes).map_err(|e| {
        let valid = &bytes[..e.valid_up_to()];
        let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let bad: String = bytes[e.valid_up_to()..]
            .iter()
            .take(e.error_len().unwrap_or(1))
            .map(|b| format!("\\x{b:02x}"))
            .collect();
        IntakeProblem {
            line,
            field: None,
            message: format!(
                "not UTF-8: byte {} of the line is {bad} (save the file as UTF-8)",
                e.valid_up_to() - line_start + 1
            ),
        }
    })
}

/// Longest text accepted in one field; a request body may be long, other fields may not.
const MAX_FIELD_CHARS: usize = 1_000;
pub const MAX_TEXT_BYTES: usize = 1 << 20;

const KNOWN_FIELDS: &[&str] =
    &["external_id", "kind", "jurisdiction", "received_at", "channel", "requester", "text", "language"];
const REQUESTER_FIELDS: &[&str] = &["name", "email", "personal_number", "address", "phone"];

/// Parse one line. `line` is 1-based, for messages.
pub fn parse_line(line: usize, raw: &str, now: DateTime<Utc>) -> Result<NewRequest, IntakeProblem> {
    parse_line_all(line, raw, now).map_err(|mut problems| problems.swap_remove(0))
}

/// Parse one line, reporting every problem it has (each field on its own), so that a line with
/// three mistakes is corrected in one go. A line that is not a JSON object at all has one problem.
pub fn parse_line_all(line: usize, raw: &str, now: DateTime<Utc>) -> Result<NewRequest, Vec<IntakeProblem>> {
    let problem = |field: Option<&str>, message: String| IntakeProblem {
        line,
        field: field.map(str::to_string),
        message,
    };
    // RFC 8259 §4: names within an object SHOULD be unique; a repeated one is last-one-wins in
    // most parsers, so `"kind":"access","kind":"erasure"` would be stored as whatever came last.
    if let Some(key) = first_duplicate_key(raw) {
        return Err(vec![problem(Some(&key), "appears twice in the same object; say it once".to_string())]);
    }
    let value: Value =
        serde_json::from_str(raw).map_err(|e| vec![problem(None, format!("not valid JSON ({e})"))])?;
    let Value::Object(object) = value else {
        return Err(vec![problem(None, "expected a JSON object".to_string())]);
    };
    let mut problems: Vec<IntakeProblem> = object
        .keys()
        .filter(|k| !KNOWN_FIELDS.contains(&k.as_str()))
        .map(|unknown| problem(Some(unknown), "unknown field".to_string()))
        .collect();
    // Each field is checked on its own; its problem is kept and the next field checked.
    fn keep<T>(problems: &mut Vec<IntakeProblem>, result: Result<T, IntakeProblem>) -> Option<T> {
        result.map_err(|p| problems.push(p)).ok()
    }

    let string = |field: &str, required: bool| -> Result<Option<String>, IntakeProblem> {
        match object.get(field) {
            None | Some(Value::Null) if required => {
                Err(problem(Some(field), "missing (required)".to_string()))
            }
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(problem(Some(field), format!("expected a string, found {other}"))),
        }
    };

    let kind = keep(
        &mut problems,
        string("kind", true).and_then(|k| {
            k.unwrap_or_default().parse::<RequestKind>().map_err(|e| problem(Some("kind"), e.to_string()))
        }),
    );
    let jurisdiction = keep(
        &mut problems,
        string("jurisdiction", true).and_then(|j| {
            j.unwrap_or_default()
                .parse::<Jurisdiction>()
                .map_err(|e| problem(Some("jurisdiction"), e.to_string()))
        }),
    );
    let received_at = keep(
        &mut problems,
        (|| {
            let received_text = string("received_at", true)?.unwrap_or_default();
            let received_at = DateTime::parse_from_rfc3339(&received_text)
                .map_err(|e| {
                    problem(
                        Some("received_at"),
                        format!("{received_text:?} is not an RFC 3339 time with offset ({e})"),
                    )
                })?
                .with_timezone(&Utc);
            if received_at > now {
                return Err(problem(
                    Some("received_at"),
                    format!("{received_text} is in the future (now is {})", now.format("%Y-%m-%dT%H:%M:%SZ")),
                ));
            }
            // The local date needs the jurisdiction; without one, the UTC date is near enough to
            // catch a year typed wrong.
            let local = jurisdiction.map_or(received_at.date_naive(), |j| j.local_date(received_at));
            if local < EARLIEST_RECEIPT {
                return Err(problem(
                    Some("received_at"),
                    format!(
                        "{received_text} is before {EARLIEST_RECEIPT}, the day the GDPR applies from (Art. 99(2)): no request under it can be older; check the date"
                    ),
                ));
            }
            Ok(received_at)
        })(),
    );
    let channel = keep(
        &mut problems,
        string("channel", false).and_then(|c| match c {
            None => Ok(None),
            Some(c) => match c.as_str() {
                "email" => Ok(Some(Channel::Email)),
                "letter" => Ok(Some(Channel::Letter)),
                "web" => Ok(Some(Channel::Web)),
                "phone" => Ok(Some(Channel::Phone)),
                _ => Err(problem(
                    Some("channel"),
                    format!("unknown channel {c:?}: expected email, letter, web or phone"),
                )),
            },
        }),
    );
    let language = keep(
        &mut problems,
        string("language", false).and_then(|l| match l {
            None => Ok(None),
            Some(l) => match l.as_str() {
                "sv" => Ok(Some(Language::Sv)),
                "fi" => Ok(Some(Language::Fi)),
                "en" => Ok(Some(Language::En)),
                _ => Err(problem(Some("language"), format!("unknown language {l:?}: expected sv, fi or en"))),
            },
        }),
    );
    let external_id = keep(
        &mut problems,
        (|| {
            let external_id = string("external_id", false)?;
            if let Some(id) = &external_id {
                if id.trim().is_empty() {
                    return Err(problem(Some("external_id"), "empty; leave it out instead".to_string()));
                }
                if id.chars().count() > MAX_FIELD_CHARS {
                    return Err(problem(Some("external_id"), "longer than 1000 characters".to_string()));
                }
                if has_controls(id) {
                    return Err(problem(
                        Some("external_id"),
                        "contains control characters (line breaks, escapes, bidi overrides)".to_string(),
                    ));
                }
                // Two ids that look the same must be the same id: duplicates are found by it.
                if id.chars().any(is_invisible) {
                    return Err(problem(
                        Some("external_id"),
                        "contains zero-width or other invisible characters".to_string(),
                    ));
                }
            }
            Ok(external_id)
        })(),
    );
    let text = keep(
        &mut problems,
        (|| {
            let text = string("text", false)?.unwrap_or_default();
            if text.len() > MAX_TEXT_BYTES {
                return Err(problem(
                    Some("text"),
                    format!(
                        "{} bytes: the limit is {MAX_TEXT_BYTES} bytes (1 MiB); attach long documents to the case instead",
                        text.len()
                    ),
                ));
            }
            // PostgreSQL's text cannot hold NUL; refused here with its line rather than by the database.
            if text.contains('\0') {
                return Err(problem(Some("text"), "contains a NUL character".to_string()));
            }
            Ok(text)
        })(),
    );

    let requester = match object.get("requester") {
        Some(Value::Object(r)) => {
            problems.extend(
                r.keys().filter(|k| !REQUESTER_FIELDS.contains(&k.as_str())).map(|unknown| {
                    problem(Some(&format!("requester.{unknown}")), "unknown field".to_string())
                }),
            );
            let mut requester = Requester::default();
            for (field, slot) in [
                ("name", &mut requester.name),
                ("email", &mut requester.email),
                ("personal_number", &mut requester.personal_number),
                ("address", &mut requester.address),
                ("phone", &mut requester.phone),
            ] {
                let path = format!("requester.{field}");
                let value = match r.get(field) {
                    None | Some(Value::Null) => Ok(None),
                    Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                    Some(Value::String(s)) => {
                        if s.chars().count() > MAX_FIELD_CHARS {
                            Err(problem(Some(&path), "longer than 1000 characters".to_string()))
                        } else if has_controls(s) {
                            // Names and addresses end up in mail headers, file contents and on
                            // screen: no controls, and no bidi overrides that reorder what the DPO
                            // reads ("Anna\u{202e}gpj.exe").
                            Err(problem(
                                Some(&path),
                                "contains control characters (line breaks, escapes, bidi overrides)"
                                    .to_string(),
                            ))
                        } else {
                            check_visible(s)
                                .map(|()| Some(s.trim().to_string()))
                                .map_err(|m| problem(Some(&path), m))
                        }
                    }
                    Some(other) => Err(problem(Some(&path), format!("expected a string, found {other}"))),
                };
                *slot = keep(&mut problems, value).flatten();
            }
            // Not said again when the name or e-mail given was itself refused above.
            let refused = |f: &str| problems.iter().any(|p| p.field.as_deref() == Some(f));
            if requester.name.is_none()
                && requester.email.is_none()
                && !refused("requester.name")
                && !refused("requester.email")
            {
                problems.push(problem(Some("requester"), "needs at least a name or an e-mail".to_string()));
            }
            if let Some(email) = &requester.email
                && let Err(m) = validate_email(email)
            {
                problems.push(problem(Some("requester.email"), m));
            }
            Some(requester)
        }
        None | Some(Value::Null) => {
            problems.push(problem(Some("requester"), "missing (required)".to_string()));
            None
        }
        Some(other) => {
            problems.push(problem(Some("requester"), format!("expected an object, found {other}")));
            None
        }
    };

    match (kind, jurisdiction, received_at, channel, language, external_id, text, requester) {
        (
            Some(kind),
            Some(jurisdiction),
            Some(received_at),
            Some(channel),
            Some(language),
            Some(external_id),
            Some(text),
            Some(requester),
        ) if problems.is_empty() => Ok(NewRequest {
            external_id,
            kind,
            jurisdiction,
            received_at,
            channel,
            requester,
            text,
            language,
        }),
        _ => Err(problems),
    }
}

/// GDPR Art. 99(2): the Regulation applies from 25 May 2018. A receipt before that is a typo (year
/// 0000, 1582) that would otherwise make a request "740284 days over".
pub const EARLIEST_RECEIPT: NaiveDate = match NaiveDate::from_ymd_opt(2018, 5, 25) {
    Some(d) => d,
    None => panic!("2018-05-25 is a date"),
};

/// The dotted path of the first key repeated within one JSON object (`requester.email`), if any.
/// `None` also when the text is not JSON at all: the parser after this says why.
fn first_duplicate_key(raw: &str) -> Option<String> {
    let found = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(raw);
    let _ = DuplicateKeys { path: String::new(), found: &found }.deserialize(&mut de);
    found.into_inner()
}

/// Walks any JSON value, failing at the first object that names a key twice.
struct DuplicateKeys<'a> {
    path: String,
    found: &'a RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for DuplicateKeys<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DuplicateKeys<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() { key.clone() } else { format!("{}.{key}", self.path) };
            if !seen.insert(key) {
                *self.found.borrow_mut() = Some(path);
                return Err(A::Error::custom("duplicate key"));
            }
            map.next_value_seed(DuplicateKeys { path, found: self.found })?;
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(DuplicateKeys { path: self.path.clone(), found: self.found })?.is_some() {
        }
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

/// The one rule for an address a reply may be sent to, applied at intake, in rectification and
/// when a reply is queued and built (Issue 14 §5), so that nothing accepted at the door fails
/// later and nothing refused later was accepted: one plain mailbox `local@domain`.
/// - local part: a dot-atom (RFC 5322 §3.4.1) of letters, digits and ``!#$&'*+/=?^_`{|}~-``;
///   no quoted local parts (`"asa oberg"@…`), no `%` (the old source-routing hack), at most 64
///   octets (RFC 5321 §4.5.3.1.1);
/// - domain: a host name of two or more labels of letters, digits and `-` (RFC 5321 §4.1.2);
///   no IP literals (`[192.0.2.1]`), no numeric top-level label, at most 255 octets;
/// - no domain that mixes Latin letters with Cyrillic, Greek or Armenian ones (`exаmple.se` with a
///   Cyrillic `а`): a homograph that reads as a known domain (UTS #39 §5.1 "mixed script").
pub fn validate_email(email: &str) -> Result<(), String> {
    let shown = super::text::escape_line(email);
    let refuse = |why: &str| Err(format!("{shown:?} is not a sendable e-mail address: {why}"));
    if email.chars().any(|c| c.is_control() || c == ',' || c == '<' || c == '>' || c.is_whitespace()) {
        return Err(format!("{shown:?} is not a single plain e-mail address"));
    }
    if email.len() > 254 {
        return refuse("longer than 254 octets");
    }
    let Some((local, domain)) = email.rsplit_once('@') else { return refuse("no @") };
    if local.starts_with('"') || local.contains('"') {
        return refuse("quoted local parts are not accepted");
    }
    if local.contains('%') || domain.contains('%') {
        return refuse("'%' is not accepted");
    }
    if domain.starts_with('[') || domain.contains(['[', ']']) {
        return refuse("IP-address literals are not accepted; a domain name is needed");
    }
    let atext = |c: char| c.is_alphanumeric() || "!#$&'*+/=?^_`{|}~-".contains(c);
    if local.is_empty()
        || local.len() > 64
        || local.split('.').any(|atom| atom.is_empty() || !atom.chars().all(atext))
    {
        return refuse(
            "the part before @ must be letters, digits and . + - _ (no leading, trailing or double dots)",
        );
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if domain.len() > 255
        || labels.len() < 2
        || labels.iter().any(|l| {
            l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
    {
        return refuse("the domain must be a host name such as example.se");
    }
    if labels.last().is_some_and(|tld| tld.chars().all(|c| c.is_ascii_digit())) {
        return refuse("the domain must be a host name such as example.se, not a number");
    }
    let script = |c: char| match c {
        'a'..='z' | 'A'..='Z' | '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}' => Some("Latin"),
        '\u{370}'..='\u{3ff}' | '\u{1f00}'..='\u{1fff}' => Some("Greek"),
        '\u{400}'..='\u{52f}' => Some("Cyrillic"),
        '\u{530}'..='\u{58f}' => Some("Armenian"),
        _ => None,
    };
    let mut scripts: Vec<&str> = domain.chars().filter_map(script).collect();
    scripts.sort_unstable();
    scripts.dedup();
    if scripts.len() > 1 {
        return refuse(&format!(
            "the domain mixes {} letters, as look-alike domains do",
            scripts.join(" and ")
        ));
    }
    Ok(())
}

/// Characters that show as nothing: zero-width spaces and joiners, the word joiner, the BOM, the
/// soft hyphen, variation selectors, the combining grapheme joiner and the tag characters
/// (U+E0000–U+E007F).
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{ad}' | '\u{34f}'
        | '\u{180e}' | '\u{fe00}'..='\u{fe0f}' | '\u{e0000}'..='\u{e007f}' | '\u{e0100}'..='\u{e01ef}')
}

/// A name or address a reader can see: not made only of invisible characters and spaces.
pub fn check_visible(value: &str) -> Result<(), String> {
    if !value.is_empty() && value.chars().all(|c| is_invisible(c) || c.is_whitespace()) {
        return Err("has no visible characters (only zero-width or tag characters)".to_string());
    }
    Ok(())
}

/// The intake rules for one text value stored in a person's record, used again when `rectify
/// --set` changes one (Issue 14 §5): no control characters, escapes or bidi overrides, at most
/// 1000 characters, something visible, and for an e-mail column the one address rule.
pub fn check_field_value(column: &str, value: &str) -> Result<(), String> {
    if value.chars().count() > MAX_FIELD_CHARS {
        return Err(format!("{} characters: the limit is {MAX_FIELD_CHARS}", value.chars().count()));
    }
    if has_controls(value) || value.contains('\0') {
        return Err("contains control characters (line breaks, escapes, bidi overrides)".to_string());
    }
    check_visible(value)?;
    if column.contains("email") || column.contains("e_mail") {
        validate_email(value)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
    }

    const GOOD: &str = r#"{"external_id":"web-1","kind":"erasure","jurisdiction":"SE","received_at":"2026-11-20T09:15:00+01:00","channel":"web","requester":{"name":"Åsa Öberg","email":"asa@example.se","personal_number":"19800101-1234"},"text":"Radera mig","language":"sv"}"#;

    #[test]
    fn every_problem_of_a_line_is_reported_with_its_field() {
        let raw = GOOD
            .replace(r#""kind":"erasure""#, r#""kind":"forget-me""#)
            .replace(r#""language":"sv""#, r#""language":"swedish""#)
            .replace(r#""email":"asa@example.se""#, r#""email":"asa at example""#)
            .replace(r#""text":"Radera mig""#, r#""text":"Radera mig","colour":"red""#);
        let problems = parse_line_all(3, &raw, now()).unwrap_err();
        let fields: Vec<_> = problems.iter().map(|p| p.field.as_deref().unwrap_or("")).collect();
        assert_eq!(fields.len(), 4, "{problems:?}");
        for f in ["kind", "language", "requester.email", "colour"] {
            assert!(fields.contains(&f), "{f}: {problems:?}");
        }
        assert!(problems.iter().all(|p| p.line == 3));
    }

    #[test]
    fn parses_a_complete_line() {
        let r = parse_line(1, GOOD, now()).unwrap();
        assert_eq!(r.kind, RequestKind::Erasure);
        assert_eq!(r.jurisdiction, Jurisdiction::Sweden);
        assert_eq!(r.received_at, Utc.with_ymd_and_hms(2026, 11, 20, 8, 15, 0).unwrap());
        assert_eq!(r.requester.name.as_deref(), Some("Åsa Öberg"));
        assert_eq!(r.language, Some(Language::Sv));
    }

    fn field_of(raw: &str) -> (usize, Option<String>) {
        let p = parse_line(7, raw, now()).unwrap_err();
        (p.line, p.field)
    }

    #[test]
    fn received_before_the_gdpr_applied_is_refused() {
        // Art. 99(2): applies from 25 May 2018. Year 0000 would make a request 740,000 days over.
        for at in ["0000-01-01T00:00:00Z", "1582-10-15T12:00:00Z", "2018-05-24T12:00:00+02:00"] {
            let raw = GOOD.replace("2026-11-20T09:15:00+01:00", at);
            let p = parse_line(7, &raw, now()).unwrap_err();
            assert_eq!(p.field.as_deref(), Some("received_at"), "{at}");
            assert!(p.message.contains("2018-05-25"), "{p}");
        }
        // 25 May 2018 itself, in Swedish time, is the first day accepted.
        let raw = GOOD.replace("2026-11-20T09:15:00+01:00", "2018-05-24T22:30:00Z");
        assert!(parse_line(7, &raw, now()).is_ok());
    }

    #[test]
    fn duplicate_key_is_refused_with_line_and_key() {
        // RFC 8259 §4: last-one-wins would turn an access request into an erasure.
        let raw = GOOD.replace(r#""kind":"erasure""#, r#""kind":"access","kind":"erasure""#);
        assert_eq!(field_of(&raw), (7, Some("kind".into())));
        let raw = GOOD.replace(r#""name":"Åsa Öberg""#, r#""name":"Åsa Öberg","name":"Eve""#);
        assert_eq!(field_of(&raw), (7, Some("requester.name".into())));
        let p = parse_line(7, &raw, now()).unwrap_err();
        assert!(p.to_string().contains("line 7: field `requester.name`: appears twice"), "{p}");
    }

    #[test]
    fn broken_json_names_the_line() {
        assert_eq!(field_of("{\"kind\": "), (7, None));
    }

    #[test]
    fn unknown_kind_names_the_field() {
        let raw = GOOD.replace("\"erasure\"", "\"deletion\"");
        assert_eq!(field_of(&raw), (7, Some("kind".into())));
    }

    #[test]
    fn missing_received_at_is_refused() {
        let raw = r#"{"kind":"access","jurisdiction":"FI","requester":{"name":"Matti"}}"#;
        assert_eq!(field_of(raw), (7, Some("received_at".into())));
    }

    #[test]
    fn received_in_the_future_is_refused() {
        let raw = GOOD.replace("2026-11-20T09:15:00+01:00", "2026-11-22T09:15:00+01:00");
        assert_eq!(field_of(&raw), (7, Some("received_at".into())));
    }

    #[test]
    fn invalid_email_is_refused() {
        for bad in ["asa@", "not-an-address", "a@b.se, c@d.se", "Åsa <asa@example.se>"] {
            let raw = GOOD.replace("asa@example.se", bad);
            assert_eq!(field_of(&raw), (7, Some("requester.email".into())), "{bad}");
        }
    }

    #[test]
    fn one_rule_for_a_sendable_address_refuses_quotes_ip_literals_percent_and_homographs() {
        for bad in [
            r#""asa oberg"@example.se"#,
            r#""asa"@example.se"#,
            "asa@[192.0.2.1]",
            "asa@[IPv6:2001:db8::1]",
            "asa%evil.example@example.se",
            "asa@ex\u{0430}mple.se",               // Cyrillic а in a Latin domain
            "asa@\u{0440}\u{0430}y\u{0440}al.com", // Cyrillic р а р with Latin y, l
            "asa@192.0.2.1",
            "asa..oberg@example.se",
            ".asa@example.se",
            "asa@example",
            "asa@-example.se",
        ] {
            assert!(validate_email(bad).is_err(), "{bad} accepted");
        }
        for good in [
            "asa@example.se",
            "asa.oberg+dsr@example.se",
            "åsa.öberg@exempel.se",
            "matti@esimerkki.fi",
            "o'brien@example.ie",
            "ivan@\u{043f}\u{0440}\u{0438}\u{043c}\u{0435}\u{0440}.\u{0440}\u{0444}", // all Cyrillic
        ] {
            assert_eq!(validate_email(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn names_of_only_zero_width_or_tag_characters_and_invisible_external_ids_are_refused() {
        for name in ["\\u200b\\u200c\\u200d", "\\udb40\\udc41\\udb40\\udc42", "\\u2060\\ufeff"] {
            let raw = GOOD.replace("Åsa Öberg", name);
            assert_eq!(field_of(&raw), (7, Some("requester.name".into())), "{name}");
        }
        let raw = GOOD.replace("web-1", "web\\u200b-1");
        assert_eq!(field_of(&raw), (7, Some("external_id".into())));
        // A zero-width joiner inside a real name is not refused (it shapes some scripts).
        let raw = GOOD.replace("Åsa Öberg", "Åsa\\u200dÖberg");
        assert!(parse_line(7, &raw, now()).is_ok());
    }

    #[test]
    fn name_or_email_required() {
        let raw = r#"{"kind":"access","jurisdiction":"FI","received_at":"2026-11-01T10:00:00Z","requester":{"phone":"+358401234567"}}"#;
        assert_eq!(field_of(raw), (7, Some("requester".into())));
    }

    #[test]
    fn header_injection_in_name_is_refused() {
        let raw = GOOD.replace("Åsa Öberg", "Åsa\\r\\nBcc: evil@example.com");
        assert_eq!(field_of(&raw), (7, Some("requester.name".into())));
    }

    #[test]
    fn bidi_override_in_name_is_refused() {
        let raw = GOOD.replace("Åsa Öberg", "Åsa\\u202egpj.exe");
        assert_eq!(field_of(&raw), (7, Some("requester.name".into())));
    }

    #[test]
    fn a_text_of_exactly_one_mebibyte_is_accepted_and_one_byte_more_is_refused() {
        let line = |n: usize| GOOD.replace("Radera mig", &"a".repeat(n));
        assert_eq!(parse_line(1, &line(MAX_TEXT_BYTES), now()).unwrap().text.len(), MAX_TEXT_BYTES);
        let p = parse_line(1, &line(MAX_TEXT_BYTES + 1), now()).unwrap_err();
        assert_eq!(p.field.as_deref(), Some("text"));
        assert!(p.message.contains("limit is 1048576 bytes"), "{}", p.message);
    }

    #[test]
    fn invalid_utf8_names_the_line_and_the_byte() {
        let p = decode(b"{}\n{\"a\": \"\xc3\x28\"}\n").unwrap_err();
        assert_eq!(p.line, 2);
        assert_eq!(p.to_string(), "line 2: not UTF-8: byte 8 of the line is \\xc3 (save the file as UTF-8)");
        assert_eq!(decode("Åsa\n".as_bytes()).unwrap(), "Åsa\n");
    }

    #[test]
    fn a_hostile_unknown_key_is_escaped_in_the_message() {
        let raw = GOOD.replace("\"channel\"", "\"\\u001b]0;pwned\\u0007\"");
        let shown = parse_line(3, &raw, now()).unwrap_err().to_string();
        assert!(!shown.contains('\u{1b}') && !shown.contains('\u{7}'), "{shown:?}");
        assert!(shown.contains("\\x1b]0;pwned\\x07"), "{shown}");
    }

    #[test]
    fn unknown_field_is_refused_rather_than_dropped() {
        let raw = GOOD.replace("\"channel\"", "\"chanel\"");
        assert_eq!(field_of(&raw), (7, Some("chanel".into())));
    }
}
