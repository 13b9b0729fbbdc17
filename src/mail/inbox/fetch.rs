//! `dsrdesk mail fetch`: take in what is new in each mailbox, once or continuously (IMAP IDLE
//! where the server offers it, else a look every `poll_secs`).

use super::settings::{Access, ImapAccess, Mailbox, resolve};
use super::{imap, maildir};
use crate::error::{Error, Result};
use crate::service::inbox::TakenIn;
use crate::service::{Desk, Operator};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What one pass over a mailbox did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchReport {
    pub mailbox: String,
    pub stored: usize,
    /// Of those stored, attached to their request by threading.
    pub threaded: usize,
    /// Already taken before (same UID, file or bytes): nothing added.
    pub already_taken: usize,
    pub too_large: usize,
    pub moved: usize,
}

/// The configured mailboxes with their secrets read.
pub fn mailboxes(desk: &Desk) -> Result<Vec<Mailbox>> {
    desk.config()
        .mailboxes
        .iter()
        .map(|m| resolve(m, |k| std::env::var(k).ok()).map_err(Error::from))
        .collect()
}

/// Messages stored per transaction: one commit for a batch (the batch is all or nothing).
pub const BATCH: usize = 100;

async fn record(
    desk: &Desk,
    operator: &Operator,
    arrivals: &[super::Arrival],
    report: &mut FetchReport,
) -> Result<()> {
    if arrivals.is_empty() {
        return Ok(());
    }
    for (arrival, taken) in arrivals.iter().zip(desk.take_in_all(operator, arrivals).await?) {
        match taken {
            TakenIn::Stored { threaded_to, .. } => {
                report.stored += 1;
                report.threaded += usize::from(threaded_to.is_some());
                report.too_large += usize::from(arrival.too_large);
            }
            TakenIn::AlreadyTaken => report.already_taken += 1,
        }
    }
    Ok(())
}

/// One pass over a Maildir.
pub async fn fetch_maildir(
    desk: &Desk,
    operator: &Operator,
    mailbox: &Mailbox,
    dir: &std::path::Path,
) -> Result<FetchReport> {
    let mut report = FetchReport { mailbox: mailbox.name.clone(), ..FetchReport::default() };
    let io = |e: std::io::Error| Error::Mail(format!("Maildir {}: {e}", dir.display()));
    let taken = desk.maildir_keys(&mailbox.name).await?;
    for files in maildir::list(dir).map_err(io)?.chunks(BATCH) {
        let mut arrivals = Vec::new();
        for file in files.iter().filter(|f| !taken.contains(&f.key)) {
            match maildir::read(file, &mailbox.name, mailbox.jurisdiction, mailbox.max_bytes) {
                Ok(a) => arrivals.push(a),
                // Moved or removed by the mail client since the listing: not ours any more.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(e)),
            }
        }
        record(desk, operator, &arrivals, &mut report).await?;
        // Committed (now or by an earlier run that was stopped before its move): move them.
        if let Some(folder) = &mailbox.move_to {
            for file in files {
                maildir::move_to(dir, file, folder).map_err(io)?;
                report.moved += 1;
            }
        }
    }
    Ok(report)
}

/// One pass over an IMAP folder on an open session.
pub async fn fetch_imap(
    desk: &Desk,
    operator: &Operator,
    mailbox: &Mailbox,
    access: &ImapAccess,
    session: &mut imap::ImapSession,
) -> Result<FetchReport> {
    let mut report = FetchReport { mailbox: mailbox.name.clone(), ..FetchReport::default() };
    // A new UIDVALIDITY means the server renumbered the folder: the cursor starts again at 0 for
    // it, and the SHA-256 of each message keeps what was already taken from being taken twice.
    let uid_validity = imap::open_folder(session, access).await?;
    let after = desk.imap_cursor(&mailbox.name, uid_validity).await?;
    let mut uids = imap::uids_after(session, access, after).await?;
    while !uids.is_empty() {
        let batch = imap::next_batch(
            session,
            access,
            &mailbox.name,
            mailbox.jurisdiction,
            mailbox.max_bytes,
            uid_validity,
            &uids,
        )
        .await?;
        let last = match batch.last() {
            Some(a) => match a.origin {
                super::Origin::Imap { uid, .. } => uid,
                _ => unreachable!("IMAP arrivals have UIDs"),
            },
            None => break,
        };
        for arrivals in batch.chunks(BATCH) {
            // Each batch commits with the cursor: a kill between two leaves the rest for next time.
            record(desk, operator, arrivals, &mut report).await?;
        }
        uids.retain(|u| *u > last);
    }
    if let Some(folder) = &mailbox.move_to {
        let up_to = desk.imap_cursor(&mailbox.name, uid_validity).await?;
        report.moved = imap::move_taken(session, access, up_to, folder).await?;
    }
    Ok(report)
}

