//! The seeded world's persons: names by sex and country, valid identity numbers, addresses.
//! Person `i` is [`ledger_person`]`(seed, i)`: the requests and the ledger draw from the same people.

use super::*;

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

/// A valid Swedish personnummer, 12 digits with hyphen: YYYYMMDD-NNNC (Luhn check digit).
pub fn swedish_personal_number(birth: NaiveDate, serial: u32) -> String {
    swedish_number(birth, serial, 0)
}

/// A valid Swedish samordningsnummer (Skatteverket: the day of birth + 60), in the same
/// normalised form as `PersonalNumber` displays it: YYYYMMDD-NNNC with DD = day + 60.
pub fn swedish_coordination_number(birth: NaiveDate, serial: u32) -> String {
    swedish_number(birth, serial, 60)
}

pub(super) fn swedish_number(birth: NaiveDate, serial: u32, day_offset: u32) -> String {
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

pub(super) fn pick_ref<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> &'a T {
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
pub(super) const BIRTH_FROM: (i32, u32, u32) = (1935, 1, 1);

pub(super) const BIRTH_UNTIL: (i32, u32, u32) = (2007, 12, 31);

/// Individual numbers 002..=899 (HETU: 900–999 are temporary; DVV).
pub(super) const SERIALS: u64 = 898;

/// A prime that divides neither 898 nor the number of birth days: multiplying by it permutes
/// the identity slots, so distinct person indices get distinct identity numbers.
pub(super) const SLOT_STRIDE: u64 = 15_485_863;

/// Every 97th person shares first name, last name and city with an earlier person, so a
/// name match alone is ambiguous even in a small ledger.
pub(super) const NAMESAKE_EVERY: u64 = 97;

pub(super) fn birth_days() -> u64 {
    let day = |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
    (day(BIRTH_UNTIL) - day(BIRTH_FROM)).num_days() as u64 + 1
}

/// The date of birth and the individual number (2..=899) of person `index`: a bijection on the
/// first `birth_days() * 898` (about 23.9 million) indices, so identity numbers never repeat.
pub(super) fn identity_slot(seed: u64, index: u64) -> (NaiveDate, u32) {
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

pub(super) fn email(person: &SeedPerson, index: u64) -> String {
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

pub(super) fn base_person(seed: u64, index: u64) -> SeedPerson {
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
    let first_name = *pick_ref(&mut rng, if female { women } else { men });
    let last_name = *pick_ref(&mut rng, last);
    let (street_name, postal_code, city) = *pick_ref(&mut rng, places);
    let house = rng.random_range(1..80);
    let street = match country {
        Jurisdiction::Sweden if rng.random_ratio(1, 6) => {
            format!("{street_name} {house} lgh {}{:02}", rng.random_range(11..15), rng.random_range(1..12))
        }
        Jurisdiction::Finland if rng.random_ratio(2, 5) => {
            format!(
                "{street_name} {house} {} {}",
                *pick_ref(&mut rng, &["A", "B", "C"]),
                rng.random_range(1..40)
            )
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
            *pick_ref(&mut rng, &[0, 2, 3, 6]),
            rng.random_range(0..1000),
            rng.random_range(0..100),
            rng.random_range(0..100)
        ),
        Jurisdiction::Finland => format!(
            "+358 {} {:03} {:04}",
            *pick_ref(&mut rng, &[40, 44, 50]),
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
