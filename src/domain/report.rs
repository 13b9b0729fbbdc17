//! The DPO's figures for a period (issue 17 §1): per right, channel, operator and month, counted
//! from each request's event history, so a past period gives the same figures tomorrow.
//!
//! Pure: the store hands over each request's history reduced to the facts below (dates already in
//! the controller's time zone); the caller passes the calendars and the internal targets.
//!
//! Rules encoded here:
//! - Art. 12(3): an answer is on time when given on or before the legal due date in force on the
//!   day it was given (the extension and the pauses known that day, then Reg. 1182/71 art. 3(4));
//!   answered on the due day itself is on time, the day after is late.
//! - Art. 12(3)/12(6): a request whose clock stands still (awaiting identifying information) at
//!   the period's end is not overdue — its date moves on by the days it waits.

use crate::domain::calendar::WorkingCalendar;
use crate::domain::deadline::{self, DeadlineFacts};
use crate::domain::{Jurisdiction, RequestKind, RequestStatus};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

/// The period reported on, both days included, as dates in each controller's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, String> {
        if to < from {
            return Err(format!("the period ends ({to}) before it starts ({from})"));
        }
        Ok(Period { from, to })
    }

    /// A calendar year, 1 January to 31 December.
    pub fn year(year: i32) -> Result<Period, String> {
        let day = |m, d| {
            NaiveDate::from_ymd_opt(year, m, d).ok_or_else(|| format!("{year} is not a year we can count"))
        };
        Period::new(day(1, 1)?, day(12, 31)?)
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// The calendar months the period touches, each cut to the period.
    pub fn months(&self) -> Vec<(String, Period)> {
        let mut months = Vec::new();
        let mut start = self.from;
        while start <= self.to {
            let next = deadline::months_after(start.with_day(1).expect("day 1"), 1).expect("a month later");
            let end = next.pred_opt().expect("a day before").min(self.to);
            months
                .push((format!("{:04}-{:02}", start.year(), start.month()), Period { from: start, to: end }));
            start = next;
        }
        months
    }

    /// The first day of each of [`Period::months`] and the day after the period: the thresholds
    /// the database sorts a day by (`width_bucket`), 0 before the period, `k + 1` in its `k`th
    /// month, `months().len() + 1` after it.
    pub fn bucket_starts(&self) -> Vec<NaiveDate> {
        let mut starts: Vec<NaiveDate> = self.months().into_iter().map(|(_, m)| m.from).collect();
        starts.extend(self.to.succ_opt());
        starts
    }
}

/// How a request was closed, by its closing event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    pub status: RequestStatus,
    /// The date of the closing event in the controller's time zone.
    pub on: NaiveDate,
    pub reason: Option<String>,
}

/// One request's history as the report needs it. Every date is the event's date in the
/// controller's time zone; events after the period's end are already left out by the caller or
/// ignored here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHistory {
    pub kind: RequestKind,
    pub jurisdiction: Jurisdiction,
    pub channel: Option<String>,
    pub received_on: NaiveDate,
    pub closed: Option<Closing>,
    /// Art. 12(3): the day the extension was decided, and the reasons given.
    pub extended: Option<(NaiveDate, String)>,
    /// Art. 12(6): the days information was asked for (each starts a pause).
    pub paused_on: Vec<NaiveDate>,
    /// The days the information arrived, with the days the clock stood still.
    pub resumed: Vec<(NaiveDate, u32)>,
    /// Who held the request last (at closing, or at the period's end when still open).
    pub operator: Option<String>,
}

/// Why a refusal was given, from the ground its reason cites (Art. 12(5): manifestly unfounded or
/// excessive; Art. 17(3)(b): legal obligation; Art. 17(3)(e): legal claims; Art. 12(2)/12(6):
/// the subject's identity could not be established).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalGround {
    Art12_5,
    Art17_3B,
    Art17_3E,
    IdentityNotEstablished,
    Other,
}

