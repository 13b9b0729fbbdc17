//! What leaves the desk for the data subject: the access copy (Art. 15) as one self-contained
//! HTML document, and the portability bundle (Art. 20) as a zip of JSON and CSV files with a
//! manifest.
//!
//! Everything here is rendering into a `std::io::Write`, one row at a time: no SQL, no clock
//! reads. `crate::service::export` reads the rows (streaming) and decides what goes in.

pub mod access;
pub mod bundle;
pub mod casefile;
pub mod labels;

use crate::domain::intake::Language;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{self, Write};
use std::path::PathBuf;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// The access copy (Art. 15): every source's data and the supplementary information, HTML.
    Access,
    /// The portability bundle (Art. 20): the portable sources as JSON and CSV in a zip.
    Portability,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Access => "access",
            ExportFormat::Portability => "portability",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// None: the request's language, else the controller's default (`reply_language`).
    pub language: Option<Language>,
    /// Portability bundle only: AES-256 zip entries under a generated passphrase.
    pub encrypt: bool,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions { format: ExportFormat::Access, language: None, encrypt: false }
    }
}

/// The file written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportedFile {
    pub path: PathBuf,
    pub file_name: String,
    pub content_type: &'static str,
    pub size: u64,
    /// SHA-256 of the whole file, lower-case hex.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOutcome {
    pub file: ExportedFile,
    pub language: Language,
    /// The subject's rows in the file (rows held only as a processor are not counted).
    pub rows: u64,
    /// The passphrase of an encrypted bundle. Shown once, never stored or logged: the DPO gives
    /// it to the subject through another channel than the file.
    pub passphrase: Option<String>,
}

pub const HTML_CONTENT_TYPE: &str = "text/html; charset=utf-8";
pub const ZIP_CONTENT_TYPE: &str = "application/zip";

/// A request reference as it may appear in a file name: `[A-Za-z0-9-]` only.
pub fn sanitize_reference(reference: &str) -> String {
    let cleaned: String = reference.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    if cleaned.is_empty() { "request".to_string() } else { cleaned }
}

/// The file name dsrdesk gives an export; never taken from input beyond the sanitised reference.
pub fn file_name(reference: &str, format: ExportFormat, language: Language) -> String {
    let reference = sanitize_reference(reference);
    match format {
        ExportFormat::Access => format!("{reference}-access-{}.html", language.as_str()),
        ExportFormat::Portability => format!("{reference}-portability.zip"),
    }
}

/// A passphrase for an encrypted bundle: 24 characters of RFC 4648 base32 (120 bits from the
/// thread's CSPRNG), in groups of four so that it can be read out over the phone.
pub fn generate_passphrase() -> String {
    use rand::Rng;
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut rng = rand::rng();
    let mut out = String::with_capacity(29);
    for i in 0..24 {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(ALPHABET[rng.random_range(0..32)] as char);
    }
    out
}

/// Passes everything through to `inner`, counting the bytes and hashing them (SHA-256).
pub struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    size: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> Self {
        HashingWriter { inner, hasher: Sha256::new(), size: 0 }
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The writer back, the byte count and the SHA-256 as lower-case hex.
    pub fn finish(self) -> (W, u64, String) {
        (self.inner, self.size, hex(&self.hasher.finalize()))
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// SHA-256 and size of a file, read in blocks.
pub fn sha256_of_file(path: &std::path::Path) -> io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hashing = HashingWriter::new(io::sink());
    io::copy(&mut file, &mut hashing)?;
    let (_, size, sha) = hashing.finish();
    Ok((size, sha))
}

/// A JSON value as one cell of text (HTML table, CSV): strings as they are, null as empty.
pub fn cell_text(value: &serde_json::Value) -> std::borrow::Cow<'_, str> {
    use serde_json::Value;
    match value {
        Value::Null => "".into(),
        Value::String(s) => s.as_str().into(),
        Value::Bool(b) => if *b { "true" } else { "false" }.into(),
        Value::Number(n) => n.to_string().into(),
        other => other.to_string().into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_ours_whatever_the_reference() {
        assert_eq!(
            file_name("DSR-2026-000123", ExportFormat::Access, Language::Fi),
            "DSR-2026-000123-access-fi.html"
        );
        assert_eq!(
            file_name("../../etc/passwd", ExportFormat::Portability, Language::Sv),
            "etcpasswd-portability.zip"
        );
        assert_eq!(sanitize_reference("/\u{202e}"), "request");
    }

    #[test]
    fn passphrases_are_24_base32_characters_in_groups_and_differ() {
        let a = generate_passphrase();
        assert_eq!(a.len(), 29);
        assert_eq!(a.split('-').count(), 6);
        assert!(a.chars().all(|c| c == '-' || c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
        assert_ne!(a, generate_passphrase());
    }

    #[test]
    fn the_hashing_writer_agrees_with_sha256_of_the_bytes() {
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"abc").unwrap();
        let (bytes, size, sha) = w.finish();
        assert_eq!((bytes, size), (b"abc".to_vec(), 3));
        assert_eq!(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
