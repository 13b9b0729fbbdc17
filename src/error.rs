//! The errors a user of dsrdesk can meet, each saying what went wrong and, where it helps, what to do.

use crate::domain::deadline::DeadlineRuleError;
use crate::domain::intake::IntakeProblem;
use crate::store::cluster::ClusterError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no request {0}")]
    NotFound(String),
    /// A legal or workflow rule forbids the change; nothing was stored.
    #[error("{reference}: {rule}")]
    Rule { reference: String, rule: String },
    /// Someone else changed the request since it was read; nothing was stored.
    #[error("{reference}: {message}")]
    Conflict { reference: String, message: String },
    #[error("{}", format_problems(.0))]
    Intake(Vec<IntakeProblem>),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("database: {0}")]
    Database(sqlx::Error),
    /// The server refused a write because it is read-only: a hot-standby replica (SQLSTATE
    /// 25006). Nothing was stored; the change must go to the primary.
    #[error(
        "this database is a read-only replica (hot standby); nothing was stored: point DATABASE_URL at the primary"
    )]
    ReadOnlyReplica,
    #[error("database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    /// A mailbox could not be read (connection, TLS, login, the server's answer).
    #[error("mail: {0}")]
    Mail(String),
}

impl Error {
    pub fn rule(reference: impl Into<String>, rule: impl ToString) -> Error {
        Error::Rule { reference: reference.into(), rule: rule.to_string() }
    }

    /// What kind of failure this is: the one classification the command line's exit code and the
    /// desk's status line both read.
    pub fn class(&self) -> ErrorClass {
        match self {
            Error::Rule { .. } | Error::Intake(_) | Error::Invalid(_) => ErrorClass::Refused,
            Error::Config(_) | Error::ReadOnlyReplica => ErrorClass::Settings,
            Error::NotFound(_) => ErrorClass::NotFound,
            Error::Conflict { .. } => ErrorClass::Conflict,
            Error::Cluster(_) | Error::Database(_) | Error::Migrate(_) | Error::Mail(_) => {
                ErrorClass::Infrastructure
            }
        }
    }

    /// Exit codes: 1 refused by a rule or bad input (the settings included), 2 not found,
    /// 3 conflict, 4 infrastructure.
    pub fn exit_code(&self) -> i32 {
        match self.class() {
            ErrorClass::Refused | ErrorClass::Settings => 1,
            ErrorClass::NotFound => 2,
            ErrorClass::Conflict => 3,
            ErrorClass::Infrastructure => 4,
        }
    }

    /// The driver's error when the server could not be reached or went away (stopped,
    /// restarted, the network down), rather than refusing what was asked: the desk then says it
    /// reconnects by itself.
    pub fn unreachable(&self) -> Option<&sqlx::Error> {
        let Error::Database(e) = self else { return None };
        let gone = match e {
            sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_) => true,
            // Class 08: connection exceptions; 57P01-57P03: the server shutting down or starting up.
            sqlx::Error::Database(d) => d
                .code()
                .is_some_and(|c| c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")),
            _ => false,
        };
        gone.then_some(e)
    }

    /// Whether the database refused a row because `constraint` (a unique one) already holds its
    /// value (23505).
    pub fn is_unique_violation(&self, constraint: &str) -> bool {
        let Error::Database(sqlx::Error::Database(d)) = self else { return false };
        d.code().is_some_and(|c| c == "23505") && d.constraint() == Some(constraint)
    }
}

/// The kinds of failure, as the user meets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// A legal or workflow rule, or the input, refused it; nothing was stored.
    Refused,
    /// The configuration is wrong.
    Settings,
    NotFound,
    /// Someone else changed the request first; nothing was stored.
    Conflict,
    /// The database, the embedded cluster, the migrations.
    Infrastructure,
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        // 25006 read_only_sql_transaction: dsrdesk writes only in read-write transactions, so
        // this is a server that cannot take writes (a hot standby), not a bug to show raw.
        if e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "25006") {
            return Error::ReadOnlyReplica;
        }
        Error::Database(e)
    }
}

impl From<(String, DeadlineRuleError)> for Error {
    fn from((reference, rule): (String, DeadlineRuleError)) -> Self {
        Error::rule(reference, rule)
    }
}

fn format_problems(problems: &[IntakeProblem]) -> String {
    const SHOWN: usize = 20;
    let n = problems.len();
    let lines = problems.iter().map(|p| p.line).collect::<std::collections::BTreeSet<_>>().len();
    let mut text = format!(
        "intake refused, nothing was stored ({n} {} on {lines} {}):",
        if n == 1 { "problem" } else { "problems" },
        if lines == 1 { "line" } else { "lines" }
    );
    for p in problems.iter().take(SHOWN) {
        text.push_str("\n  ");
        text.push_str(&p.to_string());
    }
    if problems.len() > SHOWN {
        text.push_str(&format!("\n  ... and {} more", problems.len() - SHOWN));
    }
    text
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// The exit codes the README promises (1 refused, 2 not found, 3 conflict, 4 infrastructure)
    /// and the desk's words come from the same class.
    #[test]
    fn exit_codes_and_the_desks_failures_read_the_same_class() {
        let conflict = Error::Conflict { reference: "DSR-2026-000001".into(), message: "changed".into() };
        assert_eq!((conflict.class(), conflict.exit_code()), (ErrorClass::Conflict, 3));
        assert_eq!(Error::NotFound("DSR-2026-000001".into()).exit_code(), 2);
        assert_eq!(Error::rule("DSR-2026-000001", "already extended").exit_code(), 1);
        assert_eq!(Error::Invalid("no such method".into()).exit_code(), 1);
        let down = Error::Database(sqlx::Error::PoolTimedOut);
        assert_eq!((down.class(), down.exit_code()), (ErrorClass::Infrastructure, 4));
        assert!(down.unreachable().is_some());
        // A query that found nothing is not the server gone.
        assert!(Error::Database(sqlx::Error::RowNotFound).unreachable().is_none());
    }
}