impl RefusalGround {
    pub const ALL: [RefusalGround; 5] = [
        RefusalGround::Art12_5,
        RefusalGround::Art17_3B,
        RefusalGround::Art17_3E,
        RefusalGround::IdentityNotEstablished,
        RefusalGround::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            RefusalGround::Art12_5 => "Art. 12(5)",
            RefusalGround::Art17_3B => "Art. 17(3)(b)",
            RefusalGround::Art17_3E => "Art. 17(3)(e)",
            RefusalGround::IdentityNotEstablished => "identity not established",
            RefusalGround::Other => "other",
        }
    }

    /// The code the database stores for a ground (`dsrdesk_refusal_ground`, migration 0033).
    pub fn code(self) -> &'static str {
        match self {
            RefusalGround::Art12_5 => "art12_5",
            RefusalGround::Art17_3B => "art17_3b",
            RefusalGround::Art17_3E => "art17_3e",
            RefusalGround::IdentityNotEstablished => "identity",
            RefusalGround::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<RefusalGround> {
        RefusalGround::ALL.into_iter().find(|g| g.code() == code)
    }

    /// The ground a refusal's reason cites: the article when it names one ("12(5)", "17(3)(b)",
    /// "17(3)(e)", "12(6)"), else words for identity in sv/fi/en, else other.
    pub fn of_reason(reason: &str) -> RefusalGround {
        let compact: String =
            reason.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_lowercase();
        if compact.contains("12(5)") {
            RefusalGround::Art12_5
        } else if compact.contains("17(3)(b)") {
            RefusalGround::Art17_3B
        } else if compact.contains("17(3)(e)") {
            RefusalGround::Art17_3E
        } else if compact.contains("12(6)")
            || compact.contains("12(2)")
            || ["identity", "identitet", "henkilöllisyy"].iter().any(|w| compact.contains(w))
        {
            RefusalGround::IdentityNotEstablished
        } else {
            RefusalGround::Other
        }
    }
}

/// Median, 90th percentile (nearest rank) and maximum of a list of days.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct DaySpread {
    pub median: f64,
    pub p90: i64,
    pub max: i64,
}

impl DaySpread {
    pub fn of(mut days: Vec<i64>) -> Option<DaySpread> {
        if days.is_empty() {
            return None;
        }
        days.sort_unstable();
        let n = days.len();
        let median =
            if n % 2 == 1 { days[n / 2] as f64 } else { (days[n / 2 - 1] + days[n / 2]) as f64 / 2.0 };
        // Nearest rank: the smallest value with at least 90% of the values at or below it.
        let rank = (n * 9).div_ceil(10).max(1);
        Some(DaySpread { median, p90: days[rank - 1], max: days[n - 1] })
    }
}

/// The figures of one group of requests over the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Figures {
    pub received: u64,
    pub answered: u64,
    /// Answered on or before the legal due date (Art. 12(3)).
    pub answered_on_time: u64,
    /// Answered on or before the agency's internal target.
    pub answered_within_target: u64,
    /// answered_on_time / answered, when any were answered.
    pub on_time_share: Option<f64>,
    pub within_target_share: Option<f64>,
    pub extended: u64,
    /// The reasons given for the extensions, with how often each was given.
    pub extension_reasons: BTreeMap<String, u64>,
    /// Pauses started in the period.
    pub paused: u64,
    /// Days the clock stood still, over the pauses that ended in the period.
    pub paused_days: Option<DaySpread>,
    pub refused: u64,
    pub refused_by_ground: BTreeMap<RefusalGround, u64>,
    pub forwarded: u64,
    pub withdrawn: u64,
    /// Calendar days from receipt to answer, over the requests answered in the period.
    pub days_to_answer: Option<DaySpread>,
    pub open_at_end: u64,
    pub overdue_at_end: u64,
    #[serde(skip)]
    answer_days: Vec<i64>,
    #[serde(skip)]
    pause_days: Vec<i64>,
}

