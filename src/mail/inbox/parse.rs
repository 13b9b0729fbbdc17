//! What dsrdesk reads out of an arrived e-mail, with `mail-parser` (MIME, encoded words, charsets)
//! and `html2text` (an HTML-only body as plain text; never rendered).
//!
//! Everything from the sender is data: one-line fields (names, subject, addresses, file names)
//! get every control character, escape sequence and bidi override escaped (`domain::text`), so
//! none can reach the terminal or a reply's header; an address that is not a plain address is
//! dropped with a note. Attachments are kept as bytes and never opened (a zip bomb stays a blob).

use crate::domain::text::{escape_line, escape_multiline};
use chrono::{DateTime, Utc};
use mail_parser::{MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

/// Parts nested deeper than this are not searched for text (they are still kept in the raw bytes).
pub const MAX_DEPTH: usize = 32;
/// The stored text is cut here (the raw message keeps it all).
pub const MAX_TEXT_CHARS: usize = 200_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedMessage {
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
    pub attachments: Vec<ParsedAttachment>,
    /// What could not be read as sent, for the operator.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAttachment {
    pub file_name: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn line(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| escape_line(s).into_owned())
}

/// A plain address (`local@domain`) or nothing: anything else never reaches a header.
fn plain_address(s: &str, field: &str, notes: &mut Vec<String>) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if email_address::EmailAddress::is_valid(s) && !crate::domain::text::has_controls(s) && !s.contains(' ') {
        Some(s.to_string())
    } else {
        notes.push(format!("{field} is not a plain address: {}", escape_line(s)));
        None
    }
}

/// A Message-ID (`<x@y>`), or nothing when it holds spaces or control characters.
fn message_id(s: &str) -> Option<String> {
    let s = s.trim().trim_start_matches('<').trim_end_matches('>');
    let ok =
        !s.is_empty() && s.len() <= 900 && s.chars().all(|c| c.is_ascii_graphic() && c != '<' && c != '>');
    ok.then(|| format!("<{s}>"))
}

fn ids(value: &mail_parser::HeaderValue) -> Vec<String> {
    match value {
        mail_parser::HeaderValue::Text(t) => message_id(t).into_iter().collect(),
        mail_parser::HeaderValue::TextList(list) => {
            list.iter().filter_map(|t| message_id(t)).take(100).collect()
        }
        _ => Vec::new(),
    }
}

fn content_type_of(part: &mail_parser::MessagePart) -> String {
    let clean = |s: &str| -> String {
        s.chars().filter(|c| c.is_ascii_alphanumeric() || "!#$&^_.+-".contains(*c)).take(100).collect()
    };
    match part.content_type() {
        Some(ct) => {
            let main = clean(ct.ctype());
            let sub = ct.subtype().map(clean).unwrap_or_default();
            if main.is_empty() || sub.is_empty() {
                "application/octet-stream".into()
            } else {
                format!("{}/{}", main.to_ascii_lowercase(), sub.to_ascii_lowercase())
            }
        }
        None => "application/octet-stream".into(),
    }
}

fn file_name_of(part: &mail_parser::MessagePart, position: usize) -> String {
    let name = part.attachment_name().map(|n| escape_line(n.trim()).replace(['/', '\\'], "_"));
    let name: String = name.unwrap_or_default().chars().take(200).collect();
    if name.is_empty() || name == "." || name == ".." { format!("attachment-{}", position + 1) } else { name }
}

/// The deepest nesting of parts, counted without recursion (a 100-deep multipart is data).
fn depth_of(message: &mail_parser::Message) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(0u32, 0usize)];
    while let Some((id, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        if let Some(part) = message.parts.get(id as usize)
            && let PartType::Multipart(children) = &part.body
        {
            stack.extend(children.iter().map(|c| (*c, depth + 1)));
        }
    }
    deepest
}

