//! The desk's own retention and legal holds (issue 17 §3): anonymise each closed request whose
//! period has run (one transaction per request, with its `anonymised` event), and place or lift
//! the legal holds that stop it. The rules are `domain::retention`; the SQL `store::retention`.

use super::Desk;
use crate::domain::Jurisdiction;
use crate::domain::retention::{self, Due, ExportFileCounts, ExportFileFate};
use crate::error::{Error, Result};
use crate::service::Operator;
use crate::store::{self, retention::LegalHold};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;

/// What one retention pass did (or, dry, would do).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RetentionReport {
    pub dry_run: bool,
    /// Requests anonymised (or due, when dry).
    pub anonymised: Vec<String>,
    /// Past their period but under a legal hold: kept.
    pub held: Vec<String>,
    /// Past their period, a mail of theirs still on its way: the next pass takes them.
    pub waiting_for_mail: Vec<String>,
    /// The files `dsrdesk export` wrote for the requests anonymised (or, dry, due) and what
    /// became (would become) of each: by path, so the DPO can remove by hand what was left.
    pub export_files: Vec<ExportFile>,
}

/// One export file met by the retention. Its path is for the DPO's screen only: the
/// `anonymised` event counts the files and names none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportFile {
    pub reference: String,
    /// Where the export was written; None for one written before the desk recorded where.
    pub path: Option<String>,
    pub file_name: String,
    pub fate: ExportFileFate,
}

impl ExportFile {
    /// Whether it is still on disk (or may be) for the DPO to see to.
    pub fn left(&self) -> bool {
        matches!(
            self.fate,
            ExportFileFate::Changed | ExportFileFate::NotRemovable | ExportFileFate::LocationUnknown
        )
    }
}

/// A hold placed or lifted, as the CLI confirms it.
#[derive(Debug, Clone, Serialize)]
pub struct HoldChange {
    pub reference: String,
    pub hold_ids: Vec<i64>,
}

impl Desk {
    /// One pass over the closed requests of every controller.
    pub async fn run_retention(
        &self,
        operator: &Operator,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<RetentionReport> {
        let mut report = RetentionReport { dry_run, ..RetentionReport::default() };
        for j in [Jurisdiction::Sweden, Jurisdiction::Finland] {
            let months = self.config.controller(j).anonymise_after_months;
            let today = j.local_date(now);
            // Coarse bound in SQL (a day either side of the time zone), the exact rule below.
            let latest_closing = today
                .checked_sub_months(chrono::Months::new(months))
                .unwrap_or(NaiveDate::MIN)
                .and_hms_opt(0, 0, 0)
                .expect("midnight")
                .and_utc()
                + Duration::days(2);
            let candidates = {
                let mut conn = self.pool.acquire().await?;
                store::retention::candidates(&mut conn, j, latest_closing).await?
            };
            for c in candidates {
                match retention::due(j.local_date(c.closed_at), months, c.held, today) {
                    Due::KeptUntil(_) => {}
                    Due::Held => report.held.push(c.reference),
                    Due::Now if c.mail_pending => report.waiting_for_mail.push(c.reference),
                    Due::Now if dry_run => {
                        // Looked at, never touched: the files it would remove, the ones it would leave.
                        let events = {
                            let mut conn = self.pool.acquire().await?;
                            store::retention::export_events(&mut conn, c.id).await?
                        };
                        report.export_files.extend(settle_export_files(&c.reference, &events, false));
                        report.anonymised.push(c.reference);
                    }
                    Due::Now => {
                        if let Some(files) = self.anonymise_one(operator, c.id, months, now).await? {
                            report.export_files.extend(files);
                            report.anonymised.push(c.reference);
                        }
                    }
                }
            }
        }
        Ok(report)
    }

    /// Anonymise one request in one transaction, after reading it again under its lock (a hold
    /// placed or the request anonymised since the list was read: nothing happens). Its export
    /// files, with what became of each, if done.
    async fn anonymise_one(
        &self,
        operator: &Operator,
        id: i64,
        months: u32,
        now: DateTime<Utc>,
    ) -> Result<Option<Vec<ExportFile>>> {
        let mut tx = self.pool.begin().await?;
        let Some(c) = store::retention::lock_candidate(&mut tx, id).await? else {
            return Ok(None);
        };
        let today = c.jurisdiction.local_date(now);
        if c.mail_pending
            || retention::due(c.jurisdiction.local_date(c.closed_at), months, c.held, today) != Due::Now
        {
            return Ok(None);
        }
        // The export files first, under the request's lock, while their paths are still on record:
        // should the anonymisation then fail, the next pass finds them gone and says so; the other
        // way round a crash would leave the data on disk and no path to find it by.
        let files =
            settle_export_files(&c.reference, &store::retention::export_events(&mut tx, id).await?, true);
        let mut counts = ExportFileCounts::default();
        files.iter().for_each(|f| counts.count(f.fate));
        let events = store::retention::event_details(&mut tx, id).await?;
        let skeletons: Vec<(i64, serde_json::Value)> =
            events.iter().filter_map(|(eid, d)| retention::details_skeleton(d).map(|s| (*eid, s))).collect();
        // Art. 5(1)(e): the period it ran out of, and the export files in counts (no path); the
        // database adds what went from its tables, in counts only.
        let details = json!({"anonymise_after_months": months, "export_files": counts});
        store::retention::anonymise(&mut tx, id, &skeletons, details, &operator.user, now).await?;
        tx.commit().await?;
        Ok(Some(files))
    }

    /// Place a legal hold: an authority's or a court's case about the request (Art. 17(3)(e)).
    pub async fn place_hold(
        &self,
        operator: &Operator,
        reference: &str,
        authority: &str,
        case_reference: &str,
        due_on: Option<NaiveDate>,
        at: DateTime<Utc>,
    ) -> Result<HoldChange> {
        let (authority, case_reference) = (authority.trim(), case_reference.trim());
        for (what, value) in [("--authority", authority), ("--case", case_reference)] {
            if value.is_empty() || value.chars().any(char::is_control) {
                return Err(Error::Invalid(format!(
                    "{what}: give the authority's name and its case reference, one line each"
                )));
            }
        }
        let mut tx = self.pool.begin().await?;
        let request = store::requests::fetch_by_reference(&mut tx, reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.to_string()))?;
        if store::retention::is_anonymised(&mut tx, request.id).await? {
            return Err(Error::rule(
                reference,
                "its personal data is already anonymised: a hold keeps nothing more",
            ));
        }
        let details = json!({"authority": authority, "case_reference": case_reference, "due_on": due_on});
        let event = operator.event(request.id, at, "legal_hold_placed", details);
        store::requests::insert_events(&mut tx, &[event]).await?;
        let id = store::retention::place_hold(
            &mut tx,
            request.id,
            authority,
            case_reference,
            due_on,
            &operator.user,
            at,
        )
        .await?;
        tx.commit().await?;
        Ok(HoldChange { reference: request.reference, hold_ids: vec![id] })
    }

