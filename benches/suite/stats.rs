//! The DPO's report at scale (issue 17 §1): the year's figures from the event history, beside the
//! same SQL timed by the server alone.

use crate::Plan;
use crate::queue::{server_ms_once, server_ms_under};
use crate::report::{Row, median};
use chrono::{Datelike, Utc};
use dsrdesk::domain::report::Period;
use dsrdesk::service::Desk;
use dsrdesk::store::report::{REPORT_SETTINGS, one_by_one_sql, shapes_sql};
use std::time::Instant;

const SECTION: &str = "report";

pub async fn run(plan: &Plan, desk: &Desk) -> Vec<Row> {
    // This year: the seed's history reaches 420 days back, so it holds most of the requests.
    let year = Utc::now().year();
    let period = Period::year(year).unwrap();
    let runs = if plan.full { 5 } else { 3 };
    let mut samples = Vec::new();
    let mut counted = 0;
    let mut report_total = Default::default();
    for _ in 0..runs {
        let t = Instant::now();
        let report = desk.report(period, None, Utc::now().date_naive()).await.unwrap();
        samples.push(t.elapsed().as_secs_f64());
        counted = report.total.received;
        report_total = report.total;
    }
    let seconds = median(samples);
    // The report's two statements (store::report::facts) with this reading's values, timed by
    // the server: the groups counted in the database, and the requests counted one by one.
    let starts: Vec<String> = period.bucket_starts().iter().map(|d| d.to_string()).collect();
    let values = |sql: String| {
        sql.replace("$1", &format!("'{}'::date", period.from))
            .replace("$2", &format!("'{}'::date", period.to))
            .replace("$3", &format!("'{}'::date", Utc::now().date_naive()))
            .replace("$4", &format!("'{{{}}}'", starts.join(",")))
            .replace("$5", "NULL")
            .replace("$6", "30")
            .replace("$7", "30")
    };
    let server = (server_ms_under(desk, REPORT_SETTINGS, &values(shapes_sql())).await
        + server_ms_under(desk, REPORT_SETTINGS, &values(one_by_one_sql())).await)
        / 1000.0;
    // The same figures folded from the events at the reading (the reference, and the report before
    // migration 0033), once: it takes seconds at scale.
    let t = Instant::now();
    let reference = desk.report_from_events(period, None, Utc::now().date_naive()).await.unwrap();
    let reference_seconds = t.elapsed().as_secs_f64();
    assert_eq!(reference.total, report_total, "the facts and the events give the same figures");
    vec![
        Row::new(
            SECTION,
            format!(
                "`dsrdesk report --year {year}` over {} requests ({counted} received in the year)",
                plan.requests
            ),
            format!("{seconds:.2} s"),
        )
        .target("< 1 s", seconds < 1.0)
        .plain(format!("the report's two statements alone: {server:.2} s")),
        Row::new(
            SECTION,
            "the same report folded from the events at the reading (the reference; the report before migration 0033)",
            format!("{reference_seconds:.2} s"),
        ),
        audit_verify(desk).await,
    ]
}

/// `dsrdesk audit verify`: the whole chain walked, in events per second.
async fn audit_verify(desk: &Desk) -> Row {
    let t = Instant::now();
    let report = desk.verify_chain().await.unwrap();
    let seconds = t.elapsed().as_secs_f64();
    assert_eq!(report.first_break, None, "the seeded chain holds");
    let rate = report.events as f64 / seconds;
    // Once, not the median of nine: at a million requests one walk takes most of a minute.
    let server = server_ms_once(desk, "SELECT count(*) FROM dsrdesk_chain_breaks()").await / 1000.0;
    Row::new(
        SECTION,
        format!("`dsrdesk audit verify` over {} events", report.events),
        format!("{seconds:.2} s, {rate:.0} events/s"),
    )
    .plain(format!("the walk's SQL alone, on one connection: {server:.2} s"))
}
