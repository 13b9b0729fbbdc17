//! The access copy fits the page, checked in a real browser (issue 13 §4): headless Chromium
//! renders Anna's copy (her widest table is her collection cases) at 800 px and at the printable
//! width of an A4 page, and nothing may stick out sideways — no horizontal scroll.
//!
//! A4 is 210 mm, 793.7 CSS px at 96 px/in; Chromium prints with 1 cm margins, so 718 px are
//! printable. The print style sheet only shrinks the tables further (smaller type, no page
//! padding), so the screen layout at 718 px is the stricter measure of the printed copy.
//!
//! Skipped, with the reason printed, only when Chromium is not installed (scripts/ensure-chromium
//! installs Debian's `chromium` from scripts/test).

use dsrdesk::config::Config;
use dsrdesk::domain::intake::Language;
use dsrdesk::export::{ExportFormat, ExportOptions};
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{fixture_now, fresh_database, load_ledger_fixture, verify_by_bankid};
use std::path::Path;
use std::process::Command;

const PRINTABLE_A4_PX: u32 = 718;

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok_and(|o| o.status.success()))
}

/// Render `html` at `width` px and return (document scrollWidth, clientWidth, the rightmost edge
/// of any element), as the page's own script measured them after layout.
fn measure(browser: &str, html: &Path, width: u32) -> (f64, f64, f64) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            &format!("--user-data-dir={}", profile.path().display()),
            &format!("--window-size={width},1000"),
            "--virtual-time-budget=2000",
            "--dump-dom",
            &format!("file://{}", html.display()),
        ])
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let at = dom.find("data-layout=\"").unwrap_or_else(|| {
        panic!("no measurement in the DOM; chromium said: {}", String::from_utf8_lossy(&out.stderr))
    });
    let rest = &dom[at + "data-layout=\"".len()..];
    let value = &rest[..rest.find('"').unwrap()];
    let n: Vec<f64> = value.split(' ').map(|x| x.parse().unwrap()).collect();
    (n[0], n[1], n[2])
}

#[tokio::test]
async fn the_access_copy_fits_800_px_and_a4_without_horizontal_scroll() {
    let Some(browser) = chromium() else {
        // No silent skip (issue 19): fails with the reason, always under CI=true.
        dsrdesk::testing::missing_dependency("Chromium", "scripts/ensure-chromium");
        return;
    };
    let db = fresh_database().await;
    let desk = Desk::new(db.pool, Config::default());
    let refs = load_ledger_fixture(&desk).await.unwrap();
    let operator = Operator::new("alice");
    let anna = &refs["fx-access-anna"];
    desk.link(&operator, anna, Some("1"), fixture_now()).await.unwrap();
    verify_by_bankid(&desk, &operator, anna).await;
    for language in [Language::Sv, Language::Fi, Language::En] {
        let dir = tempfile::tempdir().unwrap();
        let options =
            ExportOptions { format: ExportFormat::Access, language: Some(language), encrypt: false };
        let outcome = desk.export(anna, &options, dir.path(), &operator, fixture_now()).await.unwrap();
        let html = std::fs::read_to_string(&outcome.file.path).unwrap();
        assert!(html.contains("<table>"), "the copy has tables to measure");
        // The measuring script, added to a copy of the file (the copy itself carries no script).
        let probe = html.replace(
            "</body>",
            "<script>const d=document.documentElement;const r=Math.max(...[...document.querySelectorAll('body *')].map(e=>e.getBoundingClientRect().right));\
             document.body.setAttribute('data-layout', d.scrollWidth+' '+d.clientWidth+' '+r);</script></body>",
        );
        let path = dir.path().join("probe.html");
        std::fs::write(&path, probe).unwrap();
        for width in [800, PRINTABLE_A4_PX] {
            let (scroll, client, right) = measure(browser, &path, width);
            eprintln!(
                "{language:?} at {width} px: scrollWidth {scroll}, clientWidth {client}, rightmost edge {right}"
            );
            assert!(client > 0.0 && client <= f64::from(width), "the window is {width} px: {client}");
            assert!(scroll <= client, "{language:?} at {width} px scrolls sideways: {scroll} > {client}");
            assert!(
                right <= client + 0.5,
                "{language:?} at {width} px: an element ends at {right} > {client}"
            );
        }
    }
}
