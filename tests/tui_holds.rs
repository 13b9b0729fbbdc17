//! The legal holds on the shift overview (issue 17 §3): the held request, the authority's
//! reference and its due date, at 80x24 and 160x48, against the seeded desk.

mod tui_support;

use dsrdesk::service::Operator;
use insta::assert_snapshot;
use tui_support::*;

#[tokio::test]
async fn the_overview_shows_a_held_request_with_the_authority_s_reference_and_due_date() {
    let (_db, desk) = seeded().await;
    let held =
        pick(&desk, "SELECT reference FROM requests WHERE closed_at IS NOT NULL ORDER BY id LIMIT 1").await;
    let due = chrono::NaiveDate::from_ymd_opt(2027, 1, 15);
    desk.place_hold(&Operator::new("anna"), &held, "IMY", "DI-2026-1234", due, fixed_now()).await.unwrap();
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let view = open(&desk, w, h).await;
        let text = view.text();
        assert!(text.contains("held:") && text.contains(&held), "{w}x{h}: {text}");
        if w >= 160 {
            assert!(text.contains("IMY DI-2026-1234 due 2027-01-15"), "{text}");
        }
        assert_snapshot!(format!("overview_held_{w}x{h}"), view.screen());
    }
}