    /// Lift every hold on the request (the authority's case closed).
    pub async fn lift_hold(
        &self,
        operator: &Operator,
        reference: &str,
        at: DateTime<Utc>,
    ) -> Result<HoldChange> {
        let mut tx = self.pool.begin().await?;
        let request = store::requests::fetch_by_reference(&mut tx, reference)
            .await?
            .ok_or_else(|| Error::NotFound(reference.to_string()))?;
        // The event follows the change in the same transaction (checked at commit) so it can
        // name the holds it lifted.
        let ids = store::retention::lift_holds(&mut tx, request.id, &operator.user, at).await?;
        if ids.is_empty() {
            return Err(Error::rule(reference, "no legal hold is on it"));
        }
        let event = operator.event(request.id, at, "legal_hold_lifted", json!({"hold_id": ids}));
        store::requests::insert_events(&mut tx, &[event]).await?;
        tx.commit().await?;
        Ok(HoldChange { reference: request.reference, hold_ids: ids })
    }

    /// The holds in force, by the authority's due date.
    pub async fn legal_holds(&self) -> Result<Vec<LegalHold>> {
        let mut conn = self.pool.acquire().await?;
        store::retention::active_holds(&mut conn).await
    }
}

/// What becomes of each export file of a request (`events`: its `export_written` details),
/// removing ours when `remove` (a dry run only looks). Newest first, so a file exported again
/// under the same name is settled by its own event and the older one's is then gone.
fn settle_export_files(reference: &str, events: &[serde_json::Value], remove: bool) -> Vec<ExportFile> {
    let mut settled: Vec<&str> = Vec::new();
    let mut files: Vec<ExportFile> = events
        .iter()
        .rev()
        .map(|details| {
            let file_name = details.get("file_name").and_then(|v| v.as_str()).unwrap_or("").to_string();
            let Some((path, sha256)) = retention::export_file_of(details) else {
                return ExportFile {
                    reference: reference.into(),
                    path: None,
                    file_name,
                    fate: ExportFileFate::LocationUnknown,
                };
            };
            let fate = if settled.contains(&path) {
                ExportFileFate::Gone
            } else {
                settle_export_file(std::path::Path::new(path), sha256, remove)
            };
            if fate == ExportFileFate::Removed {
                settled.push(path);
            }
            ExportFile { reference: reference.into(), path: Some(path.into()), file_name, fate }
        })
        .collect();
    files.reverse();
    files
}

