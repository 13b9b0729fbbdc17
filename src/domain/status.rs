//! The life of a request. The same transition table is installed in the database
//! (migrations), so a change that skips the service layer is refused there too.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type)]
#[serde(rename_all = "snake_case")]
#[sqlx(type_name = "request_status", rename_all = "snake_case")]
pub enum RequestStatus {
    /// Arrived, nobody works on it yet.
    New,
    /// Claimed by an operator and being worked on.
    InProgress,
    /// Art. 12(6): identifying information asked for; the clock is paused.
    AwaitingInformation,
    /// The reply was given (delivered what the right asks).
    Answered,
    /// Refused (Art. 12(5) manifestly unfounded or excessive, or identity not established).
    Refused,
    /// The agency is processor for this data: forwarded to the client, who is the controller.
    Forwarded,
    /// The subject withdrew the request.
    Withdrawn,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 7] = [
        RequestStatus::New,
        RequestStatus::InProgress,
        RequestStatus::AwaitingInformation,
        RequestStatus::Answered,
        RequestStatus::Refused,
        RequestStatus::Forwarded,
        RequestStatus::Withdrawn,
    ];

    pub const OPEN: [RequestStatus; 3] =
        [RequestStatus::New, RequestStatus::InProgress, RequestStatus::AwaitingInformation];

    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::New => "new",
            RequestStatus::InProgress => "in_progress",
            RequestStatus::AwaitingInformation => "awaiting_information",
            RequestStatus::Answered => "answered",
            RequestStatus::Refused => "refused",
            RequestStatus::Forwarded => "forwarded",
            RequestStatus::Withdrawn => "withdrawn",
        }
    }

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// The transitions the state machine allows. A closed request stays closed: a new
    /// request from the same subject is a new request with its own deadline.
    pub fn can_become(self, next: RequestStatus) -> bool {
        use RequestStatus::*;
        matches!(
            (self, next),
            (New, InProgress | AwaitingInformation | Answered | Refused | Forwarded | Withdrawn)
                | (InProgress, AwaitingInformation | Answered | Refused | Forwarded | Withdrawn)
                | (AwaitingInformation, InProgress | Refused | Withdrawn)
        )
    }

    /// Every allowed (from, to) pair; the migration's table is checked against this in a test.
    pub fn transitions() -> Vec<(RequestStatus, RequestStatus)> {
        let mut all = Vec::new();
        for from in Self::ALL {
            for to in Self::ALL {
                if from.can_become(to) {
                    all.push((from, to));
                }
            }
        }
        all
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown status {0:?}: expected new, in_progress, awaiting_information, answered, refused, forwarded or withdrawn"
)]
pub struct UnknownStatus(pub String);

impl FromStr for RequestStatus {
    type Err = UnknownStatus;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        RequestStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| UnknownStatus(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::RequestStatus::*;
    use super::*;

    #[test]
    fn closed_requests_stay_closed() {
        for closed in [Answered, Refused, Forwarded, Withdrawn] {
            for to in RequestStatus::ALL {
                assert!(!closed.can_become(to), "{closed} -> {to}");
            }
        }
    }

    #[test]
    fn paused_request_resumes_into_work_not_straight_to_answered() {
        assert!(AwaitingInformation.can_become(InProgress));
        assert!(!AwaitingInformation.can_become(Answered));
        assert!(!InProgress.can_become(New));
    }

    #[test]
    fn parses_with_dash_or_underscore() {
        assert_eq!("in-progress".parse::<RequestStatus>().unwrap(), InProgress);
        assert!("done".parse::<RequestStatus>().is_err());
    }
}
