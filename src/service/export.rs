//! Exporting the subject's data: the access copy (Art. 15) and the portability bundle (Art. 20).
//!
//! Nothing with data leaves before identity is verified and the request is linked to ledger
//! persons (Art. 12(6)). The rows are read in one REPEATABLE READ snapshot with streaming
//! fetches and written straight into the file, which gets a name of our making inside `out_dir`,
//! is written under a temporary name and renamed when complete. The `export_written` event
//! (format, language, file name, its absolute path, size, SHA-256, rows, encrypted — never the
//! passphrase) is appended in one transaction; if that fails the file is removed. The desk's
//! retention removes the file when the request is anonymised (`service::retention`).

use super::erasure::{require_linked, require_verified};
use super::{Desk, Operator, normalize_reference};
use crate::datamap::Source;
use crate::domain::intake::Language;
use crate::error::{Error, Result};
use crate::export::access::{AccessWriter, CopyHeader};
use crate::export::bundle::{
    BundleSource, BundleWriter, JsonSourceWriter, MANIFEST_SCHEMA, Manifest, ManifestSubject, csv_record,
};
use crate::export::labels::{labels, policy_texts};
use crate::export::{
    ExportFormat, ExportOptions, ExportOutcome, ExportedFile, HTML_CONTENT_TYPE, HashingWriter,
    ZIP_CONTENT_TYPE, file_name, generate_passphrase, sha256_of_file,
};
use crate::store::export_gate;
use crate::store::ledger::{self, CheckedMap};
use crate::store::requests::{self as store, RequestRecord};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use serde_json::json;
use sqlx::PgConnection;
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

fn io_error(path: &Path, what: &str, e: std::io::Error) -> Error {
    Error::Invalid(format!("{what} {}: {e}", path.display()))
}

/// The request's language as stored ("sv", "fi", "en").
fn request_language(r: &RequestRecord) -> Option<Language> {
    match r.language.as_deref().map(str::trim).map(str::to_ascii_lowercase).as_deref() {
        Some("sv") => Some(Language::Sv),
        Some("fi") => Some(Language::Fi),
        Some("en") => Some(Language::En),
        _ => None,
    }
}

/// A file being written under a temporary name beside its final one; removed if dropped
/// before `commit`.
struct PendingFile {
    temp: PathBuf,
    done: bool,
}

impl PendingFile {
    fn create(dir: &Path, final_name: &str) -> Result<(PendingFile, File)> {
        let suffix: u64 = rand::random();
        let temp = dir.join(format!(".{final_name}.{suffix:016x}.part"));
        let file = create_new(&temp)?;
        Ok((PendingFile { temp, done: false }, file))
    }

    /// Give the complete file its final name; refused if a file of that name exists already
    /// (an earlier export is never overwritten).
    fn commit(mut self, final_path: &Path) -> Result<()> {
        match std::fs::hard_link(&self.temp, final_path) {
            Ok(()) => {
                let _ = std::fs::remove_file(&self.temp);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(Error::Invalid(format!(
                    "{} exists already: an earlier export is never overwritten; move it away or choose another --out",
                    final_path.display()
                )));
            }
            // File systems without hard links: check, then rename.
            Err(_) => {
                if final_path.exists() {
                    return Err(Error::Invalid(format!(
                        "{} exists already: an earlier export is never overwritten; move it away or choose another --out",
                        final_path.display()
                    )));
                }
                std::fs::rename(&self.temp, final_path)
                    .map_err(|e| io_error(final_path, "cannot write", e))?;
            }
        }
        self.done = true;
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// A scratch file in `dir` whose name is removed at once: it lives only as long as the handle.
fn spool_file(dir: &Path) -> Result<File> {
    let suffix: u64 = rand::random();
    let path = dir.join(format!(".dsrdesk-spool-{suffix:016x}"));
    let file = create_new(&path)?;
    let _ = std::fs::remove_file(&path);
    Ok(file)
}

/// A new file for reading and writing; never one that exists already. Mode 0600: an export holds
/// the subject's personal data and is for the DPO alone (Art. 32(1): access limited to those who
/// need it), whatever the umask.
fn create_new(path: &Path) -> Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    File::options()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| io_error(path, "cannot create", e))
}

/// `out_dir` made ready: its path checked ([`check_out_path`]), created if missing (each created
/// directory 0700), refused if it is a file.
fn prepare_dir(out_dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    check_out_path(out_dir)?;
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(Error::Invalid(format!("--out {} is a file, not a directory", out_dir.display())));
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(out_dir)
        .map_err(|e| io_error(out_dir, "cannot create directory", e))
}

