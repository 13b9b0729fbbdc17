//! Every screen of the desk, drawn into a `TestBackend` at 80x24 and 160x48 after real key
//! presses against a real database seeded with `seed 7`, at a fixed instant; the subject screens
//! (identity, erasure plan, rectification, Art. 19 tasks) against the ledger fixture at its own.

mod tui_support;

use insta::assert_snapshot;
use tui_support::*;

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 48)];

#[tokio::test]
async fn overview() {
    let (_db, desk) = seeded().await;
    for (w, h) in SIZES {
        let desk_view = open(&desk, w, h).await;
        assert_snapshot!(format!("overview_{w}x{h}"), desk_view.screen());
    }
}

#[tokio::test]
async fn overview_by_assignee_with_the_changes_list_focused() {
    let (_db, desk) = seeded().await;
    let mut h = open(&desk, 80, 24).await;
    h.keys("b tab tab j j").await;
    assert_snapshot!("overview_by_assignee_80x24", h.screen());
}

#[tokio::test]
async fn queue() {
    let (_db, desk) = seeded().await;
    for (w, h) in SIZES {
        let mut desk_view = open(&desk, w, h).await;
        desk_view.keys("2 j j j").await;
        assert_snapshot!(format!("queue_{w}x{h}"), desk_view.screen());
    }
}

#[tokio::test]
async fn queue_filtered() {
    let (_db, desk) = seeded().await;
    for (w, h) in SIZES {
        let mut desk_view = open(&desk, w, h).await;
        // Kind: access → rectification → erasure; overdue only.
        desk_view.keys("2 t t t o").await;
        assert_snapshot!(format!("queue_erasure_overdue_{w}x{h}"), desk_view.screen());
        // Clear, then search incrementally; the search line is still open.
        desk_view.keys("x x /").await; // x clears one filter at a time: overdue, then the kind
        desk_view.type_text("lind").await;
        assert_snapshot!(format!("queue_search_{w}x{h}"), desk_view.screen());
        // A search that finds: letters find the names with a word beginning so (README), and
        // only those: every row listed is a Fredrik.
        desk_view.keys("ctrl-u").await;
        desk_view.type_text("fredrik").await;
        let text = desk_view.text();
        let rows: Vec<&str> = text.lines().filter(|l| l.contains("DSR-")).collect();
        assert!(!rows.is_empty(), "{}", desk_view.screen());
        assert!(rows.iter().all(|l| l.contains("Fredrik")), "{}", desk_view.screen());
        // ... and all of them: every open request from someone with a name word "Fredrik…".
        let all: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM requests WHERE status IN ('new', 'in_progress', 'awaiting_information')
               AND requester_name ~* '(^|\\s)fredrik'",
        )
        .fetch_one(desk.pool())
        .await
        .unwrap();
        assert_eq!(rows.len() as i64, all, "{}", desk_view.screen());
        assert_snapshot!(format!("queue_search_finds_{w}x{h}"), desk_view.screen());
        // Mine, all statuses, newest receipt first.
        desk_view.keys("enter x m s s s s s s s s S R").await;
        assert_snapshot!(format!("queue_mine_all_by_received_{w}x{h}"), desk_view.screen());
    }
}

#[tokio::test]
async fn detail() {
    let (_db, desk) = seeded().await;
    for (w, h) in SIZES {
        let mut desk_view = open(&desk, w, h).await;
        let reference = pick(&desk, EXTENDED).await;
        open_reference(&mut desk_view, &reference).await;
        assert_snapshot!(format!("detail_{w}x{h}"), desk_view.screen());
    }
}

#[tokio::test]
async fn help() {
    let (_db, desk) = seeded().await;
    for (w, h) in SIZES {
        let mut desk_view = open(&desk, w, h).await;
        desk_view.keys("?").await;
        assert_snapshot!(format!("help_{w}x{h}"), desk_view.screen());
    }
}

