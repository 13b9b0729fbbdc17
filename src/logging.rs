//! The program's own log (issue 18): `tracing` events to a file, or to the journal when systemd
//! runs dsrdesk (the worker's unit).
//!
//! What is logged are state changes and failures by **reference and id only**: never a name, an
//! e-mail address, a personal number, a reply's text or an error's message that may quote input
//! (Art. 5(1)(c), data minimisation: the log is read by whoever runs the machine, and it is kept
//! outside the erasure's reach). The event history in the database says who did what; the log
//! says what the program did and what went wrong.
//!
//! Where the log goes:
//! * under systemd (`JOURNAL_STREAM` names our standard error), to standard error, which systemd
//!   hands to journald, each line prefixed with its syslog priority (`<3>` error … `<7>` debug) so
//!   `journalctl -p warning` works. Plain standard error rather than the journal's native
//!   protocol: no further crate, and the same unit works under any supervisor that captures
//!   standard error;
//! * otherwise to the file `[log] file` in the configuration, default `dsrdesk.log` in the data
//!   directory (`$DSRDESK_DATA_DIR`, the embedded cluster's). Never to the terminal: the desk
//!   owns it.
//!
//! The level is a `RUST_LOG`-style filter from `$DSRDESK_LOG`, else `[log] level`, else `info`.
//! `$DSRDESK_LOG` rather than `RUST_LOG`: a `RUST_LOG` set for another program in the same shell
//! should not switch dsrdesk's statement logging on.

use crate::error::{Error, ErrorClass};
use serde::Deserialize;
use std::fmt;
use std::fs::OpenOptions;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::{self, FormatEvent, FormatFields};
use tracing_subscriber::fmt::{FmtContext, layer};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// The filter when nothing says otherwise. sqlx reports each statement at debug and slow ones at
/// warn: the SQL text only (our statements bind their values), still kept out at `info`.
pub const DEFAULT_FILTER: &str = "info,sqlx=warn";

/// `[log]` in the configuration file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// The log file (relative to the configuration file); default `dsrdesk.log` in the data
    /// directory.
    pub file: Option<PathBuf>,
    /// A filter such as `info` or `info,dsrdesk::mail=debug`; `$DSRDESK_LOG` overrides it.
    pub level: Option<String>,
}

/// Where the log went, for `dsrdesk db status`-style diagnostics and the tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogDestination {
    Journal,
    File(PathBuf),
    /// The file could not be opened; the program goes on without a log (said once on stderr).
    Nowhere,
}

/// Whether systemd connected our standard error to the journal: `JOURNAL_STREAM` is
/// `DEVICE:INODE` of that stream (systemd.exec(5)); compared with stderr itself, so a variable
/// inherited by a child whose stderr was redirected does not count.
pub fn stderr_is_journal() -> bool {
    let Some(value) = std::env::var_os("JOURNAL_STREAM") else { return false };
    let Some((dev, ino)) = value.to_str().and_then(|v| v.split_once(':')) else { return false };
    let Ok(stat) = nix::sys::stat::fstat(std::io::stderr()) else { return false };
    dev.parse::<u64>().is_ok_and(|d| d == stat.st_dev) && ino.parse::<u64>().is_ok_and(|i| i == stat.st_ino)
}

/// The filter: `$DSRDESK_LOG`, else `[log] level`, else [`DEFAULT_FILTER`]. A filter that does not
/// parse is an error naming where it came from.
pub fn filter(settings: &LogSettings) -> Result<EnvFilter, Error> {
    let (text, source) = match std::env::var("DSRDESK_LOG") {
        Ok(v) if !v.trim().is_empty() => (v, "DSRDESK_LOG".to_string()),
        _ => match &settings.level {
            Some(level) => (level.clone(), "[log] level in the configuration".to_string()),
            None => (DEFAULT_FILTER.to_string(), "the default".to_string()),
        },
    };
    EnvFilter::builder().parse(&text).map_err(|e| {
        Error::Invalid(format!(
            "{source}: {:?} is not a log filter ({e}); write e.g. info, warn or info,dsrdesk=debug",
            text
        ))
    })
}

