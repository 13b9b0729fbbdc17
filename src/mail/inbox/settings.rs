//! `[[mailboxes]]`: where requests arrive by e-mail, one entry per mailbox of a controller entity.
//!
//! ```toml
//! [[mailboxes]]
//! name = "se-dataskydd"                               # letters, digits, - _ . (stored per message)
//! controller = "SE"                                   # whose clock starts (time zone, holidays)
//! imap_url = "imaps://imap.exempelinkasso.example"    # or imap://host:143?tls=required (STARTTLS)
//! username = "dataskydd"
//! password_file = "secrets/imap-password"             # or DSRDESK_MAILBOX_SE_DATASKYDD_PASSWORD(_FILE)
//! ca_file = "agency-ca.pem"                           # optional: the agency's own CA, as for [smtp]
//! folder = "INBOX"                                    # default INBOX
//! move_to = "dsrdesk"                                 # optional: moved there after it is stored
//! max_size_mb = 25                                    # larger: kept with its header only
//! ```
//! or `maildir = "/var/mail/dataskydd"` instead of the IMAP keys. TLS is always on for IMAP (there
//! is no plain form); the certificate is checked against the system's roots (webpki) and `ca_file`,
//! with the host name, exactly as for the SMTP relay.

use crate::config::ConfigError;
use crate::domain::Jurisdiction;
use crate::mail::smtp::Secret;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MailboxSettings {
    pub name: String,
    pub controller: Jurisdiction,
    pub imap_url: Option<String>,
    pub username: Option<String>,
    pub password_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    pub folder: Option<String>,
    pub maildir: Option<PathBuf>,
    pub move_to: Option<String>,
    pub max_size_mb: Option<u64>,
    /// Seconds between looks when the server offers no IDLE (and for a Maildir). Default 60.
    pub poll_secs: Option<u64>,
}

/// How a mailbox is reached, checked.
#[derive(Debug, Clone)]
pub enum Access {
    Imap(ImapAccess),
    Maildir(PathBuf),
}

#[derive(Debug, Clone)]
pub struct ImapAccess {
    pub host: String,
    pub port: u16,
    /// `imaps://` (true) or `imap://...?tls=required` (STARTTLS).
    pub implicit_tls: bool,
    pub username: String,
    pub password: Secret,
    pub ca_file: Option<PathBuf>,
    pub folder: String,
}

/// One mailbox, ready to be read.
#[derive(Debug, Clone)]
pub struct Mailbox {
    pub name: String,
    pub jurisdiction: Jurisdiction,
    pub access: Access,
    pub move_to: Option<String>,
    pub max_bytes: u64,
    pub poll_secs: u64,
}

pub const DEFAULT_MAX_SIZE_MB: u64 = 25;

fn invalid(path: &Path, name: &str, message: impl std::fmt::Display) -> ConfigError {
    ConfigError::Invalid { path: path.to_path_buf(), message: format!("[[mailboxes]] {name:?}: {message}") }
}

/// Check the entries when the configuration loads (names, one access each, files relative to the
/// configuration file). Secrets are read later, by [`resolve`], so `dsrdesk list` never needs them.
pub fn check(
    mut entries: Vec<MailboxSettings>,
    config_path: &Path,
) -> Result<Vec<MailboxSettings>, ConfigError> {
    let dir = config_path.parent().unwrap_or(Path::new("."));
    let mut names = std::collections::HashSet::new();
    for m in &mut entries {
        let name = m.name.clone();
        let valid_name = !name.is_empty()
            && name.len() <= 64
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid_name {
            return Err(invalid(config_path, &name, "name: use 1-64 letters, digits, - _ or ."));
        }
        if !names.insert(name.clone()) {
            return Err(invalid(config_path, &name, "the name is used twice"));
        }
        match (&m.imap_url, &m.maildir) {
            (Some(_), Some(_)) => {
                return Err(invalid(config_path, &name, "give imap_url or maildir, not both"));
            }
            (None, None) => return Err(invalid(config_path, &name, "give imap_url or maildir")),
            (Some(url), None) => {
                parse_imap_url(url).map_err(|e| invalid(config_path, &name, e))?;
            }
            (None, Some(_)) => {
                if m.username.is_some()
                    || m.password_file.is_some()
                    || m.ca_file.is_some()
                    || m.folder.is_some()
                {
                    return Err(invalid(
                        config_path,
                        &name,
                        "username, password_file, ca_file and folder are for imap_url, not maildir",
                    ));
                }
            }
        }
        if m.max_size_mb == Some(0) {
            return Err(invalid(config_path, &name, "max_size_mb must be at least 1"));
        }
        if let Some(folder) = m.move_to.iter().chain(m.folder.iter()).find(|f| !valid_folder(f)) {
            return Err(invalid(
                config_path,
                &name,
                format!("folder {folder:?}: printable, no quotes or backslashes"),
            ));
        }
        for p in [&mut m.password_file, &mut m.ca_file, &mut m.maildir].into_iter().flatten() {
            if p.is_relative() {
                *p = dir.join(&*p);
            }
        }
    }
    Ok(entries)
}

