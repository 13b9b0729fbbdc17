//! The request queue against a real PostgreSQL: intake, deadlines through the service, the
//! state machine and history enforced by the database, concurrent claims, NOTIFY.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dsrdesk::Error;
use dsrdesk::config::Config;
use dsrdesk::domain::{RequestKind, RequestStatus};
use dsrdesk::service::{Desk, Operator};
use dsrdesk::store::requests::{AssigneeFilter, QueueQuery};
use dsrdesk::testing::fresh_database;

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}
fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn desk() -> Desk {
    let db = fresh_database().await;
    Desk::new(db.pool, Config::default())
}

fn alice() -> Operator {
    Operator::new("alice")
}

fn line(external_id: &str, kind: &str, j: &str, received_at: &str) -> String {
    format!(
        r#"{{"external_id":"{external_id}","kind":"{kind}","jurisdiction":"{j}","received_at":"{received_at}","channel":"email","requester":{{"name":"Åsa Öberg","email":"asa@example.se"}},"text":"Hej"}}"#
    )
}

/// One intake line: an access request received 16 Nov 2026 from a requester with these details.
fn requester_line(id: &str, j: &str, name: &str, email: &str, pn: &str) -> String {
    format!(
        r#"{{"external_id":"{id}","kind":"access","jurisdiction":"{j}","received_at":"2026-11-16T09:00:00+01:00","requester":{{"name":"{name}","email":"{email}","personal_number":"{pn}"}}}}"#
    )
}

async fn count(desk: &Desk, table: &str) -> i64 {
    let sql = match table {
        "requests" => "SELECT count(*) FROM requests",
        "events" => "SELECT count(*) FROM request_events",
        _ => unreachable!(),
    };
    sqlx::query_scalar(sql).fetch_one(desk.pool()).await.unwrap()
}

#[tokio::test]
async fn intake_creates_references_in_input_order_and_is_idempotent() {
    let desk = desk().await;
    let input = [
        line("a", "access", "SE", "2026-11-02T10:00:00+01:00"),
        line("b", "erasure", "FI", "2026-11-03T10:00:00+02:00"),
        line("c", "portability", "SE", "2025-12-30T10:00:00+01:00"),
    ]
    .join("\n");
    let now = at(2026, 11, 21, 12, 0);
    let first = desk.intake(&alice(), &input, now).await.unwrap();
    assert_eq!(first.created, ["DSR-2026-000001", "DSR-2026-000002", "DSR-2025-000001"]);
    assert!(first.already_present.is_empty());
    let again = desk.intake(&alice(), &input, now).await.unwrap();
    assert!(again.created.is_empty());
    assert_eq!(again.already_present, ["a", "b", "c"]);
    assert_eq!(count(&desk, "requests").await, 3);
    // Every request has its "received" event, recorded as alice.
    let received: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM request_events WHERE action = 'received' AND actor = 'alice'",
    )
    .fetch_one(desk.pool())
    .await
    .unwrap();
    assert_eq!(received, 3);
}

#[tokio::test]
async fn one_bad_line_refuses_the_whole_file_and_stores_nothing() {
    let desk = desk().await;
    let input = [
        line("a", "access", "SE", "2026-11-02T10:00:00+01:00"),
        line("b", "deletion", "SE", "2026-11-02T10:00:00+01:00"),
        "{broken".to_string(),
        line("d", "access", "SE", "2026-12-24T10:00:00+01:00"),
        line("a", "access", "SE", "2026-11-02T10:00:00+01:00"),
    ]
    .join("\n");
    let err = desk.intake(&alice(), &input, at(2026, 11, 21, 12, 0)).await.unwrap_err();
    let Error::Intake(problems) = &err else { panic!("expected intake error, got {err}") };
    let found: Vec<(usize, Option<&str>)> = problems.iter().map(|p| (p.line, p.field.as_deref())).collect();
    assert_eq!(found, [(2, Some("kind")), (3, None), (4, Some("received_at")), (5, Some("external_id"))]);
    assert!(err.to_string().contains("line 2: field `kind`"), "{err}");
    assert_eq!(count(&desk, "requests").await, 0);
    assert_eq!(count(&desk, "events").await, 0);
}

#[tokio::test]
async fn receipt_just_before_midnight_utc_counts_from_the_stockholm_date() {
    let desk = desk().await;
    // 23:30 UTC on 28 Feb 2027 is 00:30 on 1 March in Stockholm: due 1 April 2027 (Thursday).
    let input = line("late", "access", "SE", "2027-02-28T23:30:00Z");
    let out = desk.intake(&alice(), &input, at(2027, 3, 2, 0, 0)).await.unwrap();
    let d = desk.detail(&out.created[0], at(2027, 3, 2, 0, 0)).await.unwrap();
    assert_eq!(d.request.received_on, day(2027, 3, 1));
    assert_eq!(d.request.due_on, day(2027, 4, 1));
    assert_eq!(d.deadline.internal_due_on, day(2027, 3, 31));
    // The reference year is the year of the local receipt date.
    assert!(out.created[0].starts_with("DSR-2027-"));
}

#[tokio::test]
async fn extension_within_first_month_moves_due_date_to_three_months() {
    let desk = desk().await;
    let out = desk
        .intake(&alice(), &line("x", "erasure", "SE", "2026-09-01T09:00:00+02:00"), at(2026, 11, 21, 12, 0))
        .await
        .unwrap();
    let reference = &out.created[0];
    // First month ends Thursday 1 Oct 2026; the day after is too late.
    let err = desk.extend(&alice(), reference, "complex", None, at(2026, 10, 2, 10, 0)).await.unwrap_err();
    assert!(matches!(err, Error::Rule { .. }), "{err}");
    assert!(err.to_string().contains("2026-10-01"), "{err}");
    let r = desk.extend(&alice(), reference, "many sources", None, at(2026, 10, 1, 10, 0)).await.unwrap();
    // 1 Dec 2026 is a Tuesday.
    assert_eq!(r.due_on, day(2026, 12, 1));
    let again = desk.extend(&alice(), reference, "more", None, at(2026, 10, 1, 11, 0)).await.unwrap_err();
    assert!(again.to_string().contains("already extended"), "{again}");
    let d = desk.detail(reference, at(2026, 11, 21, 12, 0)).await.unwrap();
    let extended = d.events.iter().find(|e| e.action == "extended").expect("extended event");
    assert_eq!(extended.details["reason"], "many sources");
    assert_eq!(extended.details["due_on"]["from"], "2026-10-01");
    assert_eq!(extended.details["due_on"]["to"], "2026-12-01");
    assert_eq!(extended.effective_at, at(2026, 10, 1, 10, 0));
}

