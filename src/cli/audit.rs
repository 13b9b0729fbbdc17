//! `dsrdesk audit verify`: walk the event history's hash chain (issue 17 §2). Exit 0 when every
//! event agrees; exit 6 naming the first event that does not.

use super::print_json;
use crate::error::Result;
use crate::service::Desk;
use crate::service::audit::ChainReport;
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub action: AuditAction,
}

#[derive(Debug, Subcommand)]
pub enum AuditAction {
    /// Walk every request's hash chain; name the first broken link (exit 6).
    Verify {
        #[arg(long)]
        json: bool,
    },
}

/// The exit code for a broken chain: distinct from the error classes' codes.
pub const CHAIN_BROKEN: i32 = 6;

/// Run the command; Some(code) when the process must end with it.
pub(super) async fn run(desk: &Desk, args: AuditArgs) -> Result<Option<i32>> {
    match args.action {
        AuditAction::Verify { json } => {
            let started = std::time::Instant::now();
            let report = desk.verify_chain().await?;
            if json {
                print_json(&report);
            } else {
                print_text(&report, started.elapsed());
            }
            Ok(report.first_break.is_some().then_some(CHAIN_BROKEN))
        }
    }
}

fn print_text(report: &ChainReport, took: std::time::Duration) {
    match &report.first_break {
        None => outln!(
            "the chain holds: {} events in {} requests' chains verified in {:.2} s",
            report.events,
            report.chains,
            took.as_secs_f64()
        ),
        Some(b) => {
            let mut failed = Vec::new();
            if b.event_id.is_none() {
                failed.push("the request has no event left (its whole history removed)");
            } else if !b.tail_ok {
                failed.push("its chain ends before the head on record (later events removed)");
            }
            if !b.details_ok {
                failed.push(
                    "its details no longer have the hash they were given (changed after it was written)",
                );
            }
            if !b.content_ok {
                failed.push("its content no longer has the hash it was given (changed after it was written)");
            }
            if !b.place_ok {
                failed.push("the event before it is missing (removed)");
            }
            if !b.link_ok {
                failed.push("it does not name the hash of the event before it");
            }
            if !b.hash_ok {
                failed.push("its own hash is not that of its link and content");
            }
            let event = b.event_id.map_or("-".to_string(), |id| id.to_string());
            let place = b.chain_seq.map_or("-".to_string(), |s| s.to_string());
            outln!(
                "BROKEN at event {event} (place {place} in the chain of request {}): {}",
                b.reference.as_deref().unwrap_or("?"),
                failed.join("; ")
            );
        }
    }
    if let Some(digest) = &report.heads_digest {
        outln!("heads digest (every request's head, in request order): sha256 {digest}");
    }
}
