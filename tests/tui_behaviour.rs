//! The desk driven by real key presses against a real database: every action goes through the
//! same service call the CLI makes, with the version shown on screen; stale actions are refused
//! and explained; read-only mode changes nothing; outside text never reaches the terminal.

mod tui_support;

use chrono::Duration;
use dsrdesk::domain::RequestStatus;
use dsrdesk::service::Operator;
use dsrdesk::store::requests::RequestRecord;
use dsrdesk::tui::Options;
use dsrdesk::tui::app::{MAX_ROWS, PAGE};
use dsrdesk::tui::headless::Headless;
use tui_support::*;

fn mikko() -> Operator {
    Operator::new("mikko.dpo")
}

async fn record(desk: &dsrdesk::service::Desk, reference: &str) -> RequestRecord {
    desk.detail(reference, fixed_now()).await.expect("detail").request
}

#[tokio::test]
async fn claiming_from_the_detail_screen_claims_and_shows_it() {
    let (_db, desk) = seeded().await;
    let reference = pick(&desk, UNCLAIMED).await;
    let mut h = open(&desk, 80, 24).await;
    open_reference(&mut h, &reference).await;
    assert!(h.text().contains("unclaimed"), "{}", h.screen());
    h.keys("c").await;
    assert_eq!(record(&desk, &reference).await.assignee.as_deref(), Some("anna.dpo"));
    let text = h.text();
    assert!(text.contains(&format!("✓ {reference}: claimed")), "{}", h.screen());
    assert!(text.contains("claimed by anna.dpo"), "the history says it in words: {}", h.screen());
}

#[tokio::test]
async fn an_action_on_a_stale_screen_is_refused_and_explained() {
    let (_db, desk) = seeded().await;
    let reference = pick(&desk, UNCLAIMED).await;
    let mut h = open(&desk, 80, 24).await;
    open_reference(&mut h, &reference).await;
    // Meanwhile, at another desk.
    desk.assign(&mikko(), &reference, None, None, fixed_now()).await.unwrap();
    h.keys("c").await;
    assert_eq!(record(&desk, &reference).await.assignee.as_deref(), Some("mikko.dpo"));
    let text = h.text();
    assert!(text.contains("⚠ CONFLICT, not saved"), "{}", h.screen());
    // The screen shows the request as it is now.
    assert!(text.contains(" mikko.dpo · "), "{}", h.screen());

    // Extend has no version in its service call: the desk checks it just before.
    let reference = pick(&desk, EXTENDABLE_MINE).await;
    open_reference(&mut h, &reference).await;
    desk.pause(&mikko(), &reference, "asked for an ID document", None, fixed_now()).await.unwrap();
    h.keys("e").await;
    h.type_text("many requests at once").await;
    h.keys("enter y").await;
    let r = record(&desk, &reference).await;
    assert!(r.extended_on.is_none(), "a stale extension must not be stored");
    let status = h.app.status.clone().unwrap().text;
    assert!(status.contains("CONFLICT") && status.contains("paused by mikko.dpo"), "{status}");
    // Long messages wrap over the bottom rows rather than being cut off.
    let text = h.text().replace('\n', " ");
    assert!(text.contains("paused by mikko.dpo"), "{}", h.screen());
}

#[tokio::test]
async fn extending_asks_for_a_reason_and_a_confirmation_with_another_key() {
    let (_db, desk) = seeded().await;
    let reference = pick(&desk, EXTENDABLE_MINE).await;
    let mut h = open(&desk, 80, 24).await;
    open_reference(&mut h, &reference).await;
    h.keys("e enter").await;
    assert!(h.text().contains("a reason is needed: nothing was changed"), "{}", h.screen());
    h.keys("e").await;
    h.type_text("the data spans three clients").await;
    h.keys("enter").await;
    assert!(h.text().contains("This cannot be undone"), "{}", h.screen());
    // Pressing the trigger again does not confirm.
    h.keys("e e").await;
    assert!(record(&desk, &reference).await.extended_on.is_none());
    assert!(h.text().contains("This cannot be undone"), "still asking: {}", h.screen());
    h.keys("y").await;
    let r = record(&desk, &reference).await;
    assert_eq!(r.extension_reason.as_deref(), Some("the data spans three clients"));
    assert!(h.text().contains("extended by two months"), "{}", h.screen());
    // A second extension is refused before any prompt.
    h.keys("e").await;
    assert!(h.text().contains("already extended"), "{}", h.screen());
}

