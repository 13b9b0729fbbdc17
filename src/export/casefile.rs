//! The case file (issue 17 §2): one zip for an authority or a court, that proves itself —
//! timeline.html (in the request's language; everything from outside escaped), timeline.json,
//! every outbound mail as the exact bytes sent (.eml), the request's own event chain (one per
//! request since migration 0031) and its head, and manifest.json with the SHA-256 of every other file. Files are 0600.

use super::access::escape_html;
use crate::domain::intake::Language;
use crate::store::audit::ChainHead;
use crate::store::casefile::ChainLink;
use crate::store::requests::{EventRecord, RequestRecord};
use crate::store::tasks::{ProcessorTask, RecipientTask};
use crate::store::verification::VerificationRecord;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use zip::ZipWriter;
use zip::write::SimpleFileOptions;

/// An outbound mail in the case file: the bytes of its last attempt, when it was tried.
#[derive(Debug, Clone, Serialize)]
pub struct CaseMail {
    pub outbox_id: i64,
    pub message_id: String,
    pub purpose: String,
    pub state: String,
    pub to_address: String,
    pub subject: String,
    pub queued_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// The .eml in the zip, when the bytes are on record (mails sent before migration 0027 have none).
    pub file: Option<String>,
    pub sha256: Option<String>,
    #[serde(skip)]
    pub raw: Option<Vec<u8>>,
}

/// An export written for the request: its name and digest (the data itself stays out).
#[derive(Debug, Clone, Serialize)]
pub struct CaseExport {
    pub written_at: DateTime<Utc>,
    pub file_name: String,
    pub sha256: String,
    pub format: String,
}

/// Everything the case file says, gathered by the service.
#[derive(Debug, Clone, Serialize)]
pub struct CaseFile {
    pub generated_at: DateTime<Utc>,
    pub generated_by: String,
    pub language: Language,
    pub request: RequestRecord,
    /// The deadline calculation explained, one step a line, in the request's language.
    pub deadline_steps: Vec<String>,
    pub verification: Option<VerificationRecord>,
    pub events: Vec<EventRecord>,
    pub recipient_tasks: Vec<RecipientTask>,
    pub processor_tasks: Vec<ProcessorTask>,
    /// Erasure plans as recorded (the `erasure_*` events are in `events`) and what was executed.
    pub erasure: serde_json::Value,
    pub mails: Vec<CaseMail>,
    pub exports: Vec<CaseExport>,
    pub chain: Vec<ChainLink>,
    pub chain_head: Option<ChainHead>,
}

struct Words {
    title: &'static str,
    request: &'static str,
    deadline: &'static str,
    events: &'static str,
    columns: [&'static str; 6],
    verification: &'static str,
    not_verified: &'static str,
    erasure: &'static str,
    tasks: &'static str,
    mails: &'static str,
    exports: &'static str,
    chain: &'static str,
    none: &'static str,
}

fn words(language: Language) -> &'static Words {
    match language {
        Language::Sv => &Words {
            title: "Ärendeakt",
            request: "Begäran",
            deadline: "Tidsfristen (artikel 12.3)",
            events: "Händelser",
            columns: ["Inträffade", "Registrerades", "Vem", "Varifrån", "Databasroll", "Vad"],
            verification: "Kontroll av identitet",
            not_verified: "Identiteten har inte kontrollerats.",
            erasure: "Radering: planer och utfört",
            tasks: "Underrättelser till mottagare (artikel 19)",
            mails: "Skickade meddelanden",
            exports: "Utlämnade filer (SHA-256)",
            chain: "Händelsekedjan (SHA-256)",
            none: "Inga.",
        },
        Language::Fi => &Words {
            title: "Asiakirja-aineisto",
            request: "Pyyntö",
            deadline: "Määräaika (12 artiklan 3 kohta)",
            events: "Tapahtumat",
            columns: ["Tapahtui", "Kirjattiin", "Kuka", "Mistä", "Tietokantarooli", "Mitä"],
            verification: "Henkilöllisyyden tarkistus",
            not_verified: "Henkilöllisyyttä ei ole tarkistettu.",
            erasure: "Poistaminen: suunnitelmat ja toteutus",
            tasks: "Ilmoitukset vastaanottajille (19 artikla)",
            mails: "Lähetetyt viestit",
            exports: "Luovutetut tiedostot (SHA-256)",
            chain: "Tapahtumaketju (SHA-256)",
            none: "Ei yhtään.",
        },
        Language::En => &Words {
            title: "Case file",
            request: "The request",
            deadline: "The deadline (Art. 12(3))",
            events: "Events",
            columns: ["Happened", "Recorded", "Who", "From where", "Database role", "What"],
            verification: "Identity verification",
            not_verified: "Identity has not been verified.",
            erasure: "Erasure: plans and what was executed",
            tasks: "Notices to recipients (Art. 19)",
            mails: "Mails sent",
            exports: "Files handed out (SHA-256)",
            chain: "The event chain (SHA-256)",
            none: "None.",
        },
    }
}

