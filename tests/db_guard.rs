//! The database as the last line of defence (issue 14 §1): an operator's or worker's login using
//! psql directly, against a real PostgreSQL with the roles of scripts/roles.sql. What the desk
//! computes (the due dates) the database checks; who wrote an event and when, it sets itself.

use chrono::{DateTime, NaiveDate, Utc};
use dsrdesk::config::Config;
use dsrdesk::domain::Jurisdiction;
use dsrdesk::domain::calendar::WorkingCalendar;
use dsrdesk::domain::deadline::{DeadlineFacts, legal_due_on};
use dsrdesk::service::Desk;
use dsrdesk::store::quote_ident;
use dsrdesk::testing::{TestDatabase, fresh_database, load_ledger_fixture};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;

const ROLES_SQL: &str = include_str!("../scripts/roles.sql");

/// An operator and a worker login for one test (roles are cluster-wide: named after the database).
async fn logins(db: &TestDatabase) -> (String, String) {
    sqlx::raw_sql(ROLES_SQL).execute(&db.pool).await.expect("scripts/roles.sql runs as the owner");
    let operator = format!("{}_operator", db.name);
    let worker = format!("{}_worker", db.name);
    for (login, group) in [(&operator, "dsrdesk_operator"), (&worker, "dsrdesk_worker")] {
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE ROLE {} LOGIN IN ROLE {group}", quote_ident(login))))
            .execute(&db.pool)
            .await
            .expect("create the test's login");
    }
    (operator, worker)
}

async fn drop_logins(db: &TestDatabase, logins: &[&str]) {
    for login in logins {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP ROLE IF EXISTS {}", quote_ident(login))))
            .execute(&db.pool)
            .await;
    }
}

async fn pool_as(db: &TestDatabase, role: &str) -> PgPool {
    PgPoolOptions::new().max_connections(2).connect_with(db.options.clone().username(role)).await.unwrap()
}

fn sqlstate(e: &sqlx::Error) -> Option<String> {
    e.as_database_error().and_then(|d| d.code()).map(|c| c.into_owned())
}

/// The fixture's requests, taken in by the owner; returns one reference.
async fn a_request(db: &TestDatabase) -> (i64, String) {
    let desk = Desk::new(db.pool.clone(), Config::default());
    let refs = load_ledger_fixture(&desk).await.expect("fixture loads");
    let reference = refs["fx-erasure-anna"].clone();
    let id: i64 = sqlx::query_scalar("SELECT id FROM requests WHERE reference = $1")
        .bind(&reference)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    (id, reference)
}

