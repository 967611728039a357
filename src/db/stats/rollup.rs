//! The figures summed from the rolled-up rows (`db::figures_rollup`) instead of one row
//! per case: a window reads its whole months from `figures_months` and only the days
//! of its partial first and last months from `figures_days`, so a year reads about
//! 12 months × groups plus two months of days × groups rows, however many cases there
//! are. Windows start and end at China midnight and the rows are per China day, so the
//! sums are those of the per-case rows exactly; the medians too, since the working days
//! are kept as counts per day value (`dK` and `days_over`), the histogram
//! `Sums::days` is built from.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, TimeDelta};
use diesel::prelude::*;
use diesel::sql_types::{Integer, Nullable, Text};

use super::instant::InstantRow;
use super::sql::{load, Val};
use super::statements::scope_clause;
use super::window::Window;
use super::{n, open_cases, DayRow, Keys, Summed};
use crate::db::figures_rollup::changes::{
    BUCKETS, DAYS, FINISHED, INSTANT, INSTANT_SAME_DAY, ISSUED, MEASURES, NODES, ON_TIME, PENDING,
    RECEIVED, RETURNED, SAME_DAY,
};
use crate::db::DbConn;
use crate::domain::figures::{DayCount, GroupBy, Sums, MAX_STEPS};
use crate::domain::scope::Scope;

/// One summed group of rollup rows.
#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Nullable<Text>)]
    grp: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    grp2: Option<String>,
    #[diesel(sql_type = Integer)]
    days_over: i32,
    /// The measures in [`MEASURES`] order, joined by ',' (one column, so this row type
    /// does not repeat the list).
    #[diesel(sql_type = Text)]
    sums: String,
}

/// A range of periods (`YYYY-MM-DD` or `YYYY-MM`), both ends included.
type Span = (String, String);

/// One summed group of rows: its keys, `days_over` and the measures.
type GroupSums = (Option<String>, Option<String>, i32, Vec<i64>);

/// Which tables and periods cover `[from, to]`: whole months, and the days outside them.
fn periods(from: NaiveDate, to: NaiveDate) -> (Option<Span>, Vec<Span>) {
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let next_month = |d: NaiveDate| {
        let f = first_of(d);
        f.checked_add_months(chrono::Months::new(1)).unwrap_or(f)
    };
    let start = if from.day() == 1 {
        from
    } else {
        next_month(from)
    };
    // The first day after the last whole month.
    let end = if next_month(to) - TimeDelta::days(1) == to {
        next_month(to)
    } else {
        first_of(to)
    };
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let month = |d: NaiveDate| d.format("%Y-%m").to_string();
    if start >= end {
        return (None, vec![(day(from), day(to))]);
    }
    let mut days = Vec::new();
    if from < start {
        days.push((day(from), day(start - TimeDelta::days(1))));
    }
    if end <= to {
        days.push((day(end), day(to)));
    }
    (Some((month(start), month(end - TimeDelta::days(1)))), days)
}

fn sums_sql(keys: Keys, table: &str, scope: &str) -> String {
    let col = |g: Option<GroupBy>| g.map_or("CAST(NULL AS TEXT)", GroupBy::figures_col);
    let mut by: Vec<&str> = [keys.0, keys.1]
        .into_iter()
        .flatten()
        .map(GroupBy::figures_col)
        .collect();
    by.push("f.days_over");
    // Each sum as text joined by ',' : `CAST(SUM(x) AS TEXT) || ',' || …`.
    let sums: Vec<String> = MEASURES
        .iter()
        .map(|m| format!("CAST(SUM(f.{m}) AS TEXT)"))
        .collect();
    format!(
        "SELECT {g} AS grp, {g2} AS grp2, f.days_over AS days_over, {sums} AS sums \
         FROM {table} f WHERE {scope}f.period >= :plo AND f.period <= :phi GROUP BY {by}",
        g = col(keys.0),
        g2 = col(keys.1),
        sums = sums.join(" || ',' || "),
        by = by.join(", "),
    )
}

/// The summed groups of the window, each with its measures.
fn rows(conn: &mut DbConn, scope: &Scope, keys: Keys, w: &Window) -> QueryResult<Vec<GroupSums>> {
    let Some((sc, code)) = scope_clause(scope, "f") else {
        return Ok(Vec::new());
    };
    let (months, days) = periods(w.from, w.to);
    let mut parts: Vec<(&str, (String, String))> =
        days.into_iter().map(|p| ("figures_days", p)).collect();
    if let Some(m) = months {
        parts.push(("figures_months", m));
    }
    let mut out = Vec::new();
    for (table, (lo, hi)) in parts {
        let mut vals: HashMap<&str, Val> =
            HashMap::from([("plo", Val::Text(lo)), ("phi", Val::Text(hi))]);
        if let Some(c) = &code {
            vals.insert("code", Val::Text(c.clone()));
        }
        for r in load::<Row>(conn, &sums_sql(keys, table, &sc), &vals)? {
            let m: Vec<i64> = r.sums.split(',').map(|s| s.parse().unwrap_or(0)).collect();
            // '' is the undecided cases' official: no key, as in the per-case rows.
            let key = |k: Option<String>| k.filter(|k| !k.is_empty());
            out.push((key(r.grp), key(r.grp2), r.days_over, m));
        }
    }
    Ok(out)
}

