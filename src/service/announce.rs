//! Telling the other desks about a claim, after its commit and off the claimer's path.
//!
//! A claim's notification is sent after the claim commits, in a transaction of its own
//! (migration 0010: a NOTIFY inside the claim would make every claim commit alone). Sent by the
//! claimer itself it costs a second round trip before the next claim can start; here one task per
//! desk sends it instead, and the claims that commit while it is sending are told in one
//! notification, as the database's own trigger tells a statement's rows in one.

use crate::store::requests as store;
use sqlx::PgPool;
use std::sync::Mutex;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::sync::oneshot;

enum Message {
    Changed(String),
    /// Answered once everything sent before it has been announced.
    Flush(oneshot::Sender<()>),
}

/// The sending task's queue, started on first use (it needs the caller's runtime) and again
/// should that runtime have gone.
pub(crate) struct Announcer {
    pool: PgPool,
    queue: Mutex<Option<UnboundedSender<Message>>>,
}

impl Announcer {
    pub(crate) fn new(pool: PgPool) -> Announcer {
        Announcer { pool, queue: Mutex::new(None) }
    }

    /// Announce that `reference` changed. Returns at once.
    pub(crate) fn changed(&self, reference: &str) {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let sender = match queue.as_ref() {
            Some(tx) if !tx.is_closed() => tx,
            _ => queue.insert(spawn(self.pool.clone())),
        };
        let _ = sender.send(Message::Changed(reference.to_string()));
    }

    /// Wait until every change announced so far has been sent (before a command-line process
    /// ends: its runtime would drop what is still queued).
    pub(crate) async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        let sent = {
            let queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.as_ref().is_some_and(|tx| tx.send(Message::Flush(done)).is_ok())
        };
        if sent {
            let _ = wait.await;
        }
    }
}

fn spawn(pool: PgPool) -> UnboundedSender<Message> {
    let (tx, rx) = unbounded_channel();
    tokio::spawn(send_all(pool, rx));
    tx
}

async fn send_all(pool: PgPool, mut rx: UnboundedReceiver<Message>) {
    while let Some(first) = rx.recv().await {
        let mut references = Vec::new();
        let mut flushes = Vec::new();
        let mut take = |m: Message| match m {
            Message::Changed(r) => references.push(r),
            Message::Flush(done) => flushes.push(done),
        };
        take(first);
        while let Ok(more) = rx.try_recv() {
            take(more);
        }
        if !references.is_empty() {
            // Should this fail, the claims stand all the same and other desks see them at their
            // next read (they also refresh after a lost connection).
            if let Ok(mut conn) = pool.acquire().await {
                let _ = store::notify_changed(&mut conn, &references).await;
            }
        }
        for done in flushes {
            let _ = done.send(());
        }
    }
}
