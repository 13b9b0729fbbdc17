//! Every screen of the desk, drawn into a `TestBackend` at 80x24 and 160x48 after real key
//! presses against a real database seeded with `seed 7`, at a fixed instant.

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
        desk_view.keys("x /").await;
        desk_view.type_text("lind").await;
        assert_snapshot!(format!("queue_search_{w}x{h}"), desk_view.screen());
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
