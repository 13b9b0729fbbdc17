//! What keeps data from being erased, and until which day.
//!
//! GDPR Art. 17(3) lets a controller keep data needed for a legal obligation (17(3)(b):
//! bookkeeping, anti-money-laundering) or for legal claims (17(3)(e): an open claim, enforcement,
//! litigation). A hold covers only the records it concerns; the rest is erased now, what is held is
//! restricted, and each record is erased on the day its own holds lapse.
//!
//! Pure: the caller passes the facts of a record and `today`. Every hold states its rule, the
//! article, and the last day it holds (`held_until`, inclusive): the record may be erased from the
//! next day. Periods in years and months count as Reg. (EEC, Euratom) 1182/71 art. 3 does: a period
//! ends on the same date in the last year or month, or on that month's last day when it has none.

use super::Jurisdiction;
use chrono::{Datelike, Days, Months, NaiveDate};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldKind {
    /// The claim is not paid: it must be established, exercised or defended (seed 000: "to secure
    /// payment").
    OpenClaim,
    /// The claim is at the enforcement authority (Kronofogden, ulosotto) or in court.
    EnforcementOrLitigation,
    /// Sweden, bokföringslagen 7 kap. 2 §: accounting records until the end of the seventh year
    /// after the calendar year in which the financial year ended.
    BookkeepingSweden,
    /// Finland, kirjanpitolaki 2:10: the books (journals, ledgers, financial statements) ten years
    /// from the end of the financial year.
    BookkeepingFinlandBooks,
    /// Finland, kirjanpitolaki 2:10: vouchers and correspondence six years from the end of the
    /// calendar year in which the financial year ended.
    BookkeepingFinlandVouchers,
    /// SE penningtvättslagen 5 kap. 3 §; FI AML act 3:3: at least five years after the business
    /// relationship ended or the transaction was carried out.
    AntiMoneyLaundering,
    /// The agency's own retention period after a case closed (seed 001: 36 months), only where the
    /// agency names the Art. 17(3) ground it rests on (17(3)(e): complaints and disputes about the
    /// collection). A promise to erase by a date (seed 002) is a latest date, never a hold.
    AgencyPolicy,
    /// The agency's own retention period after a case closed, resting on a legal obligation the
    /// agency names (17(3)(b): e.g. its bookkeeping or anti-money-laundering duties cover the
    /// closed case's records for that period).
    AgencyPolicyLegalObligation,
    /// The agency is processor for this data; the client is the controller and decides.
    ProcessorRole,
}

impl HoldKind {
    pub fn article(self) -> &'static str {
        match self {
            HoldKind::OpenClaim | HoldKind::EnforcementOrLitigation | HoldKind::AgencyPolicy => {
                "GDPR Art. 17(3)(e)"
            }
            HoldKind::BookkeepingSweden
            | HoldKind::BookkeepingFinlandBooks
            | HoldKind::BookkeepingFinlandVouchers
            | HoldKind::AntiMoneyLaundering
            | HoldKind::AgencyPolicyLegalObligation => "GDPR Art. 17(3)(b)",
            HoldKind::ProcessorRole => "GDPR Art. 28: the client is the controller",
        }
    }

    pub fn source(self) -> &'static str {
        match self {
            HoldKind::OpenClaim => "the claim is unpaid",
            HoldKind::EnforcementOrLitigation => "enforcement or court proceedings are pending",
            HoldKind::BookkeepingSweden => "bokföringslagen (1999:1078) 7 kap. 2 §",
            HoldKind::BookkeepingFinlandBooks => "kirjanpitolaki 2:10 (books, 10 years)",
            HoldKind::BookkeepingFinlandVouchers => {
                "kirjanpitolaki 2:10 (vouchers and correspondence, 6 years)"
            }
            HoldKind::AntiMoneyLaundering => "penningtvättslagen 5 kap. 3 § / rahanpesulaki 3:3 (5 years)",
            HoldKind::AgencyPolicy => {
                "agency retention period for complaints and disputes about the collection"
            }
            HoldKind::AgencyPolicyLegalObligation => {
                "agency retention period after the case closed, resting on a legal obligation"
            }
            HoldKind::ProcessorRole => "processor role",
        }
    }
}

