//! The erasure plan (GDPR Art. 17): for every row of a subject's data, erase it now, or keep it —
//! restricted (Art. 18(1)) — with the holds that keep it and the day it may go.
//!
//! Pure: the caller reads the rows and their facts through the data map and passes `today`.

use super::Jurisdiction;
use super::holds::{self, Hold, HoldKind, RecordFacts, RetentionPolicy};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How a source's rows are erased once no hold keeps them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EraseMethod {
    /// Delete the rows.
    Delete,
    /// Set the identifying columns to NULL; the row stays (e.g. a case kept for statistics).
    Anonymise,
    /// The data cannot be erased from here (another system, a backup): restrict it and say so.
    Restrict,
}

/// What happens to one row.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum RowAction {
    /// No hold applies: erased now by the source's method.
    Erase { method: EraseMethod },
    /// Held: restricted now, erasable from `erasable_from` (`None`: when an event happens).
    Keep { holds: Vec<HoldEntry>, erasable_from: Option<NaiveDate> },
    /// Held as processor for a client (Art. 28): the client decides; the request is forwarded.
    Forward { client: String },
}

/// One hold on a kept row, as the plan shows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct HoldEntry {
    pub kind: HoldKind,
    pub article: String,
    pub rule: String,
    /// The last day it holds; `None` until an event (payment, end of proceedings).
    pub held_until: Option<NaiveDate>,
}

impl From<&Hold> for HoldEntry {
    fn from(h: &Hold) -> Self {
        HoldEntry {
            kind: h.kind,
            article: h.article().to_string(),
            rule: h.kind.source().to_string(),
            held_until: h.held_until,
        }
    }
}

/// One row's facts as read through the data map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFacts {
    pub row_id: String,
    pub claim_open: bool,
    pub at_enforcement_or_court: bool,
    pub case_closed_on: Option<NaiveDate>,
    pub paid_in_full_on: Option<NaiveDate>,
    pub financial_year_end: Option<NaiveDate>,
    pub relationship_ended: Option<NaiveDate>,
    pub processor_client: Option<String>,
    pub restricted: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedRow {
    pub row_id: String,
    #[serde(flatten)]
    pub action: RowAction,
    /// Already restricted before this plan.
    pub restricted: bool,
}

/// Rows of one source that are treated alike, for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowGroup {
    pub rows: usize,
    #[serde(flatten)]
    pub action: RowAction,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourcePlan {
    pub source: String,
    pub title: String,
    pub person_id: String,
    pub rows: Vec<PlannedRow>,
}

impl SourcePlan {
    /// The rows grouped by what happens to them, erasures first, then by lapse date.
    pub fn groups(&self) -> Vec<RowGroup> {
        let mut counts: BTreeMap<&RowAction, usize> = BTreeMap::new();
        for r in &self.rows {
            *counts.entry(&r.action).or_default() += 1;
        }
        counts.into_iter().map(|(action, rows)| RowGroup { rows, action: action.clone() }).collect()
    }
}

/// The plan for one erasure request over all its linked persons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErasurePlan {
    pub today: NaiveDate,
    pub sources: Vec<SourcePlan>,
}

/// A dated hold on a group of rows of one person in one source, recorded when a plan was carried
/// out: one entry per (source, person, hold, last day), whatever the number of rows it keeps.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "RecordedHoldSpec")]
pub struct RecordedHold {
    pub source: String,
    pub person_id: String,
    pub kind: HoldKind,
    pub held_until: NaiveDate,
    /// The rows it keeps (their `row_id`s), in order.
    pub rows: Vec<String>,
}

/// The stored forms: a group, or one row (as erasures carried out before the grouping recorded).
#[derive(Deserialize)]
#[serde(untagged)]
enum RecordedHoldSpec {
    Group { source: String, person_id: String, kind: HoldKind, held_until: NaiveDate, rows: Vec<String> },
    Row { source: String, person_id: String, row_id: String, kind: HoldKind, held_until: NaiveDate },
}

