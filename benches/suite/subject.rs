//! A heavy subject added to the ledger at scale: years of cases, thousands of payments, letters
//! and calls. Ids start at a base far above the seeded ledger's, so the subject sits among the
//! million persons without touching them. The erasure plan is measured here; the export uses
//! another such subject.

use crate::Plan;
use crate::report::{Row, percentile};
use chrono::Utc;
use dsrdesk::service::{Desk, Operator};
use std::time::Instant;

/// One debtor `base` with `cases` cases (a third open, some at enforcement, the rest closed over
/// the years), `payments` payments spread over them and over financial years, 500 letters and 200
/// calls. Returns the person's id.
pub async fn add_heavy_subject(desk: &Desk, base: i64, cases: i64, payments: i64) -> i64 {
    let pool = desk.pool();
    sqlx::query(
        "INSERT INTO ledger.clients (id, name, org_number, country, service, agency_role)
         VALUES ($1, 'Nordbank AB (benchmark)', '556000-0001', 'SE', 'collection', 'controller')",
    )
    .bind(base)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO ledger.persons (id, role, country, personal_number, first_name, last_name, street,
            postal_code, city, email, language, created_on)
         VALUES ($1, 'debtor', 'SE', '19811218-9876', 'Anna', 'Tungvikt', 'Storgatan 1', '123 45', 'Malmö',
            'heavy' || $1 || '@example.se', 'sv', '2010-01-01')",
    )
    .bind(base)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO ledger.marketing_preferences (person_id, consent_given_on, by_email, by_sms, by_post)
         VALUES ($1, '2019-02-01', true, false, false)",
    )
    .bind(base)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO ledger.cases (id, case_number, client_id, debtor_id, invoice_number, currency, principal,
            fees, interest, outstanding, opened_on, closed_on, paid_in_full_on, stage)
         SELECT $2 + g, 'BENCH-' || ($2 + g), $2, $2, 'F-' || g, 'SEK', 1000, 180, 0,
                CASE WHEN g % 3 = 0 THEN 1180 ELSE 0 END,
                date '2012-01-01' + (g * 70)::int,
                CASE WHEN g % 3 = 0 THEN NULL ELSE date '2012-06-01' + (g * 70)::int END,
                CASE WHEN g % 3 = 0 THEN NULL ELSE date '2012-06-01' + (g * 70)::int END,
                CASE WHEN g % 3 = 0 THEN (CASE WHEN g % 2 = 0 THEN 'enforcement' ELSE 'collection' END) ELSE 'closed' END
         FROM generate_series(1, $1::bigint) g",
    )
    .bind(cases)
    .bind(base)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO ledger.payments (id, case_id, payer_id, paid_on, amount, method, booking_reference, financial_year_end)
         SELECT $3 + g, $3 + 1 + g % $2::bigint, $3, date '2012-01-01' + (g % 5000)::int,
                10, 'bankgiro', 'BENCH-' || ($3 + g),
                make_date(extract(year FROM date '2012-01-01' + (g % 5000)::int)::int, 12, 31)
         FROM generate_series(1, $1::bigint) g",
    )
    .bind(payments)
    .bind(cases)
    .bind(base)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO ledger.letters (id, case_id, person_id, sent_on, letter_type, channel)
         SELECT $2 + g, $2 + 1 + g % $1::bigint, $2, date '2012-01-01' + g::int, 'reminder', 'post'
         FROM generate_series(1, 500) g",
    )
    .bind(cases)
    .bind(base)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO ledger.calls (id, case_id, person_id, called_at, direction, summary)
         SELECT $2 + g, $2 + 1 + g % $1::bigint, $2, timestamptz '2012-01-01' + g * interval '3 days', 'inbound', 'call'
         FROM generate_series(1, 200) g",
    )
    .bind(cases)
    .bind(base)
    .execute(pool)
    .await
    .unwrap();
    sqlx::raw_sql("ANALYZE ledger.cases, ledger.payments, ledger.letters, ledger.calls")
        .execute(pool)
        .await
        .unwrap();
    base
}

/// A request from the heavy subject (a surname and an e-mail address the seeded ledger does not
/// use, so the subject is among the link's candidates however large the ledger), linked by the
/// DPO's choice.
pub async fn request_from(desk: &Desk, person: i64, kind: &str, external_id: &str) -> String {
    let line = format!(
        r#"{{"external_id":"{external_id}","kind":"{kind}","jurisdiction":"SE","received_at":"2026-11-20T09:00:00+01:00","language":"sv","requester":{{"name":"Anna Tungvikt","email":"heavy{person}@example.se","personal_number":"19811218-9876"}}}}"#
    );
    let operator = Operator::new("bench");
    let reference = desk.intake(&operator, &line, Utc::now()).await.unwrap().created.remove(0);
    desk.link(&operator, &reference, Some(&person.to_string()), Utc::now()).await.unwrap();
    reference
}

/// Run a data-map SELECT for `person` as dsrdesk does (one JSON object a row); the row count.
async fn select_directly(desk: &Desk, select: &str, person: i64) -> usize {
    let rows: Vec<serde_json::Value> =
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT row_to_json(s) FROM ({select}) s")))
            .bind(person.to_string())
            .fetch_all(desk.pool())
            .await
            .unwrap();
    rows.len()
}

pub async fn erasure_plan(plan: &Plan, desk: &Desk) -> Vec<Row> {
    let (cases, payments) = (50, 5_000);
    let runs = if plan.full { 30 } else { 3 };
    let person =
        add_heavy_subject(desk, 9_000_000_000 + std::process::id() as i64 * 100_000, cases, payments).await;
    let reference = request_from(desk, person, "erasure", &format!("bench-erasure-{person}")).await;

    // Warm up (the data map check and the prepared statements).
    let first = desk.erasure_plan(&reference, Utc::now()).await.unwrap();
    let planned = first.rows().count();
    let mut samples = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let p = desk.erasure_plan(&reference, Utc::now()).await.unwrap();
        samples.push(start.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(p.rows().count(), planned);
    }
    // The database's part: every source's SELECT run directly, rows fetched and discarded.
    let mut plain = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        for source in &desk.config().data_map.sources {
            std::hint::black_box(select_directly(desk, &source.select, person).await);
        }
        plain.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let p50 = percentile(&mut samples, 0.5);
    let max = percentile(&mut samples, 1.0);
    let plain50 = percentile(&mut plain, 0.5);
    vec![
        Row::new(
            "erasure",
            format!(
                "erasure plan for a heavy subject ({cases} cases, {payments} payments; {planned} rows planned: {} erase, {} keep) p50 / max",
                first.erase_count(),
                first.keep_count()
            ),
            format!("{p50:.1} ms / {max:.1} ms"),
        )
        .target("< 200 ms", max < 200.0)
        .plain(format!("the data map's SELECTs: {plain50:.1} ms")),
    ]
}
