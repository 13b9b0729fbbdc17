//! Issue 15, a DPO's whole shift: each friction found in a day at the desk, driven by real key
//! presses against a real database.

mod tui_support;

use tui_support::*;

fn title_line(h: &dsrdesk::tui::headless::Headless) -> String {
    h.text().lines().next().unwrap_or_default().to_string()
}

/// Moving between one request's own screens replaces the crumb: the trail says where the DPO came
/// from (the request), not every tab visited (Erasure plan › Identity › Erasure plan).
#[tokio::test]
async fn moving_between_a_requests_own_screens_does_not_grow_the_trail() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-erasure-anna"].clone();
    let mut h = open_ledger(&desk, 120, 36, false).await;
    open_reference(&mut h, &r).await;
    h.keys("i").await;
    h.keys("E").await;
    h.keys("i").await;
    h.keys("E").await;
    let title = title_line(&h);
    assert_eq!(title.matches('›').count(), 2, "Overview › request › plan: {title}");
    assert!(!title.contains("Identity"), "{title}");
    // Back leaves the request's screens in one step.
    h.keys("esc").await;
    let title = title_line(&h);
    assert!(!title.contains("Erasure plan") && title.contains(&r), "{title}");
}

/// `G` in help shows the end of the help, not an empty page: the last line of the help is on
/// screen, and the box is full of text (its first row is not blank).
#[tokio::test]
async fn the_end_of_the_help_is_its_last_page_not_an_empty_one() {
    for (w, hgt) in [(80, 24), (160, 48)] {
        let (_db, desk) = seeded().await;
        let mut h = open(&desk, w, hgt).await;
        h.keys("?").await;
        let first_page = h.text();
        h.keys("G").await;
        let text = h.text();
        let rows: Vec<&str> = text.lines().collect();
        // Row 0 is the title bar, row 1 the box's top border; row 2 its first line of text.
        assert!(
            !rows[2].trim_matches(|c: char| c == '│' || c == ' ').is_empty(),
            "{w}x{hgt} blank top:\n{text}"
        );
        assert_ne!(first_page, text, "{w}x{hgt}: the help is longer than one page and G moves");
        // One more step down changes nothing: this is the end.
        h.keys("j").await;
        assert_eq!(h.text(), text, "{w}x{hgt}: scrolled past the end");
    }
}

/// A closed request offers only the reply that closed it (a copy of the answer): no
/// acknowledgement or extension letter that `queue_reply` would refuse after the DPO typed it.
/// Before identity is verified nothing carrying the subject's data is offered (Art. 12(6)).
#[tokio::test]
async fn the_reply_menu_offers_only_what_can_be_sent() {
    let (_db, desk) = seeded().await;
    let closed = pick(
        &desk,
        "SELECT reference FROM requests WHERE status = 'answered' AND kind = 'access' ORDER BY id LIMIT 1",
    )
    .await;
    let mut h = open(&desk, 120, 36).await;
    open_reference(&mut h, &closed).await;
    h.keys("w").await;
    let text = h.text();
    assert!(!text.contains("Acknowledgement of receipt"), "{}", h.screen());
    assert!(!text.contains("Extension"), "{}", h.screen());
    assert!(!text.contains("Refusal"), "closed as answered, not refused: {}", h.screen());
    // The seeded answers are unverified: of the answering letters only "we hold no data" remains.
    assert!(text.contains("We hold no data about you"), "the answer's copy is still offered: {}", h.screen());

    let unverified = pick(
        &desk,
        "SELECT reference FROM requests WHERE status IN ('new', 'in_progress') AND kind = 'access' \
         AND identity_verified_at IS NULL ORDER BY id LIMIT 1",
    )
    .await;
    open_reference(&mut h, &unverified).await;
    h.keys("w").await;
    let text = h.text();
    assert!(text.contains("Acknowledgement of receipt"), "{}", h.screen());
    assert!(!text.contains("Access reply"), "no data before verification: {}", h.screen());
}

async fn editor_on_a_verified_access_request(
    desk: &dsrdesk::service::Desk,
    r: &str,
) -> dsrdesk::tui::headless::Headless {
    let mut h = open_ledger(desk, 100, 30, false).await;
    open_reference(&mut h, r).await;
    h.keys("w").await;
    h.keys("enter").await; // the first template offered: the acknowledgement
    assert_eq!(h.app.mode, dsrdesk::tui::app::Mode::Edit, "{}", h.screen());
    h
}

