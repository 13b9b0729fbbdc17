//! The command-line front end: clap subcommands -> service calls -> text or `--json`.
//!
//! The JSON shapes printed here are a stable interface documented in the README; add fields,
//! never rename or remove them.

use crate::config::Config;
use crate::domain::calendar::WorkingCalendar;
use crate::domain::deadline::{self, DeadlineFacts, Urgency};
use crate::domain::identity::{IdentityNumber, mask_personal_number};
use crate::domain::text::{escape_line, escape_multiline};
use crate::domain::{Jurisdiction, RequestKind, RequestStatus};
use crate::error::{Error, Result};
use crate::seed::{SeedOptions, demo_operators};
use crate::service::{Desk, Operator, Overview, QueueItem, RequestDetail};
use crate::store::cluster::Cluster;
use crate::store::requests::{AssigneeFilter, QueueQuery};
use crate::store::{self, DatabaseTarget};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

/// `println!` for the command line's answers: a reader that closed the pipe (`dsrdesk list --json
/// | head -1`) ends the program quietly instead of a panic (see [`write_stdout`]).
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::write_stdout(format_args!($($arg)*)) };
}

/// Write one line of the answer. When the reader has gone (EPIPE: `| head -1` took what it
/// wanted), the rest of the answer has no one to read it: end at once, quietly, with exit 0 — the
/// command's work is done (any change was committed before its answer is printed), so it did not
/// fail. Not the shell's SIGPIPE death (exit 141): `set -o pipefail` scripts would then see a
/// failure for a command that succeeded, and restoring SIGPIPE would also let a dropped database
/// socket kill the process mid-transaction instead of returning an error.
pub fn write_stdout(args: std::fmt::Arguments) {
    let mut out = std::io::stdout().lock();
    let written = out.write_fmt(args).and_then(|_| out.write_all(b"\n")).and_then(|_| out.flush());
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        // Another failure (disk full on a redirect): say so once, as an error.
        let _ = writeln!(std::io::stderr(), "dsrdesk: cannot write the answer: {e}");
        std::process::exit(74); // EX_IOERR
    }
}

mod args;
mod audit;
mod docs;
mod export;
mod inbox;
mod outbox;
mod print;
mod reply;
mod report;
mod retention;
mod subject;

pub use args::{Cli, Command, DbAction, IdAction, ListArgs};
use print::*;
use serde_json::json;
use std::io::{Read, Write};

/// Parse `--at`/`--received`: RFC 3339, or a date (taken as 12:00 UTC, the same calendar date in
/// Stockholm and Helsinki).
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        return Ok(d.and_time(NaiveTime::from_hms_opt(12, 0, 0).expect("noon")).and_utc());
    }
    Err(Error::Invalid(format!(
        "{text:?} is not a time: use RFC 3339 (2026-11-20T09:30:00+01:00) or a date (2026-11-20)"
    )))
}

/// `--at`: when it really happened, default now; never in the future (a minute of slack for
/// clocks between hosts).
fn at_or_now(at: &Option<String>) -> Result<DateTime<Utc>> {
    at_or(at.as_deref(), Utc::now())
}

/// `--at` against `now`. A plain date means that day in the controller's time zone: today (in
/// Stockholm or Helsinki) is never "in the future", only a later day is; today is taken as now,
/// an earlier day as its noon (UTC, which is the same day in both zones).
fn at_or(at: Option<&str>, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
    let Some(text) = at else { return Ok(now) };
    if let Ok(day) = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let latest_today = Jurisdiction::ALL.into_iter().map(|j| j.local_date(now)).max().expect("two");
        if day > latest_today {
            return Err(Error::Invalid(format!(
                "--at {text} is in the future (today is {latest_today} at the latest)"
            )));
        }
        let noon = day.and_time(NaiveTime::from_hms_opt(12, 0, 0).expect("noon")).and_utc();
        return Ok(noon.min(now));
    }
    let at = parse_instant(text)?;
    if at > now + chrono::Duration::minutes(1) {
        return Err(Error::Invalid(format!("--at {text} is in the future")));
    }
    Ok(at)
}

