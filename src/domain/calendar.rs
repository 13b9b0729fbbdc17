//! Public holidays of Sweden and Finland, computed for any year.
//!
//! Used by the deadline rule of Reg. 1182/71 art. 3(4): a period whose last day is a
//! Saturday, Sunday or public holiday ends at the end of the next working day.

use super::Jurisdiction;
use chrono::{Datelike, Days, NaiveDate, Weekday};

/// Easter Sunday by the anonymous Gregorian algorithm (Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a valid date")
}

/// The Saturday that falls within `month`/`first_day` ..= +6 days.
fn saturday_on_or_after(year: i32, month: u32, first_day: u32) -> NaiveDate {
    let start = NaiveDate::from_ymd_opt(year, month, first_day).expect("valid anchor date");
    let offset = (Weekday::Sat.num_days_from_monday() + 7 - start.weekday().num_days_from_monday()) % 7;
    start + Days::new(offset as u64)
}

/// What makes a day a holiday, for display and for tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holiday {
    NewYearsDay,
    Epiphany,
    GoodFriday,
    EasterSunday,
    EasterMonday,
    MayDay,
    AscensionDay,
    PentecostSunday,
    SwedishNationalDay,
    MidsummerDay,
    AllSaintsDay,
    FinnishIndependenceDay,
    ChristmasDay,
    BoxingDay,
    // Eves: not statutory holidays; only counted when the controller is configured so.
    MidsummerEve,
    ChristmasEve,
    NewYearsEve,
}

impl Holiday {
    pub fn is_eve(self) -> bool {
        matches!(self, Holiday::MidsummerEve | Holiday::ChristmasEve | Holiday::NewYearsEve)
    }

    pub fn english_name(self) -> &'static str {
        match self {
            Holiday::NewYearsDay => "New Year's Day",
            Holiday::Epiphany => "Epiphany",
            Holiday::GoodFriday => "Good Friday",
            Holiday::EasterSunday => "Easter Sunday",
            Holiday::EasterMonday => "Easter Monday",
            Holiday::MayDay => "May Day",
            Holiday::AscensionDay => "Ascension Day",
            Holiday::PentecostSunday => "Pentecost",
            Holiday::SwedishNationalDay => "National Day of Sweden",
            Holiday::MidsummerDay => "Midsummer Day",
            Holiday::AllSaintsDay => "All Saints' Day",
            Holiday::FinnishIndependenceDay => "Independence Day",
            Holiday::ChristmasDay => "Christmas Day",
            Holiday::BoxingDay => "Boxing Day",
            Holiday::MidsummerEve => "Midsummer Eve",
            Holiday::ChristmasEve => "Christmas Eve",
            Holiday::NewYearsEve => "New Year's Eve",
        }
    }
}

/// The public holidays of one year, eves included (callers filter them by configuration).
/// Sweden: lag (1989:253) om allmänna helgdagar. Finland: the statutory holidays listed in DOMAIN.md.
pub fn holidays(jurisdiction: Jurisdiction, year: i32) -> Vec<(NaiveDate, Holiday)> {
    let date = |m, d| NaiveDate::from_ymd_opt(year, m, d).expect("fixed holiday date");
    let easter = easter_sunday(year);
    let midsummer_day = saturday_on_or_after(year, 6, 20);
    let mut days = vec![
        (date(1, 1), Holiday::NewYearsDay),
        (date(1, 6), Holiday::Epiphany),
        (easter - Days::new(2), Holiday::GoodFriday),
        (easter, Holiday::EasterSunday),
        (easter + Days::new(1), Holiday::EasterMonday),
        (date(5, 1), Holiday::MayDay),
        (easter + Days::new(39), Holiday::AscensionDay),
        (easter + Days::new(49), Holiday::PentecostSunday),
        (midsummer_day, Holiday::MidsummerDay),
        (saturday_on_or_after(year, 10, 31), Holiday::AllSaintsDay),
        (date(12, 25), Holiday::ChristmasDay),
        (date(12, 26), Holiday::BoxingDay),
        (midsummer_day - Days::new(1), Holiday::MidsummerEve),
        (date(12, 24), Holiday::ChristmasEve),
        (date(12, 31), Holiday::NewYearsEve),
    ];
    match jurisdiction {
        Jurisdiction::Sweden => days.push((date(6, 6), Holiday::SwedishNationalDay)),
        Jurisdiction::Finland => days.push((date(12, 6), Holiday::FinnishIndependenceDay)),
    }
    days.sort_by_key(|(d, _)| *d);
    days
}

/// A country's working-day calendar, with the controller's choice about eves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingCalendar {
    pub jurisdiction: Jurisdiction,
    /// Eves (midsommarafton, julafton, nyårsafton) are not statutory holidays. Treating them as
    /// working days gives the earlier, safe deadline, so this is off unless configured.
    pub eves_are_holidays: bool,
}

impl WorkingCalendar {
    pub fn new(jurisdiction: Jurisdiction) -> Self {
        WorkingCalendar { jurisdiction, eves_are_holidays: false }
    }

    /// The holiday on `day`, if any (weekends are not listed here).
    pub fn holiday_on(&self, day: NaiveDate) -> Option<Holiday> {
        holidays(self.jurisdiction, day.year())
            .into_iter()
            .find(|(d, h)| *d == day && (self.eves_are_holidays || !h.is_eve()))
            .map(|(_, h)| h)
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && self.holiday_on(day).is_none()
    }