fn valid_folder(f: &str) -> bool {
    !f.is_empty() && f.len() <= 200 && f.chars().all(|c| !c.is_control() && c != '"' && c != '\\' && c != '/')
}

/// `imaps://host[:993]` or `imap://host[:143]?tls=required`: (host, port, implicit TLS).
pub fn parse_imap_url(url: &str) -> Result<(String, u16, bool), String> {
    let (scheme, rest) =
        url.split_once("://").ok_or_else(|| format!("{url:?} is not a URL (imaps://host)"))?;
    let (authority, query) = match rest.split_once('?') {
        Some((a, q)) => (a.trim_end_matches('/'), Some(q)),
        None => (rest.trim_end_matches('/'), None),
    };
    if authority.contains('@') {
        return Err("no credentials in the URL: use username and password_file".into());
    }
    let implicit = match (scheme, query) {
        ("imaps", None) => true,
        ("imap", Some("tls=required")) => false,
        ("imap", _) => {
            return Err(format!(
                "{url:?}: IMAP is always over TLS: imaps://host or imap://host:143?tls=required"
            ));
        }
        (other, _) => return Err(format!("{url:?}: scheme {other:?}: use imaps or imap")),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
            (h, p.parse::<u16>().map_err(|_| format!("{url:?}: port {p:?} is not a number"))?)
        }
        _ => (authority, if implicit { 993 } else { 143 }),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || host.contains('/') {
        return Err(format!("{url:?}: no host"));
    }
    Ok((host.to_string(), port, implicit))
}

/// The environment variable prefix of a mailbox: `DSRDESK_MAILBOX_SE_DATASKYDD`.
pub fn env_prefix(name: &str) -> String {
    let upper: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("DSRDESK_MAILBOX_{upper}")
}

/// The mailbox with its secret read (file, then environment), ready to connect.
pub fn resolve(m: &MailboxSettings, env: impl Fn(&str) -> Option<String>) -> Result<Mailbox, ConfigError> {
    let source = PathBuf::from(format!("[[mailboxes]] {}", m.name));
    let bad = |message: String| ConfigError::Invalid { path: source.clone(), message };
    let access = if let Some(url) = &m.imap_url {
        let (host, port, implicit_tls) = parse_imap_url(url).map_err(bad)?;
        let prefix = env_prefix(&m.name);
        let username = m.username.clone().ok_or_else(|| bad("imap_url needs a username".into()))?;
        let password = if let Some(p) = env(&format!("{prefix}_PASSWORD")) {
            Secret::new(p)
        } else {
            let file = env(&format!("{prefix}_PASSWORD_FILE")).map(PathBuf::from).or(m.password_file.clone());
            let file = file.ok_or_else(|| {
                bad(format!("no password: password_file, {prefix}_PASSWORD_FILE or {prefix}_PASSWORD"))
            })?;
            read_password_file(&file).map_err(bad)?
        };
        if let Some(ca) = &m.ca_file {
            read_ca_file(ca).map_err(bad)?;
        }
        Access::Imap(ImapAccess {
            host,
            port,
            implicit_tls,
            username,
            password,
            ca_file: m.ca_file.clone(),
            folder: m.folder.clone().unwrap_or_else(|| "INBOX".into()),
        })
    } else {
        let dir = m.maildir.clone().ok_or_else(|| bad("give imap_url or maildir".into()))?;
        if !dir.join("cur").is_dir() || !dir.join("new").is_dir() {
            return Err(bad(format!("{} is not a Maildir (no cur/ and new/)", dir.display())));
        }
        Access::Maildir(dir)
    };
    Ok(Mailbox {
        name: m.name.clone(),
        jurisdiction: m.controller,
        access,
        move_to: m.move_to.clone(),
        max_bytes: m.max_size_mb.unwrap_or(DEFAULT_MAX_SIZE_MB).saturating_mul(1024 * 1024),
        poll_secs: m.poll_secs.unwrap_or(60).max(1),
    })
}

