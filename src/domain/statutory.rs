//! The statutory days off known without the State Council's yearly notice: the ones
//! 《全国年节及纪念日放假办法》 (2024 revision, art. 2) fixes by a calendar rule. Used for
//! provisional working days in a year whose notice is not loaded yet
//! ([`super::calendar::WorkCalendar`]); the notice later adds bridge days and 调休.
//!
//! Gregorian: 元旦 1 January, 劳动节 1–2 May, 国庆节 1–3 October. Lunar, computed with
//! `tyme4rs` (6tail's calendar library, astronomical new moons and solar terms):
//! 春节 除夕 to 正月初三, 清明 (the solar term's day), 端午 (五月初五), 中秋 (八月十五).

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use tyme4rs::tyme::lunar::LunarDay;
use tyme4rs::tyme::solar::{SolarDay, SolarTerm};

/// One statutory day off and the festival it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatutoryDay {
    pub date: NaiveDate,
    /// e.g. 春节, 清明节.
    pub name: &'static str,
}

/// Years computed once per process; others (far past or future) on each call.
const CACHED: std::ops::RangeInclusive<i32> = 2000..=2100;
/// Beyond these the lunar tables are not trusted; only the Gregorian days are used.
const LUNAR: std::ops::RangeInclusive<i32> = 1900..=2200;

/// The statutory days off of `year`, in date order.
pub fn days_off(year: i32) -> Vec<StatutoryDay> {
    let mut days = Vec::with_capacity(14);
    let mut add = |date: Option<NaiveDate>, name: &'static str| {
        if let Some(date) = date.filter(|d| d.year() == year) {
            days.push(StatutoryDay { date, name });
        }
    };
    let ymd = |m: u32, d: u32| NaiveDate::from_ymd_opt(year, m, d);
    add(ymd(1, 1), "元旦");
    add(ymd(5, 1), "劳动节");
    add(ymd(5, 2), "劳动节");
    for d in 1..=3 {
        add(ymd(10, d), "国庆节");
    }
    if LUNAR.contains(&year) {
        let y = year as isize;
        if let Some(new_year) = lunar(y, 1, 1) {
            // 除夕 is the last day of the twelfth month, whether it has 29 or 30 days.
            for offset in -1..=2 {
                add(
                    new_year.checked_add_signed(chrono::TimeDelta::days(offset)),
                    "春节",
                );
            }
        }
        add(
            SolarTerm::new(y, "清明")
                .ok()
                .and_then(|t| date_of(&t.get_solar_day())),
            "清明节",
        );
        add(lunar(y, 5, 5), "端午节");
        add(lunar(y, 8, 15), "中秋节");
    }
    days.sort_by_key(|d| d.date);
    days
}

/// Whether `d` is a statutory day off (without the notice's bridge days).
pub fn is_day_off(d: NaiveDate) -> bool {
    if CACHED.contains(&d.year()) {
        static TABLE: OnceLock<HashMap<i32, HashSet<NaiveDate>>> = OnceLock::new();
        TABLE
            .get_or_init(|| {
                CACHED
                    .map(|y| (y, days_off(y).into_iter().map(|s| s.date).collect()))
                    .collect()
            })
            .get(&d.year())
            .is_some_and(|days| days.contains(&d))
    } else {
        days_off(d.year()).iter().any(|s| s.date == d)
    }
}

fn lunar(year: isize, month: isize, day: usize) -> Option<NaiveDate> {
    date_of(&LunarDay::new(year, month, day).ok()?.get_solar_day())
}

fn date_of(s: &SolarDay) -> Option<NaiveDate> {
    let year = i32::try_from(s.get_year()).ok()?;
    NaiveDate::from_ymd_opt(year, s.get_month() as u32, s.get_day() as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::{seed_holidays, DayKind};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dates(year: i32, name: &str) -> Vec<NaiveDate> {
        days_off(year)
            .into_iter()
            .filter(|s| s.name == name)
            .map(|s| s.date)
            .collect()
    }

    #[test]
    fn lunar_festivals_of_known_years() {
        // 除夕 … 初三, from the published lunar calendars.
        assert_eq!(
            dates(2027, "春节"),
            vec![d(2027, 2, 5), d(2027, 2, 6), d(2027, 2, 7), d(2027, 2, 8)]
        );
        assert_eq!(dates(2028, "春节")[0], d(2028, 1, 25));
        assert_eq!(dates(2026, "春节")[0], d(2026, 2, 16));
        assert_eq!(dates(2025, "春节")[0], d(2025, 1, 28));
        assert_eq!(dates(2027, "清明节"), vec![d(2027, 4, 5)]);
        assert_eq!(dates(2028, "清明节"), vec![d(2028, 4, 4)]);
        assert_eq!(dates(2027, "端午节"), vec![d(2027, 6, 9)]);
        assert_eq!(dates(2028, "端午节"), vec![d(2028, 5, 28)]);
        assert_eq!(dates(2027, "中秋节"), vec![d(2027, 9, 15)]);
        assert_eq!(dates(2028, "中秋节"), vec![d(2028, 10, 3)]);
        // 2025's 12th lunar month had 29 days: 除夕 was the 29th.
        assert!(is_day_off(d(2025, 1, 28)));
    }

    #[test]
    fn thirteen_or_fourteen_days_a_year() {
        for y in 2000..=2100 {
            let days = days_off(y);
            // 1 + 2 + 3 + 4 + 1 + 1 + 1 = 13; 中秋 on 1–3 October merges with 国庆.
            let distinct: HashSet<_> = days.iter().map(|s| s.date).collect();
            assert!((12..=13).contains(&distinct.len()), "{y}: {days:?}");
            assert!(days.windows(2).all(|w| w[0].date <= w[1].date));
            assert!(days.iter().all(|s| s.date.year() == y));
        }
        // 2001's 中秋 was on 1 October (国庆).
        assert_eq!(dates(2001, "中秋节"), vec![d(2001, 10, 1)]);
    }

    #[test]
    fn every_statutory_day_is_off_in_the_official_schedules() {
        let official: HashMap<NaiveDate, DayKind> = seed_holidays()
            .into_iter()
            .map(|h| (h.date, h.kind))
            .collect();
        for y in [2025, 2026] {
            for s in days_off(y) {
                let weekend = s.date.weekday().number_from_monday() > 5;
                let off = official.get(&s.date) == Some(&DayKind::Off);
                assert!(off || weekend, "{} ({}) is not off in {y}", s.date, s.name);
            }
        }
    }

    #[test]
    fn cached_and_computed_agree() {
        for y in [1999, 2000, 2050, 2100, 2101] {
            for s in days_off(y) {
                assert!(is_day_off(s.date), "{}", s.date);
            }
            assert!(!is_day_off(d(y, 3, 10)));
        }
        // Outside the lunar range only the Gregorian days count.
        assert_eq!(days_off(3000).len(), 6);
    }
}
