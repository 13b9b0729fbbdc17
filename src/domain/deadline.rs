//! The legal deadline of a data-subject request.
//!
//! GDPR Art. 12(3): answer without undue delay and at the latest within one month of receipt,
//! extendable by two further months. Periods are counted per Regulation (EEC, Euratom) 1182/71
//! art. 3 as the EDPB reads it (Guidelines 01/2022 §§158–164). Pure: the caller passes every date.

use super::calendar::WorkingCalendar;
use chrono::{Days, Months, NaiveDate};
use serde::Serialize;

/// Reg. 1182/71 art. 3(2)(c): a period of months ends on the day of the last month with the same
/// date as the day of receipt; art. 3(2)(c) second sentence: when that month has no such date, on
/// its last day. (chrono's month arithmetic clamps to the month's end in exactly that way.)
///
/// `None` past the last date the desk computes with ([`LAST_COMPUTABLE_DAY`]).
pub fn months_after(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months)).filter(|d| *d <= LAST_COMPUTABLE_DAY)
}

/// The last date any deadline may fall on. A due date later than this comes only from an
/// impossible stored value (a pause of millions of days, a receipt in year 200000): it is reported
/// as [`DeadlineRuleError::OutOfRange`], never computed with (chrono panics near its own limit).
pub const LAST_COMPUTABLE_DAY: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(d) => d,
    None => panic!("9999-12-31 is a date"),
};

/// `date` plus `days`, or `None` past [`LAST_COMPUTABLE_DAY`].
fn plus_days(date: NaiveDate, days: u64) -> Option<NaiveDate> {
    date.checked_add_days(Days::new(days)).filter(|d| *d <= LAST_COMPUTABLE_DAY)
}

fn out_of_range(facts: DeadlineFacts) -> DeadlineRuleError {
    DeadlineRuleError::OutOfRange { received_on: facts.received_on, paused_days: facts.paused_days }
}

/// The facts that fix a request's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineFacts {
    /// The calendar date of receipt in the controller's time zone.
    pub received_on: NaiveDate,
    /// Art. 12(3): extended by two further months (then three months after receipt in all).
    pub extended: bool,
    /// Days the clock stood still while identity information was awaited (completed pauses).
    pub paused_days: u32,
}

/// The legal due date. The pause moves the end of the period later by the paused days, and only
/// then does a weekend or holiday move it to the next working day (Reg. 1182/71 art. 3(4)).
pub fn legal_due_on(
    calendar: &WorkingCalendar,
    facts: DeadlineFacts,
) -> Result<NaiveDate, DeadlineRuleError> {
    let end = unrolled_end(facts).ok_or_else(|| out_of_range(facts))?;
    // The next working day is at most a few days on; from 9999-12-31 it is still a date.
    Ok(calendar.roll_to_working_day(end))
}

/// The end of the period before a weekend or holiday moves it; `None` when out of range.
fn unrolled_end(facts: DeadlineFacts) -> Option<NaiveDate> {
    let months = if facts.extended { 3 } else { 1 };
    plus_days(months_after(facts.received_on, months)?, facts.paused_days as u64)
}

/// The end of the first month (with pauses so far): the last day on which an extension may still
/// be decided and told to the subject (Art. 12(3): "within one month of receipt").
pub fn first_month_ends_on(
    calendar: &WorkingCalendar,
    facts: DeadlineFacts,
) -> Result<NaiveDate, DeadlineRuleError> {
    legal_due_on(calendar, DeadlineFacts { extended: false, ..facts })
}

/// The agency's own, earlier promise (seed 000 promises 30 days). Pauses push it as they push the
/// legal date. It is capped at the legal due date and never moves the legal date.
pub fn internal_due_on(
    calendar: &WorkingCalendar,
    facts: DeadlineFacts,
    internal_target_days: u32,
) -> Result<NaiveDate, DeadlineRuleError> {
    let legal = legal_due_on(calendar, facts)?;
    let target = plus_days(facts.received_on, internal_target_days as u64 + facts.paused_days as u64)
        .ok_or_else(|| out_of_range(facts))?;
    Ok(target.min(legal))
}

