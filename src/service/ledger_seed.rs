//! The reference ledger (migration 0005), filled deterministically and consistently with the
//! seeded requests: ledger person `i` is [`ledger_person`]`(seed, i)`, the same function the
//! request seeder draws its requesters from, so a request's name, e-mail, personal number and
//! address are what the ledger holds about that person.
//!
//! Generation is pure. A batch of persons `start..end` and everything about them — cases and the
//! other parties on them, payments, letters, calls, further contact details, credit look-ups, AML
//! checks, marketing preferences — comes from a generator seeded with (seed, batch index), so
//! batches are independent of each other. Loading is `COPY ... FROM STDIN` in text format, one
//! transaction per batch, while the next batch is generated on another thread.
//!
//! Idempotence: the `dsrdesk_meta` key `ledger_seeded` records `{seed, persons, complete}`.
//! Seeding the same seed and size again adds nothing; an interrupted run is resumed batch by batch
//! (a batch is one transaction, so it is either all there or not at all); a different seed or size,
//! or a ledger that holds rows `dsrdesk seed` did not write, is refused: the ids would collide and
//! two synthetic worlds would be mixed.

use super::Desk;
use super::seed::{SeedOptions, SeedPerson, ascii_lower, ledger_person, mix};
use crate::domain::Jurisdiction;
use crate::error::{Error, Result};
use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use futures_util::{StreamExt, stream};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::sync::Arc;

/// Persons per batch (and per transaction), with all their rows.
pub const LEDGER_BATCH: u64 = 10_000;
/// Batches loaded at once, each on its own connection.
const LEDGER_WRITERS: usize = 2;
/// The seeded ledger's creditors and other clients: ids 1..=CLIENTS.
pub const CLIENTS: u64 = 40;
/// The ledger's history starts here.
const LEDGER_EPOCH: (i32, u32, u32) = (2010, 1, 1);

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// A uniformly chosen day in `from..=until` (`from` when the range is empty).
fn day_between(rng: &mut ChaCha8Rng, from: NaiveDate, until: NaiveDate) -> NaiveDate {
    let span = (until - from).num_days();
    if span <= 0 { from } else { from + Days::new(rng.random_range(0..=span) as u64) }
}

fn plus_days(day: NaiveDate, days: i64) -> NaiveDate {
    day + chrono::Duration::days(days)
}

/// `ledger.clients`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: i64,
    pub name: String,
    pub org_number: String,
    pub country: Jurisdiction,
    pub service: &'static str,
    /// GDPR Art. 4(7) / 28: controller for collection, processor for invoicing and ledger
    /// management (the client is the controller, and answers the request).
    pub agency_role: &'static str,
    pub privacy_contact: Option<String>,
}

/// `ledger.persons`: the seeded person and the day the agency first recorded them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerPerson {
    pub person: SeedPerson,
    pub created_on: NaiveDate,
}

/// `ledger.cases`; amounts in cents (öre, euro cents).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: i64,
    pub case_number: String,
    pub client_id: i64,
    pub debtor_id: i64,
    pub country: Jurisdiction,
    pub invoice_number: Option<String>,
    pub currency: &'static str,
    pub principal: i64,
    pub fees: i64,
    pub interest: i64,
    pub outstanding: i64,
    pub opened_on: NaiveDate,
    pub closed_on: Option<NaiveDate>,
    pub paid_in_full_on: Option<NaiveDate>,
    pub stage: &'static str,
}

impl Case {
    pub fn total(&self) -> i64 {
        self.principal + self.fees + self.interest
    }

    /// The last day anything happened on the case.
    fn last_day(&self, today: NaiveDate) -> NaiveDate {
        self.closed_on.unwrap_or(today)
    }
}

/// `ledger.case_parties`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseParty {
    pub case_id: i64,
    pub person_id: i64,
    pub role: &'static str,
}

/// `ledger.payments`; `amount` in cents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: i64,
    pub case_id: i64,
    pub payer_id: Option<i64>,
    pub paid_on: NaiveDate,
    pub amount: i64,
    pub method: &'static str,
    pub booking_reference: String,
    pub financial_year_end: NaiveDate,
}

/// `ledger.letters`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    pub id: i64,
    pub case_id: Option<i64>,
    pub person_id: i64,
    pub sent_on: NaiveDate,
    pub letter_type: &'static str,
    pub channel: &'static str,
}

/// `ledger.calls`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub id: i64,
    pub case_id: Option<i64>,
    pub person_id: i64,
    pub called_at: DateTime<Utc>,
    pub direction: &'static str,
    pub summary: &'static str,
}

/// `ledger.contact_details`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDetail {
    pub id: i64,
    pub person_id: i64,
    pub kind: &'static str,
    pub value: String,
    pub obtained_from: &'static str,
    pub added_on: NaiveDate,
}

/// `ledger.credit_lookups`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditLookup {
    pub id: i64,
    pub person_id: i64,
    pub bureau: &'static str,
    pub looked_up_on: NaiveDate,
    pub purpose: &'static str,
}

/// `ledger.aml_checks`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmlCheck {
    pub id: i64,
    pub person_id: i64,
    pub checked_on: NaiveDate,
    pub checked_name: Option<String>,
    pub checked_number: Option<String>,
    pub outcome: &'static str,
    pub relationship_ended_on: Option<NaiveDate>,
}

/// `ledger.marketing_preferences`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketingPreference {
    pub person_id: i64,
    pub consent_given_on: Option<NaiveDate>,
    pub by_email: bool,
    pub by_sms: bool,
    pub by_post: bool,
    pub opted_out_at: Option<DateTime<Utc>>,
}

/// Everything about one batch of persons.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerBatch {
    pub persons: Vec<LedgerPerson>,
    pub contact_details: Vec<ContactDetail>,
    pub cases: Vec<Case>,
    pub case_parties: Vec<CaseParty>,
    pub payments: Vec<Payment>,
    pub letters: Vec<Letter>,
    pub calls: Vec<Call>,
    pub credit_lookups: Vec<CreditLookup>,
    pub aml_checks: Vec<AmlCheck>,
    pub marketing: Vec<MarketingPreference>,
}

impl LedgerBatch {
    pub fn rows(&self) -> u64 {
        (self.persons.len()
            + self.contact_details.len()
            + self.cases.len()
            + self.case_parties.len()
            + self.payments.len()
            + self.letters.len()
            + self.calls.len()
            + self.credit_lookups.len()
            + self.aml_checks.len()
            + self.marketing.len()) as u64
    }
}

// ---------------------------------------------------------------------------------------------
// Clients

const SE_BRANDS: &[&str] = &[
    "Norrsken",
    "Fjällvind",
    "Skärgårds",
    "Björkdal",
    "Älvdals",
    "Kustlinje",
    "Granskog",
    "Solgläntan",
    "Vattenfalls",
    "Mälardal",
    "Högland",
    "Ekbacken",
];
const SE_SECTORS: &[&str] =
    &["Energi", "Finans", "Bredband", "Fastigheter", "Tandvård", "Telekom", "Försäkring", "Elhandel"];
const FI_BRANDS: &[&str] = &[
    "Revontuli",
    "Järvisydän",
    "Koivikko",
    "Saaristo",
    "Tunturi",
    "Kaleva",
    "Pohjantähti",
    "Lähde",
    "Kuusamo",
    "Aalto",
];
const FI_SECTORS: &[&str] =
    &["Energia", "Rahoitus", "Laajakaista", "Kiinteistöt", "Hammashoito", "Tele", "Vakuutus", "Sähkö"];