/// Refuse an output path through which another local user could redirect or read the export:
/// a component that is a symbolic link owned by someone other than us or root (they could point
/// it anywhere, at any time), or a directory anyone may write to without the sticky bit (anyone
/// could rename ours away and put their own in its place). `/tmp` (world-writable, sticky) is fine.
pub fn check_out_path(out_dir: &Path) -> Result<()> {
    use std::os::unix::fs::MetadataExt;
    let me = nix::unistd::Uid::current().as_raw();
    let absolute = if out_dir.is_absolute() {
        out_dir.to_path_buf()
    } else {
        std::env::current_dir().map_err(|e| io_error(out_dir, "cannot resolve", e))?.join(out_dir)
    };
    let mut prefix = PathBuf::new();
    for component in absolute.components() {
        prefix.push(component);
        let Ok(link) = std::fs::symlink_metadata(&prefix) else {
            // Missing from here on: created by us, 0700.
            break;
        };
        if link.file_type().is_symlink() && link.uid() != me && link.uid() != 0 {
            return Err(Error::Invalid(format!(
                "--out {}: {} is a symbolic link owned by another user (uid {}), who could point it anywhere; export refused — choose a path of your own",
                out_dir.display(),
                prefix.display(),
                link.uid()
            )));
        }
        let Ok(meta) = std::fs::metadata(&prefix) else { break };
        if meta.is_dir() && meta.mode() & 0o002 != 0 && meta.mode() & 0o1000 == 0 {
            return Err(Error::Invalid(format!(
                "--out {}: {} is a directory anyone may write to, without the sticky bit, so another user could swap what is in it; export refused — choose a path of your own",
                out_dir.display(),
                prefix.display()
            )));
        }
    }
    Ok(())
}

