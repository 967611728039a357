//! The supervision figures summed by the database over `case_figures` (one row per
//! case, derived from its trail when the event was appended: `db::case_figures`) and
//! over the open cases in `applications`. Rust only merges the group rows and turns
//! sums into rates, averages and medians (`stats::Sums::finish`).
//!
//! Here: the sums per group. `statements` holds the SQL, `sql` the small template that
//! binds it on either backend, `window` the period; `cases` lists the cases behind a
//! number, `overdue` the dashboard's overdue table, `explain` the statements for the
//! benchmark.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::DbConn;
use crate::domain::figures::{DayCount, GroupBy, Sums};
use crate::domain::scope::Scope;

mod cases;
mod explain;
mod instant;
mod overdue;
mod rollup;
pub(crate) mod sql;
mod statements;
mod window;

pub use cases::cases;
pub use explain::explain_sql;
pub use instant::InstantRow;
pub use overdue::{at_risk_cases, overdue_cases, OverdueCase};
pub(super) use statements::{DecidedRow, ReceivedRow};
pub use window::Window;

use sql::{load, Val};
use statements::{decided_sql, received_sql, scope_clause, DECIDED_DAYS, OPEN};

#[derive(QueryableByName)]
struct OpenRow {
    #[diesel(sql_type = Nullable<Text>)]
    grp: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    grp2: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    overdue: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    at_risk: Option<i64>,
}

#[derive(QueryableByName)]
struct DayRow {
    #[diesel(sql_type = Text)]
    day: String,
    #[diesel(sql_type = BigInt)]
    finished: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    on_time: Option<i64>,
}

/// What the database summed for a scope and window.
#[derive(Debug, Default)]
pub struct Summed {
    pub groups: BTreeMap<Option<String>, Sums>,
    pub daily: Vec<DayCount>,
    /// Decided cases in the window whose working days could not be counted yet.
    pub pending: u64,
}

fn n(v: Option<i64>) -> u64 {
    u64::try_from(v.unwrap_or(0)).unwrap_or(0)
}

/// Up to two groupings summed in one pass; `None` sums everything into one group.
pub(super) type Keys = (Option<GroupBy>, Option<GroupBy>);

/// Sums the figures of `scope` for `w`, grouped by `group`: four grouped statements
/// (received, decided per working days — which give the medians —, the open cases,
/// the per-day counts).
pub fn summed(
    conn: &mut DbConn,
    source: Source,
    scope: &Scope,
    group: GroupBy,
    w: &Window,
) -> QueryResult<Summed> {
    let (first, _) = grouped(conn, source, scope, (Some(group), None), w, true)?;
    Ok(first)
}

/// The same for two groupings in one pass over the figures (the dashboard wants both
/// townships and types; each group's sums add up, and medians come from the merged
/// histograms), with the per-day counts only if `daily`.
pub fn summed_two(
    conn: &mut DbConn,
    source: Source,
    scope: &Scope,
    group: GroupBy,
    second: Option<GroupBy>,
    w: &Window,
    daily: bool,
) -> QueryResult<(Summed, Summed)> {
    grouped(conn, source, scope, (Some(group), second), w, daily)
}

/// The totals only, in one group keyed `None` (the dashboard's previous period).
pub fn summed_total(
    conn: &mut DbConn,
    source: Source,
    scope: &Scope,
    w: &Window,
) -> QueryResult<Summed> {
    let (all, _) = grouped(conn, source, scope, (None, None), w, false)?;
    Ok(all)
}

/// Where the figures are summed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The rolled-up rows (`rollup`): what the pages and the API read.
    Rollup,
    /// One row per case (`case_figures`): the reference the rollup is checked against,
    /// and the old path `bench-stats` times beside it.
    PerCase,
}

/// Instant against reviewed decisions per group (see `instant::instant_counts`).
pub fn instant_counts(
    conn: &mut DbConn,
    source: Source,
    scope: &Scope,
    group_by: GroupBy,
    w: &Window,
) -> QueryResult<Vec<InstantRow>> {
    match source {
        Source::Rollup => rollup::instant_counts(conn, scope, group_by, w),
        Source::PerCase => instant::instant_counts(conn, scope, group_by, w),
    }
}

fn grouped(
    conn: &mut DbConn,
    source: Source,
    scope: &Scope,
    keys: Keys,
    w: &Window,
    daily: bool,
) -> QueryResult<(Summed, Summed)> {
    match source {
        Source::Rollup => rollup::grouped(conn, scope, keys, w, daily),
        Source::PerCase => per_case(conn, scope, keys, w, daily),
    }
}

