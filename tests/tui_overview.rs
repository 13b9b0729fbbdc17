//! Issue 15, the overview a shift starts from and handing a request over: what falls due this
//! week, what is past the agency's own target, who holds the most urgent, every assignee reachable
//! at 80 columns, and `a` choosing from the operators the database knows. Real key presses
//! against a real database; expected counts come from the deadline rules (DOMAIN.md), by hand.

mod tui_support;

use chrono::{TimeZone, Utc};
use dsrdesk::config::Config;
use dsrdesk::domain::RequestStatus;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{TestDatabase, fresh_database};
use dsrdesk::tui::headless::Headless;
use std::path::Path;
use tui_support::*;

fn line(id: &str, received: &str) -> String {
    format!(
        r#"{{"external_id":"{id}","kind":"access","jurisdiction":"SE","received_at":"{received}T10:00:00Z","channel":"email","requester":{{"name":"Person {id}","email":"{id}@example.se"}},"text":"Hej"}}"#
    )
}

fn config(text: &str) -> Config {
    Config::parse(text, Path::new("/nonexistent/config.toml")).expect("config")
}

/// Requests with known dates, at Tuesday 10 March 2026 (Stockholm). The week ends on Sunday the
/// 15th. The agency's internal target is 20 days (calendar days after receipt, capped at the legal
/// date); the legal date is one month (Art. 12(3)), moved past a weekend (Reg. 1182/71 art. 3(4)).
async fn week_world(extra_config: &str) -> (TestDatabase, Desk, Vec<String>) {
    let db = fresh_database().await;
    let desk = Desk::new(
        db.pool.clone(),
        config(&format!(
            "[controllers.SE]\nname = \"Inkasso AB\"\ninternal_target_days = 20\n{extra_config}"
        )),
    );
    let lines = [
        // id, received: legal due · internal target (received + 20 days)
        line("a", "2026-02-12"), // due Thu 03-12: this week · target 03-04: past
        line("b", "2026-02-16"), // due Mon 03-16: next week · target 03-08: past
        line("c", "2026-02-05"), // due 03-05: overdue, not "this week" · target 02-25: past
        line("e", "2026-02-15"), // due Sun 03-15 → Mon 03-16 (art. 3(4)): next week · 03-07: past
        line("f", "2026-02-10"), // due Tue 03-10, today: this week · target 03-02: past
        line("n", "2026-02-13"), // due Fri 03-13: this week · target 03-05: past
        line("i", "2026-03-02"), // due 04-02 · target 03-22: not past
        line("l", "2026-02-19"), // due 03-19 · target 03-11, tomorrow: not past
        line("m", "2026-02-18"), // due 03-18 · target 03-10, today: not past (past = before today)
        line("j", "2026-02-12"), // as "a", but paused: its clock stands still, counted in neither
        line("k", "2026-02-12"), // as "a", but withdrawn: closed, counted in neither
    ];
    let created_at = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
    let refs = desk.intake(&Operator::new("intake"), &lines.join("\n"), created_at).await.unwrap().created;
    let dpo = anna();
    desk.pause(&dpo, &refs[9], "the requester's address", None, created_at).await.unwrap();
    desk.set_status(&dpo, &refs[10], RequestStatus::Withdrawn, Some("by mail"), None, created_at)
        .await
        .unwrap();
    (db, desk, refs)
}

async fn desk_at(desk: &Desk, width: u16, height: u16) -> Headless {
    Headless::start(desk.clone(), anna(), settings(&anna(), false), fixed_now(), width, height).await
}

#[tokio::test]
async fn the_overview_says_what_falls_due_this_week_and_what_is_past_our_target() {
    let (_db, desk, _) = week_world("").await;
    let overview = desk.overview(fixed_now()).await.unwrap();
    assert_eq!(overview.due_this_week, 3, "a (Thu), f (today), n (Fri); e's Sunday moves to Monday");
    assert_eq!(overview.past_internal_target, 6, "a b c e f n; not i l m, nor the paused or the closed");
    for (w, h) in [(80, 24), (160, 48)] {
        let h = desk_at(&desk, w, h).await;
        let text = h.text();
        assert!(text.contains("due this week 3"), "{w}: {}", h.screen());
        assert!(text.contains("past our internal target 6"), "{w}: {}", h.screen());
    }
}

/// "Most urgent" says who holds each request: the triage question is "is anyone on it?".
#[tokio::test]
async fn most_urgent_names_who_holds_each() {
    let (_db, desk, refs) = week_world("").await;
    // c is the most overdue; hand it to mikko. f (due today) to anna herself.
    desk.assign(&Operator::new("mikko.dpo"), &refs[2], None, None, fixed_now()).await.unwrap();
    desk.assign(&anna(), &refs[4], None, None, fixed_now()).await.unwrap();
    for (w, h) in [(80, 24), (160, 48)] {
        let h = desk_at(&desk, w, h).await;
        let text = h.text();
        // The Most urgent list is the left-most column of the lists: its row starts with the reference.
        let row = |r: &str| {
            let starts = |l: &&str| l.chars().take(20).collect::<String>().contains(r);
            let l = text.lines().find(starts).unwrap_or_default();
            l.split("││").next().unwrap_or_default().to_string()
        };
        assert!(row(&refs[2]).contains("mikko"), "{w}: {}", h.screen());
        assert!(row(&refs[4]).contains(" you "), "{w}: {}", h.screen());
        assert!(row(&refs[0]).contains("unassign"), "{w}: {}", h.screen());
    }
}