#[tokio::test]
async fn confirm_prompt() {
    let (_db, desk) = seeded().await;
    for (w, h) in SIZES {
        let mut desk_view = open(&desk, w, h).await;
        let reference = pick(&desk, EXTENDABLE_MINE).await;
        open_reference(&mut desk_view, &reference).await;
        desk_view.keys("e").await;
        desk_view.type_text("the requester's data spans three clients").await;
        assert_snapshot!(format!("extend_reason_prompt_{w}x{h}"), desk_view.screen());
        desk_view.keys("enter").await;
        assert_snapshot!(format!("extend_confirm_{w}x{h}"), desk_view.screen());
        desk_view.keys("esc s").await;
        assert_snapshot!(format!("status_menu_{w}x{h}"), desk_view.screen());
    }
}

#[tokio::test]
async fn too_small() {
    let (_db, desk) = seeded().await;
    let mut desk_view = open(&desk, 80, 24).await;
    desk_view.resize(60, 20).await;
    assert_snapshot!("too_small_60x20", desk_view.screen());
    // And back: the screen comes back whole.
    desk_view.resize(80, 24).await;
    assert_eq!(desk_view.screen(), open(&desk, 80, 24).await.screen());
}

/// Link the certain candidate and verify by BankID through the service: the set-up of the
/// snapshots of what comes after.
async fn link_and_verify(desk: &dsrdesk::service::Desk, reference: &str) {
    let now = dsrdesk::testing::fixture_now();
    desk.link(&anna(), reference, None, now).await.expect("linked");
    dsrdesk::testing::verify_by_bankid(desk, &anna(), reference).await;
}

#[tokio::test]
async fn identity_panel() {
    for (w, h) in SIZES {
        let (_db, desk, refs) = ledger().await;
        let now = dsrdesk::testing::fixture_now();
        // Anna's access request: linked to ledger person 1; her request of March makes this a
        // repeat (Art. 12(5)); the other Anna Svensson matches by name alone.
        let reference = &refs["fx-access-anna"];
        desk.link(&anna(), reference, Some("1"), now).await.unwrap();
        desk.link(&anna(), &refs["fx-access-anna-earlier"], None, now).await.unwrap();
        let mut desk_view = open_ledger(&desk, w, h, false).await;
        open_reference(&mut desk_view, reference).await;
        desk_view.keys("i j").await;
        assert_snapshot!(format!("identity_panel_{w}x{h}"), desk_view.screen());
    }
}

#[tokio::test]
async fn erasure_plan_before_and_after_execution() {
    for (w, h) in SIZES {
        let (_db, desk, refs) = ledger().await;
        let reference = &refs["fx-erasure-anna"];
        link_and_verify(&desk, reference).await;
        let mut desk_view = open_ledger(&desk, w, h, false).await;
        open_reference(&mut desk_view, reference).await;
        desk_view.keys("E").await;
        assert_snapshot!(format!("erasure_plan_{w}x{h}"), desk_view.screen());
        desk_view.keys("x").await;
        assert_snapshot!(format!("erasure_confirm_{w}x{h}"), desk_view.screen());
        desk_view.keys("y").await;
        assert_snapshot!(format!("erasure_executed_{w}x{h}"), desk_view.screen());
    }
}

#[tokio::test]
async fn rectification_and_art_19_tasks() {
    for (w, h) in SIZES {
        let (_db, desk, refs) = ledger().await;
        let reference = &refs["fx-rectify-anna"];
        link_and_verify(&desk, reference).await;
        let mut desk_view = open_ledger(&desk, w, h, false).await;
        open_reference(&mut desk_view, reference).await;
        // The street, corrected as the request asks.
        desk_view.keys("R j j enter").await;
        desk_view.type_text("Storgatan 3").await;
        desk_view.keys("enter").await;
        assert_snapshot!(format!("rectify_confirm_{w}x{h}"), desk_view.screen());
        desk_view.keys("y").await;
        assert_snapshot!(format!("rectified_{w}x{h}"), desk_view.screen());
        desk_view.keys("T d y").await;
        assert_snapshot!(format!("recipient_tasks_{w}x{h}"), desk_view.screen());
    }
}