impl Figures {
    fn finish(mut self) -> Figures {
        self.on_time_share = (self.answered > 0).then(|| self.answered_on_time as f64 / self.answered as f64);
        self.within_target_share =
            (self.answered > 0).then(|| self.answered_within_target as f64 / self.answered as f64);
        self.days_to_answer = DaySpread::of(std::mem::take(&mut self.answer_days));
        self.paused_days = DaySpread::of(std::mem::take(&mut self.pause_days));
        self
    }
}

/// What the report needs to know of each controller: its working calendar and internal target.
pub struct Controllers<'a> {
    pub calendar: &'a dyn Fn(Jurisdiction) -> WorkingCalendar,
    pub internal_target_days: &'a dyn Fn(Jurisdiction) -> u32,
}

/// The whole report: totals and the same figures by right, channel, operator and month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub period: Period,
    pub total: Figures,
    pub by_right: BTreeMap<RequestKind, Figures>,
    pub by_channel: BTreeMap<String, Figures>,
    pub by_operator: BTreeMap<String, Figures>,
    pub by_month: BTreeMap<String, Figures>,
}

/// The deadline facts known on `day`: the extension decided by then, the pauses ended by then.
fn facts_on(h: &RequestHistory, day: NaiveDate) -> DeadlineFacts {
    DeadlineFacts {
        received_on: h.received_on,
        extended: h.extended.as_ref().is_some_and(|(on, _)| *on <= day),
        paused_days: h.resumed.iter().filter(|(on, _)| *on <= day).map(|(_, d)| *d).sum(),
    }
}

/// Add one request's contribution within `period` to `f`. Open and overdue are counted at the
/// period's end, or `today` when the period has not ended yet (and not at all for a period that
/// has not begun).
fn count(f: &mut Figures, h: &RequestHistory, period: Period, today: NaiveDate, controllers: &Controllers) {
    let calendar = (controllers.calendar)(h.jurisdiction);
    if period.contains(h.received_on) {
        f.received += 1;
    }
    if let Some(c) = h.closed.as_ref().filter(|c| period.contains(c.on)) {
        match c.status {
            RequestStatus::Answered => {
                f.answered += 1;
                let facts = facts_on(h, c.on);
                // Art. 12(3): on the due day itself is on time.
                if deadline::legal_due_on(&calendar, facts).is_ok_and(|due| c.on <= due) {
                    f.answered_on_time += 1;
                }
                let target = (controllers.internal_target_days)(h.jurisdiction);
                if deadline::internal_due_on(&calendar, facts, target).is_ok_and(|due| c.on <= due) {
                    f.answered_within_target += 1;
                }
                f.answer_days.push((c.on - h.received_on).num_days());
            }
            RequestStatus::Refused => {
                f.refused += 1;
                let ground = RefusalGround::of_reason(c.reason.as_deref().unwrap_or(""));
                *f.refused_by_ground.entry(ground).or_default() += 1;
            }
            RequestStatus::Forwarded => f.forwarded += 1,
            RequestStatus::Withdrawn => f.withdrawn += 1,
            _ => {}
        }
    }
    if let Some((on, reason)) = &h.extended
        && period.contains(*on)
    {
        f.extended += 1;
        *f.extension_reasons.entry(reason.clone()).or_default() += 1;
    }
    f.paused += h.paused_on.iter().filter(|on| period.contains(**on)).count() as u64;
    f.pause_days.extend(h.resumed.iter().filter(|(on, _)| period.contains(*on)).map(|(_, d)| *d as i64));
    let end = period.to.min(today);
    let open_at_end =
        period.from <= today && h.received_on <= end && h.closed.as_ref().is_none_or(|c| c.on > end);
    if open_at_end {
        f.open_at_end += 1;
        let asked = h.paused_on.iter().filter(|on| **on <= end).count();
        let arrived = h.resumed.iter().filter(|(on, _)| *on <= end).count();
        // Art. 12(6): a stopped clock (asked, not yet arrived) is not overdue.
        let paused_at_end = asked > arrived;
        if !paused_at_end && deadline::legal_due_on(&calendar, facts_on(h, end)).is_ok_and(|due| due < end) {
            f.overdue_at_end += 1;
        }
    }
}