/// Whole days from `today` to `due`: positive ahead, zero today, negative when overdue.
pub fn days_left(due: NaiveDate, today: NaiveDate) -> i64 {
    (due - today).num_days()
}

/// A countdown readable without colour: "12d", "today", "3d over".
pub fn countdown_label(days_left: i64) -> String {
    match days_left {
        0 => "today".to_string(),
        n if n > 0 => format!("{n}d"),
        n => format!("{}d over", -n),
    }
}

/// How urgent a due date is, the buckets of the shift overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Overdue,
    DueToday,
    Within3Days,
    Within7Days,
    Later,
}

impl Urgency {
    pub const ALL: [Urgency; 5] =
        [Urgency::Overdue, Urgency::DueToday, Urgency::Within3Days, Urgency::Within7Days, Urgency::Later];

    pub fn of(days_left: i64) -> Urgency {
        match days_left {
            n if n < 0 => Urgency::Overdue,
            0 => Urgency::DueToday,
            1..=3 => Urgency::Within3Days,
            4..=7 => Urgency::Within7Days,
            _ => Urgency::Later,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Urgency::Overdue => "overdue",
            Urgency::DueToday => "due today",
            Urgency::Within3Days => "≤3 days",
            Urgency::Within7Days => "≤7 days",
            Urgency::Later => "later",
        }
    }
}

/// Why a deadline change is not allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineRuleError {
    #[error("the deadline is already extended; Art. 12(3) allows one extension by two further months")]
    AlreadyExtended,
    #[error(
        "the first month ended on {first_month_end}; Art. 12(3) requires the extension to be decided and told to the subject within the first month"
    )]
    FirstMonthOver { first_month_end: NaiveDate },
    #[error("an extension needs a reason to tell the subject (Art. 12(3))")]
    ReasonMissing,
    #[error("{what} on {at} is before the request was received on {received_on}")]
    BeforeReceipt { what: &'static str, at: NaiveDate, received_on: NaiveDate },
    #[error("the clock is already paused since {since}")]
    AlreadyPaused { since: NaiveDate },
    #[error("the clock is not paused")]
    NotPaused,
    #[error("the information cannot arrive on {at}, before it was asked for on {asked_on}")]
    ResumeBeforePause { at: NaiveDate, asked_on: NaiveDate },
    #[error(
        "the deadline cannot be computed: received {received_on} with {paused_days} paused day(s) ends after 9999-12-31; the stored value is impossible and needs correcting"
    )]
    OutOfRange { received_on: NaiveDate, paused_days: u32 },
}

/// Art. 12(3): one extension, with reasons, decided within the first month.
pub fn check_extension(
    calendar: &WorkingCalendar,
    facts: DeadlineFacts,
    decided_on: NaiveDate,
    reason: &str,
) -> Result<(), DeadlineRuleError> {
    if facts.extended {
        return Err(DeadlineRuleError::AlreadyExtended);
    }
    if reason.trim().is_empty() {
        return Err(DeadlineRuleError::ReasonMissing);
    }
    if decided_on < facts.received_on {
        return Err(DeadlineRuleError::BeforeReceipt {
            what: "the extension",
            at: decided_on,
            received_on: facts.received_on,
        });
    }
    let first_month_end = first_month_ends_on(calendar, facts)?;
    if decided_on > first_month_end {
        return Err(DeadlineRuleError::FirstMonthOver { first_month_end });
    }
    Ok(())
}

