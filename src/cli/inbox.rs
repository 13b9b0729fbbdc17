//! `dsrdesk mail fetch` and `dsrdesk inbox list|show|request|attach|dismiss|resume`: the DPO's
//! mailboxes taken in, and what is done with each message. Everything from a message is escaped
//! before it reaches the terminal (it already is when stored; escaped again here, to be sure).

use super::print_json;
use crate::domain::RequestKind;
use crate::domain::intake::Language;
use crate::domain::text::{escape_line, escape_multiline};
use crate::error::{Error, Result};
use crate::mail::inbox::fetch::{self, FetchReport};
use crate::service::inbox::InboxItem;
use crate::service::{Desk, Operator};
use chrono::Utc;
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct MailArgs {
    #[command(subcommand)]
    pub action: MailAction,
}

#[derive(Debug, Subcommand)]
pub enum MailAction {
    /// Take in what is new in every configured mailbox (`[[mailboxes]]`); keeps watching
    /// (IMAP IDLE, else polling) unless --once.
    Fetch {
        #[arg(long)]
        once: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct InboxArgs {
    #[command(subcommand)]
    pub action: InboxAction,
}

#[derive(Debug, Subcommand)]
pub enum InboxAction {
    /// Messages not yet handled, oldest first, with their age and the due date they would have.
    List {
        #[arg(long, default_value_t = 100)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
    /// One message: headers, text, attachments, the requests it belongs to.
    Show {
        id: i64,
        /// Write the message's original bytes to standard output (evidence; not interpreted).
        #[arg(long, conflicts_with = "json")]
        raw: bool,
        #[arg(long)]
        json: bool,
    },
    /// Make requests from a message: one per --kind (access and erasure in one mail: two requests).
    Request {
        id: i64,
        #[arg(long = "kind", required = true)]
        kinds: Vec<String>,
        /// sv, fi or en (default: guessed from the text).
        #[arg(long)]
        language: Option<String>,
        /// Create even when a likely duplicate is open.
        #[arg(long)]
        despite_duplicates: bool,
        #[arg(long)]
        json: bool,
    },
    /// Attach a message to a request (the subject's answer to our question).
    Attach { id: i64, reference: String },
    /// Not a request: set the message aside with the reason.
    Dismiss {
        id: i64,
        #[arg(long)]
        reason: String,
    },
    /// The information asked for arrived with this message: resume the request's clock from the
    /// message's arrival (Art. 12(6)).
    Resume { reference: String, id: i64 },
}

pub fn print_fetch_report(r: &FetchReport) {
    outln!(
        "{}: {} stored ({} threaded to their request, {} too large, kept with headers only), {} already taken, {} moved",
        escape_line(&r.mailbox),
        r.stored,
        r.threaded,
        r.too_large,
        r.already_taken,
        r.moved
    );
}

pub async fn mail(desk: &Desk, operator: &Operator, a: MailArgs) -> Result<()> {
    let MailAction::Fetch { once, json } = a.action;
    let operator = Operator::new(format!("{} (mail fetch)", operator.user));
    let mailboxes = fetch::mailboxes(desk)?;
    if mailboxes.is_empty() {
        return Err(Error::Invalid(
            "no [[mailboxes]] in the configuration: see README, \"The mailbox\"".into(),
        ));
    }
    if once {
        let mut reports = Vec::new();
        for m in &mailboxes {
            reports.push(fetch::fetch_one(desk, &operator, m).await?);
        }
        if json {
            print_json(&reports);
        } else {
            reports.iter().for_each(print_fetch_report);
        }
        return Ok(());
    }
    let tasks = spawn_watchers(desk, &operator, mailboxes);
    tokio::signal::ctrl_c().await.ok();
    tasks.iter().for_each(|t| t.abort());
    Ok(())
}

/// One task per mailbox, each keeping it taken in until aborted (used by `mail fetch` and `worker`).
pub fn spawn_watchers(
    desk: &Desk,
    operator: &Operator,
    mailboxes: Vec<crate::mail::inbox::settings::Mailbox>,
) -> Vec<tokio::task::JoinHandle<()>> {
    mailboxes
        .into_iter()
        .map(|m| {
            tokio::spawn(fetch::watch(desk.clone(), operator.clone(), m, |report| match report {
                Ok(r) if r.stored + r.moved > 0 => print_fetch_report(&r),
                Ok(_) => {}
                Err(e) => eprintln!("dsrdesk: {}", escape_line(&e.to_string())),
            }))
        })
        .collect()
}

fn shown(v: &Option<String>) -> String {
    v.as_deref().map(|s| escape_line(s).into_owned()).unwrap_or_else(|| "-".into())
}

fn item_line(i: &InboxItem) -> String {
    let m = &i.message;
    format!(
        "{:>6}  {}  {:>3}d  due {}  {}  {:<30}  {}{}",
        m.id,
        m.received_at.with_timezone(&m.jurisdiction.time_zone()).format("%Y-%m-%d %H:%M"),
        i.age_days,
        i.would_be_due_on.map(|d| d.to_string()).unwrap_or_else(|| "?".into()),
        m.jurisdiction.code(),
        shown(&m.from_address),
        shown(&m.subject),
        if m.too_large { "  [too large]" } else { "" }
    )
}

pub async fn inbox(desk: &Desk, operator: &Operator, a: InboxArgs) -> Result<()> {
    let now = Utc::now();
    match a.action {
        InboxAction::List { limit, json } => {
            let items = desk.inbox(limit, 0, now).await?;
            if json {
                print_json(&items);
            } else if items.is_empty() {
                outln!("The inbox is empty.");
            } else {
                items.iter().for_each(|i| outln!("{}", item_line(i)));
            }
        }
        InboxAction::Show { id, raw, json } => {
            if raw {
                use std::io::Write;
                let bytes = desk.inbox_raw(id).await?;
                std::io::stdout()
                    .write_all(&bytes)
                    .map_err(|e| Error::Invalid(format!("standard output: {e}")))?;
                return Ok(());
            }
            let d = desk.inbox_message(id, now).await?;
            if json {
                print_json(&d);
                return Ok(());
            }
            let m = &d.item.message;
            outln!("{}", item_line(&d.item));
            outln!("From:     {} <{}>", shown(&m.from_name), shown(&m.from_address));
            outln!("Reply-To: {}", shown(&m.reply_to));
            outln!("To:       {}", shown(&m.to_addresses));
            outln!("Subject:  {}", shown(&m.subject));
            outln!("Message-ID: {}", shown(&m.message_id));
            outln!(
                "State:    {}{}",
                m.state,
                m.not_a_request_reason
                    .as_deref()
                    .map(|r| format!(" ({})", escape_line(r)))
                    .unwrap_or_default()
            );
            outln!("Language: {} (guessed)", d.language_guess.map(Language::as_str).unwrap_or("?"));
            for note in &m.parse_notes {
                outln!("Note:     {}", escape_line(note));
            }
            for a in &d.attachments {
                outln!(
                    "Attachment: {} ({}, {} bytes, sha256 {})",
                    escape_line(&a.file_name),
                    escape_line(&a.content_type),
                    a.size,
                    a.sha256
                );
            }
            for l in &d.requests {
                outln!("Request:  {} ({})", l.reference, l.role);
            }
            if !d.same_message_id.is_empty() {
                outln!("Same Message-ID as message(s): {:?}", d.same_message_id);
            }
            outln!("\n{}", escape_multiline(&m.body_text));
        }
        InboxAction::Request { id, kinds, language, despite_duplicates, json } => {
            let kinds: Vec<RequestKind> = kinds
                .iter()
                .map(|k| k.parse().map_err(|e| Error::Invalid(format!("--kind {}: {e}", escape_line(k)))))
                .collect::<Result<_>>()?;
            let language = language
                .map(|l| {
                    Language::from_code(&l).ok_or_else(|| {
                        Error::Invalid(format!("--language {}: use sv, fi or en", escape_line(&l)))
                    })
                })
                .transpose()?;
            let warnings = desk.inbox_duplicates(id, &kinds).await?;
            if !warnings.is_empty() && !despite_duplicates {
                return Err(Error::rule(
                    format!("inbox message {id}"),
                    format!(
                        "likely duplicate: {}; add --despite-duplicates to create anyway",
                        warnings.join("; ")
                    ),
                ));
            }
            let created = desk.make_requests(operator, id, &kinds, language, now).await?;
            if json {
                print_json(&serde_json::json!({"created": created, "duplicate_warnings": warnings}));
            } else {
                outln!("made from message {id}: {}", created.join(", "));
            }
        }
        InboxAction::Attach { id, reference } => {
            desk.attach_message(operator, id, &reference).await?;
            outln!("message {id} attached to {}", escape_line(&reference));
        }
        InboxAction::Dismiss { id, reason } => {
            desk.set_aside(operator, id, &reason).await?;
            outln!("message {id} set aside: not a request");
        }
        InboxAction::Resume { reference, id } => {
            let r = desk.resume_from_message(operator, &reference, id).await?;
            outln!("{} resumed from message {id}: due {}", r.reference, r.due_on);
        }
    }
    Ok(())
}
