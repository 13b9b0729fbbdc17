//! The statistics screen (issue 17 §1) after real key presses against the seeded database, at
//! 80x24 and 160x48 in the mono theme (readable without colour), and reached from the overview.

mod tui_support;

use dsrdesk::domain::report::Period;
use insta::assert_snapshot;
use tui_support::*;

#[tokio::test]
async fn statistics_screen_at_both_sizes() {
    let (_db, desk) = seeded().await;
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut desk_view = open(&desk, w, h).await;
        desk_view.keys("5").await;
        let screen = desk_view.screen();
        assert_terminal_safe(&screen);
        assert_snapshot!(format!("statistics_{w}x{h}"), screen);
    }
}

#[tokio::test]
async fn the_overview_links_to_the_statistics_and_back() {
    let (_db, desk) = seeded().await;
    let mut h = open(&desk, 80, 24).await;
    // The overview names the key.
    assert!(h.text().contains("5 statistics"), "{}", h.screen());
    h.keys("5").await;
    let text = h.text();
    assert!(text.contains("Statistics 2026-01-01 – 2026-12-31"), "{}", h.screen());
    // The gauge says what the service counts for the year (the figures' own test is tests/report.rs).
    let report = desk.report(Period::year(2026).unwrap(), None, fixed_now().date_naive()).await.unwrap();
    let t = &report.total;
    let expected = format!("{} of {}", t.answered_on_time, t.answered);
    assert!(text.contains(&expected), "{expected}\n{}", h.screen());
    h.keys("esc").await;
    assert!(h.text().contains("5 statistics"), "{}", h.screen());
    // The command line reaches it too.
    h.keys(":").await;
    h.type_text("stats").await;
    h.keys("enter").await;
    assert!(h.text().contains("received (r) and answered (a) per month"), "{}", h.screen());
}