#[tokio::test]
async fn closing_goes_through_the_menu_a_reason_and_a_confirmation() {
    let (_db, desk) = seeded().await;
    let reference = pick(&desk, EXTENDABLE_MINE).await;
    let mut h = open(&desk, 80, 24).await;
    open_reference(&mut h, &reference).await;
    // answered, refused, ...: the second one.
    h.keys("s j enter").await;
    assert!(h.text().contains("Why is it refused?"), "{}", h.screen());
    h.type_text("identity could not be established").await;
    h.keys("enter").await;
    assert!(h.text().contains("as refused?"), "{}", h.screen());
    h.keys("n").await;
    assert_eq!(record(&desk, &reference).await.status, RequestStatus::InProgress);
    assert!(h.text().contains("cancelled: nothing was changed"), "{}", h.screen());
    h.keys("s j enter").await;
    h.type_text("identity could not be established").await;
    h.keys("enter y").await;
    let r = record(&desk, &reference).await;
    assert_eq!(r.status, RequestStatus::Refused);
    let detail = desk.detail(&reference, fixed_now()).await.unwrap();
    let last = detail.events.last().unwrap();
    assert_eq!(last.action, "status_changed");
    assert_eq!(last.details["reason"], "identity could not be established");
    assert_eq!(last.actor, "anna.dpo");
}

#[tokio::test]
async fn pausing_and_resuming_the_clock() {
    let (_db, desk) = seeded().await;
    let reference = pick(&desk, EXTENDABLE_MINE).await;
    let mut h = open(&desk, 80, 24).await;
    open_reference(&mut h, &reference).await;
    h.keys("p").await;
    h.type_text("asked for a copy of an ID document").await;
    h.keys("enter").await;
    let r = record(&desk, &reference).await;
    assert_eq!(r.status, RequestStatus::AwaitingInformation);
    assert!(h.text().contains("clock paused"), "{}", h.screen());
    h.keys("r").await;
    assert!(h.text().contains("Resume the clock"), "{}", h.screen());
    h.keys("enter").await; // arrived today, the default
    h.keys("y").await;
    assert_eq!(record(&desk, &reference).await.status, RequestStatus::InProgress);
}

#[tokio::test]
async fn read_only_offers_nothing_and_changes_nothing() {
    let (_db, desk) = seeded().await;
    let reference = pick(&desk, UNCLAIMED).await;
    let op = anna();
    let before = events_count(&desk).await;
    let mut h = Headless::start(desk.clone(), op.clone(), settings(&op, true), fixed_now(), 80, 24).await;
    assert!(h.text().contains("READ-ONLY"), "{}", h.screen());
    assert!(!h.text().contains("claim next"), "{}", h.screen());
    open_reference(&mut h, &reference).await;
    assert!(!h.text().contains("c claim"), "no action is offered: {}", h.screen());
    h.keys("c e p s").await;
    assert!(h.text().contains("read-only mode"), "{}", h.screen());
    assert_eq!(record(&desk, &reference).await.version, 1);
    h.keys(":").await;
    h.type_text("next").await;
    h.keys("enter ?").await;
    let help = h.text();
    assert!(!help.contains("[claim]") && !help.contains("[extend]"), "{help}");
    assert!(h.app.on_exit().is_none(), "read-only writes no last-seen mark either");
    assert_eq!(events_count(&desk).await, before, "no event was recorded");
}

async fn events_count(desk: &dsrdesk::service::Desk) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM request_events").fetch_one(desk.pool()).await.unwrap()
}

