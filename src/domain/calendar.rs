//! Working-day calendar (工作日) with the State Council's holiday schedule and make-up
//! workdays (调休), used for every time limit (DESIGN §5).
//!
//! The schedule changes every year and cannot be derived from a rule, so a year is
//! either covered by rows from the holiday table or it is an error: a weekend-only
//! guess would silently put deadlines inside the Spring Festival.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::Invalid;

/// Whether a listed date is a day off or a (make-up) workday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    Off,
    Workday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Off => "off",
            DayKind::Workday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        match s {
            "off" => Some(DayKind::Off),
            "workday" => Some(DayKind::Workday),
            _ => None,
        }
    }
}

/// One row of the `holidays` table / `seed/holidays.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub date: NaiveDate,
    pub kind: DayKind,
    /// e.g. "春节" or "春节调休上班".
    pub note: String,
    /// The notice the row comes from, e.g. "国办发明电〔2025〕7号".
    pub source: String,
}

/// The official schedules shipped with the program (2025 and 2026), used to seed the
/// `holidays` table on first start.
pub fn seed_holidays() -> Vec<Holiday> {
    const SEED: &str = include_str!("../../seed/holidays.json");
    // The file is compiled in and covered by tests, so failure here is a build defect.
    serde_json::from_str(SEED).expect("seed/holidays.json is valid (checked by tests)")
}

/// Why a working-day computation could not be done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalendarError {
    /// No holiday rows exist for this year, so its working days are unknown.
    YearMissing { year: i32 },
}

impl CalendarError {
    /// The message shown to staff (and the admin who must fix it).
    pub fn message(&self) -> Invalid {
        match self {
            CalendarError::YearMissing { year } => Invalid::new(
                format!("系统缺少{year}年的节假日安排，无法计算办理时限，请管理员先添加该年度日历"),
                format!(
                    "No holiday calendar for {year}: an administrator must add that year before deadlines can be computed"
                ),
            ),
        }
    }
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

impl std::error::Error for CalendarError {}

/// Working days for the years that have holiday rows.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    overrides: HashMap<NaiveDate, DayKind>,
    years: BTreeSet<i32>,
}

impl WorkCalendar {
    /// Builds a calendar from `(date, kind)` rows; a year counts as covered as soon as it
    /// has one row (every real year has at least New Year's Day).
    pub fn new(rows: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        let mut cal = WorkCalendar::default();
        for (date, kind) in rows {
            cal.years.insert(date.year());
            cal.overrides.insert(date, kind);
        }
        cal
    }

    /// Convenience for rows loaded from the table or [`seed_holidays`].
    pub fn from_holidays<'a>(rows: impl IntoIterator<Item = &'a Holiday>) -> Self {
        Self::new(rows.into_iter().map(|h| (h.date, h.kind)))
    }

    /// The years this calendar can answer for, ascending.
    pub fn covered_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// Listed rows win; otherwise Monday–Friday are working days.
    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        if !self.covers(d.year()) {
            return Err(CalendarError::YearMissing { year: d.year() });
        }
        Ok(match self.overrides.get(&d) {
            Some(DayKind::Workday) => true,
            Some(DayKind::Off) => false,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        })
    }

    /// The `n`-th working day strictly after `start`; for `n = 0`, `start` itself if it
    /// is a working day, else the next one. Submitted on D with a limit of N working
    /// days means due by the end of `add_working_days(D, N)`.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        if n == 0 && self.is_working_day(start)? {
            return Ok(start);
        }
        let mut d = start;
        let mut remaining = n.max(1);
        loop {
            d = next_day(d)?;
            if self.is_working_day(d)? {
                remaining -= 1;
                if remaining == 0 {
                    return Ok(d);
                }
            }
        }
    }

    /// Number of working days in `(from, to]`; 0 when `to <= from`. Used for "how many
    /// working days did this node take" in supervision figures.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<i64, CalendarError> {
        let mut count = 0;
        let mut d = from;
        while d < to {
            d = next_day(d)?;
            if self.is_working_day(d)? {
                count += 1;
            }
        }
        Ok(count)
    }
}

/// The following day; past the end of chrono's range no year can be covered anyway.
fn next_day(d: NaiveDate) -> Result<NaiveDate, CalendarError> {
    d.succ_opt().ok_or(CalendarError::YearMissing {
        year: d.year().saturating_add(1),
    })
}

/// China Standard Time is UTC+8 all year (no daylight saving).
const CHINA_OFFSET: TimeDelta = TimeDelta::hours(8);

/// The last second of a day, local time.
const END_OF_DAY: NaiveTime = match NaiveTime::from_hms_opt(23, 59, 59) {
    Some(t) => t,
    None => panic!("23:59:59 is a valid time"),
};

