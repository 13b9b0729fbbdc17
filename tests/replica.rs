//! Issue 18 §2: reads past one machine, on a real streaming replica (a hot standby made with
//! `pg_basebackup -R` on loopback by `dsrdesk::testing::replica`). Read-only desks, `list`,
//! `show` and `report` read from the replica; every change goes to the primary; a write through
//! the replica is refused in words; a desk on a replica hears of changes by polling and says how
//! far behind it is.

use chrono::Utc;
use dsrdesk::config::Config;
use dsrdesk::error::Error;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::replica::{ReplicaLag, replica_state};
use dsrdesk::testing::replica::{REPLAY_DEADLINE, ReplicatedDatabase, fresh_replicated_database};
use dsrdesk::tui::headless::Headless;
use dsrdesk::tui::{Action, Keymap, Settings, Theme, listen};
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Pausing replay stops it for every database on the replica: the tests here take turns.
static TURNS: Mutex<()> = Mutex::const_new(());

fn line(external_id: &str, name: &str) -> String {
    format!(
        r#"{{"external_id":"{external_id}","kind":"access","jurisdiction":"SE","received_at":"2026-11-02T10:00:00+01:00","requester":{{"name":"{name}","email":"{external_id}@example.se"}}}}"#
    ) + "\n"
}