/// The editor: the subject is its own field that typing in the body cannot break, Ctrl-Z undoes
/// (as the footer says) instead of suspending the desk, and the status line offers no keys that
/// would be typed as text ("? help q quit").
#[tokio::test]
async fn the_editor_keeps_the_subject_apart_and_ctrl_z_undoes() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    let mut h = editor_on_a_verified_access_request(&desk, &r).await;
    let subject_before = h.app.compose.as_ref().unwrap().text().0;
    assert!(!subject_before.is_empty());
    // Typing at the very start of the body (where the cursor starts) leaves the subject alone.
    h.type_text("Subject: hijack ").await;
    let (subject, body) = h.app.compose.as_ref().unwrap().text();
    assert_eq!(subject, subject_before);
    assert!(body.starts_with("Subject: hijack "), "{body}");
    // Ctrl-Z undoes the typing, key by key, back to the template's text; the desk is still here.
    for _ in 0.."Subject: hijack ".len() {
        h.keys("ctrl-z").await;
    }
    let (_, body) = h.app.compose.as_ref().unwrap().text();
    assert!(!body.contains("hijack"), "{body}");
    assert!(!h.text().lines().last().unwrap_or_default().contains("quit"), "{}", h.screen());
    // Tab goes to the subject, which is edited on its own.
    h.keys("tab end").await;
    h.type_text(" (svar)").await;
    let (subject, _) = h.app.compose.as_ref().unwrap().text();
    assert_eq!(subject, format!("{subject_before} (svar)"));
}

/// A restored draft puts the cursor where the DPO stopped (the end of the text), not at 0,0.
#[tokio::test]
async fn a_restored_draft_continues_at_its_end() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    let mut h = editor_on_a_verified_access_request(&desk, &r).await;
    h.keys("ctrl-end").await;
    h.type_text("Sista raden.").await;
    h.keys("esc").await; // to the preview: the draft is saved
    drop(h);
    let mut h = open_ledger(&desk, 100, 30, false).await;
    open_reference(&mut h, &r).await;
    h.keys("w").await;
    assert_eq!(h.app.mode, dsrdesk::tui::app::Mode::Edit, "the draft reopens in the editor: {}", h.screen());
    let c = h.app.compose.as_ref().unwrap();
    let lines = c.editor.lines();
    let cursor = c.editor.cursor();
    let (row, col) = (cursor.0, cursor.1);
    assert_eq!(row, lines.len() - 1, "on the last line");
    assert_eq!(col, lines[row].chars().count(), "at its end");
    h.type_text(" Mer.").await;
    assert!(h.app.compose.as_ref().unwrap().text().1.trim_end().ends_with("Sista raden. Mer."));
}

/// A closed request's footer offers no claim, assign, extend, pause or status: nothing on it
/// changes any more.
#[tokio::test]
async fn a_closed_request_offers_no_changes() {
    let (_db, desk) = seeded().await;
    let closed =
        pick(&desk, "SELECT reference FROM requests WHERE status = 'answered' ORDER BY id LIMIT 1").await;
    let mut h = open(&desk, 120, 36).await;
    open_reference(&mut h, &closed).await;
    let footer = h.text().lines().last().unwrap_or_default().to_string();
    for offered in ["claim", "assign", "release", "extend", "pause", "resume", "status"] {
        assert!(!footer.contains(offered), "{offered} offered on a closed request: {footer}");
    }
    assert!(footer.contains("reply"), "{footer}");
}

async fn choose(h: &mut dsrdesk::tui::headless::Headless, name: &str) {
    let c = h.app.compose.as_ref().expect("composer open");
    let i = c.purposes.iter().position(|p| p.name() == name).unwrap_or_else(|| panic!("{name} not offered"));
    for _ in 0..i {
        h.keys("j").await;
    }
}

/// The extension's reasons are asked once: `e` records them, and the letter then states them
/// without asking again (it could otherwise state other reasons than those recorded).
#[tokio::test]
async fn the_extension_reason_is_asked_once_and_the_letter_states_it() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-erasure-anna"].clone();
    let mut h = open_ledger(&desk, 100, 30, false).await;
    open_reference(&mut h, &r).await;
    h.keys("c").await; // claim it first: extending is the holder's work
    h.keys("e").await;
    h.type_text("Ärendet omfattar många akter.").await;
    h.keys("enter y").await;
    let shown = desk.detail(&r, dsrdesk::testing::fixture_now()).await.unwrap().request;
    assert_eq!(shown.extension_reason.as_deref(), Some("Ärendet omfattar många akter."));
    h.keys("w").await;
    choose(&mut h, "extension").await;
    h.keys("enter").await;
    assert_eq!(h.app.mode, dsrdesk::tui::app::Mode::Edit, "no second question: {}", h.screen());
    assert!(h.app.compose.as_ref().unwrap().text().1.contains("Ärendet omfattar många akter."));
}

