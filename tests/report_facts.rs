//! The report read from the facts migration 0033 keeps with each event (issue 17 §1, correct at
//! scale) gives the figures the event history itself gives (`Desk::report_from_events`, the
//! reference), for any period and any today — and keeps them when an event's details are redacted
//! afterwards. The hand-counted figures of the same kinds of history are in tests/report.rs.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dsrdesk::config::Config;
use dsrdesk::domain::Jurisdiction;
use dsrdesk::domain::RequestStatus;
use dsrdesk::domain::report::{Period, RefusalGround};
use dsrdesk::service::seed::SeedOptions;
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{fixture_now, fresh_database};
use std::collections::BTreeMap;

/// At `hour`:00 UTC on a day.
fn at(y: i32, m: u32, d: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, hour, 0, 0).unwrap()
}

fn on(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    at(y, m, d, 10)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn line(id: &str, kind: &str, controller: &str, received: &str, channel: &str) -> String {
    format!(
        r#"{{"external_id":"{id}","kind":"{kind}","jurisdiction":"{controller}","received_at":"{received}","channel":"{channel}","requester":{{"name":"Åsa Öberg","email":"asa@example.se"}},"text":"Hej"}}"#
    )
}

/// Every shape of history the report distinguishes: answered early, on the due day and the day
/// after; extended; paused once, twice, still paused; refused on each ground; forwarded;
/// withdrawn; reassigned after the period; open and overdue; received late on 31 December in
/// Helsinki; events recorded out of order (`--at` in the past).
async fn world() -> (Desk, BTreeMap<&'static str, String>) {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool, Config::default());
    let lines: [(&str, &str, &str, &str, &str); 25] = [
        ("A", "restriction", "SE", "2025-03-05T10:00:00Z", "email"),
        ("B", "restriction", "SE", "2025-03-05T10:00:00Z", "email"),
        ("C", "objection", "SE", "2025-01-10T10:00:00Z", "letter"),
        ("D", "objection", "SE", "2025-02-03T10:00:00Z", "email"),
        ("E", "restriction", "SE", "2025-05-02T10:00:00Z", "web"),
        ("F", "access", "SE", "2025-06-02T10:00:00Z", "letter"),
        ("G", "erasure", "FI", "2025-07-01T10:00:00Z", "letter"),
        ("H", "erasure", "FI", "2025-07-01T10:00:00Z", "email"),
        ("I", "access", "SE", "2025-08-04T10:00:00Z", "email"),
        ("J", "access", "FI", "2025-09-01T10:00:00Z", "phone"),
        ("K", "access", "SE", "2025-12-01T10:00:00Z", "email"),
        ("L", "objection", "SE", "2025-11-03T10:00:00Z", "email"),
        ("M", "restriction", "SE", "2024-12-20T10:00:00Z", "email"),
        ("N", "restriction", "SE", "2025-11-10T10:00:00Z", "email"),
        ("O", "access", "FI", "2025-10-01T10:00:00Z", "email"),
        ("P", "restriction", "SE", "2025-12-15T10:00:00Z", "email"),
        // Received 31 Dec 23:30 in Helsinki (21:30 UTC): a 2025 request in Finland.
        ("Q", "access", "FI", "2025-12-31T21:30:00Z", "email"),
        ("R", "objection", "SE", "2025-04-01T10:00:00Z", "email"),
        ("S", "restriction", "FI", "2025-06-16T10:00:00Z", "web"),
        ("T", "objection", "SE", "2025-01-31T10:00:00Z", "email"),
        ("U", "objection", "SE", "2025-02-10T10:00:00Z", "letter"),
        ("V", "restriction", "SE", "2025-10-20T10:00:00Z", "email"),
        ("W", "restriction", "SE", "2025-09-01T10:00:00Z", "email"),
        ("X", "restriction", "SE", "2025-09-01T10:00:00Z", "email"),
        ("Y", "restriction", "SE", "2025-09-01T10:00:00Z", "email"),
    ];
    let input: Vec<String> = lines.iter().map(|(id, k, c, r, ch)| line(id, k, c, r, ch)).collect();
    let dpo = Operator::new("dpo");
    let created = desk.intake(&dpo, &input.join("\n"), fixture_now()).await.unwrap().created;
    let refs: BTreeMap<&'static str, String> = lines.iter().map(|l| l.0).zip(created).collect();
    let r = |id: &str| refs[id].clone();
    let (alice, bob, carol) = (Operator::new("alice"), Operator::new("bob"), Operator::new("carol"));
    let close =
        |id: &'static str, status: RequestStatus, reason: Option<&'static str>, when: DateTime<Utc>| {
            let desk = desk.clone();
            let reference = r(id);
            async move {
                desk.set_status(&dpo_of(), &reference, status, reason, None, when)
                    .await
                    .unwrap_or_else(|e| panic!("{id}: {e}"));
            }
        };
    for (id, when) in [("A", on(2025, 3, 6)), ("B", on(2025, 3, 6)), ("C", on(2025, 1, 10))] {
        desk.assign(&alice, &r(id), None, None, when).await.unwrap();
    }
    // A received 5 Mar, due 5 Apr (Sat) -> Mon 7 Apr: answered on the due day; B the day after.
    close("A", RequestStatus::Answered, None, on(2025, 4, 7)).await;
    close("B", RequestStatus::Answered, None, on(2025, 4, 8)).await;
    close("C", RequestStatus::Answered, None, on(2025, 1, 20)).await;
    desk.extend(&dpo, &r("D"), "complex: many cases", None, on(2025, 2, 20)).await.unwrap();
    close("D", RequestStatus::Answered, None, on(2025, 4, 10)).await;
    desk.pause(&dpo, &r("E"), "asked for the case number", None, on(2025, 5, 5)).await.unwrap();
    desk.resume(&dpo, &r("E"), None, on(2025, 5, 15)).await.unwrap();
    close("E", RequestStatus::Answered, None, on(2025, 6, 12)).await;
    close("F", RequestStatus::Refused, Some("Art. 12(5): the fourth identical request"), on(2025, 6, 10))
        .await;
    close("G", RequestStatus::Refused, Some("Art. 17 (3) (e): the claim is in court"), on(2025, 7, 15)).await;
    close("H", RequestStatus::Refused, Some("ART. 17(3)(B) kirjanpitolaki"), on(2025, 7, 20)).await;
    desk.pause(&dpo, &r("I"), "asked for an ID document", None, on(2025, 8, 5)).await.unwrap();
    close("I", RequestStatus::Refused, Some("HENKILÖLLISYYTTÄ ei voitu todentaa"), on(2025, 9, 15)).await;
    close("J", RequestStatus::Withdrawn, Some("withdrawn by phone"), on(2025, 9, 3)).await;
    close("M", RequestStatus::Answered, None, on(2025, 1, 15)).await;
    desk.assign(&bob, &r("L"), None, None, on(2025, 11, 4)).await.unwrap();
    // Handed over after the period: at the end of 2025 L is still bob's.
    desk.assign(&dpo, &r("L"), Some("carol"), None, on(2026, 1, 5)).await.unwrap();
    desk.pause(&dpo, &r("N"), "asked which account", None, on(2025, 11, 20)).await.unwrap();
    close("O", RequestStatus::Forwarded, Some("processor-held data"), on(2025, 10, 2)).await;
    close("P", RequestStatus::Answered, None, on(2026, 1, 8)).await;
    // R: paused twice, extended, released, answered late.
    desk.assign(&carol, &r("R"), None, None, on(2025, 4, 2)).await.unwrap();
    desk.pause(&dpo, &r("R"), "asked for the account", None, on(2025, 4, 3)).await.unwrap();
    desk.resume(&dpo, &r("R"), None, on(2025, 4, 9)).await.unwrap();
    desk.extend(&dpo, &r("R"), "several systems", None, on(2025, 4, 20)).await.unwrap();
    desk.pause(&dpo, &r("R"), "asked again", None, on(2025, 5, 2)).await.unwrap();
    desk.resume(&dpo, &r("R"), None, on(2025, 5, 30)).await.unwrap();
    desk.release(&carol, &r("R"), None, on(2025, 6, 1)).await.unwrap();
    close("R", RequestStatus::Answered, None, on(2025, 8, 1)).await;
    // S (FI): answered within 28 days, with a pause ended before; a Finnish holiday on the way.
    desk.assign(&bob, &r("S"), None, None, on(2025, 6, 17)).await.unwrap();
    desk.pause(&dpo, &r("S"), "asked for the number", None, on(2025, 6, 18)).await.unwrap();
    desk.resume(&dpo, &r("S"), None, on(2025, 6, 23)).await.unwrap();
    close("S", RequestStatus::Answered, None, on(2025, 7, 10)).await;
    // T received 31 Jan: one month ends on 28 Feb (Reg. 1182/71 art. 3(2)(c)); answered that day.
    close("T", RequestStatus::Answered, None, on(2025, 2, 28)).await;
    // U: answered late, after 28 days, with an extension decided in the first month.
    desk.extend(&dpo, &r("U"), "complex: many cases", None, on(2025, 2, 14)).await.unwrap();
    close("U", RequestStatus::Answered, None, on(2025, 3, 20)).await;
    // V: events recorded out of order (`--at`): the claim written first dated 5 Nov, the answer
    // written after it dated 30 Oct. At the end of October V is answered and nobody's.
    desk.assign(&alice, &r("V"), None, None, on(2025, 11, 5)).await.unwrap();
    close("V", RequestStatus::Answered, None, on(2025, 10, 30)).await;
    // The internal target's boundary (with a 10-day target, `strict_targets`): W answered on the
    // tenth day, X on the eleventh, Y on the thirteenth after a pause of 3 days.
    close("W", RequestStatus::Answered, None, on(2025, 9, 11)).await;
    close("X", RequestStatus::Answered, None, on(2025, 9, 12)).await;
    desk.pause(&dpo, &r("Y"), "asked for the number", None, on(2025, 9, 2)).await.unwrap();
    desk.resume(&dpo, &r("Y"), None, on(2025, 9, 5)).await.unwrap();
    close("Y", RequestStatus::Answered, None, on(2025, 9, 14)).await;
    (desk, refs)
}

fn dpo_of() -> Operator {
    Operator::new("dpo")
}

/// Internal targets of 10 (SE) and 12 (FI) days, and Sweden's eves counted as holidays: the same
/// history read with other settings.
fn strict_targets(desk: &Desk) -> Desk {
    let config = Config::parse(
        r#"
        [controllers.SE]
        name = "Inkassogram AB"
        internal_target_days = 10
        eves_are_holidays = true
        [controllers.SE.contact]
        email = "dataskydd@inkassogram.example"
        postal_address = "Lilla Bommen 1, 411 04 Göteborg"
        [controllers.FI]
        name = "Perintä Oy"
        internal_target_days = 12
        [controllers.FI.contact]
        email = "tietosuoja@perinta.example"
        postal_address = "Mannerheimintie 1, 00100 Helsinki"
        "#,
        std::path::Path::new("strict.toml"),
    )
    .unwrap();
    Desk::new(desk.pool().clone(), config)
}

/// Periods and todays that cut the history everywhere: years, months, odd ranges, a period not
/// yet begun, today inside the period and after it.
fn readings() -> Vec<(Period, NaiveDate)> {
    let mut periods = vec![
        Period::year(2024).unwrap(),
        Period::year(2025).unwrap(),
        Period::year(2026).unwrap(),
        Period::new(day(2025, 2, 15), day(2025, 7, 9)).unwrap(),
        Period::new(day(2025, 4, 7), day(2025, 4, 7)).unwrap(),
        Period::new(day(2025, 12, 20), day(2026, 1, 6)).unwrap(),
    ];
    periods.extend(Period::year(2025).unwrap().months().into_iter().map(|(_, p)| p));
    let todays = [
        day(2025, 1, 1),
        day(2025, 4, 7),
        day(2025, 8, 15),
        day(2025, 12, 3),
        day(2026, 1, 7),
        day(2026, 11, 21),
    ];
    periods.into_iter().flat_map(|p| todays.map(|t| (p, t))).collect()
}

async fn assert_same(desk: &Desk, what: &str) {
    for (period, today) in readings() {
        for controller in [None, Some(Jurisdiction::Sweden), Some(Jurisdiction::Finland)] {
            let facts = desk.report(period, controller, today).await.unwrap();
            let events = desk.report_from_events(period, controller, today).await.unwrap();
            assert_eq!(facts, events, "{what}: {period:?} on {today}, {controller:?}");
        }
    }
}

#[tokio::test]
async fn the_facts_give_the_event_historys_figures_for_any_period_and_day() {
    let (desk, _) = world().await;
    assert_same(&desk, "the world").await;
    let strict = strict_targets(&desk);
    assert_same(&strict, "the world with a 10-day target").await;
    let september = Period::year(2025).unwrap().months()[8].1;
    let r = strict.report(september, None, fixture_now().date_naive()).await.unwrap();
    // W on the tenth day and Y on the tenth after its 3 paused days made the target, X did not.
    assert_eq!((r.total.answered, r.total.answered_within_target), (3, 2));
    // Both ways of counting are used: a group at a time in the database those closed within 28
    // days of receipt or received within 28 days of the period's end (P, Q), one by one the
    // others.
    let mut conn = desk.pool().acquire().await.unwrap();
    let (shapes, one_by_one) = dsrdesk::store::report::facts(
        &mut conn,
        Period::year(2025).unwrap(),
        None,
        fixture_now().date_naive(),
        (30, 30),
    )
    .await
    .unwrap();
    assert_eq!(shapes.iter().map(|s| s.requests).sum::<u64>() + one_by_one.len() as u64, 25);
    // One by one: A, B, D, E, I, R, U (closed after 28 days), K, L, N (open on 31 December,
    // received more than 28 days before).
    assert_eq!(one_by_one.len(), 10);
    // Spot checks counted by hand for 2025 as it stands on 21 Nov 2026.
    let r = desk.report(Period::year(2025).unwrap(), None, fixture_now().date_naive()).await.unwrap();
    // Received in 2025: all but M (20 Dec 2024); Q is 31 Dec in Helsinki.
    assert_eq!(r.total.received, 24);
    // On time: A (on the due day), C, D (extended), E (paused 10 days, on the due day), M, S, T
    // (on 28 Feb, the day one month ends), V; R: received 1 Apr, extended, 6 + 28 paused days:
    // due 1 Jul + 34 = 4 Aug, answered 1 Aug. U extended: due 12 May, answered 20 Mar.
    // Late: B (the day after the due day).
    // W, X and Y (September, within days) are on time too.
    assert_eq!((r.total.answered, r.total.answered_on_time), (14, 13));
    assert_eq!(
        r.total.refused_by_ground,
        BTreeMap::from([
            (RefusalGround::Art12_5, 1),
            (RefusalGround::Art17_3B, 1),
            (RefusalGround::Art17_3E, 1),
            (RefusalGround::IdentityNotEstablished, 1),
        ])
    );
    // L is bob's at the end of 2025 (handed to carol in 2026) and overdue (due 3 Dec).
    assert_eq!((r.by_operator["bob"].open_at_end, r.by_operator["bob"].overdue_at_end), (1, 1));
    assert_eq!(r.total.extended, 3);
    // Pauses asked for in 2025: E, I, N, R twice, S, Y.
    assert_eq!(r.total.paused, 7);
}

#[tokio::test]
async fn the_facts_give_the_event_historys_figures_for_a_seeded_year() {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool, Config::default());
    desk.seed(
        &SeedOptions { requests: 1500, persons: 300, seed: 7, ..SeedOptions::default() },
        fixture_now(),
        |_| {},
    )
    .await
    .unwrap();
    let today = fixture_now().date_naive();
    for period in [
        Period::year(2025).unwrap(),
        Period::year(2026).unwrap(),
        Period::new(day(2025, 10, 1), day(2026, 3, 31)).unwrap(),
        Period::new(day(2026, 11, 1), day(2026, 11, 30)).unwrap(),
    ] {
        for t in [today, day(2026, 6, 30), day(2025, 12, 31)] {
            for desk in [&desk, &strict_targets(&desk)] {
                let facts = desk.report(period, None, t).await.unwrap();
                let events = desk.report_from_events(period, None, t).await.unwrap();
                assert_eq!(facts, events, "{period:?} on {t}");
            }
        }
    }
}

