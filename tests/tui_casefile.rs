//! Issue 17 §2 from the desk: `F` writes the request's case file where the DPO says — the same
//! zip `dsrdesk casefile` writes — and an auditor's read-only desk may write it too (it reads the
//! evidence and changes nothing). Ledger fixture at its fixed "now", real key presses.

mod tui_support;

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use tui_support::*;

#[tokio::test]
async fn c_writes_the_case_file_and_a_read_only_desk_may_too() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-erasure-anna"].clone();
    for read_only in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let mut h = open_ledger(&desk, 120, 36, read_only).await;
        open_reference(&mut h, &r).await;
        let events_before: i64 =
            sqlx::query_scalar("SELECT count(*) FROM request_events").fetch_one(desk.pool()).await.unwrap();
        h.keys("F").await;
        assert!(h.text().contains("Write the case file of"), "{}", h.screen());
        h.keys("ctrl-u").await;
        h.type_text(&dir.path().display().to_string()).await;
        h.keys("enter").await;
        let zip_path = dir.path().join(format!("casefile-{r}.zip"));
        assert!(zip_path.exists(), "read_only={read_only}: {}", h.screen());
        assert!(h.text().contains("case file written"), "{}", h.screen());
        let mode = std::fs::metadata(&zip_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "only the DPO may read it");
        // The zip holds the timeline and a manifest naming each file's digest.
        let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
        let mut manifest = String::new();
        zip.by_name("manifest.json").unwrap().read_to_string(&mut manifest).unwrap();
        assert!(manifest.contains("timeline.json") && manifest.contains("timeline.html"), "{manifest}");
        let events_after: i64 =
            sqlx::query_scalar("SELECT count(*) FROM request_events").fetch_one(desk.pool()).await.unwrap();
        assert_eq!(events_after, events_before, "writing the case file changes nothing");
    }
}
