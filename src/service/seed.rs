//! Deterministic synthetic requests for demos and benchmarks.
//!
//! Every requester is a person of the seeded world ([`ledger_person`]), the same persons the
//! reference ledger is filled with (`super::ledger_seed`), so a request can be matched against the
//! ledger the way a real one would. The same seed and the same day give the same requests. Dates are relative to `now`, so a demo
//! always shows requests that are overdue, due today and due later. Every request is stored with
//! the events that explain its state, through the same bulk path as intake.

use super::{Desk, Operator};
use crate::domain::deadline::{self, DeadlineFacts};
use crate::domain::intake::{Channel, Language, NewRequest, Requester};
use crate::domain::reference::Reference;
use crate::domain::{Jurisdiction, RequestKind, RequestStatus};
use crate::error::{Error, Result};
use crate::store::requests::{self as store, NewEvent, RequestRecord};
use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use std::collections::BTreeMap;

// Name lists by sex, so a first name agrees with the sex the identity number encodes (the
// second-to-last digit of a personnummer and the HETU individual number: odd for men).
pub(super) const SE_WOMEN: &[&str] = &[
    "Anna", "Maria", "Karin", "Eva", "Sara", "Åsa", "Linnéa", "Ingrid", "Elin", "Ebba", "Märta", "Kristina",
    "Lena", "Emma", "Malin", "Sofia", "Helena", "Johanna", "Amira", "Ulla",
];
pub(super) const SE_MEN: &[&str] = &[
    "Erik", "Lars", "Anders", "Johan", "Per", "Björn", "Göran", "Mats", "Oskar", "Nils", "Sven", "Karl",
    "Mikael", "Jonas", "Fredrik", "Magnus", "Henrik", "Stefan", "Ahmed", "Daniel",
];
pub(super) const SE_LAST: &[&str] = &[
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Lindström",
    "Öberg",
    "Åkesson",
    "Sjöberg",
    "Bergqvist",
    "Lundgren",
    "Jönsson",
    "Hansson",
    "Bengtsson",
    "Lindqvist",
    "Magnusson",
    "Holm",
    "Hassan",
    "Forsberg",
];
pub(super) const FI_WOMEN: &[&str] = &[
    "Aino", "Helmi", "Sanna", "Päivi", "Eeva", "Leena", "Sirkka", "Kaisa", "Minna", "Tuula", "Johanna",
    "Anne", "Tiina", "Satu", "Riikka", "Elina", "Marjatta", "Hanna",
];
pub(super) const FI_MEN: &[&str] = &[
    "Matti", "Juha", "Mikko", "Jukka", "Timo", "Ville", "Antti", "Jari", "Pekka", "Aleksi", "Kari", "Janne",
    "Heikki", "Markku", "Petri", "Tapio", "Juho", "Lauri",
];
pub(super) const FI_LAST: &[&str] = &[
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Lehtinen",
    "Saarinen",
    "Salminen",
    "Heinonen",
    "Kärkkäinen",
    "Niemi",
    "Lindholm",
    "Turunen",
    "Salonen",
    "Ahonen",
    "Kinnunen",
];
/// Street, postal code, city: the request's address is `"{street} {n}, {postal code} {city}"`
/// and the ledger keeps the same three pieces in its own columns.
pub(super) const SE_PLACES: &[(&str, &str, &str)] = &[
    ("Storgatan", "111 22", "Stockholm"),
    ("Sveavägen", "113 59", "Stockholm"),
    ("Hornsgatan", "118 20", "Stockholm"),
    ("Kungsgatan", "411 19", "Göteborg"),
    ("Linnégatan", "413 04", "Göteborg"),
    ("Södra Förstadsgatan", "211 43", "Malmö"),
    ("Drottninggatan", "753 10", "Uppsala"),
    ("Järnvägsgatan", "582 22", "Linköping"),
    ("Köpmangatan", "831 30", "Östersund"),
    ("Rådhusgatan", "903 26", "Umeå"),
    ("Vasagatan", "722 15", "Västerås"),
    ("Trädgårdsgatan", "702 12", "Örebro"),
];
pub(super) const FI_PLACES: &[(&str, &str, &str)] = &[
    ("Mannerheimintie", "00100", "Helsinki"),
    ("Hämeentie", "00530", "Helsinki"),
    ("Leppävaarankatu", "02600", "Espoo"),
    ("Hämeenkatu", "33100", "Tampere"),
    ("Aurakatu", "20100", "Turku"),
    ("Kauppakatu", "40100", "Jyväskylä"),
    ("Isokatu", "90100", "Oulu"),
    ("Kirkkokatu", "15140", "Lahti"),
    ("Kuninkaankatu", "70100", "Kuopio"),
    ("Hovioikeudenpuistikko", "65100", "Vaasa"),
];
/// The demo's colleagues. `dsrdesk demo` adds the person running it, so "mine" shows something.
pub const DEFAULT_OPERATORS: &[&str] = &["anna.dpo", "mikko.dpo", "sofia.dpo", "johan.dpo"];

