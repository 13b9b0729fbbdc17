//! `dsrdesk reply`: write a reply from its template and queue it in the outbox, with the request's
//! status change, in one transaction; `--preview` shows what would be sent and queues nothing.

use super::print_json;
use crate::domain::intake::Language;
use crate::domain::text::{escape_line, escape_multiline};
use crate::error::{Error, Result};
use crate::mail::templates::Purpose;
use crate::service::reply::{ComposeInput, Composed, ReplyOrder, split_subject};
use crate::service::{Desk, Operator};
use chrono::Utc;
use clap::Args;
use std::path::PathBuf;

/// The largest reply body `--body` accepts: a letter, not a data dump (data goes in attachments).
const MAX_BODY_BYTES: u64 = 256 * 1024;

#[derive(Debug, Args)]
pub struct ReplyArgs {
    pub reference: String,
    /// acknowledgement, identity_request, extension, access_reply, rectification_done,
    /// erasure_done, erasure_partly_refused, restriction_confirmed, objection_outcome, refusal,
    /// forwarded.
    #[arg(long, value_name = "NAME", value_parser = parse_purpose)]
    pub template: Purpose,
    /// The reply's language; default: the request's, else the controller's.
    #[arg(long, value_name = "sv|fi|en", value_parser = parse_language)]
    pub lang: Option<Language>,
    /// What only the DPO can say: the information needed (identity_request), the reasons
    /// (extension, refusal), or the client's name (forwarded).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// The reply's text from a file instead of the template: the whole file is the body, or, when
    /// it starts with "Subject:", the subject line, an empty line, then the body.
    #[arg(long, value_name = "FILE")]
    pub body: Option<PathBuf>,
    /// Attach an export made now: the access copy (default) or the portability bundle.
    #[arg(long, value_name = "access|portability", num_args = 0..=1, default_missing_value = "access")]
    pub attach_export: Option<String>,
    /// Encrypt the attached portability bundle (AES-256); the passphrase is printed once, for
    /// the DPO to give through another channel (never by e-mail).
    #[arg(long, requires = "attach_export")]
    pub encrypt: bool,
    /// Print exactly what would be sent and queue nothing.
    #[arg(long)]
    pub preview: bool,
    #[arg(long)]
    pub json: bool,
}

fn parse_purpose(s: &str) -> std::result::Result<Purpose, String> {
    s.parse().map_err(|e: crate::mail::templates::UnknownPurpose| e.to_string())
}

pub fn parse_language(s: &str) -> std::result::Result<Language, String> {
    Language::from_code(s).ok_or_else(|| format!("unknown language {s:?}: expected sv, fi or en"))
}

/// Read `--body FILE`: UTF-8, not larger than a letter; a leading "Subject:" line replaces the
/// template's subject.
pub fn read_body_file(path: &std::path::Path) -> Result<(Option<String>, String)> {
    let where_ = path.display();
    let size = std::fs::metadata(path).map_err(|e| Error::Invalid(format!("--body {where_}: {e}")))?.len();
    if size > MAX_BODY_BYTES {
        return Err(Error::Invalid(format!(
            "--body {where_}: {size} bytes; a reply's text is at most {MAX_BODY_BYTES} bytes (attach data as an export)"
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| Error::Invalid(format!("--body {where_}: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        Error::Invalid(format!(
            "--body {where_}: not UTF-8 (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    Ok(split_subject(&text))
}

pub fn print_composed(c: &Composed) {
    outln!("From:    {} <{}>", escape_line(&c.from_name), escape_line(&c.from_address));
    match &c.to_name {
        Some(name) => outln!("To:      {} <{}>", escape_line(name), escape_line(&c.to_address)),
        None => outln!("To:      {}", escape_line(&c.to_address)),
    }
    outln!("Subject: {}", escape_line(&c.subject));
    outln!("Language: {}   Template: {} ({})", c.language.as_str(), c.purpose, escape_line(&c.template));
    outln!("");
    outln!("{}", escape_multiline(&c.body));
}

pub async fn reply(desk: &Desk, operator: &Operator, a: ReplyArgs) -> Result<()> {
    let now = Utc::now();
    if let Some(format) = a.attach_export.as_deref()
        && !matches!(format, "access" | "portability")
    {
        return Err(Error::Invalid(format!("--attach-export {format:?}: expected access or portability")));
    }
    let (subject, body) = match &a.body {
        Some(path) => {
            let (subject, body) = read_body_file(path)?;
            (subject, Some(body))
        }
        None => (None, None),
    };
    if a.preview {
        let attachment_lines =
            a.attach_export.iter().map(|f| format!("the {f} export, made when queued")).collect();
        let input = ComposeInput { language: a.lang, detail: a.reason.clone(), attachment_lines };
        let mut composed = desk.compose_reply(&a.reference, a.template, &input, now).await?;
        if let Some(subject) = subject {
            composed.subject = subject;
        }
        if let Some(body) = body {
            composed.body = body;
        }
        if a.json {
            print_json(&composed);
        } else {
            print_composed(&composed);
            if let Some(f) = &a.attach_export {
                outln!("\nAttachment: the {f} export, made from the data as it is when queued");
            }
            outln!("\n(preview: nothing was queued)");
        }
        return Ok(());
    }
    let order = ReplyOrder {
        purpose: a.template,
        language: a.lang,
        detail: a.reason.clone(),
        subject,
        body,
        attach: a.attach_export.clone(),
        encrypt: a.encrypt,
    };
    let queued = desk.queue_reply(operator, &a.reference, &order, now).await?;
    if a.json {
        print_json(&queued);
        return Ok(());
    }
    outln!(
        "{}: {} to {} queued as outbox #{} ({}); the request is {}",
        queued.reference,
        queued.purpose,
        escape_line(&queued.to_address),
        queued.outbox_id,
        escape_line(&queued.message_id),
        queued.status
    );
    for f in &queued.attachments {
        outln!("  attached {} ({} bytes, SHA-256 {})", escape_line(&f.file_name), f.size, f.sha256);
    }
    if let Some(passphrase) = &queued.passphrase {
        outln!("  passphrase of the bundle: {passphrase}");
        outln!("  give it to the requester through another channel (phone, SMS), never in the e-mail;");
        outln!("  it is not stored anywhere and is not shown again.");
    }
    outln!("`dsrdesk outbox send` (or the worker, or an open desk) delivers it.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_file_may_carry_its_own_subject() {
        assert_eq!(
            split_subject("Subject: Svar i ärende X\r\n\r\nHej!\r\n"),
            (Some("Svar i ärende X".to_string()), "Hej!\n".to_string())
        );
        assert_eq!(split_subject("Hej!\n"), (None, "Hej!\n".to_string()));
    }
}