#[tokio::test]
async fn an_event_forged_by_an_operator_or_worker_login_is_stored_with_the_real_login_and_server_time() {
    let db = fresh_database().await;
    let (operator, worker) = logins(&db).await;
    let (id, _) = a_request(&db).await;
    for login in [&operator, &worker] {
        let pool = pool_as(&db, login).await;
        let mut tx = pool.begin().await.unwrap();
        let server_now: DateTime<Utc> = sqlx::query_scalar("SELECT now()").fetch_one(&mut *tx).await.unwrap();
        let (db_role, recorded_at, txid, current): (String, DateTime<Utc>, i64, i64) = sqlx::query_as(
            "INSERT INTO request_events (request_id, actor, action, db_role, recorded_at, txid)
             VALUES ($1, 'dpo', 'note', 'postgres', '2019-01-01T00:00:00Z', 1)
             RETURNING db_role, recorded_at, txid, txid_current()",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("{login}: an event is still allowed: {e}"));
        tx.commit().await.unwrap();
        assert_eq!(&db_role, login, "the made-up db_role is replaced by the real login");
        assert_eq!(recorded_at, server_now, "the past recorded_at is replaced by the server's time");
        assert_eq!(txid, current, "the event belongs to the transaction that wrote it");
        // SET ROLE to the group does not hide the login either.
        let mut conn = pool.acquire().await.unwrap();
        let group = if login == &operator { "dsrdesk_operator" } else { "dsrdesk_worker" };
        sqlx::query(sqlx::AssertSqlSafe(format!("SET ROLE {group}"))).execute(&mut *conn).await.unwrap();
        let db_role: String = sqlx::query_scalar(
            "INSERT INTO request_events (request_id, actor, action, db_role)
             VALUES ($1, 'dpo', 'note', 'someone_else') RETURNING db_role",
        )
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(&db_role, login, "after SET ROLE {group}");
        drop(conn);
        pool.close().await;
    }
    drop_logins(&db, &[&operator, &worker]).await;
}

#[tokio::test]
async fn an_operator_login_cannot_move_a_due_date_even_with_an_event_art_12_3() {
    let db = fresh_database().await;
    let (operator, worker) = logins(&db).await;
    let (id, reference) = a_request(&db).await;
    let pool = pool_as(&db, &operator).await;
    for sql in [
        "UPDATE requests SET due_on = due_on + 30 WHERE id = $1",
        "UPDATE requests SET due_on = due_on + 1 WHERE id = $1",
        "UPDATE requests SET internal_due_on = received_on + 91 + paused_days, due_on = due_on + 400 WHERE id = $1",
        // The facts without the date: more paused days, an extension, each leaving due_on behind.
        "UPDATE requests SET paused_days = paused_days + 10 WHERE id = $1",
        "UPDATE requests SET extended_on = received_on, extension_reason = 'many requests' WHERE id = $1",
    ] {
        let mut tx = pool.begin().await.unwrap();
        // A made-up event in the same transaction does not help.
        sqlx::query("INSERT INTO request_events (request_id, actor, action) VALUES ($1, 'dpo', 'extend')")
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
        let e = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).execute(&mut *tx).await.unwrap_err();
        assert_eq!(sqlstate(&e).as_deref(), Some("23514"), "{sql}: {e}");
        assert!(e.to_string().contains(&reference), "the refusal names the request: {e}");
        tx.rollback().await.unwrap();
    }
    // A request inserted directly with a due date of its own choosing.
    let e = sqlx::query(
        "INSERT INTO requests (reference, kind, jurisdiction, received_at, received_on, requester_name,
             due_on, internal_due_on)
         VALUES ('DSR-2026-900001', 'access', 'SE', '2026-03-05T09:00:00Z', '2026-03-05', 'X',
             '2026-05-05', '2026-04-01')",
    )
    .execute(&pool)
    .await
    .unwrap_err();
    assert_eq!(sqlstate(&e).as_deref(), Some("23514"), "{e}");
    assert!(e.to_string().contains("DSR-2026-900001"), "{e}");
    // The legal date (5 March -> 5 April 2026 is Easter Sunday, 6 April Easter Monday, so
    // Tuesday 7 April; Reg. 1182/71 art. 3(4)) but a receipt date that is not the local date.
    let e = sqlx::query(
        "INSERT INTO requests (reference, kind, jurisdiction, received_at, received_on, requester_name,
             due_on, internal_due_on)
         VALUES ('DSR-2026-900002', 'access', 'SE', '2026-03-07T09:00:00Z', '2026-03-05', 'X',
             '2026-04-07', '2026-04-04')",
    )
    .execute(&pool)
    .await
    .unwrap_err();
    assert_eq!(sqlstate(&e).as_deref(), Some("23514"), "{e}");
    assert!(e.to_string().contains("time zone"), "{e}");
    // The same with the true receipt date is accepted (with its event): the check is not a wall.
    let mut tx = pool.begin().await.unwrap();
    let new_id: i64 = sqlx::query_scalar(
        "INSERT INTO requests (reference, kind, jurisdiction, received_at, received_on, requester_name,
             due_on, internal_due_on)
         VALUES ('DSR-2026-900003', 'access', 'SE', '2026-03-05T09:00:00Z', '2026-03-05', 'X',
             '2026-04-07', '2026-04-04') RETURNING id",
    )
    .fetch_one(&mut *tx)
    .await
    .expect("the legal due date is accepted");
    sqlx::query("INSERT INTO request_events (request_id, actor, action) VALUES ($1, 'dpo', 'intake')")
        .bind(new_id)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    pool.close().await;
    // The worker may not even try: no UPDATE right on due_on.
    let wpool = pool_as(&db, &worker).await;
    let e = sqlx::query("UPDATE requests SET due_on = due_on + 30 WHERE id = $1")
        .bind(id)
        .execute(&wpool)
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&e).as_deref(), Some("42501"), "{e}");
    wpool.close().await;
    drop_logins(&db, &[&operator, &worker]).await;
}