/// The report over `period` of `histories`, as it stands on `today`.
pub fn report(
    histories: &[RequestHistory],
    period: Period,
    today: NaiveDate,
    controllers: &Controllers,
) -> Report {
    let mut tally = Tally::new(period, today);
    for h in histories {
        tally.add_history(h, controllers);
    }
    tally.finish()
}

/// Requests the database counted together (store::report): alike in all the report counts of
/// them. Each was closed (at most once, by the period's end) within 28 days of its receipt, or is
/// still open but was received less than 28 days before the period's end (or today): so it is
/// overdue on no day the report looks at (Art. 12(3): the legal due date is at least one month,
/// never fewer than 28 days, after receipt, Reg. 1182/71 art. 3(2)(c)) and each answer among them
/// was on time. Days are given by their bucket (see [`Period::bucket_starts`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub requests: u64,
    pub kind: RequestKind,
    pub channel: Option<String>,
    /// The operator at the period's end.
    pub operator: Option<String>,
    pub received: i32,
    pub received_after_today: bool,
    /// Closed by the period's end: how, when (bucket), whether after today.
    pub closed: Option<(RequestStatus, i32, bool)>,
    pub ground: Option<RefusalGround>,
    /// For the answered in the period: within the internal target.
    pub within_target: Option<bool>,
    pub extended: Option<i32>,
    /// The extension's reason, when it was decided in the period.
    pub extension_reason: Option<String>,
    pub paused: Option<i32>,
    pub resumed: Option<i32>,
    /// Days from receipt to answer of each one answered in the period.
    pub answer_days: Vec<i64>,
    /// Days the clock stood still of each pause that ended in the period.
    pub pause_days: Vec<i64>,
}

/// The report being counted: request by request ([`Tally::add_history`]) or a group at a time
/// ([`Tally::add_shape`]), the two adding up to the same figures.
pub struct Tally {
    period: Period,
    today: NaiveDate,
    months: Vec<(String, Period)>,
    total: Figures,
    by_right: BTreeMap<RequestKind, Figures>,
    by_channel: BTreeMap<String, Figures>,
    by_operator: BTreeMap<String, Figures>,
    by_month: BTreeMap<String, Figures>,
}

impl Tally {
    pub fn new(period: Period, today: NaiveDate) -> Tally {
        let months = period.months();
        Tally {
            period,
            today,
            by_month: months.iter().map(|(m, _)| (m.clone(), Figures::default())).collect(),
            months,
            total: Figures::default(),
            by_right: RequestKind::ALL.into_iter().map(|k| (k, Figures::default())).collect(),
            by_channel: BTreeMap::new(),
            by_operator: BTreeMap::new(),
        }
    }

    /// One request's history, counted in each group it belongs to.
    pub fn add_history(&mut self, h: &RequestHistory, controllers: &Controllers) {
        let (period, today) = (self.period, self.today);
        count(&mut self.total, h, period, today, controllers);
        count(self.by_right.entry(h.kind).or_default(), h, period, today, controllers);
        let channel = h.channel.clone().unwrap_or_else(|| "unknown".into());
        count(self.by_channel.entry(channel).or_default(), h, period, today, controllers);
        let operator = h.operator.clone().unwrap_or_else(|| "(unassigned)".into());
        count(self.by_operator.entry(operator).or_default(), h, period, today, controllers);
        for (month, within) in &self.months {
            count(self.by_month.get_mut(month).expect("every month"), h, *within, today, controllers);
        }
    }