impl Desk {
    /// Write the access copy or the portability bundle of a verified, linked request into
    /// `out_dir`, and record it. Returns the file, its hash and, for an encrypted bundle, the
    /// passphrase (shown once, stored nowhere).
    pub async fn export(
        &self,
        reference: &str,
        options: &ExportOptions,
        out_dir: &Path,
        operator: &Operator,
        now: DateTime<Utc>,
    ) -> Result<ExportOutcome> {
        let reference = normalize_reference(reference)?;
        // Only operators export (migration 0016; the database refuses the export's event too).
        if !export_gate::may_export(self.pool()).await? {
            return Err(Error::rule(
                &reference,
                "this database role may not export: only operators (dsrdesk_operator) export the subject's data; the worker role sends and erases only",
            ));
        }
        let checked = self.checked_map().await?;
        let mut tx = self.pool().begin().await?;
        // One snapshot of every source (the bundle reads each portable source twice).
        export_gate::read_only_snapshot(&mut tx).await?;
        let request = store::fetch_by_reference(&mut tx, &reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.clone()))?;
        let what = match options.format {
            ExportFormat::Access => "access copy",
            ExportFormat::Portability => "portability bundle",
        };
        require_verified(&request, what)?;
        let persons = require_linked(&mut tx, &request).await?;
        // The database's own gate (migrations 0004, 0011): for an e-ID verification, the number it
        // returned must be every linked person's, or no data is read for the copy.
        export_gate::require_verified(&mut tx, request.id, &format!("the {what} of {reference}"))
            .await
            .map_err(crate::store::verification::check_violation)
            .map_err(|e| match e {
                Error::Rule { rule, .. } => Error::rule(&reference, rule),
                other => other,
            })?;
        if options.encrypt && options.format == ExportFormat::Access {
            return Err(Error::rule(
                &reference,
                "--encrypt is for the portability bundle (a zip); send the access copy through a secure channel",
            ));
        }
        let controller = self.config().controller(request.jurisdiction);
        let language = options
            .language
            .unwrap_or_else(|| controller.reply_language(request.jurisdiction, request_language(&request)));
        prepare_dir(out_dir)?;
        // Where the file is, for the event: the retention finds and removes it there when the
        // request is anonymised (Art. 5(1)(e)). Canonical, so a relative --out or a link in the
        // path still names the same file from the worker's working directory.
        let canonical_dir =
            std::fs::canonicalize(out_dir).map_err(|e| io_error(out_dir, "cannot resolve", e))?;
        let name = file_name(&request.reference, options.format, language);
        let final_path = out_dir.join(&name);
        if final_path.exists() {
            return Err(Error::Invalid(format!(
                "{} exists already: an earlier export is never overwritten; move it away or choose another --out",
                final_path.display()
            )));
        }
        let (pending, file) = PendingFile::create(out_dir, &name)?;
        let passphrase =
            (options.encrypt && options.format == ExportFormat::Portability).then(generate_passphrase);
        let written = match options.format {
            ExportFormat::Access => {
                self.write_access(&mut tx, checked, &request, &persons, language, now, file).await
            }
            ExportFormat::Portability => {
                match self
                    .write_bundle(
                        &mut tx,
                        checked,
                        &request,
                        &persons,
                        language,
                        now,
                        file,
                        passphrase.clone(),
                        out_dir,
                    )
                    .await
                {
                    // The zip's own hash: read back in blocks (the central directory is written last).
                    Ok(rows) => sha256_of_file(&pending.temp)
                        .map(|(size, sha)| (size, sha, rows))
                        .map_err(|e| io_error(&pending.temp, "cannot read back", e)),
                    Err(e) => Err(e),
                }
            }
        };
        let (size, sha256, rows) = written?;
        tx.commit().await?;
        pending.commit(&final_path)?;
        let exported = ExportedFile {
            path: final_path.clone(),
            file_name: name.clone(),
            content_type: match options.format {
                ExportFormat::Access => HTML_CONTENT_TYPE,
                ExportFormat::Portability => ZIP_CONTENT_TYPE,
            },
            size,
            sha256,
        };
        let recorded_path = canonical_dir.join(&name);
        if let Err(e) = self
            .record_export(operator, &request, options, language, &exported, &recorded_path, rows, now)
            .await
        {
            let _ = std::fs::remove_file(&final_path);
            return Err(e);
        }
        // Not the path: the directory is the DPO's choice and may be named after the person.
        tracing::info!(reference = %reference, format = what, rows, size = exported.size, "export written");
        Ok(ExportOutcome { file: exported, language, rows, passphrase })
    }

    #[allow(clippy::too_many_arguments)]
    async fn record_export(
        &self,
        operator: &Operator,
        request: &RequestRecord,
        options: &ExportOptions,
        language: Language,
        file: &ExportedFile,
        path: &Path,
        rows: u64,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        let locked = store::lock_by_id(&mut tx, request.id).await?;
        // Verification is never undone, but check under lock what the event claims.
        require_verified(&locked, "export")?;
        let event = operator.event(
            request.id,
            now,
            "export_written",
            json!({
                "format": options.format,
                "language": language,
                "file_name": file.file_name,
                "content_type": file.content_type,
                "size": file.size,
                "sha256": file.sha256,
                // Personal (a home directory, a folder named after the person): not among the
                // kept keys of domain::retention, so it gives way at the anonymisation. A path
                // that is not UTF-8 is not recorded: the retention counts it "location unknown".
                "path": path.to_str(),
                "rows": rows,
                "encrypted": options.encrypt,
            }),
        );
        store::insert_events(&mut tx, &[event]).await?;
        tx.commit().await?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_access(
        &self,
        conn: &mut PgConnection,
        checked: &CheckedMap,
        request: &RequestRecord,
        persons: &[String],
        language: Language,
        now: DateTime<Utc>,
        file: File,
    ) -> Result<(u64, String, u64)> {
        let controller = self.config().controller(request.jurisdiction);
        let sources: &[Source] = &self.config().data_map.sources;
        let forwarded_to: Vec<String> = crate::store::tasks::processor_tasks_of(&mut *conn, request.id)
            .await?
            .into_iter()
            .filter(|t| t.done_at.is_some())
            .map(|t| t.client)
            .collect();
        let header = CopyHeader {
            reference: &request.reference,
            controller_name: &controller.name,
            contact: &controller.contact,
            generated_at: now,
            language,
            forwarded_to: &forwarded_to,
        };
        let path = PathBuf::from("access copy");
        let fail = |e: std::io::Error| io_error(&path, "cannot write the", e);
        // Buffered first, so the hash and the file see 64 KiB blocks, not one write per cell.
        let out = BufWriter::with_capacity(64 * 1024, HashingWriter::new(file));
        let mut copy = AccessWriter::start(out, &header, sources).map_err(fail)?;
        for source in sources {
            let columns = &checked.data_columns[&source.name];
            // For a person, not a database: column labels in the subject's language, stored
            // codes and flags as words (issue 13 §4).
            let map = &self.config().data_map;
            let headers: Vec<String> = columns.iter().map(|c| map.column_label(c, language)).collect();
            copy.source_start(source, &headers).map_err(fail)?;
            for person in persons {
                let mut rows = ledger::stream_rows(&mut *conn, source, columns, person);
                while let Some(mut row) = rows.try_next().await? {
                    match &row.facts.processor_client {
                        Some(client) => copy.processor_row(client),
                        None => {
                            for (column, value) in &mut row.data {
                                if let Some(words) = map.value_words(column, value, language) {
                                    *value = serde_json::Value::String(words);
                                }
                            }
                            copy.row(&row).map_err(fail)?
                        }
                    }
                }
            }
            copy.source_end(source).map_err(fail)?;
        }
        let rows = copy.rows();
        let authority = request.jurisdiction.authority(language);
        let policy = policy_texts(&controller.policy, language);
        let out = copy.finish(sources, &authority, &policy).map_err(fail)?;
        let (file, size, sha256) = out.into_inner().map_err(|e| fail(e.into_error()))?.finish();
        file.sync_all().map_err(fail)?;
        Ok((size, sha256, rows))
    }

    #[allow(clippy::too_many_arguments)]
    async fn write_bundle(
        &self,
        conn: &mut PgConnection,
        checked: &CheckedMap,
        request: &RequestRecord,
        persons: &[String],
        language: Language,
        now: DateTime<Utc>,
        file: File,
        passphrase: Option<String>,
        spool_dir: &Path,
    ) -> Result<u64> {
        let controller = self.config().controller(request.jurisdiction);
        let path = PathBuf::from("portability bundle");
        let fail = |e: std::io::Error| io_error(&path, "cannot write the", e);
        let encrypted = passphrase.is_some();
        let mut zip = BundleWriter::new(BufWriter::with_capacity(64 * 1024, file), passphrase);
        zip.small_file("README.txt", labels(language).readme.as_bytes()).map_err(fail)?;
        let mut listed = Vec::new();
        let mut total = 0;
        // Art. 20(1), Recital 68: only what the subject provided, on consent or contract (the data
        // map refuses `portable` otherwise), and only the data columns.
        for source in self.config().data_map.sources.iter().filter(|s| s.portable) {
            let columns = &checked.data_columns[&source.name];
            // One pass over the rows: JSON straight into its zip entry, CSV into a spool file
            // (unlinked at once, so only this process sees it) copied into the next entry.
            let mut csv = csv::Writer::from_writer(spool_file(spool_dir)?);
            csv.write_record(columns).map_err(|e| fail(e.into()))?;
            let mut entry = zip.entry(&format!("{}.json", source.name)).map_err(fail)?;
            let mut json = JsonSourceWriter::start(&mut entry, source, columns).map_err(fail)?;
            for person in persons {
                let mut rows = ledger::stream_rows(&mut *conn, source, columns, person);
                while let Some(row) = rows.try_next().await? {
                    // Rows held only as a client's processor are the client's to give.
                    if row.facts.processor_client.is_none() {
                        json.row(&mut entry, &row).map_err(fail)?;
                        csv.write_record(csv_record(columns, &row)).map_err(|e| fail(e.into()))?;
                    }
                }
            }
            let rows = json.finish(&mut entry).map_err(fail)?;
            entry.finish().map_err(fail)?;
            let mut spool = csv.into_inner().map_err(|e| fail(e.into_error()))?;
            spool.seek(SeekFrom::Start(0)).map_err(fail)?;
            let mut entry = zip.entry(&format!("{}.csv", source.name)).map_err(fail)?;
            std::io::copy(&mut spool, &mut entry).map_err(fail)?;
            entry.finish().map_err(fail)?;
            total += rows;
            listed.push(BundleSource { name: source.name.clone(), title: source.title.clone(), rows });
        }
        let files = zip.files().to_vec();
        let manifest = Manifest {
            schema: MANIFEST_SCHEMA,
            reference: &request.reference,
            subject: ManifestSubject { person_ids: persons },
            generated_at: now,
            language: language.as_str(),
            controller: &controller.name,
            sources: &listed,
            files: &files,
            encrypted,
        };
        let manifest = serde_json::to_vec_pretty(&manifest).map_err(|e| fail(e.into()))?;
        zip.small_file("manifest.json", &manifest).map_err(fail)?;
        let mut buffered = zip.finish().map_err(fail)?;
        buffered.flush().map_err(fail)?;
        let file = buffered.into_inner().map_err(|e| fail(e.into_error()))?;
        file.sync_all().map_err(fail)?;
        Ok(total)
    }
}