/// One reason to keep one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hold {
    pub kind: HoldKind,
    /// The last day the hold applies; `None` while it lasts until an event (payment, the end of
    /// proceedings, the client's decision) that has not happened.
    pub held_until: Option<NaiveDate>,
}

impl Hold {
    pub fn article(&self) -> &'static str {
        self.kind.article()
    }

    /// The first day the record may be erased as far as this hold goes.
    pub fn erasable_from(&self) -> Option<NaiveDate> {
        self.held_until.map(|d| d + Days::new(1))
    }

    pub fn applies_on(&self, today: NaiveDate) -> bool {
        self.held_until.is_none_or(|last| today <= last)
    }
}

fn years_after(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_add_months(Months::new(12 * years)).expect("date within range")
}

fn end_of_year(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).expect("31 December")
}

/// BFL 7:2: kept until 31 December of the seventh year after the calendar year in which the
/// financial year ended; erasable from 1 January of the eighth.
pub fn bookkeeping_sweden(financial_year_end: NaiveDate) -> Hold {
    Hold { kind: HoldKind::BookkeepingSweden, held_until: Some(end_of_year(financial_year_end.year() + 7)) }
}

/// KPL 2:10, books: ten years from the end of the financial year.
pub fn bookkeeping_finland_books(financial_year_end: NaiveDate) -> Hold {
    Hold { kind: HoldKind::BookkeepingFinlandBooks, held_until: Some(years_after(financial_year_end, 10)) }
}

/// KPL 2:10, vouchers and correspondence: six years from the end of the calendar year in which the
/// financial year ended.
pub fn bookkeeping_finland_vouchers(financial_year_end: NaiveDate) -> Hold {
    Hold {
        kind: HoldKind::BookkeepingFinlandVouchers,
        held_until: Some(end_of_year(financial_year_end.year() + 6)),
    }
}

/// Five years after the business relationship ended (or the single transaction).
pub fn anti_money_laundering(relationship_ended: NaiveDate) -> Hold {
    Hold { kind: HoldKind::AntiMoneyLaundering, held_until: Some(years_after(relationship_ended, 5)) }
}

/// The agency's policy: kept `months` after `event` (case closed), on the Art. 17(3) ground it
/// names.
pub fn agency_policy(event: NaiveDate, months: u32, ground: PolicyGround) -> Hold {
    Hold {
        kind: match ground {
            PolicyGround::LegalClaims => HoldKind::AgencyPolicy,
            PolicyGround::LegalObligation => HoldKind::AgencyPolicyLegalObligation,
        },
        held_until: Some(event.checked_add_months(Months::new(months)).expect("date within range")),
    }
}

/// How one kind of record is treated when its holds lapse or when none applies. A data map names
/// the class of each of its sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordClass {
    /// The person record itself (name, personal number, address): every held record about the
    /// person needs it to stay meaningful, so it is held by each of them.
    Identity,
    /// Case and claim data: held while the claim is open or in proceedings, then by policy.
    Claim,
    /// A payment or booking: an accounting record.
    AccountingVoucher,
    /// The books themselves (ledger entries; Finland keeps them longer than vouchers).
    AccountingBook,
    /// Letters, calls, correspondence about a case.
    Correspondence,
    /// Customer due diligence and AML checks.
    AmlCheck,
    /// Contact details beyond what a held record needs (spare phones, e-mails, old addresses):
    /// the person record keeps the one needed to pursue a claim, so these are erased at once
    /// (DOMAIN: "erase the rest now (marketing data, spare phone numbers)").
    Contact,
    /// Marketing preferences and consents: never held against an erasure request.
    Marketing,
    /// Credit-information look-ups.
    CreditLookup,
}

/// The facts about one record that decide its holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordFacts {
    pub class: RecordClass,
    pub jurisdiction: Jurisdiction,
    /// The agency holds this as processor for a client.
    pub processor_role: bool,
    /// The case this record belongs to is unpaid.
    pub claim_open: bool,
    pub at_enforcement_or_court: bool,
    pub case_closed_on: Option<NaiveDate>,
    pub paid_in_full_on: Option<NaiveDate>,
    /// For accounting records: the last day of the financial year they were booked in.
    pub financial_year_end: Option<NaiveDate>,
    /// For AML records: when the business relationship ended (or the transaction).
    pub relationship_ended: Option<NaiveDate>,
}

