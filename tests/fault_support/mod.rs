//! Shared by the fault tests: what must hold in the database after anything at all happened to a
//! process working on it (killed, cut off, driven by random keys), and how to run the real binary.
#![allow(dead_code)]

use sqlx::PgPool;
use std::time::{Duration, Instant};

/// Every broken promise the database holds, in words; empty when it is consistent.
///
/// * every request has exactly one `received` event, and it is the request's first;
/// * every change of a request came with an event: a request at version N has at least N events;
/// * a request that must be verified before it is answered (Art. 12(6)) is not answered without
///   (a request stored already answered and never changed since, as the demo seed stores its
///   history, is left out: dsrdesk never answered it, and the database's guard acts on updates);
/// * nothing was done to a subject's data for an unverified request;
/// * an erasure is whole: each transaction that recorded an `erasure` subject action also wrote
///   exactly one `erasure_executed` event for that request, and each `erasure_executed` event has
///   its subject action(s) from the same transaction; a pending follow-up belongs to an erasure;
/// * every reply in the outbox has its `outbox_queued` event.
pub async fn consistency_problems(pool: &PgPool) -> Vec<String> {
    let checks: &[(&str, &str)] = &[
        (
            "a request without exactly one `received` event, or whose first event is not `received`",
            "SELECT r.reference FROM requests r
             WHERE (SELECT count(*) FROM request_events e WHERE e.request_id = r.id AND e.action = 'received') <> 1
                OR (SELECT e.action FROM request_events e WHERE e.request_id = r.id ORDER BY e.id LIMIT 1)
                   IS DISTINCT FROM 'received'",
        ),
        (
            "a request changed more often than its history says (version above its event count)",
            "SELECT r.reference FROM requests r
             WHERE r.version > (SELECT count(*) FROM request_events e WHERE e.request_id = r.id)",
        ),
        (
            "a request answered before its requester's identity was verified",
            "SELECT r.reference FROM requests r
             WHERE r.status = 'answered' AND r.kind IN ('access', 'portability', 'erasure', 'rectification')
               AND (r.identity_verified_at IS NULL
                    OR NOT EXISTS (SELECT 1 FROM request_verifications v WHERE v.request_id = r.id))
               AND r.xmin::text::bigint <> (SELECT f.txid % 4294967296 FROM request_events f
                                            WHERE f.request_id = r.id AND f.action = 'received' LIMIT 1)",
        ),
        (
            "a subject's data acted on for an unverified request",
            "SELECT r.reference FROM subject_actions a JOIN requests r ON r.id = a.request_id
             WHERE a.action IN ('erasure', 'rectification', 'restriction', 'restriction_lifted')
               AND r.identity_verified_at IS NULL",
        ),
        (
            "an erasure recorded on the subject without its `erasure_executed` event in the same transaction",
            "SELECT r.reference FROM subject_actions a JOIN requests r ON r.id = a.request_id
             WHERE a.action = 'erasure'
               AND (SELECT count(*) FROM request_events e
                    WHERE e.request_id = a.request_id AND e.action = 'erasure_executed'
                      AND e.txid % 4294967296 = a.xmin::text::bigint) <> 1",
        ),
        (
            "an `erasure_executed` event without the erasure recorded on the subject in the same transaction",
            "SELECT r.reference FROM request_events e JOIN requests r ON r.id = e.request_id
             WHERE e.action = 'erasure_executed'
               AND NOT EXISTS (SELECT 1 FROM subject_actions a
                    WHERE a.request_id = e.request_id AND a.action = 'erasure'
                      AND a.xmin::text::bigint = e.txid % 4294967296)",
        ),
        (
            "a follow-up erasure scheduled without an erasure",
            "SELECT r.reference FROM scheduled_erasures s JOIN requests r ON r.id = s.request_id
             WHERE NOT EXISTS (SELECT 1 FROM request_events e
                    WHERE e.request_id = s.request_id AND e.action = 'erasure_executed')",
        ),
        (
            "a reply in the outbox without its `outbox_queued` event",
            "SELECT r.reference FROM outbox o JOIN requests r ON r.id = o.request_id
             WHERE NOT EXISTS (SELECT 1 FROM request_events e
                    WHERE e.request_id = o.request_id AND e.action = 'outbox_queued'
                      AND (e.details->>'outbox_id')::bigint = o.id)",
        ),
    ];
    let mut problems = Vec::new();
    for (what, sql) in checks {
        let refs: Vec<String> =
            sqlx::query_scalar(*sql).fetch_all(pool).await.unwrap_or_else(|e| panic!("{what}: {e}"));
        if !refs.is_empty() {
            let shown: Vec<&str> = refs.iter().take(5).map(String::as_str).collect();
            problems.push(format!("{what}: {} ({} in all)", shown.join(", "), refs.len()));
        }
    }
    problems
}

pub async fn assert_consistent(pool: &PgPool) {
    let problems = consistency_problems(pool).await;
    assert!(problems.is_empty(), "the database is inconsistent:\n  {}", problems.join("\n  "));
}

/// Wait until no session named `application_name` is connected to the test database any more: a
/// killed client's server process only notices at its next read and then rolls back.
pub async fn wait_until_disconnected(pool: &PgPool, application_name: &str) {
    let started = Instant::now();
    loop {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1",
        )
        .bind(application_name)
        .fetch_one(pool)
        .await
        .unwrap();
        if n == 0 {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the killed client's session is still there after 120 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Poll until a session named `application_name` is inside a transaction that has written
/// something (it has a transaction id), i.e. the work is half done and uncommitted. False when
/// `still_running` says the process ended first.
pub async fn wait_for_uncommitted_write(
    pool: &PgPool,
    application_name: &str,
    mut still_running: impl FnMut() -> bool,
) -> bool {
    let started = Instant::now();
    loop {
        let writing: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
                AND application_name = $1 AND backend_xid IS NOT NULL)",
        )
        .bind(application_name)
        .fetch_one(pool)
        .await
        .unwrap();
        if writing {
            return true;
        }
        if !still_running() {
            return false;
        }
        assert!(started.elapsed() < Duration::from_secs(300), "no uncommitted write seen in 300 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