/// The real binary with `DATABASE_URL` (the primary, or whatever a test points it at) and,
/// when given, the replica in `DSRDESK_REPLICA_URL`.
fn dsrdesk(database_url: &str, replica_url: Option<&str>, args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dsrdesk"));
    cmd.args(args)
        .env("DATABASE_URL", database_url)
        .env_remove("DSRDESK_CONFIG")
        .env_remove("DSRDESK_REPLICA_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(url) = replica_url {
        cmd.env("DSRDESK_REPLICA_URL", url);
    }
    let mut child = cmd.spawn().expect("run dsrdesk");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn listed(o: &Output) -> Vec<String> {
    assert!(o.status.success(), "{}", err(o));
    let rows: serde_json::Value = serde_json::from_slice(&o.stdout).expect("list --json");
    rows.as_array().unwrap().iter().map(|r| r["reference"].as_str().unwrap().to_string()).collect()
}

fn received_in_2026(o: &Output) -> u64 {
    assert!(o.status.success(), "{}", err(o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).expect("report --json");
    report["total"]["received"].as_u64().expect("total.received")
}

#[tokio::test]
async fn list_show_and_report_read_from_the_replica_and_changes_go_to_the_primary() {
    let _turn = TURNS.lock().await;
    let db = fresh_replicated_database().await;
    let (primary, replica) = (db.primary.url(), db.replica.url());
    let first = dsrdesk(&primary, Some(&replica), &["intake"], Some(&line("r-1", "Åsa Öberg")));
    assert!(first.status.success(), "{}", err(&first));
    db.wait_for_replay().await;

    // The replica stops applying what it receives: from now on it shows the past, which proves
    // where each command read.
    db.pause_replay().await;
    let second = dsrdesk(&primary, Some(&replica), &["intake"], Some(&line("r-2", "Matti Meikäläinen")));
    assert!(second.status.success(), "a change goes to the primary: {}", err(&second));
    assert_eq!(String::from_utf8_lossy(&second.stdout).trim(), "DSR-2026-000002");

    let on_replica = listed(&dsrdesk(&primary, Some(&replica), &["list", "--json"], None));
    assert_eq!(on_replica, ["DSR-2026-000001"], "list reads the replica, which has not replayed the second");
    let on_primary = listed(&dsrdesk(&primary, None, &["list", "--json"], None));
    assert_eq!(on_primary.len(), 2, "without a replica, list reads the primary: {on_primary:?}");

    let show = dsrdesk(&primary, Some(&replica), &["show", "DSR-2026-000002"], None);
    assert_eq!(show.status.code(), Some(2), "show reads the replica: {}", err(&show));
    assert!(err(&show).contains("no request DSR-2026-000002"), "{}", err(&show));
    let show = dsrdesk(&primary, Some(&replica), &["show", "DSR-2026-000001"], None);
    assert!(show.status.success(), "{}", err(&show));
    assert!(String::from_utf8_lossy(&show.stdout).contains("Åsa Öberg"));

    let report = |replica_url: Option<&str>| {
        received_in_2026(&dsrdesk(&primary, replica_url, &["report", "--year", "2026", "--json"], None))
    };
    assert_eq!(report(Some(&replica)), 1, "report reads the replica");
    assert_eq!(report(None), 2);

    // The auditor's desk (`--read-only`; its overview as text, the output being a pipe) reads the
    // replica and never connects to the primary: here no primary answers at all.
    let no_primary = "postgres://dsrdesk@127.0.0.1:1/none";
    let auditor = dsrdesk(no_primary, Some(&replica), &["--read-only"], None);
    assert!(auditor.status.success(), "{}", err(&auditor));
    let overview = String::from_utf8_lossy(&auditor.stdout).into_owned();
    assert!(overview.starts_with("Open requests: 1 "), "{overview}");
    let overview = dsrdesk(&primary, Some(&replica), &["overview", "--json"], None);
    let overview: serde_json::Value = serde_json::from_slice(&overview.stdout).expect("overview --json");
    assert_eq!(overview["counts"]["total"], 1, "overview reads the replica");

    // Replay resumes: the replica catches up and the reads see the second request.
    db.resume_replay().await;
    db.wait_for_replay().await;
    let caught_up = listed(&dsrdesk(no_primary, Some(&replica), &["list", "--json"], None));
    assert_eq!(caught_up.len(), 2, "{caught_up:?}");
    assert_eq!(report(Some(&replica)), 2);
    // A change still needs the primary: with none reachable it fails as infrastructure (exit 4).
    let refused = dsrdesk(no_primary, Some(&replica), &["assign", "--next"], None);
    assert_eq!(refused.status.code(), Some(4), "{}", err(&refused));
}

#[tokio::test]
async fn a_write_through_the_replica_is_refused_in_words() {
    let _turn = TURNS.lock().await;
    let db = fresh_replicated_database().await;
    let seeded = dsrdesk(&db.primary.url(), None, &["intake"], Some(&line("w-1", "Åsa Öberg")));
    assert!(seeded.status.success(), "{}", err(&seeded));
    db.wait_for_replay().await;

    // DATABASE_URL pointed at the replica by mistake: every change is refused, in words, with
    // what to do, and exit 1 (the settings are wrong), not PostgreSQL's raw error.
    let replica = db.replica.url();
    for args in [
        vec!["intake"],
        vec!["assign", "--next"],
        vec!["status", "DSR-2026-000001", "in_progress"],
        vec!["extend", "DSR-2026-000001", "--reason", "many sources"],
    ] {
        let out = dsrdesk(&replica, None, &args, Some(&line("w-2", "Matti Meikäläinen")));
        let text = err(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {text}");
        assert!(
            text.contains("this database is a read-only replica (hot standby)")
                && text.contains("point DATABASE_URL at the primary"),
            "{args:?}: {text}"
        );
        assert!(!text.contains("cannot execute"), "{args:?}: the raw server error: {text}");
    }
    // Reads through it work.
    let shown = dsrdesk(&replica, None, &["show", "DSR-2026-000001"], None);
    assert!(shown.status.success(), "{}", err(&shown));

    // The service says the same to any front end.
    let desk = Desk::new(db.replica.pool.clone(), Config::default());
    let refused = desk.intake(&Operator::new("anna.dpo"), &line("w-3", "Eva Ek"), Utc::now()).await;
    assert!(matches!(refused, Err(Error::ReadOnlyReplica)), "{refused:?}");
    // A desk that writes is not opened on a replica at all (before the terminal is touched).
    let opened = dsrdesk::tui::run(desk, Operator::new("anna.dpo"), dsrdesk::tui::Options::default()).await;
    let text = opened.expect_err("a writing desk on a replica").to_string();
    assert!(text.contains("--read-only") && text.contains("primary"), "{text}");
}

fn settings(read_only: bool) -> Settings {
    Settings {
        operator: Operator::new("auditor"),
        config: Config::default(),
        read_only,
        keymap: Keymap::default(),
        theme: Theme::mono(),
    }
}

/// Feed the watcher's actions to the headless desk until `done` holds for its screen.
async fn until(
    desk: &mut Headless,
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<Action>,
    what: &str,
    done: impl Fn(&str) -> bool,
) {
    let deadline = Instant::now() + REPLAY_DEADLINE;
    while !done(&desk.text()) {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, rx.recv()).await {
            Ok(Some(action)) => desk.dispatch(action).await,
            _ => panic!("{what}: not within {REPLAY_DEADLINE:?}; the screen:\n{}", desk.text()),
        }
    }
}

#[tokio::test]
async fn the_read_only_desk_on_the_replica_sees_the_primarys_change_and_says_how_far_behind() {
    let _turn = TURNS.lock().await;
    let db = fresh_replicated_database().await;
    let primary = Desk::new(db.primary.pool.clone(), Config::default());
    let on_replica = Desk::new(db.replica.pool.clone(), Config::default());
    let now = Utc::now();
    let mut desk = Headless::start(on_replica, Operator::new("auditor"), settings(true), now, 120, 30).await;
    desk.dispatch(Action::GoQueue).await;
    assert!(!desk.text().contains("DSR-2026-000001"));

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let watch = listen::spawn_replica_watch(db.replica.pool.clone(), tx, Duration::from_millis(100));
    until(&mut desk, &mut rx, "the replica line in the title bar", |s| {
        s.lines().next().unwrap_or("").contains("replica · up to date")
    })
    .await;

    let made = primary.intake(&Operator::new("anna.dpo"), &line("d-1", "Åsa Öberg"), now).await.unwrap();
    assert_eq!(made.created, ["DSR-2026-000001"]);
    until(&mut desk, &mut rx, "the primary's new request on the replica's desk", |s| {
        s.contains("DSR-2026-000001")
    })
    .await;
    let title = desk.text().lines().next().unwrap().to_string();
    assert!(title.contains("READ-ONLY") && title.contains("replica · "), "{title}");
    assert!(!title.contains("● live"), "a standby hears no NOTIFY: {title}");
    // The request's own screen reads on the standby too (nothing on the way writes).
    desk.dispatch(Action::Open).await;
    let screen = desk.text();
    assert!(screen.contains("Åsa Öberg") && screen.contains("DSR-2026-000001"), "{screen}");
    assert!(!screen.contains("database") && !screen.contains("replica (hot standby)"), "{screen}");
    // So does the identity screen (the data map checked against the replica's tables, the ledger).
    desk.keys("i").await;
    let screen = desk.text();
    assert!(!screen.contains("database") && !screen.contains("replica (hot standby)"), "{screen}");
    desk.dispatch(Action::GoQueue).await;

    // Replay paused while the primary writes: the replica has received what it has not applied,
    // and says it is behind (by at most the age of the last change it applied).
    db.pause_replay().await;
    primary.intake(&Operator::new("anna.dpo"), &line("d-2", "Eva Ek"), now).await.unwrap();
    let deadline = Instant::now() + REPLAY_DEADLINE;
    loop {
        let lag = replica_state(&db.replica.pool).await.unwrap().lag();
        if matches!(lag, ReplicaLag::Behind { .. }) {
            break;
        }
        assert!(Instant::now() < deadline, "still {lag:?} with replay paused");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    until(&mut desk, &mut rx, "the lag in the title bar", |s| {
        let title = s.lines().next().unwrap_or("");
        title.contains("replica · ≤") && title.contains(" s behind")
    })
    .await;
    db.resume_replay().await;
    until(&mut desk, &mut rx, "the second request after replay resumed", |s| s.contains("DSR-2026-000002"))
        .await;
    watch.abort();
}

/// Keep a pool-independent check that the pair really is primary + hot standby.
#[tokio::test]
async fn the_harness_pair_is_a_primary_and_a_streaming_hot_standby() {
    let _turn = TURNS.lock().await;
    let db: ReplicatedDatabase = fresh_replicated_database().await;
    let in_recovery = |pool| async move {
        sqlx::query_scalar::<_, bool>("SELECT pg_is_in_recovery()").fetch_one(pool).await.unwrap()
    };
    assert!(!in_recovery(&db.primary.pool).await);
    assert!(in_recovery(&db.replica.pool).await);
    let senders: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'")
            .fetch_one(&db.primary.pool)
            .await
            .unwrap();
    assert!(senders >= 1, "the primary streams to the replica");
    let state = replica_state(&db.replica.pool).await.unwrap();
    assert_eq!(state.streaming, Some(true));

    // `dsrdesk db status` names both, never a URL.
    let status = dsrdesk(&db.primary.url(), Some(&db.replica.url()), &["db", "status"], None);
    assert!(status.status.success(), "{}", err(&status));
    let text = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(text.starts_with("using DATABASE_URL (PostgreSQL "), "{text}");
    assert!(text.contains("reads go to the replica (") && text.contains("; replica · "), "{text}");
    assert!(!text.contains("postgres://"), "{text}");
}

/// The title bar of a read-only desk on a replica at 80x24, in each state the watcher reports.
#[tokio::test]
async fn the_title_bar_says_replica_and_how_far_behind_80x24() {
    let _turn = TURNS.lock().await;
    let db = fresh_replicated_database().await;
    let on_replica = Desk::new(db.replica.pool.clone(), Config::default());
    let now = dsrdesk::testing::fixture_now();
    let mut desk = Headless::start(on_replica, Operator::new("auditor"), settings(true), now, 80, 24).await;
    desk.dispatch(Action::Live(true)).await;
    desk.dispatch(Action::Replica(ReplicaLag::UpToDate)).await;
    insta::assert_snapshot!("replica_overview_up_to_date_80x24", desk.text());
    let mut titles = Vec::new();
    for lag in [
        ReplicaLag::Behind { at_most_secs: 12 },
        ReplicaLag::Behind { at_most_secs: 750 },
        ReplicaLag::NoStream { last_change_secs: Some(30) },
        ReplicaLag::NoStream { last_change_secs: None },
    ] {
        desk.dispatch(Action::Replica(lag)).await;
        titles.push(desk.text().lines().next().unwrap().to_string());
    }
    // Cut off from the server itself: offline wins over the last lag heard.
    desk.dispatch(Action::Live(false)).await;
    titles.push(desk.text().lines().next().unwrap().to_string());
    insta::assert_snapshot!("replica_title_bar_states_80x24", titles.join("\n"));
}

/// A replica is read, never migrated: one without this program's schema is refused in words.
#[tokio::test]
async fn a_replica_without_the_schema_is_refused_not_migrated() {
    let _turn = TURNS.lock().await;
    let db = fresh_replicated_database().await;
    let empty = format!("{}_empty", db.primary.name);
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{empty}\"")))
        .execute(&db.primary.pool)
        .await
        .unwrap();
    db.wait_for_replay().await;
    let replica = db.replica.url();
    let replica = format!("{}/{empty}", replica.rsplit_once('/').unwrap().0);
    let out = dsrdesk(&db.primary.url(), Some(&replica), &["list"], None);
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
    assert!(err(&out).contains("lacks migration(s) 1, 2, "), "{}", err(&out));
    assert!(err(&out).contains("against the primary"), "{}", err(&out));
}
