//! Random key sequences (and window sizes) against two desks working the same seeded queue at
//! once, through the real keymap, the real service calls and a real PostgreSQL (the headless
//! driver, src/tui/headless.rs). After each run: nothing panicked or hung, and every promise of
//! the state machine holds in the database:
//!
//! * each request's status moved only along the allowed transitions (`status_transitions`,
//!   followed transitively: several changes may happen in one run); a closed request stayed closed;
//! * each request's row agrees with its history: the last assignment event names the assignee
//!   (so a request has at most one owner, and the history says who), and a request whose last
//!   event is a status change has that status;
//! * the general consistency of tests/fault_support (every request's `received` event, every change
//!   with its event, no answer or erasure without verification, erasures whole).
//!
//! A modest number of cases by default, so it runs in CI in a minute or two; `PROPTEST_CASES=200`
//! runs more. A failing case is shrunk and saved in tests/random_keys.proptest-regressions.

mod fault_support;
mod tui_support;

use crossterm::event::KeyEvent;
use dsrdesk::service::Operator;
use dsrdesk::testing::TestDatabase;
use dsrdesk::tui::headless::Headless;
use dsrdesk::tui::keymap::Key;
use proptest::prelude::*;
use sqlx::PgPool;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;
use std::time::Duration;
use tui_support::{fixed_now, settings};

/// What an operator might press next: single keys of every binding and prompt, and the short
/// runs that finish an action (`u y` releases after the confirmation). Text for the prompts
/// (reasons, names, search words) comes as its own step.
const PRESSES: &[&str] = &[
    "1",
    "2",
    "3",
    "j",
    "k",
    "j j",
    "j j j",
    "g",
    "G",
    "pagedown",
    "pageup",
    "enter",
    "enter",
    "esc",
    "esc",
    "tab",
    "backtab",
    "up",
    "down",
    "left",
    "right",
    "home",
    "end",
    "space",
    "backspace",
    "ctrl-u",
    "alt-right",
    "c",
    "n",
    "u",
    "u y",
    "a",
    "e",
    "p",
    "r",
    "s",
    "y",
    "y",
    "enter y",
    "b",
    "B",
    "o",
    "O",
    "i",
    "E",
    "R",
    "T",
    "w",
    "x",
    "f",
    "L",
    "U",
    "v",
    "d",
    "D",
    "X",
    "m",
    "t",
    "S",
    "h",
    "l",
    "A",
    "?",
    "/",
    ":",
];

#[derive(Debug, Clone)]
enum Step {
    /// Keys pressed at one of the two desks.
    Keys { desk: usize, keys: &'static str },
    /// Text typed at one desk, a key per character.
    Text { desk: usize, text: String },
    /// One desk's window resized (anything from 1×1 up, including too small for the desk).
    Resize { desk: usize, width: u16, height: u16 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        20 => (0..2usize, prop::sample::select(PRESSES)).prop_map(|(desk, keys)| Step::Keys { desk, keys }),
        3 => (0..2usize, "[a-pr-zåäö ]{1,12}").prop_map(|(desk, text)| Step::Text { desk, text }),
        1 => (0..2usize, 1..200u16, 1..60u16).prop_map(|(desk, width, height)| Step::Resize { desk, width, height }),
    ]
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap())
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(32)
}

/// What a request looked like before the run.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    reference: String,
    status: String,
    assignee: Option<String>,
}

async fn rows(pool: &PgPool) -> BTreeMap<i64, Row> {
    let rows: Vec<(i64, String, String, Option<String>)> =
        sqlx::query_as("SELECT id, reference, status::text, assignee FROM requests")
            .fetch_all(pool)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(id, reference, status, assignee)| (id, Row { reference, status, assignee }))
        .collect()
}

/// The pairs (from, to) of `status_transitions`, closed transitively.
async fn reachable(pool: &PgPool) -> BTreeSet<(String, String)> {
    let mut pairs: BTreeSet<(String, String)> =
        sqlx::query_as("SELECT from_status::text, to_status::text FROM status_transitions")
            .fetch_all(pool)
            .await
            .unwrap()
            .into_iter()
            .collect();
    loop {
        let more: Vec<(String, String)> = pairs
            .iter()
            .flat_map(|(a, b)| {
                pairs.iter().filter(move |(c, _)| c == b).map(move |(_, d)| (a.clone(), d.clone()))
            })
            .filter(|p| !pairs.contains(p))
            .collect();
        if more.is_empty() {
            return pairs;
        }
        pairs.extend(more);
    }
}

async fn max_event_id(pool: &PgPool) -> i64 {
    sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM request_events").fetch_one(pool).await.unwrap()
}

