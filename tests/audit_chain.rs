//! The event history's hash chain (issue 17 §2, migration 0026): computed by the database at
//! insert, unbroken under concurrent writers, and broken — at the right event — by an edit or a
//! removal made by the schema's owner with the append-only trigger switched off.

use dsrdesk::config::Config;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{TestDatabase, fixture_now, fresh_database};
use std::process::Command;

fn line(id: &str) -> String {
    format!(
        r#"{{"external_id":"{id}","kind":"restriction","jurisdiction":"SE","received_at":"2026-11-02T10:00:00Z","channel":"email","requester":{{"name":"Åsa Öberg","email":"asa@example.se"}},"text":"Hej"}}"#
    )
}

async fn world() -> (TestDatabase, Desk, Vec<String>) {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let input: Vec<String> = (0..5).map(|i| line(&format!("r{i}"))).collect();
    let refs = desk.intake(&Operator::new("dpo"), &input.join("\n"), fixture_now()).await.unwrap().created;
    for r in &refs[..3] {
        desk.assign(&Operator::new("alice"), r, None, None, fixture_now()).await.unwrap();
    }
    (db, desk, refs)
}

async fn scalar_i64(desk: &Desk, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(desk.pool()).await.unwrap()
}

/// As the owner (the test connects as the cluster's owner role): switch the append-only trigger
/// off, run `sql`, switch it on again.
async fn as_owner_bypassing_append_only(desk: &Desk, sql: &str) {
    let script = format!(
        "ALTER TABLE request_events DISABLE TRIGGER request_events_append_only;
         {sql};
         ALTER TABLE request_events ENABLE TRIGGER request_events_append_only;"
    );
    sqlx::raw_sql(sqlx::AssertSqlSafe(script)).execute(desk.pool()).await.unwrap();
}

fn audit_verify(db: &TestDatabase) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
        .args(["audit", "verify"])
        .env("DATABASE_URL", db.url())
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[tokio::test]
async fn an_unbroken_history_verifies_and_the_head_is_the_fold_of_all_events() {
    let (db, desk, _) = world().await;
    let report = desk.verify_chain().await.unwrap();
    assert_eq!(report.first_break, None);
    // 5 received + 3 assigned.
    assert_eq!(report.events, 8);
    let head = report.head.unwrap();
    assert_eq!(head.chain_seq, 8);
    // The aggregate the migration hashes old histories with agrees with the trigger.
    let folded: String = sqlx::query_scalar(
        "SELECT encode(dsrdesk_chain(content_sha256 ORDER BY chain_seq), 'hex') FROM request_events",
    )
    .fetch_one(desk.pool())
    .await
    .unwrap();
    assert_eq!(folded, head.sha256);
    let (code, out) = audit_verify(&db);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("the chain holds: 8 events"), "{out}");
    assert!(out.contains(&head.sha256), "{out}");
}

#[tokio::test]
async fn an_event_edited_by_the_owner_is_found() {
    let (db, desk, refs) = world().await;
    let edited = scalar_i64(
        &desk,
        "SELECT id FROM request_events WHERE action = 'assigned' ORDER BY id LIMIT 1 OFFSET 1",
    )
    .await;
    as_owner_bypassing_append_only(
        &desk,
        &format!("UPDATE request_events SET actor = 'mallory' WHERE id = {edited}"),
    )
    .await;
    let broken = desk.verify_chain().await.unwrap().first_break.expect("the edit is found");
    assert_eq!(broken.event_id, edited);
    assert_eq!(broken.reference.as_deref(), Some(refs[1].as_str()));
    assert!(!broken.content_ok);
    assert!(broken.link_ok && broken.place_ok && broken.hash_ok);
    let (code, out) = audit_verify(&db);
    assert_eq!(code, 6, "{out}");
    assert!(out.contains(&format!("BROKEN at event {edited}")), "{out}");
    assert!(out.contains("changed after it was written"), "{out}");
}

#[tokio::test]
async fn an_event_removed_by_the_owner_is_found_at_the_next_one() {
    let (_db, desk, _) = world().await;
    let removed = scalar_i64(&desk, "SELECT id FROM request_events WHERE chain_seq = 4").await;
    let next = scalar_i64(&desk, "SELECT id FROM request_events WHERE chain_seq = 5").await;
    as_owner_bypassing_append_only(&desk, &format!("DELETE FROM request_events WHERE id = {removed}")).await;
    let broken = desk.verify_chain().await.unwrap().first_break.expect("the removal is found");
    assert_eq!(broken.event_id, next);
    assert!(!broken.place_ok && !broken.link_ok);
    assert!(broken.content_ok);
}

#[tokio::test]
async fn concurrent_writers_never_fork_the_chain() {
    let (_db, desk, _) = world().await;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let desk = desk.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let input = (0..3).map(|k| line(&format!("w{w}-{i}-{k}"))).collect::<Vec<_>>().join("\n");
                desk.intake(&Operator::new(format!("op{w}")), &input, fixture_now()).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = desk.verify_chain().await.unwrap();
    assert_eq!(report.first_break, None);
    assert_eq!(report.events, 8 + 8 * 10 * 3);
    assert_eq!(report.head.unwrap().chain_seq, report.events);
}

#[tokio::test]
async fn the_migration_hashes_a_history_written_before_it() {
    let (_db, desk, _) = world().await;
    let before = desk.verify_chain().await.unwrap().head.unwrap();
    // Undo migration 0026 and forget it ran: the history is as an older desk left it.
    sqlx::raw_sql(
        "DROP TRIGGER zz_request_events_chain ON request_events;
         DROP FUNCTION request_events_chain(), dsrdesk_chain_breaks();
         DROP AGGREGATE dsrdesk_chain(bytea);
         DROP FUNCTION dsrdesk_chain_step(bytea, bytea), dsrdesk_chain_genesis(),
                       dsrdesk_event_content(request_events);
         ALTER TABLE request_events DROP COLUMN chain_seq, DROP COLUMN content_sha256,
                                    DROP COLUMN prev_sha256, DROP COLUMN sha256;
         DELETE FROM _sqlx_migrations WHERE version = 26;",
    )
    .execute(desk.pool())
    .await
    .unwrap();
    dsrdesk::store::MIGRATOR.run(desk.pool()).await.unwrap();
    let after = desk.verify_chain().await.unwrap();
    assert_eq!(after.first_break, None);
    assert_eq!(after.events, 8);
    // The same events in the same order give the same chain as the trigger built.
    assert_eq!(after.head.unwrap(), before);
    // And appending goes on from there.
    desk.intake(&Operator::new("dpo"), &line("later"), fixture_now()).await.unwrap();
    let later = desk.verify_chain().await.unwrap();
    assert_eq!((later.first_break, later.events), (None, 9));
}