/// Art. 12(6) with EDPB Guidelines 01/2022 §160: the clock may stand still from the day the
/// controller asks for identifying information.
pub fn check_pause(
    facts: DeadlineFacts,
    paused_since: Option<NaiveDate>,
    asked_on: NaiveDate,
) -> Result<(), DeadlineRuleError> {
    if let Some(since) = paused_since {
        return Err(DeadlineRuleError::AlreadyPaused { since });
    }
    if asked_on < facts.received_on {
        return Err(DeadlineRuleError::BeforeReceipt {
            what: "the request for information",
            at: asked_on,
            received_on: facts.received_on,
        });
    }
    Ok(())
}

/// The days a finished pause adds: the date the information arrived minus the date it was asked.
pub fn paused_days_on_resume(
    paused_since: Option<NaiveDate>,
    arrived_on: NaiveDate,
) -> Result<u32, DeadlineRuleError> {
    let asked_on = paused_since.ok_or(DeadlineRuleError::NotPaused)?;
    if arrived_on < asked_on {
        return Err(DeadlineRuleError::ResumeBeforePause { at: arrived_on, asked_on });
    }
    // chrono's whole range is under 200 million days: the difference always fits.
    Ok((arrived_on - asked_on).num_days() as u32)
}

/// The whole breakdown shown to the DPO.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineBreakdown {
    pub received_on: NaiveDate,
    pub first_month_ends_on: NaiveDate,
    pub due_on: NaiveDate,
    pub internal_due_on: NaiveDate,
    pub extended: bool,
    pub paused_days: u32,
    /// Why the due date differs from the plain month count: weekend or holiday names.
    pub rolled_from: Option<NaiveDate>,
}

pub fn breakdown(
    calendar: &WorkingCalendar,
    facts: DeadlineFacts,
    internal_target_days: u32,
) -> Result<DeadlineBreakdown, DeadlineRuleError> {
    let unrolled = unrolled_end(facts).ok_or_else(|| out_of_range(facts))?;
    let due_on = legal_due_on(calendar, facts)?;
    Ok(DeadlineBreakdown {
        received_on: facts.received_on,
        first_month_ends_on: first_month_ends_on(calendar, facts)?,
        due_on,
        internal_due_on: internal_due_on(calendar, facts, internal_target_days)?,
        extended: facts.extended,
        paused_days: facts.paused_days,
        rolled_from: (unrolled != due_on).then_some(unrolled),
    })
}