/// Everything that must hold after the run, in words; empty when all holds.
async fn broken_promises(
    db: &TestDatabase,
    before: &BTreeMap<i64, Row>,
    first_new_event: i64,
) -> Vec<String> {
    let pool = &db.pool;
    let mut problems = fault_support::consistency_problems(pool).await;
    let allowed = reachable(pool).await;
    let after = rows(pool).await;
    for (id, old) in before {
        let new = &after[id];
        if old.status != new.status && !allowed.contains(&(old.status.clone(), new.status.clone())) {
            problems.push(format!(
                "{}: status {} became {}: not an allowed path",
                new.reference, old.status, new.status
            ));
        }
    }
    // The run's events, in order, per request.
    let events: Vec<(i64, String, serde_json::Value)> =
        sqlx::query_as("SELECT request_id, action, details FROM request_events WHERE id >= $1 ORDER BY id")
            .bind(first_new_event)
            .fetch_all(pool)
            .await
            .unwrap();
    let mut last_assignment: BTreeMap<i64, Option<String>> = BTreeMap::new();
    let mut last_event: BTreeMap<i64, (String, serde_json::Value)> = BTreeMap::new();
    for (id, action, details) in events {
        match action.as_str() {
            "assigned" => {
                last_assignment.insert(id, details["to"].as_str().map(str::to_string));
            }
            "released" => {
                last_assignment.insert(id, None);
            }
            _ => {}
        }
        last_event.insert(id, (action, details));
    }
    for (id, owner) in &last_assignment {
        let row = &after[id];
        if &row.assignee != owner {
            problems.push(format!(
                "{}: assignee is {:?}, the history's last assignment says {:?}",
                row.reference, row.assignee, owner
            ));
        }
    }
    for (id, (action, details)) in &last_event {
        let row = &after[id];
        if action == "status_changed" && details["to"].as_str() != Some(row.status.as_str()) {
            problems.push(format!(
                "{}: status {} but the last event says {}",
                row.reference, row.status, details["to"]
            ));
        }
    }
    problems
}

async fn press(h: &mut Headless, keys: &str) {
    for key in keys.split_whitespace() {
        if h.app.quit {
            return;
        }
        let key = Key::parse(key).unwrap();
        let pressed =
            tokio::time::timeout(Duration::from_secs(60), h.press(KeyEvent::new(key.code, key.modifiers)))
                .await;
        assert!(pressed.is_ok(), "a key press did not finish within 60 s; the screen:\n{}", h.screen());
    }
}

async fn run(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let db = dsrdesk::testing::fresh_database().await;
    let desk = dsrdesk::service::Desk::new(db.pool.clone(), dsrdesk::config::Config::default());
    let seed = dsrdesk::service::seed::SeedOptions { requests: 300, seed: 3, ..Default::default() };
    desk.seed(&seed, fixed_now(), |_| {}).await.unwrap();
    let before = rows(&db.pool).await;
    let first_new_event = max_event_id(&db.pool).await + 1;

    let operators = [Operator::new("anna.dpo"), Operator::new("mikko.dpo")];
    let mut desks = Vec::new();
    for op in &operators {
        desks.push(Headless::start(desk.clone(), op.clone(), settings(op, false), fixed_now(), 80, 24).await);
    }
    for step in steps {
        match step {
            Step::Keys { desk, keys } => press(&mut desks[desk], keys).await,
            Step::Text { desk, text } => {
                let keys: Vec<String> = text
                    .chars()
                    .map(|c| if c == ' ' { "space".to_string() } else { c.to_string() })
                    .collect();
                press(&mut desks[desk], &keys.join(" ")).await;
            }
            Step::Resize { desk, width, height } => desks[desk].resize(width, height).await,
        }
    }
    // Whatever state the desks are in, they still draw at the usual size.
    for h in &mut desks {
        h.resize(80, 24).await;
    }
    let problems = broken_promises(&db, &before, first_new_event).await;
    prop_assert!(problems.is_empty(), "after the run:\n  {}", problems.join("\n  "));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), max_shrink_iters: 200, ..ProptestConfig::default() })]

    #[test]
    fn random_keys_at_two_desks_keep_every_promise(steps in prop::collection::vec(step(), 1..400)) {
        // Export (X) writes into the directory typed at its prompt, relative to here: a scratch one.
        static SCRATCH: OnceLock<tempfile::TempDir> = OnceLock::new();
        let scratch = SCRATCH.get_or_init(|| tempfile::tempdir().unwrap());
        std::env::set_current_dir(scratch.path()).unwrap();
        runtime().block_on(run(steps))?;
    }
}

/// The checks themselves can fail: a history that contradicts its row is seen.
#[tokio::test]
async fn the_checks_see_a_history_that_contradicts_its_row() {
    let db = dsrdesk::testing::fresh_database().await;
    let desk = dsrdesk::service::Desk::new(db.pool.clone(), dsrdesk::config::Config::default());
    let seed = dsrdesk::service::seed::SeedOptions { requests: 50, seed: 3, ..Default::default() };
    desk.seed(&seed, fixed_now(), |_| {}).await.unwrap();
    let before = rows(&db.pool).await;
    let first_new_event = max_event_id(&db.pool).await + 1;
    assert_eq!(broken_promises(&db, &before, first_new_event).await, Vec::<String>::new());
    // Events written past the service: an assignment and a status change the row never saw.
    sqlx::raw_sql(
        "INSERT INTO request_events (request_id, actor, action, details)
         SELECT id, 'intruder', 'assigned', '{\"from\": null, \"to\": \"ghost\"}' FROM requests
         ORDER BY id LIMIT 1;
         INSERT INTO request_events (request_id, actor, action, details)
         SELECT id, 'intruder', 'status_changed', '{\"from\": \"in_progress\", \"to\": \"refused\"}'
         FROM requests WHERE status = 'in_progress' ORDER BY id LIMIT 1;",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    let problems = broken_promises(&db, &before, first_new_event).await;
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].contains("\"ghost\""), "{problems:?}");
    assert!(problems[1].contains("the last event says \"refused\""), "{problems:?}");
}