/// One pass over every configured mailbox.
pub async fn fetch_all(desk: &Desk, operator: &Operator) -> Result<Vec<FetchReport>> {
    let mut reports = Vec::new();
    for mailbox in mailboxes(desk)? {
        reports.push(fetch_one(desk, operator, &mailbox).await?);
    }
    Ok(reports)
}

pub async fn fetch_one(desk: &Desk, operator: &Operator, mailbox: &Mailbox) -> Result<FetchReport> {
    match &mailbox.access {
        Access::Maildir(dir) => fetch_maildir(desk, operator, mailbox, dir).await,
        Access::Imap(access) => {
            let mut session = imap::connect(access).await?;
            let report = fetch_imap(desk, operator, mailbox, access, &mut session).await;
            let _ = session.logout().await;
            report
        }
    }
}

/// Keep one mailbox taken in until stopped: IDLE where offered, else a look every `poll_secs`.
/// A failure is reported through `on_report` and retried after the poll interval.
pub async fn watch(
    desk: Desk,
    operator: Operator,
    mailbox: Mailbox,
    on_report: impl Fn(Result<FetchReport>),
) {
    let pause = Duration::from_secs(mailbox.poll_secs);
    loop {
        match &mailbox.access {
            Access::Maildir(dir) => on_report(fetch_maildir(&desk, &operator, &mailbox, dir).await),
            Access::Imap(access) => {
                let session = async {
                    let mut session = imap::connect(access).await?;
                    let idle = imap::offers_idle(&mut session, access).await?;
                    Ok::<_, Error>((session, idle))
                }
                .await;
                let (mut session, idle) = match session {
                    Ok(s) => s,
                    Err(e) => {
                        on_report(Err(e));
                        tokio::time::sleep(pause).await;
                        continue;
                    }
                };
                // On one connection: fetch, then wait for news (IDLE) or the interval, again.
                loop {
                    let report = fetch_imap(&desk, &operator, &mailbox, access, &mut session).await;
                    let failed = report.is_err();
                    on_report(report);
                    if failed {
                        break;
                    }
                    if idle {
                        // RFC 2177: re-issue IDLE at least every 29 minutes; new mail ends it at once.
                        match imap::idle(session, access, Duration::from_secs(25 * 60)).await {
                            Ok(s) => session = s,
                            Err(e) => {
                                on_report(Err(e));
                                break;
                            }
                        }
                    } else {
                        tokio::time::sleep(pause).await;
                    }
                }
            }
        }
        tokio::time::sleep(pause).await;
    }
}

/// The mailboxes read inside the desk, beside the operator's work: one task each, quietly (the
/// inbox screen shows what arrived; `dsrdesk mail fetch --once` says what goes wrong). Nothing when
/// no mailbox is configured or its settings cannot be read.
pub fn spawn_in_background(desk: &Desk, operator: &Operator) -> Vec<tokio::task::JoinHandle<()>> {
    let operator = Operator { user: format!("{} (mail)", operator.user), ..operator.clone() };
    mailboxes(desk)
        .unwrap_or_default()
        .into_iter()
        .map(|m| tokio::spawn(watch(desk.clone(), operator.clone(), m, |_| {})))
        .collect()
}
