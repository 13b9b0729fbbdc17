//! Shared by the TUI tests: a seeded database, a fixed clock, a headless desk.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use dsrdesk::config::Config;
use dsrdesk::service::seed::SeedOptions;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{TestDatabase, fixture_now, fresh_database, load_ledger_fixture};
use dsrdesk::tui::headless::Headless;
use dsrdesk::tui::{Keymap, Settings, Theme};
use std::collections::BTreeMap;

/// The instant every TUI test lives at: a Tuesday morning in Stockholm.
pub fn fixed_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 8, 30, 0).unwrap()
}

/// The operator at the keyboard: one of the seeded colleagues, so "mine" shows something.
pub fn anna() -> Operator {
    Operator::new("anna.dpo")
}

pub async fn seeded() -> (TestDatabase, Desk) {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    desk.seed(&SeedOptions { requests: 300, seed: 7, ..SeedOptions::default() }, fixed_now(), |_| {})
        .await
        .expect("seed");
    (db, desk)
}

pub fn settings(operator: &Operator, read_only: bool) -> Settings {
    Settings {
        operator: operator.clone(),
        config: Config::default(),
        read_only,
        keymap: Keymap::default(),
        theme: Theme::mono(),
    }
}

pub async fn open(desk: &Desk, width: u16, height: u16) -> Headless {
    Headless::start(desk.clone(), anna(), settings(&anna(), false), fixed_now(), width, height).await
}

/// The first reference the query finds (the query selects one `reference` column).
pub async fn pick(desk: &Desk, sql: &'static str) -> String {
    sqlx::query_scalar::<_, String>(sql)
        .fetch_optional(desk.pool())
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("no request for: {sql}"))
}

/// Open requests whose first month has not ended (so they can still be extended), oldest first.
pub const EXTENDABLE_MINE: &str = "SELECT reference FROM requests WHERE assignee = 'anna.dpo' \
    AND status = 'in_progress' AND extended_on IS NULL AND due_on >= DATE '2026-03-10' ORDER BY id LIMIT 1";
pub const EXTENDED: &str = "SELECT reference FROM requests WHERE extended_on IS NOT NULL \
    AND status IN ('new', 'in_progress') ORDER BY id LIMIT 1";
pub const UNCLAIMED: &str = "SELECT reference FROM requests WHERE assignee IS NULL \
    AND status = 'new' AND due_on >= DATE '2026-03-10' ORDER BY id LIMIT 1";

/// Open a request through the command line, as the operator would.
pub async fn open_reference(h: &mut Headless, reference: &str) {
    h.keys(":").await;
    h.type_text(&format!("ref {reference}")).await;
    h.keys("enter").await;
}

/// The hand-made ledger (tests/fixtures/ledger.sql) and its requests, keyed by external id
/// (`fx-erasure-anna` ...). Desks on it live at the fixture's "now", 2026-11-21 10:00 UTC.
pub async fn ledger() -> (TestDatabase, Desk, BTreeMap<String, String>) {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let refs = load_ledger_fixture(&desk).await.expect("ledger fixture");
    (db, desk, refs)
}

/// A desk on the ledger fixture, at its "now".
pub async fn open_ledger(desk: &Desk, width: u16, height: u16, read_only: bool) -> Headless {
    Headless::start(desk.clone(), anna(), settings(&anna(), read_only), fixture_now(), width, height).await
}

/// No control character, C1 code or bidi override in what the screen shows.
pub fn assert_terminal_safe(screen: &str) {
    for c in screen.chars() {
        let bad = (c < ' ' && c != '\n')
            || ('\u{7f}'..='\u{9f}').contains(&c)
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c);
        assert!(!bad, "control character {:?} reached the screen:\n{screen}", c);
    }
}