/// Remove the file at `path` if it is the one the desk wrote: a regular file (never through a
/// symbolic link) whose SHA-256 is `sha256`. Anything else there is left: the desk deletes only
/// what it can prove is its own. `remove` false: only say what would happen.
fn settle_export_file(path: &std::path::Path, sha256: &str, remove: bool) -> ExportFileFate {
    use std::io::ErrorKind::NotFound;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let looked = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == NotFound => return ExportFileFate::Gone,
        // A directory on the way this user may not enter.
        Err(_) => return ExportFileFate::NotRemovable,
    };
    if !looked.file_type().is_file() {
        return ExportFileFate::Changed;
    }
    // Opened without following a link put there since, nor waiting on a pipe; and checked to be
    // the very file looked at.
    let opened = std::fs::File::options()
        .read(true)
        .custom_flags(nix::libc::O_NOFOLLOW | nix::libc::O_NONBLOCK)
        .open(path);
    let mut file = match opened {
        Ok(f) => f,
        Err(e) if e.kind() == NotFound => return ExportFileFate::Gone,
        Err(e) if e.raw_os_error() == Some(nix::libc::ELOOP) => return ExportFileFate::Changed,
        Err(_) => return ExportFileFate::NotRemovable,
    };
    let same = |m: &std::fs::Metadata| (m.dev(), m.ino()) == (looked.dev(), looked.ino());
    match file.metadata() {
        Ok(m) if same(&m) && m.is_file() => {}
        Ok(_) => return ExportFileFate::Changed,
        Err(_) => return ExportFileFate::NotRemovable,
    }
    let mut hashing = crate::export::HashingWriter::new(std::io::sink());
    if std::io::copy(&mut file, &mut hashing).is_err() {
        return ExportFileFate::NotRemovable;
    }
    let (_, _, actual) = hashing.finish();
    if !actual.eq_ignore_ascii_case(sha256) {
        return ExportFileFate::Changed;
    }
    if !remove {
        return ExportFileFate::Removed;
    }
    // Still the same file at the path as it goes (not one swapped in while it was read).
    match std::fs::symlink_metadata(path) {
        Ok(m) if same(&m) => {}
        Ok(_) => return ExportFileFate::Changed,
        Err(e) if e.kind() == NotFound => return ExportFileFate::Gone,
        Err(_) => return ExportFileFate::NotRemovable,
    }
    match std::fs::remove_file(path) {
        Ok(()) => ExportFileFate::Removed,
        Err(e) if e.kind() == NotFound => ExportFileFate::Gone,
        // Permissions: the worker may run as another OS user than the DPO who exported.
        Err(_) => ExportFileFate::NotRemovable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};
    use std::path::Path;

    fn sha(bytes: &[u8]) -> String {
        Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
    }

    fn written(dir: &Path, name: &str, content: &[u8]) -> (std::path::PathBuf, String) {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        (path, sha(content))
    }

    #[test]
    fn the_file_the_desk_wrote_goes_and_a_dry_run_only_looks() {
        let dir = tempfile::tempdir().unwrap();
        let (path, sum) = written(dir.path(), "DSR-1-access-sv.html", b"<html>Asa</html>");
        assert_eq!(settle_export_file(&path, &sum, false), ExportFileFate::Removed);
        assert!(path.exists(), "a dry run removes nothing");
        assert_eq!(settle_export_file(&path, &sum, true), ExportFileFate::Removed);
        assert!(!path.exists());
        assert_eq!(settle_export_file(&path, &sum, true), ExportFileFate::Gone);
    }

    #[test]
    fn an_edited_file_or_a_link_is_not_ours_and_stays() {
        let dir = tempfile::tempdir().unwrap();
        let (path, sum) = written(dir.path(), "DSR-1-access-sv.html", b"<html>Asa</html>");
        std::fs::write(&path, b"<html>Asa, with the DPO's notes</html>").unwrap();
        assert_eq!(settle_export_file(&path, &sum, true), ExportFileFate::Changed);
        assert!(path.exists());
        // A link at the path, even to a file with the very content: never followed.
        let (target, sum) = written(dir.path(), "elsewhere.html", b"<html>Asa</html>");
        let link = dir.path().join("DSR-2-access-sv.html");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        assert_eq!(settle_export_file(&link, &sum, true), ExportFileFate::Changed);
        assert!(target.exists() && link.symlink_metadata().is_ok());
    }

    #[test]
    fn a_file_exported_again_under_its_name_is_settled_once() {
        let dir = tempfile::tempdir().unwrap();
        let (path, first) = written(dir.path(), "DSR-1-access-sv.html", b"first");
        let (_, second) = written(dir.path(), "DSR-1-access-sv.html", b"second");
        let p = path.to_str().unwrap();
        let events = [
            serde_json::json!({"file_name": "DSR-1-access-sv.html", "path": p, "sha256": first}),
            serde_json::json!({"file_name": "DSR-1-access-sv.html", "path": p, "sha256": second}),
            serde_json::json!({"file_name": "DSR-1-access-en.html", "sha256": second}),
        ];
        let fates: Vec<ExportFileFate> =
            settle_export_files("DSR-1", &events, true).iter().map(|f| f.fate).collect();
        assert_eq!(fates, [ExportFileFate::Gone, ExportFileFate::Removed, ExportFileFate::LocationUnknown]);
        assert!(!path.exists());
    }
}