/// The demo's own database in the embedded cluster: never the operator's real one.
fn demo_target() -> DatabaseTarget {
    DatabaseTarget::Embedded { data_dir: Cluster::default_data_dir(), database: "dsrdesk_demo".into() }
}

/// Open the desk for a command that needs the database.
async fn open_desk(config: Config, target: &DatabaseTarget) -> Result<Desk> {
    let pool = store::open(target, 8).await?;
    Ok(Desk::new(pool, config))
}

/// Open the desk for reading only: on the replica when one is configured (`[database]
/// replica_url`, `DSRDESK_REPLICA_URL`), so that lists, reports and auditors' desks do not load the
/// primary; else on the primary. What it shows may trail the primary by the replica's lag.
async fn open_reading_desk(
    config: Config,
    target: &DatabaseTarget,
    replica: &Option<DatabaseTarget>,
) -> Result<Desk> {
    match replica {
        // Read only, so never migrated (its schema comes from the primary).
        Some(replica) => Ok(Desk::new(store::open_replica(replica, 8).await?, config)),
        None => open_desk(config, target).await,
    }
}

pub async fn run(cli: Cli) -> Result<()> {
    // Answered from the command definition alone: no settings, no log, no database.
    match &cli.command {
        Some(Command::Completions { shell }) => return docs::completions(*shell),
        Some(Command::Man) => return docs::man(),
        _ => {}
    }
    let config = Config::load(cli.config.as_deref())?;
    crate::logging::init(&config.log, &Cluster::default_data_dir())?;
    tracing::info!(version = env!("CARGO_PKG_VERSION"), command = %cli.invoked, "started");
    let operator = Operator::from_os();
    let target = if cli.demo { demo_target() } else { DatabaseTarget::from_env("dsrdesk") };
    // The demo has its own database in the embedded cluster, which no replica follows.
    let replica = if cli.demo { None } else { config.replica_url().map(DatabaseTarget::Url) };
    let tui_options = crate::tui::Options {
        read_only: cli.read_only,
        theme: if cli.mono { crate::tui::ThemeChoice::Mono } else { crate::tui::ThemeChoice::Auto },
        keys_file: cli.keys.clone(),
    };
    let Some(command) = cli.command else {
        // A read-only desk reads from the replica and never touches the primary. A writing desk
        // reads from the primary: it must see its own change at once (the replica may not have
        // it yet) and carries the version it read into its next change, which a stale read
        // would turn into a needless conflict.
        let desk = if cli.read_only {
            open_reading_desk(config, &target, &replica).await?
        } else {
            open_desk(config, &target).await?
        };
        return open_desk_screen(desk, operator, tui_options).await;
    };
    match command {
        Command::Intake { file, json } => {
            let mut bytes = Vec::new();
            let source = match file.as_deref() {
                Some(p) if p.as_os_str() != "-" => p.display().to_string(),
                _ => "standard input".to_string(),
            };
            match file.as_deref() {
                Some(p) if p.as_os_str() != "-" => {
                    std::fs::File::open(p).and_then(|mut f| f.read_to_end(&mut bytes))
                }
                _ => std::io::stdin().read_to_end(&mut bytes),
            }
            .map_err(|e| Error::Invalid(format!("cannot read {}: {e}", escape_line(&source))))?;
            let input = crate::domain::intake::decode(&bytes).map_err(|problem| {
                Error::Invalid(format!(
                    "{}: intake refused, nothing was stored: {problem}",
                    escape_line(&source)
                ))
            })?;
            let desk = open_desk(config, &target).await?;
            let outcome = desk.intake(&operator, input, Utc::now()).await.map_err(|e| match e {
                // Say which file the line numbers are in.
                Error::Intake(_) => Error::Invalid(format!("{}: {e}", escape_line(&source))),
                e => e,
            })?;
            if json {
                print_json(&outcome);
            } else {
                let mut out = std::io::stdout().lock();
                for reference in &outcome.created {
                    let _ = writeln!(out, "{reference}");
                }
                eprintln!(
                    "{} request(s) created, {} already present",
                    outcome.created.len(),
                    outcome.already_present.len()
                );
                if !outcome.created_by_another_run.is_empty() {
                    eprintln!(
                        "{} request(s) were created meanwhile by another intake of the same lines (not duplicated): {}",
                        outcome.created_by_another_run.len(),
                        escape_line(&outcome.created_by_another_run.join(", "))
                    );
                }
            }
        }
        Command::List(args) => {
            let desk = open_reading_desk(config, &target, &replica).await?;
            let now = Utc::now();
            let query = list_query(&args, &operator, &desk, now)?;
            let items = desk.queue(&query, now).await?;
            if args.json {
                print_json(&items.iter().map(queue_item_json).collect::<Vec<_>>());
            } else {
                print_list(&items, args.limit);
                outbox::print_attention(&desk.outbox_needing_attention(20).await?);
            }
        }
        Command::Show { reference, json } => {
            let desk = open_reading_desk(config, &target, &replica).await?;
            let detail = desk.detail(&reference, Utc::now()).await?;
            if json {
                print_json(&detail);
            } else {
                print_detail(&detail);
            }
        }
        Command::Extend { reference, reason, at, json } => {
            let at = at_or_now(&at)?;
            let desk = open_desk(config, &target).await?;
            print_change(&desk.extend(&operator, &reference, &reason, None, at).await?, json, "extended");
        }
        Command::Pause { reference, reason, at, json } => {
            let at = at_or_now(&at)?;
            let desk = open_desk(config, &target).await?;
            print_change(&desk.pause(&operator, &reference, &reason, None, at).await?, json, "paused");
        }
        Command::Resume { reference, at, json } => {
            let at = at_or_now(&at)?;
            let desk = open_desk(config, &target).await?;
            print_change(&desk.resume(&operator, &reference, None, at).await?, json, "resumed");
        }
        Command::Assign { reference, to, next, json } => {
            let desk = open_desk(config, &target).await?;
            if next {
                let claimed = desk.claim_next(&operator, Utc::now()).await?;
                desk.flush_announcements().await;
                match claimed {
                    Some(r) => print_change(&r, json, "claimed"),
                    None if json => print_json(&serde_json::Value::Null),
                    None => outln!("nothing to claim: no new, unassigned requests"),
                }
            } else {
                let reference =
                    reference.ok_or_else(|| Error::Invalid("assign needs a reference, or --next".into()))?;
                let r = desk.assign(&operator, &reference, to.as_deref(), None, Utc::now()).await?;
                print_change(&r, json, "assigned");
            }
        }
        Command::Release { reference, json } => {
            let desk = open_desk(config, &target).await?;
            print_change(&desk.release(&operator, &reference, None, Utc::now()).await?, json, "released");
        }
        Command::Status { reference, status, reason, at, json } => {
            let status: RequestStatus = status
                .parse()
                .map_err(|e: crate::domain::status::UnknownStatus| Error::Invalid(e.to_string()))?;
            let at = at_or_now(&at)?;
            let desk = open_desk(config, &target).await?;
            let r = desk.set_status(&operator, &reference, status, reason.as_deref(), None, at).await?;
            print_change(&r, json, "updated");
        }
        Command::Deadline { received, jurisdiction, extended, paused_days, json } => {
            let j: Jurisdiction =
                jurisdiction.parse().map_err(|e: crate::domain::jurisdiction::UnknownJurisdiction| {
                    Error::Invalid(e.to_string())
                })?;
            let received_on = match NaiveDate::parse_from_str(received.trim(), "%Y-%m-%d") {
                Ok(d) => d,
                Err(_) => j.local_date(parse_instant(&received)?),
            };
            let calendar = config.calendar(j);
            let facts = DeadlineFacts { received_on, extended, paused_days };
            let b = deadline::breakdown(&calendar, facts, config.controller(j).internal_target_days)
                .map_err(|e| Error::Invalid(e.to_string()))?;
            if json {
                print_json(&json!({
                    "jurisdiction": j,
                    "received_on": b.received_on,
                    "due_on": b.due_on,
                    "first_month_ends_on": b.first_month_ends_on,
                    "internal_due_on": b.internal_due_on,
                    "extended": b.extended,
                    "paused_days": b.paused_days,
                    "rolled_from": b.rolled_from,
                }));
            } else {
                print_deadline(&calendar, &b);
            }
        }
        Command::Overview { json } => {
            let desk = open_reading_desk(config, &target, &replica).await?;
            let overview = desk.overview(Utc::now()).await?;
            if json {
                print_json(&overview);
            } else {
                print_overview(&overview);
            }
        }
        Command::Seed { requests, persons, seed, force } => {
            let desk = open_desk(config, &target).await?;
            let persons = persons.unwrap_or(requests);
            let options = SeedOptions { requests, persons, seed, force, ..SeedOptions::default() };
            // A ledger of another seed or size is refused before any request is added.
            desk.check_seed_ledger(&options).await?;
            let now = Utc::now();
            let started = std::time::Instant::now();
            let created = desk
                .seed(&options, now, |done| {
                    if done % 100_000 == 0 {
                        eprintln!("  {done} requests generated");
                    }
                })
                .await?;
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "seeded {created} request(s) in {secs:.1} s ({:.0} requests/s)",
                created as f64 / secs.max(1e-9)
            );
            let started = std::time::Instant::now();
            let ledger = desk
                .seed_ledger(&options, now, |p| {
                    if p.persons_done < p.persons_total {
                        let secs = started.elapsed().as_secs_f64();
                        eprintln!(
                            "  ledger: {} of {} persons, {} rows ({:.0} rows/s)",
                            p.persons_done,
                            p.persons_total,
                            p.rows,
                            p.rows as f64 / secs.max(1e-9)
                        );
                    }
                })
                .await?;
            let secs = started.elapsed().as_secs_f64();
            if ledger.already_seeded {
                eprintln!("the ledger already holds seed {seed} with {persons} persons: nothing added");
            } else {
                eprintln!(
                    "seeded the ledger: {} person(s), {} row(s) in all tables in {secs:.1} s ({:.0} rows/s)",
                    ledger.persons,
                    ledger.rows,
                    ledger.rows as f64 / secs.max(1e-9)
                );
            }
        }
        Command::Demo { requests } => {
            let desk = open_desk(config, &demo_target()).await?;
            let empty = desk.holds_no_requests().await?;
            let options = SeedOptions {
                requests,
                persons: requests,
                operators: demo_operators(&operator),
                ..SeedOptions::default()
            };
            if empty {
                eprintln!("seeding {requests} demo requests into the demo database ...");
                desk.seed(&options, Utc::now(), |_| {}).await?;
            }
            // The reference ledger the requesters are in; a demo database made before the ledger
            // existed gets one too.
            let ledger_seeded = desk.ledger_seeded().await?;
            if empty || !ledger_seeded {
                eprintln!("seeding the reference ledger ({requests} persons) ...");
                desk.seed_ledger(&options, Utc::now(), |_| {}).await?;
            }
            // On stderr, so it shows whether or not the desk takes the terminal next; it is
            // still there when the desk is left.
            eprintln!(
                "The demo database is `dsrdesk_demo` in the embedded cluster; your own queue is untouched.\n\
                 Every command works on it with --demo: `dsrdesk list --demo`, `dsrdesk show REF --demo`."
            );
            open_desk_screen(desk, operator, tui_options).await?;
        }
        Command::Verify { reference, method, evidence, transaction, returned_number, at, json } => {
            let method: crate::service::verify::VerificationMethod = method.parse()?;
            let at = at_or_now(&at)?;
            let desk = open_desk(config, &target).await?;
            let verification = crate::service::verify::Verification {
                method,
                transaction_reference: transaction,
                evidence,
                returned_number,
            };
            let r = desk.verify(&operator, &reference, &verification, at).await?;
            print_change(&r, json, "identity verified");
        }
        Command::Link(a) => subject::link(&open_desk(config, &target).await?, &operator, a).await?,
        Command::Plan(a) => subject::plan(&open_desk(config, &target).await?, a).await?,
        Command::Execute(a) => subject::execute(&open_desk(config, &target).await?, &operator, a).await?,
        Command::Worker(a) => subject::worker(&open_desk(config, &target).await?, &operator, a).await?,
        Command::Rectify(a) => subject::rectify(&open_desk(config, &target).await?, &operator, a).await?,
        Command::Restrict(a) => subject::restrict(&open_desk(config, &target).await?, &operator, a).await?,
        Command::Object(a) => subject::object(&open_desk(config, &target).await?, &operator, a).await?,
        Command::Tasks(a) => subject::tasks(&open_desk(config, &target).await?, &operator, a).await?,
        Command::Forward(a) => subject::forward(&open_desk(config, &target).await?, &operator, a).await?,
        Command::Reply(a) => reply::reply(&open_desk(config, &target).await?, &operator, a).await?,
        Command::Datamap => subject::datamap(&open_desk(config, &target).await?).await?,
        Command::Outbox(a) => {
            let desk = open_desk(config.clone(), &target).await?;
            if let Some(code) = outbox::run(&desk, &config, &operator, a).await? {
                std::process::exit(code);
            }
        }
        Command::Mail(a) => inbox::mail(&open_desk(config, &target).await?, &operator, a).await?,
        Command::Inbox(a) => inbox::inbox(&open_desk(config, &target).await?, &operator, a).await?,
        Command::Audit(a) => {
            if let Some(code) = audit::run(&open_desk(config, &target).await?, a).await? {
                std::process::exit(code);
            }
        }
        Command::Retention(a) => {
            retention::retention(&open_desk(config, &target).await?, &operator, a).await?
        }
        Command::Hold(a) => retention::hold(&open_desk(config, &target).await?, &operator, a).await?,
        Command::Casefile { reference, out } => {
            let desk = open_desk(config, &target).await?;
            let path = desk.casefile(&operator, &reference, &out, Utc::now()).await?;
            outln!("{}", escape_line(&path.display().to_string()));
        }
        Command::Report(a) => report::run(&open_reading_desk(config, &target, &replica).await?, a).await?,
        Command::Export(a) => export::export(&open_desk(config, &target).await?, &operator, a).await?,
        Command::Id { action: IdAction::Check { number, country, json } } => {
            let country = country
                .as_deref()
                .map(|c| c.parse::<Jurisdiction>().map_err(|e| Error::Invalid(e.to_string())))
                .transpose()?;
            let today = Jurisdiction::Sweden.local_date(Utc::now());
            let check = IdentityNumber::check(&number, country, today);
            if json {
                print_json(&check);
            } else if check.valid {
                outln!(
                    "valid {} ({}): {}{}",
                    check.kind.unwrap_or_default(),
                    check.country.map(|c| c.code()).unwrap_or_default(),
                    check.normalized.as_deref().unwrap_or_default(),
                    if check.temporary { " (temporary number)" } else { "" }
                );
            }
            if let Some(error) = check.error {
                return Err(Error::Invalid(format!("{}: {error}", escape_line(&number))));
            }
        }
        Command::Completions { .. } | Command::Man => {} // answered before the settings were read
        Command::Db { action } => match action {
            DbAction::Migrate => {
                let desk = open_desk(config, &target).await?;
                let applied = desk.migrations_applied().await?;
                outln!("migrations up to date ({applied} applied)");
            }
            DbAction::Status => {
                match &target {
                    DatabaseTarget::Url(_) => {
                        let desk = open_desk(config.clone(), &target).await?;
                        // Never the URL itself: it may hold a password.
                        let s = desk.server_status().await?;
                        outln!(
                            "using DATABASE_URL (PostgreSQL {}), database {} as role {}, TLS: {}",
                            s.version,
                            s.database,
                            s.role,
                            s.tls.as_deref().unwrap_or("none")
                        );
                    }
                    DatabaseTarget::Embedded { data_dir, .. } => {
                        outln!("embedded cluster in {}", data_dir.display());
                        let cluster = Cluster::new(data_dir.clone())?;
                        outln!("socket directory {}", cluster.socket_dir().display());
                    }
                }
                if let Some(replica) = &replica {
                    let desk = Desk::new(store::open_replica(replica, 2).await?, config);
                    let s = desk.server_status().await?;
                    outln!(
                        "reads go to the replica ([database] replica_url or DSRDESK_REPLICA_URL; PostgreSQL {}), database {} as role {}, TLS: {}; replica · {}",
                        s.version,
                        s.database,
                        s.role,
                        s.tls.as_deref().unwrap_or("none"),
                        desk.replica_lag().await?
                    );
                }
            }
            DbAction::Stop => match &target {
                DatabaseTarget::Url(_) => {
                    outln!("DATABASE_URL is set: that server is not dsrdesk's to stop")
                }
                DatabaseTarget::Embedded { data_dir, .. } => {
                    let cluster = Cluster::new(data_dir.clone())?;
                    if cluster.stop()? {
                        outln!("embedded cluster in {} stopped", data_dir.display());
                    } else {
                        outln!("embedded cluster in {} was not running", data_dir.display());
                    }
                }
            },
        },
    }
    Ok(())
}

