//! Working-day calendar (工作日) with the State Council's holiday schedule and make-up
//! workdays (调休), used for every time limit (docs/architecture.md, "Time limits").
//!
//! The schedule changes every year and is published some time in October–December, so
//! there is always a window in which next year is not known. For such a year the
//! calendar answers *provisionally*: Monday–Friday minus the statutory days off that
//! the law fixes by rule ([`super::statutory`]). Whatever used provisional days says so
//! ([`WorkCalendar::is_provisional`]), and is recomputed when the year is loaded. A
//! resident is never refused for want of a calendar.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeDelta, Utc, Weekday};
use serde::{Deserialize, Serialize};

use super::statutory;

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

/// The rule used for a year without loaded rows, as shown to people.
pub const PROVISIONAL_RULE_ZH: &str = "尚未导入该年度国务院节假日安排：暂按周一至周五计算工作日，\
扣除法定节假日（元旦、春节除夕至初三、清明、劳动节5月1日至2日、端午、中秋、国庆10月1日至3日），\
不含调休；导入后自动重新计算。";
pub const PROVISIONAL_RULE_EN: &str = "The State Council's schedule for this year is not loaded: \
working days are Monday to Friday less the statutory holidays (1 January, Spring Festival eve to \
the 3rd day, Qingming, 1–2 May, Dragon Boat, Mid-Autumn, 1–3 October), without make-up workdays; \
recomputed when the year is loaded.";

/// A due date and whether it was counted on provisional days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub date: NaiveDate,
    pub provisional: bool,
}

/// Working days: the loaded years from the holiday table, other years provisionally.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    overrides: HashMap<NaiveDate, DayKind>,
    years: BTreeSet<i32>,
}

impl WorkCalendar {
    /// Builds a calendar from `(date, kind)` rows; a year counts as loaded as soon as it
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

    /// The years with loaded rows, ascending.
    pub fn covered_years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// Whether anything counted over `from..=to` used provisional days.
    pub fn is_provisional(&self, from: NaiveDate, to: NaiveDate) -> bool {
        (from.year().min(to.year())..=from.year().max(to.year())).any(|y| !self.covers(y))
    }

    /// Listed rows win; otherwise Monday–Friday are working days, less the statutory
    /// days off in a year that is not loaded.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.overrides.get(&d) {
            Some(kind) => *kind == DayKind::Workday,
            None => {
                !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
                    && (self.covers(d.year()) || !statutory::is_day_off(d))
            }
        }
    }

    /// The `n`-th working day strictly after `start`; for `n = 0`, `start` itself if it
    /// is a working day, else the next one. Submitted on D with a limit of N working
    /// days means due by the end of `add_working_days(D, N)`. Saturates at the end of
    /// chrono's range.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        if n == 0 && self.is_working_day(start) {
            return start;
        }
        let mut d = start;
        let mut remaining = n.max(1);
        while let Some(next) = d.succ_opt() {
            d = next;
            if self.is_working_day(d) {
                remaining -= 1;
                if remaining == 0 {
                    break;
                }
            }
        }
        d
    }

    /// [`Self::add_working_days`] with whether the answer is provisional.
    pub fn due(&self, start: NaiveDate, n: u32) -> Due {
        let date = self.add_working_days(start, n);
        Due {
            date,
            provisional: self.is_provisional(start, date),
        }
    }

    /// The end (China time) of the working day after the day of `now`: a node due by
    /// then has one working day or less left ("at risk").
    pub fn at_risk_until(&self, now: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
        let today = china_date(now.and_utc());
        end_of_china_day(self.add_working_days(today, 1)).naive_utc()
    }

    /// Number of working days in `(from, to]`; 0 when `to <= from`. Used for "how many
    /// working days did this node take" in supervision figures.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        from.iter_days()
            .skip(1)
            .take_while(|d| *d <= to)
            .filter(|d| self.is_working_day(*d))
            .count() as i64
    }
}

/// Next year's calendar as seen on `today`: admins are warned from 1 October while
/// it is missing (the State Council publishes it some time in October–December).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NextYear {
    pub year: i32,
    pub loaded: bool,
    /// Whether admins should be told now.
    pub warn: bool,
}

