//! The six rights a data subject can exercise (GDPR arts. 15–18, 20, 21).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "request_kind", rename_all = "snake_case")]
pub enum RequestKind {
    /// Art. 15: a copy of the data and the supplementary information.
    Access,
    /// Art. 16: correct or complete the data; tell recipients (Art. 19).
    Rectification,
    /// Art. 17: erase what is not held for a legal reason; explain the rest.
    Erasure,
    /// Art. 18: keep but do not use.
    Restriction,
    /// Art. 20: data the subject provided, on consent or contract, machine-readable.
    Portability,
    /// Art. 21: against direct marketing (absolute) or legitimate-interest processing.
    Objection,
}

impl RequestKind {
    pub const ALL: [RequestKind; 6] = [
        RequestKind::Access,
        RequestKind::Rectification,
        RequestKind::Erasure,
        RequestKind::Restriction,
        RequestKind::Portability,
        RequestKind::Objection,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Access => "access",
            RequestKind::Rectification => "rectification",
            RequestKind::Erasure => "erasure",
            RequestKind::Restriction => "restriction",
            RequestKind::Portability => "portability",
            RequestKind::Objection => "objection",
        }
    }

    pub fn article(self) -> &'static str {
        match self {
            RequestKind::Access => "Art. 15",
            RequestKind::Rectification => "Art. 16",
            RequestKind::Erasure => "Art. 17",
            RequestKind::Restriction => "Art. 18",
            RequestKind::Portability => "Art. 20",
            RequestKind::Objection => "Art. 21",
        }
    }
}

impl fmt::Display for RequestKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown request kind {0:?}: expected access, rectification, erasure, restriction, portability or objection"
)]
pub struct UnknownKind(pub String);

impl FromStr for RequestKind {
    type Err = UnknownKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RequestKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| UnknownKind(s.to_string()))
    }
}
