//! The synthetic reference ledger: clients, persons' cases and the other parties on them.

use super::*;

/// The seeded ledger's creditors and other clients: ids 1..=CLIENTS.
pub const CLIENTS: u64 = 40;

/// The ledger's history starts here.
pub(super) const LEDGER_EPOCH: (i32, u32, u32) = (2010, 1, 1);

pub(super) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub(super) fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// A uniformly chosen day in `from..=until` (`from` when the range is empty).
pub(super) fn day_between(rng: &mut ChaCha8Rng, from: NaiveDate, until: NaiveDate) -> NaiveDate {
    let span = (until - from).num_days();
    if span <= 0 { from } else { from + Days::new(rng.random_range(0..=span) as u64) }
}

pub(super) fn plus_days(day: NaiveDate, days: i64) -> NaiveDate {
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
    pub(super) fn last_day(&self, today: NaiveDate) -> NaiveDate {
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

pub(super) const SE_BRANDS: &[&str] = &[
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

pub(super) const SE_SECTORS: &[&str] =
    &["Energi", "Finans", "Bredband", "Fastigheter", "Tandvård", "Telekom", "Försäkring", "Elhandel"];

pub(super) const FI_BRANDS: &[&str] = &[
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

pub(super) const FI_SECTORS: &[&str] =
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

pub(super) fn slug(s: &str) -> String {
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

/// The cases a person is on, as debtor or other party: (opened, closed).
pub(super) type CasesOf = HashMap<i64, Vec<(NaiveDate, Option<NaiveDate>)>>;

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

pub(super) fn new_case(
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
