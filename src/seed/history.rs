//! What happened on a ledger case and around a person: payments, letters, calls, contact
//! details, credit look-ups, AML checks, marketing preferences.

use super::*;

// ---------------------------------------------------------------------------------------------
// Generation

/// Splits `total` cents into `n` positive parts (the last takes the remainder).
pub(super) fn instalments(total: i64, n: usize) -> Vec<i64> {
    let n = n.clamp(1, total.max(1) as usize);
    let part = total / n as i64;
    let mut parts = vec![part; n];
    parts[n - 1] = total - part * (n as i64 - 1);
    parts
}

/// `n` days from `from..=until`, sorted.
pub(super) fn sorted_days(
    rng: &mut ChaCha8Rng,
    from: NaiveDate,
    until: NaiveDate,
    n: usize,
) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = (0..n).map(|_| day_between(rng, from, until)).collect();
    days.sort();
    days
}

/// An instant during office hours of `day` in the country's time zone.
pub(super) fn office_time(rng: &mut ChaCha8Rng, country: Jurisdiction, day: NaiveDate) -> DateTime<Utc> {
    let local = day.and_hms_opt(rng.random_range(8..17), rng.random_range(0..60), rng.random_range(0..60));
    local
        .and_then(|l| country.time_zone().from_local_datetime(&l).earliest())
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_hms_opt(12, 0, 0).expect("noon").and_utc())
}

pub(super) const CALL_SUMMARIES: &[&str] = &[
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

/// Payments, letters and calls of one case.
pub(super) fn case_history(
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
pub(super) fn person_extras(
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
                    let places = if se { SE_PLACES } else { FI_PLACES };
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