impl From<RecordedHoldSpec> for RecordedHold {
    fn from(spec: RecordedHoldSpec) -> RecordedHold {
        match spec {
            RecordedHoldSpec::Group { source, person_id, kind, held_until, rows } => {
                RecordedHold { source, person_id, kind, held_until, rows }
            }
            RecordedHoldSpec::Row { source, person_id, row_id, kind, held_until } => {
                RecordedHold { source, person_id, kind, held_until, rows: vec![row_id] }
            }
        }
    }
}

/// When the follow-up erasure is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "on", rename_all = "snake_case")]
pub enum FollowUp {
    /// Nothing is kept: no follow-up.
    None,
    /// The day the last dated hold lapses (the first day everything kept may go).
    On(NaiveDate),
    /// A hold lasts until an event (an open claim, proceedings): re-examined daily.
    WhenEventsAllow,
}

impl ErasurePlan {
    pub fn rows(&self) -> impl Iterator<Item = (&SourcePlan, &PlannedRow)> {
        self.sources.iter().flat_map(|s| s.rows.iter().map(move |r| (s, r)))
    }

    pub fn erase_count(&self) -> usize {
        self.rows().filter(|(_, r)| matches!(r.action, RowAction::Erase { .. })).count()
    }

    pub fn keep_count(&self) -> usize {
        self.rows().filter(|(_, r)| matches!(r.action, RowAction::Keep { .. })).count()
    }

    /// The clients to forward to: data held as their processor.
    pub fn forward_to(&self) -> Vec<String> {
        let mut clients: Vec<String> = self
            .rows()
            .filter_map(|(_, r)| match &r.action {
                RowAction::Forward { client } => Some(client.clone()),
                _ => None,
            })
            .collect();
        clients.sort();
        clients.dedup();
        clients
    }

    /// Every distinct day a kept row becomes erasable, in order: a follow-up is due on each, so
    /// each record is erased on the day its own hold lapses (DOMAIN "What blocks erasure").
    pub fn follow_up_dates(&self) -> Vec<NaiveDate> {
        let mut dates: Vec<NaiveDate> = self
            .rows()
            .filter_map(|(_, r)| match &r.action {
                RowAction::Keep { erasable_from: Some(d), .. } => Some(*d),
                _ => None,
            })
            .collect();
        dates.sort();
        dates.dedup();
        dates
    }

    /// Some kept row waits for an event (payment, end of proceedings): re-examined daily.
    pub fn waits_for_events(&self) -> bool {
        self.rows().any(|(_, r)| matches!(r.action, RowAction::Keep { erasable_from: None, .. }))
    }

    /// Dated holds recorded when an earlier plan was carried out still hold their rows: a hold
    /// belongs to the record the law names, and erasing one record (a Finnish voucher after six
    /// years) never frees another whose own hold still runs (the person's identity in the books,
    /// ten years), even when the fact the hold was computed from went with the erased record.
    pub fn keep_recorded_holds(&mut self, recorded: &[RecordedHold]) {
        let today = self.today;
        let mut by_row: BTreeMap<(&str, &str, &str), Vec<&RecordedHold>> = BTreeMap::new();
        for h in recorded.iter().filter(|h| today <= h.held_until) {
            for row in &h.rows {
                by_row.entry((&h.source, &h.person_id, row)).or_default().push(h);
            }
        }
        if by_row.is_empty() {
            return;
        }
        for sp in &mut self.sources {
            for row in &mut sp.rows {
                let Some(mine) =
                    by_row.get(&(sp.source.as_str(), sp.person_id.as_str(), row.row_id.as_str()))
                else {
                    continue;
                };
                let (mut holds, mut erasable_from) = match &row.action {
                    RowAction::Forward { .. } => continue,
                    RowAction::Erase { .. } => (Vec::new(), Some(today)),
                    RowAction::Keep { holds, erasable_from } => (holds.clone(), *erasable_from),
                };
                for h in mine.iter().copied() {
                    let entry = HoldEntry {
                        kind: h.kind,
                        article: h.kind.article().to_string(),
                        rule: h.kind.source().to_string(),
                        held_until: Some(h.held_until),
                    };
                    if !holds.contains(&entry) {
                        holds.push(entry);
                    }
                    let from = h.held_until.succ_opt().expect("date in range");
                    erasable_from = erasable_from.map(|d| d.max(from));
                }
                if holds.iter().any(|h| h.held_until.is_none()) {
                    erasable_from = None;
                }
                row.action = RowAction::Keep { holds, erasable_from };
            }
        }
    }