fn assert_terminal_safe(screen: &str) {
    for c in screen.chars() {
        let bad = (c < ' ' && c != '\n')
            || ('\u{7f}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c);
        assert!(!bad, "control character {:?} reached the screen:\n{screen}", c);
    }
}

#[tokio::test]
async fn text_from_outside_never_reaches_the_terminal_as_commands() {
    let (_db, desk) = seeded().await;
    // Intake refuses control characters in names, but data also arrives by other roads (an old
    // import, psql): the desk must show whatever is stored as text.
    let hostile = r#"{"external_id":"evil-1","kind":"access","jurisdiction":"SE","received_at":"2026-03-09T10:00:00+01:00","channel":"email","requester":{"name":"Eve Mallory","email":"eve@example.se","personal_number":"19811218-9876"},"text":"Hello\n\u001b[31mURGENT\u001b[0m \u009b31m and \u202eright-to-left\u202c\r\nbye"}"#;
    let created = desk.intake(&anna(), hostile, fixed_now()).await.unwrap().created;
    let reference = created[0].clone();
    let mut tx = desk.pool().begin().await.unwrap();
    sqlx::query("UPDATE requests SET requester_name = $2 WHERE reference = $1")
        .bind(&reference)
        .bind("Eve \u{1b}[2J\u{1b}]0;pwned\u{7} Mallory")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO request_events (request_id, actor, action, details)
         SELECT id, 'psql', 'imported', '{\"note\": \"\\u001b]0;pwned\\u0007\"}' FROM requests WHERE reference = $1",
    )
    .bind(&reference)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut h = open(&desk, 160, 48).await;
    h.keys("/").await;
    h.type_text("mallory").await;
    h.keys("enter").await;
    assert!(h.text().contains("Eve \\x1b[2J\\x1b]0;pwned\\x07 Mallory"), "{}", h.screen());
    assert_terminal_safe(&h.text());
    h.keys("enter").await;
    let text = h.text();
    assert!(text.contains(&reference), "{}", h.screen());
    assert!(
        text.contains("\\x1b[31mURGENT\\x1b[0m \\x9b31m and \\u{202e}right-to-left\\u{202c}\\x0d"),
        "{}",
        h.screen()
    );
    assert_terminal_safe(&text);
    // The personal number is masked except its last four.
    assert!(text.contains("••••••••-9876") && !text.contains("19811218"), "{}", h.screen());

    // And what a real terminal would receive: no OSC, no bell.
    let mut out = Vec::new();
    {
        let backend = ratatui::backend::CrosstermBackend::new(&mut out);
        let options = ratatui::TerminalOptions {
            viewport: ratatui::Viewport::Fixed(ratatui::layout::Rect::new(0, 0, 160, 48)),
        };
        let mut terminal = ratatui::Terminal::with_options(backend, options).unwrap();
        terminal.draw(|f| dsrdesk::tui::view::draw(f, &h.app)).unwrap();
    }
    let bytes = String::from_utf8_lossy(&out);
    assert!(!bytes.contains("\u{1b}]0;") && !bytes.contains('\u{7}') && !bytes.contains('\u{9b}'));
    assert!(!bytes.contains("\u{1b}[2J"), "only ratatui's own sequences");
}