/// The terminal desk when there is a terminal; the overview as text when output goes to a pipe or
/// file (scripts, `ssh host dsrdesk | less`).
async fn open_desk_screen(desk: Desk, operator: Operator, options: crate::tui::Options) -> Result<()> {
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        // A broken data map (a misspelt column, a recipient's `when` that select does not
        // return) is reported now, not as a silent gap in the first erasure.
        desk.checked_map().await?;
        crate::tui::run(desk, operator, options).await
    } else {
        print_overview(&desk.overview(Utc::now()).await?);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn at_given_as_todays_date_is_not_in_the_future_at_any_hour() {
        // 07:00 UTC is 08:00 in Stockholm: before, "2026-11-30" became 12:00 UTC and was refused.
        for hour in [0, 7, 11, 13, 22, 23] {
            let now = Utc.with_ymd_and_hms(2026, 11, 30, hour, 0, 0).unwrap();
            let at = at_or(Some("2026-11-30"), now).unwrap();
            assert!(at <= now, "{hour}:00");
            assert_eq!(Jurisdiction::Sweden.local_date(at), NaiveDate::from_ymd_opt(2026, 11, 30).unwrap());
        }
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 7, 0, 0).unwrap();
        assert_eq!(
            at_or(Some("2026-11-27"), now).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
        );
        let err = at_or(Some("2026-12-01"), now).unwrap_err().to_string();
        assert!(err.contains("in the future"), "{err}");
        // 22:30 UTC is already 1 December in Helsinki: that day is today there.
        let late = Utc.with_ymd_and_hms(2026, 11, 30, 22, 30, 0).unwrap();
        assert!(at_or(Some("2026-12-01"), late).is_ok());
        assert!(at_or(Some("2026-12-02"), late).is_err());
    }

    #[test]
    fn json_output_escapes_c1_and_bidi_but_keeps_plain_text() {
        assert_eq!(json_for_terminal("\"a\u{9b}b\u{202e}c\""), "\"a\\u009bb\\u202ec\"");
        assert!(matches!(json_for_terminal("\"Åsa Öberg\""), std::borrow::Cow::Borrowed(_)));
    }
}