/// Used by tests and the property checks: the month count alone never yields fewer than 28 days.
pub fn minimum_period_days() -> i64 {
    28
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Jurisdiction;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn se() -> WorkingCalendar {
        WorkingCalendar::new(Jurisdiction::Sweden)
    }
    fn fi() -> WorkingCalendar {
        WorkingCalendar::new(Jurisdiction::Finland)
    }
    fn plain(received_on: NaiveDate) -> DeadlineFacts {
        DeadlineFacts { received_on, extended: false, paused_days: 0 }
    }
    // The real dates below are all in range: these unwrap the checked forms for readability.
    fn legal_due_on(c: &WorkingCalendar, f: DeadlineFacts) -> NaiveDate {
        super::legal_due_on(c, f).unwrap()
    }
    fn internal_due_on(c: &WorkingCalendar, f: DeadlineFacts, target: u32) -> NaiveDate {
        super::internal_due_on(c, f, target).unwrap()
    }
    fn months_after(date: NaiveDate, months: u32) -> NaiveDate {
        super::months_after(date, months).unwrap()
    }

    #[test]
    fn two_billion_paused_days_is_an_error_not_a_panic() {
        // Art. 12(3)/(6): a pause moves the deadline by the days paused; a stored pause of
        // 2,000,000,000 days cannot be real and must be reported, never crash the desk.
        let facts = DeadlineFacts { received_on: d(2026, 3, 2), extended: false, paused_days: 2_000_000_000 };
        let out_of_range =
            DeadlineRuleError::OutOfRange { received_on: d(2026, 3, 2), paused_days: 2_000_000_000 };
        assert_eq!(super::legal_due_on(&se(), facts), Err(out_of_range.clone()));
        assert_eq!(super::internal_due_on(&se(), facts, 30), Err(out_of_range.clone()));
        assert_eq!(super::breakdown(&se(), facts, 30), Err(out_of_range.clone()));
        assert_eq!(super::first_month_ends_on(&se(), facts), Err(out_of_range.clone()));
        let max = DeadlineFacts { paused_days: u32::MAX, ..facts };
        assert!(super::legal_due_on(&fi(), max).is_err());
    }

    #[test]
    fn receipt_at_the_end_of_the_calendar_is_an_error_not_a_panic() {
        let facts = plain(NaiveDate::MAX);
        assert!(super::legal_due_on(&se(), DeadlineFacts { extended: true, ..facts }).is_err());
        assert!(super::legal_due_on(&se(), plain(d(9999, 12, 1))).is_err());
        // The last computable day rolls to a working day without leaving chrono's range.
        assert!(super::legal_due_on(&se(), plain(d(9999, 11, 30))).is_ok());
    }

    #[test]
    fn edpb_example_received_5_march_due_5_april() {
        // EDPB Guidelines 01/2022 §159. 5 April 2027 is a Monday and no holiday.
        assert_eq!(legal_due_on(&se(), plain(d(2027, 3, 5))), d(2027, 4, 5));
    }

    #[test]
    fn edpb_example_received_31_august_due_30_september() {
        // 30 September 2027 is a Thursday.
        assert_eq!(legal_due_on(&se(), plain(d(2027, 8, 31))), d(2027, 9, 30));
        assert_eq!(legal_due_on(&fi(), plain(d(2027, 8, 31))), d(2027, 9, 30));
    }

    #[test]
    fn received_31_january_due_last_day_of_february() {
        // Reg. 1182/71 art. 3(2)(c): no 31 February, so the last day of February.
        // 28 Feb 2025 is a Friday.
        assert_eq!(legal_due_on(&se(), plain(d(2025, 1, 31))), d(2025, 2, 28));
    }

    #[test]
    fn received_31_january_in_leap_year_due_29_february() {
        // 29 Feb 2028 is a Tuesday.
        assert_eq!(legal_due_on(&se(), plain(d(2028, 1, 31))), d(2028, 2, 29));
    }

    #[test]
    fn received_29_february_due_29_march() {
        // 29 March 2028 is a Wednesday.
        assert_eq!(legal_due_on(&fi(), plain(d(2028, 2, 29))), d(2028, 3, 29));
    }

    #[test]
    fn received_30_january_2026_due_2_march_after_weekend() {
        // 28 Feb 2026 is a Saturday: the period ends at the end of Monday 2 March.
        assert_eq!(legal_due_on(&se(), plain(d(2026, 1, 30))), d(2026, 3, 2));
    }

    #[test]
    fn received_31_december_due_31_january_next_year() {
        // 31 Jan 2028 is a Monday.
        assert_eq!(legal_due_on(&se(), plain(d(2027, 12, 31))), d(2028, 1, 31));
    }

    #[test]
    fn due_on_saturday_moves_to_monday() {
        // Received Friday 5 Dec 2025 -> 5 Jan 2026 is a Monday; pick one ending on Saturday:
        // received 14 Feb 2026 -> 14 March 2026 is a Saturday -> Monday 16 March.
        assert_eq!(legal_due_on(&se(), plain(d(2026, 2, 14))), d(2026, 3, 16));
    }

    #[test]
    fn due_on_good_friday_moves_past_easter_monday() {
        // 3 April 2026 is Good Friday in both countries -> Tuesday 7 April.
        assert_eq!(legal_due_on(&se(), plain(d(2026, 3, 3))), d(2026, 4, 7));
        assert_eq!(legal_due_on(&fi(), plain(d(2026, 3, 3))), d(2026, 4, 7));
    }

    #[test]
    fn due_on_epiphany_moves_to_next_day() {
        // 6 Jan 2027 is a Wednesday holiday in both countries.
        assert_eq!(legal_due_on(&se(), plain(d(2026, 12, 6))), d(2027, 1, 7));
    }

    #[test]
    fn due_on_may_day_moves_to_next_working_day() {
        // 1 May 2026 is a Friday -> Monday 4 May.
        assert_eq!(legal_due_on(&se(), plain(d(2026, 4, 1))), d(2026, 5, 4));
    }

    #[test]
    fn due_on_ascension_day_moves_to_friday() {
        // Ascension 2026: Thursday 14 May.
        assert_eq!(legal_due_on(&fi(), plain(d(2026, 4, 14))), d(2026, 5, 15));
    }

    #[test]
    fn due_on_swedish_national_day_differs_between_countries() {
        // 6 June 2029 is a Wednesday: a holiday in Sweden, a working day in Finland.
        assert_eq!(legal_due_on(&se(), plain(d(2029, 5, 6))), d(2029, 6, 7));
        assert_eq!(legal_due_on(&fi(), plain(d(2029, 5, 6))), d(2029, 6, 6));
    }

    #[test]
    fn due_on_finnish_independence_day_differs_between_countries() {
        // 6 Dec 2027 is a Monday: a holiday in Finland, a working day in Sweden.
        assert_eq!(legal_due_on(&fi(), plain(d(2027, 11, 6))), d(2027, 12, 7));
        assert_eq!(legal_due_on(&se(), plain(d(2027, 11, 6))), d(2027, 12, 6));
    }

    #[test]
    fn due_on_midsummer_eve_stays_a_working_day() {
        // Midsummer Eve 2026: Friday 19 June; eves count as working days by default.
        assert_eq!(legal_due_on(&se(), plain(d(2026, 5, 19))), d(2026, 6, 19));
        let strict = WorkingCalendar { eves_are_holidays: true, ..se() };
        // With eves as holidays: Fri eve, Sat Midsummer Day, Sun -> Monday 22 June.
        assert_eq!(legal_due_on(&strict, plain(d(2026, 5, 19))), d(2026, 6, 22));
    }

    #[test]
    fn due_on_christmas_moves_past_boxing_day() {
        // 25 Dec 2026 is a Friday; 26 Saturday; 27 Sunday -> Monday 28 Dec.
        assert_eq!(legal_due_on(&fi(), plain(d(2026, 11, 25))), d(2026, 12, 28));
        // Christmas Eve 2026 (Thursday) is a working day by default.
        assert_eq!(legal_due_on(&fi(), plain(d(2026, 11, 24))), d(2026, 12, 24));
    }

    #[test]
    fn due_on_new_years_day_moves_to_next_working_day() {
        // 1 Jan 2027 is a Friday -> Monday 4 Jan.
        assert_eq!(legal_due_on(&se(), plain(d(2026, 12, 1))), d(2027, 1, 4));
    }

    #[test]
    fn due_on_easter_monday_moves_to_tuesday() {
        // Easter Monday 2027: 29 March.
        assert_eq!(legal_due_on(&se(), plain(d(2027, 2, 28))), d(2027, 3, 30));
    }

    #[test]
    fn due_on_pentecost_and_midsummer_and_all_saints_saturdays_roll() {
        // Pentecost 2027: Sunday 16 May -> Monday 17 May.
        assert_eq!(legal_due_on(&se(), plain(d(2027, 4, 16))), d(2027, 5, 17));
        // All Saints' Day 2027: Saturday 6 Nov -> Monday 8 Nov.
        assert_eq!(legal_due_on(&fi(), plain(d(2027, 10, 6))), d(2027, 11, 8));
        // Midsummer Day 2027: Saturday 26 June -> Monday 28 June.
        assert_eq!(legal_due_on(&fi(), plain(d(2027, 5, 26))), d(2027, 6, 28));
    }

    #[test]
    fn extension_ends_three_months_after_receipt() {
        // Received 5 March 2027 -> 5 June 2027 is a Saturday -> Monday 7 June (SE: 6 June is
        // National Day, a Sunday in 2027, so Monday 7 June).
        let facts = DeadlineFacts { extended: true, ..plain(d(2027, 3, 5)) };
        assert_eq!(legal_due_on(&se(), facts), d(2027, 6, 7));
        // Received 30 November 2026 -> 28 Feb 2027 is a Sunday -> Monday 1 March.
        let facts = DeadlineFacts { extended: true, ..plain(d(2026, 11, 30)) };
        assert_eq!(legal_due_on(&fi(), facts), d(2027, 3, 1));
    }

    #[test]
    fn extension_allowed_on_last_day_of_first_month_refused_the_day_after() {
        let facts = plain(d(2027, 3, 5)); // first month ends Monday 5 April 2027
        assert_eq!(check_extension(&se(), facts, d(2027, 4, 5), "complex"), Ok(()));
        assert_eq!(
            check_extension(&se(), facts, d(2027, 4, 6), "complex"),
            Err(DeadlineRuleError::FirstMonthOver { first_month_end: d(2027, 4, 5) })
        );
    }

    #[test]
    fn extension_only_once_and_with_reason() {
        let facts = plain(d(2027, 3, 5));
        assert_eq!(
            check_extension(&se(), facts, d(2027, 3, 10), "  "),
            Err(DeadlineRuleError::ReasonMissing)
        );
        let extended = DeadlineFacts { extended: true, ..facts };
        assert_eq!(
            check_extension(&se(), extended, d(2027, 3, 10), "again"),
            Err(DeadlineRuleError::AlreadyExtended)
        );
    }

    #[test]
    fn pause_of_ten_days_moves_due_date_before_the_roll() {
        // Received 5 March 2027, asked 10 March, answered 20 March: 10 paused days.
        let days = paused_days_on_resume(Some(d(2027, 3, 10)), d(2027, 3, 20)).unwrap();
        assert_eq!(days, 10);
        let facts = DeadlineFacts { paused_days: days, ..plain(d(2027, 3, 5)) };
        // 5 April + 10 = 15 April 2027, a Thursday.
        assert_eq!(legal_due_on(&se(), facts), d(2027, 4, 15));
        // 5 March 2027 + 1 month + 12 days = Saturday 17 April -> Monday 19 April.
        let facts = DeadlineFacts { paused_days: 12, ..plain(d(2027, 3, 5)) };
        assert_eq!(legal_due_on(&se(), facts), d(2027, 4, 19));
    }

    #[test]
    fn pause_answered_same_day_adds_nothing() {
        assert_eq!(paused_days_on_resume(Some(d(2027, 3, 10)), d(2027, 3, 10)), Ok(0));
    }

    #[test]
    fn pause_rules_refuse_impossible_dates() {
        let facts = plain(d(2027, 3, 5));
        assert!(matches!(
            check_pause(facts, None, d(2027, 3, 4)),
            Err(DeadlineRuleError::BeforeReceipt { .. })
        ));
        assert_eq!(
            check_pause(facts, Some(d(2027, 3, 6)), d(2027, 3, 7)),
            Err(DeadlineRuleError::AlreadyPaused { since: d(2027, 3, 6) })
        );
        assert_eq!(paused_days_on_resume(None, d(2027, 3, 7)), Err(DeadlineRuleError::NotPaused));
        assert!(matches!(
            paused_days_on_resume(Some(d(2027, 3, 7)), d(2027, 3, 6)),
            Err(DeadlineRuleError::ResumeBeforePause { .. })
        ));
    }

    #[test]
    fn internal_target_of_30_days_is_shown_beside_the_legal_date() {
        let facts = plain(d(2027, 3, 5));
        assert_eq!(internal_due_on(&se(), facts, 30), d(2027, 4, 4));
        assert_eq!(legal_due_on(&se(), facts), d(2027, 4, 5));
    }

    #[test]
    fn internal_target_never_later_than_legal_date() {
        // Received 31 Jan 2025: legal due 28 Feb (28 days); a 30-day target would be 2 March.
        let facts = plain(d(2025, 1, 31));
        assert_eq!(internal_due_on(&se(), facts, 30), d(2025, 2, 28));
    }

    #[test]
    fn countdown_labels_readable_without_colour() {
        assert_eq!(countdown_label(12), "12d");
        assert_eq!(countdown_label(0), "today");
        assert_eq!(countdown_label(-3), "3d over");
    }

    #[test]
    fn urgency_buckets() {
        assert_eq!(Urgency::of(-1), Urgency::Overdue);
        assert_eq!(Urgency::of(0), Urgency::DueToday);
        assert_eq!(Urgency::of(3), Urgency::Within3Days);
        assert_eq!(Urgency::of(4), Urgency::Within7Days);
        assert_eq!(Urgency::of(7), Urgency::Within7Days);
        assert_eq!(Urgency::of(8), Urgency::Later);
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (1990i32..2200, 1u32..=366).prop_map(|(y, ord)| {
            NaiveDate::from_yo_opt(y, ord).unwrap_or_else(|| NaiveDate::from_yo_opt(y, 365).unwrap())
        })
    }

    fn any_calendar() -> impl Strategy<Value = WorkingCalendar> {
        (prop_oneof![Just(Jurisdiction::Sweden), Just(Jurisdiction::Finland)], any::<bool>())
            .prop_map(|(jurisdiction, eves_are_holidays)| WorkingCalendar { jurisdiction, eves_are_holidays })
    }

    proptest! {
        #[test]
        fn due_date_is_a_working_day(cal in any_calendar(), received in any_date(),
                                     extended in any::<bool>(), paused in 0u32..200) {
            let due = legal_due_on(&cal, DeadlineFacts { received_on: received, extended, paused_days: paused });
            prop_assert!(cal.is_working_day(due));
        }

        #[test]
        fn due_date_never_before_receipt_plus_28_days(cal in any_calendar(), received in any_date(),
                                                     extended in any::<bool>(), paused in 0u32..200) {
            let due = legal_due_on(&cal, DeadlineFacts { received_on: received, extended, paused_days: paused });
            prop_assert!((due - received).num_days() >= minimum_period_days());
        }

        #[test]
        fn extension_never_shortens(cal in any_calendar(), received in any_date(), paused in 0u32..200) {
            let base = DeadlineFacts { received_on: received, extended: false, paused_days: paused };
            let extended = DeadlineFacts { extended: true, ..base };
            prop_assert!(legal_due_on(&cal, extended) >= legal_due_on(&cal, base));
        }

        #[test]
        fn pause_never_shortens(cal in any_calendar(), received in any_date(), extended in any::<bool>(),
                                paused in 0u32..200, more in 0u32..60) {
            let before = DeadlineFacts { received_on: received, extended, paused_days: paused };
            let after = DeadlineFacts { paused_days: paused + more, ..before };
            prop_assert!(legal_due_on(&cal, after) >= legal_due_on(&cal, before));
        }

        #[test]
        fn internal_target_never_after_legal(cal in any_calendar(), received in any_date(),
                                             extended in any::<bool>(), paused in 0u32..200, target in 0u32..120) {
            let facts = DeadlineFacts { received_on: received, extended, paused_days: paused };
            prop_assert!(internal_due_on(&cal, facts, target) <= legal_due_on(&cal, facts));
        }

        #[test]
        fn due_date_is_the_first_working_day_on_or_after_the_month_end(cal in any_calendar(), received in any_date()) {
            let facts = DeadlineFacts { received_on: received, extended: false, paused_days: 0 };
            let due = legal_due_on(&cal, facts);
            let mut day = months_after(received, 1);
            while day < due {
                prop_assert!(!cal.is_working_day(day));
                day = day.succ_opt().unwrap();
            }
        }
    }
}
