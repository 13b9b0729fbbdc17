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
    Database(#[from] sqlx::Error),
    #[error("database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
}

impl Error {
    pub fn rule(reference: impl Into<String>, rule: impl ToString) -> Error {
        Error::Rule { reference: reference.into(), rule: rule.to_string() }
    }

    /// Exit codes: 1 refused by a rule or bad input, 2 not found, 3 conflict, 4 infrastructure.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Rule { .. } | Error::Intake(_) | Error::Invalid(_) | Error::Config(_) => 1,
            Error::NotFound(_) => 2,
            Error::Conflict { .. } => 3,
            Error::Cluster(_) | Error::Database(_) | Error::Migrate(_) => 4,
        }
    }
}

impl From<(String, DeadlineRuleError)> for Error {
    fn from((reference, rule): (String, DeadlineRuleError)) -> Self {
        Error::rule(reference, rule)
    }
}

fn format_problems(problems: &[IntakeProblem]) -> String {
    const SHOWN: usize = 20;
    let mut text = format!("intake refused, nothing was stored ({} problem(s)):", problems.len());
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