    /// A group of alike requests, counted as [`Tally::add_history`] counts each of them.
    pub fn add_shape(&mut self, s: &Shape) {
        let n = self.months.len() as i32;
        let in_period = |b: i32| (1..=n).contains(&b);
        // Open at the period's end (or today): received by then, not closed by then.
        let end = (self.period.from <= self.today).then_some(());
        add_shape_to(&mut self.total, s, in_period, end.map(|_| open_at_period_end(s)));
        add_shape_to(
            self.by_right.entry(s.kind).or_default(),
            s,
            in_period,
            end.map(|_| open_at_period_end(s)),
        );
        let channel = s.channel.clone().unwrap_or_else(|| "unknown".into());
        add_shape_to(
            self.by_channel.entry(channel).or_default(),
            s,
            in_period,
            end.map(|_| open_at_period_end(s)),
        );
        let operator = s.operator.clone().unwrap_or_else(|| "(unassigned)".into());
        add_shape_to(
            self.by_operator.entry(operator).or_default(),
            s,
            in_period,
            end.map(|_| open_at_period_end(s)),
        );
        for (k, (month, within)) in self.months.iter().enumerate() {
            let bucket = k as i32 + 1;
            // At the month's end, or today: the day's bucket says before/in/after the month, and
            // within the month the day is on or before that end when it is not after today.
            let open = (within.from <= self.today).then(|| {
                let by_end = |b: i32, after_today: bool| b < bucket || (b == bucket && !after_today);
                by_end(s.received, s.received_after_today)
                    && !s.closed.is_some_and(|(_, b, after_today)| by_end(b, after_today))
            });
            add_shape_to(self.by_month.get_mut(month).expect("every month"), s, |b| b == bucket, open);
        }
    }

    pub fn finish(self) -> Report {
        let finish = |m: BTreeMap<String, Figures>| m.into_iter().map(|(k, f)| (k, f.finish())).collect();
        Report {
            period: self.period,
            total: self.total.finish(),
            by_right: self.by_right.into_iter().map(|(k, f)| (k, f.finish())).collect(),
            by_channel: finish(self.by_channel),
            by_operator: finish(self.by_operator),
            by_month: finish(self.by_month),
        }
    }
}

/// Open at the period's end (or today): the received day is not after today (it is within the
/// period's end by the reading), and not closed by then.
fn open_at_period_end(s: &Shape) -> bool {
    !s.received_after_today && s.closed.is_none_or(|(_, _, after_today)| after_today)
}

