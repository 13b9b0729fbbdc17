//! `dsrdesk outbox send|list|resolve`: delivering replies, and what needs the operator (failed and
//! uncertain messages). Everything from a message is escaped before it reaches the terminal.

use super::print_json;
use crate::config::Config;
use crate::domain::text::escape_line;
use crate::error::{Error, Result};
use crate::service::outbox::{DeliveryReport, Mailer};
use crate::service::{Desk, Operator};
use crate::store::outbox::{OutboxState, OutboxSummary, Resolution};
use chrono::Utc;
use clap::{Args, Subcommand};
use std::io::Write;

#[derive(Debug, Args)]
pub struct OutboxArgs {
    #[command(subcommand)]
    pub action: OutboxAction,
}

#[derive(Debug, Subcommand)]
pub enum OutboxAction {
    /// Mark expired attempts uncertain, deliver what is due, print a summary (exit 5 when a
    /// message failed permanently or its delivery is uncertain).
    Send {
        #[arg(long)]
        json: bool,
    },
    /// Queued, sent, failed and uncertain replies, newest first.
    List {
        /// Only the failed and uncertain ones (they wait for you).
        #[arg(long)]
        failed: bool,
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 100)]
        limit: i64,
    },
    /// Decide on an uncertain message: it arrived (--sent), or send it again (--resend, same
    /// Message-ID, so the recipient's mail client shows it once).
    Resolve {
        id: i64,
        #[arg(long, conflicts_with = "resend", required_unless_present = "resend")]
        sent: bool,
        #[arg(long)]
        resend: bool,
        #[arg(long)]
        json: bool,
    },
}

/// The mailer from `[smtp]` and the environment; `None` when no relay is configured.
pub fn mailer(config: &Config, operator: &Operator) -> Result<Option<Mailer>> {
    let Some(smtp) = crate::mail::smtp::from_settings(&config.smtp)? else { return Ok(None) };
    Ok(Some(Mailer::new(&smtp, format!("{} (outbox)", operator.user))?))
}

/// The exit code `outbox send` uses when a message needs the operator.
pub const EXIT_NEEDS_ATTENTION: i32 = 5;

pub fn print_report(report: &DeliveryReport) {
    outln!(
        "{} sent, {} to retry, {} failed, {} uncertain{}",
        report.sent,
        report.retry,
        report.failed.len(),
        report.uncertain.len() + report.reconciled_uncertain.len(),
        if report.reconciled_uncertain.is_empty() {
            String::new()
        } else {
            format!(
                " ({} found interrupted: see dsrdesk outbox list --failed)",
                report.reconciled_uncertain.len()
            )
        }
    );
}

pub async fn run(desk: &Desk, config: &Config, operator: &Operator, args: OutboxArgs) -> Result<Option<i32>> {
    match args.action {
        OutboxAction::Send { json } => {
            let mailer = mailer(config, operator)?.ok_or_else(|| {
                Error::Invalid(
                    "no SMTP relay configured: set [smtp] url in the config file, or DSRDESK_SMTP_URL".into(),
                )
            })?;
            let report = desk.deliver_due(&mailer, Utc::now()).await?;
            if json {
                print_json(&report);
            } else {
                print_report(&report);
            }
            let bad = !report.failed.is_empty()
                || !report.uncertain.is_empty()
                || !report.reconciled_uncertain.is_empty();
            Ok(bad.then_some(EXIT_NEEDS_ATTENTION))
        }
        OutboxAction::List { failed, json, limit } => {
            if limit < 1 {
                return Err(Error::Invalid("--limit must be at least 1".into()));
            }
            let rows = desk.outbox(failed, limit).await?;
            if json {
                print_json(&rows);
            } else {
                print_outbox(&rows);
            }
            Ok(None)
        }
        OutboxAction::Resolve { id, sent, resend, json } => {
            let resolution = match (sent, resend) {
                (true, false) => Resolution::Sent,
                (false, true) => Resolution::Resend,
                _ => return Err(Error::Invalid("say --sent or --resend".into())),
            };
            let row = desk.resolve_outbox(operator, id, resolution, Utc::now()).await?;
            if json {
                print_json(&row);
            } else {
                match resolution {
                    Resolution::Sent => outln!(
                        "outbox message {id} recorded as sent (checked by {})",
                        escape_line(&operator.user)
                    ),
                    Resolution::Resend => outln!(
                        "outbox message {id} queued again with the same Message-ID {}; `dsrdesk outbox send` delivers it",
                        escape_line(&row.message_id)
                    ),
                }
            }
            Ok(None)
        }
    }
}

/// A table of messages.
pub fn print_outbox(rows: &[OutboxSummary]) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "{:>6} {:<16} {:<10} {:>3} {:<16} {:<30} SERVER'S REPLY / LAST ERROR",
        "ID", "REFERENCE", "STATE", "TRY", "QUEUED (UTC)", "TO"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:>6} {:<16} {:<10} {:>3} {:<16} {:<30} {}",
            r.id,
            r.reference,
            r.state.as_str(),
            r.attempts,
            r.queued_at.format("%Y-%m-%d %H:%M"),
            escape_line(&r.to_address),
            outcome_text(r),
        );
    }
}

/// For a sent message the evidence that it went: the SMTP server's reply (its queue id), or who
/// resolved it as sent; otherwise the last error.
pub fn outcome_text(r: &OutboxSummary) -> String {
    match (&r.smtp_reply, &r.resolved_by, &r.last_error) {
        (Some(reply), _, _) => escape_line(reply).into_owned(),
        (None, Some(who), _) if r.state == OutboxState::Sent => {
            format!("marked sent by {}", escape_line(who))
        }
        (None, _, Some(e)) => escape_line(e).into_owned(),
        _ => "-".into(),
    }
}

/// After `dsrdesk list`: replies that wait for the operator (cheap: a partial index).
pub fn print_attention(rows: &[OutboxSummary]) {
    if rows.is_empty() {
        return;
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "\n{} repl(ies) need you (dsrdesk outbox list --failed):", rows.len());
    for r in rows {
        let _ = writeln!(
            out,
            "  ! {:<16} outbox {:<6} {:<10} {}",
            r.reference,
            r.id,
            r.state.as_str(),
            r.last_error.as_deref().map(|e| escape_line(e).into_owned()).unwrap_or_default()
        );
    }
}
