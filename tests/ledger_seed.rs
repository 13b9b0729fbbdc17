//! `dsrdesk seed`'s reference ledger against a real PostgreSQL: valid identity numbers, requests
//! that find their requester in the ledger, the schema's rules, the mix of cases, idempotence and
//! determinism.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use dsrdesk::config::Config;
use dsrdesk::domain::Jurisdiction;
use dsrdesk::domain::identity::IdentityNumber;
use dsrdesk::service::Desk;
use dsrdesk::service::seed::{SeedOptions, requester_index};
use dsrdesk::testing::fresh_database;
use std::collections::HashMap;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
}

async fn desk() -> Desk {
    Desk::new(fresh_database().await.pool, Config::default())
}

async fn seeded(options: &SeedOptions) -> Desk {
    let desk = desk().await;
    desk.seed(options, now(), |_| {}).await.unwrap();
    let ledger = desk.seed_ledger(options, now(), |_| {}).await.unwrap();
    assert_eq!(ledger.persons, options.persons);
    assert!(!ledger.already_seeded);
    desk
}

async fn scalar(desk: &Desk, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(desk.pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

const TABLES: &[&str] = &[
    "ledger.clients",
    "ledger.persons",
    "ledger.contact_details",
    "ledger.cases",
    "ledger.case_parties",
    "ledger.payments",
    "ledger.letters",
    "ledger.calls",
    "ledger.credit_lookups",
    "ledger.aml_checks",
    "ledger.marketing_preferences",
    "requests",
    "request_events",
];

async fn counts(desk: &Desk) -> Vec<(&'static str, i64)> {
    let mut counts = vec![];
    for table in TABLES {
        let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
            .fetch_one(desk.pool())
            .await
            .unwrap();
        counts.push((*table, n));
    }
    counts
}

fn country(code: &str) -> Jurisdiction {
    code.parse().unwrap()
}

#[tokio::test]
async fn every_request_with_a_personal_number_finds_its_requester() {
    let options = SeedOptions { requests: 300, persons: 300, seed: 5, ..Default::default() };
    let desk = seeded(&options).await;

    // Every number the ledger holds is valid for its country, stored in the normalised form.
    let persons: Vec<(i64, String, Option<String>)> =
        sqlx::query_as("SELECT id, country, personal_number FROM ledger.persons ORDER BY id")
            .fetch_all(desk.pool())
            .await
            .unwrap();
    assert_eq!(persons.len(), 300);
    for (id, code, number) in &persons {
        let Some(number) = number else { continue };
        let check = IdentityNumber::check(number, Some(country(code)), today());
        assert!(check.valid, "person {id}: {number}: {:?}", check.error);
        assert_eq!(check.normalized.as_deref(), Some(number.as_str()), "person {id}");
    }

    type Row = (String, String, Option<String>, Option<String>, Option<String>, Option<String>);
    let requests: Vec<Row> = sqlx::query_as(
        "SELECT external_id, jurisdiction::text, requester_name, requester_email, \
         requester_personal_number, requester_address FROM requests",
    )
    .fetch_all(desk.pool())
    .await
    .unwrap();
    assert_eq!(requests.len(), 300);
    let (mut by_number, mut outsiders, mut other_email) = (0, 0, 0);
    let mut per_person: HashMap<u64, u32> = HashMap::new();
    for (external_id, jurisdiction, name, email, number, address) in &requests {
        let i: u64 = external_id.rsplit(':').next().unwrap().parse().unwrap();
        let index = requester_index(5, i, 300);
        *per_person.entry(index).or_default() += 1;
        if let Some(number) = number {
            let found: Vec<(i64, String, String, String)> = sqlx::query_as(
                "SELECT id, first_name || ' ' || last_name, street || ', ' || postal_code || ' ' || city, country \
                 FROM ledger.persons WHERE personal_number = $1",
            )
            .bind(number)
            .fetch_all(desk.pool())
            .await
            .unwrap();
            if index >= 300 {
                assert!(found.is_empty(), "{external_id}: a requester beyond the ledger matched {found:?}");
                outsiders += 1;
                continue;
            }
            assert_eq!(found.len(), 1, "{external_id}: {number}");
            let (id, ledger_name, ledger_address, ledger_country) = &found[0];
            assert_eq!(*id, index as i64 + 1, "{external_id}");
            assert_eq!(Some(ledger_name), name.as_ref());
            assert_eq!(Some(ledger_address), address.as_ref());
            assert_eq!(ledger_country, jurisdiction);
            by_number += 1;
        }
        if index < 300 {
            // With or without a number, the request states what the ledger holds.
            let (ledger_name, ledger_email, ledger_country): (String, String, String) = sqlx::query_as(
                "SELECT first_name || ' ' || last_name, email, country FROM ledger.persons WHERE id = $1",
            )
            .bind(index as i64 + 1)
            .fetch_one(desk.pool())
            .await
            .unwrap();
            assert_eq!(Some(&ledger_name), name.as_ref());
            assert_eq!(&ledger_country, jurisdiction);
            if email.as_ref() != Some(&ledger_email) {
                other_email += 1;
            }
        }
    }
    assert!(by_number > 150, "{by_number}");
    assert!(outsiders > 0, "some requesters are not in the ledger");
    assert!((1..60).contains(&other_email), "{other_email} wrote from an unknown address");
    assert!(per_person.values().any(|n| *n > 1), "some persons wrote more than once");
    // A name and city alone are ambiguous for some.
    let namesakes = scalar(
        &desk,
        "SELECT count(*) FROM (SELECT 1 FROM ledger.persons GROUP BY first_name, last_name, city HAVING count(*) > 1) n",
    )
    .await;
    assert!(namesakes > 0);
}

#[tokio::test]
async fn cases_keep_the_rules_and_cover_every_profile() {
    let options = SeedOptions { requests: 300, persons: 300, seed: 8, ..Default::default() };
    let desk = seeded(&options).await;
    let violations = [
        "SELECT count(*) FROM ledger.cases WHERE (stage = 'closed') <> (closed_on IS NOT NULL)",
        "SELECT count(*) FROM ledger.cases WHERE paid_in_full_on IS NOT NULL AND (outstanding <> 0 OR paid_in_full_on <> closed_on)",
        "SELECT count(*) FROM ledger.cases WHERE closed_on IS NULL AND outstanding <= 0",
        "SELECT count(*) FROM ledger.cases WHERE closed_on < opened_on OR closed_on > DATE '2026-11-21'",
        "SELECT count(*) FROM ledger.cases c JOIN ledger.clients k ON k.id = c.client_id \
         WHERE c.currency <> CASE k.country WHEN 'SE' THEN 'SEK' ELSE 'EUR' END",
        // What was paid is exactly what is no longer outstanding.
        "SELECT count(*) FROM ledger.cases c WHERE principal + fees + interest - outstanding \
         <> coalesce((SELECT sum(amount) FROM ledger.payments p WHERE p.case_id = c.id), 0)",
        "SELECT count(*) FROM ledger.payments p JOIN ledger.cases c ON c.id = p.case_id \
         WHERE p.paid_on < c.opened_on OR p.paid_on > coalesce(c.closed_on, DATE '2026-11-21')",
        "SELECT count(*) FROM ledger.case_parties p JOIN ledger.cases c ON c.id = p.case_id WHERE p.person_id = c.debtor_id",
        "SELECT count(*) FROM ledger.persons p WHERE created_on > (SELECT min(opened_on) FROM ledger.cases c WHERE c.debtor_id = p.id)",
        // The AML relationship ends when the last of the person's cases closes, not before.
        "SELECT count(*) FROM ledger.aml_checks a WHERE (a.relationship_ended_on IS NULL) <> EXISTS (\
           SELECT 1 FROM ledger.cases c WHERE c.closed_on IS NULL AND (c.debtor_id = a.person_id OR EXISTS (\
             SELECT 1 FROM ledger.case_parties p WHERE p.case_id = c.id AND p.person_id = a.person_id)))",
        "SELECT count(*) FROM ledger.aml_checks a JOIN ledger.persons p ON p.id = a.person_id \
         WHERE a.checked_name <> p.first_name || ' ' || p.last_name OR a.checked_number IS DISTINCT FROM p.personal_number",
        // Bookkeeping: the Swedish AB's financial year is the calendar year.
        "SELECT count(*) FROM ledger.payments p JOIN ledger.cases c ON c.id = p.case_id \
         WHERE c.currency = 'SEK' AND p.financial_year_end <> make_date(extract(year FROM p.paid_on)::int, 12, 31)",
    ];
    for sql in violations {
        assert_eq!(scalar(&desk, sql).await, 0, "{sql}");
    }
    let present = [
        "SELECT count(*) FROM ledger.cases WHERE stage = 'reminder'",
        "SELECT count(*) FROM ledger.cases WHERE stage = 'collection'",
        "SELECT count(*) FROM ledger.cases WHERE stage = 'payment_plan'",
        "SELECT count(*) FROM ledger.cases WHERE stage IN ('enforcement', 'court')",
        // Paid in full long ago: the claim's hold has lapsed, bookkeeping may not have.
        "SELECT count(*) FROM ledger.cases WHERE paid_in_full_on < DATE '2020-01-01'",
        "SELECT count(*) FROM ledger.cases WHERE closed_on > DATE '2025-11-21'",
        "SELECT count(*) FROM ledger.cases WHERE stage = 'closed' AND paid_in_full_on IS NULL",
        "SELECT count(*) FROM ledger.case_parties WHERE role = 'guarantor'",
        "SELECT count(*) FROM ledger.case_parties WHERE role = 'co_liable'",
        "SELECT count(*) FROM ledger.payments WHERE financial_year_end <> make_date(extract(year FROM financial_year_end)::int, 12, 31)",
        "SELECT count(*) FROM ledger.contact_details",
        "SELECT count(*) FROM ledger.credit_lookups",
        "SELECT count(*) FROM ledger.aml_checks WHERE relationship_ended_on IS NOT NULL",
        "SELECT count(*) FROM ledger.aml_checks WHERE relationship_ended_on IS NULL",
        "SELECT count(*) FROM ledger.marketing_preferences WHERE opted_out_at IS NOT NULL",
        "SELECT count(*) FROM ledger.letters WHERE letter_type = 'enforcement_notice'",
    ];
    for sql in present {
        assert!(scalar(&desk, sql).await > 0, "none: {sql}");
    }
    // Every client the agency is processor for has cases (their requests are forwarded).
    assert_eq!(
        scalar(
            &desk,
            "SELECT count(*) FROM ledger.clients k WHERE agency_role = 'processor' \
             AND NOT EXISTS (SELECT 1 FROM ledger.cases c WHERE c.client_id = k.id)"
        )
        .await,
        0
    );
    assert!(scalar(&desk, "SELECT count(*) FROM ledger.clients WHERE agency_role = 'processor'").await > 0);
    // Free text with a line break, a tab and backslashes survives COPY's text format.
    assert!(
        scalar(&desk, "SELECT count(*) FROM ledger.calls WHERE summary = E'Called back.\\nWill send the receipt by mail.'")
            .await
            > 0
    );
    assert!(
        scalar(&desk, "SELECT count(*) FROM ledger.calls WHERE summary = E'Ref:\\tinvoice dispute, see C:\\\\scans\\\\kvitto.pdf'")
            .await
            > 0
    );
}

#[tokio::test]
async fn seeding_twice_adds_nothing_and_another_seed_is_refused() {
    let options = SeedOptions { requests: 200, persons: 250, seed: 3, ..Default::default() };
    let desk = seeded(&options).await;
    let before = counts(&desk).await;
    assert!(before.iter().all(|(_, n)| *n > 0), "{before:?}");
    assert_eq!(desk.seed(&options, now(), |_| {}).await.unwrap(), 0);
    let again = desk.seed_ledger(&options, now(), |_| {}).await.unwrap();
    assert!(again.already_seeded && again.rows == 0, "{again:?}");
    assert_eq!(counts(&desk).await, before);
    let other = SeedOptions { seed: 4, ..options.clone() };
    let err = desk.seed_ledger(&other, now(), |_| {}).await.unwrap_err();
    assert!(err.to_string().contains("refusing"), "{err}");
    let bigger = SeedOptions { persons: 300, ..options };
    assert!(desk.seed_ledger(&bigger, now(), |_| {}).await.is_err());
    assert_eq!(counts(&desk).await, before);
}

#[tokio::test]
async fn same_seed_same_ledger() {
    let options = SeedOptions { requests: 0, persons: 400, seed: 12, ..Default::default() };
    type Person = (i64, String, Option<String>, String, String, String, NaiveDate);
    let dump = |desk: Desk| async move {
        let persons: Vec<Person> = sqlx::query_as(
            "SELECT id, role, personal_number, first_name, last_name, email, created_on FROM ledger.persons ORDER BY id",
        )
        .fetch_all(desk.pool())
        .await
        .unwrap();
        let cases: Vec<(i64, String, Option<i64>, String, String)> = sqlx::query_as(
            "SELECT id, case_number, debtor_id, outstanding::text, stage FROM ledger.cases ORDER BY id",
        )
        .fetch_all(desk.pool())
        .await
        .unwrap();
        (persons, cases, counts(&desk).await)
    };
    let a = dump(seeded(&options).await).await;
    let b = dump(seeded(&options).await).await;
    assert_eq!(a, b);
}

#[tokio::test]
async fn a_larger_ledger_has_samordningsnummer_and_the_new_century_signs() {
    let options = SeedOptions { requests: 0, persons: 3_000, seed: 1, ..Default::default() };
    let desk = desk().await;
    let mut batches = 0;
    let seeded = desk.seed_ledger(&options, now(), |_| batches += 1).await.unwrap();
    assert_eq!((seeded.persons, batches), (3_000, 1));
    let numbers: Vec<(String, String)> = sqlx::query_as(
        "SELECT country, personal_number FROM ledger.persons WHERE personal_number IS NOT NULL",
    )
    .fetch_all(desk.pool())
    .await
    .unwrap();
    let mut kinds: HashMap<&'static str, u32> = HashMap::new();
    let mut new_signs = 0;
    for (code, number) in &numbers {
        let check = IdentityNumber::check(number, Some(country(code)), today());
        assert!(check.valid, "{number}: {:?}", check.error);
        *kinds.entry(check.kind.unwrap()).or_default() += 1;
        if code == "FI" && "YXWVUBCDEF".contains(&number[6..7]) {
            new_signs += 1;
        }
    }
    assert!(kinds["samordningsnummer"] > 5, "{kinds:?}");
    assert!(kinds["personnummer"] > 1_000, "{kinds:?}");
    assert!(kinds["henkilotunnus"] > 700, "{kinds:?}");
    assert!(new_signs > 5, "{new_signs}");
    assert_eq!(
        scalar(&desk, "SELECT count(personal_number) - count(DISTINCT personal_number) FROM ledger.persons")
            .await,
        0,
        "no two persons share a number"
    );
    // The Finnish agency's older payments fall in its May–April financial years.
    assert!(
        scalar(
            &desk,
            "SELECT count(*) FROM ledger.payments p JOIN ledger.cases c ON c.id = p.case_id \
             WHERE c.currency = 'EUR' AND extract(month FROM p.financial_year_end) = 4"
        )
        .await
            > 0
    );
}

#[test]
fn the_cli_reports_requests_and_ledger_rows_and_is_idempotent() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(fresh_database());
    let seed = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_dsrdesk"))
            .arg("seed")
            .args(args)
            .env("DATABASE_URL", db.url())
            .env_remove("DSRDESK_CONFIG")
            .output()
            .unwrap()
    };
    let run = || {
        let out = seed(&["--requests", "120", "--persons", "150", "--seed", "2"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let first = run();
    assert!(first.contains("seeded 120 request(s)"), "{first}");
    assert!(first.contains("seeded the ledger: 150 person(s)") && first.contains("rows/s"), "{first}");
    let second = run();
    assert!(second.contains("seeded 0 request(s)"), "{second}");
    assert!(second.contains("already holds seed 2 with 150 persons: nothing added"), "{second}");
    // Another size is refused before a single request is added.
    let other = seed(&["--requests", "300", "--seed", "2"]);
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stderr).contains("refusing"));
    let requests: i64 =
        runtime.block_on(sqlx::query_scalar("SELECT count(*) FROM requests").fetch_one(&db.pool)).unwrap();
    assert_eq!(requests, 120);
}
