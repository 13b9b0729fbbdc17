//! A real SMTP server on loopback for the outbox tests and benchmark: Debian's aiosmtpd running
//! tests/support/smtp_server.py under /usr/bin/python3 (scripts/test installs it).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

pub const SERVER_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_server.py");

pub struct SmtpServer {
    child: Child,
    pub port: u16,
    pub maildir: PathBuf,
    control: PathBuf,
    _dir: tempfile::TempDir,
}

/// What the server's own e-mail parser read in one message it stored.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Received {
    /// The id the server gave the message in its reply to the end of data ("queued as ID").
    pub queue_id: String,
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub date: String,
    pub body: Option<String>,
    pub attachments: Vec<ReceivedAttachment>,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct ReceivedAttachment {
    pub file_name: Option<String>,
    pub content_type: String,
    pub sha256: String,
    pub size: usize,
}

impl SmtpServer {
    pub fn start() -> SmtpServer {
        SmtpServer::start_with(&[])
    }

    /// With TLS: `implicit` (smtps) or `starttls` (required), the certificate and key as PEM files.
    pub fn start_tls(mode: &str, cert: &std::path::Path, key: &std::path::Path) -> SmtpServer {
        SmtpServer::start_with(&[
            "--tls".as_ref(),
            mode.as_ref(),
            "--tls-cert".as_ref(),
            cert.as_os_str(),
            "--tls-key".as_ref(),
            key.as_os_str(),
        ])
    }

    fn start_with(extra: &[&std::ffi::OsStr]) -> SmtpServer {
        let dir = tempfile::tempdir().expect("temp dir");
        let maildir = dir.path().join("mail");
        let control = dir.path().join("control.json");
        std::fs::write(&control, "{}").expect("control file");
        let mut child = Command::new("/usr/bin/python3")
            .arg(SERVER_SCRIPT)
            .arg(&maildir)
            .arg("--control")
            .arg(&control)
            .arg("--max-seconds")
            .arg("900")
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start /usr/bin/python3 tests/support/smtp_server.py (needs python3-aiosmtpd: scripts/test installs it)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("server's first line");
        let port = line.trim().strip_prefix("PORT ").and_then(|p| p.parse().ok()).unwrap_or_else(|| {
            panic!("the SMTP test server did not start (is python3-aiosmtpd installed?): {line:?}")
        });
        SmtpServer { child, port, maildir, control, _dir: dir }
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Set the fault modes (see smtp_server.py): `{"refuse_451": 1}`, `{"slow": 30}`, `{}` ...
    pub fn set_faults(&self, faults: serde_json::Value) {
        let tmp = self.control.with_extension("tmp");
        std::fs::write(&tmp, faults.to_string()).expect("control");
        std::fs::rename(&tmp, &self.control).expect("control");
    }

    /// The messages stored so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        let Ok(entries) = std::fs::read_dir(&self.maildir) else { return Vec::new() };
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_slice(&std::fs::read(p).expect("stored message")).expect("summary"))
            .collect()
    }

    /// The raw bytes of the stored messages, in arrival order.
    pub fn raw(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(&self.maildir) else { return Vec::new() };
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
            .collect();
        names.sort();
        names.iter().map(|p| std::fs::read(p).expect("stored message")).collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        // Closing its standard input stops it; kill our own child in case it hangs.
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on: the relay is down.
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    port
}