    /// Reg. 1182/71 art. 3(4): `day` itself when it is a working day, else the next working day.
    pub fn roll_to_working_day(&self, day: NaiveDate) -> NaiveDate {
        let mut d = day;
        while !self.is_working_day(d) {
            d = d.succ_opt().expect("date within chrono's range");
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_sundays_given_in_domain_doc() {
        assert_eq!(easter_sunday(2026), d(2026, 4, 5));
        assert_eq!(easter_sunday(2027), d(2027, 3, 28));
        assert_eq!(easter_sunday(2028), d(2028, 4, 16));
    }

    #[test]
    fn easter_sundays_of_other_years() {
        // Edge years of the algorithm: earliest (22 March) and latest (25 April) Easters.
        assert_eq!(easter_sunday(2285), d(2285, 3, 22));
        assert_eq!(easter_sunday(2038), d(2038, 4, 25));
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2000), d(2000, 4, 23));
    }

    fn holiday(j: Jurisdiction, day: NaiveDate) -> Option<Holiday> {
        WorkingCalendar::new(j).holiday_on(day)
    }

    #[test]
    fn each_swedish_holiday_of_2026() {
        use Holiday::*;
        let se = Jurisdiction::Sweden;
        let expected = [
            (d(2026, 1, 1), NewYearsDay),
            (d(2026, 1, 6), Epiphany),
            (d(2026, 4, 3), GoodFriday),
            (d(2026, 4, 5), EasterSunday),
            (d(2026, 4, 6), EasterMonday),
            (d(2026, 5, 1), MayDay),
            (d(2026, 5, 14), AscensionDay),
            (d(2026, 5, 24), PentecostSunday),
            (d(2026, 6, 6), SwedishNationalDay),
            (d(2026, 6, 20), MidsummerDay),
            (d(2026, 10, 31), AllSaintsDay),
            (d(2026, 12, 25), ChristmasDay),
            (d(2026, 12, 26), BoxingDay),
        ];
        for (day, h) in expected {
            assert_eq!(holiday(se, day), Some(h), "{day}");
        }
        // Finland's Independence Day is not a Swedish holiday.
        assert_eq!(holiday(se, d(2026, 12, 6)), None);
        let statutory: Vec<_> = holidays(se, 2026).into_iter().filter(|(_, h)| !h.is_eve()).collect();
        assert_eq!(statutory.len(), expected.len());
    }

    #[test]
    fn each_finnish_holiday_of_2027() {
        use Holiday::*;
        let fi = Jurisdiction::Finland;
        let expected = [
            (d(2027, 1, 1), NewYearsDay),
            (d(2027, 1, 6), Epiphany),
            (d(2027, 3, 26), GoodFriday),
            (d(2027, 3, 28), EasterSunday),
            (d(2027, 3, 29), EasterMonday),
            (d(2027, 5, 1), MayDay),
            (d(2027, 5, 6), AscensionDay),
            (d(2027, 5, 16), PentecostSunday),
            (d(2027, 6, 26), MidsummerDay),
            (d(2027, 11, 6), AllSaintsDay),
            (d(2027, 12, 6), FinnishIndependenceDay),
            (d(2027, 12, 25), ChristmasDay),
            (d(2027, 12, 26), BoxingDay),
        ];
        for (day, h) in expected {
            assert_eq!(holiday(fi, day), Some(h), "{day}");
        }
        // Sweden's National Day is a Finnish working day.
        assert_eq!(holiday(fi, d(2027, 6, 6)), None);
    }

    #[test]
    fn midsummer_day_is_the_saturday_between_20_and_26_june() {
        for year in 1990..2100 {
            let (day, _) = holidays(Jurisdiction::Sweden, year)
                .into_iter()
                .find(|(_, h)| *h == Holiday::MidsummerDay)
                .unwrap();
            assert_eq!(day.weekday(), Weekday::Sat);
            assert!((20..=26).contains(&day.day()) && day.month() == 6, "{day}");
        }
    }

    #[test]
    fn all_saints_day_is_the_saturday_between_31_oct_and_6_nov() {
        for year in 1990..2100 {
            let (day, _) = holidays(Jurisdiction::Finland, year)
                .into_iter()
                .find(|(_, h)| *h == Holiday::AllSaintsDay)
                .unwrap();
            assert_eq!(day.weekday(), Weekday::Sat);
            assert!(day >= d(year, 10, 31) && day <= d(year, 11, 6), "{day}");
        }
    }

    #[test]
    fn eves_are_working_days_by_default() {
        let cal = WorkingCalendar::new(Jurisdiction::Sweden);
        // 24 Dec 2026 is a Thursday; 31 Dec 2026 a Thursday; midsummer eve 19 June 2026 a Friday.
        assert!(cal.is_working_day(d(2026, 12, 24)));
        assert!(cal.is_working_day(d(2026, 12, 31)));
        assert!(cal.is_working_day(d(2026, 6, 19)));
        let strict = WorkingCalendar { eves_are_holidays: true, ..cal };
        assert!(!strict.is_working_day(d(2026, 12, 24)));
        assert!(!strict.is_working_day(d(2026, 6, 19)));
    }

    #[test]
    fn roll_skips_weekend_and_easter() {
        let cal = WorkingCalendar::new(Jurisdiction::Sweden);
        // Good Friday 3 April 2026 -> Sat, Easter Sunday, Easter Monday -> Tuesday 7 April.
        assert_eq!(cal.roll_to_working_day(d(2026, 4, 3)), d(2026, 4, 7));
        assert_eq!(cal.roll_to_working_day(d(2026, 4, 8)), d(2026, 4, 8));
    }
}
