//! The ledger seeder's tests: generation, COPY encoding and loading.

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
    use super::requester_index;
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