fn json_block(value: &impl Serialize) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    format!("<pre>{}</pre>", escape_html(&text))
}

/// timeline.html: readable on its own, every value from outside escaped.
pub fn timeline_html(case: &CaseFile) -> String {
    let w = words(case.language);
    let r = &case.request;
    let e = escape_html;
    let mut h = String::new();
    let lang = match case.language {
        Language::Sv => "sv",
        Language::Fi => "fi",
        Language::En => "en",
    };
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{} {}</title>\
         <style>body{{font-family:sans-serif;max-width:70em;margin:auto}}td,th{{border:1px solid #999;padding:2px 6px;vertical-align:top}}\
         table{{border-collapse:collapse}}pre{{white-space:pre-wrap}}</style></head><body>\n",
        w.title,
        e(&r.reference)
    ));
    h.push_str(&format!("<h1>{} {}</h1>\n", w.title, e(&r.reference)));
    h.push_str(&format!(
        "<p>{} {} · {}</p>\n",
        e(&case.generated_by),
        case.generated_at.to_rfc3339(),
        case.chain_head.as_ref().map(|c| c.sha256.as_str()).unwrap_or("")
    ));
    h.push_str(&format!("<h2>{}</h2>\n<table>\n", w.request));
    let rows: [(&str, String); 8] = [
        ("reference", r.reference.clone()),
        ("kind", format!("{} ({})", r.kind, r.kind.article())),
        ("status", r.status.to_string()),
        ("controller", r.jurisdiction.code().into()),
        ("received_at", r.received_at.to_rfc3339()),
        ("channel", r.channel.map(|c| c.as_str().to_string()).unwrap_or_default()),
        ("requester", r.requester_name.clone().or_else(|| r.requester_email.clone()).unwrap_or_default()),
        ("text", r.body.clone()),
    ];
    for (k, v) in rows {
        h.push_str(&format!("<tr><th>{k}</th><td>{}</td></tr>\n", e(&v).replace('\n', "<br>")));
    }
    h.push_str("</table>\n");
    h.push_str(&format!("<h2>{}</h2>\n<ol>\n", w.deadline));
    for step in &case.deadline_steps {
        h.push_str(&format!("<li>{}</li>\n", e(step)));
    }
    h.push_str("</ol>\n");
    h.push_str(&format!("<h2>{}</h2>\n<table>\n<tr>", w.events));
    for c in w.columns {
        h.push_str(&format!("<th>{c}</th>"));
    }
    h.push_str("<th></th></tr>\n");
    for ev in &case.events {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            ev.effective_at.to_rfc3339(),
            ev.recorded_at.to_rfc3339(),
            e(&ev.actor),
            e(ev.actor_client.as_deref().unwrap_or("")),
            e(&ev.db_role),
            e(&ev.action),
            json_block(&ev.details)
        ));
    }
    h.push_str("</table>\n");
    h.push_str(&format!("<h2>{}</h2>\n", w.verification));
    match &case.verification {
        Some(v) => h.push_str(&json_block(v)),
        None => h.push_str(&format!("<p>{}</p>\n", w.not_verified)),
    }
    h.push_str(&format!("<h2>{}</h2>\n{}", w.erasure, json_block(&case.erasure)));
    h.push_str(&format!("<h2>{}</h2>\n", w.tasks));
    if case.recipient_tasks.is_empty() && case.processor_tasks.is_empty() {
        h.push_str(&format!("<p>{}</p>\n", w.none));
    } else {
        h.push_str(&json_block(&(&case.recipient_tasks, &case.processor_tasks)));
    }
    h.push_str(&format!("<h2>{}</h2>\n<ul>\n", w.mails));
    for m in &case.mails {
        h.push_str(&format!(
            "<li>{} · {} · {} · {} · {}</li>\n",
            e(m.file.as_deref().unwrap_or("-")),
            e(&m.state),
            e(&m.to_address),
            e(&m.subject),
            e(m.sha256.as_deref().unwrap_or(""))
        ));
    }
    h.push_str("</ul>\n");
    h.push_str(&format!("<h2>{}</h2>\n<ul>\n", w.exports));
    for x in &case.exports {
        h.push_str(&format!(
            "<li>{} · {} · {}</li>\n",
            x.written_at.to_rfc3339(),
            e(&x.file_name),
            e(&x.sha256)
        ));
    }
    h.push_str("</ul>\n");
    h.push_str(&format!("<h2>{}</h2>\n<table>\n", w.chain));
    for l in &case.chain {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>\n",
            l.chain_seq, l.event_id, l.sha256
        ));
    }
    h.push_str("</table>\n</body></html>\n");
    h
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The files of the case file, in order, manifest.json last.
pub fn files(case: &CaseFile) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("timeline.html".into(), timeline_html(case).into_bytes()),
        ("timeline.json".into(), serde_json::to_vec_pretty(case).expect("serialisable")),
        (
            "chain.json".into(),
            serde_json::to_vec_pretty(&(&case.chain, &case.chain_head)).expect("serialisable"),
        ),
    ];
    for m in &case.mails {
        if let (Some(name), Some(raw)) = (&m.file, &m.raw) {
            files.push((name.clone(), raw.clone()));
        }
    }
    let listed: Vec<serde_json::Value> = files
        .iter()
        .map(|(name, bytes)| serde_json::json!({"file": name, "size": bytes.len(), "sha256": hex(&Sha256::digest(bytes))}))
        .collect();
    let manifest = serde_json::json!({
        "reference": case.request.reference,
        "generated_at": case.generated_at,
        "generated_by": case.generated_by,
        "files": listed,
        "request_chain": case.chain.iter().map(|l| &l.sha256).collect::<Vec<_>>(),
        "chain_head": case.chain_head,
    });
    files.push(("manifest.json".into(), serde_json::to_vec_pretty(&manifest).expect("serialisable")));
    files
}

/// Write the zip into `dir` as `casefile-REF.zip` (0600, written beside and renamed into place).
pub fn write_zip(case: &CaseFile, dir: &Path) -> io::Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("casefile-{}.zip", case.request.reference));
    let partial = dir.join(format!(".casefile-{}.zip.partial", case.request.reference));
    let file =
        std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&partial)?;
    let mut zip = ZipWriter::new(io::BufWriter::new(file));
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    for (name, bytes) in files(case) {
        zip.start_file(name, options).map_err(io::Error::other)?;
        zip.write_all(&bytes)?;
    }
    let mut out = zip.finish().map_err(io::Error::other)?;
    out.flush()?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&partial, &path)?;
    Ok(path)
}