#[tokio::test]
async fn pause_and_resume_move_the_due_date_by_the_paused_days() {
    let desk = desk().await;
    let out = desk
        .intake(&alice(), &line("p", "access", "FI", "2026-10-05T09:00:00+03:00"), at(2026, 11, 21, 12, 0))
        .await
        .unwrap();
    let reference = &out.created[0];
    // Due 5 Nov 2026 (Thursday) before any pause.
    assert_eq!(desk.detail(reference, at(2026, 10, 6, 0, 0)).await.unwrap().request.due_on, day(2026, 11, 5));
    let paused = desk.pause(&alice(), reference, "asked for ID", None, at(2026, 10, 8, 10, 0)).await.unwrap();
    assert_eq!(paused.status, RequestStatus::AwaitingInformation);
    // While paused, the date shown is the one the request would have if the information arrived
    // that day: asked 8 Oct, seen 12 Oct -> 4 paused days -> 9 Nov (Monday).
    let d = desk.detail(reference, at(2026, 10, 12, 10, 0)).await.unwrap();
    assert_eq!(d.effective_due_on, day(2026, 11, 9));
    assert_eq!(d.days_left, 28);
    let resumed = desk.resume(&alice(), reference, None, at(2026, 10, 18, 10, 0)).await.unwrap();
    assert_eq!(resumed.status, RequestStatus::InProgress);
    assert_eq!(resumed.paused_days, 10);
    // 5 Nov + 10 days = Sunday 15 Nov -> Monday 16 Nov.
    assert_eq!(resumed.due_on, day(2026, 11, 16));
    let resume_again = desk.resume(&alice(), reference, None, at(2026, 10, 19, 10, 0)).await.unwrap_err();
    assert!(resume_again.to_string().contains("not paused"), "{resume_again}");
}

#[tokio::test]
async fn pause_before_receipt_or_after_due_is_refused() {
    let desk = desk().await;
    let out = desk
        .intake(&alice(), &line("p", "access", "SE", "2026-09-01T09:00:00+02:00"), at(2026, 11, 21, 12, 0))
        .await
        .unwrap();
    let reference = &out.created[0];
    let early = desk.pause(&alice(), reference, "id", None, at(2026, 8, 30, 10, 0)).await.unwrap_err();
    assert!(early.to_string().contains("before the request was received"), "{early}");
    let late = desk.pause(&alice(), reference, "id", None, at(2026, 10, 20, 10, 0)).await.unwrap_err();
    assert!(late.to_string().contains("deadline passed"), "{late}");
}

#[tokio::test]
async fn claiming_a_request_held_by_someone_else_is_refused_handover_is_explicit() {
    let desk = desk().await;
    let out = desk
        .intake(&alice(), &line("c", "access", "SE", "2026-11-10T09:00:00+01:00"), at(2026, 11, 21, 12, 0))
        .await
        .unwrap();
    let reference = &out.created[0];
    let now = at(2026, 11, 21, 12, 0);
    let r = desk.assign(&alice(), reference, None, None, now).await.unwrap();
    assert_eq!(r.assignee.as_deref(), Some("alice"));
    assert_eq!(r.status, RequestStatus::InProgress);
    let bob = Operator::new("bob");
    let err = desk.assign(&bob, reference, None, None, now).await.unwrap_err();
    assert!(matches!(err, Error::Conflict { .. }), "{err}");
    assert!(err.to_string().contains("already claimed by alice"), "{err}");
    let r = desk.assign(&bob, reference, Some("bob"), None, now).await.unwrap();
    assert_eq!(r.assignee.as_deref(), Some("bob"));
    // A stale screen (old version) cannot act.
    let stale = desk.release(&alice(), reference, Some(1), now).await.unwrap_err();
    assert!(matches!(stale, Error::Conflict { .. }), "{stale}");
    assert!(stale.to_string().contains("assigned by bob"), "{stale}");
}