fn add(s: &mut Sums, days_over: i32, m: &[i64]) {
    let u = |i: usize| u64::try_from(m.get(i).copied().unwrap_or(0)).unwrap_or(0);
    s.received += u(RECEIVED);
    s.returned += u(RETURNED);
    s.finished += u(FINISHED);
    s.issued += u(ISSUED);
    s.same_day += u(SAME_DAY);
    s.on_time += u(ON_TIME);
    s.overdue_finished += u(FINISHED) - u(ON_TIME).min(u(FINISHED));
    for k in 0..BUCKETS {
        if u(DAYS + k) > 0 {
            *s.days.entry(k as i64).or_default() += u(DAYS + k);
        }
    }
    // A row keyed by its days holds only cases of those days.
    if days_over >= 0 && u(ISSUED) > 0 {
        *s.days.entry(i64::from(days_over)).or_default() += u(ISSUED);
    }
    for i in 0..MAX_STEPS {
        s.node_sum[i] += m.get(NODES + 2 * i).copied().unwrap_or(0);
        s.node_n[i] += u(NODES + 2 * i + 1);
    }
}

/// The same as `db::stats::grouped` over the rolled-up rows.
pub(super) fn grouped(
    conn: &mut DbConn,
    scope: &Scope,
    keys: Keys,
    w: &Window,
    daily: bool,
) -> QueryResult<(Summed, Summed)> {
    let (mut out, mut out2) = (Summed::default(), Summed::default());
    let (Some((fs, code)), Some((as_, _))) = (scope_clause(scope, "f"), scope_clause(scope, "a"))
    else {
        return Ok((out, out2));
    };
    let two = keys.1.is_some();
    for (grp, grp2, over, m) in rows(conn, scope, keys, w)? {
        out.pending += u64::try_from(m[PENDING]).unwrap_or(0);
        add(out.groups.entry(grp).or_default(), over, &m);
        if two {
            add(out2.groups.entry(grp2).or_default(), over, &m);
        }
    }
    out2.pending = out.pending;
    let mut vals = w.vals();
    if let Some(code) = code {
        vals.insert("code", Val::Text(code));
    }
    open_cases(conn, keys, &as_, &vals, &mut out, &mut out2)?;
    if daily {
        let sql = format!(
            "SELECT f.day AS day, CAST(SUM(f.finished) AS BIGINT) AS finished, \
             CAST(SUM(f.on_time) AS BIGINT) AS on_time FROM figures_chart f \
             WHERE {fs}f.day >= :from_day AND f.day <= :to_day GROUP BY f.day ORDER BY f.day"
        );
        for r in load::<DayRow>(conn, &sql, &vals)? {
            if let Ok(date) = NaiveDate::parse_from_str(&r.day, "%Y-%m-%d") {
                if r.finished > 0 {
                    out.daily.push(DayCount {
                        date,
                        finished: n(Some(r.finished)),
                        on_time: n(r.on_time),
                    });
                }
            }
        }
    }
    out.groups.retain(|_, s| !s.is_empty());
    out2.groups.retain(|_, s| !s.is_empty());
    Ok((out, out2))
}

/// Instant against reviewed decisions per group, from the rolled-up rows.
pub(super) fn instant_counts(
    conn: &mut DbConn,
    scope: &Scope,
    group_by: GroupBy,
    w: &Window,
) -> QueryResult<Vec<InstantRow>> {
    let mut by: HashMap<Option<String>, InstantRow> = HashMap::new();
    for (grp, _, _, m) in rows(conn, scope, (Some(group_by), None), w)? {
        if m[FINISHED] == 0 {
            continue;
        }
        let r = by.entry(grp.clone()).or_insert(InstantRow {
            grp,
            decided: 0,
            instant: Some(0),
            instant_same_day: Some(0),
        });
        r.decided += m[FINISHED];
        *r.instant.get_or_insert(0) += m[INSTANT];
        *r.instant_same_day.get_or_insert(0) += m[INSTANT_SAME_DAY];
    }
    Ok(by.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::periods;
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn p(a: &str, b: &str) -> (String, String) {
        (a.into(), b.into())
    }

    #[test]
    fn a_window_reads_whole_months_and_the_days_around_them() {
        let (m, days) = periods(d("2025-12-02"), d("2026-12-01"));
        assert_eq!(m, Some(p("2026-01", "2026-11")));
        assert_eq!(
            days,
            [p("2025-12-02", "2025-12-31"), p("2026-12-01", "2026-12-01")]
        );
        let (m, days) = periods(d("2026-01-01"), d("2026-02-28"));
        assert_eq!(m, Some(p("2026-01", "2026-02")));
        assert!(days.is_empty());
        let (m, days) = periods(d("2026-02-03"), d("2026-02-20"));
        assert_eq!(m, None);
        assert_eq!(days, [p("2026-02-03", "2026-02-20")]);
        // Ends on the last day of a month: no days after.
        let (m, days) = periods(d("2026-01-15"), d("2026-03-31"));
        assert_eq!(m, Some(p("2026-02", "2026-03")));
        assert_eq!(days, [p("2026-01-15", "2026-01-31")]);
    }
}
