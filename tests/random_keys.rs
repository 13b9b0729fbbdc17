//! Random key sequences (and window sizes) against two desks working the same seeded queue and
//! ledger at once — the two desks' steps run concurrently, their service calls interleaving at the
//! database — through the real keymap, the real service calls and a real PostgreSQL (the headless
//! driver, src/tui/headless.rs). Besides single keys, a run has whole pieces of work (claim, link,
//! verify, erase, reply), and each desk starts with one. After each run: nothing panicked or hung,
//! the run did something (its history has at least the two claims), and every promise of the
//! state machine holds in the database; after all runs, they reached linking, verification,
//! erasure and a queued reply. The promises:
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
    /// A whole piece of work at one desk, from wherever it is: claim the next request, then on the
    /// request `skip` rows down the queue link the subject, verify by BankID, carry out the
    /// erasure plan and send the first reply the composer offers. Any part may be refused (the
    /// other desk got there first, the kind does not allow it); what is done is counted.
    Work { desk: usize, skip: u8 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        20 => (0..2usize, prop::sample::select(PRESSES)).prop_map(|(desk, keys)| Step::Keys { desk, keys }),
        3 => (0..2usize, "[a-pr-zåäö ]{1,12}").prop_map(|(desk, text)| Step::Text { desk, text }),
        1 => (0..2usize, 1..200u16, 1..60u16).prop_map(|(desk, width, height)| Step::Resize { desk, width, height }),
        1 => (0..2usize, 0..40u8).prop_map(|(desk, skip)| Step::Work { desk, skip }),
    ]
}

/// A run: each desk begins with a piece of work (so every run does something), then the random
/// steps. The two desks' steps run at the same time, not in turns.
fn steps() -> impl Strategy<Value = Vec<Step>> {
    (0..40u8, 0..40u8, prop::collection::vec(step(), 1..400)).prop_map(|(a, b, rest)| {
        let mut all = vec![Step::Work { desk: 0, skip: a }, Step::Work { desk: 1, skip: b }];
        all.extend(rest);
        all
    })
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
    // The requesters' ledger too, so that linking, verification and erasure have data to act on.
    let seed =
        dsrdesk::service::seed::SeedOptions { requests: 300, persons: 300, seed: 3, ..Default::default() };
    desk.seed_ledger(&seed, fixed_now(), |_| {}).await.unwrap();
    desk.seed(&seed, fixed_now(), |_| {}).await.unwrap();
    let before = rows(&db.pool).await;
    let first_new_event = max_event_id(&db.pool).await + 1;

    let operators = [Operator::new("anna.dpo"), Operator::new("mikko.dpo")];
    let mut desks = Vec::new();
    for op in &operators {
        desks.push(Headless::start(desk.clone(), op.clone(), settings(op, false), fixed_now(), 80, 24).await);
    }
    // Each desk's own steps, in order; the two desks at once (their service calls interleave at
    // the database), not one after the other.
    let mut mine: [Vec<Step>; 2] = [vec![], vec![]];
    for step in steps {
        let d = match &step {
            Step::Keys { desk, .. }
            | Step::Text { desk, .. }
            | Step::Resize { desk, .. }
            | Step::Work { desk, .. } => *desk,
        };
        mine[d].push(step);
    }
    let [first, second] = mine;
    let (a, b) = desks.split_at_mut(1);
    tokio::join!(
        drive(&mut a[0], first, &db.pool, "anna.dpo"),
        drive(&mut b[0], second, &db.pool, "mikko.dpo")
    );
    // Whatever state the desks are in, they still draw at the usual size.
    for h in &mut desks {
        h.resize(80, 24).await;
    }
    let problems = broken_promises(&db, &before, first_new_event).await;
    prop_assert!(problems.is_empty(), "after the run:\n  {}", problems.join("\n  "));
    // What the run actually did: every change is an event in the history.
    let done: Vec<(String, i64)> = sqlx::query_as(
        "SELECT action, count(*) FROM request_events WHERE id >= $1 AND actor IN ('anna.dpo', 'mikko.dpo') GROUP BY action",
    )
    .bind(first_new_event)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let total: i64 = done.iter().map(|(_, n)| n).sum();
    // Each desk's first piece of work claims the next request at least.
    prop_assert!(total >= 2, "a run that did (almost) nothing: {done:?}");
    let mut tally = TALLY.lock().unwrap();
    tally.runs += 1;
    tally.actions += total;
    for (action, n) in done {
        *tally.by_action.entry(action).or_default() += n;
    }
    Ok(())
}