fn per_case(
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
    let mut vals = w.vals();
    if let Some(code) = code {
        vals.insert("code", Val::Text(code));
    }
    let (received, decided) = match conn {
        DbConn::Sqlite(c) => (
            super::stats_rows::received(c, scope, keys, w)?,
            super::stats_rows::decided(c, scope, keys, w)?,
        ),
        DbConn::Pg(_) => (
            load::<ReceivedRow>(conn, &received_sql(keys, &fs), &vals)?,
            load::<DecidedRow>(conn, &decided_sql(keys, &fs), &vals)?,
        ),
    };
    for r in received {
        let add = |s: &mut Sums| {
            s.received += n(Some(r.received));
            s.returned += n(r.returned);
        };
        add(out.groups.entry(r.grp.clone()).or_default());
        if two {
            add(out2.groups.entry(r.grp2.clone()).or_default());
        }
    }
    for r in decided {
        out.pending += n(r.pending);
        add_decided(out.groups.entry(r.grp.clone()).or_default(), &r);
        if two {
            add_decided(out2.groups.entry(r.grp2.clone()).or_default(), &r);
        }
    }
    out2.pending = out.pending;
    open_cases(conn, keys, &as_, &vals, &mut out, &mut out2)?;
    if daily {
        let daily_sql = format!(
            "SELECT f.decided_day AS day, COUNT(*) AS finished, \
             SUM(CASE WHEN f.on_time THEN 1 ELSE 0 END) AS on_time \
             FROM case_figures f WHERE {fs}{DECIDED_DAYS} GROUP BY f.decided_day ORDER BY f.decided_day"
        );
        for r in load::<DayRow>(conn, &daily_sql, &vals)? {
            if let Ok(date) = NaiveDate::parse_from_str(&r.day, "%Y-%m-%d") {
                out.daily.push(DayCount {
                    date,
                    finished: n(Some(r.finished)),
                    on_time: n(r.on_time),
                });
            }
        }
    }
    out.groups.retain(|_, s| !s.is_empty());
    out2.groups.retain(|_, s| !s.is_empty());
    Ok((out, out2))
}

/// Adds the open overdue and at-risk cases, grouped like the figures (open cases have
/// no deciding official: they fall in the keyless group then).
fn open_cases(
    conn: &mut DbConn,
    keys: Keys,
    scope: &str,
    vals: &HashMap<&str, Val>,
    out: &mut Summed,
    out2: &mut Summed,
) -> QueryResult<()> {
    let official = keys.0 == Some(GroupBy::Official);
    let col = |g: Option<GroupBy>| match g {
        Some(g) if !official => g.case_col(),
        _ => "CAST(NULL AS TEXT)",
    };
    let by: Vec<&str> = [keys.0, keys.1]
        .into_iter()
        .flatten()
        .filter(|&g| !official && g != GroupBy::Official)
        .map(GroupBy::case_col)
        .collect();
    let grouped = if by.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", by.join(", "))
    };
    let open_sql = format!(
        "SELECT {g} AS grp, {g2} AS grp2, SUM(CASE WHEN a.node_deadline < :now THEN 1 ELSE 0 END) AS overdue, \
         SUM(CASE WHEN a.node_deadline >= :now THEN 1 ELSE 0 END) AS at_risk \
         FROM applications a WHERE {scope}{OPEN} AND a.node_deadline <= :until{grouped}",
        g = col(keys.0),
        g2 = col(keys.1),
    );
    for r in load::<OpenRow>(conn, &open_sql, vals)? {
        let (o, k) = (n(r.overdue), n(r.at_risk));
        if o + k > 0 {
            let s = out.groups.entry(r.grp).or_default();
            s.open_overdue += o;
            s.open_at_risk += k;
            if keys.1.is_some() {
                let s = out2.groups.entry(r.grp2).or_default();
                s.open_overdue += o;
                s.open_at_risk += k;
            }
        }
    }
    Ok(())
}

fn add_decided(s: &mut Sums, r: &DecidedRow) {
    let finished = n(Some(r.finished));
    if let Some(d) = r.days {
        *s.days.entry(i64::from(d)).or_default() += finished;
    }
    s.finished += finished;
    s.issued += n(r.issued);
    s.same_day += n(r.same_day);
    s.on_time += n(r.on_time);
    s.overdue_finished += finished - n(r.on_time).min(finished);
    for (i, (sum, cnt)) in [
        (r.n0s, r.n0n),
        (r.n1s, r.n1n),
        (r.n2s, r.n2n),
        (r.n3s, r.n3n),
    ]
    .into_iter()
    .enumerate()
    {
        s.node_sum[i] += sum.unwrap_or(0);
        s.node_n[i] += n(Some(cnt));
    }
}
