//! Reading from a streaming replica (a hot standby): whether a server is one, and how far behind
//! the primary it is. LISTEN/NOTIFY does not reach a standby (notifications are not written to the
//! WAL), so a desk on one polls [`replica_state`] instead: its replay position is the change
//! marker, and the receive and replay positions say whether anything is still waiting.

use crate::error::Result;
use sqlx::PgPool;

/// One look at a replica: cheap (functions reading shared memory, no table).
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaState {
    /// `pg_is_in_recovery()`: false once promoted (or when the URL names a primary).
    pub in_recovery: bool,
    /// The replay position: it moves whenever the replica applies anything from the primary.
    pub marker: Option<String>,
    /// Everything received from the primary has been replayed.
    pub caught_up: bool,
    /// Whether the WAL receiver streams from the primary: None when this role may not see it
    /// (its details need `pg_read_all_stats`), Some(false) when no receiver runs.
    pub streaming: Option<bool>,
    /// Seconds since the primary committed the last transaction replayed here.
    pub since_last_replayed: Option<f64>,
}

/// How far behind the primary the desk's data is, as the header says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaLag {
    /// Everything that reached the replica is applied, and the stream runs (or cannot be seen).
    UpToDate,
    /// Replay has not yet applied what arrived. The replica shows the primary as it was after
    /// the last replayed commit; what it lacks was committed later, so this is an upper bound.
    /// (The replay timestamp alone would call an idle primary "behind": it is used only here.)
    Behind { at_most_secs: u64 },
    /// No stream from the primary: the data is as of the last change replayed, this long ago.
    NoStream { last_change_secs: Option<u64> },
    /// The server takes writes (promoted, or the primary itself): not a replica.
    NotStandby,
}

/// `12 s`, `12 min`, `3 h`.
fn age(secs: u64) -> String {
    match secs {
        0..120 => format!("{secs} s"),
        120..7200 => format!("{} min", secs / 60),
        _ => format!("{} h", secs / 3600),
    }
}

/// The words the desk's title bar and `dsrdesk db status` use, after "replica · ".
impl std::fmt::Display for ReplicaLag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            ReplicaLag::UpToDate => write!(f, "up to date"),
            // At most: the replay timestamp bounds the lag from above.
            ReplicaLag::Behind { at_most_secs } => write!(f, "≤{} behind", age(at_most_secs)),
            // The newest data shown was committed this long ago; nothing newer arrives.
            ReplicaLag::NoStream { last_change_secs: Some(s) } => write!(f, "no stream · {} old", age(s)),
            ReplicaLag::NoStream { last_change_secs: None } => write!(f, "no stream"),
            ReplicaLag::NotStandby => write!(f, "not a standby: it takes writes"),
        }
    }
}

impl ReplicaState {
    pub fn lag(&self) -> ReplicaLag {
        // Rounded up: an upper bound stays one ("up to 0 s behind" would say nothing waits).
        let secs = self.since_last_replayed.map(|s| s.max(0.0).ceil() as u64);
        if !self.in_recovery {
            ReplicaLag::NotStandby
        } else if self.streaming == Some(false) {
            ReplicaLag::NoStream { last_change_secs: secs }
        } else if self.caught_up {
            ReplicaLag::UpToDate
        } else {
            ReplicaLag::Behind { at_most_secs: secs.unwrap_or(0) }
        }
    }
}

/// Whether the server is a hot standby (in recovery, taking reads only).
pub async fn is_hot_standby(pool: &PgPool) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT pg_is_in_recovery()").fetch_one(pool).await?)
}

pub async fn replica_state(pool: &PgPool) -> Result<ReplicaState> {
    let (in_recovery, marker, caught_up, receivers, status, since): (
        bool,
        Option<String>,
        Option<bool>,
        i64,
        Option<String>,
        Option<f64>,
    ) = sqlx::query_as(
        "SELECT pg_is_in_recovery(),
                pg_last_wal_replay_lsn()::text,
                pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn(),
                (SELECT count(*) FROM pg_stat_wal_receiver),
                (SELECT status FROM pg_stat_wal_receiver LIMIT 1),
                extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8",
    )
    .fetch_one(pool)
    .await?;
    let streaming = match (receivers, status) {
        (0, _) => Some(false),
        (_, Some(status)) => Some(status == "streaming"),
        (_, None) => None,
    };
    Ok(ReplicaState {
        in_recovery,
        marker,
        caught_up: caught_up.unwrap_or(false),
        streaming,
        since_last_replayed: since,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(caught_up: bool, streaming: Option<bool>, since: Option<f64>) -> ReplicaState {
        ReplicaState { in_recovery: true, marker: None, caught_up, streaming, since_last_replayed: since }
    }

    #[test]
    fn an_idle_primary_is_not_reported_as_lag() {
        // The last commit an hour ago, everything replayed: up to date, not "3600 s behind".
        assert_eq!(state(true, Some(true), Some(3600.0)).lag(), ReplicaLag::UpToDate);
        assert_eq!(state(true, None, Some(3600.0)).lag(), ReplicaLag::UpToDate);
    }

    #[test]
    fn waiting_replay_is_behind_by_at_most_the_last_replayed_commits_age() {
        assert_eq!(state(false, Some(true), Some(4.4)).lag(), ReplicaLag::Behind { at_most_secs: 5 });
        assert_eq!(state(false, Some(true), None).lag(), ReplicaLag::Behind { at_most_secs: 0 });
    }

    #[test]
    fn no_receiver_is_no_stream_and_a_promoted_server_is_no_replica() {
        assert_eq!(
            state(true, Some(false), Some(9.0)).lag(),
            ReplicaLag::NoStream { last_change_secs: Some(9) }
        );
        let promoted = ReplicaState { in_recovery: false, ..state(true, Some(false), None) };
        assert_eq!(promoted.lag(), ReplicaLag::NotStandby);
    }
}