fn body(kind: RequestKind, lang: Language, rng: &mut ChaCha8Rng) -> String {
    let text = match (kind, lang) {
        (RequestKind::Access, Language::Sv) => {
            "Jag vill ha en kopia av alla personuppgifter ni har om mig, varifrån ni fått dem och vilka ni lämnat ut dem till."
        }
        (RequestKind::Access, Language::Fi) => {
            "Pyydän jäljennöksen kaikista minua koskevista henkilötiedoista sekä tiedon niiden lähteistä ja vastaanottajista."
        }
        (RequestKind::Access, Language::En) => {
            "Please send me a copy of all personal data you hold about me, where it came from and who received it."
        }
        (RequestKind::Erasure, Language::Sv) => {
            "Skulden är betald sedan länge. Radera alla uppgifter om mig."
        }
        (RequestKind::Erasure, Language::Fi) => {
            "Velka on maksettu. Poistakaa kaikki tietoni rekisteristänne."
        }
        (RequestKind::Erasure, Language::En) => {
            "My debt was paid in full. Erase everything you have about me."
        }
        (RequestKind::Rectification, Language::Sv) => {
            "Ni har fel adress till mig. Jag har flyttat, rätta uppgiften."
        }
        (RequestKind::Rectification, Language::Fi) => {
            "Osoitteeni on väärin. Korjatkaa se uuteen osoitteeseeni."
        }
        (RequestKind::Rectification, Language::En) => {
            "Your records have my old address and a misspelt surname. Please correct them."
        }
        (RequestKind::Restriction, Language::Sv) => {
            "Jag bestrider skulden. Begränsa behandlingen tills saken är utredd."
        }
        (RequestKind::Restriction, Language::Fi) => {
            "Kiistän saatavan. Rajoittakaa käsittelyä kunnes asia on selvitetty."
        }
        (RequestKind::Restriction, Language::En) => {
            "I dispute this claim. Restrict processing until it has been examined."
        }
        (RequestKind::Portability, Language::Sv) => {
            "Jag vill få de uppgifter jag själv lämnat i ett maskinläsbart format."
        }
        (RequestKind::Portability, Language::Fi) => "Haluan itse antamani tiedot koneluettavassa muodossa.",
        (RequestKind::Portability, Language::En) => {
            "Send me the data I provided in a machine-readable format."
        }
        (RequestKind::Objection, Language::Sv) => {
            "Jag invänder mot all direktmarknadsföring och mot profilering."
        }
        (RequestKind::Objection, Language::Fi) => "Vastustan suoramarkkinointia ja profilointia.",
        (RequestKind::Objection, Language::En) => {
            "I object to direct marketing and to profiling based on legitimate interest."
        }
    };
    // Now and then a request carries terminal escape codes, as hostile input really does: the
    // desk must show them escaped, never let them reach the terminal.
    if rng.random_ratio(1, 200) {
        format!("{text}\n\u{1b}[31mURGENT\u{1b}[0m \u{1b}]0;pwned\u{7}")
    } else {
        text.to_string()
    }
}

/// A valid Swedish personnummer, 12 digits with hyphen: YYYYMMDD-NNNC (Luhn check digit).
pub fn swedish_personal_number(birth: NaiveDate, serial: u32) -> String {
    swedish_number(birth, serial, 0)
}