/// The Art. 17(3) ground an agency names for its own retention period: those that can apply to
/// a debt-collection agency's period after a case closed — 17(3)(b), a legal obligation
/// (bookkeeping, anti-money-laundering), and 17(3)(e), legal claims (complaints and disputes about
/// the collection). Art. 5(1)(e) (storage limitation) limits keeping and is never a ground to
/// refuse erasure; 17(3)(a), (c) and (d) (expression, public health, archiving and research) are
/// not a collection agency's to name. Anything else is refused when the config loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum PolicyGround {
    /// "17(3)(b)".
    LegalObligation,
    /// "17(3)(e)".
    LegalClaims,
}

impl PolicyGround {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyGround::LegalObligation => "17(3)(b)",
            PolicyGround::LegalClaims => "17(3)(e)",
        }
    }
}

impl From<PolicyGround> for String {
    fn from(g: PolicyGround) -> String {
        g.as_str().to_string()
    }
}

impl TryFrom<String> for PolicyGround {
    type Error = String;
    fn try_from(text: String) -> Result<PolicyGround, String> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let compact = compact.trim_start_matches("Art.").trim_start_matches("art.");
        match compact {
            "17(3)(b)" => Ok(PolicyGround::LegalObligation),
            "17(3)(e)" => Ok(PolicyGround::LegalClaims),
            _ => Err(format!(
                "ground = {text:?} is not an Art. 17(3) ground an agency's retention period can rest on: write \"17(3)(b)\" (a legal obligation: bookkeeping, anti-money-laundering) or \"17(3)(e)\" (legal claims: complaints and disputes about the collection); Art. 5(1)(e) is never a ground to refuse erasure"
            )),
        }
    }
}

/// The agency's own retention rules (per controller, from the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Months after a case closed (seed 001: 36).
    pub months_after_case_closed: Option<u32>,
    /// Months after full payment (seed 002: 12): a promised *latest* erasure date. Never a hold:
    /// an earlier request is carried out earlier (DOMAIN "agency policy").
    pub months_after_full_payment: Option<u32>,
    /// The Art. 17(3) ground the period rests on. Without it the period holds nothing (none by
    /// default).
    pub ground: Option<PolicyGround>,
}

/// Every hold on a record, whether or not it still applies today.
pub fn holds_for(facts: &RecordFacts, policy: RetentionPolicy) -> Vec<Hold> {
    let mut holds = Vec::new();
    if facts.processor_role {
        holds.push(Hold { kind: HoldKind::ProcessorRole, held_until: None });
        return holds;
    }
    if facts.class == RecordClass::Marketing {
        // Art. 21(3): nothing keeps marketing data against the subject's will.
        return holds;
    }
    let case_bound = matches!(
        facts.class,
        RecordClass::Identity
            | RecordClass::Claim
            | RecordClass::Correspondence
            | RecordClass::AccountingVoucher
    );
    if case_bound && facts.claim_open {
        holds.push(Hold { kind: HoldKind::OpenClaim, held_until: None });
    }
    if case_bound && facts.at_enforcement_or_court {
        holds.push(Hold { kind: HoldKind::EnforcementOrLitigation, held_until: None });
    }
    if let Some(fy_end) = facts.financial_year_end {
        match (facts.jurisdiction, facts.class) {
            (
                Jurisdiction::Sweden,
                RecordClass::AccountingVoucher | RecordClass::AccountingBook | RecordClass::Identity,
            ) => holds.push(bookkeeping_sweden(fy_end)),
            // The counterparty's identity is part of both the books and the vouchers: the longer
            // of the two Finnish periods keeps it.
            (Jurisdiction::Finland, RecordClass::Identity) => {
                holds.push(bookkeeping_finland_books(fy_end));
                holds.push(bookkeeping_finland_vouchers(fy_end));
            }
            (Jurisdiction::Finland, RecordClass::AccountingBook) => {
                holds.push(bookkeeping_finland_books(fy_end))
            }
            (Jurisdiction::Finland, RecordClass::AccountingVoucher | RecordClass::Correspondence) => {
                holds.push(bookkeeping_finland_vouchers(fy_end))
            }
            _ => {}
        }
    }
    if facts.class == RecordClass::AmlCheck {
        match facts.relationship_ended {
            Some(ended) => holds.push(anti_money_laundering(ended)),
            // The relationship goes on: five years from an end that has not come.
            None => holds.push(Hold { kind: HoldKind::AntiMoneyLaundering, held_until: None }),
        }
    }
    // The agency's own period is a hold only on the Art. 17(3) ground it names; a promised latest
    // erasure date (months after full payment) never keeps anything.
    if case_bound
        && let Some(ground) = policy.ground
        && let (Some(months), Some(closed)) = (policy.months_after_case_closed, facts.case_closed_on)
    {
        holds.push(agency_policy(closed, months, ground));
    }
    holds
}