/// Every request in the order of the due date it shows, computed here from the law, not from the
/// program's own sort key: Art. 12(3) and Reg. 1182/71 art. 3 (one month, or three when extended,
/// then the next working day), and for a paused request Art. 12(6) with DOMAIN.md "Suspension":
/// the clock stands still while paused, so its date is the one it would have if the information
/// arrived today — every day paused (the days before plus today − the day it was asked) moves the
/// end of the period before the working-day rule. Ties by id.
async fn by_shown_due_date(desk: &dsrdesk::service::Desk) -> Vec<String> {
    use dsrdesk::domain::Jurisdiction;
    use dsrdesk::domain::deadline::{DeadlineFacts, legal_due_on};
    type Row = (i64, String, String, chrono::NaiveDate, bool, i32, Option<chrono::NaiveDate>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, reference, jurisdiction::text, received_on, extended_on IS NOT NULL, paused_days, paused_since
         FROM requests",
    )
    .fetch_all(desk.pool())
    .await
    .unwrap();
    let mut keyed: Vec<(chrono::NaiveDate, i64, String)> = rows
        .into_iter()
        .map(|(id, reference, j, received_on, extended, paused_days, paused_since)| {
            let j: Jurisdiction = j.parse().unwrap();
            let today = j.local_date(fixed_now());
            let paused_now = paused_since.map_or(0, |since| (today - since).num_days().max(0));
            let facts = DeadlineFacts {
                received_on,
                extended,
                paused_days: (paused_days as i64 + paused_now) as u32,
            };
            (legal_due_on(&desk.config().calendar(j), facts).unwrap(), id, reference)
        })
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, _, reference)| reference).collect()
}

/// Walk the whole queue with `j` (and back with `k`): every row once, in order of the due date
/// each row shows (a paused request by the date it would have if the information arrived today),
/// with never more than a window of rows in memory.
#[tokio::test]
async fn the_queue_scrolls_through_every_row_in_order_with_a_bounded_window() {
    let db = dsrdesk::testing::fresh_database().await;
    let desk = dsrdesk::service::Desk::new(db.pool.clone(), dsrdesk::config::Config::default());
    let options = dsrdesk::service::seed::SeedOptions { requests: 1_500, seed: 11, ..Default::default() };
    desk.seed(&options, fixed_now(), |_| {}).await.unwrap();
    let expected = by_shown_due_date(&desk).await;
    assert!(expected.len() as i64 > 4 * PAGE);
    // The test can tell: ordering by the stored due date (the old key) gives another order.
    let by_stored: Vec<String> = sqlx::query_scalar("SELECT reference FROM requests ORDER BY due_on, id")
        .fetch_all(desk.pool())
        .await
        .unwrap();
    assert_ne!(by_stored, expected, "the seed has paused requests whose shown date moves them");
    let mut h = open(&desk, 80, 24).await;
    h.keys(":").await;
    h.type_text("status all").await;
    h.keys("enter").await;
    let mut seen = vec![];
    for _ in 0..expected.len() {
        seen.push(h.app.queue.selected_item().unwrap().record.reference.clone());
        assert!(h.app.queue.rows.len() <= MAX_ROWS + PAGE as usize);
        h.keys("j").await;
    }
    assert_eq!(seen, expected);
    assert!(
        h.text().contains(&format!("{} of {}", thousands(expected.len()), thousands(expected.len()))),
        "{}",
        h.screen()
    );

    // From the end, upwards.
    h.keys("g G").await;
    let mut seen = vec![];
    for _ in 0..expected.len() {
        seen.push(h.app.queue.selected_item().unwrap().record.reference.clone());
        assert!(h.app.queue.rows.len() <= MAX_ROWS + PAGE as usize);
        h.keys("k").await;
    }
    seen.reverse();
    assert_eq!(seen, expected);

    // Newest receipt first, by pages.
    let expected: Vec<String> =
        sqlx::query_scalar("SELECT reference FROM requests ORDER BY received_on DESC, id DESC")
            .fetch_all(desk.pool())
            .await
            .unwrap();
    h.keys("S R").await;
    let mut seen = vec![h.app.queue.selected_item().unwrap().record.reference.clone()];
    while seen.len() < expected.len() {
        h.keys("j").await;
        seen.push(h.app.queue.selected_item().unwrap().record.reference.clone());
    }
    assert_eq!(seen, expected);
}

fn thousands(n: usize) -> String {
    dsrdesk::tui::view::thousands(n as i64)
}