/// A valid Swedish samordningsnummer (Skatteverket: the day of birth + 60), in the same
/// normalised form as `PersonalNumber` displays it: YYYYMMDD-NNNC with DD = day + 60.
pub fn swedish_coordination_number(birth: NaiveDate, serial: u32) -> String {
    swedish_number(birth, serial, 60)
}

fn swedish_number(birth: NaiveDate, serial: u32, day_offset: u32) -> String {
    let day = birth.day() + day_offset;
    let short = format!("{:02}{:02}{day:02}{:03}", birth.year() % 100, birth.month(), serial % 1000);
    let sum: u32 = short
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let d = (b - b'0') as u32 * if i % 2 == 0 { 2 } else { 1 };
            d / 10 + d % 10
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    format!("{}{:02}{day:02}-{:03}{check}", birth.year(), birth.month(), serial % 1000)
}

/// A valid Finnish HETU with the century sign chosen from the 2023 set as well as the old ones.
pub fn finnish_hetu(birth: NaiveDate, individual: u32, variant: usize) -> String {
    const CHECK: &[u8] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";
    let individual = 2 + individual % 898; // 002..=899: permanent numbers
    let sign = match birth.year() {
        1800..=1899 => '+',
        1900..=1999 => ['-', 'Y', 'X', 'W', 'V', 'U'][variant % 6],
        _ => ['A', 'B', 'C', 'D', 'E', 'F'][variant % 6],
    };
    let digits = format!("{:02}{:02}{:02}{:03}", birth.day(), birth.month(), birth.year() % 100, individual);
    let n: u64 = digits.parse().expect("digits");
    let check = CHECK[(n % 31) as usize] as char;
    format!("{:02}{:02}{:02}{sign}{:03}{check}", birth.day(), birth.month(), birth.year() % 100, individual)
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
    &items[rng.random_range(0..items.len())]
}

/// SplitMix64's finaliser: a cheap, well-mixed hash of a 64-bit value, to derive independent
/// generator seeds from (seed, index) pairs.
pub(super) fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// One person of the seeded world. Persons `0..persons` are in the reference ledger; a request's
/// requester is one of them (or, now and then, someone beyond the ledger): both generators take
/// the person from [`ledger_person`], so what a request says and what the ledger holds agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedPerson {
    pub index: u64,
    pub country: Jurisdiction,
    /// The ledger's `persons.role`.
    pub role: &'static str,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub birth: NaiveDate,
    pub female: bool,
    /// Normalised as the desk compares it: `YYYYMMDD-NNNC` (also for a samordningsnummer, whose
    /// DD is the day + 60) or the HETU as written. `None` for people the agency knows only as a
    /// contact (client and authority contacts, prospects).
    pub personal_number: Option<String>,
    /// Street and house number, e.g. "Storgatan 12" or "Hämeenkatu 3 B 14".
    pub street: String,
    pub postal_code: &'static str,
    pub city: &'static str,
    pub email: String,
    pub phone: String,
    pub language: Language,
}

impl SeedPerson {
    pub fn name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// The address as a request states it.
    pub fn address(&self) -> String {
        format!("{}, {} {}", self.street, self.postal_code, self.city)
    }
}

/// Birth dates of the seeded world: adults by the mid-2020s, the oldest born 1935.
const BIRTH_FROM: (i32, u32, u32) = (1935, 1, 1);
const BIRTH_UNTIL: (i32, u32, u32) = (2007, 12, 31);
/// Individual numbers 002..=899 (HETU: 900–999 are temporary; DVV).
const SERIALS: u64 = 898;
/// A prime that divides neither 898 nor the number of birth days: multiplying by it permutes
/// the identity slots, so distinct person indices get distinct identity numbers.
const SLOT_STRIDE: u64 = 15_485_863;
/// Every 97th person shares first name, last name and city with an earlier person, so a
/// name match alone is ambiguous even in a small ledger.
const NAMESAKE_EVERY: u64 = 97;

fn birth_days() -> u64 {
    let day = |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
    (day(BIRTH_UNTIL) - day(BIRTH_FROM)).num_days() as u64 + 1
}

