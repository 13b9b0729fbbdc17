//! Whether a ledger person may be the requester, and why: compared field by field.
//!
//! A personal identity number that matches is strong evidence of *which* record is meant (not of
//! who is asking: that is the verification's job, Art. 12(6)). A name alone is weak: two people
//! share it. The DPO links; dsrdesk only proposes, and never links an ambiguous match itself.

use super::identity::IdentityNumber;
use chrono::NaiveDate;
use serde::Serialize;

/// The requester's details as given in the request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claimed<'a> {
    pub personal_number: Option<&'a str>,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub address: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// How one field compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldMatch {
    Same,
    Different,
    /// One side is missing.
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    PersonalNumber,
    Email,
    Name,
    Address,
    Phone,
}

impl MatchReason {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchReason::PersonalNumber => "personal_number",
            MatchReason::Email => "email",
            MatchReason::Name => "name",
            MatchReason::Address => "address",
            MatchReason::Phone => "phone",
        }
    }
}

/// Field-by-field comparison, in the order the identity panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub personal_number: FieldMatch,
    pub name: FieldMatch,
    pub email: FieldMatch,
    pub address: FieldMatch,
    pub phone: FieldMatch,
}

impl Comparison {
    pub fn reasons(&self) -> Vec<MatchReason> {
        [
            (self.personal_number, MatchReason::PersonalNumber),
            (self.email, MatchReason::Email),
            (self.name, MatchReason::Name),
            (self.address, MatchReason::Address),
            (self.phone, MatchReason::Phone),
        ]
        .into_iter()
        .filter(|(m, _)| *m == FieldMatch::Same)
        .map(|(_, r)| r)
        .collect()
    }

    /// Strong enough to link without a choice: the same identity number and nothing that
    /// contradicts it.
    pub fn is_certain(&self) -> bool {
        self.personal_number == FieldMatch::Same && self.name != FieldMatch::Different
    }
}

fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| w.to_lowercase()).collect()
}

fn compare(a: Option<&str>, b: Option<&str>, same: impl Fn(&str, &str) -> bool) -> FieldMatch {
    match (a.map(str::trim).filter(|s| !s.is_empty()), b.map(str::trim).filter(|s| !s.is_empty())) {
        (Some(a), Some(b)) if same(a, b) => FieldMatch::Same,
        (Some(_), Some(_)) => FieldMatch::Different,
        _ => FieldMatch::Unknown,
    }
}

fn same_number(a: &str, b: &str, today: NaiveDate) -> bool {
    match (IdentityNumber::parse(a, None, today), IdentityNumber::parse(b, None, today)) {
        (Ok(a), Ok(b)) => a.normalized() == b.normalized(),
        _ => false,
    }
}

/// Addresses match when the words are the same, ignoring case, commas and spacing in the postal
/// code ("Storgatan 1, 123 45 Malmö" = "storgatan 1 12345 malmö").
fn same_address(a: &str, b: &str) -> bool {
    let joined = |s: &str| words(s).concat();
    joined(a) == joined(b)
}

fn same_phone(a: &str, b: &str) -> bool {
    let digits = |s: &str| -> String {
        let d: String = s.chars().filter(char::is_ascii_digit).collect();
        // +46 70 ... and 070 ... are the same number.
        d.strip_prefix("46").or_else(|| d.strip_prefix("358")).map(|r| format!("0{r}")).unwrap_or(d)
    };
    digits(a) == digits(b)
}

pub fn compare_person(claimed: &Claimed, ledger: &Claimed, today: NaiveDate) -> Comparison {
    Comparison {
        personal_number: compare(claimed.personal_number, ledger.personal_number, |a, b| {
            same_number(a, b, today)
        }),
        name: compare(claimed.name, ledger.name, |a, b| words(a) == words(b)),
        email: compare(claimed.email, ledger.email, |a, b| a.eq_ignore_ascii_case(b)),
        address: compare(claimed.address, ledger.address, same_address),
        phone: compare(claimed.phone, ledger.phone, same_phone),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    #[test]
    fn the_same_personnummer_in_another_written_form_matches() {
        let claimed = Claimed { personal_number: Some("811218-9876"), ..Default::default() };
        let ledger = Claimed { personal_number: Some("19811218-9876"), ..Default::default() };
        let c = compare_person(&claimed, &ledger, today());
        assert_eq!(c.personal_number, FieldMatch::Same);
        assert!(c.is_certain());
    }

    #[test]
    fn a_name_alone_is_never_certain() {
        let claimed = Claimed { name: Some("Anna Svensson"), ..Default::default() };
        let ledger = Claimed { name: Some("anna  svensson"), ..Default::default() };
        let c = compare_person(&claimed, &ledger, today());
        assert_eq!(c.reasons(), vec![MatchReason::Name]);
        assert!(!c.is_certain());
    }

    #[test]
    fn a_number_with_another_name_is_not_certain() {
        let claimed =
            Claimed { personal_number: Some("19811218-9876"), name: Some("Bo Ek"), ..Default::default() };
        let ledger =
            Claimed { personal_number: Some("19811218-9876"), name: Some("Eva Lind"), ..Default::default() };
        assert!(!compare_person(&claimed, &ledger, today()).is_certain());
    }

    #[test]
    fn addresses_compare_without_punctuation_and_postal_code_spacing() {
        let claimed = Claimed { address: Some("Storgatan 1, 123 45 Malmö"), ..Default::default() };
        let ledger = Claimed { address: Some("storgatan 1 12345 MALMÖ"), ..Default::default() };
        assert_eq!(compare_person(&claimed, &ledger, today()).address, FieldMatch::Same);
    }

    #[test]
    fn phone_numbers_compare_with_and_without_country_code() {
        let claimed = Claimed { phone: Some("+46 70 123 45 67"), ..Default::default() };
        let ledger = Claimed { phone: Some("070-123 45 67"), ..Default::default() };
        assert_eq!(compare_person(&claimed, &ledger, today()).phone, FieldMatch::Same);
    }

    #[test]
    fn missing_fields_are_unknown_not_different() {
        let claimed = Claimed { email: Some("a@example.se"), ..Default::default() };
        let ledger = Claimed { email: None, ..Default::default() };
        assert_eq!(compare_person(&claimed, &ledger, today()).email, FieldMatch::Unknown);
    }
}
