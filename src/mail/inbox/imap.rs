//! Reading an IMAP mailbox with `async-imap` over TLS (implicit, or STARTTLS), checked against
//! the system's roots (webpki) and the agency's own CA, with the host name. Messages are read with
//! `BODY.PEEK` (no \Seen flag is set); nothing is stored, flagged or deleted on the server.

use super::settings::{ImapAccess, read_ca_file};
use super::{Arrival, Origin};
use crate::domain::Jurisdiction;
use crate::error::{Error, Result};
use async_imap::Session;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use rustls_pki_types::ServerName;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

pub type ImapSession = Session<TlsStream<TcpStream>>;

const TIMEOUT: Duration = Duration::from_secs(60);

fn mail_error(access: &ImapAccess, what: &str, e: impl std::fmt::Display) -> Error {
    Error::Mail(format!("IMAP {}:{}: {what}: {e}", access.host, access.port))
}

async fn within<T>(access: &ImapAccess, what: &str, f: impl std::future::Future<Output = T>) -> Result<T> {
    tokio::time::timeout(TIMEOUT, f).await.map_err(|_| mail_error(access, what, "no answer in 60 s"))
}

fn tls_connector(access: &ImapAccess) -> Result<TlsConnector> {
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(ca) = &access.ca_file {
        for cert in read_ca_file(ca).map_err(Error::Mail)? {
            roots.add(cert).map_err(|e| mail_error(access, "the CA file", e))?;
        }
    }
    let config =
        rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| mail_error(access, "TLS", e))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// Connect, protect, log in. The password goes only over TLS, and never into an error message.
pub async fn connect(access: &ImapAccess) -> Result<ImapSession> {
    let connector = tls_connector(access)?;
    let server_name =
        ServerName::try_from(access.host.clone()).map_err(|e| mail_error(access, "the host name", e))?;
    let tcp = within(access, "connect", TcpStream::connect((access.host.as_str(), access.port)))
        .await?
        .map_err(|e| mail_error(access, "connect", e))?;
    let tls_over = |tcp| connector.connect(server_name.clone(), tcp);
    let client = if access.implicit_tls {
        let tls = within(access, "TLS", tls_over(tcp)).await?.map_err(|e| mail_error(access, "TLS", e))?;
        let mut client = async_imap::Client::new(tls);
        within(access, "greeting", client.read_response())
            .await?
            .map_err(|e| mail_error(access, "greeting", e))?;
        client
    } else {
        let mut plain = async_imap::Client::new(tcp);
        within(access, "greeting", plain.read_response())
            .await?
            .map_err(|e| mail_error(access, "greeting", e))?;
        within(access, "STARTTLS", plain.run_command_and_check_ok("STARTTLS", None))
            .await?
            .map_err(|e| mail_error(access, "STARTTLS (refused: the server must offer it)", e))?;
        let tls = within(access, "TLS", tls_over(plain.into_inner()))
            .await?
            .map_err(|e| mail_error(access, "TLS", e))?;
        async_imap::Client::new(tls)
    };
    within(access, "login", client.login(&access.username, access.password.expose()))
        .await?
        .map_err(|(e, _)| mail_error(access, &format!("login as {}", access.username), e))
}

/// A message's size and arrival, before its bytes are fetched.
struct Envelope {
    uid: u32,
    size: u64,
    internal_date: DateTime<Utc>,
}

/// Open the folder read-only; its UIDVALIDITY.
pub async fn open_folder(session: &mut ImapSession, access: &ImapAccess) -> Result<u32> {
    let mailbox = within(access, "EXAMINE", session.examine(&access.folder))
        .await?
        .map_err(|e| mail_error(access, &format!("open folder {:?}", access.folder), e))?;
    mailbox.uid_validity.ok_or_else(|| mail_error(access, "EXAMINE", "the server gave no UIDVALIDITY"))
}

/// The UIDs above `after` in the open folder, ascending.
pub async fn uids_after(session: &mut ImapSession, access: &ImapAccess, after: u32) -> Result<Vec<u32>> {
    // "n:*" always matches the last message, even below n: filter.
    let found =
        within(access, "UID SEARCH", session.uid_search(format!("UID {}:*", after.saturating_add(1))))
            .await?
            .map_err(|e| mail_error(access, "UID SEARCH", e))?;
    let mut uids: Vec<u32> = found.into_iter().filter(|u| *u > after).collect();
    uids.sort_unstable();
    Ok(uids)
}

async fn envelopes(session: &mut ImapSession, access: &ImapAccess, uids: &[u32]) -> Result<Vec<Envelope>> {
    let set = uid_set(uids);
    let stream = session
        .uid_fetch(&set, "(UID RFC822.SIZE INTERNALDATE)")
        .await
        .map_err(|e| mail_error(access, "UID FETCH", e))?;
    let fetched: Vec<_> = within(access, "UID FETCH", stream.try_collect::<Vec<_>>())
        .await?
        .map_err(|e| mail_error(access, "UID FETCH", e))?;
    let mut out = Vec::new();
    for f in fetched {
        let (Some(uid), Some(date)) = (f.uid, f.internal_date()) else { continue };
        out.push(Envelope { uid, size: f.size.unwrap_or(0) as u64, internal_date: date.with_timezone(&Utc) });
    }
    out.sort_by_key(|e| e.uid);
    Ok(out)
}