/// Add a shape's requests to `f`: what happened in the buckets `within` takes, and `open` at the
/// end (None: the period or month has not begun). None of a shape is overdue (see [`Shape`]).
fn add_shape_to(f: &mut Figures, s: &Shape, within: impl Fn(i32) -> bool, open: Option<bool>) {
    let n = s.requests;
    if within(s.received) {
        f.received += n;
    }
    if let Some((status, bucket, _)) = s.closed
        && within(bucket)
    {
        match status {
            RequestStatus::Answered => {
                f.answered += n;
                f.answered_on_time += n;
                if s.within_target == Some(true) {
                    f.answered_within_target += n;
                }
                f.answer_days.extend_from_slice(&s.answer_days);
            }
            RequestStatus::Refused => {
                f.refused += n;
                *f.refused_by_ground.entry(s.ground.unwrap_or(RefusalGround::Other)).or_default() += n;
            }
            RequestStatus::Forwarded => f.forwarded += n,
            RequestStatus::Withdrawn => f.withdrawn += n,
            _ => {}
        }
    }
    if s.extended.is_some_and(&within) {
        f.extended += n;
        *f.extension_reasons.entry(s.extension_reason.clone().unwrap_or_default()).or_default() += n;
    }
    if s.paused.is_some_and(&within) {
        f.paused += n;
    }
    if s.resumed.is_some_and(&within) {
        f.pause_days.extend_from_slice(&s.pause_days);
    }
    if open == Some(true) {
        f.open_at_end += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn refusal_grounds_from_the_cited_article() {
        assert_eq!(RefusalGround::of_reason("Manifestly excessive, Art. 12(5)"), RefusalGround::Art12_5);
        assert_eq!(RefusalGround::of_reason("art. 17 (3) (b) bokföringslagen"), RefusalGround::Art17_3B);
        assert_eq!(RefusalGround::of_reason("Art. 17(3)(e): the claim is disputed"), RefusalGround::Art17_3E);
        assert_eq!(
            RefusalGround::of_reason("Identiteten kunde inte fastställas"),
            RefusalGround::IdentityNotEstablished
        );
        assert_eq!(RefusalGround::of_reason("no reason we can name"), RefusalGround::Other);
    }

    #[test]
    fn spread_median_p90_max() {
        let s = DaySpread::of(vec![10, 1, 2, 3, 4, 5, 6, 7, 8, 9]).unwrap();
        assert_eq!(s.median, 5.5);
        assert_eq!(s.p90, 9);
        assert_eq!(s.max, 10);
        assert_eq!(DaySpread::of(vec![]), None);
    }

    #[test]
    fn a_year_has_twelve_months_cut_to_the_period() {
        let months = Period::year(2026).unwrap().months();
        assert_eq!(months.len(), 12);
        assert_eq!(months[1].1, Period { from: day(2026, 2, 1), to: day(2026, 2, 28) });
        let short = Period::new(day(2026, 1, 15), day(2026, 3, 10)).unwrap().months();
        assert_eq!(
            short.iter().map(|(m, _)| m.as_str()).collect::<Vec<_>>(),
            ["2026-01", "2026-02", "2026-03"]
        );
        assert_eq!(short[0].1.from, day(2026, 1, 15));
        assert_eq!(short[2].1.to, day(2026, 3, 10));
    }

    fn answered(received_on: NaiveDate, on: NaiveDate) -> RequestHistory {
        RequestHistory {
            kind: RequestKind::Access,
            jurisdiction: Jurisdiction::Sweden,
            channel: Some("email".into()),
            received_on,
            closed: Some(Closing { status: RequestStatus::Answered, on, reason: None }),
            extended: None,
            paused_on: vec![],
            resumed: vec![],
            operator: Some("alice".into()),
        }
    }

    #[test]
    fn received_5_march_answered_on_the_due_day_5_april_is_on_time_the_day_after_is_late() {
        // EDPB 01/2022 §160: received 5 March, due 5 April. 2027-04-05 is a Monday, a working day.
        let calendar = |j| WorkingCalendar::new(j);
        let target = |_| 30;
        let controllers = Controllers { calendar: &calendar, internal_target_days: &target };
        let histories =
            [answered(day(2027, 3, 5), day(2027, 4, 5)), answered(day(2027, 3, 5), day(2027, 4, 6))];
        let r = report(&histories, Period::year(2027).unwrap(), day(2028, 1, 1), &controllers);
        assert_eq!(r.total.answered, 2);
        assert_eq!(r.total.answered_on_time, 1);
        // 30 days after 5 March is 4 April: both answers miss the internal target.
        assert_eq!(r.total.answered_within_target, 0);
        assert_eq!(r.by_month["2027-04"].answered, 2);
        assert_eq!(r.by_month["2027-03"].received, 2);
    }

    #[test]
    fn while_the_period_runs_open_and_overdue_are_counted_today_and_not_in_months_to_come() {
        let calendar = |j| WorkingCalendar::new(j);
        let target = |_| 30;
        let controllers = Controllers { calendar: &calendar, internal_target_days: &target };
        // Received 2 Feb 2026, due 2 Mar (a Monday); still open on 10 Mar: overdue today.
        let mut open = answered(day(2026, 2, 2), day(2026, 2, 2));
        open.closed = None;
        let r = report(&[open], Period::year(2026).unwrap(), day(2026, 3, 10), &controllers);
        assert_eq!((r.total.open_at_end, r.total.overdue_at_end), (1, 1));
        assert_eq!((r.by_month["2026-02"].open_at_end, r.by_month["2026-02"].overdue_at_end), (1, 0));
        assert_eq!((r.by_month["2026-03"].open_at_end, r.by_month["2026-03"].overdue_at_end), (1, 1));
        assert_eq!(r.by_month["2026-04"].open_at_end, 0);
    }
}