/// The calendar date in China at instant `t`: what "today" means for a deadline.
pub fn china_date(t: DateTime<Utc>) -> NaiveDate {
    t.checked_add_signed(CHINA_OFFSET)
        .map_or(NaiveDate::MAX, |local| local.date_naive())
}

/// 23:59:59 China time on `d`, as a UTC instant: the moment a deadline on `d` expires.
pub fn end_of_china_day(d: NaiveDate) -> DateTime<Utc> {
    // 23:59:59 − 8 h is still on the same date, so this cannot leave chrono's range.
    (d.and_time(END_OF_DAY) - CHINA_OFFSET).and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn cal() -> WorkCalendar {
        WorkCalendar::from_holidays(&seed_holidays())
    }

    #[test]
    fn seed_file_parses_and_is_consistent() {
        let rows = seed_holidays();
        assert_eq!(rows.len(), 72);
        assert_eq!(
            rows.iter().filter(|h| h.kind == DayKind::Workday).count(),
            11
        );
        let mut seen = BTreeSet::new();
        for h in &rows {
            assert!(seen.insert(h.date), "duplicate {}", h.date);
            let weekend = matches!(h.date.weekday(), Weekday::Sat | Weekday::Sun);
            if h.kind == DayKind::Workday {
                assert!(weekend, "make-up workday {} is not a weekend", h.date);
                assert!(h.note.ends_with("调休上班"), "{}", h.note);
            } else {
                assert!(!h.note.contains("上班"));
            }
            let expected_source = match h.date.year() {
                2025 => "国办发明电〔2024〕12号",
                2026 => "国办发明电〔2025〕7号",
                y => panic!("unexpected year {y}"),
            };
            assert_eq!(h.source, expected_source);
        }
        let c = cal();
        assert_eq!(c.covered_years().collect::<Vec<_>>(), vec![2025, 2026]);
    }

    #[test]
    fn seed_holiday_lengths_match_the_notices() {
        let c = cal();
        // (first day off, last day off) of each holiday period.
        let periods = [
            (d(2025, 1, 1), d(2025, 1, 1)),
            (d(2025, 1, 28), d(2025, 2, 4)),
            (d(2025, 4, 4), d(2025, 4, 6)),
            (d(2025, 5, 1), d(2025, 5, 5)),
            (d(2025, 5, 31), d(2025, 6, 2)),
            (d(2025, 10, 1), d(2025, 10, 8)),
            (d(2026, 1, 1), d(2026, 1, 3)),
            (d(2026, 2, 15), d(2026, 2, 23)),
            (d(2026, 4, 4), d(2026, 4, 6)),
            (d(2026, 5, 1), d(2026, 5, 5)),
            (d(2026, 6, 19), d(2026, 6, 21)),
            (d(2026, 9, 25), d(2026, 9, 27)),
            (d(2026, 10, 1), d(2026, 10, 7)),
        ];
        for (a, b) in periods {
            for day in a.iter_days().take_while(|x| *x <= b) {
                assert!(!c.is_working_day(day).unwrap(), "{day} should be off");
            }
        }
        for w in [
            d(2025, 1, 26),
            d(2025, 2, 8),
            d(2025, 4, 27),
            d(2025, 9, 28),
            d(2025, 10, 11),
            d(2026, 1, 4),
            d(2026, 2, 14),
            d(2026, 2, 28),
            d(2026, 5, 9),
            d(2026, 9, 20),
            d(2026, 10, 10),
        ] {
            assert!(c.is_working_day(w).unwrap(), "{w} is a make-up workday");
        }
    }

    #[test]
    fn working_day_counts_per_year() {
        // Both years: 261 weekdays; 2025 has 18 weekdays off and 5 make-up Saturdays or
        // Sundays, 2026 has 19 off and 6 make-up days: 248 working days each.
        let c = cal();
        let in_2025 = d(2025, 1, 1)
            .iter_days()
            .take_while(|x| x.year() == 2025)
            .filter(|x| c.is_working_day(*x).unwrap())
            .count();
        let in_2026 = d(2026, 1, 1)
            .iter_days()
            .take_while(|x| x.year() == 2026)
            .filter(|x| c.is_working_day(*x).unwrap())
            .count();
        assert_eq!(in_2025, 248);
        assert_eq!(in_2026, 248);
        // 2025-01-01 is a holiday, so (2025-01-01, 2026-12-31] holds every working day.
        assert_eq!(
            c.working_days_between(d(2025, 1, 1), d(2026, 12, 31))
                .unwrap(),
            496
        );
    }

    #[test]
    fn weekends_and_overrides() {
        let c = cal();
        assert!(c.is_working_day(d(2026, 3, 2)).unwrap()); // Monday
        assert!(!c.is_working_day(d(2026, 3, 7)).unwrap()); // Saturday
        assert!(!c.is_working_day(d(2026, 3, 8)).unwrap()); // Sunday
        assert!(!c.is_working_day(d(2026, 2, 16)).unwrap()); // Monday in 春节
        assert!(c.is_working_day(d(2026, 2, 14)).unwrap()); // Saturday, 调休
    }

    #[test]
    fn spring_festival_2026() {
        let c = cal();
        assert_eq!(
            c.add_working_days(d(2026, 2, 13), 1).unwrap(),
            d(2026, 2, 14)
        );
        assert_eq!(
            c.add_working_days(d(2026, 2, 14), 1).unwrap(),
            d(2026, 2, 24)
        );
        assert_eq!(
            c.add_working_days(d(2026, 2, 13), 2).unwrap(),
            d(2026, 2, 24)
        );
        assert_eq!(
            c.add_working_days(d(2026, 2, 12), 5).unwrap(),
            d(2026, 2, 26)
        );
        // Feb 24–27 are Tue–Fri, Feb 28 (Sat) is a make-up workday, then Mar 2.
        assert_eq!(
            c.add_working_days(d(2026, 2, 14), 5).unwrap(),
            d(2026, 2, 28)
        );
        assert_eq!(
            c.add_working_days(d(2026, 2, 14), 6).unwrap(),
            d(2026, 3, 2)
        );
        // Submitted during the festival: the clock starts when the office reopens.
        assert_eq!(
            c.add_working_days(d(2026, 2, 17), 1).unwrap(),
            d(2026, 2, 24)
        );
        assert_eq!(
            c.add_working_days(d(2026, 2, 17), 0).unwrap(),
            d(2026, 2, 24)
        );
        assert_eq!(
            c.working_days_between(d(2026, 2, 13), d(2026, 2, 24))
                .unwrap(),
            2
        );
    }

    #[test]
    fn national_day_2025() {
        let c = cal();
        // Fri Sep 26, then Sun Sep 28 (调休), Mon 29, Tue 30, then Oct 1–8 off,
        // Thu Oct 9, Fri Oct 10, Sat Oct 11 (调休), Mon Oct 13.
        assert_eq!(
            c.add_working_days(d(2025, 9, 26), 1).unwrap(),
            d(2025, 9, 28)
        );
        assert_eq!(
            c.add_working_days(d(2025, 9, 26), 3).unwrap(),
            d(2025, 9, 30)
        );
        assert_eq!(
            c.add_working_days(d(2025, 9, 26), 4).unwrap(),
            d(2025, 10, 9)
        );
        assert_eq!(
            c.add_working_days(d(2025, 9, 30), 3).unwrap(),
            d(2025, 10, 11)
        );
        assert_eq!(
            c.add_working_days(d(2025, 9, 30), 4).unwrap(),
            d(2025, 10, 13)
        );
        assert_eq!(
            c.working_days_between(d(2025, 9, 26), d(2025, 10, 13))
                .unwrap(),
            7
        );
    }

    #[test]
    fn zero_days() {
        let c = cal();
        assert_eq!(c.add_working_days(d(2026, 3, 2), 0).unwrap(), d(2026, 3, 2));
        assert_eq!(c.add_working_days(d(2026, 3, 7), 0).unwrap(), d(2026, 3, 9));
        assert_eq!(
            c.working_days_between(d(2026, 3, 9), d(2026, 3, 9))
                .unwrap(),
            0
        );
        assert_eq!(
            c.working_days_between(d(2026, 3, 9), d(2026, 3, 2))
                .unwrap(),
            0
        );
    }

    #[test]
    fn missing_year_is_an_error_not_a_guess() {
        let c = cal();
        let missing = CalendarError::YearMissing { year: 2027 };
        assert_eq!(c.is_working_day(d(2027, 3, 1)), Err(missing.clone()));
        assert_eq!(c.add_working_days(d(2027, 3, 1), 3), Err(missing.clone()));
        assert_eq!(c.add_working_days(d(2027, 3, 1), 0), Err(missing.clone()));
        // Starts in 2026, runs into 2027.
        assert_eq!(
            c.add_working_days(d(2026, 12, 28), 10),
            Err(missing.clone())
        );
        assert_eq!(
            c.working_days_between(d(2026, 12, 28), d(2027, 1, 5)),
            Err(missing.clone())
        );
        // Finishing inside 2026 is fine even at the edge (Mon Dec 28 + 3 = Thu Dec 31).
        assert_eq!(
            c.add_working_days(d(2026, 12, 28), 3).unwrap(),
            d(2026, 12, 31)
        );
        assert_eq!(
            c.working_days_between(d(2024, 12, 20), d(2025, 1, 2)),
            Err(CalendarError::YearMissing { year: 2024 })
        );
        // An empty calendar covers nothing.
        let empty = WorkCalendar::new([]);
        assert_eq!(
            empty.is_working_day(d(2026, 1, 5)),
            Err(CalendarError::YearMissing { year: 2026 })
        );
        // Huge n ends at the first uncovered year instead of looping forever.
        assert_eq!(
            c.add_working_days(d(2026, 1, 5), u32::MAX),
            Err(missing.clone())
        );
        // Even at the end of chrono's range: an error, not a panic.
        let edge = WorkCalendar::new([(NaiveDate::MAX, DayKind::Off)]);
        assert_eq!(
            edge.add_working_days(NaiveDate::MAX, 1),
            Err(CalendarError::YearMissing {
                year: NaiveDate::MAX.year() + 1
            })
        );
    }

    #[test]
    fn missing_year_message() {
        let e = CalendarError::YearMissing { year: 2027 };
        let m = e.message();
        assert_eq!(
            m.zh,
            "系统缺少2027年的节假日安排，无法计算办理时限，请管理员先添加该年度日历"
        );
        assert_eq!(
            m.en,
            "No holiday calendar for 2027: an administrator must add that year before deadlines can be computed"
        );
        assert!(e.to_string().contains("2027"));
    }

    #[test]
    fn between_is_consistent_with_add_for_every_day_of_2026() {
        let c = cal();
        for start in d(2026, 1, 1).iter_days().take_while(|x| x.year() == 2026) {
            for n in 1..=20u32 {
                let end = match c.add_working_days(start, n) {
                    Ok(end) => end,
                    Err(e) => {
                        assert_eq!(e, CalendarError::YearMissing { year: 2027 });
                        continue;
                    }
                };
                assert!(end > start);
                assert!(c.is_working_day(end).unwrap());
                assert_eq!(c.working_days_between(start, end).unwrap(), i64::from(n));
                let before = end.pred_opt().unwrap();
                assert_eq!(
                    c.working_days_between(start, before).unwrap(),
                    i64::from(n - 1)
                );
            }
            let zero = c.add_working_days(start, 0).unwrap();
            assert!(zero >= start && c.is_working_day(zero).unwrap());
            assert_eq!(
                c.working_days_between(start, zero).unwrap(),
                i64::from(zero != start)
            );
        }
    }

    #[test]
    fn rows_override_in_both_directions() {
        let c = WorkCalendar::new([
            (d(2030, 1, 1), DayKind::Off),     // Tuesday off
            (d(2030, 1, 5), DayKind::Workday), // Saturday worked
        ]);
        assert!(!c.is_working_day(d(2030, 1, 1)).unwrap());
        assert!(c.is_working_day(d(2030, 1, 5)).unwrap());
        assert!(c.is_working_day(d(2030, 1, 2)).unwrap());
        assert!(c.covers(2030));
        assert!(!c.covers(2031));
    }

    #[test]
    fn day_kind_serde() {
        assert_eq!(serde_json::to_string(&DayKind::Off).unwrap(), "\"off\"");
        assert_eq!(
            serde_json::to_string(&DayKind::Workday).unwrap(),
            "\"workday\""
        );
        let h: Holiday = serde_json::from_str(
            r#"{"date":"2026-02-14","kind":"workday","note":"春节调休上班","source":"国办发明电〔2025〕7号"}"#,
        )
        .unwrap();
        assert_eq!(h.date, d(2026, 2, 14));
        assert_eq!(h.kind, DayKind::Workday);
        for k in [DayKind::Off, DayKind::Workday] {
            assert_eq!(DayKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(DayKind::parse("holiday"), None);
    }

    #[test]
    fn china_time_helpers() {
        let t = DateTime::parse_from_rfc3339("2026-02-13T16:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(china_date(t), d(2026, 2, 14)); // midnight in Beijing
        let t = DateTime::parse_from_rfc3339("2026-02-13T15:59:59Z")
            .unwrap()
            .to_utc();
        assert_eq!(china_date(t), d(2026, 2, 13));
        let end = end_of_china_day(d(2026, 2, 24));
        assert_eq!(end.to_rfc3339(), "2026-02-24T15:59:59+00:00");
        assert_eq!(china_date(end), d(2026, 2, 24));
        assert_eq!(china_date(end + TimeDelta::seconds(1)), d(2026, 2, 25));
        assert_eq!(end.second(), 59);
        // Extremes do not panic.
        let _ = china_date(DateTime::<Utc>::MAX_UTC);
        let _ = end_of_china_day(NaiveDate::MIN);
        let _ = end_of_china_day(NaiveDate::MAX);
    }
}
