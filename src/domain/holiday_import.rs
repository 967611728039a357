//! Validation of a holiday calendar an administrator adds (API and CLI), in the format
//! of `seed/holidays.json`: rows of `{date, kind, note, source}`.
//!
//! A year is added whole: it must not exist yet, it must list New Year's Day as a day
//! off (every State Council notice does, so a batch without it is a fragment), dates
//! are unique, and a make-up workday (调休) must fall on a weekend.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use utoipa::ToSchema;

use super::calendar::{DayKind, Holiday};
use super::Invalid;

/// One row as sent; every field is checked before anything is stored.
#[derive(Debug, Clone, Deserialize, ToSchema, Default)]
pub struct HolidayInput {
    /// `YYYY-MM-DD`.
    pub date: Option<String>,
    /// `off` or `workday` (调休 make-up workday).
    pub kind: Option<String>,
    /// e.g. 春节, 春节调休上班.
    pub note: Option<String>,
    /// The notice the row comes from, e.g. 国办发明电〔2025〕7号.
    pub source: Option<String>,
}

/// Checks a batch against the years already in the table. Errors are keyed
/// `rows[i].field` (or `rows` for the batch as a whole).
pub fn validate(
    rows: &[HolidayInput],
    existing_years: &BTreeSet<i32>,
) -> Result<Vec<Holiday>, BTreeMap<String, Invalid>> {
    let mut errors = BTreeMap::new();
    let mut out = Vec::new();
    let mut seen = BTreeMap::<NaiveDate, usize>::new();
    let mut kinds = BTreeMap::<NaiveDate, DayKind>::new();
    if rows.is_empty() {
        errors.insert(
            "rows".to_owned(),
            Invalid::new("节假日安排不能为空", "The calendar has no rows"),
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let key = |f: &str| format!("rows[{i}].{f}");
        let date = r.date.as_deref().map(str::trim).unwrap_or("");
        let date = match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errors.insert(
                    key("date"),
                    Invalid::new(
                        format!("日期“{date}”无效，应为YYYY-MM-DD格式"),
                        format!("Date '{date}' is invalid; use YYYY-MM-DD"),
                    ),
                );
                None
            }
        };
        let kind = DayKind::parse(r.kind.as_deref().map(str::trim).unwrap_or(""));
        if kind.is_none() {
            errors.insert(
                key("kind"),
                Invalid::new(
                    "类型应为 off（放假）或 workday（调休上班）",
                    "kind must be off or workday",
                ),
            );
        }
        let note = r.note.as_deref().map(str::trim).unwrap_or("");
        if note.is_empty() || note.chars().count() > 50 {
            errors.insert(
                key("note"),
                Invalid::new(
                    "请填写说明（如“春节”），不超过50字",
                    "Give a note (e.g. Spring Festival), at most 50 characters",
                ),
            );
        }
        let source = r.source.as_deref().map(str::trim).unwrap_or("");
        if source.is_empty() || source.chars().count() > 100 {
            errors.insert(
                key("source"),
                Invalid::new(
                    "请填写依据的通知文号（如“国办发明电〔2025〕7号”），不超过100字",
                    "Give the notice the row comes from, at most 100 characters",
                ),
            );
        }
        if let Some(d) = date {
            let contradicts = match (kind, kind.and_then(|k| kinds.insert(d, k))) {
                (Some(now), Some(before)) => now != before,
                _ => false,
            };
            if let Some(first) = seen.insert(d, i) {
                let message = if contradicts {
                    Invalid::new(
                        format!("{d}既列为放假又列为调休上班（与第{}行矛盾）", first + 1),
                        format!(
                            "{d} is listed both as a day off and as a make-up workday (row {})",
                            first + 1
                        ),
                    )
                } else {
                    Invalid::new(
                        format!("日期{d}重复（与第{}行相同）", first + 1),
                        format!("Date {d} appears twice (also row {})", first + 1),
                    )
                };
                errors.insert(key("date"), message);
            }
            if existing_years.contains(&d.year()) {
                errors.insert(
                    key("date"),
                    Invalid::new(
                        format!("{}年的节假日安排已存在，不能重复添加", d.year()),
                        format!("The calendar for {} already exists", d.year()),
                    ),
                );
            }
            let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
            if kind == Some(DayKind::Workday) && !weekend {
                errors.insert(
                    key("kind"),
                    Invalid::new(
                        format!("{d}是工作日，调休上班日应在周末"),
                        format!("{d} is a weekday; a make-up workday falls on a weekend"),
                    ),
                );
            }
        }
        if let (Some(date), Some(kind)) = (date, kind) {
            out.push(Holiday {
                date,
                kind,
                note: note.to_owned(),
                source: source.to_owned(),
            });
        }
    }
    let years: BTreeSet<i32> = seen.keys().map(|d| d.year()).collect();
    for y in years {
        let new_year = NaiveDate::from_ymd_opt(y, 1, 1);
        let listed = out
            .iter()
            .any(|h| Some(h.date) == new_year && h.kind == DayKind::Off);
        if !listed && !existing_years.contains(&y) {
            errors.entry("rows".to_owned()).or_insert_with(|| {
                Invalid::new(
                    format!("{y}年的安排不完整：应整年添加，至少包含元旦（{y}-01-01 放假）"),
                    format!("The {y} calendar is incomplete: add the whole year, including New Year's Day ({y}-01-01, off)"),
                )
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Rows pasted as text, one per line: `date, kind, note[, source]` separated by commas
/// (either width), tabs or spaces; `kind` is `off`/放假/休 or `workday`/上班/班. Lines
/// without a source take `default_source` (the notice's number, typed once). Blank
/// lines and lines starting with `#` are skipped; everything is checked by [`validate`].
pub fn parse_lines(text: &str, default_source: &str) -> Vec<HolidayInput> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|line| {
            let parts: Vec<&str> = if line.contains([',', '，', '\t']) {
                line.split([',', '，', '\t']).map(str::trim).collect()
            } else {
                line.splitn(4, char::is_whitespace).map(str::trim).collect()
            };
            let get = |i: usize| {
                parts
                    .get(i)
                    .map(|s| (*s).to_owned())
                    .filter(|s| !s.is_empty())
            };
            let kind = get(1).map(|k| match k.as_str() {
                "放假" | "休" | "休息" => "off".to_owned(),
                "上班" | "班" | "调休上班" => "workday".to_owned(),
                _ => k.to_lowercase(),
            });
            HolidayInput {
                date: get(0),
                kind,
                note: get(2),
                source: get(3).or_else(|| Some(default_source.trim().to_owned())),
            }
        })
        .collect()
}

/// What a year looks like with its rows: working days per month and in the year, to
/// check against the notice before it is stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ToSchema)]
pub struct YearSummary {
    pub year: i32,
    /// Working days in January … December.
    pub per_month: Vec<u32>,
    pub working_days: u32,
    pub days_off: usize,
    pub make_up_workdays: usize,
    /// Statutory holidays on a weekday that the rows leave as working days (e.g. a
    /// forgotten 清明): `YYYY-MM-DD 名称`. Shown before confirming; not an error, since
    /// only the notice decides.
    pub statutory_not_off: Vec<String>,
}

/// The summary of each year in `rows` (validated rows of whole years).
pub fn summarise(rows: &[Holiday]) -> Vec<YearSummary> {
    let cal = super::calendar::WorkCalendar::from_holidays(rows);
    cal.covered_years()
        .map(|year| {
            let mut per_month = vec![0u32; 12];
            let days = NaiveDate::from_ymd_opt(year, 1, 1)
                .into_iter()
                .flat_map(|d| d.iter_days())
                .take_while(|d| d.year() == year);
            for d in days.filter(|d| cal.is_working_day(*d)) {
                per_month[d.month0() as usize] += 1;
            }
            let of_year = |k: DayKind| {
                rows.iter()
                    .filter(|h| h.date.year() == year && h.kind == k)
                    .count()
            };
            YearSummary {
                year,
                working_days: per_month.iter().sum(),
                per_month,
                days_off: of_year(DayKind::Off),
                make_up_workdays: of_year(DayKind::Workday),
                statutory_not_off: super::statutory::days_off(year)
                    .into_iter()
                    .filter(|s| cal.is_working_day(s.date))
                    .map(|s| format!("{} {}", s.date, s.name))
                    .collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(date: &str, kind: &str) -> HolidayInput {
        HolidayInput {
            date: Some(date.into()),
            kind: Some(kind.into()),
            note: Some("元旦".into()),
            source: Some("国办发明电〔2026〕1号".into()),
        }
    }

    #[test]
    fn a_whole_year_is_accepted() {
        let rows = [row("2027-01-01", "off"), row("2027-02-06", "workday")];
        let out = validate(&rows, &BTreeSet::from([2025, 2026])).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[1].kind, DayKind::Workday);
    }

    #[test]
    fn bad_rows_are_named() {
        let rows = [
            row("2027-13-01", "off"),
            row("2027-01-01", "holiday"),
            row("2027-01-04", "workday"), // a Monday
            row("2026-10-01", "off"),
            HolidayInput::default(),
        ];
        let e = validate(&rows, &BTreeSet::from([2026])).unwrap_err();
        for k in [
            "rows[0].date",
            "rows[1].kind",
            "rows[2].kind",
            "rows[3].date",
            "rows[4].date",
            "rows[4].note",
            "rows[4].source",
        ] {
            assert!(e.contains_key(k), "{k}: {e:?}");
        }
        assert!(e["rows[3].date"].zh.contains("已存在"));
    }

    #[test]
    fn duplicates_and_fragments_are_refused() {
        let e = validate(
            &[row("2027-01-01", "off"), row("2027-01-01", "off")],
            &BTreeSet::new(),
        )
        .unwrap_err();
        assert!(e["rows[1].date"].zh.contains("重复"), "{e:?}");
        let e = validate(
            &[
                row("2027-01-01", "off"),
                row("2027-01-02", "off"),
                row("2027-01-02", "workday"),
            ],
            &BTreeSet::new(),
        )
        .unwrap_err();
        assert!(
            e["rows[2].date"].zh.contains("既列为放假又列为调休上班"),
            "{e:?}"
        );
        let e = validate(&[row("2027-05-01", "off")], &BTreeSet::new()).unwrap_err();
        assert!(e["rows"].zh.contains("不完整"), "{e:?}");
        assert!(validate(&[], &BTreeSet::new())
            .unwrap_err()
            .contains_key("rows"));
    }

    #[test]
    fn the_official_years_have_248_working_days() {
        let rows = crate::domain::calendar::seed_holidays();
        let s = summarise(&rows);
        assert_eq!(s.len(), 2);
        for y in &s {
            assert_eq!(y.working_days, 248, "{y:?}");
            assert_eq!(y.per_month.len(), 12);
        }
        // February 2026: 20 weekdays, 6 of them in 春节 (16–20, 23), two make-up
        // Saturdays (14 and 28).
        assert_eq!(s[1].per_month[1], 20 - 6 + 2);
        assert_eq!((s[1].days_off, s[1].make_up_workdays), (33, 6));
        assert!(s.iter().all(|y| y.statutory_not_off.is_empty()), "{s:?}");
        // A paste that forgets 清明 (Mon 2027-04-05) says so.
        let partial = validate(&[row("2027-01-01", "off")], &BTreeSet::new()).unwrap();
        let missing = &summarise(&partial)[0].statutory_not_off;
        assert!(
            missing.contains(&"2027-04-05 清明节".to_owned()),
            "{missing:?}"
        );
        assert!(!missing.iter().any(|m| m.starts_with("2027-01-01")));
        assert!(
            !missing.iter().any(|m| m.starts_with("2027-05-01")),
            "a Saturday"
        );
    }

    #[test]
    fn pasted_lines_are_read() {
        let rows = parse_lines(
            "# 2027\n2027-01-01, off, 元旦\n\n2027-02-06\t上班\t春节调休上班\t别的通知\n2027-02-05 放假 春节\n2027-02-07，休，春节",
            "国办发明电〔2026〕1号",
        );
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].kind.as_deref(), Some("off"));
        assert_eq!(rows[1].kind.as_deref(), Some("workday"));
        assert_eq!(rows[1].source.as_deref(), Some("别的通知"));
        assert_eq!(rows[2].note.as_deref(), Some("春节"));
        assert_eq!(rows[3].kind.as_deref(), Some("off"));
        assert_eq!(rows[0].source.as_deref(), Some("国办发明电〔2026〕1号"));
        assert!(validate(&rows, &BTreeSet::new()).is_ok());
    }
}
