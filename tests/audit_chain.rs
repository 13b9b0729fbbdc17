//! The event history's hash chains (issue 17 §2, migrations 0026 and 0031: one chain per request):
//! computed by the database at insert, unbroken under concurrent writers (to different requests and
//! to the same one), and broken — at the right event of the right request — by an edit or a removal
//! made by the schema's owner with the append-only trigger switched off.

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
async fn an_unbroken_history_verifies_and_each_head_is_the_fold_of_its_requests_events() {
    let (db, desk, refs) = world().await;
    let report = desk.verify_chain().await.unwrap();
    assert_eq!(report.first_break, None);
    // 5 received + 3 assigned, in 5 requests' chains.
    assert_eq!((report.events, report.chains), (8, 5));
    // Per request: the places run 1, 2 (received, assigned) and the head on record is the fold
    // of that request's contents, which the aggregate the migrations hash old histories with agrees on.
    let rows: Vec<(String, i64, String, String)> = sqlx::query_as(
        "SELECT r.reference, h.chain_seq, encode(h.sha256, 'hex'),
                (SELECT encode(dsrdesk_chain(e.content_sha256 ORDER BY e.chain_seq), 'hex')
                 FROM request_events e WHERE e.request_id = r.id)
         FROM requests r JOIN request_chain_heads h ON h.request_id = r.id ORDER BY r.id",
    )
    .fetch_all(desk.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 5);
    for (i, (reference, seq, head, folded)) in rows.iter().enumerate() {
        assert_eq!(reference, &refs[i]);
        assert_eq!(*seq, if i < 3 { 2 } else { 1 });
        assert_eq!(head, folded);
    }
    let (code, out) = audit_verify(&db);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("the chain holds: 8 events in 5 requests' chains"), "{out}");
    assert!(out.contains(report.heads_digest.as_deref().unwrap()), "{out}");
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
    assert_eq!(broken.event_id, Some(edited));
    assert_eq!(broken.chain_seq, Some(2));
    assert_eq!(broken.reference.as_deref(), Some(refs[1].as_str()));
    assert!(!broken.content_ok);
    assert!(broken.link_ok && broken.place_ok && broken.hash_ok && broken.details_ok && broken.tail_ok);
    let (code, out) = audit_verify(&db);
    assert_eq!(code, 6, "{out}");
    assert!(out.contains(&format!("BROKEN at event {edited}")), "{out}");
    assert!(out.contains("changed after it was written"), "{out}");
}

