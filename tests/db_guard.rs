//! The database as the last line of defence (issue 14 §1): an operator's or worker's login using
//! psql directly, against a real PostgreSQL with the roles of scripts/roles.sql. What the desk
//! computes (the due dates) the database checks; who wrote an event and when, it sets itself; a
//! verification goes only through the function that checks it; links, follow-up erasures and a
//! reply marked sent move only with their event (and, for a sent reply, the SMTP server's word).

use chrono::{DateTime, NaiveDate, Utc};
use dsrdesk::config::Config;
use dsrdesk::domain::Jurisdiction;
use dsrdesk::domain::calendar::WorkingCalendar;
use dsrdesk::domain::deadline::{DeadlineFacts, legal_due_on};
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::quote_ident;
use dsrdesk::testing::{TestDatabase, fixture_now, fresh_database, load_ledger_fixture, verify_by_bankid};
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

/// One attempt as a psql user would make it: in a transaction, optionally beside a made-up event
/// of `event` kind for the request, then commit. Returns the refusal, or None if it was accepted.
async fn attempt(pool: &PgPool, id: i64, sql: &str, event: Option<&str>) -> Option<sqlx::Error> {
    let mut tx = pool.begin().await.unwrap();
    if let Some(action) = event {
        sqlx::query("INSERT INTO request_events (request_id, actor, action) VALUES ($1, 'dpo', $2)")
            .bind(id)
            .bind(action)
            .execute(&mut *tx)
            .await
            .expect("an event may be appended");
    }
    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).execute(&mut *tx).await {
        return Some(e);
    }
    tx.commit().await.err()
}

fn refused(e: Option<sqlx::Error>, code: &str, says: &str, what: &str) {
    let e = e.unwrap_or_else(|| panic!("{what}: accepted"));
    assert_eq!(sqlstate(&e).as_deref(), Some(code), "{what}: {e}");
    assert!(e.to_string().contains(says), "{what}: {e}");
}

const ANNA: &str = "19811218-9876";
const OTHER_PERSON: &str = "19900101-2385";

/// Art. 12(6): who the requester is, is recorded only through dsrdesk_record_verification
/// (migration 0019), which checks what the service checks. fx-erasure-anna was received on
/// 16 November 2026 from 811218-9876 and is linked to ledger person 1 (19811218-9876).
#[tokio::test]
async fn a_verification_is_recorded_only_through_the_function_that_checks_it_art_12_6() {
    let db = fresh_database().await;
    let (operator, worker) = logins(&db).await;
    let (id, reference) = a_request(&db).await;
    let owner = Desk::new(db.pool.clone(), Config::default());
    owner.link(&Operator::new("alice"), &reference, Some("1"), fixture_now()).await.unwrap();
    let call = |number: &str, at: &str| {
        format!(
            "SELECT dsrdesk_record_verification($1, 'bankid', 'tx-1', 'BankID', '{number}', 'alice', '{at}')"
        )
    };
    let future = (chrono::Utc::now() + chrono::Days::new(2)).to_rfc3339();
    for login in [&operator, &worker] {
        let pool = pool_as(&db, login).await;
        // Straight into the table, or the request's mark: refused by the grants, event or not.
        for sql in [
            format!(
                "INSERT INTO request_verifications (request_id, method, transaction_reference, evidence,
                     number_matches, returned_number, verified_by, verified_at)
                 VALUES ($1, 'bankid', 'tx', 'BankID', true, '{OTHER_PERSON}', 'alice', '2026-11-01T12:00:00Z')"
            ),
            "UPDATE requests SET identity_verified_at = now() WHERE id = $1".to_string(),
        ] {
            let e = attempt(&pool, id, &sql, Some("identity_verified")).await;
            refused(e, "42501", "permission denied", &format!("{login}: {sql}"));
        }
        if login == &worker {
            let e = attempt(&pool, id, &call(ANNA, "2026-11-21T12:00:00Z"), Some("identity_verified")).await;
            refused(e, "42501", "permission denied for function", "the worker verifies");
            pool.close().await;
            continue;
        }
        // The operator through the function: another person's number, a day before the receipt
        // or in the future, each refused with its reason.
        for (sql, says) in [
            (call(OTHER_PERSON, "2026-11-21T12:00:00Z"), "not verified"),
            (call(ANNA, "2026-11-15T12:00:00Z"), "before the request was received (2026-11-16)"),
            (call(ANNA, &future), "is in the future"),
        ] {
            let e = attempt(&pool, id, &sql, Some("identity_verified")).await;
            refused(e, "23514", says, &format!("{login}: {sql}"));
        }
        // The right facts but no identity_verified event: refused when the transaction commits.
        let e = attempt(&pool, id, &call(ANNA, "2026-11-21T12:00:00Z"), Some("note")).await;
        refused(e, "23000", "without its event (identity_verified)", "no event");
        // With its event, accepted: but under the login that did it, not the name given.
        let ok = attempt(&pool, id, &call(ANNA, "2026-11-21T12:00:00Z"), Some("identity_verified")).await;
        assert!(ok.is_none(), "{ok:?}");
        let (by, number): (String, Option<String>) = sqlx::query_as(
            "SELECT verified_by, returned_number FROM request_verifications WHERE request_id = $1",
        )
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
        assert_eq!((&by, number.as_deref()), (login, Some(ANNA)), "the verifier is the real login");
        // Once recorded it is not recorded again (nor changed: the grants, tests/security.rs).
        let e = attempt(&pool, id, &call(ANNA, "2026-11-22T12:00:00Z"), Some("identity_verified")).await;
        refused(e, "23514", "already verified", "a second verification");
        pool.close().await;
    }
    drop_logins(&db, &[&operator, &worker]).await;
}