/// Parse an arrived message. Never fails: what cannot be read is noted and left in the raw bytes.
pub fn parse(raw: &[u8]) -> ParsedMessage {
    let mut out = ParsedMessage::default();
    let Some(message) = MessageParser::default().parse(raw) else {
        out.notes.push("not a readable e-mail (no header)".into());
        return out;
    };
    if let Some(from) = message.from().and_then(|a| a.first()) {
        out.from_name = from.name().and_then(line);
        out.from_address = from.address().and_then(|a| plain_address(a, "From", &mut out.notes));
    }
    if let Some(reply_to) = message.reply_to().and_then(|a| a.first()) {
        out.reply_to = reply_to.address().and_then(|a| plain_address(a, "Reply-To", &mut out.notes));
    }
    if let Some(to) = message.to() {
        let all: Vec<String> = to.iter().filter_map(|a| a.address()).filter_map(line).take(20).collect();
        out.to_addresses = (!all.is_empty()).then(|| all.join(", "));
    }
    out.subject = message.subject().and_then(line).map(|s| s.chars().take(1000).collect());
    out.sent_date = message
        .date()
        .filter(|d| d.is_valid())
        .and_then(|d| DateTime::<Utc>::from_timestamp(d.to_timestamp(), 0));
    out.message_id = message.message_id().and_then(message_id);
    out.in_reply_to = ids(message.in_reply_to());
    out.references = ids(message.references());

    let depth = depth_of(&message);
    if depth > MAX_DEPTH {
        out.notes.push(format!("parts nested {depth} deep: only the outer {MAX_DEPTH} levels were read"));
    }
    // The text: the first plain-text body; an HTML-only mail turned into text by html2text.
    let text = message.text_part(0).and_then(|part| match &part.body {
        PartType::Text(t) => Some(t.to_string()),
        PartType::Html(h) => Some(html_to_text(h)),
        _ => None,
    });
    let text = text.or_else(|| message.html_part(0).and_then(|p| p.text_contents().map(html_to_text)));
    let text = text.unwrap_or_default();
    if text.chars().count() > MAX_TEXT_CHARS {
        out.notes.push(format!("the text was cut at {MAX_TEXT_CHARS} characters (the original is kept)"));
    }
    let text: String = text.chars().take(MAX_TEXT_CHARS).collect();
    out.body_text = escape_multiline(&text.replace("\r\n", "\n")).into_owned();

    for (position, part) in message.attachments().enumerate().take(500) {
        out.attachments.push(ParsedAttachment {
            file_name: file_name_of(part, position),
            content_type: content_type_of(part),
            content: part.contents().to_vec(),
        });
    }
    out
}

fn html_to_text(html: &str) -> String {
    // html2text reads the markup as data (no scripts, no fetches); a failure leaves no text.
    html2text::from_read(html.as_bytes(), 100).unwrap_or_default()
}

/// The header block of a message (up to the first empty line), for one kept as too large.
pub fn header_block(raw: &[u8]) -> &[u8] {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
        .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|p| p + 2))
        .unwrap_or(raw.len());
    &raw[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_words_with_escapes_and_line_breaks_are_escaped() {
        // =?utf-8?q?...?= carrying ESC [ 2 J (clear screen) and CR LF in the subject and name.
        let raw = b"From: =?utf-8?q?Eve=1B[2J=0D=0ABcc:_x@y?= <eve@example.com>\r\n\
Subject: =?utf-8?q?Hej=0D=0AX-Injected:_1=1B]0;pwned=07?=\r\n\
Message-ID: <a@b>\r\n\r\nhello\x1b[31m red\r\n";
        let p = parse(raw);
        let subject = p.subject.unwrap();
        assert!(!subject.chars().any(char::is_control), "{subject:?}");
        assert!(subject.contains("\\x1b") && subject.contains("\\x0d"), "{subject:?}");
        assert!(!p.from_name.unwrap().chars().any(char::is_control));
        assert_eq!(p.from_address.as_deref(), Some("eve@example.com"));
        assert!(p.body_text.contains("\\x1b[31m") && !p.body_text.contains('\x1b'));
    }

    #[test]
    fn html_only_mail_becomes_text_without_markup() {
        let raw = b"From: a@example.com\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Jag vill ha <b>registerutdrag</b></p><script>alert(1)</script></body></html>";
        let p = parse(raw);
        assert!(p.body_text.contains("registerutdrag"), "{:?}", p.body_text);
        assert!(!p.body_text.contains("<b>"));
    }

    #[test]
    fn header_block_stops_at_the_blank_line() {
        assert_eq!(header_block(b"A: 1\r\nB: 2\r\n\r\nbody"), b"A: 1\r\nB: 2\r\n\r\n");
        assert_eq!(header_block(b"A: 1\n\nbody"), b"A: 1\n\n");
    }
}