#[tokio::test]
async fn details_edited_by_the_owner_are_found_though_the_content_hash_covers_only_their_hash() {
    let (_db, desk, refs) = world().await;
    let edited =
        scalar_i64(&desk, "SELECT id FROM request_events WHERE action = 'received' ORDER BY id LIMIT 1")
            .await;
    as_owner_bypassing_append_only(
        &desk,
        &format!(r#"UPDATE request_events SET details = '{{"forged": true}}' WHERE id = {edited}"#),
    )
    .await;
    let broken = desk.verify_chain().await.unwrap().first_break.expect("the edit is found");
    assert_eq!(broken.event_id, Some(edited));
    assert_eq!(broken.reference.as_deref(), Some(refs[0].as_str()));
    assert!(!broken.details_ok);
    assert!(broken.content_ok && broken.link_ok && broken.place_ok && broken.hash_ok);
}

#[tokio::test]
async fn an_event_removed_by_the_owner_is_found_at_the_next_one_of_its_request() {
    let (_db, desk, refs) = world().await;
    let request = scalar_i64(&desk, "SELECT min(id) FROM requests").await;
    let removed =
        scalar_i64(&desk, "SELECT id FROM request_events WHERE chain_seq = 1 ORDER BY request_id LIMIT 1")
            .await;
    let next =
        scalar_i64(&desk, "SELECT id FROM request_events WHERE chain_seq = 2 ORDER BY request_id LIMIT 1")
            .await;
    as_owner_bypassing_append_only(&desk, &format!("DELETE FROM request_events WHERE id = {removed}")).await;
    let broken = desk.verify_chain().await.unwrap().first_break.expect("the removal is found");
    assert_eq!((broken.request_id, broken.event_id), (request, Some(next)));
    assert_eq!(broken.reference.as_deref(), Some(refs[0].as_str()));
    assert!(!broken.place_ok && !broken.link_ok);
    assert!(broken.content_ok && broken.tail_ok);
}

#[tokio::test]
async fn a_history_cut_short_at_its_end_or_removed_whole_is_found_by_the_head_on_record() {
    let (db, desk, refs) = world().await;
    // The last event of refs[1] (its assignment): what is left verifies link by link, but its
    // end is no longer the head on record.
    let (request, last, before): (i64, i64, i64) = sqlx::query_as(
        "SELECT r.id, h.event_id, (SELECT id FROM request_events WHERE request_id = r.id AND chain_seq = 1)
         FROM requests r JOIN request_chain_heads h ON h.request_id = r.id WHERE r.reference = $1",
    )
    .bind(&refs[1])
    .fetch_one(desk.pool())
    .await
    .unwrap();
    as_owner_bypassing_append_only(&desk, &format!("DELETE FROM request_events WHERE id = {last}")).await;
    let broken = desk.verify_chain().await.unwrap().first_break.expect("the cut is found");
    assert_eq!((broken.request_id, broken.event_id), (request, Some(before)));
    assert!(!broken.tail_ok);
    assert!(broken.content_ok && broken.link_ok && broken.place_ok && broken.hash_ok);
    // And refs[0]'s history removed whole (it comes first in request order).
    as_owner_bypassing_append_only(
        &desk,
        &format!(
            "DELETE FROM request_events WHERE request_id = (SELECT id FROM requests WHERE reference = '{}')",
            refs[0]
        ),
    )
    .await;
    let broken = desk.verify_chain().await.unwrap().first_break.expect("the removal is found");
    assert_eq!(broken.reference.as_deref(), Some(refs[0].as_str()));
    assert_eq!((broken.event_id, broken.tail_ok), (None, false));
    let (code, out) = audit_verify(&db);
    assert_eq!(code, 6, "{out}");
    assert!(out.contains("its whole history removed"), "{out}");
}

#[tokio::test]
async fn concurrent_writers_never_fork_a_chain() {
    let (_db, desk, refs) = world().await;
    let mut tasks = Vec::new();
    for w in 0..8 {
        let desk = desk.clone();
        let same = refs[4].clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                let input = (0..3).map(|k| line(&format!("w{w}-{i}-{k}"))).collect::<Vec<_>>().join("\n");
                desk.intake(&Operator::new(format!("op{w}")), &input, fixture_now()).await.unwrap();
                // Eight writers to one request at once: each takes it over (an event each time).
                desk.assign(
                    &Operator::new(format!("op{w}")),
                    &same,
                    Some(&format!("op{w}")),
                    None,
                    fixture_now(),
                )
                .await
                .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let report = desk.verify_chain().await.unwrap();
    assert_eq!(report.first_break, None);
    assert_eq!(report.chains, 5 + 8 * 10 * 3);
    // refs[4]'s chain: every event it has, at places 1..=n without a gap (an assignment to whoever
    // holds it already writes no event, so n is counted, not assumed).
    let (head, events, distinct): (i64, i64, i64) = sqlx::query_as(
        "SELECT h.chain_seq, count(e.id), count(DISTINCT e.chain_seq)
         FROM request_chain_heads h JOIN requests r ON r.id = h.request_id
         JOIN request_events e ON e.request_id = r.id WHERE r.reference = $1 GROUP BY h.chain_seq",
    )
    .bind(&refs[4])
    .fetch_one(desk.pool())
    .await
    .unwrap();
    assert!(events > 40, "the writers met on one request: {events} events");
    assert_eq!((head, distinct), (events, events));
}

#[tokio::test]
async fn the_migrations_hash_a_history_written_before_them() {
    let (_db, desk, _) = world().await;
    let before: Vec<(i64, i64, Vec<u8>)> =
        sqlx::query_as("SELECT request_id, chain_seq, sha256 FROM request_chain_heads ORDER BY request_id")
            .fetch_all(desk.pool())
            .await
            .unwrap();
    // Undo migrations 0026 and 0031 and forget they ran: the history is as an older desk left it.
    sqlx::raw_sql(UNDO_CHAIN).execute(desk.pool()).await.unwrap();
    dsrdesk::store::MIGRATOR.run(desk.pool()).await.unwrap();
    let after = desk.verify_chain().await.unwrap();
    assert_eq!(after.first_break, None);
    assert_eq!(after.events, 8);
    let heads: Vec<(i64, i64, Vec<u8>)> =
        sqlx::query_as("SELECT request_id, chain_seq, sha256 FROM request_chain_heads ORDER BY request_id")
            .fetch_all(desk.pool())
            .await
            .unwrap();
    // The same events in the same order give the same chains as the trigger built.
    assert_eq!(heads, before);
    // And appending goes on from there.
    desk.intake(&Operator::new("dpo"), &line("later"), fixture_now()).await.unwrap();
    let later = desk.verify_chain().await.unwrap();
    assert_eq!((later.first_break, later.events), (None, 9));
}

/// Everything migrations 0026 and 0031 made, removed, and their rows in _sqlx_migrations forgotten.
const UNDO_CHAIN: &str = "
    DROP TRIGGER zz_request_events_chain ON request_events;
    DROP FUNCTION request_events_chain(), dsrdesk_chain_breaks();
    DROP AGGREGATE dsrdesk_chain(bytea);
    DROP FUNCTION dsrdesk_chain_step(bytea, bytea), dsrdesk_chain_genesis(),
                  dsrdesk_event_content(request_events), dsrdesk_details_sha256(jsonb);
    DROP TABLE request_chain_heads;
    ALTER TABLE request_events DROP COLUMN chain_seq, DROP COLUMN content_sha256,
                               DROP COLUMN prev_sha256, DROP COLUMN sha256,
                               DROP COLUMN details_sha256, DROP COLUMN anonymised_at;
    DELETE FROM _sqlx_migrations WHERE version IN (26, 31);";

/// The walk runs in id ranges on several connections (migration 0043), all in one snapshot: a
/// break in the last request and one in the first are both found, and the first named is the
/// first request's (the walk's order is by request, then place), whatever the number of slices.
#[tokio::test]
async fn the_first_break_by_request_is_named_whichever_slice_finds_it() {
    let (_db, desk, refs) = world().await;
    as_owner_bypassing_append_only(
        &desk,
        "UPDATE request_events SET actor = 'mallory'
         WHERE id = (SELECT max(id) FROM request_events WHERE request_id = (SELECT max(id) FROM requests))",
    )
    .await;
    let report = desk.verify_chain().await.unwrap();
    let last = report.first_break.expect("the edit in the last request is found");
    assert_eq!(last.reference.as_deref(), Some(refs[4].as_str()));
    assert!(!last.content_ok);
    as_owner_bypassing_append_only(
        &desk,
        "UPDATE request_events SET action = 'released'
         WHERE id = (SELECT max(id) FROM request_events WHERE request_id = (SELECT min(id) FROM requests))",
    )
    .await;
    let first = desk.verify_chain().await.unwrap().first_break.expect("both edits are breaks");
    assert_eq!(first.reference.as_deref(), Some(refs[0].as_str()));
    assert_eq!(first.chain_seq, Some(2), "the assignment, the first request's second event");
    // One connection in all: the walk is done in the snapshot's own transaction.
    let single = Desk::new(
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_with(desk.pool().connect_options().as_ref().clone())
            .await
            .unwrap(),
        Config::default(),
    );
    let alone = single.verify_chain().await.unwrap().first_break.expect("found on one connection too");
    assert_eq!(alone, first);
}

/// The sliced walk and the year's report read on several connections in one snapshot: the server
/// must export it (a savepoint made it refuse, and every read fell back to one connection), and a
/// connection that joins it sees what the first saw, not what was committed since.
#[tokio::test]
async fn a_shared_snapshot_is_exported_and_joined_as_it_was() {
    let (_db, desk, _) = world().await;
    let (mut first, exported) = dsrdesk::store::snapshot::begin_shared(desk.pool(), true).await.unwrap();
    let exported = exported.expect("the server exports the snapshot");
    let before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM requests").fetch_one(&mut *first).await.unwrap();
    assert_eq!(before, 5);
    desk.intake(&Operator::new("dpo"), &line("later"), fixture_now()).await.unwrap();
    let mut joined = desk.pool().begin().await.unwrap();
    dsrdesk::store::snapshot::read_exported_snapshot(&mut joined, &exported).await.unwrap();
    let seen: i64 =
        sqlx::query_scalar("SELECT count(*) FROM requests").fetch_one(&mut *joined).await.unwrap();
    assert_eq!(seen, 5, "the joined connection reads the exported snapshot");
    assert_eq!(scalar_i64(&desk, "SELECT count(*) FROM requests").await, 6);
    // Without sharing, no name.
    let (_alone, none) = dsrdesk::store::snapshot::begin_shared(desk.pool(), false).await.unwrap();
    assert_eq!(none, None);
}
