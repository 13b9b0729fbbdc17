//! The portability bundle (GDPR Art. 20): a zip with, per portable source, `<source>.json` and
//! `<source>.csv`, a `README.txt` in the reply's language and `manifest.json` (written last: every
//! other file's size and SHA-256). Each entry is written as a stream through a hashing writer, so
//! memory stays bounded whatever the row count. Optionally every entry is AES-256 encrypted
//! (WinZip AE-2) under a passphrase the caller generates and never stores.
//!
//! The schemas, documented in the README:
//! - `dsrdesk.portability.source/1`: `{"schema", "source", "title", "category", "columns": [..],
//!   "rows": [{column: value, ..}], "row_count"}`; values as the database gives them in JSON
//!   (text, numbers, booleans, dates as `YYYY-MM-DD`, null).
//! - `dsrdesk.portability.manifest/1`: `{"schema", "reference", "subject": {"person_ids"},
//!   "generated_at", "language", "controller", "sources": [{"name","title","rows"}],
//!   "files": [{"name","size","sha256"}], "encrypted"}`.

use super::HashingWriter;
use crate::datamap::Source;
use crate::store::ledger::SourceRow;
use serde::Serialize;
use std::io::{self, Seek, Write};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

pub const SOURCE_SCHEMA: &str = "dsrdesk.portability.source/1";
pub const MANIFEST_SCHEMA: &str = "dsrdesk.portability.manifest/1";

/// One file in the bundle, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct BundleFile {
    pub name: String,
    /// Bytes of the file as unzipped.
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BundleSource {
    pub name: String,
    pub title: String,
    pub rows: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Manifest<'a> {
    pub schema: &'static str,
    pub reference: &'a str,
    pub subject: ManifestSubject<'a>,
    pub generated_at: chrono::DateTime<chrono::Utc>,
    pub language: &'static str,
    pub controller: &'a str,
    pub sources: &'a [BundleSource],
    pub files: &'a [BundleFile],
    pub encrypted: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ManifestSubject<'a> {
    /// The ledger persons linked to the request.
    pub person_ids: &'a [String],
}

/// Writes the zip: one entry at a time.
pub struct BundleWriter<W: Write + Seek> {
    zip: ZipWriter<W>,
    passphrase: Option<String>,
    files: Vec<BundleFile>,
}

impl<W: Write + Seek> BundleWriter<W> {
    pub fn new(out: W, passphrase: Option<String>) -> Self {
        BundleWriter { zip: ZipWriter::new(out), passphrase, files: Vec::new() }
    }

    pub fn files(&self) -> &[BundleFile] {
        &self.files
    }

    /// Start an entry; what is written to the returned writer is compressed (and encrypted) into
    /// the zip and hashed for the manifest. Call `Entry::finish` when done.
    pub fn entry(&mut self, name: &str) -> io::Result<Entry<'_, W>> {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            // The fastest deflate level: the bundle is mostly repetitive JSON and CSV, level 1
            // already shrinks it about tenfold, and a higher level costs most of the export's time.
            .compression_level(Some(1))
            .large_file(true)
            .unix_permissions(0o644);
        match &self.passphrase {
            Some(p) => self.zip.start_file(name, options.with_aes_encryption(zip::AesMode::Aes256, p)),
            None => self.zip.start_file(name, options),
        }
        .map_err(io::Error::other)?;
        Ok(Entry {
            name: name.to_string(),
            writer: io::BufWriter::with_capacity(64 * 1024, HashingWriter::new(&mut self.zip)),
            files: &mut self.files,
        })
    }

    /// Write a whole small file (README, manifest).
    pub fn small_file(&mut self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let mut entry = self.entry(name)?;
        entry.write_all(bytes)?;
        entry.finish()?;
        Ok(())
    }

    pub fn finish(self) -> io::Result<W> {
        self.zip.finish().map_err(io::Error::other)
    }
}

/// One entry being written.
pub struct Entry<'a, W: Write + Seek> {
    name: String,
    /// Rows arrive as many small writes: buffered, they reach the hash and the compressor in
    /// 64 KiB blocks.
    writer: io::BufWriter<HashingWriter<&'a mut ZipWriter<W>>>,
    files: &'a mut Vec<BundleFile>,
}

