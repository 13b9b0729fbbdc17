//! The inbox under scripts/roles.sql's roles: the worker takes mail in and threads it onto its
//! request, and makes no request and sets nothing aside; the operator handles messages; the auditor
//! only reads; nobody rewrites what arrived or its history.

use chrono::{TimeZone, Utc};
use dsrdesk::config::Config;
use dsrdesk::domain::{Jurisdiction, RequestKind};
use dsrdesk::mail::inbox::{Arrival, Origin};
use dsrdesk::service::inbox::TakenIn;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::quote_ident;
use dsrdesk::testing::{TestDatabase, fixture_now, fresh_database};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

const ROLES_SQL: &str = include_str!("../scripts/roles.sql");

async fn login(db: &TestDatabase, group: &str) -> PgPool {
    let name = format!("{}_{group}", db.name);
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE ROLE {} LOGIN IN ROLE {group}", quote_ident(&name))))
        .execute(&db.pool)
        .await
        .expect("create the test's login");
    PgPoolOptions::new().max_connections(2).connect_with(db.options.clone().username(&name)).await.unwrap()
}

fn arrival(uid: u32, subject: &str) -> Arrival {
    let raw = format!(
        "From: Åsa <asa@example.se>\r\nSubject: {subject}\r\nMessage-ID: <m{uid}@example.se>\r\n\r\nHej\r\n"
    );
    Arrival {
        mailbox: "se".into(),
        jurisdiction: Jurisdiction::Sweden,
        origin: Origin::Imap { uid_validity: 9, uid },
        size: raw.len() as u64,
        raw: raw.into_bytes(),
        too_large: false,
        received_at: Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0).unwrap(),
    }
}

fn denied<T: std::fmt::Debug>(result: dsrdesk::Result<T>, what: &str) {
    let e = result.expect_err(what).to_string();
    assert!(e.contains("permission denied"), "{what}: {e}");
}

#[tokio::test]
async fn each_role_does_its_part_of_the_inbox_and_nothing_else() {
    let db = fresh_database().await;
    sqlx::raw_sql(ROLES_SQL).execute(&db.pool).await.expect("scripts/roles.sql runs as the owner");
    let owner = Desk::new(db.pool.clone(), Config::default());
    let line = r#"{"kind":"access","jurisdiction":"SE","received_at":"2026-11-16T09:00:00+01:00","requester":{"name":"Åsa","email":"asa@example.se"},"text":"x"}"#;
    let reference =
        owner.intake(&Operator::new("alice"), line, fixture_now()).await.unwrap().created[0].clone();

    let worker = Desk::new(login(&db, "dsrdesk_worker").await, Config::default());
    let op = Operator::new("mailer");
    let TakenIn::Stored { id: plain, threaded_to: None } =
        worker.take_in(&op, &arrival(1, "Hej")).await.unwrap()
    else {
        panic!("stored")
    };
    let threaded = worker.take_in(&op, &arrival(2, &format!("Re: {reference}"))).await.unwrap();
    assert!(
        matches!(&threaded, TakenIn::Stored { threaded_to: Some(r), .. } if *r == reference),
        "{threaded:?}"
    );
    assert_eq!(worker.take_in(&op, &arrival(1, "Hej")).await.unwrap(), TakenIn::AlreadyTaken);
    assert_eq!(owner.inbox_summary().await.unwrap().waiting, 1, "one waits; the reply was threaded");
    denied(
        worker.make_requests(&op, plain, &[RequestKind::Access], None, fixture_now()).await,
        "worker makes a request",
    );
    denied(worker.set_aside(&op, plain, "spam").await, "worker sets aside");

    let auditor = Desk::new(login(&db, "dsrdesk_auditor").await, Config::default());
    assert_eq!(auditor.inbox(10, 0, fixture_now()).await.unwrap().len(), 1, "the auditor reads");
    denied(auditor.take_in(&op, &arrival(3, "x")).await, "auditor takes in");
    denied(auditor.set_aside(&op, plain, "spam").await, "auditor sets aside");

    let operator = Desk::new(login(&db, "dsrdesk_operator").await, Config::default());
    let made = operator
        .make_requests(&Operator::new("alice"), plain, &[RequestKind::Erasure], None, fixture_now())
        .await;
    assert_eq!(made.unwrap().len(), 1);

    // The waiting count the database keeps (migration 0050) follows each role's work: two arrived
    // (one threaded onto its request), one made a request; the worker folds it under its own role.
    let mut conn = db.pool.acquire().await.unwrap();
    let by_scan = dsrdesk::store::inbox::waiting_count_by_scan(&mut conn).await.unwrap();
    assert_eq!(by_scan, 0, "the one waiting made a request");
    for desk in [&operator, &auditor] {
        assert_eq!(desk.inbox_summary().await.unwrap().waiting, by_scan, "kept count = the scan");
    }
    sqlx::query("INSERT INTO inbox_waiting_counts (n) SELECT 1 FROM generate_series(1, 1500)")
        .execute(&db.pool)
        .await
        .unwrap();
    worker.fold_overview_counts().await.expect("the worker folds the counts");
    let rows: i64 =
        sqlx::query_scalar("SELECT count(*) FROM inbox_waiting_counts").fetch_one(&db.pool).await.unwrap();
    assert_eq!(rows, 1, "folded into one row");
    assert_eq!(operator.inbox_summary().await.unwrap().waiting, by_scan + 1500, "nothing lost in the fold");

    for pool in [worker.pool(), operator.pool()] {
        for sql in [
            "DELETE FROM inbox_messages",
            "DELETE FROM inbox_events",
            "UPDATE inbox_events SET action = 'x'",
            "UPDATE inbox_attachments SET file_name = 'x'",
            "DELETE FROM inbox_message_requests",
            "INSERT INTO inbox_waiting_counts (n) VALUES (-1)",
            "DELETE FROM inbox_waiting_counts",
        ] {
            let e = sqlx::query(sql).execute(pool).await.unwrap_err().to_string();
            assert!(e.contains("permission denied") || e.contains("not allowed"), "{sql}: {e}");
        }
    }
    let e = sqlx::query("UPDATE inbox_messages SET body_text = 'forged'")
        .execute(operator.pool())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("never changes"), "{e}");
    let e = sqlx::query("UPDATE inbox_messages SET body_text = 'forged'")
        .execute(worker.pool())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("permission denied"), "{e}");
}