/// The date of birth and the individual number (2..=899) of person `index`: a bijection on the
/// first `birth_days() * 898` (about 23.9 million) indices, so identity numbers never repeat.
fn identity_slot(seed: u64, index: u64) -> (NaiveDate, u32) {
    let slots = birth_days() * SERIALS;
    let slot = ((index % slots) * SLOT_STRIDE % slots + mix(seed ^ 0x1D) % slots) % slots;
    let birth = NaiveDate::from_ymd_opt(BIRTH_FROM.0, BIRTH_FROM.1, BIRTH_FROM.2).expect("valid date")
        + Days::new(slot / SERIALS);
    (birth, 2 + (slot % SERIALS) as u32)
}

pub(super) fn ascii_lower(s: &str) -> String {
    s.to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' | 'á' => 'a',
            'ö' => 'o',
            'é' => 'e',
            'ü' => 'u',
            other => other,
        })
        .collect()
}

/// Person `index` of the seeded world for `seed`: a pure function, the same on every call.
pub fn ledger_person(seed: u64, index: u64) -> SeedPerson {
    let mut person = base_person(seed, index);
    if index % NAMESAKE_EVERY == NAMESAKE_EVERY - 1 {
        // A namesake of a nearby earlier person of the same country and sex: same first and last
        // name, same city (and street), a different house number, birth date and number.
        let earlier = (index.saturating_sub(30)..index)
            .rev()
            .map(|j| base_person(seed, j))
            .find(|o| o.country == person.country && o.female == person.female);
        if let Some(other) = earlier {
            person.first_name = other.first_name;
            person.last_name = other.last_name;
            person.postal_code = other.postal_code;
            person.city = other.city;
            // Street names hold no digits: the house number (and flat) starts at the first one.
            let digit = |s: &str| s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
            let own_number = &person.street[digit(&person.street)..];
            let other_street = other.street[..digit(&other.street)].trim_end();
            person.street = format!("{other_street} {own_number}");
            person.email = email(&person, index);
        }
    }
    person
}

fn email(person: &SeedPerson, index: u64) -> String {
    let (first, last) = (ascii_lower(person.first_name), ascii_lower(person.last_name));
    let domain = match (person.country, index % 5) {
        (_, 0) => "example.com",
        (Jurisdiction::Sweden, 1) => "mail.example.se",
        (Jurisdiction::Sweden, _) => "example.se",
        (Jurisdiction::Finland, 1) => "posti.example.fi",
        (Jurisdiction::Finland, _) => "example.fi",
    };
    // The index makes every address unique: the desk may match a requester by e-mail.
    match index % 3 {
        0 => format!("{first}.{last}{index}@{domain}"),
        1 => format!("{first}{last}{index}@{domain}"),
        _ => format!("{}.{last}{index}@{domain}", first.chars().next().unwrap_or('x')),
    }
}

