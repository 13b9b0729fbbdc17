//! Taking in the DPO's mailboxes (issue 16): the settings, the MIME parsing, and one file per way
//! a mailbox is read (Maildir, IMAP) plus the loop that runs them.
//!
//! What dsrdesk does to a mailbox: nothing but reading it (IMAP `BODY.PEEK`, so not even the
//! \Seen flag) and, when `move_to` is set, moving a message there after its row is committed.
//! It never deletes. A message is taken exactly once: by (UIDVALIDITY, UID) or the Maildir file
//! name, and by the SHA-256 of its bytes; the IMAP cursor moves in the transaction that stores
//! the message, so a SIGKILL at any point loses nothing and duplicates nothing.

pub mod fetch;
pub mod imap;
pub mod maildir;
pub mod parse;
pub mod settings;

use crate::domain::Jurisdiction;
use chrono::{DateTime, Utc};

/// Where in its mailbox a message was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Imap { uid_validity: u32, uid: u32 },
    Maildir { key: String },
}

/// One message as it came from a mailbox, before it is stored.
#[derive(Debug, Clone)]
pub struct Arrival {
    pub mailbox: String,
    pub jurisdiction: Jurisdiction,
    pub origin: Origin,
    /// The message's bytes; for one over the size limit, its header only.
    pub raw: Vec<u8>,
    /// The full size the server or the file system gave.
    pub size: u64,
    pub too_large: bool,
    /// The server's arrival time (IMAP INTERNALDATE, Maildir delivery time): the time of receipt.
    pub received_at: DateTime<Utc>,
}