/// What to do with one record today.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordDecision {
    /// The holds that still apply today (empty: erase now).
    pub holds: Vec<Hold>,
    /// The day the record may be erased: the day after the last hold lapses; `None` while a hold
    /// lasts until an event, or when it is not ours to erase.
    pub erasable_from: Option<NaiveDate>,
}

impl RecordDecision {
    pub fn erase_now(&self) -> bool {
        self.holds.is_empty()
    }
}

pub fn decide(facts: &RecordFacts, policy: RetentionPolicy, today: NaiveDate) -> RecordDecision {
    let holds: Vec<Hold> = holds_for(facts, policy).into_iter().filter(|h| h.applies_on(today)).collect();
    let erasable_from = if holds.is_empty() {
        Some(today)
    } else if holds.iter().any(|h| h.held_until.is_none()) {
        None
    } else {
        holds.iter().filter_map(Hold::erasable_from).max()
    };
    RecordDecision { holds, erasable_from }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn facts(class: RecordClass, j: Jurisdiction) -> RecordFacts {
        RecordFacts {
            class,
            jurisdiction: j,
            processor_role: false,
            claim_open: false,
            at_enforcement_or_court: false,
            case_closed_on: None,
            paid_in_full_on: None,
            financial_year_end: None,
            relationship_ended: None,
        }
    }

    const NO_POLICY: RetentionPolicy =
        RetentionPolicy { months_after_case_closed: None, months_after_full_payment: None, ground: None };
    const POLICY_36_E: RetentionPolicy = RetentionPolicy {
        months_after_case_closed: Some(36),
        months_after_full_payment: None,
        ground: Some(PolicyGround::LegalClaims),
    };

    #[test]
    fn identity_of_a_swedish_payer_held_by_the_books_until_31_dec_of_year_plus_7() {
        // BFL 7:2: the payer's identity is part of the voucher of financial year 2019.
        let f = RecordFacts {
            financial_year_end: Some(d(2019, 12, 31)),
            ..facts(RecordClass::Identity, Jurisdiction::Sweden)
        };
        let day_before = decide(&f, NO_POLICY, d(2026, 12, 31));
        assert_eq!(day_before.holds[0].kind, HoldKind::BookkeepingSweden);
        assert_eq!(day_before.erasable_from, Some(d(2027, 1, 1)));
        assert!(decide(&f, NO_POLICY, d(2027, 1, 1)).erase_now());
    }

    #[test]
    fn identity_of_a_finnish_payer_held_by_the_longer_books_rule() {
        // KPL 2:10: books 10 years from the end of FY 2016-05-01..2017-04-30 (30 Apr 2027) outlast
        // the vouchers' 6 years from the end of 2017 (31 Dec 2023).
        let f = RecordFacts {
            financial_year_end: Some(d(2017, 4, 30)),
            ..facts(RecordClass::Identity, Jurisdiction::Finland)
        };
        let day_before = decide(&f, NO_POLICY, d(2027, 4, 30));
        assert_eq!(day_before.holds.len(), 1);
        assert_eq!(day_before.holds[0].kind, HoldKind::BookkeepingFinlandBooks);
        assert!(decide(&f, NO_POLICY, d(2027, 5, 1)).erase_now());
    }

    #[test]
    fn identity_held_while_any_claim_is_open() {
        let f = RecordFacts { claim_open: true, ..facts(RecordClass::Identity, Jurisdiction::Sweden) };
        let decision = decide(&f, NO_POLICY, d(2026, 11, 21));
        assert_eq!(decision.holds[0].kind, HoldKind::OpenClaim);
        assert_eq!(decision.erasable_from, None);
    }

    #[test]
    fn swedish_voucher_of_financial_year_2018_held_through_2025_erasable_1_jan_2026() {
        let f = RecordFacts {
            financial_year_end: Some(d(2018, 12, 31)),
            ..facts(RecordClass::AccountingVoucher, Jurisdiction::Sweden)
        };
        assert_eq!(decide(&f, NO_POLICY, d(2025, 12, 31)).holds[0].kind, HoldKind::BookkeepingSweden);
        assert_eq!(decide(&f, NO_POLICY, d(2025, 12, 31)).erasable_from, Some(d(2026, 1, 1)));
        assert!(decide(&f, NO_POLICY, d(2026, 1, 1)).erase_now());
    }

    #[test]
    fn swedish_broken_financial_year_ending_june_2019_held_through_2026() {
        // The financial year 2018-07-01..2019-06-30 ended in 2019: kept until 31 Dec 2026.
        let f = RecordFacts {
            financial_year_end: Some(d(2019, 6, 30)),
            ..facts(RecordClass::AccountingVoucher, Jurisdiction::Sweden)
        };
        assert!(!decide(&f, NO_POLICY, d(2026, 12, 31)).erase_now());
        assert!(decide(&f, NO_POLICY, d(2027, 1, 1)).erase_now());
    }

    #[test]
    fn finnish_books_ten_years_from_financial_year_end() {
        let f = RecordFacts {
            financial_year_end: Some(d(2015, 12, 31)),
            ..facts(RecordClass::AccountingBook, Jurisdiction::Finland)
        };
        assert!(!decide(&f, NO_POLICY, d(2025, 12, 31)).erase_now());
        assert!(decide(&f, NO_POLICY, d(2026, 1, 1)).erase_now());
        // A financial year ending 30 April: ten years later, 30 April.
        let f = RecordFacts { financial_year_end: Some(d(2016, 4, 30)), ..f };
        assert!(!decide(&f, NO_POLICY, d(2026, 4, 30)).erase_now());
        assert!(decide(&f, NO_POLICY, d(2026, 5, 1)).erase_now());
    }

    #[test]
    fn finnish_vouchers_six_years_from_end_of_calendar_year() {
        let f = RecordFacts {
            financial_year_end: Some(d(2019, 4, 30)),
            ..facts(RecordClass::AccountingVoucher, Jurisdiction::Finland)
        };
        assert_eq!(decide(&f, NO_POLICY, d(2025, 12, 31)).erasable_from, Some(d(2026, 1, 1)));
        assert!(decide(&f, NO_POLICY, d(2026, 1, 1)).erase_now());
    }

    #[test]
    fn aml_five_years_after_relationship_ended() {
        let f = RecordFacts {
            relationship_ended: Some(d(2021, 3, 15)),
            ..facts(RecordClass::AmlCheck, Jurisdiction::Sweden)
        };
        assert!(!decide(&f, NO_POLICY, d(2026, 3, 15)).erase_now());
        assert!(decide(&f, NO_POLICY, d(2026, 3, 16)).erase_now());
        // Ended on 29 February: five years later February has no 29th, so the 28th.
        let f = RecordFacts { relationship_ended: Some(d(2024, 2, 29)), ..f };
        assert!(!decide(&f, NO_POLICY, d(2029, 2, 28)).erase_now());
        assert!(decide(&f, NO_POLICY, d(2029, 3, 1)).erase_now());
        // Still a customer: held without an end date.
        let f = RecordFacts { relationship_ended: None, ..f };
        assert_eq!(decide(&f, NO_POLICY, d(2040, 1, 1)).erasable_from, None);
    }

    #[test]
    fn open_claim_holds_case_data_until_paid() {
        let f = RecordFacts { claim_open: true, ..facts(RecordClass::Claim, Jurisdiction::Sweden) };
        let decision = decide(&f, NO_POLICY, d(2026, 11, 21));
        assert_eq!(decision.holds[0].kind, HoldKind::OpenClaim);
        assert_eq!(decision.holds[0].article(), "GDPR Art. 17(3)(e)");
        assert_eq!(decision.erasable_from, None);
    }

    #[test]
    fn enforcement_holds_until_proceedings_end() {
        let f = RecordFacts {
            at_enforcement_or_court: true,
            ..facts(RecordClass::Correspondence, Jurisdiction::Finland)
        };
        assert_eq!(decide(&f, NO_POLICY, d(2026, 11, 21)).holds[0].kind, HoldKind::EnforcementOrLitigation);
    }

    #[test]
    fn policy_36_months_after_case_closed_on_its_named_17_3_e_ground() {
        // Seed 001: kept 36 months after the case closed, where the agency names 17(3)(e).
        let f = RecordFacts {
            case_closed_on: Some(d(2023, 8, 31)),
            ..facts(RecordClass::Claim, Jurisdiction::Sweden)
        };
        let held = decide(&f, POLICY_36_E, d(2026, 8, 31));
        assert_eq!(held.holds[0].kind, HoldKind::AgencyPolicy);
        assert_eq!(held.holds[0].article(), "GDPR Art. 17(3)(e)");
        assert!(decide(&f, POLICY_36_E, d(2026, 9, 1)).erase_now());
    }

    #[test]
    fn policy_period_without_a_named_17_3_ground_holds_nothing() {
        // DOMAIN "agency policy": a hold only where the agency names its Art. 17(3) ground; none
        // by default. Art. 5(1)(e) is never a ground to refuse.
        let policy = RetentionPolicy { ground: None, ..POLICY_36_E };
        let f = RecordFacts {
            case_closed_on: Some(d(2025, 8, 31)),
            ..facts(RecordClass::Claim, Jurisdiction::Sweden)
        };
        assert!(decide(&f, policy, d(2026, 8, 31)).erase_now());
    }

    #[test]
    fn seed_002_promise_within_a_year_after_payment_is_never_a_reason_to_refuse() {
        // Seed 002: erased within a year after full payment — a latest date, not a hold.
        let policy = RetentionPolicy {
            months_after_case_closed: None,
            months_after_full_payment: Some(12),
            ground: Some(PolicyGround::LegalClaims),
        };
        let f = RecordFacts {
            paid_in_full_on: Some(d(2025, 11, 21)),
            case_closed_on: Some(d(2025, 11, 21)),
            ..facts(RecordClass::Claim, Jurisdiction::Sweden)
        };
        assert!(decide(&f, policy, d(2025, 11, 22)).erase_now());
    }

    #[test]
    fn marketing_data_is_never_held() {
        let f = RecordFacts { claim_open: true, ..facts(RecordClass::Marketing, Jurisdiction::Sweden) };
        assert!(decide(&f, NO_POLICY, d(2026, 11, 21)).erase_now());
    }

    #[test]
    fn processor_role_data_is_not_ours_to_erase() {
        let f = RecordFacts { processor_role: true, ..facts(RecordClass::Claim, Jurisdiction::Finland) };
        let decision = decide(&f, NO_POLICY, d(2026, 11, 21));
        assert_eq!(decision.holds[0].kind, HoldKind::ProcessorRole);
        assert_eq!(decision.erasable_from, None);
    }

    #[test]
    fn the_last_hold_to_lapse_decides() {
        // A Swedish voucher from FY 2020 (held through 2027) of a case closed 2024-01-10 with a
        // 36-month policy (through 2027-01-10): bookkeeping lapses last.
        let policy = POLICY_36_E;
        let f = RecordFacts {
            financial_year_end: Some(d(2020, 12, 31)),
            case_closed_on: Some(d(2024, 1, 10)),
            ..facts(RecordClass::AccountingVoucher, Jurisdiction::Sweden)
        };
        assert_eq!(decide(&f, policy, d(2026, 11, 21)).erasable_from, Some(d(2028, 1, 1)));
    }
}