/// Start logging for this process: the journal under systemd, else the file. Called once, before
/// any state change; a second call (tests) leaves the first subscriber in place.
pub fn init(settings: &LogSettings, data_dir: &Path) -> Result<LogDestination, Error> {
    let filter = filter(settings)?;
    if stderr_is_journal() && settings.file.is_none() {
        let journal = layer()
            .with_ansi(false)
            .with_writer(std::io::stderr)
            .event_format(SyslogPriority(format::format().without_time().with_ansi(false)));
        let _ = tracing_subscriber::registry().with(filter).with(journal).try_init();
        return Ok(LogDestination::Journal);
    }
    let path = settings.file.clone().unwrap_or_else(|| data_dir.join("dsrdesk.log"));
    match open_log_file(&path) {
        Ok(file) => {
            let file_layer = layer().with_ansi(false).with_writer(Mutex::new(file));
            let _ = tracing_subscriber::registry().with(filter).with(file_layer).try_init();
            Ok(LogDestination::File(path))
        }
        Err(e) => {
            // Not a reason to refuse the desk: say it once, before the terminal is taken.
            eprintln!("dsrdesk: cannot write the log {}: {e}; going on without a log", path.display());
            Ok(LogDestination::Nowhere)
        }
    }
}

/// Append to the log, creating it (and its directory) readable by its owner only: it names
/// references, which say who asked something of the agency once joined with the database.
fn open_log_file(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .or_else(|e| if dir.is_dir() { Ok(()) } else { Err(e) })?;
    }
    OpenOptions::new().create(true).append(true).mode(0o600).open(path)
}

/// Prefix each line with its syslog priority (`<6>` for info), which journald reads off a
/// captured stream (`SyslogLevelPrefix=`, on by default) and strips.
struct SyslogPriority<F>(F);

impl<S, N, F> FormatEvent<S, N> for SyslogPriority<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: format::Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write!(writer, "<{}>", syslog_priority(*event.metadata().level()))?;
        self.0.format_event(ctx, writer, event)
    }
}

fn syslog_priority(level: Level) -> u8 {
    match level {
        Level::ERROR => 3,
        Level::WARN => 4,
        Level::INFO => 6,
        _ => 7,
    }
}

/// Log a failure without its message: an error's text may quote input (a line of an intake
/// file, an e-mail address that did not parse, the server's words about a row). What is logged
/// is the kind of failure, the reference it concerns when there is one, and for the database its
/// SQLSTATE.
pub fn failure(context: &'static str, e: &Error) {
    let class = match e.class() {
        ErrorClass::Refused => "refused",
        ErrorClass::Settings => "settings",
        ErrorClass::NotFound => "not found",
        ErrorClass::Conflict => "conflict",
        ErrorClass::Infrastructure => "infrastructure",
    };
    let reference = match e {
        Error::Rule { reference, .. } | Error::Conflict { reference, .. } => Some(reference.as_str()),
        _ => None,
    };
    let detail = match e {
        Error::Database(sqlx::Error::Database(d)) => d.code().map(|c| format!("SQLSTATE {c}")),
        Error::Database(other) => Some(database_kind(other).to_string()),
        Error::Intake(problems) => Some(format!("{} problem(s) in the input", problems.len())),
        // The cluster's and the migrations' own words name paths and versions, not people.
        Error::Cluster(c) => Some(c.to_string()),
        Error::Migrate(m) => Some(m.to_string()),
        _ => None,
    };
    let code = e.exit_code();
    match (class, reference, detail) {
        ("infrastructure", r, d) => {
            tracing::error!(context, class, reference = r, detail = d.as_deref(), exit_code = code, "failed")
        }
        (_, r, d) => {
            tracing::warn!(context, class, reference = r, detail = d.as_deref(), exit_code = code, "failed")
        }
    }
}

fn database_kind(e: &sqlx::Error) -> &'static str {
    match e {
        sqlx::Error::Io(_) => "i/o error talking to the server",
        sqlx::Error::Tls(_) => "TLS error",
        sqlx::Error::PoolTimedOut => "no connection within the pool's timeout",
        sqlx::Error::PoolClosed => "connection pool closed",
        sqlx::Error::RowNotFound => "row not found",
        sqlx::Error::Protocol(_) => "protocol error",
        sqlx::Error::Configuration(_) => "connection settings",
        _ => "database error",
    }
}

/// Why a reference alone is safe to log, and a requester's data is not: the test in
/// tests/logging.rs runs a whole case with a log file and searches it for the requester.
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_follow_syslog() {
        assert_eq!(
            [Level::ERROR, Level::WARN, Level::INFO, Level::DEBUG, Level::TRACE].map(syslog_priority),
            [3, 4, 6, 7, 7]
        );
    }

    #[test]
    fn a_filter_that_does_not_parse_names_where_it_came_from() {
        let settings = LogSettings { file: None, level: Some("info,dsrdesk=loud".into()) };
        // Only when DSRDESK_LOG is not set in the environment of the test run.
        if std::env::var_os("DSRDESK_LOG").is_none() {
            let err = filter(&settings).unwrap_err().to_string();
            assert!(err.contains("[log] level") && err.contains("not a log filter"), "{err}");
        }
        assert!(filter(&LogSettings::default()).is_ok());
    }
}