/// Resuming asks the day the information arrived (default today): a reply that came on 5 March
/// and is opened on 10 March resumes the clock from 5 March, so the request is paused 3 days
/// (asked 2 March), not 8 (Art. 12(6): the clock stops only while the controller waits).
#[tokio::test]
async fn resuming_asks_the_day_the_information_arrived() {
    use chrono::{TimeZone, Utc};
    let (_db, desk) = seeded().await;
    let reference = pick(&desk, EXTENDABLE_MINE).await;
    let asked = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(); // a Monday, Stockholm morning
    desk.pause(&anna(), &reference, "asked for a copy of an ID document", None, asked).await.unwrap();
    let mut h = open(&desk, 100, 30).await;
    open_reference(&mut h, &reference).await;
    h.keys("r").await;
    assert!(h.text().contains("when did the information arrive"), "{}", h.screen());
    assert!(h.text().contains("2026-03-10"), "today is offered: {}", h.screen());
    h.keys(&"backspace ".repeat(10)).await;
    h.type_text("2026-03-01").await;
    h.keys("enter").await;
    assert!(h.text().contains("before the information was asked for"), "{}", h.screen());
    h.keys("r").await;
    h.keys(&"backspace ".repeat(10)).await;
    h.type_text("2026-03-05").await;
    h.keys("enter").await;
    assert!(h.text().contains("arrived on 2026-03-05"), "{}", h.screen());
    h.keys("y").await;
    let detail = desk.detail(&reference, fixed_now()).await.unwrap();
    let resumed = detail.events.iter().rev().find(|e| e.action == "resumed").expect("resumed event");
    assert_eq!(resumed.details["paused_days"], 3, "{:?}", resumed.details);
    assert_eq!(resumed.details["arrived_on"], "2026-03-05");
}

/// The number the e-ID returned is checked as soon as it is typed: another person's number is
/// refused there (Art. 12(6), 15(4)) and asked again, before the evidence is typed — not after
/// every field was filled in. Anna (ledger person 1, 19811218-9876) is linked; 19550505-4329 is
/// Lisa's, a valid number of someone else.
#[tokio::test]
async fn a_returned_number_of_someone_else_is_refused_as_it_is_typed() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    desk.link(&anna(), &r, Some("1"), dsrdesk::testing::fixture_now()).await.unwrap();
    let mut h = open_ledger(&desk, 120, 36, false).await;
    open_reference(&mut h, &r).await;
    h.keys("i").await;
    h.keys("v enter").await; // BankID
    h.type_text("bankid-tx-9").await;
    h.keys("enter").await;
    h.type_text("19550505-4329").await;
    h.keys("enter").await;
    let text = h.text();
    assert!(text.contains("not linked ledger person 1"), "{}", h.screen());
    assert!(text.contains("the number the e-ID returned"), "asked again: {}", h.screen());
    assert!(!text.contains("What was seen?"), "no evidence asked yet: {}", h.screen());
    // The right number, in another written form, goes on to the evidence.
    h.type_text("198112189876").await;
    h.keys("enter").await;
    assert!(h.text().contains("What was seen?"), "{}", h.screen());
    h.type_text("BankID signature in the portal").await;
    h.keys("enter y").await;
    let v = desk.detail(&r, dsrdesk::testing::fixture_now()).await.unwrap().verification.expect("verified");
    assert_eq!(v.number_matches, Some(true));
}

/// `3` (mine) shows my requests, not an earlier search's leftovers; `x` clears one filter at a
/// time, the search first, so clearing a search never drops "mine" with it.
#[tokio::test]
async fn mine_drops_an_old_search_and_x_clears_one_filter_at_a_time() {
    let (_db, desk) = seeded().await;
    let mut h = open(&desk, 120, 36).await;
    h.keys("2 /").await;
    h.type_text("zzzz").await;
    h.keys("enter").await;
    assert!(h.text().contains("matching “zzzz”"), "{}", h.screen());
    h.keys("3").await;
    let text = h.text();
    assert!(text.contains("· mine") && !text.contains("matching"), "{}", h.screen());
    assert!(text.contains("anna.dpo"), "my requests are shown: {}", h.screen());
    h.keys("/").await;
    h.type_text("a").await;
    h.keys("enter").await;
    assert!(h.text().contains("· mine · matching “a”"), "{}", h.screen());
    h.keys("x").await;
    let text = h.text();
    assert!(text.contains("· mine") && !text.contains("matching"), "only the search went: {}", h.screen());
    h.keys("x").await;
    assert!(!h.text().contains("· mine"), "then mine: {}", h.screen());
}