#[tokio::test]
async fn marking_seen_moves_the_operators_mark_and_empties_the_feed() {
    let (_db, desk) = seeded().await;
    let mut h = open(&desk, 80, 24).await;
    assert!(h.text().contains("Changes, last day:"), "{}", h.screen());
    h.keys("m").await;
    assert!(desk.last_seen(&anna()).await.unwrap().is_some());
    assert!(h.text().contains("Since you looked: 0"), "{}", h.screen());
    // Something happens; the next look lists it.
    let reference = pick(&desk, UNCLAIMED).await;
    desk.assign(&mikko(), &reference, None, None, fixed_now()).await.unwrap();
    // 120 columns: at 80 the feed's column is narrower (the lists beside it carry the holder)
    // and cuts the line after "claimed by".
    let h = open(&desk, 120, 36).await;
    assert!(h.text().contains("Since you looked: 1"), "{}", h.screen());
    assert!(h.text().contains(&format!("{reference} claimed by mikko.dpo")), "{}", h.screen());
    // Quitting marks what was shown as seen.
    let effect = h.app.on_exit().expect("a mark to store");
    h.executor.run(effect).await;
    let h = open(&desk, 80, 24).await;
    assert!(h.text().contains("Since you looked: 0"), "{}", h.screen());
}

#[tokio::test]
async fn claim_next_opens_the_claimed_request() {
    let (_db, desk) = seeded().await;
    let mut h = open(&desk, 80, 24).await;
    h.keys("n").await;
    let crate_ref = match &h.app.screen {
        dsrdesk::tui::app::Screen::Detail(r) => r.clone(),
        other => panic!("{other:?}\n{}", h.screen()),
    };
    assert_eq!(record(&desk, &crate_ref).await.assignee.as_deref(), Some("anna.dpo"));
    assert!(h.text().contains(&format!("✓ {crate_ref}: claimed")), "{}", h.screen());
}

#[tokio::test]
async fn keys_can_be_remapped_from_a_file_and_help_follows() {
    let (_db, desk) = seeded().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys.toml");
    std::fs::write(&path, "[keys]\ndown = [\"ctrl-n\"]\nup = \"ctrl-p\"\n").unwrap();
    let options = Options { keys_file: Some(path.clone()), ..Options::default() };
    let mut settings = options.settings(&anna(), desk.config()).unwrap();
    settings.theme = dsrdesk::tui::Theme::mono();
    let mut h = Headless::start(desk.clone(), anna(), settings, fixed_now(), 80, 24).await;
    h.keys("2 j j").await;
    assert_eq!(h.app.queue.selected, 0, "j is no longer down");
    h.keys("ctrl-n ctrl-n ctrl-p").await;
    assert_eq!(h.app.queue.selected, 1);
    h.keys("?").await;
    assert!(h.text().contains("ctrl-n"), "{}", h.screen());
    // A bad file is an error before the terminal is touched.
    std::fs::write(&path, "[keys]\nconfirm = \"e\"\n").unwrap();
    let err = options.settings(&anna(), desk.config()).unwrap_err().to_string();
    assert!(err.contains("keys.toml") && err.contains("double press"), "{err}");
}

#[tokio::test]
async fn escape_goes_back_along_the_breadcrumbs_and_forward_again() {
    let (_db, desk) = seeded().await;
    let mut h = open(&desk, 80, 24).await;
    h.keys("2 j j j").await;
    let selected = h.app.queue.selected_item().unwrap().record.reference.clone();
    h.keys("enter").await;
    assert!(
        h.text().lines().next().unwrap().contains(&format!("Overview › Queue › {selected}")),
        "{}",
        h.screen()
    );
    h.keys("esc").await;
    assert_eq!(h.app.queue.selected_item().unwrap().record.reference, selected);
    h.keys("alt-right").await;
    assert_eq!(h.app.screen, dsrdesk::tui::app::Screen::Detail(selected));
    h.keys("esc esc").await;
    assert_eq!(h.app.screen, dsrdesk::tui::app::Screen::Overview);
    h.keys(":").await;
    h.type_text("frobnicate").await;
    h.keys("enter").await;
    assert!(h.text().contains("unknown command :frobnicate"), "{}", h.screen());
    h.keys("q").await;
    assert!(h.app.quit);
    let _ = Duration::zero();
}