fn base_person(seed: u64, index: u64) -> SeedPerson {
    let mut rng = ChaCha8Rng::seed_from_u64(mix(seed ^ 0x5EED_0000_0000_0000) ^ mix(index));
    let country = if rng.random_ratio(3, 5) { Jurisdiction::Sweden } else { Jurisdiction::Finland };
    let role = match rng.random_range(0..100) {
        0..80 => "debtor",
        80..86 => "guarantor",
        86..89 => "representative",
        89..93 => "client_contact",
        93..95 => "authority_contact",
        _ => "prospect",
    };
    let (birth, serial) = identity_slot(seed, index);
    let female = serial % 2 == 0;
    let (women, men, last, places) = match country {
        Jurisdiction::Sweden => (SE_WOMEN, SE_MEN, SE_LAST, SE_PLACES),
        Jurisdiction::Finland => (FI_WOMEN, FI_MEN, FI_LAST, FI_PLACES),
    };
    let first_name = *pick(&mut rng, if female { women } else { men });
    let last_name = *pick(&mut rng, last);
    let (street_name, postal_code, city) = *pick(&mut rng, places);
    let house = rng.random_range(1..80);
    let street = match country {
        Jurisdiction::Sweden if rng.random_ratio(1, 6) => {
            format!("{street_name} {house} lgh {}{:02}", rng.random_range(11..15), rng.random_range(1..12))
        }
        Jurisdiction::Finland if rng.random_ratio(2, 5) => {
            format!("{street_name} {house} {} {}", *pick(&mut rng, &["A", "B", "C"]), rng.random_range(1..40))
        }
        _ => format!("{street_name} {house}"),
    };
    // Samordningsnummer for about 3% of Swedish persons; the 2023 HETU century signs for about
    // 4% of Finnish persons (DVV gives them to new numbers when the old signs are used up).
    let number = match country {
        Jurisdiction::Sweden if rng.random_ratio(3, 100) => swedish_coordination_number(birth, serial),
        Jurisdiction::Sweden => swedish_personal_number(birth, serial),
        Jurisdiction::Finland if rng.random_ratio(4, 100) => {
            finnish_hetu(birth, serial - 2, rng.random_range(1..6))
        }
        Jurisdiction::Finland => finnish_hetu(birth, serial - 2, 0),
    };
    let known_by_number = !matches!(role, "client_contact" | "authority_contact" | "prospect");
    let language = match (country, rng.random_range(0..100)) {
        (_, 0..8) => Language::En,
        (Jurisdiction::Sweden, _) => Language::Sv,
        (Jurisdiction::Finland, 8..20) => Language::Sv,
        (Jurisdiction::Finland, _) => Language::Fi,
    };
    let phone = match country {
        Jurisdiction::Sweden => format!(
            "+46 7{} {:03} {:02} {:02}",
            *pick(&mut rng, &[0, 2, 3, 6]),
            rng.random_range(0..1000),
            rng.random_range(0..100),
            rng.random_range(0..100)
        ),
        Jurisdiction::Finland => format!(
            "+358 {} {:03} {:04}",
            *pick(&mut rng, &[40, 44, 50]),
            rng.random_range(0..1000),
            rng.random_range(0..10000)
        ),
    };
    let mut person = SeedPerson {
        index,
        country,
        role,
        first_name,
        last_name,
        birth,
        female,
        personal_number: known_by_number.then_some(number),
        street,
        postal_code,
        city,
        email: String::new(),
        phone,
        language,
    };
    person.email = email(&person, index);
    person
}

/// Which person sent request `request` of `seed`, for a ledger of `persons`: a pure function,
/// so tests can tell which ledger person a seeded request should match. About 5% of requesters
/// are not in the ledger at all; about 10% come from a small group of frequent writers (repeated
/// access requests within 12 months); the rest from anyone in the ledger.
pub fn requester_index(seed: u64, request: u64, persons: u64) -> u64 {
    let h = mix(mix(seed ^ 0xAC_CE55) ^ request);
    let pick = h >> 16;
    match h % 100 {
        _ if persons == 0 => request,
        // Beyond the ledger, and never the same outsider twice.
        0..5 => persons + request,
        5..15 => pick % (persons / 40).max(1),
        _ => pick % persons,
    }
}

