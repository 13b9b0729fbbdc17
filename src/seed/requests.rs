//! Synthetic requests: which person asks, what, when, and the events that explain each state.

use super::*;

/// The demo's colleagues. `dsrdesk demo` adds the person running it, so "mine" shows something.
pub const DEFAULT_OPERATORS: &[&str] = &["anna.dpo", "mikko.dpo", "sofia.dpo", "johan.dpo"];

pub(super) fn body(kind: RequestKind, lang: Language, rng: &mut ChaCha8Rng) -> String {
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
pub(super) struct Generated {
    pub(super) record: RequestRecord,
    pub(super) events: Vec<(DateTime<Utc>, String, &'static str, serde_json::Value)>,
}

pub(super) fn generate(
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
    let channel = *pick_ref(
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
    let operator = pick_ref(rng, operators).clone();
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
