//! The access copy (GDPR Art. 15): one self-contained, printable HTML document in the reply's
//! language, written row by row. Every value from the ledger, the data map or the request is
//! HTML-escaped after control characters, escape sequences and bidi overrides were made visible
//! (`domain::text::escape_multiline`), so a name like `<script>` or `\x1b[31m` is shown as text.

use super::labels::{Labels, PolicyTexts, labels};
use crate::config::ContactSettings;
use crate::datamap::Source;
use crate::domain::intake::Language;
use crate::domain::jurisdiction::SupervisoryAuthority;
use crate::domain::text::escape_multiline;
use crate::store::ledger::SourceRow;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Text safe inside HTML elements and attribute values.
pub fn escape_html(s: &str) -> String {
    let visible = escape_multiline(s);
    let mut out = String::with_capacity(visible.len() + 8);
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// [`escape_html`] written straight out: a cell with nothing to escape (most are) is copied
/// without a string made for it (a 100,000-row copy writes some 600,000 cells).
fn write_escaped_html(out: &mut impl Write, s: &str) -> io::Result<()> {
    let visible = escape_multiline(s);
    let bytes = visible.as_bytes();
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        let entity: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&#39;",
            _ => continue,
        };
        out.write_all(&bytes[start..i])?;
        out.write_all(entity)?;
        start = i + 1;
    }
    out.write_all(&bytes[start..])
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111;line-height:1.45}\
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #999;margin-top:2rem}h3{font-size:1.05rem;margin-top:1.5rem}\
table{border-collapse:collapse;width:100%;table-layout:fixed;font-size:.85rem;margin:.5rem 0}th,td{border:1px solid #bbb;padding:.2rem .3rem;text-align:left;vertical-align:top;white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word;hyphens:auto}th:first-child,td:first-child{width:4.5rem}a{overflow-wrap:anywhere}\
th{background:#eee}tr.restricted td{background:#fff4d6}.badge{font-weight:bold;color:#8a4b00}\
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dl.meta dt{font-weight:bold}dl.meta dd{margin:0}\
.note{font-style:italic}.forwarded{border-left:4px solid #888;padding-left:.6rem}\
@media print{body{margin:0;max-width:none;padding:0}table{font-size:.7rem}h2{break-after:avoid}tr{break-inside:avoid}}";

/// The source's legal basis in words, with the Art. 6(1) point unless the words name it already.
fn legal_basis(source: &Source, language: Language) -> String {
    let article = source.lawful_basis.article_in(language);
    let text = source.legal_basis_in(language);
    let words = escape_html(text);
    if text.contains(&article) || text.contains(source.lawful_basis.article()) {
        words
    } else {
        format!("{words} ({})", escape_html(&article))
    }
}

/// Who the copy is for and from.
pub struct CopyHeader<'a> {
    pub reference: &'a str,
    pub controller_name: &'a str,
    pub contact: &'a ContactSettings,
    pub generated_at: DateTime<Utc>,
    pub language: Language,
    /// Clients the request was actually forwarded to (their processor task is done): only for
    /// these does the copy say "forwarded".
    pub forwarded_to: &'a [String],
}

/// Writes one access copy: `start`, then per source `source_start`, `row`/`processor_row`,
/// `source_end`, then `finish` with the supplementary information.
pub struct AccessWriter<W> {
    out: W,
    labels: &'static Labels,
    language: Language,
    rows_in_source: u64,
    processor_rows: BTreeMap<String, u64>,
    forwarded_to: Vec<String>,
    columns: usize,
    /// Sources with rows of our own, for the supplementary information.
    sources_with_data: Vec<String>,
    rows: u64,
}

impl<W: Write> AccessWriter<W> {
    pub fn start(mut out: W, header: &CopyHeader<'_>, sources: &[Source]) -> io::Result<Self> {
        let l = labels(header.language);
        let e = escape_html;
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta name=\"generator\" content=\"dsrdesk\">\n<title>{title} – {reference}</title>\n\
             <style>{STYLE}</style>\n</head>\n<body>\n<h1>{title}</h1>\n<p>{intro}</p>\n<dl class=\"meta\">\n",
            lang = l.html_lang,
            title = e(l.title),
            reference = e(header.reference),
            intro = e(l.intro),
        )?;
        let mut contact = vec![header.contact.email.clone(), header.contact.postal_address.clone()];
        contact.extend(header.contact.phone.clone());
        for (label, value) in [
            (l.reference, header.reference.to_string()),
            (l.controller, header.controller_name.to_string()),
            (l.contact, contact.join(" · ")),
            (l.generated_at, header.generated_at.format("%Y-%m-%d %H:%M UTC").to_string()),
        ] {
            writeln!(out, "<dt>{}</dt><dd>{}</dd>", e(label), e(&value))?;
        }
        writeln!(out, "</dl>\n<nav><h2>{}</h2><ol>", e(l.contents))?;
        for s in sources {
            writeln!(out, "<li><a href=\"#source-{}\">{}</a></li>", s.name, e(s.title_in(header.language)))?;
        }
        writeln!(out, "<li><a href=\"#art15\">{}</a></li></ol></nav>", e(l.supplementary))?;
        writeln!(
            out,
            "<h2 id=\"data\">{}</h2>\n<p class=\"note\">{}</p>",
            e(l.your_data),
            e(l.restricted_note)
        )?;
        Ok(AccessWriter {
            out,
            labels: l,
            language: header.language,
            rows_in_source: 0,
            processor_rows: BTreeMap::new(),
            forwarded_to: header.forwarded_to.to_vec(),
            columns: 0,
            sources_with_data: Vec::new(),
            rows: 0,
        })
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// The subject's rows written so far (not counting rows held for a client).
    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn source_start(&mut self, source: &Source, columns: &[String]) -> io::Result<()> {
        let (l, e) = (self.labels, escape_html);
        self.rows_in_source = 0;
        self.processor_rows.clear();
        self.columns = columns.len();
        writeln!(
            self.out,
            "<section class=\"source\" id=\"source-{}\">\n<h3>{}</h3>",
            source.name,
            e(source.title_in(self.language))
        )?;
        writeln!(
            self.out,
            "<dl class=\"meta\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
            e(l.category),
            e(source.category_in(self.language)),
            e(l.purpose),
            e(source.purpose_in(self.language)),
            e(l.legal_basis),
            legal_basis(source, self.language),
        )?;
        write!(self.out, "<table>\n<thead><tr><th>{}</th>", e(l.status))?;
        for c in columns {
            write!(self.out, "<th>{}</th>", e(c))?;
        }
        writeln!(self.out, "</tr></thead>\n<tbody>")
    }

    /// One of the subject's rows; a restricted row is marked, not hidden (it is still processed).
    pub fn row(&mut self, row: &SourceRow) -> io::Result<()> {
        self.rows_in_source += 1;
        self.rows += 1;
        if row.facts.restricted {
            write!(
                self.out,
                "<tr class=\"restricted\"><td><span class=\"badge\">{}</span></td>",
                self.labels.restricted
            )?;
        } else {
            write!(self.out, "<tr><td></td>")?;
        }
        for (_, value) in &row.data {
            self.out.write_all(b"<td>")?;
            write_escaped_html(&mut self.out, &super::cell_text(value))?;
            self.out.write_all(b"</td>")?;
        }
        writeln!(self.out, "</tr>")
    }

    /// A row the agency holds only as the client's processor (Art. 28): not our data to give;
    /// the copy names the client, to whom the request was forwarded.
    pub fn processor_row(&mut self, client: &str) {
        *self.processor_rows.entry(client.to_string()).or_default() += 1;
    }

    pub fn source_end(&mut self, source: &Source) -> io::Result<()> {
        let (l, e) = (self.labels, escape_html);
        if self.rows_in_source == 0 {
            writeln!(self.out, "<tr><td colspan=\"{}\">{}</td></tr>", self.columns + 1, e(l.no_rows))?;
        }
        writeln!(self.out, "</tbody>\n</table>\n<p>{}: {}</p>", e(l.rows), self.rows_in_source)?;
        for (client, n) in &self.processor_rows {
            let then = if self.forwarded_to.contains(client) {
                l.forwarded_to_client
            } else {
                l.will_forward_to_client
            };
            let text = format!("{} {then}", l.held_for_client.replace("{n}", &n.to_string()));
            let text = e(&text).replace("{client}", &format!("<strong>{}</strong>", e(client)));
            writeln!(self.out, "<p class=\"forwarded\">{text}</p>")?;
        }
        if self.rows_in_source > 0 {
            self.sources_with_data.push(source.name.clone());
        }
        writeln!(self.out, "</section>")
    }

    /// The supplementary information of Art. 15(1)(a)-(h) and 15(2), then the end of the
    /// document. Returns the writer.
    pub fn finish(
        mut self,
        sources: &[Source],
        authority: &SupervisoryAuthority,
        policy: &PolicyTexts,
    ) -> io::Result<W> {
        let (l, e) = (self.labels, escape_html);
        let language = self.language;
        let ours: Vec<&Source> =
            sources.iter().filter(|s| self.sources_with_data.contains(&s.name)).collect();
        let out = &mut self.out;
        writeln!(out, "<h2 id=\"art15\">{}</h2>", e(l.supplementary))?;
        if ours.is_empty() {
            writeln!(out, "<p>{}</p>", e(l.nothing_processed))?;
        }
        let list = |out: &mut W, id: &str, heading: &str, items: Vec<String>| -> io::Result<()> {
            writeln!(out, "<section id=\"{id}\"><h3>{}</h3><ul>", e(heading))?;
            for item in items {
                writeln!(out, "<li>{item}</li>")?;
            }
            writeln!(out, "</ul></section>")
        };
        list(
            out,
            "art15-1-a",
            l.a_purposes,
            ours.iter()
                .map(|s| {
                    format!(
                        "<strong>{}</strong>: {} — {}",
                        e(s.title_in(language)),
                        e(s.purpose_in(language)),
                        legal_basis(s, language)
                    )
                })
                .collect(),
        )?;
        list(
            out,
            "art15-1-b",
            l.b_categories,
            ours.iter()
                .map(|s| {
                    format!("<strong>{}</strong>: {}", e(s.title_in(language)), e(s.category_in(language)))
                })
                .collect(),
        )?;
        list(
            out,
            "art15-1-c",
            l.c_recipients,
            ours.iter()
                .map(|s| {
                    let who = if s.recipients.is_empty() {
                        l.no_recipients.to_string()
                    } else {
                        s.recipients.iter().map(|r| r.name_in(language)).collect::<Vec<_>>().join("; ")
                    };
                    format!("<strong>{}</strong>: {}", e(s.title_in(language)), e(&who))
                })
                .collect(),
        )?;
        list(
            out,
            "art15-1-d",
            l.d_retention,
            ours.iter()
                .map(|s| {
                    format!("<strong>{}</strong>: {}", e(s.title_in(language)), e(s.retention_in(language)))
                })
                .collect(),
        )?;
        list(out, "art15-1-e", l.e_rights, l.e_rights_text.iter().map(|t| e(t)).collect())?;
        writeln!(
            out,
            "<section id=\"art15-1-f\"><h3>{}</h3><p>{} <strong>{}</strong>, {}, <a href=\"{w}\">{w}</a>. {}</p></section>",
            e(l.f_complaint),
            e(l.f_complaint_text),
            e(authority.name),
            e(authority.postal_address),
            e(l.f_residence),
            w = e(authority.website),
        )?;
        for (id, heading, text) in [
            ("art15-1-g", l.g_sources, &policy.sources_of_data),
            ("art15-1-h", l.h_automated, &policy.automated_decisions),
            ("art15-2", l.transfers, &policy.transfers),
        ] {
            writeln!(out, "<section id=\"{id}\"><h3>{}</h3><p>{}</p></section>", e(heading), e(text))?;
        }
        if let Some(other) = &policy.other_information {
            writeln!(out, "<section id=\"other\"><h3>{}</h3><p>{}</p></section>", e(l.other), e(other))?;
        }
        writeln!(out, "</body>\n</html>")?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_written_straight_out_are_escaped_as_escape_html_does() {
        for s in ["", "plain Åsa", "<a href='x'>&\"</a>", "\u{1b}[31m<b>", "tail&", "&head", "\u{202e}x'"] {
            let mut out = Vec::new();
            write_escaped_html(&mut out, s).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), escape_html(s), "{s:?}");
        }
    }

    #[test]
    fn hostile_text_is_escaped_and_made_visible() {
        let s = escape_html("<script>alert('x')</script>\u{1b}[31mRed\u{202e}gpj.exe & \"q\"");
        assert!(!s.contains('<') && !s.contains('\u{1b}') && !s.contains('\u{202e}'), "{s}");
        assert!(s.contains("&lt;script&gt;") && s.contains("\\x1b[31m") && s.contains("\\u{202e}"), "{s}");
        assert!(s.contains("&amp;") && s.contains("&quot;q&quot;") && s.contains("&#39;x&#39;"), "{s}");
    }
}