/// The desk itself still verifies under the operator's login (the CLI does too: tests/security.rs).
#[tokio::test]
async fn the_desk_verifies_under_an_operator_login_and_the_verifier_is_that_login() {
    let db = fresh_database().await;
    let (operator, worker) = logins(&db).await;
    let (_, reference) = a_request(&db).await;
    let pool = pool_as(&db, &operator).await;
    let desk = Desk::new(pool.clone(), Config::default());
    let dpo = Operator::new("anna.dpo");
    desk.link(&dpo, &reference, Some("1"), fixture_now()).await.unwrap();
    verify_by_bankid(&desk, &dpo, &reference).await;
    let (by, actor, claimed): (String, String, Option<String>) = sqlx::query_as(
        "SELECT v.verified_by, e.actor, e.claimed_actor FROM request_verifications v
         JOIN request_events e ON e.request_id = v.request_id AND e.action = 'identity_verified'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(
        (by.as_str(), actor.as_str(), claimed.as_deref()),
        (operator.as_str(), operator.as_str(), Some("anna.dpo"))
    );
    pool.close().await;
    drop_logins(&db, &[&operator, &worker]).await;
}

/// Art. 12(6), 17: whose data a request acted on is the link; it is added and removed only by
/// link and unlink (each with its event), and a person whose data was erased stays linked.
#[tokio::test]
async fn a_link_moves_only_with_its_event_and_stays_once_the_persons_data_was_acted_on() {
    let db = fresh_database().await;
    let (operator, worker) = logins(&db).await;
    let (id, reference) = a_request(&db).await;
    let link = format!(
        "INSERT INTO request_subjects (request_id, person_id, match_reasons, linked_by, linked_at, personal_number)
         VALUES ($1, '1', '{{name}}', 'alice', now(), '{ANNA}')"
    );
    let unlink = "DELETE FROM request_subjects WHERE request_id = $1";
    let worker_pool = pool_as(&db, &worker).await;
    for sql in [link.as_str(), unlink] {
        refused(
            attempt(&worker_pool, id, sql, Some("subject_linked")).await,
            "42501",
            "permission denied",
            sql,
        );
    }
    let pool = pool_as(&db, &operator).await;
    for event in [None, Some("note")] {
        refused(
            attempt(&pool, id, &link, event).await,
            "23000",
            "without its event (subject_linked)",
            "link",
        );
    }
    // The desk links and unlinks under the operator's login.
    let desk = Desk::new(pool.clone(), Config::default());
    let dpo = Operator::new("anna.dpo");
    desk.link(&dpo, &reference, Some("1"), fixture_now()).await.unwrap();
    for event in [None, Some("note"), Some("subject_linked")] {
        refused(
            attempt(&pool, id, unlink, event).await,
            "23000",
            "without its event (subject_unlinked)",
            "unlink",
        );
    }
    desk.unlink(&dpo, &reference, "1", fixture_now()).await.expect("the desk unlinks");
    desk.link(&dpo, &reference, Some("1"), fixture_now()).await.unwrap();
    // Erased: the link is the evidence of whose data it was, event or not.
    verify_by_bankid(&desk, &dpo, &reference).await;
    let plan = desk.erasure_plan(&reference, fixture_now()).await.unwrap();
    desk.execute_erasure(&dpo, &reference, &plan, fixture_now()).await.unwrap();
    let e = attempt(&pool, id, unlink, Some("subject_unlinked")).await;
    refused(e, "23514", "already acted on", "unlink after the erasure");
    let linked: i64 = sqlx::query_scalar("SELECT count(*) FROM request_subjects WHERE request_id = $1")
        .bind(id)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(linked, 1);
    pool.close().await;
    worker_pool.close().await;
    drop_logins(&db, &[&operator, &worker]).await;
}

fn noon(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(y, m, d).unwrap().and_hms_opt(12, 0, 0).unwrap().and_utc()
}

/// Art. 17(1), 5(1)(e): a follow-up erasure (here 1 January 2034, when the last dated hold on
/// Anna's paid claim lapses) is created, superseded and carried out only by carrying out a plan,
/// with its erasure_executed event; no login cancels, postpones or marks it done beside it.
#[tokio::test]
async fn a_follow_up_erasure_is_not_cancelled_postponed_or_marked_done_by_a_login() {
    let db = fresh_database().await;
    let (operator, worker) = logins(&db).await;
    let (id, reference) = a_request(&db).await;
    sqlx::query("UPDATE ledger.cases SET outstanding = 0, closed_on = '2026-11-20', paid_in_full_on = '2026-11-20', stage = 'closed' WHERE id = 10")
        .execute(&db.pool)
        .await
        .unwrap();
    let owner = Desk::new(db.pool.clone(), Config::default());
    let alice = Operator::new("alice");
    owner.link(&alice, &reference, Some("1"), fixture_now()).await.unwrap();
    verify_by_bankid(&owner, &alice, &reference).await;
    let plan = owner.erasure_plan(&reference, fixture_now()).await.unwrap();
    owner.execute_erasure(&alice, &reference, &plan, fixture_now()).await.unwrap();
    let pending = "SELECT count(*) FROM scheduled_erasures WHERE request_id = $1 AND done_at IS NULL";
    let before: i64 = sqlx::query_scalar(pending).bind(id).fetch_one(&db.pool).await.unwrap();
    assert!(before >= 1, "a follow-up is scheduled");
    for login in [&operator, &worker] {
        let pool = pool_as(&db, login).await;
        for sql in [
            "UPDATE scheduled_erasures SET done_at = now(), outcome = 'carried out by the worker' WHERE request_id = $1 AND done_at IS NULL",
            "UPDATE scheduled_erasures SET done_at = now(), outcome = 'cancelled' WHERE request_id = $1 AND done_at IS NULL",
            "UPDATE scheduled_erasures SET due_on = due_on + 3650 WHERE request_id = $1 AND done_at IS NULL",
            "INSERT INTO scheduled_erasures (request_id, due_on) VALUES ($1, '2040-01-01')",
        ] {
            for event in [None, Some("note"), Some("erasure_source")] {
                let e = attempt(&pool, id, sql, event).await;
                refused(
                    e,
                    "23000",
                    "without its event (erasure_executed)",
                    &format!("{login}: {sql} {event:?}"),
                );
            }
        }
        let e = attempt(
            &pool,
            id,
            "DELETE FROM scheduled_erasures WHERE request_id = $1",
            Some("erasure_executed"),
        )
        .await;
        refused(e, "42501", "permission denied", &format!("{login}: delete"));
        let e = attempt(
            &pool,
            id,
            "UPDATE scheduled_erasures SET last_checked_on = '2099-01-01' WHERE request_id = $1 AND done_at IS NULL",
            None,
        )
        .await;
        refused(e, "23514", "last look 2099-01-01", &format!("{login}: a look years ahead"));
        pool.close().await;
    }
    let after: i64 = sqlx::query_scalar(pending).bind(id).fetch_one(&db.pool).await.unwrap();
    assert_eq!(after, before, "nothing was moved");
    // The worker's own run on the day still carries it out under the worker's login.
    let pool = pool_as(&db, &worker).await;
    let report = Desk::new(pool.clone(), Config::default())
        .run_due_erasures(&Operator::new("worker"), noon(2034, 1, 1))
        .await
        .unwrap();
    assert_eq!((report.examined, report.completed), (1, 1), "{report:?}");
    pool.close().await;
    drop_logins(&db, &[&operator, &worker]).await;
}

/// The worker is trusted to say a reply went; what it says rests on the SMTP server's reply to
/// the end of data (migration 0020). Without that reply (or an operator's resolution of an
/// uncertain message, which the worker may not write), no login marks a message sent.
#[tokio::test]
async fn a_reply_is_marked_sent_only_with_the_smtp_servers_reply_and_its_event() {
    let db = fresh_database().await;
    let (operator, worker) = logins(&db).await;
    let (id, _) = a_request(&db).await;
    let queue = |message_id: &str| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO outbox (request_id, message_id, purpose, language, from_name, from_address, to_address,
                 subject, body, carries_data, next_attempt_at, queued_by, queued_at)
             VALUES ($1, $2, 'acknowledgement', 'sv', 'DPO', 'dpo@b.example', 'anna@example.se',
                 'Svar', 'Vi har tagit emot din begäran', false, now(), 'alice', now()) RETURNING id",
        )
        .bind(id)
        .bind(message_id.to_string())
    };
    for (n, login) in [&operator, &worker].into_iter().enumerate() {
        let outbox_id = queue(&format!("<{n}@b.example>")).fetch_one(&db.pool).await.unwrap();
        let pool = pool_as(&db, login).await;
        let on_it = |sql: &str| sql.replace("$ID", &outbox_id.to_string());
        let e = attempt(
            &pool,
            id,
            &on_it("UPDATE outbox SET state = 'sent', sent_at = now() WHERE id = $ID AND request_id = $1"),
            Some("reply_sent"),
        )
        .await;
        refused(e, "23514", "cannot become sent", "queued -> sent (the state machine, migration 0007)");
        // The sender's claim of an attempt (as claim_due does) is allowed.
        let claim =
            "UPDATE outbox SET state = 'sending', attempts = attempts + 1, attempt_started_at = now(),
                         lease_until = now() + interval '5 minutes' WHERE id = $ID AND request_id = $1";
        assert!(attempt(&pool, id, &on_it(claim), None).await.is_none());
        let sent = "UPDATE outbox SET state = 'sent', sent_at = now(), lease_until = NULL";
        for (set, event, code, says) in [
            ("", Some("reply_sent"), "23514", "without the SMTP server's reply"),
            (
                ", smtp_reply = '550 5.1.1 Mailbox unavailable'",
                Some("reply_sent"),
                "23514",
                "without the SMTP server's reply",
            ),
            (
                ", smtp_reply = '250 OK\r\nX: y'",
                Some("reply_sent"),
                "23514",
                "smtp_reply_is_one_server_reply",
            ),
            (
                ", smtp_reply = '250 2.0.0 Ok: queued as 4BC2F1A0C3'",
                None,
                "23000",
                "without its event (reply_sent or reply_resolved_sent)",
            ),
        ] {
            let sql = on_it(&format!("{sent}{set} WHERE id = $ID AND request_id = $1"));
            refused(attempt(&pool, id, &sql, event).await, code, says, &format!("{login}: {sql}"));
        }
        if login == &worker {
            // An operator's resolution is not the worker's to write.
            let sql = on_it(&format!(
                "{sent}, resolved_by = 'alice', resolved_at = now() WHERE id = $ID AND request_id = $1"
            ));
            refused(
                attempt(&pool, id, &sql, Some("reply_resolved_sent")).await,
                "42501",
                "permission denied",
                &sql,
            );
        }
        // With the server's reply and the event: accepted; the reply is then kept as it is.
        let sql = on_it(&format!(
            "{sent}, smtp_reply = '250 2.0.0 Ok: queued as 4BC2F1A0C3' WHERE id = $ID AND request_id = $1"
        ));
        assert!(attempt(&pool, id, &sql, Some("reply_sent")).await.is_none(), "{login}: with the reply");
        let sql =
            on_it("UPDATE outbox SET smtp_reply = '250 made up later' WHERE id = $ID AND request_id = $1");
        refused(attempt(&pool, id, &sql, None).await, "23514", "evidence and does not change", &sql);
        pool.close().await;
    }
    drop_logins(&db, &[&operator, &worker]).await;
}

