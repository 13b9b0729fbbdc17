//! `dsrdesk retention run [--dry-run]` and `dsrdesk hold add|lift|list` (issue 17 §3): the desk's
//! own retention, and the legal holds that stop it.

use super::print_json;
use crate::domain::retention::ExportFileFate;
use crate::domain::text::escape_line;
use crate::error::{Error, Result};
use crate::service::retention::RetentionReport;
use crate::service::{Desk, Operator};
use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand};

#[derive(Debug, Args)]
pub struct RetentionArgs {
    #[command(subcommand)]
    pub action: RetentionAction,
}

#[derive(Debug, Subcommand)]
pub enum RetentionAction {
    /// Anonymise the closed requests whose period has run (`anonymise_after_months` per
    /// controller), one transaction each; held ones are kept. The files `dsrdesk export` wrote
    /// for them are removed if still as written; those left are listed by path. `dsrdesk worker`
    /// does it each pass.
    Run {
        /// List what would be anonymised and the export files that would be removed; change nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct HoldArgs {
    #[command(subcommand)]
    pub action: HoldAction,
}

#[derive(Debug, Subcommand)]
pub enum HoldAction {
    /// An authority's or a court's case about the request: it is not anonymised until lifted.
    Add {
        reference: String,
        /// The authority or court, e.g. "IMY".
        #[arg(long)]
        authority: String,
        /// Its reference for the case, e.g. "DI-2026-1234".
        #[arg(long = "case", value_name = "REFERENCE")]
        case_reference: String,
        /// When the authority expects an answer (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        due: Option<String>,
    },
    /// Lift the request's holds (the case closed).
    Lift { reference: String },
    /// The holds in force, by due date.
    List {
        #[arg(long)]
        json: bool,
    },
}

pub(super) async fn retention(desk: &Desk, operator: &Operator, args: RetentionArgs) -> Result<()> {
    match args.action {
        RetentionAction::Run { dry_run, json } => {
            let report = desk.run_retention(operator, Utc::now(), dry_run).await?;
            if json {
                print_json(&report);
            } else {
                print_report(&report);
            }
        }
    }
    Ok(())
}

pub(super) fn print_report(report: &RetentionReport) {
    let verb = if report.dry_run { "would be anonymised" } else { "anonymised" };
    outln!("{} request(s) {verb}: {}", report.anonymised.len(), report.anonymised.join(" "));
    if !report.held.is_empty() {
        outln!("{} kept under a legal hold: {}", report.held.len(), report.held.join(" "));
    }
    if !report.waiting_for_mail.is_empty() {
        outln!(
            "{} waiting for a mail still on its way: {}",
            report.waiting_for_mail.len(),
            report.waiting_for_mail.join(" ")
        );
    }
    // The export files by path, for the DPO (the `anonymised` event counts them, names none).
    // A path is the DPO's own choice of directory but still outside text: escaped.
    for f in &report.export_files {
        let path = f.path.as_deref().map(escape_line);
        let line = match (f.fate, &path) {
            (ExportFileFate::Removed, Some(p)) if report.dry_run => format!("would remove: {p}"),
            (ExportFileFate::Removed, Some(p)) => format!("removed: {p}"),
            (ExportFileFate::Changed, Some(p)) => {
                format!("left on disk (not the file written: changed since, or a link): {p}")
            }
            (ExportFileFate::NotRemovable, Some(p)) => {
                format!("left on disk (not readable or removable by this user): {p}")
            }
            (ExportFileFate::LocationUnknown, _) | (_, None) => format!(
                "left on disk perhaps (exported before the desk recorded where): {}",
                escape_line(&f.file_name)
            ),
            // Nothing there: nothing to do.
            (ExportFileFate::Gone, Some(_)) => continue,
        };
        outln!("{}: export file {line}", f.reference);
    }
}

pub(super) async fn hold(desk: &Desk, operator: &Operator, args: HoldArgs) -> Result<()> {
    match args.action {
        HoldAction::Add { reference, authority, case_reference, due } => {
            let due = due
                .map(|d| {
                    NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
                        Error::Invalid(format!("--due {}: give a date as YYYY-MM-DD", escape_line(&d)))
                    })
                })
                .transpose()?;
            let change =
                desk.place_hold(operator, &reference, &authority, &case_reference, due, Utc::now()).await?;
            outln!(
                "{}: legal hold placed ({} {})",
                change.reference,
                escape_line(&authority),
                escape_line(&case_reference)
            );
        }
        HoldAction::Lift { reference } => {
            let change = desk.lift_hold(operator, &reference, Utc::now()).await?;
            outln!("{}: {} legal hold(s) lifted", change.reference, change.hold_ids.len());
        }
        HoldAction::List { json } => {
            let holds = desk.legal_holds().await?;
            if json {
                print_json(&holds);
            } else {
                for h in &holds {
                    outln!(
                        "{}  {}  {}  due {}",
                        h.reference,
                        escape_line(&h.authority),
                        escape_line(&h.case_reference),
                        h.due_on.map_or("-".to_string(), |d| d.to_string())
                    );
                }
            }
        }
    }
    Ok(())
}
