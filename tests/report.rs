//! `dsrdesk report` (issue 17 §1) over a seeded history whose figures were counted by hand from
//! the law (DOMAIN.md: Art. 12(3) counted per Reg. 1182/71 art. 3, Swedish holidays of 2025).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dsrdesk::config::Config;
use dsrdesk::domain::report::{Period, RefusalGround, Report};
use dsrdesk::domain::{RequestKind, RequestStatus};
use dsrdesk::service::{Desk, Operator};
use dsrdesk::testing::{fixture_now, fresh_database};
use std::collections::BTreeMap;

/// 10:00 UTC on a day: the same date in Stockholm (11:00 or 12:00).
fn on(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn line(id: &str, kind: &str, received: &str, channel: &str) -> String {
    format!(
        r#"{{"external_id":"{id}","kind":"{kind}","jurisdiction":"SE","received_at":"{received}T10:00:00Z","channel":"{channel}","requester":{{"name":"Åsa Öberg","email":"asa@example.se"}},"text":"Hej"}}"#
    )
}

struct World {
    desk: Desk,
    refs: BTreeMap<&'static str, String>,
}

/// The history of 2025 (and its edges) the expectations below are counted from.
async fn world() -> World {
    let db = fresh_database().await;
    let desk = Desk::new(db.pool, Config::default());
    let lines: [(&str, &str, &str, &str); 16] = [
        ("A", "restriction", "2025-03-05", "email"),
        ("B", "restriction", "2025-03-05", "email"),
        ("C", "objection", "2025-01-10", "email"),
        ("D", "objection", "2025-02-03", "email"),
        ("E", "restriction", "2025-05-02", "email"),
        ("F", "access", "2025-06-02", "letter"),
        ("G", "erasure", "2025-07-01", "letter"),
        ("H", "erasure", "2025-07-01", "email"),
        ("I", "access", "2025-08-04", "email"),
        ("J", "access", "2025-09-01", "email"),
        ("K", "access", "2025-12-01", "email"),
        ("L", "objection", "2025-11-03", "email"),
        ("M", "restriction", "2024-12-20", "email"),
        ("N", "restriction", "2025-11-10", "email"),
        ("O", "access", "2025-10-01", "email"),
        ("P", "restriction", "2025-12-15", "email"),
    ];
    let input: Vec<String> = lines.iter().map(|(id, k, r, c)| line(id, k, r, c)).collect();
    let dpo = Operator::new("dpo");
    let created = desk.intake(&dpo, &input.join("\n"), fixture_now()).await.unwrap().created;
    let refs: BTreeMap<&'static str, String> = lines.iter().map(|l| l.0).zip(created).collect();
    let w = World { desk, refs };
    let (alice, bob) = (Operator::new("alice"), Operator::new("bob"));
    for (id, at) in [("A", on(2025, 3, 6)), ("B", on(2025, 3, 6)), ("C", on(2025, 1, 10))] {
        w.desk.assign(&alice, &w.refs[id], None, None, at).await.unwrap();
    }
    w.desk.assign(&bob, &w.refs["L"], None, None, on(2025, 11, 4)).await.unwrap();
    w.close(&dpo, "A", RequestStatus::Answered, None, on(2025, 4, 7)).await;
    w.close(&dpo, "B", RequestStatus::Answered, None, on(2025, 4, 8)).await;
    w.close(&dpo, "C", RequestStatus::Answered, None, on(2025, 1, 20)).await;
    w.desk.extend(&dpo, &w.refs["D"], "complex: many cases", None, on(2025, 2, 20)).await.unwrap();
    w.close(&dpo, "D", RequestStatus::Answered, None, on(2025, 4, 10)).await;
    w.desk.pause(&dpo, &w.refs["E"], "asked for the case number", None, on(2025, 5, 5)).await.unwrap();
    w.desk.resume(&dpo, &w.refs["E"], None, on(2025, 5, 15)).await.unwrap();
    w.close(&dpo, "E", RequestStatus::Answered, None, on(2025, 6, 12)).await;
    w.close(
        &dpo,
        "F",
        RequestStatus::Refused,
        Some("Art. 12(5): the fourth identical request this month"),
        on(2025, 6, 10),
    )
    .await;
    w.close(
        &dpo,
        "G",
        RequestStatus::Refused,
        Some("Art. 17(3)(e): the claim is disputed in court"),
        on(2025, 7, 15),
    )
    .await;
    w.close(
        &dpo,
        "H",
        RequestStatus::Refused,
        Some("Art. 17(3)(b): bokföringslagen 7 kap. 2 §"),
        on(2025, 7, 20),
    )
    .await;
    w.desk
        .pause(&dpo, &w.refs["I"], "asked for a copy of an ID document", None, on(2025, 8, 5))
        .await
        .unwrap();
    w.close(
        &dpo,
        "I",
        RequestStatus::Refused,
        Some("identity not established: no answer to our question"),
        on(2025, 9, 15),
    )
    .await;
    w.close(&dpo, "J", RequestStatus::Withdrawn, Some("withdrawn by phone"), on(2025, 9, 3)).await;
    w.close(&dpo, "M", RequestStatus::Answered, None, on(2025, 1, 15)).await;
    w.desk.pause(&dpo, &w.refs["N"], "asked which account", None, on(2025, 11, 20)).await.unwrap();
    w.close(
        &dpo,
        "O",
        RequestStatus::Forwarded,
        Some("processor-held data: the client answers"),
        on(2025, 10, 2),
    )
    .await;
    // After the period: must not change 2025's figures.
    w.close(&dpo, "P", RequestStatus::Answered, None, on(2026, 1, 8)).await;
    w
}

impl World {
    async fn close(
        &self,
        who: &Operator,
        id: &str,
        status: RequestStatus,
        reason: Option<&str>,
        at: DateTime<Utc>,
    ) {
        self.desk
            .set_status(who, &self.refs[id], status, reason, None, at)
            .await
            .unwrap_or_else(|e| panic!("{id}: {e}"));
    }

    async fn year(&self, year: i32) -> Report {
        self.desk.report(Period::year(year).unwrap(), None, fixture_now().date_naive()).await.unwrap()
    }
}

#[tokio::test]
async fn the_year_2025_counted_by_hand() {
    let w = world().await;
    let r = w.year(2025).await;
    let t = &r.total;
    // Received in 2025: every request but M (received 20 Dec 2024).
    assert_eq!(t.received, 15);
    // Answered in 2025: A, B, C, D, E and M (P is answered in 2026).
    assert_eq!(t.answered, 6);
    // On time (Art. 12(3)):
    // A received 5 Mar, due 5 Apr, a Saturday -> Monday 7 Apr; answered 7 Apr, the due day: on time.
    // B answered 8 Apr, the day after: late.
    // C received 10 Jan, answered 20 Jan. M received 20 Dec 2024, due 20 Jan; answered 15 Jan.
    // D extended: received 3 Feb, due 3 May (Sat) -> 5 May; answered 10 Apr.
    // E received 2 May, due 2 Jun + 10 paused days = 12 Jun (Thu); answered 12 Jun, the due day.
    assert_eq!(t.answered_on_time, 5);
    // The internal target (30 days, pauses added): only C (by 9 Feb) and M (by 19 Jan) made it;
    // A and B (4 Apr), D (5 Mar), E (11 Jun) did not.
    assert_eq!(t.answered_within_target, 2);
    assert_eq!(t.extended, 1);
    assert_eq!(t.extension_reasons, BTreeMap::from([("complex: many cases".to_string(), 1)]));
    // Pauses asked for in 2025: E, I, N; the one that ended (E) stood 10 days.
    assert_eq!(t.paused, 3);
    assert_eq!(t.paused_days.map(|s| (s.median, s.max)), Some((10.0, 10)));
    assert_eq!(t.refused, 4);
    assert_eq!(
        t.refused_by_ground,
        BTreeMap::from([
            (RefusalGround::Art12_5, 1),
            (RefusalGround::Art17_3B, 1),
            (RefusalGround::Art17_3E, 1),
            (RefusalGround::IdentityNotEstablished, 1),
        ])
    );
    assert_eq!((t.forwarded, t.withdrawn), (1, 1));
    // Days from receipt to answer: C 10, M 26, A 33, B 34, E 41, D 66.
    let days = t.days_to_answer.unwrap();
    assert_eq!((days.median, days.p90, days.max), (33.5, 66, 66));
    // Open on 31 Dec: K, L, N (paused), P. Overdue: L only (due 3 Dec); N's clock stands still,
    // K is due 2 Jan 2026 (1 Jan is a holiday), P 15 Jan 2026.
    assert_eq!((t.open_at_end, t.overdue_at_end), (4, 1));

    let restriction = &r.by_right[&RequestKind::Restriction];
    assert_eq!((restriction.received, restriction.answered, restriction.answered_on_time), (5, 4, 3));
    let objection = &r.by_right[&RequestKind::Objection];
    assert_eq!(
        (objection.received, objection.answered, objection.extended, objection.overdue_at_end),
        (3, 2, 1, 1)
    );
    let access = &r.by_right[&RequestKind::Access];
    assert_eq!(
        (access.received, access.refused, access.withdrawn, access.forwarded, access.open_at_end),
        (5, 2, 1, 1, 1)
    );
    assert_eq!(r.by_right[&RequestKind::Erasure].refused, 2);
    assert_eq!(r.by_right[&RequestKind::Portability], Default::default());

    assert_eq!(r.by_channel["letter"].received, 2);
    assert_eq!(r.by_channel["email"].received, 13);
    assert_eq!((r.by_operator["alice"].answered, r.by_operator["alice"].answered_on_time), (3, 2));
    assert_eq!((r.by_operator["bob"].open_at_end, r.by_operator["bob"].overdue_at_end), (1, 1));

    assert_eq!(r.by_month.len(), 12);
    assert_eq!((r.by_month["2025-04"].answered, r.by_month["2025-04"].answered_on_time), (3, 2));
    assert_eq!((r.by_month["2025-01"].answered, r.by_month["2025-01"].received), (2, 1));
    // At the end of November L is not yet due (3 Dec) and N is paused.
    assert_eq!((r.by_month["2025-11"].open_at_end, r.by_month["2025-11"].overdue_at_end), (2, 0));
    assert_eq!((r.by_month["2025-12"].received, r.by_month["2025-12"].overdue_at_end), (2, 1));
}

#[tokio::test]
async fn a_past_period_gives_the_same_figures_tomorrow() {
    let w = world().await;
    let before = w.year(2025).await;
    // Later work on requests open at the end of 2025 does not change 2025.
    let dpo = Operator::new("dpo");
    w.desk.resume(&dpo, &w.refs["N"], None, on(2026, 1, 12)).await.unwrap();
    w.close(&dpo, "N", RequestStatus::Answered, None, on(2026, 1, 13)).await;
    w.close(&dpo, "L", RequestStatus::Answered, None, on(2026, 1, 14)).await;
    assert_eq!(w.year(2025).await, before);
    let next = w.year(2026).await;
    // 2026: P, N and L answered; N received 10 Nov, due 10 Dec + 53 paused days = 1 Feb 2026
    // (a Sunday) -> 2 Feb; answered 13 Jan: on time. L (due 3 Dec) and P (due 15 Jan) late/on time.
    assert_eq!((next.total.answered, next.total.answered_on_time), (3, 2));
    assert_eq!(next.total.received, 0);
}

#[tokio::test]
async fn one_controller_and_a_period() {
    let w = world().await;
    let period = Period::new(day(2025, 4, 1), day(2025, 4, 30)).unwrap();
    let april = w
        .desk
        .report(period, Some(dsrdesk::domain::Jurisdiction::Sweden), fixture_now().date_naive())
        .await
        .unwrap();
    assert_eq!((april.total.answered, april.total.answered_on_time), (3, 2));
    let finland = w
        .desk
        .report(period, Some(dsrdesk::domain::Jurisdiction::Finland), fixture_now().date_naive())
        .await
        .unwrap();
    assert_eq!(finland.total, Default::default());
}