/// What the generator decided for one request: the record and its history.
struct Generated {
    record: RequestRecord,
    events: Vec<(DateTime<Utc>, String, &'static str, serde_json::Value)>,
}

fn generate(
    desk: &Desk,
    rng: &mut ChaCha8Rng,
    index: u64,
    options: &SeedOptions,
    now: DateTime<Utc>,
) -> Generated {
    let seed = options.seed;
    let operators = &options.operators;
    // The requester is a ledger person (or someone beyond the ledger): their request states the
    // name, address and numbers the ledger holds, and goes to the controller of their country.
    let person = ledger_person(seed, requester_index(seed, index, options.persons));
    let jurisdiction = person.country;
    let kind = match rng.random_range(0..100) {
        0..35 => RequestKind::Access,
        35..65 => RequestKind::Erasure,
        65..75 => RequestKind::Rectification,
        75..80 => RequestKind::Restriction,
        80..90 => RequestKind::Portability,
        _ => RequestKind::Objection,
    };
    // Mostly history; a recent slice is the open queue.
    let recent = rng.random_ratio(3, 20);
    let age_minutes = if recent {
        rng.random_range(10..45 * 24 * 60)
    } else {
        rng.random_range(40 * 24 * 60..420 * 24 * 60)
    };
    let received_at = now - Duration::minutes(age_minutes);
    let channel = *pick(
        rng,
        &[Channel::Email, Channel::Email, Channel::Web, Channel::Web, Channel::Letter, Channel::Phone],
    );
    let new = NewRequest {
        external_id: Some(format!("seed:{seed}:{index}")),
        kind,
        jurisdiction,
        received_at,
        channel: Some(channel),
        requester: Requester {
            name: Some(person.name()),
            // Now and then someone writes from an address the ledger does not know.
            email: Some(if rng.random_ratio(1, 20) {
                format!("{}{}@example.net", ascii_lower(person.first_name), ascii_lower(person.last_name))
            } else {
                person.email.clone()
            }),
            // About 80% state a personal number: 9 in 10 of those the ledger knows by one.
            personal_number: if rng.random_ratio(9, 10) { person.personal_number.clone() } else { None },
            address: Some(person.address()),
            phone: rng.random_ratio(1, 2).then(|| person.phone.clone()),
        },
        text: body(kind, person.language, rng),
        language: Some(person.language),
    };
    let mut r = desk.new_record(&new, String::new()).expect("seeded dates are within the calendar");
    let mut events = vec![(received_at, "intake".to_string(), "received", json!({}))];
    let today = jurisdiction.local_date(now);
    let calendar = desk.config().calendar(jurisdiction);
    let at_day = |day: NaiveDate, hour: u32| -> DateTime<Utc> {
        let local = jurisdiction
            .time_zone()
            .from_local_datetime(&day.and_hms_opt(hour, 17, 0).expect("valid time"))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or(now);
        local.clamp(received_at, now)
    };

    // A working queue: most recent requests are open, most older than three weeks answered,
    // a few stragglers overdue.
    let stays_open = match (recent, age_minutes / (24 * 60)) {
        (true, 0..21) => rng.random_ratio(9, 10),
        (true, _) => rng.random_ratio(1, 5),
        (false, _) => rng.random_ratio(1, 300),
    };
    let operator = pick(rng, operators).clone();
    let days_since = (today - r.received_on).num_days().max(0) as u64;
    if !stays_open {
        // Answered in 2..=25 days, mostly within the internal target.
        let closed_on = (r.received_on + Days::new(rng.random_range(2..26u64).min(days_since))).min(today);
        let closed_at = at_day(closed_on, 14);
        r.assignee = Some(operator.clone());
        events.push((
            at_day(r.received_on + Days::new(1).min(Days::new(days_since)), 9),
            operator.clone(),
            "assigned",
            json!({"from": null, "to": operator}),
        ));
        let (status, reason) = match rng.random_range(0..100) {
            0..90 => (RequestStatus::Answered, None),
            90..94 => (RequestStatus::Refused, Some("identity could not be established")),
            94..97 => (RequestStatus::Forwarded, Some("processor role: forwarded to the client")),
            _ => (RequestStatus::Withdrawn, Some("withdrawn by the subject")),
        };
        r.status = status;
        r.closed_at = Some(closed_at);
        events.push((
            closed_at,
            operator,
            "status_changed",
            json!({"from": "in_progress", "to": status, "reason": reason}),
        ));
    } else {
        if rng.random_ratio(3, 5) {
            r.assignee = Some(operator.clone());
            r.status = RequestStatus::InProgress;
            events.push((
                at_day((r.received_on + Days::new(1)).min(today), 9),
                operator.clone(),
                "assigned",
                json!({"from": null, "to": operator}),
            ));
        }
        // Some had a pause already, answered.
        if days_since > 6 && rng.random_ratio(1, 12) {
            let asked = r.received_on + Days::new(rng.random_range(1..=3));
            let days = rng.random_range(1..=(days_since - 3).min(12)) as i32;
            r.paused_days = days;
            events.push((
                at_day(asked, 10),
                operator.clone(),
                "paused",
                json!({"reason": "asked for a copy of an ID document", "asked_on": asked}),
            ));
            events.push((
                at_day(asked + Days::new(days as u64), 11),
                operator.clone(),
                "resumed",
                json!({"paused_days": days}),
            ));
        }
        let facts =
            DeadlineFacts { received_on: r.received_on, extended: false, paused_days: r.paused_days as u32 };
        let first_month_end =
            deadline::first_month_ends_on(&calendar, facts).expect("seeded dates are within the calendar");
        if days_since > 10 && rng.random_ratio(1, 8) {
            let decided_on =
                (r.received_on + Days::new(rng.random_range(5..=10))).min(first_month_end).min(today);
            r.extended_on = Some(decided_on);
            r.extension_reason =
                Some("many requests at once; the subject's data spans several clients".to_string());
            events.push((
                at_day(decided_on, 13),
                operator.clone(),
                "extended",
                json!({"reason": r.extension_reason, "decided_on": decided_on}),
            ));
        }
        desk.apply_deadline(&mut r).expect("seeded dates are within the calendar");
        if rng.random_ratio(1, 10) && today <= r.due_on {
            let asked = today - Days::new(rng.random_range(0..=days_since.min(5)));
            if asked >= r.received_on {
                r.status = RequestStatus::AwaitingInformation;
                r.paused_since = Some(asked);
                r.pause_reason = Some("asked the requester to confirm identity with BankID".to_string());
                events.push((
                    at_day(asked, 10),
                    operator,
                    "paused",
                    json!({"reason": r.pause_reason, "asked_on": asked}),
                ));
            }
        }
    }
    desk.apply_deadline(&mut r).expect("seeded dates are within the calendar");
    Generated { record: r, events }
}

/// Options for [`Desk::seed`].
#[derive(Debug, Clone)]
pub struct SeedOptions {
    pub requests: u64,
    /// Persons in the reference ledger ([`Desk::seed_ledger`]); requesters are drawn from them.
    /// The CLI makes it the number of requests unless `--persons` says otherwise.
    pub persons: u64,
    pub seed: u64,
    pub operators: Vec<String>,
    /// Seed even though the database holds requests that did not come from `seed`.
    pub force: bool,
}

impl Default for SeedOptions {
    fn default() -> Self {
        SeedOptions {
            requests: 2_000,
            persons: 2_000,
            seed: 1,
            operators: DEFAULT_OPERATORS.iter().map(|s| s.to_string()).collect(),
            force: false,
        }
    }
}

impl Desk {
    /// Whether the database holds requests from anything but `seed`.
    pub async fn holds_real_requests(&self) -> Result<bool> {
        let any: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM requests)").fetch_one(self.pool()).await?;
        if !any {
            return Ok(false);
        }
        let seeded: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM dsrdesk_meta WHERE key = 'seeded')")
                .fetch_one(self.pool())
                .await?;
        Ok(!seeded)
    }

    /// Fill the queue with synthetic requests. Refuses a database with real requests unless forced.
    /// Each batch of 10,000 is one transaction; returns how many were created. The requesters are
    /// persons of the reference ledger that [`Desk::seed_ledger`] fills from the same options.
    pub async fn seed(
        &self,
        options: &SeedOptions,
        now: DateTime<Utc>,
        mut progress: impl FnMut(u64),
    ) -> Result<u64> {
        if !options.force && self.holds_real_requests().await? {
            return Err(Error::Invalid(
                "this database holds requests that did not come from `dsrdesk seed`; refusing to mix demo data into it (use --force if you mean it)".into(),
            ));
        }
        if options.operators.is_empty() {
            return Err(Error::Invalid("seed needs at least one operator name".into()));
        }
        sqlx::query("INSERT INTO dsrdesk_meta (key, value) VALUES ('seeded', $1) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value")
            .bind(now.to_rfc3339())
            .execute(self.pool())
            .await?;
        const BATCH: u64 = 10_000;
        let mut created = 0;
        let mut start = 0;
        while start < options.requests {
            let end = (start + BATCH).min(options.requests);
            // One generator per batch, seeded from (seed, batch): batches are independent.
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ start);
            let mut batch: Vec<Generated> =
                (start..end).map(|i| generate(self, &mut rng, i, options, now)).collect();
            batch.sort_by_key(|g| g.record.received_at);
            created += self.store_generated(&mut batch).await?;
            progress(end);
            start = end;
        }
        store::compact_open_counts(self.pool(), 0).await?;
        Ok(created)
    }

    async fn store_generated(&self, batch: &mut [Generated]) -> Result<u64> {
        let mut tx = self.pool().begin().await?;
        let external: Vec<String> = batch.iter().filter_map(|g| g.record.external_id.clone()).collect();
        let present = store::existing_external_ids(&mut tx, &external).await?;
        let mut per_year: BTreeMap<i32, i64> = BTreeMap::new();
        for g in batch.iter() {
            *per_year.entry(g.record.received_on.year()).or_default() += 1;
        }
        let mut next = BTreeMap::new();
        for (year, count) in per_year {
            next.insert(year, store::reserve_reference_numbers(&mut tx, year, count).await?);
        }
        let mut records = Vec::new();
        let mut histories = Vec::new();
        for g in batch.iter_mut() {
            if g.record.external_id.as_ref().is_some_and(|id| present.contains(id)) {
                continue;
            }
            let year = g.record.received_on.year();
            let n = next.get_mut(&year).expect("reserved");
            g.record.reference = Reference { year, number: *n }.to_string();
            *n += 1;
            records.push(g.record.clone());
            histories.push(std::mem::take(&mut g.events));
        }
        let inserted = store::insert_requests(&mut tx, &records).await?;
        let ids: std::collections::HashMap<String, i64> =
            inserted.into_iter().map(|(id, r)| (r, id)).collect();
        let mut events = Vec::new();
        for (record, history) in records.iter().zip(histories) {
            let Some(&id) = ids.get(&record.reference) else { continue };
            for (at, actor, action, details) in history {
                events.push(NewEvent {
                    request_id: id,
                    effective_at: at,
                    recorded_at: Some(at),
                    actor: actor.clone(),
                    actor_client: None,
                    action,
                    details,
                });
            }
        }
        store::insert_events(&mut tx, &events).await?;
        tx.commit().await?;
        Ok(ids.len() as u64)
    }
}