    /// The dated holds of the kept rows, to record when the plan is carried out: one entry per
    /// source, person, hold and last day, naming the rows it keeps (so the record grows with the
    /// distinct lapse days, not with one entry per row and hold).
    pub fn dated_holds(&self) -> Vec<RecordedHold> {
        let mut groups: BTreeMap<(&str, &str, HoldKind, NaiveDate), Vec<String>> = BTreeMap::new();
        for (sp, r) in self.rows() {
            if let RowAction::Keep { holds, .. } = &r.action {
                for h in holds {
                    if let Some(held_until) = h.held_until {
                        groups
                            .entry((&sp.source, &sp.person_id, h.kind, held_until))
                            .or_default()
                            .push(r.row_id.clone());
                    }
                }
            }
        }
        groups
            .into_iter()
            .map(|((source, person_id, kind, held_until), rows)| RecordedHold {
                source: source.to_string(),
                person_id: person_id.to_string(),
                kind,
                held_until,
                rows,
            })
            .collect()
    }

    /// The follow-up erasure: the day the last hold lapses, over every kept row.
    pub fn follow_up(&self) -> FollowUp {
        let mut latest: Option<NaiveDate> = None;
        for (_, r) in self.rows() {
            if let RowAction::Keep { erasable_from, .. } = &r.action {
                match erasable_from {
                    None => return FollowUp::WhenEventsAllow,
                    Some(d) => latest = latest.max(Some(*d)),
                }
            }
        }
        latest.map_or(FollowUp::None, FollowUp::On)
    }
}

