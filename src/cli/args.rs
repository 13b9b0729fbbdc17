//! The command line's grammar: the global options and every subcommand with its arguments, as
//! clap derives them. What each does is in `cli.rs` (`run`) and the files beside this one.

use super::*;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "dsrdesk",
    version,
    about = "The DPO's desk for GDPR data-subject requests at a Nordic debt-collection agency",
    long_about = "dsrdesk keeps the queue of data-subject requests (access, rectification, erasure, \
restriction, portability, objection) with their legal deadlines.\n\nWith DATABASE_URL set it uses that \
PostgreSQL server; otherwise it runs its own private cluster in $DSRDESK_DATA_DIR \
(default: ~/.local/share/dsrdesk, or /var/lib/dsrdesk as root)."
)]
pub struct Cli {
    /// Settings file (default: $DSRDESK_CONFIG, else ~/.config/dsrdesk/config.toml if present).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The desk for auditors: everything can be seen, nothing can be changed.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// No colours (also when NO_COLOR is set).
    #[arg(long, global = true)]
    pub mono: bool,
    /// Key bindings file for the desk (default: ~/.config/dsrdesk/keys.toml if present).
    #[arg(long, global = true, value_name = "PATH")]
    pub keys: Option<PathBuf>,
    /// Work on the demo database that `dsrdesk demo` made (`dsrdesk list --demo`), not your own.
    #[arg(long, global = true)]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The subcommand's name for the log, set by main (never its arguments: they carry data).
    #[arg(skip)]
    pub invoked: String,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Take in requests from JSON Lines (a file, or standard input); all or nothing.
    Intake {
        /// JSON Lines file; standard input when absent or "-".
        file: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Open requests, most urgent first.
    List(ListArgs),
    /// One request: requester, text, deadline breakdown and event history.
    Show {
        reference: String,
        #[arg(long)]
        json: bool,
    },
    /// Extend the deadline by two further months (Art. 12(3)); only within the first month.
    Extend {
        reference: String,
        /// Why: this is told to the subject.
        #[arg(long)]
        reason: String,
        /// When it was decided (RFC 3339 or YYYY-MM-DD); default now.
        #[arg(long, value_name = "TS")]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Pause the clock: identifying information was asked for (Art. 12(6)).
    Pause {
        reference: String,
        /// What was asked for.
        #[arg(long)]
        reason: String,
        /// When it was asked (RFC 3339 or YYYY-MM-DD); default now.
        #[arg(long, value_name = "TS")]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Resume the clock: the information arrived.
    Resume {
        reference: String,
        /// When it arrived (RFC 3339 or YYYY-MM-DD); default now.
        #[arg(long, value_name = "TS")]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Claim a request for yourself, or hand it to someone with --to.
    Assign {
        /// The request; with --next, leave it out.
        reference: Option<String>,
        /// Hand it to this operator (taking it from its current holder).
        #[arg(long, value_name = "USER")]
        to: Option<String>,
        /// Claim the most urgent unclaimed new request instead.
        #[arg(long, conflicts_with_all = ["reference", "to"])]
        next: bool,
        #[arg(long)]
        json: bool,
    },
    /// Give a claimed request back to the queue.
    Release {
        reference: String,
        #[arg(long)]
        json: bool,
    },
    /// Change a request's status: in_progress, answered, refused, forwarded, withdrawn.
    Status {
        reference: String,
        status: String,
        /// Needed for refused, forwarded and withdrawn.
        #[arg(long)]
        reason: Option<String>,
        /// When it happened (RFC 3339 or YYYY-MM-DD); default now.
        #[arg(long, value_name = "TS")]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// The deadline calculator on its own.
    Deadline {
        /// When the request arrived (RFC 3339, or YYYY-MM-DD for the local date).
        #[arg(long, value_name = "TS")]
        received: String,
        #[arg(long, value_name = "SE|FI")]
        jurisdiction: String,
        #[arg(long)]
        extended: bool,
        #[arg(long, value_name = "N", default_value_t = 0)]
        paused_days: u32,
        #[arg(long)]
        json: bool,
    },
    /// The shift-start summary: overdue, due today, within 3 and 7 days, later; by kind and assignee.
    Overview {
        #[arg(long)]
        json: bool,
    },
    /// Fill the database with deterministic synthetic requests and the reference ledger their
    /// requesters are in (demos, benchmarks).
    Seed {
        #[arg(long, default_value_t = 2_000)]
        requests: u64,
        /// Persons in the reference ledger [default: as many as --requests].
        #[arg(long, value_name = "N")]
        persons: Option<u64>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Seed even a database that holds real requests.
        #[arg(long)]
        force: bool,
    },
    /// Seed a separate demo database (dsrdesk_demo in the embedded cluster) and show it.
    Demo {
        #[arg(long, default_value_t = 2_000)]
        requests: u64,
    },
    /// Record that the requester's identity is verified (Art. 12(6)); needed before any answer with data.
    Verify {
        reference: String,
        /// bankid, ftn, email (reply from the registered address), letter (to the registered
        /// address), id-document.
        #[arg(long, value_name = "METHOD")]
        method: String,
        /// What was seen, e.g. "BankID returned 19811218-9876, Åsa Öberg".
        #[arg(long, value_name = "TEXT")]
        evidence: String,
        /// The e-ID portal's transaction reference (required for bankid and ftn).
        #[arg(long, value_name = "REF")]
        transaction: Option<String>,
        /// The personal number the e-ID returned (required for bankid and ftn): it must be the
        /// number of every linked ledger person, and the requester's when they gave one.
        #[arg(long, value_name = "NUMBER")]
        returned_number: Option<String>,
        /// When it was verified (RFC 3339 or YYYY-MM-DD); default now.
        #[arg(long, value_name = "TS")]
        at: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Find the requester in the ledger: candidates field by field; link the DPO's choice.
    Link(subject::LinkArgs),
    /// The erasure plan: what is erased now, what is kept, under which hold and until when.
    Plan(subject::PlanArgs),
    /// Carry out the erasure plan (identity verified, confirmation), in one transaction.
    Execute(subject::ExecuteArgs),
    /// Follow-up erasures when their holds lapse, the outbox, the desk's own retention (--once: one pass).
    Worker(subject::WorkerArgs),
    /// Rectify the subject's data through the data map (Art. 16); without --set, list the fields.
    Rectify(subject::RectifyArgs),
    /// Restrict the subject's data (Art. 18), or lift the restriction.
    Restrict(subject::RestrictArgs),
    /// Objections (Art. 21): stop direct marketing, or record the decision on one.
    Object(subject::ObjectArgs),
    /// The Art. 19 recipients to tell of a rectification, erasure or restriction.
    Tasks(subject::TasksArgs),
    /// Forward a request about processor-role data to the client, the controller (Art. 28).
    Forward(subject::ForwardArgs),
    /// Write a reply from its template (sv/fi/en) and queue it for sending; --preview shows it.
    Reply(reply::ReplyArgs),
    /// Replies by e-mail: deliver what is due, list, resolve uncertain ones.
    Outbox(outbox::OutboxArgs),
    /// The agency's mailboxes: `mail fetch [--once]` takes in what arrived.
    Mail(inbox::MailArgs),
    /// Arrived e-mail: list, show, make requests, attach, dismiss, resume from a message.
    Inbox(inbox::InboxArgs),
    /// Check the data map against the database and list its sources.
    Datamap,
    /// The DPO's figures for a year or a period, from the event history (--json, --csv).
    Report(report::ReportArgs),
    /// The event history's hash chain: `audit verify` names the first broken link (exit 6).
    Audit(audit::AuditArgs),
    /// The desk's own retention: `retention run [--dry-run]` anonymises closed requests past their period.
    Retention(retention::RetentionArgs),
    /// Legal holds: `hold add REF --authority A --case C [--due D]`, `hold lift REF`, `hold list`.
    Hold(retention::HoldArgs),
    /// One zip for an authority or a court: timeline, events, deadline, mails as sent, manifest.
    Casefile {
        reference: String,
        /// The directory to write casefile-REF.zip into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write the access copy (HTML, Art. 15) or the portability bundle (zip, Art. 20).
    Export(export::ExportArgs),
    /// Personal identity numbers: Swedish personnummer/samordningsnummer, Finnish henkilötunnus.
    Id {
        #[command(subcommand)]
        action: IdAction,
    },
    /// The database: migrate, status, stop.
    Db {
        #[command(subcommand)]
        action: DbAction,
    },
    /// Print shell completions (bash, zsh, fish) for dsrdesk.
    Completions { shell: docs::CompletionShell },
    /// Print the manual page (roff): `dsrdesk man | man -l -`.
    Man,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Closed requests too.
    #[arg(long)]
    pub(super) all: bool,
    #[arg(long)]
    pub(super) json: bool,
    #[arg(long, value_name = "KIND")]
    pub(super) kind: Option<String>,
    #[arg(long, value_name = "STATUS")]
    pub(super) status: Option<String>,
    /// Only requests assigned to you.
    #[arg(long, conflicts_with_all = ["unassigned", "assignee"])]
    pub(super) mine: bool,
    /// Only unassigned requests.
    #[arg(long, conflicts_with = "assignee")]
    pub(super) unassigned: bool,
    #[arg(long, value_name = "USER")]
    pub(super) assignee: Option<String>,
    /// Only overdue requests.
    #[arg(long)]
    pub(super) overdue: bool,
    /// Match reference, name, e-mail or personal number.
    #[arg(long, value_name = "TEXT")]
    pub(super) search: Option<String>,
    /// At most this many rows.
    #[arg(long, default_value_t = 100)]
    pub(super) limit: i64,
}

#[derive(Debug, Subcommand)]
pub enum IdAction {
    /// Check a number: its normalised form and kind, or exactly why it is invalid (exit 1).
    Check {
        number: String,
        /// Which country's rules; guessed from the form when absent.
        #[arg(long, value_name = "SE|FI")]
        country: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbAction {
    /// Apply pending migrations (they are also applied on every start).
    Migrate,
    /// Where the database is and whether the embedded cluster runs.
    Status,
    /// Stop the embedded cluster.
    Stop,
}
