//! PostgreSQL's COPY text format, written by the seeder and by intake's bulk path
//! (`store::intake_copy`): COPY is the server's fastest way in, and the text form is what it parses
//! cheapest.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::io::Write as _;

/// Rows in PostgreSQL's COPY text format: tab between columns, newline after a row, `\N` for
/// NULL; backslash, tab, newline and carriage return inside a value are backslash-escaped.
#[derive(Debug, Default)]
pub struct CopyText {
    buf: Vec<u8>,
    in_row: bool,
}

impl CopyText {
    pub fn with_capacity(bytes: usize) -> CopyText {
        CopyText { buf: Vec::with_capacity(bytes), in_row: false }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    fn field(&mut self) {
        if self.in_row {
            self.buf.push(b'\t');
        }
        self.in_row = true;
    }

    pub fn text(&mut self, s: &str) {
        self.field();
        for &b in s.as_bytes() {
            match b {
                b'\\' => self.buf.extend_from_slice(b"\\\\"),
                b'\t' => self.buf.extend_from_slice(b"\\t"),
                b'\n' => self.buf.extend_from_slice(b"\\n"),
                b'\r' => self.buf.extend_from_slice(b"\\r"),
                _ => self.buf.push(b),
            }
        }
    }

    pub fn opt_text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    pub fn null(&mut self) {
        self.field();
        self.buf.extend_from_slice(b"\\N");
    }

    pub fn int(&mut self, v: i64) {
        self.field();
        write!(self.buf, "{v}").expect("write to a Vec");
    }

    pub fn opt_int(&mut self, v: Option<i64>) {
        match v {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    /// Cents as a `numeric(14, 2)`.
    pub fn money(&mut self, cents: i64) {
        self.field();
        let sign = if cents < 0 { "-" } else { "" };
        write!(self.buf, "{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100).expect("write to a Vec");
    }

    pub fn date(&mut self, d: NaiveDate) {
        self.field();
        write!(self.buf, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day()).expect("write to a Vec");
    }

    pub fn opt_date(&mut self, d: Option<NaiveDate>) {
        match d {
            Some(d) => self.date(d),
            None => self.null(),
        }
    }

    pub fn timestamp(&mut self, t: DateTime<Utc>) {
        self.field();
        write!(self.buf, "{}+00", t.naive_utc()).expect("write to a Vec");
    }

    pub fn opt_timestamp(&mut self, t: Option<DateTime<Utc>>) {
        match t {
            Some(t) => self.timestamp(t),
            None => self.null(),
        }
    }

    pub fn boolean(&mut self, b: bool) {
        self.field();
        self.buf.push(if b { b't' } else { b'f' });
    }

    pub fn end_row(&mut self) {
        self.buf.push(b'\n');
        self.in_row = false;
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }
}