/// What all runs did, together.
#[derive(Default)]
struct Tally {
    runs: u32,
    actions: i64,
    by_action: BTreeMap<String, i64>,
}

static TALLY: std::sync::Mutex<Tally> =
    std::sync::Mutex::new(Tally { runs: 0, actions: 0, by_action: BTreeMap::new() });

async fn drive(h: &mut Headless, steps: Vec<Step>, pool: &PgPool, operator: &str) {
    for step in steps {
        match step {
            Step::Keys { keys, .. } => press(h, keys).await,
            Step::Text { text, .. } => typed(h, &text).await,
            Step::Resize { width, height, .. } => h.resize(width, height).await,
            Step::Work { skip, .. } => {
                // At the usual size, back to the overview from any screen, prompt or menu; claim
                // the next request.
                h.resize(80, 24).await;
                press(h, "esc esc esc esc esc 1 n").await;
                // Another request down the queue: claim it (taking it over if someone has it),
                // link the subject, verify by BankID, plan and erase, and send a reply.
                press(h, "esc esc esc 2 x").await;
                for _ in 0..skip {
                    press(h, "j").await;
                }
                press(h, "enter c y i L y v enter").await;
                typed(h, "bankid-tx").await;
                press(h, "enter").await;
                // BankID returns the person's own number (Art. 12(6), issue 13 §0): the number of
                // the person this desk has just linked, as the portal would show it.
                typed(h, &just_linked_number(pool, operator).await).await;
                press(h, "enter").await;
                typed(h, "BankID in the portal").await;
                press(h, "enter y E x y esc esc w enter esc s y").await;
            }
        }
    }
}

/// The personal number of the person this operator linked last (the newest transaction's link).
async fn just_linked_number(pool: &PgPool, operator: &str) -> String {
    sqlx::query_scalar::<_, Option<String>>(
        "SELECT personal_number FROM request_subjects WHERE linked_by = $1
         ORDER BY xmin::text::bigint DESC LIMIT 1",
    )
    .bind(operator)
    .fetch_optional(pool)
    .await
    .unwrap()
    .flatten()
    .unwrap_or_default()
}

async fn typed(h: &mut Headless, text: &str) {
    let keys: Vec<String> =
        text.chars().map(|c| if c == ' ' { "space".to_string() } else { c.to_string() }).collect();
    press(h, &keys.join(" ")).await;
}

/// Random runs at two desks keep every promise; every run does something, and together the runs
/// reach the verification, the erasure and the sending of a reply.
#[test]
fn random_keys_at_two_desks_keep_every_promise() {
    // Export (X) writes into the directory typed at its prompt, relative to here: a scratch one.
    let scratch = tempfile::tempdir().unwrap();
    std::env::set_current_dir(scratch.path()).unwrap();
    let config = ProptestConfig {
        cases: cases(),
        max_shrink_iters: 200,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(proptest::test_runner::FileFailurePersistence::SourceParallel(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    };
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let result = runner.run(&steps(), |steps| runtime().block_on(run(steps)));
    if let Err(e) = result {
        panic!("{e}");
    }
    let tally = TALLY.lock().unwrap();
    eprintln!("{} runs, {} actions: {:?}", tally.runs, tally.actions, tally.by_action);
    for needed in ["assigned", "subject_linked", "identity_verified", "erasure_executed", "outbox_queued"] {
        assert!(
            tally.by_action.get(needed).is_some_and(|n| *n > 0),
            "no run reached {needed}: {:?}",
            tally.by_action
        );
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