/// The "Mine" pane is a third of the width: at 100 to 140 columns a row of it is narrower than
/// the kind column asks. The row is shortened, never wrapped, so the days left stay on the row of
/// their request (at 140 columns they once fell onto the next line, under the reference).
#[tokio::test]
async fn a_row_of_mine_keeps_its_days_left_on_its_own_line() {
    let (_db, desk, refs) = week_world("").await;
    // f falls due today (see week_world).
    desk.assign(&anna(), &refs[4], None, None, fixed_now()).await.unwrap();
    for w in [80, 100, 120, 140, 160] {
        let h = desk_at(&desk, w, 40).await;
        let text = h.text();
        let panes: Vec<String> = text
            .lines()
            .flat_map(|l| l.split("││").map(|p| p.trim_matches(['│', ' ']).to_string()).collect::<Vec<_>>())
            .collect();
        let rows: Vec<&String> = panes.iter().filter(|p| p.contains(&refs[4])).collect();
        // In the most urgent list, in Mine, and in the changes feed (which says no days).
        assert!(rows.len() >= 2, "{w}: {}", h.screen());
        assert!(
            rows.iter().filter(|p| p.ends_with("today")).count() >= 2,
            "{w}: both lists end the row with its days left\n{}",
            h.screen()
        );
        assert!(
            !panes.iter().any(|p| p == "today"),
            "{w}: nothing wraps onto a line of its own\n{}",
            h.screen()
        );
    }
}

/// At 80 columns `b` shows the table by assignee: oneself first, and pages through every
/// operator (none hidden behind a "… N more" row), then back to the table by kind.
#[tokio::test]
async fn every_assignee_is_reachable_at_80_columns_and_oneself_comes_first() {
    let (_db, desk, refs) = week_world("").await;
    let names = ["bo.dpo", "cia.dpo", "dan.dpo", "eva.dpo", "finn.dpo", "gun.dpo", "zed.dpo"];
    for (r, who) in refs.iter().zip(names) {
        desk.assign(&Operator::new(who), r, None, None, fixed_now()).await.unwrap();
    }
    desk.assign(&anna(), &refs[8], None, None, fixed_now()).await.unwrap();
    let mut h = desk_at(&desk, 80, 24).await;
    h.keys("b").await;
    let first = h.text();
    assert!(first.contains("anna.dpo (you)"), "{}", h.screen());
    assert!(!first.contains("more\n") && !first.contains("… "), "{}", h.screen());
    let mut seen = first.clone();
    for _ in 0..3 {
        h.keys("b").await;
        if h.text().contains("by kind") && !h.text().contains("by assignee") {
            break;
        }
        seen.push_str(&h.text());
    }
    for who in names.iter().chain(["unassigned"].iter()) {
        assert!(seen.contains(who), "{who} never shown:\n{seen}");
    }
    // And `b` comes back round to the kinds.
    let mut back = false;
    for _ in 0..4 {
        if h.text().contains("access (Art. 15)") {
            back = true;
            break;
        }
        h.keys("b").await;
    }
    assert!(back, "{}", h.screen());
}

/// `a` offers the operators the database knows (and those configured), the holder marked; the
/// choice is confirmed and stored with its event. Typing a name is the explicit `t`.
#[tokio::test]
async fn assign_chooses_from_known_operators_and_types_only_on_t() {
    let (_db, desk, refs) = week_world("[desk]\noperators = [\"nina.new\"]\n").await;
    desk.assign(&Operator::new("mikko.dpo"), &refs[0], None, None, fixed_now()).await.unwrap();
    desk.mark_seen(&Operator::new("sofia.dpo"), fixed_now()).await.unwrap();
    let mut h = desk_at(&desk, 120, 36).await;
    open_reference(&mut h, &refs[1]).await;
    h.keys("a").await;
    let menu = h.text();
    for who in ["mikko.dpo", "sofia.dpo", "nina.new", "anna.dpo"] {
        assert!(menu.contains(who), "{who} is offered: {}", h.screen());
    }
    assert!(menu.contains("type"), "the explicit way to type a name is shown: {}", h.screen());
    // A typo cannot happen by choosing: go to sofia and choose her.
    for _ in 0..8 {
        if h.text().lines().any(|l| l.contains("› sofia.dpo")) {
            break;
        }
        h.keys("j").await;
    }
    h.keys("enter").await;
    assert!(h.text().contains("Assign") && h.text().contains("sofia.dpo"), "{}", h.screen());
    h.keys("y").await;
    let holder: Option<String> = sqlx::query_scalar("SELECT assignee FROM requests WHERE reference = $1")
        .bind(&refs[1])
        .fetch_one(desk.pool())
        .await
        .unwrap();
    assert_eq!(holder.as_deref(), Some("sofia.dpo"));
    let events: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM request_events e JOIN requests r ON r.id = e.request_id \
         WHERE r.reference = $1 AND e.action = 'assigned'",
    )
    .bind(&refs[1])
    .fetch_one(desk.pool())
    .await
    .unwrap();
    assert_eq!(events, 1, "one assignment, one event");

    // Someone not listed: `t`, then the name.
    h.keys("a").await;
    h.keys("t").await;
    h.type_text("new.colleague").await;
    h.keys("enter").await;
    h.keys("y").await;
    let holder: Option<String> = sqlx::query_scalar("SELECT assignee FROM requests WHERE reference = $1")
        .bind(&refs[1])
        .fetch_one(desk.pool())
        .await
        .unwrap();
    assert_eq!(holder.as_deref(), Some("new.colleague"));
}
