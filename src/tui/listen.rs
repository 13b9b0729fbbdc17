//! Live updates: LISTEN on `dsrdesk_requests` and report each change (merged over a short
//! moment, so a burst of changes costs one refresh) as `Action::Changed`. On a replica (a hot
//! standby hears no NOTIFY) [`spawn_replica_watch`] polls the replay position instead.

use super::action::{Action, Change};
use crate::store::notify::{ChangeListener, Heard};
use crate::store::replica::replica_state;
use sqlx::PgPool;
use std::time::Duration;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

/// Changes arriving within this long of the first are reported together.
pub const COALESCE: Duration = Duration::from_millis(80);

/// Listen until `tx` is closed or the pool is. Sends `Live(true)` once listening, `Live(false)`
/// while the connection is down, and after a reconnect a change of everything (notifications
/// sent while it was down are lost).
pub fn spawn_listener(pool: PgPool, tx: UnboundedSender<Action>) -> JoinHandle<()> {
    let (raw_tx, mut raw_rx) = unbounded_channel::<Change>();
    let out = tx.clone();
    tokio::spawn(async move {
        while let Some(mut change) = raw_rx.recv().await {
            tokio::time::sleep(COALESCE).await;
            while let Ok(more) = raw_rx.try_recv() {
                change.merge(more);
            }
            if out.send(Action::Changed(change)).is_err() {
                return;
            }
        }
    });
    tokio::spawn(async move {
        let mut first = true;
        let mut down = false;
        loop {
            if tx.is_closed() || pool.is_closed() {
                return;
            }
            let mut listener = match ChangeListener::connect(&pool).await {
                Ok(l) => l,
                Err(_) => {
                    let _ = tx.send(Action::Live(false));
                    tokio::time::sleep(Duration::from_secs(2)).await;
                    continue;
                }
            };
            if tx.send(Action::Live(true)).is_err() {
                return;
            }
            if !first && raw_tx.send(Change::everything()).is_err() {
                return;
            }
            first = false;
            loop {
                match listener.next().await {
                    heard @ (Heard::Notice(_) | Heard::Mail(_)) => {
                        if down {
                            down = false;
                            let _ = tx.send(Action::Live(true));
                        }
                        let change = match heard {
                            Heard::Mail(payload) => Change::from_inbox_payload(&payload),
                            Heard::Notice(payload) => Change::from_payload(&payload),
                            _ => Change::everything(),
                        };
                        if raw_tx.send(change).is_err() {
                            return;
                        }
                    }
                    Heard::Dropped => {
                        // The connection dropped; the next try_recv reconnects.
                        down = true;
                        let _ = tx.send(Action::Live(false));
                        let _ = raw_tx.send(Change::everything());
                    }
                    Heard::Closed => return,
                    Heard::Failed => {
                        let _ = tx.send(Action::Live(false));
                        tokio::time::sleep(Duration::from_secs(2)).await;
                        break;
                    }
                }
            }
        }
    })
}

/// How often a desk on a replica looks whether anything was replayed.
pub const REPLICA_POLL: Duration = Duration::from_secs(1);

/// On a replica: every `period`, read the replay position (the change marker) and the lag. Sends
/// `Replica(lag)` each time, `Changed(everything)` when the position moved (a standby cannot say
/// which requests changed), and `Live(false)`/`Live(true)` while the server cannot be reached and
/// after it can again (then a change of everything).
pub fn spawn_replica_watch(pool: PgPool, tx: UnboundedSender<Action>, period: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut marker: Option<Option<String>> = None;
        let mut down = false;
        loop {
            if tx.is_closed() || pool.is_closed() {
                return;
            }
            match replica_state(&pool).await {
                Ok(state) => {
                    if down {
                        down = false;
                        let _ = tx.send(Action::Live(true));
                    }
                    let moved = marker.as_ref().is_some_and(|m| *m != state.marker);
                    marker = Some(state.marker.clone());
                    if tx.send(Action::Replica(state.lag())).is_err() {
                        return;
                    }
                    if moved && tx.send(Action::Changed(Change::everything())).is_err() {
                        return;
                    }
                }
                Err(_) => {
                    if !down {
                        down = true;
                        let _ = tx.send(Action::Live(false));
                    }
                    // Whatever was replayed meanwhile is loaded when the replica answers again.
                    marker = Some(Some(String::new()));
                }
            }
            tokio::time::sleep(period).await;
        }
    })
}