/// The bytes of these messages (whole, or the header only), by UID.
async fn bodies(
    session: &mut ImapSession,
    access: &ImapAccess,
    uids: &[u32],
    header_only: bool,
) -> Result<std::collections::HashMap<u32, Vec<u8>>> {
    let mut out = std::collections::HashMap::new();
    if uids.is_empty() {
        return Ok(out);
    }
    let what = if header_only { "(UID BODY.PEEK[HEADER])" } else { "(UID BODY.PEEK[])" };
    let stream =
        session.uid_fetch(uid_set(uids), what).await.map_err(|e| mail_error(access, "UID FETCH", e))?;
    let fetched: Vec<_> = within(access, "UID FETCH", stream.try_collect::<Vec<_>>())
        .await?
        .map_err(|e| mail_error(access, "UID FETCH", e))?;
    for f in fetched {
        let bytes = if header_only { f.header() } else { f.body() };
        if let (Some(uid), Some(bytes)) = (f.uid, bytes) {
            out.insert(uid, bytes.to_vec());
        }
    }
    Ok(out)
}

fn uid_set(uids: &[u32]) -> String {
    uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

/// Fetch the next batch of messages after `after` (at most about 64 MB of bytes at once), in UID
/// order, for the caller to store one by one.
pub async fn next_batch(
    session: &mut ImapSession,
    access: &ImapAccess,
    mailbox: &str,
    jurisdiction: Jurisdiction,
    max_bytes: u64,
    uid_validity: u32,
    uids: &[u32],
) -> Result<Vec<Arrival>> {
    const BUDGET: u64 = 64 * 1024 * 1024;
    let heads = envelopes(session, access, &uids[..uids.len().min(200)]).await?;
    let mut taken = Vec::new();
    let mut budget = 0u64;
    for e in heads {
        let cost = e.size.min(max_bytes);
        if !taken.is_empty() && budget + cost > BUDGET {
            break;
        }
        budget += cost;
        taken.push(e);
    }
    let (large, small): (Vec<&Envelope>, Vec<&Envelope>) = taken.iter().partition(|e| e.size > max_bytes);
    let mut whole = bodies(session, access, &small.iter().map(|e| e.uid).collect::<Vec<_>>(), false).await?;
    let mut heads_only =
        bodies(session, access, &large.iter().map(|e| e.uid).collect::<Vec<_>>(), true).await?;
    let mut out = Vec::new();
    for e in &taken {
        let too_large = e.size > max_bytes;
        let raw = if too_large { heads_only.remove(&e.uid) } else { whole.remove(&e.uid) };
        // Expunged by someone else between the two fetches: it is gone, not ours to take.
        let Some(raw) = raw else { continue };
        out.push(Arrival {
            mailbox: mailbox.to_string(),
            jurisdiction,
            origin: Origin::Imap { uid_validity, uid: e.uid },
            size: if too_large { e.size } else { raw.len() as u64 },
            raw,
            too_large,
            received_at: e.internal_date,
        });
    }
    Ok(out)
}

/// Move the messages up to `up_to` (all taken and committed) into `folder`, created when missing.
/// Needs the server's MOVE (RFC 6851): without it nothing is moved, since COPY and then EXPUNGE
/// would delete from the mailbox, which dsrdesk never does.
pub async fn move_taken(
    session: &mut ImapSession,
    access: &ImapAccess,
    up_to: u32,
    folder: &str,
) -> Result<usize> {
    if up_to == 0 {
        return Ok(0);
    }
    let caps = within(access, "CAPABILITY", session.capabilities())
        .await?
        .map_err(|e| mail_error(access, "CAPABILITY", e))?;
    if !caps.has_str("MOVE") {
        return Err(mail_error(
            access,
            "move_to",
            "the server does not offer MOVE; dsrdesk never deletes, so it leaves the mail in place",
        ));
    }
    within(access, "SELECT", session.select(&access.folder))
        .await?
        .map_err(|e| mail_error(access, "SELECT", e))?;
    let present = within(access, "UID SEARCH", session.uid_search(format!("UID 1:{up_to}")))
        .await?
        .map_err(|e| mail_error(access, "UID SEARCH", e))?;
    let mut present: Vec<u32> = present.into_iter().filter(|u| *u <= up_to).collect();
    if present.is_empty() {
        return Ok(0);
    }
    present.sort_unstable();
    // Created when missing; "already exists" is the usual answer and not a failure.
    let _ = within(access, "CREATE", session.create(folder)).await?;
    within(access, "UID MOVE", session.uid_mv(uid_set(&present), folder))
        .await?
        .map_err(|e| mail_error(access, &format!("move to {folder:?}"), e))?;
    Ok(present.len())
}

/// Whether the server offers IDLE (RFC 2177).
pub async fn offers_idle(session: &mut ImapSession, access: &ImapAccess) -> Result<bool> {
    let caps = within(access, "CAPABILITY", session.capabilities())
        .await?
        .map_err(|e| mail_error(access, "CAPABILITY", e))?;
    Ok(caps.has_str("IDLE"))
}

/// Wait until the server says something changed, or `timeout` passes.
pub async fn idle(session: ImapSession, access: &ImapAccess, timeout: Duration) -> Result<ImapSession> {
    let mut handle = session.idle();
    handle.init().await.map_err(|e| mail_error(access, "IDLE", e))?;
    let (wait, _stop) = handle.wait_with_timeout(timeout);
    wait.await.map_err(|e| mail_error(access, "IDLE", e))?;
    handle.done().await.map_err(|e| mail_error(access, "IDLE done", e))
}