#[tokio::test]
async fn sixteen_operators_claiming_at_once_never_share_a_request() {
    let db = dsrdesk::testing::fresh_database_with(20).await;
    let desk = Desk::new(db.pool, Config::default());
    let input: Vec<String> =
        (0..200).map(|i| line(&format!("r{i}"), "access", "SE", "2026-11-10T09:00:00+01:00")).collect();
    desk.intake(&alice(), &input.join("\n"), at(2026, 11, 21, 12, 0)).await.unwrap();
    let mut tasks = Vec::new();
    for n in 0..16 {
        let desk = desk.clone();
        tasks.push(tokio::spawn(async move {
            let op = Operator::new(format!("op{n}"));
            let mut mine = Vec::new();
            while let Some(r) = desk.claim_next(&op, Utc::now()).await.unwrap() {
                mine.push(r.reference);
            }
            mine
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    assert_eq!(all.len(), 200);
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 200, "a request was claimed twice");
    let assigned_events: i64 =
        sqlx::query_scalar("SELECT count(*) FROM request_events WHERE action = 'assigned'")
            .fetch_one(desk.pool())
            .await
            .unwrap();
    assert_eq!(assigned_events, 200);
}

#[tokio::test]
async fn closing_needs_a_reason_for_refusal_and_closed_stays_closed() {
    let desk = desk().await;
    let out = desk
        .intake(&alice(), &line("s", "erasure", "SE", "2026-11-10T09:00:00+01:00"), at(2026, 11, 21, 12, 0))
        .await
        .unwrap();
    let reference = &out.created[0];
    let now = at(2026, 11, 21, 12, 0);
    let no_reason =
        desk.set_status(&alice(), reference, RequestStatus::Refused, None, None, now).await.unwrap_err();
    assert!(no_reason.to_string().contains("needs a reason"), "{no_reason}");
    let r = desk
        .set_status(&alice(), reference, RequestStatus::Refused, Some("identity not established"), None, now)
        .await
        .unwrap();
    assert_eq!(r.status, RequestStatus::Refused);
    let reopen =
        desk.set_status(&alice(), reference, RequestStatus::InProgress, None, None, now).await.unwrap_err();
    assert!(reopen.to_string().contains("cannot become"), "{reopen}");
    let extend = desk.extend(&alice(), reference, "x", None, now).await.unwrap_err();
    assert!(extend.to_string().contains("closed"), "{extend}");
}

#[tokio::test]
async fn database_refuses_skipping_the_state_machine() {
    let desk = desk().await;
    let out = desk
        .intake(&alice(), &line("s", "erasure", "SE", "2026-11-10T09:00:00+01:00"), at(2026, 11, 21, 12, 0))
        .await
        .unwrap();
    let now = at(2026, 11, 21, 12, 0);
    desk.set_status(&alice(), &out.created[0], RequestStatus::Withdrawn, Some("by letter"), None, now)
        .await
        .unwrap();
    // Straight SQL, bypassing the service: withdrawn -> new is not a transition.
    let mut tx = desk.pool().begin().await.unwrap();
    let err = sqlx::query("UPDATE requests SET status = 'new', closed_at = NULL")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot become"), "{err}");
}

#[tokio::test]
async fn database_refuses_a_change_without_its_event() {
    let desk = desk().await;
    desk.intake(&alice(), &line("s", "erasure", "SE", "2026-11-10T09:00:00+01:00"), at(2026, 11, 21, 12, 0))
        .await
        .unwrap();
    let mut tx = desk.pool().begin().await.unwrap();
    sqlx::query("UPDATE requests SET assignee = 'mallory'").execute(&mut *tx).await.unwrap();
    let err = tx.commit().await.unwrap_err();
    assert!(err.to_string().contains("without an event"), "{err}");
    let assignee: Option<String> =
        sqlx::query_scalar("SELECT assignee FROM requests").fetch_one(desk.pool()).await.unwrap();
    assert_eq!(assignee, None);
}

#[tokio::test]
async fn event_history_is_append_only() {
    let desk = desk().await;
    desk.intake(&alice(), &line("s", "erasure", "SE", "2026-11-10T09:00:00+01:00"), at(2026, 11, 21, 12, 0))
        .await
        .unwrap();
    for sql in [
        "UPDATE request_events SET actor = 'mallory'",
        "DELETE FROM request_events",
        "TRUNCATE request_events CASCADE",
    ] {
        let err = sqlx::query(sql).execute(desk.pool()).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(count(&desk, "events").await, 1);
}

#[tokio::test]
async fn database_transition_table_matches_the_domain_state_machine() {
    let desk = desk().await;
    let mut rows: Vec<(String, String)> =
        sqlx::query_as("SELECT from_status::text, to_status::text FROM status_transitions")
            .fetch_all(desk.pool())
            .await
            .unwrap();
    rows.sort();
    let mut domain: Vec<(String, String)> = RequestStatus::transitions()
        .into_iter()
        .map(|(a, b)| (a.as_str().to_string(), b.as_str().to_string()))
        .collect();
    domain.sort();
    assert_eq!(rows, domain);
}

#[tokio::test]
async fn every_change_is_notified_to_listeners() {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool.clone(), Config::default());
    let mut listener = sqlx::postgres::PgListener::connect_with(&db.pool).await.unwrap();
    listener.listen("dsrdesk_requests").await.unwrap();
    let out = desk
        .intake(&alice(), &line("n", "access", "SE", "2026-11-10T09:00:00+01:00"), at(2026, 11, 21, 12, 0))
        .await
        .unwrap();
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv()).await.unwrap().unwrap();
    let payload: serde_json::Value = serde_json::from_str(n.payload()).unwrap();
    assert_eq!(payload["op"], "insert");
    assert_eq!(payload["references"][0], out.created[0]);
    desk.assign(&alice(), &out.created[0], None, None, at(2026, 11, 21, 12, 0)).await.unwrap();
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv()).await.unwrap().unwrap();
    let payload: serde_json::Value = serde_json::from_str(n.payload()).unwrap();
    assert_eq!(payload["op"], "update");
    // "Claim next" announces after its commit (migration 0010), exactly once.
    let out = desk
        .intake(&alice(), &line("m", "access", "SE", "2026-11-10T09:00:00+01:00"), at(2026, 11, 21, 12, 0))
        .await
        .unwrap();
    listener.recv().await.unwrap(); // the insert
    let claimed = desk.claim_next(&Operator::new("bob"), at(2026, 11, 21, 12, 0)).await.unwrap().unwrap();
    assert_eq!(claimed.reference, out.created[0]);
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), listener.recv()).await.unwrap().unwrap();
    let payload: serde_json::Value = serde_json::from_str(n.payload()).unwrap();
    assert_eq!(
        (payload["op"].as_str(), payload["references"][0].as_str()),
        (Some("update"), Some(claimed.reference.as_str()))
    );
    let more = tokio::time::timeout(std::time::Duration::from_millis(300), listener.recv()).await;
    assert!(more.is_err(), "one notification per claim: {more:?}");
}