#[tokio::test]
async fn an_operator_login_cannot_change_status_or_assignee_without_an_event() {
    let db = fresh_database().await;
    let (operator, worker) = logins(&db).await;
    let (id, _) = a_request(&db).await;
    let pool = pool_as(&db, &operator).await;
    for sql in [
        "UPDATE requests SET assignee = 'mallory' WHERE id = $1",
        "UPDATE requests SET status = 'in_progress' WHERE id = $1",
    ] {
        let e = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).execute(&pool).await.unwrap_err();
        assert_eq!(sqlstate(&e).as_deref(), Some("23000"), "{sql}: {e}");
        assert!(e.to_string().contains("without an event"), "{sql}: {e}");
    }
    pool.close().await;
    drop_logins(&db, &[&operator, &worker]).await;
}

/// Reg. 1182/71 art. 3(4) with lag 1989:253 and the Finnish holidays of DOMAIN.md: the SQL
/// calendar and the Rust calendar agree on every day of 2018-2035, both countries, eves counted
/// or not.
#[tokio::test]
async fn the_sql_working_day_calendar_is_the_rust_one_on_every_day_2018_to_2035() {
    let db = fresh_database().await;
    for j in Jurisdiction::ALL {
        for eves in [false, true] {
            let days: Vec<(NaiveDate, bool)> = sqlx::query_as(
                "SELECT d::date, dsrdesk_is_working_day($1::jurisdiction, d::date, $2)
                 FROM generate_series('2018-01-01'::date, '2035-12-31'::date, interval '1 day') AS d",
            )
            .bind(j.code())
            .bind(eves)
            .fetch_all(&db.pool)
            .await
            .unwrap();
            assert_eq!(days.len(), 6574);
            let calendar = WorkingCalendar { jurisdiction: j, eves_are_holidays: eves };
            for (day, working) in days {
                assert_eq!(working, calendar.is_working_day(day), "{} {day} (eves {eves})", j.code());
            }
        }
    }
    // DOMAIN.md's Easter Sundays.
    for (year, easter) in [(2026, "2026-04-05"), (2027, "2027-03-28"), (2028, "2028-04-16")] {
        let sql: NaiveDate = sqlx::query_scalar("SELECT dsrdesk_easter_sunday($1)")
            .bind(year)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(sql.to_string(), easter);
    }
}

/// Art. 12(3) counted per Reg. 1182/71 art. 3: for random receipts 2018-2035 in both
/// jurisdictions, with or without the extension and with paused days, the SQL due date is the
/// Rust domain's (src/domain/deadline.rs is the reference).
#[test]
fn the_sql_legal_due_date_is_the_rust_domains_for_random_receipts_extensions_and_pauses() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let db = rt.block_on(fresh_database());
    let start = NaiveDate::from_ymd_opt(2018, 1, 1).unwrap();
    let days = (NaiveDate::from_ymd_opt(2035, 12, 31).unwrap() - start).num_days();
    let strategy = (0..=days, any::<bool>(), any::<bool>(), any::<bool>(), 0u32..400);
    let mut runner = TestRunner::new(ProptestConfig { cases: 3000, ..ProptestConfig::default() });
    runner
        .run(&strategy, |(offset, finland, extended, eves, paused_days)| {
            let received_on = start + chrono::Days::new(offset as u64);
            let j = if finland { Jurisdiction::Finland } else { Jurisdiction::Sweden };
            let calendar = WorkingCalendar { jurisdiction: j, eves_are_holidays: eves };
            let rust = legal_due_on(&calendar, DeadlineFacts { received_on, extended, paused_days })
                .expect("dates from 2018 to 2035 are within the calendar");
            let sql: NaiveDate = rt
                .block_on(
                    sqlx::query_scalar("SELECT dsrdesk_legal_due_on($1::jurisdiction, $2, $3, $4, $5)")
                        .bind(j.code())
                        .bind(received_on)
                        .bind(extended)
                        .bind(paused_days as i32)
                        .bind(eves)
                        .fetch_one(&db.pool),
                )
                .unwrap();
            prop_assert_eq!(
                sql,
                rust,
                "{} received {} extended {} paused {}",
                j.code(),
                received_on,
                extended,
                paused_days
            );
            Ok(())
        })
        .unwrap();
}