fn read_password_file(path: &Path) -> Result<Secret, String> {
    use std::os::unix::fs::PermissionsExt;
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read the password file {shown}: {e}"))?;
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(format!(
            "the password file {shown} may be read by others (mode {:o}): chmod 600 it",
            mode & 0o777
        ));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("cannot read the password file {shown}: {e}"))?;
    let password = text.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err(format!("the password file {shown} is empty"));
    }
    Ok(Secret::new(password))
}

/// The agency's own roots (PEM), refused now when the file holds no certificate.
pub fn read_ca_file(path: &Path) -> Result<Vec<rustls_pki_types::CertificateDer<'static>>, String> {
    use rustls_pki_types::pem::PemObject;
    let shown = path.display();
    let certs: Vec<_> = rustls_pki_types::CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("cannot read the CA file {shown}: {e}"))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("the CA file {shown} is not PEM: {e}"))?;
    if certs.is_empty() {
        return Err(format!("the CA file {shown} holds no certificate (no BEGIN CERTIFICATE)"));
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_mailbox_example_parses() {
        let readme = include_str!("../../../README.md");
        let section = readme.split("## The mailbox").nth(1).expect("section");
        let example = section.split("```toml").nth(1).and_then(|s| s.split("```").next()).expect("example");
        let dir = std::path::Path::new("/etc/dsrdesk");
        let c = crate::config::Config::parse(example, &dir.join("config.toml")).unwrap();
        assert_eq!(c.mailboxes.len(), 2);
        assert_eq!(c.mailboxes[0].controller, Jurisdiction::Sweden);
        assert_eq!(
            c.mailboxes[0].password_file.as_deref(),
            Some(dir.join("secrets/imap-password").as_path())
        );
        assert_eq!(c.mailboxes[1].maildir.as_deref(), Some(Path::new("/var/mail/tietosuoja")));
        let twice = format!(
            "{example}\n[[mailboxes]]\nname = \"fi-tietosuoja\"\ncontroller = \"FI\"\nmaildir = \"/x\"\n"
        );
        assert!(
            crate::config::Config::parse(&twice, Path::new("c.toml"))
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
    }

    #[test]
    fn imap_urls_are_tls_only() {
        assert_eq!(parse_imap_url("imaps://imap.example").unwrap(), ("imap.example".into(), 993, true));
        assert_eq!(parse_imap_url("imaps://127.0.0.1:10993").unwrap(), ("127.0.0.1".into(), 10993, true));
        assert_eq!(parse_imap_url("imap://h:143?tls=required").unwrap(), ("h".into(), 143, false));
        assert!(parse_imap_url("imap://h:143").is_err());
        assert!(parse_imap_url("imaps://user:pw@h").is_err());
        assert!(parse_imap_url("pop3://h").is_err());
    }

    #[test]
    fn a_password_is_never_printed() {
        let m = MailboxSettings {
            name: "se".into(),
            controller: Jurisdiction::Sweden,
            imap_url: Some("imaps://h".into()),
            username: Some("u".into()),
            password_file: None,
            ca_file: None,
            folder: None,
            maildir: None,
            move_to: None,
            max_size_mb: None,
            poll_secs: None,
        };
        let env = |k: &str| (k == "DSRDESK_MAILBOX_SE_PASSWORD").then(|| "hunter2-imap".to_string());
        let mailbox = resolve(&m, env).unwrap();
        assert!(!format!("{mailbox:?}").contains("hunter2"));
        let err = resolve(&m, |_| None).unwrap_err().to_string();
        assert!(err.contains("DSRDESK_MAILBOX_SE_PASSWORD"), "{err}");
    }
}