/// Operators for a demo: the defaults plus whoever runs it.
pub fn demo_operators(current: &Operator) -> Vec<String> {
    let mut ops: Vec<String> = DEFAULT_OPERATORS.iter().map(|s| s.to_string()).collect();
    if !ops.contains(&current.user) {
        ops.push(current.user.clone());
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_swedish_numbers_pass_luhn() {
        // Skatteverket's example: 811218-9876.
        assert_eq!(
            swedish_personal_number(NaiveDate::from_ymd_opt(1981, 12, 18).unwrap(), 987),
            "19811218-9876"
        );
    }

    #[test]
    fn generated_samordningsnummer_matches_skatteverkets_example() {
        // Skatteverket's example 701063-2391: born 3 October 1970, day + 60.
        assert_eq!(
            swedish_coordination_number(NaiveDate::from_ymd_opt(1970, 10, 3).unwrap(), 239),
            "19701063-2391"
        );
    }

    #[test]
    fn a_request_states_what_the_ledger_holds_about_its_requester() {
        let p = ledger_person(1, 17);
        assert_eq!(p.address(), format!("{}, {} {}", p.street, p.postal_code, p.city));
        assert!(p.street.chars().any(|c| c.is_ascii_digit()), "{}", p.street);
        // Persons beyond the ledger are people too, with numbers no ledger person has.
        let outsider = ledger_person(1, 1_000_017);
        assert_ne!(outsider.personal_number, p.personal_number);
    }

    #[test]
    fn generated_hetu_matches_dvv_example() {
        // DVV's example 131052-308T: individual number 308, check character T.
        assert_eq!(finnish_hetu(NaiveDate::from_ymd_opt(1952, 10, 13).unwrap(), 306, 0), "131052-308T");
    }

    #[test]
    fn generated_hetu_uses_the_2023_century_signs() {
        let h = finnish_hetu(NaiveDate::from_ymd_opt(2004, 2, 29).unwrap(), 100, 3);
        assert_eq!(&h[6..7], "D");
    }
}