impl NextYear {
    pub fn on(today: NaiveDate, loaded: impl FnOnce(i32) -> bool) -> NextYear {
        let year = today.year().saturating_add(1);
        let loaded = loaded(year);
        NextYear {
            year,
            loaded,
            warn: !loaded && today.month() >= 10,
        }
    }
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
                assert!(!c.is_working_day(day), "{day} should be off");
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
            assert!(c.is_working_day(w), "{w} is a make-up workday");
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
            .filter(|x| c.is_working_day(*x))
            .count();
        let in_2026 = d(2026, 1, 1)
            .iter_days()
            .take_while(|x| x.year() == 2026)
            .filter(|x| c.is_working_day(*x))
            .count();
        assert_eq!(in_2025, 248);
        assert_eq!(in_2026, 248);
        // 2025-01-01 is a holiday, so (2025-01-01, 2026-12-31] holds every working day.
        assert_eq!(c.working_days_between(d(2025, 1, 1), d(2026, 12, 31)), 496);
    }

    #[test]
    fn weekends_and_overrides() {
        let c = cal();
        assert!(c.is_working_day(d(2026, 3, 2))); // Monday
        assert!(!c.is_working_day(d(2026, 3, 7))); // Saturday
        assert!(!c.is_working_day(d(2026, 3, 8))); // Sunday
        assert!(!c.is_working_day(d(2026, 2, 16))); // Monday in 春节
        assert!(c.is_working_day(d(2026, 2, 14))); // Saturday, 调休
    }

    #[test]
    fn spring_festival_2026() {
        let c = cal();
        assert_eq!(c.add_working_days(d(2026, 2, 13), 1), d(2026, 2, 14));
        assert_eq!(c.add_working_days(d(2026, 2, 14), 1), d(2026, 2, 24));
        assert_eq!(c.add_working_days(d(2026, 2, 13), 2), d(2026, 2, 24));
        assert_eq!(c.add_working_days(d(2026, 2, 12), 5), d(2026, 2, 26));
        // Feb 24–27 are Tue–Fri, Feb 28 (Sat) is a make-up workday, then Mar 2.
        assert_eq!(c.add_working_days(d(2026, 2, 14), 5), d(2026, 2, 28));
        assert_eq!(c.add_working_days(d(2026, 2, 14), 6), d(2026, 3, 2));
        // Submitted during the festival: the clock starts when the office reopens.
        assert_eq!(c.add_working_days(d(2026, 2, 17), 1), d(2026, 2, 24));
        assert_eq!(c.add_working_days(d(2026, 2, 17), 0), d(2026, 2, 24));
        assert_eq!(c.working_days_between(d(2026, 2, 13), d(2026, 2, 24)), 2);
    }

    #[test]
    fn national_day_2025() {
        let c = cal();
        // Fri Sep 26, then Sun Sep 28 (调休), Mon 29, Tue 30, then Oct 1–8 off,
        // Thu Oct 9, Fri Oct 10, Sat Oct 11 (调休), Mon Oct 13.
        assert_eq!(c.add_working_days(d(2025, 9, 26), 1), d(2025, 9, 28));
        assert_eq!(c.add_working_days(d(2025, 9, 26), 3), d(2025, 9, 30));
        assert_eq!(c.add_working_days(d(2025, 9, 26), 4), d(2025, 10, 9));
        assert_eq!(c.add_working_days(d(2025, 9, 30), 3), d(2025, 10, 11));
        assert_eq!(c.add_working_days(d(2025, 9, 30), 4), d(2025, 10, 13));
        assert_eq!(c.working_days_between(d(2025, 9, 26), d(2025, 10, 13)), 7);
    }

    #[test]
    fn zero_days() {
        let c = cal();
        assert_eq!(c.add_working_days(d(2026, 3, 2), 0), d(2026, 3, 2));
        assert_eq!(c.add_working_days(d(2026, 3, 7), 0), d(2026, 3, 9));
        assert_eq!(c.working_days_between(d(2026, 3, 9), d(2026, 3, 9)), 0);
        assert_eq!(c.working_days_between(d(2026, 3, 9), d(2026, 3, 2)), 0);
    }

    #[test]
    fn between_is_consistent_with_add_for_every_day_of_2026_and_2027() {
        // 2027 is not loaded: the provisional days must be consistent too.
        let c = cal();
        for start in d(2026, 1, 1).iter_days().take_while(|x| x.year() <= 2027) {
            for n in 1..=20u32 {
                let end = c.add_working_days(start, n);
                assert!(end > start);
                assert!(c.is_working_day(end));
                assert_eq!(c.working_days_between(start, end), i64::from(n));
                let before = end.pred_opt().unwrap();
                assert_eq!(c.working_days_between(start, before), i64::from(n - 1));
            }
            let zero = c.add_working_days(start, 0);
            assert!(zero >= start && c.is_working_day(zero));
            assert_eq!(
                c.working_days_between(start, zero),
                i64::from(zero != start)
            );
        }
    }

    #[test]
    fn a_missing_year_is_counted_provisionally() {
        let c = cal();
        // Mon 2026-12-28 + 5: Dec 29, 30, 31, then Fri Jan 1 (元旦) and the weekend are
        // skipped: Jan 4, Jan 5.
        assert_eq!(
            c.due(d(2026, 12, 28), 5),
            Due {
                date: d(2027, 1, 5),
                provisional: true
            }
        );
        // Ending inside the loaded year is not provisional (Mon Dec 28 + 3 = Thu Dec 31).
        assert_eq!(
            c.due(d(2026, 12, 28), 3),
            Due {
                date: d(2026, 12, 31),
                provisional: false
            }
        );
        assert!(!c.is_working_day(d(2027, 1, 1)));
        // 春节 2027: 除夕 Fri Feb 5 to 初三 Mon Feb 8; no 调休 is guessed.
        assert!(c.is_working_day(d(2027, 2, 4)));
        for off in [d(2027, 2, 5), d(2027, 2, 8)] {
            assert!(!c.is_working_day(off), "{off}");
        }
        assert!(c.is_working_day(d(2027, 2, 9)));
        assert!(!c.is_working_day(d(2027, 2, 6))); // a Saturday stays off
        assert_eq!(c.add_working_days(d(2027, 2, 4), 1), d(2027, 2, 9));
        // 清明 Mon Apr 5, 劳动节 Sat May 1 and Sun May 2 (no make-up Monday guessed),
        // 端午 Wed Jun 9, 中秋 Wed Sep 15, 国庆 Fri Oct 1.
        for off in [d(2027, 4, 5), d(2027, 6, 9), d(2027, 9, 15), d(2027, 10, 1)] {
            assert!(!c.is_working_day(off), "{off}");
        }
        assert!(c.is_working_day(d(2027, 5, 3)));
        assert_eq!(c.working_days_between(d(2026, 12, 28), d(2027, 1, 5)), 5);
        assert!(c.is_provisional(d(2026, 12, 28), d(2027, 1, 5)));
        assert!(!c.is_provisional(d(2025, 3, 1), d(2026, 12, 31)));
        assert!(c.is_provisional(d(2024, 12, 30), d(2025, 1, 2)));
        // 2027 provisionally: 261 weekdays less 元旦, 除夕, 初三, 清明, 端午, 中秋, 国庆 1 Oct.
        let in_2027 = d(2027, 1, 1)
            .iter_days()
            .take_while(|x| x.year() == 2027)
            .filter(|x| c.is_working_day(*x))
            .count();
        assert_eq!(in_2027, 261 - 7);
    }

    #[test]
    fn loading_the_year_replaces_the_provisional_days() {
        let mut rows = seed_holidays();
        let cal_before = WorkCalendar::from_holidays(&rows);
        // A notice that makes Mon Jan 4 a bridge day off and Sat Jan 9 a make-up workday.
        for (date, kind) in [
            (d(2027, 1, 1), DayKind::Off),
            (d(2027, 1, 4), DayKind::Off),
            (d(2027, 1, 9), DayKind::Workday),
        ] {
            rows.push(Holiday {
                date,
                kind,
                note: "元旦".into(),
                source: "test".into(),
            });
        }
        let after = WorkCalendar::from_holidays(&rows);
        assert_eq!(
            cal_before.add_working_days(d(2026, 12, 31), 2),
            d(2027, 1, 5)
        );
        assert_eq!(after.add_working_days(d(2026, 12, 31), 2), d(2027, 1, 6));
        assert!(!after.is_provisional(d(2026, 12, 31), d(2027, 1, 6)));
        // In a loaded year only its rows count: 清明 2027 is a plain Monday until the
        // notice lists it.
        assert!(after.is_working_day(d(2027, 4, 5)));
    }

    #[test]
    fn extremes_do_not_panic_or_loop() {
        let c = cal();
        assert_eq!(c.add_working_days(NaiveDate::MAX, 1), NaiveDate::MAX);
        assert_eq!(c.working_days_between(NaiveDate::MAX, NaiveDate::MAX), 0);
        let _ = c.is_working_day(NaiveDate::MIN);
    }

    #[test]
    fn next_year_warnings_start_on_1_october() {
        let missing = |_| false;
        assert!(!NextYear::on(d(2026, 9, 30), missing).warn);
        let n = NextYear::on(d(2026, 10, 1), missing);
        assert_eq!((n.year, n.loaded, n.warn), (2027, false, true));
        assert!(NextYear::on(d(2026, 12, 31), missing).warn);
        assert!(!NextYear::on(d(2026, 12, 1), |y| y == 2027).warn);
        assert_eq!(NextYear::on(d(2027, 1, 1), missing).year, 2028);
    }

    #[test]
    fn rows_override_in_both_directions() {
        let c = WorkCalendar::new([
            (d(2030, 1, 1), DayKind::Off),     // Tuesday off
            (d(2030, 1, 5), DayKind::Workday), // Saturday worked
        ]);
        assert!(!c.is_working_day(d(2030, 1, 1)));
        assert!(c.is_working_day(d(2030, 1, 5)));
        assert!(c.is_working_day(d(2030, 1, 2)));
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