#[tokio::test]
async fn redacting_an_events_details_afterwards_leaves_the_report_as_it_was() {
    let (desk, refs) = world().await;
    let year = Period::year(2025).unwrap();
    let today = fixture_now().date_naive();
    let before = desk.report(year, None, today).await.unwrap();
    // Anonymisation (issue 17 §3) may blank a closed request's texts; the owner can do it by hand.
    let mut tx = desk.pool().begin().await.unwrap();
    sqlx::raw_sql("ALTER TABLE request_events DISABLE TRIGGER request_events_append_only")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE request_events SET details = '{}' WHERE request_id IN
            (SELECT id FROM requests WHERE reference = ANY($1))",
    )
    .bind(vec![refs["F"].clone(), refs["D"].clone()])
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let after = desk.report(year, None, today).await.unwrap();
    assert_eq!(after, before);
    assert_eq!(after.total.refused_by_ground[&RefusalGround::Art12_5], 1);
    // The events alone no longer say F's ground.
    let events = desk.report_from_events(year, None, today).await.unwrap();
    assert_ne!(events.total.refused_by_ground, before.total.refused_by_ground);
}

#[tokio::test]
async fn the_database_reads_a_refusals_ground_as_the_domain_does() {
    let db = fresh_database().await;
    let reasons = [
        "Manifestly excessive, Art. 12(5)",
        "art. 17 (3) (b) bokföringslagen",
        "ART.\u{a0}17(3)(E)",
        "Identiteten kunde inte fastställas",
        "HENKILÖLLISYYTTÄ ei voitu todentaa",
        "henkilöllisyyttä",
        "Art. 12(6)",
        "art 12 ( 2 )",
        "no reason we can name",
        "",
    ];
    for reason in reasons {
        let code: String = sqlx::query_scalar("SELECT dsrdesk_refusal_ground($1)")
            .bind(reason)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(code, RefusalGround::of_reason(reason).code(), "{reason:?}");
    }
    for ground in RefusalGround::ALL {
        assert_eq!(RefusalGround::of_reason(ground.label()), ground);
        assert_eq!(RefusalGround::from_code(ground.code()), Some(ground));
    }
}
