//! `dsrdesk export`: the access copy (Art. 15) or the portability bundle (Art. 20) of a verified,
//! linked request, written into a directory.

use super::print_json;
use crate::domain::intake::Language;
use crate::error::Result;
use crate::export::{ExportFormat, ExportOptions};
use crate::service::{Desk, Operator};
use chrono::Utc;
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExportArgs {
    pub reference: String,
    /// The directory to write into (created if missing). The file name is dsrdesk's own.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value_t = ExportFormat::Access)]
    pub format: ExportFormat,
    /// The language of the copy (default: the request's, else the controller's).
    #[arg(long, value_name = "sv|fi|en", value_parser = parse_language)]
    pub lang: Option<Language>,
    /// Portability bundle: AES-256 encrypt every entry under a generated passphrase, shown once.
    #[arg(long)]
    pub encrypt: bool,
    #[arg(long)]
    pub json: bool,
}

fn parse_language(s: &str) -> Result<Language, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "sv" => Ok(Language::Sv),
        "fi" => Ok(Language::Fi),
        "en" => Ok(Language::En),
        other => Err(format!("{other:?}: expected sv, fi or en")),
    }
}

pub async fn export(desk: &Desk, operator: &Operator, a: ExportArgs) -> Result<()> {
    let options = ExportOptions { format: a.format, language: a.lang, encrypt: a.encrypt };
    let outcome = desk.export(&a.reference, &options, &a.out, operator, Utc::now()).await?;
    let f = &outcome.file;
    if a.json {
        print_json(&json!({
            "path": f.path,
            "file_name": f.file_name,
            "content_type": f.content_type,
            "size": f.size,
            "sha256": f.sha256,
            "rows": outcome.rows,
            "language": outcome.language,
            "encrypted": outcome.passphrase.is_some(),
            "passphrase": outcome.passphrase,
        }));
        return Ok(());
    }
    outln!("{}", f.path.display());
    outln!("  size     {} bytes", f.size);
    outln!("  sha256   {}", f.sha256);
    outln!("  rows     {}", outcome.rows);
    outln!("  language {}", outcome.language.as_str());
    if let Some(passphrase) = &outcome.passphrase {
        outln!("  passphrase {passphrase}");
        outln!(
            "Give the passphrase to the subject through another channel than the file (e.g. by phone or SMS); \
             dsrdesk does not store it and cannot show it again."
        );
    }
    Ok(())
}