/// A Swedish organisation number (Bolagsverket: NNNNNN-NNNC, Luhn check digit like the
/// personnummer; an aktiebolag's starts with 55).
pub fn swedish_org_number(nine_digits: u32) -> String {
    let body = format!("55{:07}", nine_digits % 10_000_000);
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32 * if i % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    format!("{}-{}{}", &body[..6], &body[6..], (10 - sum % 10) % 10)
}

/// A Finnish business ID, Y-tunnus (PRH: seven digits, a hyphen, a check digit from the weights
/// 7 9 10 5 8 4 2 modulo 11; remainder 1 is never issued). `None` for a number that cannot carry
/// a check digit.
pub fn finnish_business_id(seven_digits: u32) -> Option<String> {
    let body = format!("{:07}", seven_digits % 10_000_000);
    let sum: u32 = body.bytes().zip([7, 9, 10, 5, 8, 4, 2]).map(|(b, w)| (b - b'0') as u32 * w).sum();
    let check = match sum % 11 {
        0 => 0,
        1 => return None,
        r => 11 - r,
    };
    Some(format!("{body}-{check}"))
}

fn slug(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .filter_map(|c| match c {
            'å' | 'ä' => Some('a'),
            'ö' => Some('o'),
            c if c.is_ascii_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

/// The seeded ledger's clients: 40 creditors, about 60% Swedish. The agency collects for most
/// (controller); for about 15% it runs invoicing or the sales ledger as the client's processor.
pub fn clients(seed: u64) -> Vec<Client> {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(seed ^ 0xC11E_0000));
    let mut names = |brands: &[&str], sectors: &[&str], form: &str| {
        let mut all: Vec<String> =
            brands.iter().flat_map(|b| sectors.iter().map(move |s| format!("{b} {s} {form}"))).collect();
        all.shuffle(&mut rng);
        all
    };
    let mut se_names = names(SE_BRANDS, SE_SECTORS, "AB");
    let mut fi_names = names(FI_BRANDS, FI_SECTORS, "Oy");
    (0..CLIENTS)
        .map(|i| {
            let country = if i % 5 < 3 { Jurisdiction::Sweden } else { Jurisdiction::Finland };
            let processor = i % 7 == 3;
            let service = match (processor, i % 2) {
                (false, _) => "collection",
                (true, 0) => "ledger_management",
                (true, _) => "invoicing",
            };
            let (name, org_number, contact_domain) = match country {
                Jurisdiction::Sweden => {
                    let name = se_names.pop().expect("enough names");
                    let org = swedish_org_number(rng.random_range(6_000_000..10_000_000));
                    (name, org, "se")
                }
                Jurisdiction::Finland => {
                    let name = fi_names.pop().expect("enough names");
                    let org = loop {
                        if let Some(id) = finnish_business_id(rng.random_range(1_000_000..3_300_000)) {
                            break id;
                        }
                    };
                    (name, org, "fi")
                }
            };
            let brand = slug(name.split(' ').next().unwrap_or("client"));
            let privacy_contact = rng.random_ratio(4, 5).then(|| match country {
                Jurisdiction::Sweden => format!("dataskydd@{brand}.example.{contact_domain}"),
                Jurisdiction::Finland => format!("tietosuoja@{brand}.example.{contact_domain}"),
            });
            Client {
                id: i as i64 + 1,
                name,
                org_number,
                country,
                service,
                agency_role: if processor { "processor" } else { "controller" },
                privacy_contact,
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Bookkeeping

/// The last day of the agency's financial year in which a payment on a case of `country` was
/// booked; bookkeeping retention counts from it (SE bokföringslagen 7 kap. 2 §: until the end of
/// the 7th year after the calendar year in which the financial year ended; FI kirjanpitolaki 2:10).
/// The Swedish agency AB keeps the calendar year. The Finnish agency Oy kept a May–April
/// financial year until 30 April 2016 and then changed to the calendar year, with a shortened
/// transitional year 1 May – 31 December 2016; so older Finnish payments end their financial year
/// on 30 April, which is what exercises the Finnish rules.
pub fn financial_year_end(country: Jurisdiction, paid_on: NaiveDate) -> NaiveDate {
    let year = paid_on.year();
    match country {
        Jurisdiction::Finland if paid_on < date(2016, 5, 1) => {
            if paid_on.month() <= 4 {
                date(year, 4, 30)
            } else {
                date(year + 1, 4, 30)
            }
        }
        _ => date(year, 12, 31),
    }
}

// ---------------------------------------------------------------------------------------------
// Generation

/// Splits `total` cents into `n` positive parts (the last takes the remainder).
fn instalments(total: i64, n: usize) -> Vec<i64> {
    let n = n.clamp(1, total.max(1) as usize);
    let part = total / n as i64;
    let mut parts = vec![part; n];
    parts[n - 1] = total - part * (n as i64 - 1);
    parts
}

/// `n` days from `from..=until`, sorted.
fn sorted_days(rng: &mut ChaCha8Rng, from: NaiveDate, until: NaiveDate, n: usize) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = (0..n).map(|_| day_between(rng, from, until)).collect();
    days.sort();
    days
}

/// An instant during office hours of `day` in the country's time zone.
fn office_time(rng: &mut ChaCha8Rng, country: Jurisdiction, day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_hms_opt(rng.random_range(8..17), rng.random_range(0..60), rng.random_range(0..60));
    local
        .and_then(|l| country.time_zone().from_local_datetime(&l).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_hms_opt(12, 0, 0).expect("noon").and_utc())
}

const CALL_SUMMARIES: &[&str] = &[
    "Debtor asked for a payment plan; sent the form.",
    "Gäldenären bestrider fakturan, säger att tjänsten sagts upp.",
    "Ringde om avbetalningsplan, ok med 500 kr/mån.",
    "Velallinen pyysi maksuaikaa kahdella kuukaudella.",
    "Kysyi perintäkulujen perusteita; selitetty.",
    "Asked why the claim was passed to us; explained the client's mandate.",
    "Guarantor called: wants a copy of the guarantee.",
    "Left a voice message, no answer.",
    "Promised to pay on the 25th.",
    "Asked where we got her phone number.",
    "Gäldenären har flyttat, ny adress noterad.",
    // Free text as operators really type it: a line break, a tab, a Windows path. The loader must
    // escape them for COPY.
    "Called back.\nWill send the receipt by mail.",
    "Ref:\tinvoice dispute, see C:\\scans\\kvitto.pdf",
];

/// The cases a person is on, as debtor or other party: (opened, closed).
type CasesOf = HashMap<i64, Vec<(NaiveDate, Option<NaiveDate>)>>;

/// Everything about persons `start..end` of `seed`, as of `today`.
pub fn generate_batch(seed: u64, clients: &[Client], start: u64, end: u64, today: NaiveDate) -> LedgerBatch {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(seed ^ 0x1ED6_E500_0000) ^ mix(start / LEDGER_BATCH));
    let people: Vec<SeedPerson> = (start..end).map(|i| ledger_person(seed, i)).collect();
    let id_of = |p: &SeedPerson| p.index as i64 + 1;
    let epoch = date(LEDGER_EPOCH.0, LEDGER_EPOCH.1, LEDGER_EPOCH.2);
    let adult_from = |p: &SeedPerson| {
        let eighteen =
            p.birth.with_year(p.birth.year() + 18).unwrap_or_else(|| plus_days(p.birth, 18 * 365 + 5));
        eighteen.max(epoch)
    };
    let clients_in =
        |country: Jurisdiction| -> Vec<&Client> { clients.iter().filter(|c| c.country == country).collect() };
    let se_clients = clients_in(Jurisdiction::Sweden);
    let fi_clients = clients_in(Jurisdiction::Finland);
    let mut batch = LedgerBatch::default();
    let mut facts: CasesOf = HashMap::new();

    // Cases of every debtor.
    for p in &people {
        if p.role != "debtor" {
            continue;
        }
        let earliest = adult_from(p);
        if earliest > plus_days(today, -60) {
            continue;
        }
        let count = match rng.random_range(0..100) {
            0..8 => 0,
            8..48 => 1,
            48..70 => 2,
            70..83 => 3,
            83..91 => 4,
            91..96 => 5,
            _ => 6,
        };
        for k in 0..count {
            // Now and then a creditor from the other country (a Swede with a Finnish phone bill).
            let home = if rng.random_ratio(1, 20) {
                if p.country == Jurisdiction::Sweden { &fi_clients } else { &se_clients }
            } else if p.country == Jurisdiction::Sweden {
                &se_clients
            } else {
                &fi_clients
            };
            let client = pick(&mut rng, home);
            let case = new_case(&mut rng, id_of(p) * 10 + k, id_of(p), client, earliest, today);
            facts.entry(id_of(p)).or_default().push((case.opened_on, case.closed_on));
            batch.cases.push(case);
        }
    }

    // Other parties: guarantors (borgensman / takaaja), representatives (ombud, e.g. a god man),
    // and co-liable debtors from the same batch.
    let cases_by_country = |country: Jurisdiction, cases: &[Case]| -> Vec<usize> {
        cases.iter().enumerate().filter(|(_, c)| c.country == country).map(|(i, _)| i).collect()
    };
    let se_cases = cases_by_country(Jurisdiction::Sweden, &batch.cases);
    let fi_cases = cases_by_country(Jurisdiction::Finland, &batch.cases);
    let mut linked: HashSet<(i64, i64)> = HashSet::new();
    let mut parties: HashMap<i64, Vec<(i64, &'static str)>> = HashMap::new();
    let mut link = |case: &Case, person_id: i64, role: &'static str, facts: &mut CasesOf| {
        if case.debtor_id == person_id || !linked.insert((case.id, person_id)) {
            return;
        }
        batch.case_parties.push(CaseParty { case_id: case.id, person_id, role });
        parties.entry(case.id).or_default().push((person_id, role));
        facts.entry(person_id).or_default().push((case.opened_on, case.closed_on));
    };
    for p in &people {
        let (role, links) = match p.role {
            "guarantor" => ("guarantor", rng.random_range(1..=2)),
            "representative" => ("representative", rng.random_range(1..=3)),
            _ => continue,
        };
        let pool = if p.country == Jurisdiction::Sweden { &se_cases } else { &fi_cases };
        if pool.is_empty() {
            continue;
        }
        for _ in 0..links {
            let case = &batch.cases[pick(&mut rng, pool)];
            // Nobody stands surety before they are of age.
            if case.opened_on >= adult_from(p) {
                link(case, id_of(p), role, &mut facts);
            }
        }
    }
    let debtors: HashMap<i64, &SeedPerson> =
        people.iter().filter(|p| p.role == "debtor").map(|p| (id_of(p), p)).collect();
    for i in 0..batch.cases.len() {
        if !rng.random_ratio(6, 100) {
            continue;
        }
        let case = &batch.cases[i];
        let pool = if case.country == Jurisdiction::Sweden { &se_cases } else { &fi_cases };
        let other = &batch.cases[pick(&mut rng, pool)];
        if let Some(p) = debtors.get(&other.debtor_id)
            && case.opened_on >= adult_from(p)
        {
            link(case, other.debtor_id, "co_liable", &mut facts);
        }
    }

    // Payments, letters and calls per case.
    let cases = std::mem::take(&mut batch.cases);
    for case in &cases {
        let on_case = parties.get(&case.id).map(Vec::as_slice).unwrap_or(&[]);
        case_history(&mut rng, case, on_case, today, &mut batch);
    }
    batch.cases = cases;

    // Per person: when the agency first recorded them, and the rest of what it holds.
    for p in people {
        let id = id_of(&p);
        let on_cases = facts.remove(&id).unwrap_or_default();
        let created_on = match on_cases.iter().map(|(opened, _)| *opened).min() {
            Some(first) => first,
            None => day_between(&mut rng, adult_from(&p).min(today), today),
        };
        person_extras(&mut rng, &p, id, created_on, &on_cases, today, &mut batch);
        batch.persons.push(LedgerPerson { person: p, created_on });
    }
    batch
}

fn new_case(
    rng: &mut ChaCha8Rng,
    id: i64,
    debtor_id: i64,
    client: &Client,
    earliest: NaiveDate,
    today: NaiveDate,
) -> Case {
    let years = |n: i64| plus_days(today, -365 * n);
    // (stage, opened_on, closed_on, paid in full)
    let open = |rng: &mut ChaCha8Rng, stage: &'static str, from: NaiveDate, until: NaiveDate| {
        let from = from.max(earliest).min(today);
        (stage, day_between(rng, from, until.max(from)), None, false)
    };
    let roll = rng.random_range(0..100);
    let (stage, opened_on, closed_on, paid) = match roll {
        // Open claims.
        0..10 => open(rng, "reminder", plus_days(today, -45), plus_days(today, -1)),
        10..25 => open(rng, "collection", years(2), plus_days(today, -20)),
        25..34 => open(rng, "payment_plan", years(4), plus_days(today, -60)),
        // At the enforcement authority (Kronofogden / ulosotto) or in court.
        34..44 => {
            let stage = if rng.random_ratio(7, 10) { "enforcement" } else { "court" };
            open(rng, stage, years(8), plus_days(today, -180))
        }
        // Closed and paid in full years ago.
        44..79 if earliest < years(1) => {
            let closed = day_between(rng, plus_days(earliest, 30), years(1));
            let opened = plus_days(closed, -rng.random_range(20..900)).max(earliest);
            ("closed", opened, Some(closed), true)
        }
        // Closed within the last year: mostly paid; some returned to the client unpaid.
        79..100 if earliest < plus_days(today, -30) => {
            let closed =
                day_between(rng, plus_days(today, -365).max(plus_days(earliest, 30)), plus_days(today, -1));
            let opened = plus_days(closed, -rng.random_range(30..1400)).max(earliest);
            ("closed", opened, Some(closed), rng.random_ratio(3, 4))
        }
        _ => open(rng, "collection", years(2), plus_days(today, -20)),
    };
    let (currency, unit) = match client.country {
        Jurisdiction::Sweden => ("SEK", 1.0),
        Jurisdiction::Finland => ("EUR", 0.1),
    };
    // Claims from a few hundred kronor to some tens of thousands, most of them small.
    let principal_units = (rng.random_range(300f64.ln()..80_000f64.ln()).exp() * unit).max(5.0);
    let principal = if rng.random_ratio(1, 2) {
        principal_units.round() as i64 * 100
    } else {
        (principal_units * 100.0).round() as i64
    };
    let last = closed_on.unwrap_or(today);
    // Reminder, collection, payment plan and enforcement fees (SE: inkassokostnadsförordningen;
    // FI: perintälaki's caps), in cents.
    let reached = if stage == "closed" {
        pick(rng, &["reminder", "collection", "collection", "payment_plan", "enforcement"])
    } else {
        stage
    };
    let fees = match (client.country, reached) {
        (Jurisdiction::Sweden, "reminder") => 6_000,
        (Jurisdiction::Sweden, "collection") => 24_000,
        (Jurisdiction::Sweden, "payment_plan") => 41_000,
        (Jurisdiction::Sweden, _) => 54_000,
        (Jurisdiction::Finland, "reminder") => 500,
        (Jurisdiction::Finland, "collection") => 500 + rng.random_range(24..=90) * 100,
        (Jurisdiction::Finland, "payment_plan") => 2_100 + rng.random_range(24..=90) * 100,
        (Jurisdiction::Finland, _) => 4_500 + rng.random_range(24..=90) * 100,
    };
    // Default interest (SE räntelagen 6 §: reference rate + 8; FI korkolaki 4 §: reference + 7).
    let rate = match client.country {
        Jurisdiction::Sweden => rng.random_range(0.08..0.12),
        Jurisdiction::Finland => rng.random_range(0.07..0.11),
    };
    let years_running = (last - opened_on).num_days().max(0) as f64 / 365.0;
    let interest = (principal as f64 * rate * years_running).round() as i64;
    let total = principal + fees + interest;
    let paid_so_far = if paid {
        total
    } else {
        let share = match stage {
            "reminder" => 0.0,
            "collection" if rng.random_ratio(3, 10) => rng.random_range(0.05..0.5),
            "payment_plan" => rng.random_range(0.1..0.85),
            "enforcement" if rng.random_ratio(1, 2) => rng.random_range(0.02..0.6),
            "court" if rng.random_ratio(1, 5) => rng.random_range(0.02..0.2),
            "closed" if rng.random_ratio(1, 2) => rng.random_range(0.05..0.4),
            _ => 0.0,
        };
        (total as f64 * share) as i64
    };
    Case {
        id,
        case_number: format!("{}-{}-{id:07}", client.country.code(), opened_on.year()),
        client_id: client.id,
        debtor_id,
        country: client.country,
        invoice_number: rng
            .random_ratio(9, 10)
            .then(|| format!("{}", rng.random_range(10_000_000..99_999_999))),
        currency,
        principal,
        fees,
        interest,
        outstanding: total - paid_so_far,
        opened_on,
        closed_on,
        paid_in_full_on: if paid { closed_on } else { None },
        stage,
    }
}

/// Payments, letters and calls of one case.
fn case_history(
    rng: &mut ChaCha8Rng,
    case: &Case,
    parties: &[(i64, &'static str)],
    today: NaiveDate,
    batch: &mut LedgerBatch,
) {
    let last = case.last_day(today);
    let paid = case.total() - case.outstanding;
    // Payments: the sum is exactly what is no longer outstanding.
    if paid > 0 {
        let n = match case.stage {
            "payment_plan" => rng.random_range(2..=20),
            "enforcement" => rng.random_range(1..=8),
            _ if case.paid_in_full_on.is_some() => {
                if rng.random_ratio(11, 20) {
                    1
                } else {
                    rng.random_range(2..=20)
                }
            }
            _ => rng.random_range(1..=3),
        };
        let first = plus_days(case.opened_on, 10).min(last);
        let days = if case.stage == "payment_plan" {
            // Monthly instalments from the plan's start, as many as have fallen due.
            let mut days: Vec<NaiveDate> =
                (0..n as i64).map(|k| plus_days(first, 30 * k)).take_while(|d| *d <= last).collect();
            if days.is_empty() {
                days.push(first);
            }
            days
        } else {
            let mut days = sorted_days(rng, first, last, n);
            if case.paid_in_full_on.is_some() {
                // The payment that settled the claim is the last one.
                *days.last_mut().expect("n >= 1") = last;
            }
            days
        };
        let others: Vec<i64> =
            parties.iter().filter(|(_, r)| *r != "representative").map(|(id, _)| *id).collect();
        for (j, (paid_on, amount)) in days.iter().zip(instalments(paid, days.len())).enumerate() {
            let id = case.id * 100 + j as i64;
            let method = match (case.stage, case.country, rng.random_range(0..100)) {
                ("enforcement", _, 0..70) => "enforcement",
                (_, Jurisdiction::Sweden, 0..60) => "bankgiro",
                (_, Jurisdiction::Sweden, 60..85) => "bank_transfer",
                (_, Jurisdiction::Finland, 0..75) => "bank_transfer",
                _ => "card",
            };
            let payer_id = match rng.random_range(0..100) {
                0..3 => None, // paid by someone unidentified, e.g. a relative's bank account
                3..15 if !others.is_empty() => Some(pick(rng, &others)),
                _ => Some(case.debtor_id),
            };
            let voucher = if case.country == Jurisdiction::Sweden { 'V' } else { 'T' };
            batch.payments.push(Payment {
                id,
                case_id: case.id,
                payer_id,
                paid_on: *paid_on,
                amount,
                method,
                booking_reference: format!("{voucher}{}-{id}", paid_on.year()),
                financial_year_end: financial_year_end(case.country, *paid_on),
            });
        }
    }

    // Letters.
    let mut letter_no = 0;
    let mut letter = |rng: &mut ChaCha8Rng, person_id: i64, sent_on: NaiveDate, letter_type: &'static str| {
        if sent_on > today || letter_no >= 100 {
            return;
        }
        let channel = match rng.random_range(0..100) {
            0..45 => "post",
            45..70 => "digital_mailbox", // Kivra / OmaPosti
            70..90 => "email",
            _ => "sms",
        };
        batch.letters.push(Letter {
            id: case.id * 100 + letter_no,
            case_id: Some(case.id),
            person_id,
            sent_on,
            letter_type,
            channel,
        });
        letter_no += 1;
    };
    let first_letter = if case.stage == "reminder" { "reminder" } else { "collection_letter" };
    letter(rng, case.debtor_id, case.opened_on, first_letter);
    for (person_id, _) in parties {
        let on = plus_days(case.opened_on, rng.random_range(0..10));
        letter(rng, *person_id, on, "collection_letter");
    }
    for _ in 0..rng.random_range(0..=2) {
        let on = plus_days(case.opened_on, rng.random_range(14..45));
        if on <= last {
            letter(rng, case.debtor_id, on, "reminder");
        }
    }
    if case.stage == "payment_plan" {
        letter(rng, case.debtor_id, plus_days(case.opened_on, 5).min(last), "payment_plan");
    }
    if matches!(case.stage, "enforcement" | "court") {
        let on = day_between(rng, case.opened_on, last);
        letter(rng, case.debtor_id, on, "enforcement_notice");
    }
    if case.paid_in_full_on.is_some() && rng.random_ratio(3, 5) {
        letter(rng, case.debtor_id, last, "information");
    }

    // Calls.
    let calls = match rng.random_range(0..100) {
        0..45 => 0,
        45..75 => 1,
        75..92 => 2,
        _ => rng.random_range(3..=5),
    };
    for j in 0..calls {
        let day = day_between(rng, case.opened_on, last);
        let person_id = match parties.first() {
            Some((id, _)) if rng.random_ratio(1, 5) => *id,
            _ => case.debtor_id,
        };
        batch.calls.push(Call {
            id: case.id * 100 + j,
            case_id: Some(case.id),
            person_id,
            called_at: office_time(rng, case.country, day),
            direction: if rng.random_ratio(11, 20) { "inbound" } else { "outbound" },
            summary: pick(rng, CALL_SUMMARIES),
        });
    }
}

/// Contact details, credit look-ups, AML checks, marketing preferences and case-less letters.
fn person_extras(
    rng: &mut ChaCha8Rng,
    p: &SeedPerson,
    id: i64,
    created_on: NaiveDate,
    on_cases: &[(NaiveDate, Option<NaiveDate>)],
    today: NaiveDate,
    batch: &mut LedgerBatch,
) {
    let se = p.country == Jurisdiction::Sweden;
    // Spare phones, old e-mails, earlier addresses from address look-ups.
    if rng.random_ratio(1, 4) {
        for j in 0..rng.random_range(1..=3) {
            let (kind, value, obtained_from) = match rng.random_range(0..3) {
                0 => (
                    "phone",
                    if se {
                        format!("+46 8 {:03} {:03}", rng.random_range(100..1000), rng.random_range(0..1000))
                    } else {
                        format!("+358 9 {:03} {:04}", rng.random_range(100..1000), rng.random_range(0..10000))
                    },
                    pick(rng, &["the client", "phone directory look-up", "the person, on a call"]),
                ),
                1 => (
                    "email",
                    format!(
                        "{}.{}.{}@example.org",
                        ascii_lower(p.first_name),
                        ascii_lower(p.last_name),
                        rng.random_range(1..99)
                    ),
                    pick(rng, &["the client", "the person, in a letter"]),
                ),
                _ => {
                    let places = if se { super::seed::SE_PLACES } else { super::seed::FI_PLACES };
                    let (street, postal, city) = pick(rng, places);
                    (
                        "address",
                        format!("{street} {}, {postal} {city}", rng.random_range(1..120)),
                        if se { "address look-up (SPAR)" } else { "population register look-up (DVV)" },
                    )
                }
            };
            batch.contact_details.push(ContactDetail {
                id: id * 10 + j,
                person_id: id,
                kind,
                value,
                obtained_from,
                added_on: day_between(rng, created_on, today),
            });
        }
    }

    // Credit look-ups before a payment plan or enforcement (SE kreditupplysningslagen: a
    // legitimate need; FI luottotietolaki).
    let mut lookups = 0;
    if !on_cases.is_empty() && p.role == "debtor" && rng.random_ratio(3, 20) {
        for _ in 0..rng.random_range(1..=2) {
            let (opened, closed) = on_cases[rng.random_range(0..on_cases.len())];
            batch.credit_lookups.push(CreditLookup {
                id: id * 10 + lookups,
                person_id: id,
                bureau: if se {
                    pick(rng, &["UC", "Creditsafe", "Dun & Bradstreet"])
                } else {
                    pick(rng, &["Suomen Asiakastieto", "Dun & Bradstreet Finland"])
                },
                looked_up_on: day_between(rng, opened, closed.unwrap_or(today)),
                purpose: pick(
                    rng,
                    &[
                        "payment plan assessment",
                        "ability to pay before enforcement",
                        "address and solvency check",
                    ],
                ),
            });
            lookups += 1;
        }
    }

    // Customer due diligence (SE penningtvättslagen 3 kap.; FI AML act 3:3). The check keeps the
    // identity it checked; the business relationship ends when the last of their cases closes.
    let aml_share = match p.role {
        "debtor" => 12,
        "guarantor" => 20,
        _ => 0,
    };
    if !on_cases.is_empty() && rng.random_ratio(aml_share, 100) {
        let first = on_cases.iter().map(|(o, _)| *o).min().expect("cases");
        let all_closed = on_cases.iter().all(|(_, c)| c.is_some());
        batch.aml_checks.push(AmlCheck {
            id: id * 10,
            person_id: id,
            checked_on: plus_days(first, rng.random_range(0..20)).min(today),
            checked_name: Some(p.name()),
            checked_number: p.personal_number.clone(),
            outcome: match rng.random_range(0..100) {
                0..92 => "cleared",
                92..98 => "enhanced_due_diligence",
                _ => "pep",
            },
            relationship_ended_on: if all_closed {
                on_cases.iter().filter_map(|(_, c)| *c).max()
            } else {
                None
            },
        });
    }

    // Marketing preferences: mostly prospects; an opt-out (Art. 21(3)) stays recorded.
    let share = match p.role {
        "prospect" => 70,
        "client_contact" => 30,
        "debtor" => 4,
        _ => 0,
    };
    if rng.random_ratio(share, 100) {
        let consent = day_between(rng, created_on, today);
        let opted_out = if rng.random_ratio(3, 20) {
            let day = day_between(rng, consent, today);
            Some(office_time(rng, p.country, day))
        } else {
            None
        };
        let channels = opted_out.is_none();
        batch.marketing.push(MarketingPreference {
            person_id: id,
            consent_given_on: Some(consent),
            by_email: channels && rng.random_ratio(4, 5),
            by_sms: channels && rng.random_ratio(1, 3),
            by_post: channels && rng.random_ratio(1, 4),
            opted_out_at: opted_out,
        });
    }
    if p.role == "prospect" && rng.random_ratio(3, 10) {
        batch.letters.push(Letter {
            id: id * 1000 + 900,
            case_id: None,
            person_id: id,
            sent_on: day_between(rng, created_on, today),
            letter_type: "information",
            channel: pick(rng, &["post", "email"]),
        });
    }
}

// ---------------------------------------------------------------------------------------------
// COPY text format

/// Rows in PostgreSQL's COPY text format: tab between columns, newline after a row, `\N` for
/// NULL; backslash, tab, newline and carriage return inside a value are backslash-escaped.
#[derive(Debug, Default)]
pub struct CopyText {
    buf: Vec<u8>,
    in_row: bool,
}

impl CopyText {
    fn field(&mut self) {
        if self.in_row {
            self.buf.push(b'\t');
        }
        self.in_row = true;
    }

    pub fn text(&mut self, s: &str) {
        self.field();
        for &b in s.as_bytes() {
            match b {
                b'\\' => self.buf.extend_from_slice(b"\\\\"),
                b'\t' => self.buf.extend_from_slice(b"\\t"),
                b'\n' => self.buf.extend_from_slice(b"\\n"),
                b'\r' => self.buf.extend_from_slice(b"\\r"),
                _ => self.buf.push(b),
            }
        }
    }

    pub fn opt_text(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.text(s),
            None => self.null(),
        }
    }

    pub fn null(&mut self) {
        self.field();
        self.buf.extend_from_slice(b"\\N");
    }

    pub fn int(&mut self, v: i64) {
        self.field();
        write!(self.buf, "{v}").expect("write to a Vec");
    }

    pub fn opt_int(&mut self, v: Option<i64>) {
        match v {
            Some(v) => self.int(v),
            None => self.null(),
        }
    }

    /// Cents as a `numeric(14, 2)`.
    pub fn money(&mut self, cents: i64) {
        self.field();
        let sign = if cents < 0 { "-" } else { "" };
        write!(self.buf, "{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100).expect("write to a Vec");
    }

    pub fn date(&mut self, d: NaiveDate) {
        self.field();
        write!(self.buf, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day()).expect("write to a Vec");
    }

    pub fn opt_date(&mut self, d: Option<NaiveDate>) {
        match d {
            Some(d) => self.date(d),
            None => self.null(),
        }
    }

    pub fn timestamp(&mut self, t: DateTime<Utc>) {
        self.field();
        write!(self.buf, "{}+00", t.naive_utc()).expect("write to a Vec");
    }

    pub fn opt_timestamp(&mut self, t: Option<DateTime<Utc>>) {
        match t {
            Some(t) => self.timestamp(t),
            None => self.null(),
        }
    }

    pub fn boolean(&mut self, b: bool) {
        self.field();
        self.buf.push(if b { b't' } else { b'f' });
    }

    pub fn end_row(&mut self) {
        self.buf.push(b'\n');
        self.in_row = false;
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.buf
    }
}

/// One table's rows, ready for `COPY`.
pub struct CopyTable {
    pub statement: &'static str,
    pub rows: u64,
    pub data: Vec<u8>,
}

fn encode<T>(statement: &'static str, rows: &[T], write: impl Fn(&mut CopyText, &T)) -> CopyTable {
    let mut w = CopyText { buf: Vec::with_capacity(rows.len() * 64), in_row: false };
    for row in rows {
        write(&mut w, row);
        w.end_row();
    }
    CopyTable { statement, rows: rows.len() as u64, data: w.buf }
}

pub fn encode_clients(clients: &[Client]) -> CopyTable {
    encode(
        "COPY ledger.clients (id, name, org_number, country, service, agency_role, privacy_contact) FROM STDIN",
        clients,
        |w, c| {
            w.int(c.id);
            w.text(&c.name);
            w.text(&c.org_number);
            w.text(c.country.code());
            w.text(c.service);
            w.text(c.agency_role);
            w.opt_text(c.privacy_contact.as_deref());
        },
    )
}

/// The batch as COPY data, tables in foreign-key order.
pub fn encode_batch(b: &LedgerBatch) -> Vec<CopyTable> {
    vec![
        encode(
            "COPY ledger.persons (id, role, country, personal_number, first_name, last_name, street, \
             postal_code, city, phone, email, language, created_on) FROM STDIN",
            &b.persons,
            |w, lp| {
                let p = &lp.person;
                w.int(p.index as i64 + 1);
                w.text(p.role);
                w.text(p.country.code());
                w.opt_text(p.personal_number.as_deref());
                w.text(p.first_name);
                w.text(p.last_name);
                w.text(&p.street);
                w.text(p.postal_code);
                w.text(p.city);
                w.text(&p.phone);
                w.text(&p.email);
                w.text(p.language.as_str());
                w.date(lp.created_on);
            },
        ),
        encode(
            "COPY ledger.contact_details (id, person_id, kind, value, obtained_from, added_on) FROM STDIN",
            &b.contact_details,
            |w, c| {
                w.int(c.id);
                w.int(c.person_id);
                w.text(c.kind);
                w.text(&c.value);
                w.text(c.obtained_from);
                w.date(c.added_on);
            },
        ),
        encode(
            "COPY ledger.cases (id, case_number, client_id, debtor_id, invoice_number, currency, principal, \
             fees, interest, outstanding, opened_on, closed_on, paid_in_full_on, stage) FROM STDIN",
            &b.cases,
            |w, c| {
                w.int(c.id);
                w.text(&c.case_number);
                w.int(c.client_id);
                w.int(c.debtor_id);
                w.opt_text(c.invoice_number.as_deref());
                w.text(c.currency);
                w.money(c.principal);
                w.money(c.fees);
                w.money(c.interest);
                w.money(c.outstanding);
                w.date(c.opened_on);
                w.opt_date(c.closed_on);
                w.opt_date(c.paid_in_full_on);
                w.text(c.stage);
            },
        ),
        encode("COPY ledger.case_parties (case_id, person_id, role) FROM STDIN", &b.case_parties, |w, p| {
            w.int(p.case_id);
            w.int(p.person_id);
            w.text(p.role);
        }),
        encode(
            "COPY ledger.payments (id, case_id, payer_id, paid_on, amount, method, booking_reference, \
             financial_year_end) FROM STDIN",
            &b.payments,
            |w, p| {
                w.int(p.id);
                w.int(p.case_id);
                w.opt_int(p.payer_id);
                w.date(p.paid_on);
                w.money(p.amount);
                w.text(p.method);
                w.text(&p.booking_reference);
                w.date(p.financial_year_end);
            },
        ),
        encode(
            "COPY ledger.letters (id, case_id, person_id, sent_on, letter_type, channel) FROM STDIN",
            &b.letters,
            |w, l| {
                w.int(l.id);
                w.opt_int(l.case_id);
                w.int(l.person_id);
                w.date(l.sent_on);
                w.text(l.letter_type);
                w.text(l.channel);
            },
        ),
        encode(
            "COPY ledger.calls (id, case_id, person_id, called_at, direction, summary) FROM STDIN",
            &b.calls,
            |w, c| {
                w.int(c.id);
                w.opt_int(c.case_id);
                w.int(c.person_id);
                w.timestamp(c.called_at);
                w.text(c.direction);
                w.text(c.summary);
            },
        ),
        encode(
            "COPY ledger.credit_lookups (id, person_id, bureau, looked_up_on, purpose) FROM STDIN",
            &b.credit_lookups,
            |w, c| {
                w.int(c.id);
                w.int(c.person_id);
                w.text(c.bureau);
                w.date(c.looked_up_on);
                w.text(c.purpose);
            },
        ),
        encode(
            "COPY ledger.aml_checks (id, person_id, checked_on, checked_name, checked_number, outcome, \
             relationship_ended_on) FROM STDIN",
            &b.aml_checks,
            |w, a| {
                w.int(a.id);
                w.int(a.person_id);
                w.date(a.checked_on);
                w.opt_text(a.checked_name.as_deref());
                w.opt_text(a.checked_number.as_deref());
                w.text(a.outcome);
                w.opt_date(a.relationship_ended_on);
            },
        ),
        encode(
            "COPY ledger.marketing_preferences (person_id, consent_given_on, by_email, by_sms, by_post, \
             opted_out_at) FROM STDIN",
            &b.marketing,
            |w, m| {
                w.int(m.person_id);
                w.opt_date(m.consent_given_on);
                w.boolean(m.by_email);
                w.boolean(m.by_sms);
                w.boolean(m.by_post);
                w.opt_timestamp(m.opted_out_at);
            },
        ),
    ]
}

/// Sends one table through COPY, in pieces so the server works while the rest arrives.
async fn copy_table(conn: &mut PgConnection, table: &CopyTable) -> Result<u64> {
    if table.rows == 0 {
        return Ok(0);
    }
    let mut copy = conn.copy_in_raw(table.statement).await?;
    for piece in table.data.chunks(1 << 20) {
        copy.send(piece).await?;
    }
    Ok(copy.finish().await?)
}

// ---------------------------------------------------------------------------------------------
// Loading

/// What `dsrdesk_meta.ledger_seeded` records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct LedgerMeta {
    seed: u64,
    persons: u64,
    complete: bool,
}

/// Progress of [`Desk::seed_ledger`], after each batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LedgerProgress {
    pub persons_done: u64,
    pub persons_total: u64,
    /// Rows written by this run so far.
    pub rows: u64,
}

/// What [`Desk::seed_ledger`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LedgerSeeded {
    /// Persons written by this run (0 when the ledger was already seeded).
    pub persons: u64,
    /// Rows written by this run, in all ledger tables.
    pub rows: u64,
    /// The ledger already held this seed's persons: nothing was written.
    pub already_seeded: bool,
}

const ANALYZE_LEDGER: &str = "ANALYZE ledger.clients, ledger.persons, ledger.contact_details, ledger.cases, \
     ledger.case_parties, ledger.payments, ledger.letters, ledger.calls, ledger.credit_lookups, \
     ledger.aml_checks, ledger.marketing_preferences";

/// Where the ledger stands for a seed and size.
enum LedgerState {
    Empty,
    /// The same seed and size, not finished: resume.
    Interrupted,
    Seeded,
}

impl Desk {
    /// Whether [`Desk::seed_ledger`] with `options` would refuse, told before anything is written:
    /// `dsrdesk seed` asks before it adds requests, so a refused ledger leaves the queue as it was.
    pub async fn check_seed_ledger(&self, options: &SeedOptions) -> Result<()> {
        self.ledger_state(options).await.map(|_| ())
    }

    async fn ledger_state(&self, options: &SeedOptions) -> Result<LedgerState> {
        let recorded: Option<String> =
            sqlx::query_scalar("SELECT value FROM dsrdesk_meta WHERE key = 'ledger_seeded'")
                .fetch_optional(self.pool())
                .await?;
        let Some(text) = recorded else {
            let any: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM ledger.persons) OR EXISTS (SELECT 1 FROM ledger.clients)",
            )
            .fetch_one(self.pool())
            .await?;
            if any {
                return Err(Error::Invalid(
                    "the ledger holds data that did not come from `dsrdesk seed`; refusing to mix demo data into it".into(),
                ));
            }
            return Ok(LedgerState::Empty);
        };
        let m: LedgerMeta = serde_json::from_str(&text).map_err(|e| {
            Error::Invalid(format!("dsrdesk_meta 'ledger_seeded' is not what dsrdesk wrote ({e}): {text}"))
        })?;
        if (m.seed, m.persons) != (options.seed, options.persons) {
            return Err(Error::Invalid(format!(
                "the ledger already holds seed {} with {} persons; refusing to mix seed {} with {} persons into it (ids would collide): use a fresh database",
                m.seed, m.persons, options.seed, options.persons
            )));
        }
        Ok(if m.complete { LedgerState::Seeded } else { LedgerState::Interrupted })
    }

    /// Fill the reference ledger with `options.persons` persons of `options.seed` and everything
    /// about them, consistently with the requests [`Desk::seed`] makes from the same options.
    /// Dates are relative to `now` (the Swedish local date), like the requests'.
    pub async fn seed_ledger(
        &self,
        options: &SeedOptions,
        now: DateTime<Utc>,
        mut progress: impl FnMut(LedgerProgress),
    ) -> Result<LedgerSeeded> {
        let wanted = LedgerMeta { seed: options.seed, persons: options.persons, complete: true };
        let mut result = LedgerSeeded::default();
        match self.ledger_state(options).await? {
            LedgerState::Seeded => return Ok(LedgerSeeded { already_seeded: true, ..Default::default() }),
            LedgerState::Interrupted => {} // resume below
            LedgerState::Empty => {
                let clients = clients(options.seed);
                let mut tx = self.pool().begin().await?;
                let started = LedgerMeta { complete: false, ..wanted };
                sqlx::query("INSERT INTO dsrdesk_meta (key, value) VALUES ('ledger_seeded', $1)")
                    .bind(serde_json::to_string(&started).expect("json"))
                    .execute(&mut *tx)
                    .await?;
                result.rows += copy_table(&mut tx, &encode_clients(&clients)).await?;
                tx.commit().await?;
            }
        }

        // Batches a previous, interrupted run completed (each was one transaction).
        let done: BTreeSet<i64> =
            sqlx::query_scalar("SELECT DISTINCT (id - 1) / $1 FROM ledger.persons WHERE id BETWEEN 1 AND $2")
                .bind(LEDGER_BATCH as i64)
                .bind(options.persons as i64)
                .fetch_all(self.pool())
                .await?
                .into_iter()
                .collect();
        let today = Jurisdiction::Sweden.local_date(now);
        let seed = options.seed;
        let clients = Arc::new(clients(seed));
        let todo: Vec<(u64, u64)> = (0..options.persons.div_ceil(LEDGER_BATCH))
            .filter(|b| !done.contains(&(*b as i64)))
            .map(|b| (b * LEDGER_BATCH, ((b + 1) * LEDGER_BATCH).min(options.persons)))
            .collect();
        // Batches in flight at once, each generated (and encoded) on a blocking thread, then copied
        // on its own connection in its own transaction: while one batch is being generated or
        // checked by the server, another is too. Batches are independent, so order does not matter.
        let load = |(start, end): (u64, u64)| {
            let clients = Arc::clone(&clients);
            let pool = self.pool().clone();
            async move {
                let tables = tokio::task::spawn_blocking(move || {
                    encode_batch(&generate_batch(seed, &clients, start, end, today))
                })
                .await
                .map_err(|e| Error::Invalid(format!("ledger generator: {e}")))?;
                let mut tx = pool.begin().await?;
                let mut rows = 0;
                for table in &tables {
                    rows += copy_table(&mut tx, table).await?;
                }
                tx.commit().await?;
                Ok::<_, Error>((end - start, rows))
            }
        };
        let mut persons_done = options.persons - todo.iter().map(|(start, end)| end - start).sum::<u64>();
        let mut loads = stream::iter(todo).map(load).buffer_unordered(LEDGER_WRITERS);
        while let Some(loaded) = loads.next().await {
            let (persons, rows) = loaded?;
            result.persons += persons;
            result.rows += rows;
            persons_done += persons;
            progress(LedgerProgress { persons_done, persons_total: options.persons, rows: result.rows });
        }
        sqlx::query("UPDATE dsrdesk_meta SET value = $1 WHERE key = 'ledger_seeded'")
            .bind(serde_json::to_string(&wanted).expect("json"))
            .execute(self.pool())
            .await?;
        // Fresh statistics, so queries against the ledger are planned for its real size at once.
        sqlx::query(ANALYZE_LEDGER).execute(self.pool()).await?;
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::identity::IdentityNumber;

    fn today() -> NaiveDate {
        date(2026, 11, 21)
    }

    #[test]
    fn copy_text_escapes_what_copy_would_misread() {
        let mut w = CopyText::default();
        w.text("a\tb\nc\\d\re");
        w.null();
        w.money(123_405);
        w.money(7);
        w.date(date(2024, 2, 29));
        w.boolean(true);
        w.end_row();
        w.text("Åsa");
        w.end_row();
        assert_eq!(
            String::from_utf8(w.as_bytes().to_vec()).unwrap(),
            "a\\tb\\nc\\\\d\\re\t\\N\t1234.05\t0.07\t2024-02-29\tt\nÅsa\n"
        );
    }

    #[test]
    fn org_numbers_carry_their_check_digits() {
        // Bolagsverket's own organisation number, 202100-5489: the Luhn digit of 202100548 is 9.
        let luhn_ok = |s: &str| {
            let d: Vec<u32> = s.chars().filter_map(|c| c.to_digit(10)).collect();
            let sum: u32 = d[..9]
                .iter()
                .enumerate()
                .map(|(i, &x)| {
                    let p = x * if i % 2 == 0 { 2 } else { 1 };
                    p / 10 + p % 10
                })
                .sum();
            (10 - sum % 10) % 10 == d[9]
        };
        assert!(luhn_ok("202100-5489"));
        for n in [0, 1234567, 9_999_999] {
            let org = swedish_org_number(n);
            assert!(org.starts_with("55") && org.len() == 11 && luhn_ok(&org), "{org}");
        }
        // PRH's example Y-tunnus 0737546-2.
        assert_eq!(finnish_business_id(737546).as_deref(), Some("0737546-2"));
        // Remainder 1 has no check digit: such numbers are never issued.
        assert!((0..100).any(|n| finnish_business_id(n).is_none()));
    }

    #[test]
    fn forty_clients_with_both_roles_in_both_countries() {
        let cs = clients(1);
        assert_eq!(cs.len(), 40);
        assert_eq!(cs, clients(1));
        let names: HashSet<&str> = cs.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), 40);
        for country in Jurisdiction::ALL {
            for role in ["controller", "processor"] {
                assert!(cs.iter().any(|c| c.country == country && c.agency_role == role), "{country} {role}");
            }
        }
        let processors = cs.iter().filter(|c| c.agency_role == "processor").count();
        assert!((4..=8).contains(&processors), "{processors}");
        for c in &cs {
            assert_eq!(c.agency_role == "controller", c.service == "collection", "{c:?}");
            assert_eq!(c.name.ends_with(" AB"), c.country == Jurisdiction::Sweden, "{c:?}");
        }
    }

    #[test]
    fn financial_years_of_the_agency() {
        let se = Jurisdiction::Sweden;
        let fi = Jurisdiction::Finland;
        assert_eq!(financial_year_end(se, date(2012, 3, 1)), date(2012, 12, 31));
        assert_eq!(financial_year_end(fi, date(2012, 3, 1)), date(2012, 4, 30));
        assert_eq!(financial_year_end(fi, date(2012, 5, 1)), date(2013, 4, 30));
        assert_eq!(financial_year_end(fi, date(2016, 4, 30)), date(2016, 4, 30));
        // The shortened transitional year.
        assert_eq!(financial_year_end(fi, date(2016, 5, 1)), date(2016, 12, 31));
        assert_eq!(financial_year_end(fi, date(2020, 1, 1)), date(2020, 12, 31));
    }

    #[test]
    fn instalments_add_up_and_are_positive() {
        for (total, n) in [(100, 3), (1, 5), (123_456, 20), (5, 1)] {
            let parts = instalments(total, n);
            assert_eq!(parts.iter().sum::<i64>(), total);
            assert!(parts.iter().all(|p| *p > 0));
        }
    }

    #[test]
    fn persons_are_valid_unique_and_pure() {
        let mut numbers = HashSet::new();
        let (mut coordination, mut new_signs, mut namesakes) = (0, 0, 0);
        let mut by_name_city: HashMap<(&str, &str, &str), u32> = HashMap::new();
        for i in 0..3_000 {
            let p = ledger_person(4, i);
            assert_eq!(p, ledger_person(4, i));
            *by_name_city.entry((p.first_name, p.last_name, p.city)).or_default() += 1;
            if i % 97 == 96 {
                namesakes += 1;
            }
            let Some(n) = &p.personal_number else { continue };
            let check = IdentityNumber::check(n, Some(p.country), today());
            assert!(check.valid, "{n}: {:?}", check.error);
            assert_eq!(check.normalized.as_deref(), Some(n.as_str()));
            assert!(numbers.insert(n.clone()), "{n} twice");
            coordination += (check.kind == Some("samordningsnummer")) as u32;
            new_signs += n.chars().nth(6).is_some_and(|c| "YXWVUBCDEF".contains(c)) as u32;
            // The sex the number encodes agrees with the first name's list.
            let digit = n.chars().rev().nth(1).and_then(|c| c.to_digit(10)).unwrap();
            assert_eq!(p.female, digit % 2 == 0, "{n}");
        }
        assert!(coordination > 10, "{coordination}");
        assert!(new_signs > 10, "{new_signs}");
        assert!(namesakes > 20);
        assert!(by_name_city.values().any(|n| *n > 1));
        // A different seed is a different world.
        assert_ne!(ledger_person(4, 0).personal_number, ledger_person(5, 0).personal_number);
    }

    #[test]
    fn requesters_come_from_the_ledger_with_some_outsiders_and_repeats() {
        use super::super::seed::requester_index;
        let persons = 1_000;
        let picks: Vec<u64> = (0..2_000).map(|r| requester_index(3, r, persons)).collect();
        let outside = picks.iter().filter(|i| **i >= persons).count();
        assert!((50..150).contains(&outside), "{outside}");
        let distinct: HashSet<u64> = picks.iter().copied().filter(|i| *i < persons).collect();
        assert!(distinct.len() < picks.len() - outside - 100, "repeat requesters");
        assert_eq!(picks, (0..2_000).map(|r| requester_index(3, r, persons)).collect::<Vec<_>>());
    }

    #[test]
    fn a_batch_keeps_the_schema_rules() {
        let cs = clients(2);
        let b = generate_batch(2, &cs, 0, 2_000, today());
        assert_eq!(b, generate_batch(2, &cs, 0, 2_000, today()));
        let ids: HashSet<i64> = b.persons.iter().map(|p| p.person.index as i64 + 1).collect();
        let cases: HashMap<i64, &Case> = b.cases.iter().map(|c| (c.id, c)).collect();
        assert_eq!(cases.len(), b.cases.len());
        let mut paid: HashMap<i64, i64> = HashMap::new();
        for p in &b.payments {
            let c = cases[&p.case_id];
            assert!(p.amount > 0 && p.financial_year_end >= p.paid_on && p.paid_on >= c.opened_on, "{p:?}");
            assert!(p.paid_on <= c.closed_on.unwrap_or(today()), "{p:?}");
            assert!(p.payer_id.is_none_or(|id| ids.contains(&id)));
            *paid.entry(p.case_id).or_default() += p.amount;
        }
        let mut stages = HashSet::new();
        for c in &b.cases {
            stages.insert(c.stage);
            assert_eq!(c.stage == "closed", c.closed_on.is_some(), "{c:?}");
            assert!(c.paid_in_full_on.is_none() || c.outstanding == 0, "{c:?}");
            assert!(c.outstanding >= 0 && c.principal > 0, "{c:?}");
            assert!(c.closed_on.is_none_or(|d| d >= c.opened_on && d <= today()), "{c:?}");
            assert_eq!(paid.get(&c.id).copied().unwrap_or(0), c.total() - c.outstanding, "{c:?}");
            assert_eq!(c.currency == "SEK", c.case_number.starts_with("SE-"));
            assert!(ids.contains(&c.debtor_id));
        }
        for stage in ["reminder", "collection", "payment_plan", "enforcement", "court", "closed"] {
            assert!(stages.contains(stage), "{stage}");
        }
        let mut seen = HashSet::new();
        for p in &b.case_parties {
            assert!(seen.insert((p.case_id, p.person_id)));
            assert_ne!(cases[&p.case_id].debtor_id, p.person_id);
        }
        assert!(
            ["guarantor", "co_liable", "representative"]
                .iter()
                .all(|r| b.case_parties.iter().any(|p| p.role == *r))
        );
        for (name, ids) in [
            ("letters", b.letters.iter().map(|l| l.id).collect::<Vec<_>>()),
            ("calls", b.calls.iter().map(|c| c.id).collect()),
            ("payments", b.payments.iter().map(|p| p.id).collect()),
            ("contact_details", b.contact_details.iter().map(|c| c.id).collect()),
            ("credit_lookups", b.credit_lookups.iter().map(|c| c.id).collect()),
        ] {
            assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len(), "{name}");
        }
        for l in &b.letters {
            assert!(l.sent_on <= today());
        }
        // AML: the relationship has ended exactly when every case of theirs is closed.
        for a in &b.aml_checks {
            let open = b
                .cases
                .iter()
                .filter(|c| {
                    c.debtor_id == a.person_id
                        || b.case_parties.iter().any(|p| p.case_id == c.id && p.person_id == a.person_id)
                })
                .any(|c| c.closed_on.is_none());
            assert_eq!(a.relationship_ended_on.is_none(), open, "{a:?}");
        }
        assert!(b.marketing.iter().any(|m| m.opted_out_at.is_some()));
        assert!(b.rows() > 2_000 * 10, "{}", b.rows());
    }
}