/// Who did it: under a dsrdesk role the event's actor is the login (session_user), whatever name
/// the client wrote; that name is kept apart as claimed_actor, a claim and never the actor. The
/// owner (the single-user installation, the demo seed) records the desk's name as before.
#[tokio::test]
async fn a_made_up_actor_is_kept_only_as_a_claim_beside_the_real_login() {
    let db = fresh_database().await;
    let (operator, worker) = logins(&db).await;
    let (id, _) = a_request(&db).await;
    let insert = "INSERT INTO request_events (request_id, actor, action) VALUES ($1, $2, 'note')
                  RETURNING actor, claimed_actor";
    for login in [&operator, &worker] {
        let pool = pool_as(&db, login).await;
        for (given, claimed) in [("the.ceo", Some("the.ceo")), (login.as_str(), None)] {
            let (actor, stored_claim): (String, Option<String>) =
                sqlx::query_as(insert).bind(id).bind(given).fetch_one(&pool).await.unwrap();
            assert_eq!((&actor, stored_claim.as_deref()), (login, claimed), "{login} wrote {given}");
        }
        pool.close().await;
    }
    let (actor, claimed): (String, Option<String>) =
        sqlx::query_as(insert).bind(id).bind("alice").fetch_one(&db.pool).await.unwrap();
    assert_eq!((actor.as_str(), claimed), ("alice", None), "the owner");
    drop_logins(&db, &[&operator, &worker]).await;
}