#[tokio::test]
async fn queue_is_most_urgent_first_with_filters_and_keyset_pages() {
    let desk = desk().await;
    let input = [
        line("late", "erasure", "SE", "2026-10-01T09:00:00+02:00"), // due 2 Nov: overdue
        line("soon", "access", "FI", "2026-10-22T09:00:00+03:00"),  // due 23 Nov
        line("later", "access", "SE", "2026-11-20T09:00:00+01:00"), // due 21 Dec
    ]
    .join("\n");
    let now = at(2026, 11, 21, 12, 0);
    desk.intake(&alice(), &input, now).await.unwrap();
    let q = QueueQuery { limit: 10, ..Default::default() };
    let items = desk.queue(&q, now).await.unwrap();
    let ids: Vec<_> = items.iter().map(|i| i.record.external_id.clone().unwrap()).collect();
    assert_eq!(ids, ["late", "soon", "later"]);
    assert_eq!(items[0].days_left, -19);
    assert_eq!(items[1].days_left, 2);
    // Keyset: the page after the first row.
    let first = &items[0].record;
    let next = desk
        .queue(&QueueQuery { after: Some((first.due_on, first.id)), limit: 1, ..Default::default() }, now)
        .await
        .unwrap();
    assert_eq!(next[0].record.external_id.as_deref(), Some("soon"));
    let overdue = desk
        .queue(&QueueQuery { due_before: Some(day(2026, 11, 21)), limit: 10, ..Default::default() }, now)
        .await
        .unwrap();
    assert_eq!(overdue.len(), 1);
    let access = desk
        .queue(
            &QueueQuery { kind: Some(dsrdesk::domain::RequestKind::Access), limit: 10, ..Default::default() },
            now,
        )
        .await
        .unwrap();
    assert_eq!(access.len(), 2);
    let unassigned = desk
        .queue(
            &QueueQuery {
                assignee: AssigneeFilter::Unassigned,
                search: Some("öberg".into()),
                limit: 10,
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
    assert_eq!(unassigned.len(), 3);
    let by_ref = desk
        .queue(
            &QueueQuery { search: Some(items[2].record.reference.clone()), limit: 10, ..Default::default() },
            now,
        )
        .await
        .unwrap();
    assert_eq!(by_ref.len(), 1);
}

#[tokio::test]
async fn overview_counts_by_urgency_kind_and_assignee() {
    let desk = desk().await;
    let input = [
        line("late", "erasure", "SE", "2026-10-01T09:00:00+02:00"), // overdue
        line("soon", "access", "FI", "2026-10-22T09:00:00+03:00"),  // 2 days
        line("week", "access", "SE", "2026-10-26T09:00:00+01:00"),  // due 26 Nov: 5 days
        line("later", "access", "SE", "2026-11-20T09:00:00+01:00"), // later
    ]
    .join("\n");
    let now = at(2026, 11, 21, 12, 0);
    let out = desk.intake(&alice(), &input, now).await.unwrap();
    desk.assign(&alice(), &out.created[0], None, None, now).await.unwrap();
    desk.pause(&alice(), &out.created[3], "asked for ID", None, now).await.unwrap();
    let o = desk.overview(now).await.unwrap();
    assert_eq!(o.counts.overdue, 1);
    assert_eq!(o.counts.within_3_days, 1);
    assert_eq!(o.counts.within_7_days, 1);
    assert_eq!(o.counts.paused, 1);
    assert_eq!(o.counts.later, 0);
    assert_eq!(o.counts.total, 4);
    assert_eq!(o.by_kind[&dsrdesk::domain::RequestKind::Access].total, 3);
    assert_eq!(o.by_assignee["alice"].overdue, 1);
    assert_eq!(o.by_assignee[""].total, 3);
}

#[tokio::test]
async fn seeding_is_deterministic_and_refuses_real_data() {
    use dsrdesk::service::seed::SeedOptions;
    let now = at(2026, 11, 21, 12, 0);
    let a = desk().await;
    let b = desk().await;
    let options = SeedOptions { requests: 300, seed: 9, ..Default::default() };
    assert_eq!(a.seed(&options, now, |_| {}).await.unwrap(), 300);
    assert_eq!(b.seed(&options, now, |_| {}).await.unwrap(), 300);
    let dump = |d: Desk| async move {
        sqlx::query_as::<_, (String, String, String, NaiveDate, Option<String>)>(
            "SELECT reference, kind::text, status::text, due_on, requester_name FROM requests ORDER BY reference",
        )
        .fetch_all(d.pool())
        .await
        .unwrap()
    };
    assert_eq!(dump(a.clone()).await, dump(b).await);
    // Seeding again adds nothing (same external ids); a database with real requests is refused.
    assert_eq!(a.seed(&options, now, |_| {}).await.unwrap(), 0);
    let real = desk().await;
    real.intake(&alice(), &line("r", "access", "SE", "2026-11-10T09:00:00+01:00"), now).await.unwrap();
    let err = real.seed(&options, now, |_| {}).await.unwrap_err();
    assert!(err.to_string().contains("refusing"), "{err}");
}

#[tokio::test]
async fn overview_summary_always_equals_a_full_scan() {
    use dsrdesk::service::seed::SeedOptions;
    use dsrdesk::store::requests::{compact_open_counts, overview_counts, overview_counts_by_scan};
    let desk = desk().await;
    let now = Utc::now();
    desk.seed(&SeedOptions { requests: 600, seed: 3, ..Default::default() }, now, |_| {}).await.unwrap();
    let today = desk.today(now);
    let (se, fi) =
        (today[&dsrdesk::domain::Jurisdiction::Sweden], today[&dsrdesk::domain::Jurisdiction::Finland]);
    let normalise = |mut rows: Vec<dsrdesk::store::requests::OverviewCount>| {
        let mut v: Vec<_> = rows
            .drain(..)
            .map(|r| {
                (r.jurisdiction, r.kind, r.assignee, r.paused, r.days_left, r.count, r.past_internal_target)
            })
            .collect();
        v.sort();
        v
    };
    let check = |label: &'static str| {
        let desk = desk.clone();
        async move {
            let summary = normalise(overview_counts(desk.pool(), se, fi).await.unwrap());
            let scan = normalise(overview_counts_by_scan(desk.pool(), se, fi).await.unwrap());
            assert_eq!(summary, scan, "{label}");
            // The past-target count is compared on something: the seed holds requests past it.
            let past: i64 = scan.iter().map(|row| row.6).sum();
            assert!(past > 0, "{label}: none past the target");
            // 0048's function, kept for desks of earlier versions (0052 reads it from the summary).
            let by_function: i64 = sqlx::query_scalar("SELECT dsrdesk_past_internal_target($1, $2)")
                .bind(se)
                .bind(fi)
                .fetch_one(desk.pool())
                .await
                .unwrap();
            assert_eq!(by_function, past, "{label}: dsrdesk_past_internal_target");
            // The queue screen's count of open requests (from the same summary when the filters
            // are ones it holds) against a count of the requests themselves.
            let mut nonzero = 0;
            for kind in [None, Some(RequestKind::Access), Some(RequestKind::Erasure)] {
                for status in [None, Some(RequestStatus::AwaitingInformation), Some(RequestStatus::New)] {
                    for assignee in [
                        AssigneeFilter::Anyone,
                        AssigneeFilter::Unassigned,
                        AssigneeFilter::Is("someone".into()),
                        AssigneeFilter::Is("alice".into()),
                    ] {
                        for due_before in [None, Some(se + chrono::Duration::days(10))] {
                            let q = QueueQuery {
                                kind,
                                status,
                                assignee: assignee.clone(),
                                due_before,
                                limit: 100,
                                ..Default::default()
                            };
                            let counted = desk.queue_count(&q).await.unwrap();
                            let (who, name) = match &assignee {
                                AssigneeFilter::Anyone => ("anyone", None),
                                AssigneeFilter::Unassigned => ("nobody", None),
                                AssigneeFilter::Is(n) => ("named", Some(n.clone())),
                            };
                            let requests: i64 = sqlx::query_scalar(
                                "SELECT count(*) FROM requests
                                 WHERE status IN ('new', 'in_progress', 'awaiting_information')
                                   AND ($1::text IS NULL OR kind::text = $1)
                                   AND ($2::text IS NULL OR status::text = $2)
                                   AND CASE $3 WHEN 'anyone' THEN true
                                               WHEN 'nobody' THEN assignee IS NULL
                                               ELSE assignee = $4 END
                                   AND ($5::date IS NULL OR due_on < $5)",
                            )
                            .bind(kind.map(|k| k.as_str()))
                            .bind(status.map(|s| s.as_str()))
                            .bind(who)
                            .bind(name)
                            .bind(due_before)
                            .fetch_one(desk.pool())
                            .await
                            .unwrap();
                            assert_eq!(counted, requests, "{label}: queue count of {q:?}");
                            nonzero += usize::from(requests > 0);
                        }
                    }
                }
            }
            assert!(nonzero > 20, "{label}: the counts compared on something ({nonzero} not zero)");
        }
    };
    check("after seed").await;
    // Every kind of change, with deltas left uncompacted.
    let open = desk.queue(&QueueQuery { limit: 60, ..Default::default() }, now).await.unwrap();
    // Each change either is stored or is refused by a rule (nothing stored); any other error fails
    // the test, and every kind of change must have been stored at least once.
    let mut stored = [0usize; 5];
    for (i, item) in open.iter().enumerate() {
        let r = &item.record.reference;
        let op = Operator::new(format!("op{}", i % 3));
        let result = match i % 5 {
            0 => desk.assign(&op, r, Some("someone"), None, now).await.map(|_| ()),
            1 => desk.set_status(&op, r, RequestStatus::Answered, None, None, now).await.map(|_| ()),
            2 => desk.pause(&op, r, "asked for ID", None, now).await.map(|_| ()),
            3 => desk.release(&op, r, None, now).await.map(|_| ()),
            // Resume the request paused two changes before (the one at i % 5 == 2).
            _ => desk.resume(&op, &open[i - 2].record.reference, None, now).await.map(|_| ()),
        };
        match result {
            Ok(()) => stored[i % 5] += 1,
            Err(dsrdesk::error::Error::Rule { .. }) => {}
            Err(e) => panic!("change {} on {r}: {e}", i % 5),
        }
    }
    assert!(stored.iter().all(|&n| n > 0), "every kind of change stored at least once: {stored:?}");
    while desk.claim_next(&alice(), now).await.unwrap().is_some() {}
    check("after changes, deltas pending").await;
    compact_open_counts(desk.pool(), 0).await.unwrap();
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM open_request_count_deltas")
        .fetch_one(desk.pool())
        .await
        .unwrap();
    assert_eq!(pending, 0);
    check("after compaction").await;
}

#[tokio::test]
async fn nothing_with_data_is_answered_before_identity_is_verified() {
    use dsrdesk::service::verify::{Verification, VerificationMethod};
    let desk = desk().await;
    let input = r#"{"external_id":"v","kind":"access","jurisdiction":"SE","received_at":"2026-11-10T09:00:00+01:00","requester":{"name":"Åsa Öberg","email":"asa@example.se","personal_number":"811218-9876"}}"#;
    let now = at(2026, 11, 21, 12, 0);
    let out = desk.intake(&alice(), input, now).await.unwrap();
    let reference = &out.created[0];
    // Refused by the service ...
    let err =
        desk.set_status(&alice(), reference, RequestStatus::Answered, None, None, now).await.unwrap_err();
    assert!(err.to_string().contains("identity is not verified"), "{err}");
    // ... and by the database, for anything that bypasses it.
    let mut tx = desk.pool().begin().await.unwrap();
    let db_err = sqlx::query("UPDATE requests SET status = 'answered', closed_at = now()")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(db_err.to_string().contains("identity not verified"), "{db_err}");
    drop(tx);
    let mut tx = desk.pool().begin().await.unwrap();
    let forged =
        sqlx::query("UPDATE requests SET identity_verified_at = now()").execute(&mut *tx).await.unwrap_err();
    assert!(forged.to_string().contains("identity not verified"), "{forged}");
    drop(tx);

    // BankID without its transaction reference is refused; a different person's number too.
    let bankid = |transaction: Option<&str>, number: &str| Verification {
        method: VerificationMethod::BankId,
        transaction_reference: transaction.map(str::to_string),
        evidence: "BankID login on the portal".into(),
        returned_number: Some(number.into()),
    };
    let no_ref = desk.verify(&alice(), reference, &bankid(None, "19811218-9876"), now).await.unwrap_err();
    assert!(no_ref.to_string().contains("transaction reference"), "{no_ref}");
    let other =
        desk.verify(&alice(), reference, &bankid(Some("bid-1"), "19701063-2391"), now).await.unwrap_err();
    assert!(other.to_string().contains("different personal number"), "{other}");

    let r = desk.verify(&alice(), reference, &bankid(Some("bid-1"), "19811218-9876"), now).await.unwrap();
    assert!(r.identity_verified_at.is_some());
    let again =
        desk.verify(&alice(), reference, &bankid(Some("bid-2"), "19811218-9876"), now).await.unwrap_err();
    assert!(again.to_string().contains("already verified"), "{again}");
    let d = desk.detail(reference, now).await.unwrap();
    let v = d.verification.expect("verification shown");
    assert_eq!((v.method.as_str(), v.number_matches), ("bankid", Some(true)));
    assert_eq!(d.events.last().unwrap().action, "identity_verified");
    // Now it may be answered.
    let answered =
        desk.set_status(&alice(), reference, RequestStatus::Answered, None, None, now).await.unwrap();
    assert_eq!(answered.status, RequestStatus::Answered);
    // The verification is evidence: never changed.
    let err = sqlx::query("UPDATE request_verifications SET evidence = 'x'")
        .execute(desk.pool())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

/// Search (domain/search.rs, migration 0009): a whole reference exactly; letters as the beginnings
/// of the name's words; anything else as a substring of reference, name, e-mail or personal number.
#[tokio::test]
async fn search_finds_by_reference_name_words_and_substrings() {
    let desk = desk().await;
    let person = |id: &str, name: &str, email: &str, pn: &str| requester_line(id, "SE", name, email, pn);
    let file = [
        person("s1", "Malin Larsson", "malin@example.se", "19851126-7349"),
        person("s2", "Anna-Karin Öberg", "ak.oberg@example.fi", "19811218-9876"),
        person("s3", "Lars Malinen", "lars@example.se", "19700101-1234"),
    ]
    .join("\n");
    let refs = desk.intake(&alice(), &file, at(2026, 11, 16, 9, 0)).await.unwrap().created;
    let found = |term: &str| {
        let desk = desk.clone();
        let term = term.to_string();
        async move {
            let q = QueueQuery { search: Some(term), include_closed: true, limit: 10, ..Default::default() };
            let mut names: Vec<String> = desk
                .queue(&q, at(2026, 11, 16, 10, 0))
                .await
                .unwrap()
                .into_iter()
                .map(|i| i.record.requester_name.unwrap())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(found(&refs[1].to_lowercase()).await, ["Anna-Karin Öberg"]);
    assert_eq!(found("lars").await, ["Lars Malinen", "Malin Larsson"], "a word's beginning, any word");
    assert_eq!(found("malin lars").await, ["Lars Malinen", "Malin Larsson"]);
    assert_eq!(found("larsson malin").await, ["Malin Larsson"], "every word, in any order");
    assert_eq!(found("ÖBERG").await, ["Anna-Karin Öberg"], "case folded beyond ASCII");
    assert_eq!(found("karin").await, ["Anna-Karin Öberg"], "each part of a double name");
    assert!(found("arsson").await.is_empty(), "letters match the beginnings of words only");
    assert_eq!(found("1126-7349").await, ["Malin Larsson"], "part of a personal number");
    assert_eq!(found("@example.fi").await, ["Anna-Karin Öberg"], "part of an e-mail address");
    assert_eq!(found("-000002").await, ["Anna-Karin Öberg"], "part of a reference");
    assert!(found("100%_\\").await.is_empty(), "LIKE's own characters are literal");
}

/// A paused request is read apart by the queue (it sorts by the date it shows, migration 0021),
/// and its search rows say so (migration 0046): while paused and after it is resumed, every kind
/// of search finds it, no more and no less than the requests that match.
#[tokio::test]
async fn a_paused_request_is_found_by_every_kind_of_search_while_paused_and_after() {
    let desk = desk().await;
    let person =
        |id: &str, name: &str, pn: &str| requester_line(id, "SE", name, &format!("{id}@example.se"), pn);
    let file = [
        person("p1", "Åsa Öberg", "19851126-7349"),
        person("p2", "Åke Öbergsson", "19811218-9876"),
        person("p3", "Lars Malinen", "19700101-1234"),
    ]
    .join("\n");
    let refs = desk.intake(&alice(), &file, at(2026, 11, 16, 9, 0)).await.unwrap().created;
    let now = at(2026, 11, 17, 10, 0);
    let found = |term: &str| {
        let desk = desk.clone();
        let term = term.to_string();
        async move {
            let q = QueueQuery {
                search: Some(term.clone()),
                include_closed: true,
                limit: 10,
                ..Default::default()
            };
            let mut names: Vec<String> = desk
                .queue(&q, now)
                .await
                .unwrap()
                .into_iter()
                .map(|i| i.record.requester_name.unwrap())
                .collect();
            names.sort();
            assert_eq!(desk.queue_count(&q).await.unwrap() as usize, names.len(), "count for {term:?}");
            names
        }
    };
    let flags = || async {
        sqlx::query_scalar::<_, bool>("SELECT paused FROM request_search ORDER BY request_id")
            .fetch_all(desk.pool())
            .await
            .unwrap()
    };
    let expected = [
        ("åsa öb", vec!["Åsa Öberg"]),
        ("ÖBERG", vec!["Åke Öbergsson", "Åsa Öberg"]),
        ("öb", vec!["Åke Öbergsson", "Åsa Öberg"]),
        ("öbergs", vec!["Åke Öbergsson"]),
        ("1126-7349", vec!["Åsa Öberg"]),
        ("p1@example", vec!["Åsa Öberg"]),
        ("berg", vec![]),
    ];
    for (term, names) in &expected {
        assert_eq!(&found(term).await, names, "before the pause: {term:?}");
    }

    desk.pause(&alice(), &refs[0], "asked for ID", None, at(2026, 11, 16, 10, 0)).await.unwrap();
    assert_eq!(flags().await, [true, false, false], "the pause is on the search row");
    for (term, names) in &expected {
        assert_eq!(&found(term).await, names, "while paused: {term:?}");
    }
    // Only the paused part, by the statement that reads the paused requests: "due before" counts
    // them by the date they show.
    let paused_only = QueueQuery {
        search: Some("öb".into()),
        status: Some(RequestStatus::AwaitingInformation),
        limit: 10,
        ..Default::default()
    };
    let items = desk.queue(&paused_only, now).await.unwrap();
    assert_eq!(items.iter().map(|i| i.record.reference.as_str()).collect::<Vec<_>>(), [refs[0].as_str()]);

    desk.resume(&alice(), &refs[0], None, at(2026, 11, 17, 9, 0)).await.unwrap();
    assert_eq!(flags().await, [false, false, false], "the resumption too");
    for (term, names) in &expected {
        assert_eq!(&found(term).await, names, "after the resumption: {term:?}");
    }
}

/// A whole personal number, in any written form, finds its requests by their normal form
/// (migrations 0030, 0047): a 10-digit Swedish number by the century the day of receipt gives it
/// (one more back when written with '+', Folkbokföringslagen 18 §), a Finnish HETU as itself.
/// Part of a number is still looked for as a substring.
#[tokio::test]
async fn a_whole_personal_number_in_any_written_form_finds_its_requests() {
    let desk = desk().await;
    let person = |id: &str, j: &str, name: &str, pn: &str| {
        requester_line(id, j, name, &format!("{id}@example.se"), pn)
    };
    let file = [
        person("n1", "SE", "Tove Tiosiffrig", "9403025340"),
        person("n2", "FI", "Aino Hetu", "131052-308T"),
        person("n3", "SE", "Gustav Hundraåring", "201223+1234"),
    ]
    .join("\n");
    let refs = desk.intake(&alice(), &file, at(2026, 11, 16, 9, 0)).await.unwrap().created;
    let found = |term: &str| {
        let desk = desk.clone();
        let term = term.to_string();
        async move {
            let q = QueueQuery {
                search: Some(term.clone()),
                include_closed: true,
                limit: 10,
                ..Default::default()
            };
            let refs: Vec<String> = desk
                .queue(&q, at(2026, 11, 17, 10, 0))
                .await
                .unwrap()
                .into_iter()
                .map(|i| i.record.reference)
                .collect();
            assert_eq!(desk.queue_count(&q).await.unwrap() as usize, refs.len(), "count for {term:?}");
            refs
        }
    };
    for term in ["19940302-5340", "199403025340", "9403025340", "940302-5340", "0302-5340"] {
        assert_eq!(found(term).await, [refs[0].clone()], "{term}");
    }
    for term in ["131052-308T", "131052-308t", "1052-308"] {
        assert_eq!(found(term).await, [refs[1].clone()], "{term}");
    }
    // Born 1920: 20 would put the birth after nothing, '+' says a hundred years or more.
    for term in ["201223+1234", "19201223-1234", "201223-1234", "192012231234"] {
        assert_eq!(found(term).await, [refs[2].clone()], "{term}");
    }
    for term in ["19940302-5341", "20201223-1234", "131052-308U"] {
        assert!(found(term).await.is_empty(), "{term}");
    }
}

#[tokio::test]
async fn a_search_term_cannot_escape_its_literal() {
    let desk = desk().await;
    desk.intake(&alice(), &line("q1", "access", "SE", "2026-11-16T09:00:00+01:00"), at(2026, 11, 16, 9, 0))
        .await
        .unwrap();
    for term in ["x' OR 'a'='a", "'; DELETE FROM requests; --", "\\' OR true --", "a\0b", "O'Brien"] {
        let q =
            QueueQuery { search: Some(term.into()), include_closed: true, limit: 10, ..Default::default() };
        assert!(desk.queue(&q, at(2026, 11, 16, 10, 0)).await.unwrap().is_empty(), "{term:?}");
        assert_eq!(desk.queue_count(&q).await.unwrap(), 0, "{term:?}");
    }
    assert_eq!(count(&desk, "requests").await, 1);
}

/// The database's normal form of a written personal number (migration 0030, used by the search)
/// agrees with the program's own (domain/identity.rs) for every written form of valid Swedish
/// numbers, including 100-year-olds written with '+' and the century boundary on the day of
/// receipt, and for Finnish HETUs.
#[tokio::test]
async fn the_database_normalises_personal_numbers_as_the_program_does() {
    use chrono::NaiveDate;
    use dsrdesk::domain::Jurisdiction;
    use dsrdesk::domain::identity::IdentityNumber;
    let db = dsrdesk::testing::fresh_database().await;
    let luhn = |nine: &str| {
        let sum: u32 = nine
            .bytes()
            .enumerate()
            .map(|(i, b)| {
                let p = (b - b'0') as u32 * if i % 2 == 0 { 2 } else { 1 };
                p / 10 + p % 10
            })
            .sum();
        (10 - sum % 10) % 10
    };
    let received = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
    let mut cases = Vec::new();
    for (year, month, day, serial) in [
        (1981, 12, 18, 987),
        (1926, 11, 1, 123),
        (1926, 11, 3, 456),
        (2026, 11, 2, 11),
        (2001, 2, 28, 555),
        (1950, 6, 30, 2),
    ] {
        let yy = year % 100;
        let nine = format!("{yy:02}{month:02}{day:02}{serial:03}");
        let check = luhn(&nine);
        let age_100 =
            received.years_since(NaiveDate::from_ymd_opt(year, month, day).unwrap()).unwrap_or(0) >= 100;
        let sep = if age_100 { '+' } else { '-' };
        cases.push((Jurisdiction::Sweden, format!("{year}{month:02}{day:02}{serial:03}{check}")));
        cases.push((Jurisdiction::Sweden, format!("{year}{month:02}{day:02}-{serial:03}{check}")));
        cases.push((Jurisdiction::Sweden, format!("{yy:02}{month:02}{day:02}{sep}{serial:03}{check}")));
        if !age_100 {
            cases.push((Jurisdiction::Sweden, format!("{yy:02}{month:02}{day:02}{serial:03}{check}")));
        }
    }
    cases.push((Jurisdiction::Finland, "131052-308T".into()));
    cases.push((Jurisdiction::Finland, "010594Y9032".into()));
    for (j, written) in cases {
        let rust = IdentityNumber::parse(&written, Some(j), received)
            .unwrap_or_else(|e| panic!("{written} is valid: {e}"))
            .normalized();
        let sql: String =
            sqlx::query_scalar("SELECT dsrdesk_normal_identity_number($1, $2::jurisdiction, $3)")
                .bind(&written)
                .bind(j.code())
                .bind(received)
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert_eq!(sql, rust, "{written} ({j:?})");
    }
}

/// Art. 12(3) with 12(6) (DOMAIN.md "Suspension"): while paused the clock stands still, so a
/// paused request is due, as of today, on the date it would have if the information arrived today
/// — and the queue sorts it by that date, the one it shows. Dates by hand (Reg. 1182/71 art. 3,
/// lag 1989:253), today Tue 10 Mar 2026:
/// - A: received Mon 2 Feb → due Mon 2 Mar; paused on 20 Feb: 18 days → Fri 20 Mar.
/// - B: received Mon 16 Feb → due Mon 16 Mar (not paused).
/// - C: received Fri 20 Feb → due Fri 20 Mar (not paused); ties with A, after it by id.
/// - E: received Tue 24 Feb → due Tue 24 Mar; paused on 26 Feb: 12 days → Sun 5 Apr (Easter
///   Sunday), Easter Monday 6 Apr → Tue 7 Apr.
/// - F: received Sat 7 Mar → due Tue 7 Apr (not paused); ties with E, after it by id.
#[tokio::test]
async fn a_paused_request_sorts_by_the_date_it_shows_not_its_stored_due_date_art_12_3_and_12_6() {
    let desk = desk().await;
    let input = [
        line("A", "access", "SE", "2026-02-02T10:00:00+01:00"),
        line("B", "access", "SE", "2026-02-16T10:00:00+01:00"),
        line("C", "access", "SE", "2026-02-20T10:00:00+01:00"),
        line("E", "access", "SE", "2026-02-24T10:00:00+01:00"),
        line("F", "access", "SE", "2026-03-07T10:00:00+01:00"),
    ]
    .join("\n");
    let now = at(2026, 3, 10, 11, 0);
    let refs = desk.intake(&alice(), &input, at(2026, 3, 7, 12, 0)).await.unwrap().created;
    let (a, b, c, e, f) = (&refs[0], &refs[1], &refs[2], &refs[3], &refs[4]);
    desk.pause(&alice(), a, "asked for the e-ID check", None, at(2026, 2, 20, 12, 0)).await.unwrap();
    desk.pause(&alice(), e, "asked which cases", None, at(2026, 2, 26, 12, 0)).await.unwrap();
    let expected: Vec<(&String, NaiveDate)> = vec![
        (b, day(2026, 3, 16)),
        (a, day(2026, 3, 20)),
        (c, day(2026, 3, 20)),
        (e, day(2026, 4, 7)),
        (f, day(2026, 4, 7)),
    ];
    let shown = |items: &[dsrdesk::service::QueueItem]| -> Vec<(String, NaiveDate)> {
        items.iter().map(|i| (i.record.reference.clone(), i.effective_due_on)).collect()
    };
    let expected: Vec<(String, NaiveDate)> = expected.into_iter().map(|(r, d)| (r.clone(), d)).collect();
    let page = desk.queue(&QueueQuery { limit: 100, ..Default::default() }, now).await.unwrap();
    assert_eq!(shown(&page), expected);
    // One row at a time by keyset, the cursor being the shown date and the id.
    let mut walked = Vec::new();
    let mut after = None;
    loop {
        let page = desk.queue(&QueueQuery { limit: 1, after, ..Default::default() }, now).await.unwrap();
        let Some(item) = page.first() else { break };
        after = Some((item.effective_due_on, item.record.id));
        walked.extend(shown(&page));
    }
    assert_eq!(walked, expected);
    // Backwards from the end, and in descending order, the same rows reversed.
    use dsrdesk::store::shift::{Direction, QueueOrder, SortField};
    let mut back = Vec::new();
    let mut after = None;
    loop {
        let q = QueueQuery { limit: 2, after, ..Default::default() };
        let page = desk.queue_slice(&q, QueueOrder::default(), Direction::Backward, now).await.unwrap();
        let Some(first) = page.first() else { break };
        after = Some((first.effective_due_on, first.record.id));
        let mut rows = shown(&page);
        rows.extend(back);
        back = rows;
    }
    assert_eq!(back, expected);
    let descending = QueueOrder { field: SortField::Due, descending: true };
    let q = QueueQuery { limit: 100, ..Default::default() };
    let down = desk.queue_slice(&q, descending, Direction::Forward { inclusive: false }, now).await.unwrap();
    assert_eq!(shown(&down), expected.iter().rev().cloned().collect::<Vec<_>>());
    // "Due before 20 Mar" by the shown date: B only (A shows 20 Mar); nothing is overdue today,
    // though A's stored due date (2 Mar) has passed — its clock stood still.
    let before = QueueQuery { limit: 100, due_before: Some(day(2026, 3, 20)), ..Default::default() };
    assert_eq!(shown(&desk.queue(&before, now).await.unwrap()), vec![expected[0].clone()]);
    assert_eq!(desk.queue_count_at(&before, now).await.unwrap(), 1, "the count agrees with the page");
    let overdue = QueueQuery { limit: 100, due_before: Some(day(2026, 3, 10)), ..Default::default() };
    assert!(desk.queue(&overdue, now).await.unwrap().is_empty());
    assert_eq!(desk.queue_count_at(&overdue, now).await.unwrap(), 0);
}

/// The overview's feed: what others recorded since the operator last looked (a day, the first
/// time), newest first, counted up to a cap; one's own events are not in it.
#[tokio::test]
async fn the_change_feed_lists_and_counts_others_events_newest_first_up_to_its_cap() {
    use dsrdesk::store::shift::count_changes_since;
    let desk = desk().await;
    let now = Utc::now();
    let input: Vec<String> =
        (0..12).map(|i| line(&format!("feed-{i}"), "access", "SE", "2026-11-20T10:00:00+01:00")).collect();
    desk.intake(&alice(), &input.join("\n"), now).await.unwrap();

    let sofia = Operator::new("sofia");
    let feed = desk.changes_since(&sofia, None, now, 5).await.unwrap();
    assert!(feed.first_visit);
    assert_eq!(feed.total, 12, "alice's twelve received events");
    assert_eq!(feed.items.len(), 5);
    let ids: Vec<i64> = feed.items.iter().map(|c| c.event_id).collect();
    let mut newest_first = ids.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, newest_first, "newest first");
    assert!(feed.items.iter().all(|c| c.action == "received" && c.actor == "alice"));

    // One's own events are not news.
    assert_eq!(desk.changes_since(&alice(), None, now, 5).await.unwrap().total, 0);
    // The count stops at its cap, and nothing is counted after the mark.
    let since = now - chrono::Duration::days(1);
    assert_eq!(count_changes_since(desk.pool(), since, "sofia", 7).await.unwrap(), 7);
    let after = Utc::now() + chrono::Duration::seconds(1);
    assert_eq!(count_changes_since(desk.pool(), after, "sofia", 7).await.unwrap(), 0);
}