impl<W: Write + Seek> Entry<'_, W> {
    pub fn finish(self) -> io::Result<BundleFile> {
        let (_, size, sha256) = self.writer.into_inner().map_err(|e| e.into_error())?.finish();
        let file = BundleFile { name: self.name, size, sha256 };
        self.files.push(file.clone());
        Ok(file)
    }
}

impl<W: Write + Seek> Write for Entry<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

/// Writes `<source>.json` as a stream: head, rows, tail.
pub struct JsonSourceWriter<'c> {
    columns: &'c [String],
    rows: u64,
}

impl<'c> JsonSourceWriter<'c> {
    pub fn start(out: &mut impl Write, source: &Source, columns: &'c [String]) -> io::Result<Self> {
        #[derive(Serialize)]
        struct Head<'a> {
            schema: &'static str,
            source: &'a str,
            title: &'a str,
            category: &'a str,
            columns: &'a [String],
        }
        let head = serde_json::to_string(&Head {
            schema: SOURCE_SCHEMA,
            source: &source.name,
            title: &source.title,
            category: &source.category,
            columns,
        })?;
        // `{"schema":...,"columns":[...]` then `,"rows":[`.
        out.write_all(&head.as_bytes()[..head.len() - 1])?;
        out.write_all(b",\"rows\":[")?;
        Ok(JsonSourceWriter { columns, rows: 0 })
    }

    /// One row: the data columns only, in the order of `columns`.
    pub fn row(&mut self, out: &mut impl Write, row: &SourceRow) -> io::Result<()> {
        out.write_all(if self.rows == 0 { b"\n{" } else { b",\n{" })?;
        for (i, column) in self.columns.iter().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, column)?;
            out.write_all(b":")?;
            let value = row.data.iter().find(|(c, _)| c == column).map(|(_, v)| v);
            serde_json::to_writer(&mut *out, value.unwrap_or(&serde_json::Value::Null))?;
        }
        out.write_all(b"}")?;
        self.rows += 1;
        Ok(())
    }

    pub fn finish(self, out: &mut impl Write) -> io::Result<u64> {
        write!(out, "\n],\"row_count\":{}}}\n", self.rows)?;
        Ok(self.rows)
    }
}

/// A CSV record of a row's data columns (RFC 4180 quoting by the csv crate), text cells guarded
/// against formula injection.
pub fn csv_record(columns: &[String], row: &SourceRow) -> Vec<String> {
    columns
        .iter()
        .map(|column| match row.data.iter().find(|(c, _)| c == column).map(|(_, v)| v) {
            Some(serde_json::Value::String(text)) => guard_csv_text(text).into_owned(),
            Some(value) => super::cell_text(value).into_owned(),
            None => String::new(),
        })
        .collect()
}

/// A text cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
/// return before one) gets a leading apostrophe, so opening the bundle in Excel or LibreOffice
/// never runs `=HYPERLINK(...)` or `=cmd|...` from a ledger field (OWASP "CSV Injection"). Numbers,
/// booleans and dates are not text cells and stay as they are; the JSON file beside the CSV always
/// carries the exact value.
pub fn guard_csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}").into(),
        _ => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_guarded_and_plain_text_is_not() {
        for (cell, shown) in [
            ("=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"),
            ("+46 70 123 45 67", "'+46 70 123 45 67"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("Åsa Öberg", "Åsa Öberg"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(guard_csv_text(cell), shown, "{cell:?}");
        }
    }

    #[test]
    fn numbers_stay_numbers_in_csv() {
        let row = SourceRow {
            facts: crate::domain::plan::RowFacts {
                row_id: "1".into(),
                claim_open: false,
                at_enforcement_or_court: false,
                case_closed_on: None,
                paid_in_full_on: None,
                financial_year_end: None,
                relationship_ended: None,
                processor_client: None,
                restricted: false,
            },
            data: vec![
                ("amount".into(), serde_json::json!(-12.5)),
                ("note".into(), serde_json::json!("=1+1")),
            ],
        };
        assert_eq!(csv_record(&["amount".into(), "note".into()], &row), vec!["-12.5", "'=1+1"]);
    }
}