/// Decide one row. `processor_client` wins: data held for a client is never ours to erase.
pub fn plan_row(
    facts: &RowFacts,
    class: holds::RecordClass,
    method: EraseMethod,
    jurisdiction: Jurisdiction,
    policy: RetentionPolicy,
    today: NaiveDate,
) -> PlannedRow {
    let record = RecordFacts {
        class,
        jurisdiction,
        processor_role: facts.processor_client.is_some(),
        claim_open: facts.claim_open,
        at_enforcement_or_court: facts.at_enforcement_or_court,
        case_closed_on: facts.case_closed_on,
        paid_in_full_on: facts.paid_in_full_on,
        financial_year_end: facts.financial_year_end,
        relationship_ended: facts.relationship_ended,
    };
    let action = if let Some(client) = &facts.processor_client {
        RowAction::Forward { client: client.clone() }
    } else {
        let decision = holds::decide(&record, policy, today);
        if decision.erase_now() {
            RowAction::Erase { method }
        } else {
            RowAction::Keep {
                holds: decision.holds.iter().map(HoldEntry::from).collect(),
                erasable_from: decision.erasable_from,
            }
        }
    };
    PlannedRow { row_id: facts.row_id.clone(), action, restricted: facts.restricted }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::holds::RecordClass;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn row(id: &str) -> RowFacts {
        RowFacts {
            row_id: id.into(),
            claim_open: false,
            at_enforcement_or_court: false,
            case_closed_on: None,
            paid_in_full_on: None,
            financial_year_end: None,
            relationship_ended: None,
            processor_client: None,
            restricted: false,
        }
    }

    const POLICY: RetentionPolicy = RetentionPolicy {
        months_after_case_closed: Some(36),
        months_after_full_payment: None,
        ground: Some(holds::PolicyGround::LegalClaims),
    };

    fn plan_of(rows: Vec<PlannedRow>, today: NaiveDate) -> ErasurePlan {
        ErasurePlan {
            today,
            sources: vec![SourcePlan { source: "s".into(), title: "S".into(), person_id: "1".into(), rows }],
        }
    }

    #[test]
    fn marketing_row_is_erased_even_while_a_claim_is_open() {
        let f = RowFacts { claim_open: true, ..row("1") };
        let p = plan_row(
            &f,
            RecordClass::Marketing,
            EraseMethod::Delete,
            Jurisdiction::Sweden,
            POLICY,
            d(2026, 11, 21),
        );
        assert_eq!(p.action, RowAction::Erase { method: EraseMethod::Delete });
    }

    #[test]
    fn spare_phone_number_is_erased_while_a_claim_is_open() {
        let f = RowFacts { claim_open: true, ..row("1") };
        let p = plan_row(
            &f,
            RecordClass::Contact,
            EraseMethod::Delete,
            Jurisdiction::Sweden,
            POLICY,
            d(2026, 11, 21),
        );
        assert!(matches!(p.action, RowAction::Erase { .. }));
    }

    #[test]
    fn processor_data_is_forwarded_with_the_client_named() {
        let f = RowFacts { processor_client: Some("Kund AB".into()), ..row("1") };
        let p = plan_row(
            &f,
            RecordClass::Claim,
            EraseMethod::Anonymise,
            Jurisdiction::Sweden,
            POLICY,
            d(2026, 11, 21),
        );
        assert_eq!(p.action, RowAction::Forward { client: "Kund AB".into() });
        assert_eq!(plan_of(vec![p], d(2026, 11, 21)).forward_to(), vec!["Kund AB".to_string()]);
    }

    #[test]
    fn follow_up_is_the_day_after_the_latest_hold_lapses() {
        // Case closed 2024-03-15: policy holds through 2027-03-15. Voucher of FY 2020: through
        // 2027-12-31. The follow-up is 1 Jan 2028.
        let today = d(2026, 11, 21);
        let case = RowFacts { case_closed_on: Some(d(2024, 3, 15)), ..row("c") };
        let voucher = RowFacts { financial_year_end: Some(d(2020, 12, 31)), ..row("v") };
        let rows = vec![
            plan_row(&case, RecordClass::Claim, EraseMethod::Anonymise, Jurisdiction::Sweden, POLICY, today),
            plan_row(
                &voucher,
                RecordClass::AccountingVoucher,
                EraseMethod::Delete,
                Jurisdiction::Sweden,
                POLICY,
                today,
            ),
        ];
        let plan = plan_of(rows, today);
        assert_eq!(plan.follow_up(), FollowUp::On(d(2028, 1, 1)));
        assert_eq!(plan.keep_count(), 2);
    }

    #[test]
    fn an_open_claim_makes_the_follow_up_wait_for_the_event() {
        let today = d(2026, 11, 21);
        let f = RowFacts { claim_open: true, ..row("c") };
        let plan = plan_of(
            vec![plan_row(
                &f,
                RecordClass::Claim,
                EraseMethod::Anonymise,
                Jurisdiction::Finland,
                POLICY,
                today,
            )],
            today,
        );
        assert_eq!(plan.follow_up(), FollowUp::WhenEventsAllow);
    }

    #[test]
    fn nothing_kept_means_no_follow_up() {
        let today = d(2026, 11, 21);
        let plan = plan_of(
            vec![plan_row(
                &row("m"),
                RecordClass::Marketing,
                EraseMethod::Delete,
                Jurisdiction::Sweden,
                POLICY,
                today,
            )],
            today,
        );
        assert_eq!(plan.follow_up(), FollowUp::None);
        assert_eq!(plan.erase_count(), 1);
    }

    #[test]
    fn case_closed_36_months_ago_held_on_the_last_day_erased_the_next() {
        // Seed 001: 36 months after the case closed. Closed 2023-11-21: held through 2026-11-21.
        let f = RowFacts { case_closed_on: Some(d(2023, 11, 21)), ..row("c") };
        let on_last_day = plan_row(
            &f,
            RecordClass::Claim,
            EraseMethod::Anonymise,
            Jurisdiction::Sweden,
            POLICY,
            d(2026, 11, 21),
        );
        assert!(
            matches!(on_last_day.action, RowAction::Keep { erasable_from: Some(x), .. } if x == d(2026, 11, 22))
        );
        let next_day = plan_row(
            &f,
            RecordClass::Claim,
            EraseMethod::Anonymise,
            Jurisdiction::Sweden,
            POLICY,
            d(2026, 11, 22),
        );
        assert!(matches!(next_day.action, RowAction::Erase { .. }));
    }

    #[test]
    fn finnish_books_hold_recorded_at_execute_outlives_the_erased_voucher() {
        // KPL 2:10: identity of a payer of FY ending 2018-04-30 is in the books through
        // 2028-04-30. Once the voucher is erased the identity row's facts no longer show the
        // financial year; the hold recorded when the plan was carried out still keeps it.
        let today = d(2026, 11, 21);
        let identity = RowFacts { financial_year_end: Some(d(2018, 4, 30)), ..row("6") };
        let first = plan_of(
            vec![plan_row(
                &identity,
                RecordClass::Identity,
                EraseMethod::Anonymise,
                Jurisdiction::Finland,
                POLICY,
                today,
            )],
            today,
        );
        let recorded = first.dated_holds();
        assert_eq!(recorded.len(), 1);
        let mut replan = plan_of(
            vec![plan_row(
                &row("6"),
                RecordClass::Identity,
                EraseMethod::Anonymise,
                Jurisdiction::Finland,
                POLICY,
                today,
            )],
            today,
        );
        assert_eq!(replan.erase_count(), 1, "without the record the facts free it");
        replan.keep_recorded_holds(&recorded);
        assert_eq!(replan.follow_up_dates(), vec![d(2028, 5, 1)]);
        assert_eq!(replan.sources, first.sources);
        // On the day after the books' last day the recorded hold no longer applies.
        let mut later = plan_of(
            vec![plan_row(
                &row("6"),
                RecordClass::Identity,
                EraseMethod::Anonymise,
                Jurisdiction::Finland,
                POLICY,
                d(2028, 5, 1),
            )],
            d(2028, 5, 1),
        );
        later.keep_recorded_holds(&recorded);
        assert_eq!(later.erase_count(), 1);
    }

    #[test]
    fn dated_holds_are_one_entry_per_source_hold_and_day_and_old_per_row_records_still_read() {
        // BFL 7:2: 300 vouchers of FY 2020 and FY 2021 → two entries, however many rows.
        let today = d(2026, 11, 21);
        let rows = (0..300)
            .map(|i| {
                let f = RowFacts { financial_year_end: Some(d(2020 + i % 2, 12, 31)), ..row(&i.to_string()) };
                plan_row(
                    &f,
                    RecordClass::AccountingVoucher,
                    EraseMethod::Delete,
                    Jurisdiction::Sweden,
                    POLICY,
                    today,
                )
            })
            .collect();
        let plan = plan_of(rows, today);
        let recorded = plan.dated_holds();
        assert_eq!(recorded.len(), 2);
        assert_eq!(recorded.iter().map(|h| h.rows.len()).sum::<usize>(), 300);
        let json = serde_json::to_value(&recorded).unwrap();
        let back: Vec<RecordedHold> = serde_json::from_value(json).unwrap();
        assert_eq!(back, recorded);
        // An erasure recorded before the grouping: one object per row.
        let old = serde_json::json!([{"source": "s", "person_id": "1", "row_id": "7",
                                      "kind": "bookkeeping_sweden", "held_until": "2027-12-31"}]);
        let old: Vec<RecordedHold> = serde_json::from_value(old).unwrap();
        assert_eq!(old[0].rows, vec!["7".to_string()]);
        assert_eq!(old[0].held_until, d(2027, 12, 31));
    }

    #[test]
    fn follow_up_dates_are_each_distinct_lapse_day_in_order() {
        let today = d(2026, 11, 21);
        let rows = [(2020, "a"), (2018, "b"), (2020, "c"), (2019, "d")]
            .iter()
            .map(|(y, id)| {
                let f = RowFacts { financial_year_end: Some(d(*y, 12, 31)), ..row(id) };
                plan_row(
                    &f,
                    RecordClass::AccountingVoucher,
                    EraseMethod::Delete,
                    Jurisdiction::Sweden,
                    POLICY,
                    today,
                )
            })
            .collect();
        // BFL 7:2: FY 2018 → 2026-01-01 (already free), 2019 → 2027-01-01, 2020 → 2028-01-01.
        assert_eq!(plan_of(rows, today).follow_up_dates(), vec![d(2027, 1, 1), d(2028, 1, 1)]);
    }

    #[test]
    fn groups_count_rows_treated_alike() {
        let today = d(2026, 11, 21);
        let rows: Vec<PlannedRow> = (0..5)
            .map(|i| {
                let f = RowFacts { financial_year_end: Some(d(2020 + i % 2, 12, 31)), ..row(&i.to_string()) };
                plan_row(
                    &f,
                    RecordClass::AccountingVoucher,
                    EraseMethod::Delete,
                    Jurisdiction::Sweden,
                    POLICY,
                    today,
                )
            })
            .collect();
        let groups = plan_of(rows, today).sources[0].groups();
        assert_eq!(groups.iter().map(|g| g.rows).collect::<Vec<_>>(), vec![3, 2]);
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn date() -> impl Strategy<Value = NaiveDate> {
            (0i64..9000).prop_map(|d| d_(2000, 1, 1) + chrono::Days::new(d as u64))
        }
        fn d_(y: i32, m: u32, day: u32) -> NaiveDate {
            NaiveDate::from_ymd_opt(y, m, day).unwrap()
        }
        fn class() -> impl Strategy<Value = RecordClass> {
            prop_oneof![
                Just(RecordClass::Identity),
                Just(RecordClass::Claim),
                Just(RecordClass::AccountingVoucher),
                Just(RecordClass::AccountingBook),
                Just(RecordClass::Correspondence),
                Just(RecordClass::AmlCheck),
                Just(RecordClass::Contact),
                Just(RecordClass::Marketing),
                Just(RecordClass::CreditLookup),
            ]
        }
        prop_compose! {
            fn facts()(claim_open in any::<bool>(), court in any::<bool>(),
                       closed in proptest::option::of(date()), paid in proptest::option::of(date()),
                       fy in proptest::option::of(date()), ended in proptest::option::of(date()))
                       -> RowFacts {
                RowFacts { claim_open, at_enforcement_or_court: court, case_closed_on: closed,
                           paid_in_full_on: paid, financial_year_end: fy, relationship_ended: ended,
                           ..row("r") }
            }
        }

        proptest! {
            /// A kept row names at least one hold; its erasure date is after today; and on that
            /// date the same facts give an erasure — never a day early, never a day late.
            #[test]
            fn a_kept_row_is_erased_exactly_on_its_erasable_date(
                f in facts(), c in class(), sweden in any::<bool>(), today in date(),
                closed_months in proptest::option::of(1u32..60), paid_months in proptest::option::of(1u32..60),
            ) {
                let j = if sweden { Jurisdiction::Sweden } else { Jurisdiction::Finland };
                let policy = RetentionPolicy { months_after_case_closed: closed_months, months_after_full_payment: paid_months, ground: Some(holds::PolicyGround::LegalClaims) };
                let planned = plan_row(&f, c, EraseMethod::Delete, j, policy, today);
                if let RowAction::Keep { holds, erasable_from } = planned.action {
                    prop_assert!(!holds.is_empty());
                    if let Some(day) = erasable_from {
                        prop_assert!(day > today);
                        let before = plan_row(&f, c, EraseMethod::Delete, j, policy, day.pred_opt().unwrap());
                        let kept_before = matches!(before.action, RowAction::Keep { .. });
                        prop_assert!(kept_before, "erasable a day early");
                        let on = plan_row(&f, c, EraseMethod::Delete, j, policy, day);
                        let erased_on = matches!(on.action, RowAction::Erase { .. });
                        prop_assert!(erased_on, "still kept on {}", day);
                    } else {
                        prop_assert!(holds.iter().any(|h| h.held_until.is_none()));
                    }
                }
            }

            /// Marketing is never held (Art. 21(3)), whatever the other facts.
            #[test]
            fn marketing_is_never_kept(f in facts(), today in date()) {
                let policy = RetentionPolicy { months_after_case_closed: Some(36), months_after_full_payment: Some(12), ground: Some(holds::PolicyGround::LegalClaims) };
                let planned = plan_row(&f, RecordClass::Marketing, EraseMethod::Delete, Jurisdiction::Sweden, policy, today);
                prop_assert!(matches!(planned.action, RowAction::Erase { .. }), "marketing kept");
            }
        }
    }
}
