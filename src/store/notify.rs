//! LISTEN for the queue's notifications (the trigger in migrations/0001_queue.sql), so front ends
//! hear of changes without knowing sqlx.

use crate::error::Result;
use sqlx::PgPool;
use sqlx::postgres::PgListener;

/// The channel the request trigger notifies.
pub const REQUESTS_CHANNEL: &str = "dsrdesk_requests";

/// The channel the inbox notifies when a message arrives or is handled (migration 0023).
pub const INBOX_CHANNEL: &str = "dsrdesk_inbox";

/// What the listening connection heard next.
#[derive(Debug)]
pub enum Heard {
    /// A notification's payload.
    Notice(String),
    /// The inbox's notification: "insert" (mail arrived) or "update" (a message was handled).
    Mail(String),
    /// The connection dropped; the next `next()` reconnects. Notices sent meanwhile are lost.
    Dropped,
    /// The pool was closed: the program is stopping.
    Closed,
    /// Anything else went wrong; reconnect after a pause.
    Failed,
}

pub struct ChangeListener(PgListener);

impl ChangeListener {
    pub async fn connect(pool: &PgPool) -> Result<ChangeListener> {
        let mut listener = PgListener::connect_with(pool).await?;
        listener.listen_all([REQUESTS_CHANNEL, INBOX_CHANNEL]).await?;
        Ok(ChangeListener(listener))
    }

    pub async fn next(&mut self) -> Heard {
        match self.0.try_recv().await {
            Ok(Some(n)) if n.channel() == INBOX_CHANNEL => Heard::Mail(n.payload().to_string()),
            Ok(Some(n)) => Heard::Notice(n.payload().to_string()),
            Ok(None) => Heard::Dropped,
            Err(sqlx::Error::PoolClosed) => Heard::Closed,
            Err(_) => Heard::Failed,
        }
    }
}
