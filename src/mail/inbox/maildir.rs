//! Reading a Maildir (new/ and cur/): each file is one message; its unique name (before the
//! ":2," flags) identifies it, its modification time is the delivery time (as dovecot takes it
//! for INTERNALDATE). Nothing is changed in the Maildir except the optional move, after commit.

use super::parse::header_block;
use super::{Arrival, Origin};
use crate::domain::Jurisdiction;
use chrono::{DateTime, Utc};
use std::io::Read;
use std::path::{Path, PathBuf};

/// A message file and its unique name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageFile {
    pub path: PathBuf,
    pub key: String,
}

/// The unique part of a Maildir file name (`1764545400.M1P2.host:2,S` → `1764545400.M1P2.host`).
pub fn key_of(file_name: &str) -> &str {
    file_name.split_once(':').map_or(file_name, |(k, _)| k)
}

/// The messages in new/ and cur/, oldest delivery first.
pub fn list(dir: &Path) -> std::io::Result<Vec<MessageFile>> {
    let mut found = Vec::new();
    for sub in ["new", "cur"] {
        for entry in std::fs::read_dir(dir.join(sub))? {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            // Dot files are a writer's temporary files; anything but a plain file is not a message.
            if name.starts_with('.') || !entry.file_type()?.is_file() {
                continue;
            }
            let key = key_of(name);
            if key.is_empty() || key.chars().any(|c| c.is_control() || c == '/') {
                continue;
            }
            let modified = entry.metadata()?.modified()?;
            found.push((modified, MessageFile { path: entry.path(), key: key.to_string() }));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.key.cmp(&b.1.key)));
    Ok(found.into_iter().map(|(_, f)| f).collect())
}

/// Read one message: all of it, or its header only when it is over `max_bytes`.
pub fn read(
    file: &MessageFile,
    mailbox: &str,
    jurisdiction: Jurisdiction,
    max_bytes: u64,
) -> std::io::Result<Arrival> {
    let mut f = std::fs::File::open(&file.path)?;
    let meta = f.metadata()?;
    let size = meta.len();
    let received_at: DateTime<Utc> = meta.modified()?.into();
    let too_large = size > max_bytes;
    let raw = if too_large {
        let mut head = Vec::new();
        f.by_ref().take(256 * 1024).read_to_end(&mut head)?;
        header_block(&head).to_vec()
    } else {
        let mut all = Vec::with_capacity(size as usize);
        f.read_to_end(&mut all)?;
        all
    };
    Ok(Arrival {
        mailbox: mailbox.to_string(),
        jurisdiction,
        origin: Origin::Maildir { key: file.key.clone() },
        raw,
        size,
        too_large,
        received_at,
    })
}

/// Move a taken message into the Maildir++ folder `.NAME` (created when missing), keeping its
/// file name, so the mail client sees it there. Called only after its row is committed.
pub fn move_to(dir: &Path, file: &MessageFile, folder: &str) -> std::io::Result<()> {
    let target = dir.join(format!(".{folder}"));
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(target.join(sub))?;
    }
    let name = file.path.file_name().ok_or_else(|| std::io::Error::other("a message file without a name"))?;
    match std::fs::rename(&file.path, target.join("cur").join(name)) {
        // Moved by someone else (another fetcher, the mail client) in the meantime: nothing to do.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_the_name_before_the_flags() {
        assert_eq!(key_of("1764545400.M1P2.host:2,S"), "1764545400.M1P2.host");
        assert_eq!(key_of("1764545400.M1P2.host"), "1764545400.M1P2.host");
    }
}