/// Acting on a request nobody holds claims it (issue 15): a pause, an extension or a status
/// change from the desk leaves the request held by the one who acted, not in the unclaimed pile.
#[tokio::test]
async fn acting_on_an_unclaimed_request_claims_it() {
    let (_db, desk) = seeded().await;
    let reference = pick(&desk, UNCLAIMED).await;
    let mut h = open(&desk, 120, 36).await;
    open_reference(&mut h, &reference).await;
    h.keys("e").await;
    h.type_text("Ärendet omfattar många akter.").await;
    h.keys("enter").await;
    assert!(h.text().contains("Nobody holds it: you claim it with this."), "{}", h.screen());
    h.keys("y").await;
    let r = desk.detail(&reference, fixed_now()).await.unwrap().request;
    assert_eq!(r.assignee.as_deref(), Some("anna.dpo"));
    assert!(r.extended_on.is_some());
    assert!(h.text().contains("claimed, and extended"), "{}", h.screen());
}

/// The previous holder is told when someone takes their request over (issue 15): the desk's
/// status line no longer says "claimed" as if it were still theirs.
#[tokio::test]
async fn the_previous_holder_is_told_of_a_takeover() {
    let (_db, desk) = seeded().await;
    let reference = pick(&desk, EXTENDABLE_MINE).await;
    let mut h = open(&desk, 120, 36).await;
    open_reference(&mut h, &reference).await;
    let mikko = dsrdesk::service::Operator::new("mikko.dpo");
    desk.assign(&mikko, &reference, Some("mikko.dpo"), None, fixed_now()).await.unwrap();
    h.keys("ctrl-r").await; // what a change notice from the other desk does
    let status = h.app.status.as_ref().map(|s| s.text.clone()).unwrap_or_default();
    assert!(status.contains("taken over by mikko.dpo"), "{status}");
}

/// The history is written in sentences (issue 15: it showed raw JSON such as
/// `matched_on: ["personal_number", …]`), with the raw details one key away (`H`).
#[tokio::test]
async fn the_history_reads_as_sentences_with_the_raw_details_one_key_away() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-access-anna"].clone();
    desk.link(&anna(), &r, Some("1"), dsrdesk::testing::fixture_now()).await.unwrap();
    let mut h = open_ledger(&desk, 160, 48, false).await;
    open_reference(&mut h, &r).await;
    let text = h.text();
    assert!(text.contains("linked to ledger person 1 (matched on"), "{}", h.screen());
    assert!(!text.contains("matched_on"), "{}", h.screen());
    h.keys("H").await;
    assert!(h.text().contains("matched_on"), "raw: {}", h.screen());
    h.keys("H").await;
    assert!(!h.text().contains("matched_on"), "{}", h.screen());
}

/// The reply menu reads the request as it is now: verified on the identity screen after the
/// detail screen was shown, the request offers the erasure replies that carry data (the detail
/// screen's older copy said "not verified").
#[tokio::test]
async fn the_reply_menu_follows_a_verification_made_on_the_identity_screen() {
    let (_db, desk, refs) = ledger().await;
    let r = refs["fx-erasure-anna"].clone();
    let mut h = open_ledger(&desk, 120, 36, false).await;
    open_reference(&mut h, &r).await;
    h.keys("i L y").await; // link the candidate
    h.keys("v enter").await; // BankID
    h.type_text("bankid-tx-7").await;
    h.keys("enter").await;
    h.type_text("19811218-9876").await;
    h.keys("enter").await;
    h.type_text("BankID signature in the portal").await;
    h.keys("enter y").await;
    assert!(desk.detail(&r, dsrdesk::testing::fixture_now()).await.unwrap().verification.is_some());
    h.keys("w").await;
    let offered: Vec<&str> = h.app.compose.as_ref().unwrap().purposes.iter().map(|p| p.name()).collect();
    assert!(offered.contains(&"erasure_partly_refused"), "{offered:?}");
}
