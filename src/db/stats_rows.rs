//! The figure sums of `db::stats` computed from rows, for SQLite. SQLite has no hash
//! aggregation: its GROUP BY sorts every row of the window first, which was most of
//! the time of a year's figures (a county's 200,000 cases). Here the window's rows
//! are read through the `(area, received_at, …)` / `(area, decided_at, …)` index and summed
//! in a hash map into exactly the rows the SQL would return, so the rest of
//! `db::stats` is the same on both backends (PostgreSQL sums in SQL, in parallel).

use std::collections::HashMap;

use diesel::prelude::*;
use diesel::sqlite::{Sqlite, SqliteConnection};

use super::schema::case_figures as f;
use super::stats::{DecidedRow, Keys, ReceivedRow, Window};
use crate::domain::figures::GroupBy;
use crate::domain::role::Level;
use crate::domain::scope::Scope;

/// The grouping columns of a row: type, township, village, deciding official.
type GroupCols = (String, String, String, Option<String>);
const GROUP_COLS: (
    f::type_code,
    f::township_code,
    f::village_code,
    f::decided_by,
) = (
    f::type_code,
    f::township_code,
    f::village_code,
    f::decided_by,
);

fn take(g: Option<GroupBy>, cols: &mut GroupCols) -> Option<String> {
    match g? {
        GroupBy::Type => Some(std::mem::take(&mut cols.0)),
        GroupBy::Township => Some(std::mem::take(&mut cols.1)),
        GroupBy::Village => Some(std::mem::take(&mut cols.2)),
        GroupBy::Official => cols.3.take(),
    }
}

/// The figures of `scope`: one area's, or all.
fn scoped<'a>(q: f::BoxedQuery<'a, Sqlite>, scope: &Scope) -> f::BoxedQuery<'a, Sqlite> {
    match scope {
        Scope::Area(Level::County, c) => q.filter(f::county_code.eq(c.clone())),
        Scope::Area(Level::Township, c) => q.filter(f::township_code.eq(c.clone())),
        Scope::Area(Level::Village, c) => q.filter(f::village_code.eq(c.clone())),
        Scope::All => q,
        // `grouped` returns before asking for a scope that sees nothing.
        Scope::Own(_) | Scope::Nothing => q.filter(f::county_code.ne(f::county_code)),
    }
}

/// The row's keys for `keys` (the same grouping twice gives the same key twice).
fn group_keys(keys: Keys, cols: &mut GroupCols) -> (Option<String>, Option<String>) {
    let first = take(keys.0, cols);
    let second = if keys.1 == keys.0 {
        first.clone()
    } else {
        take(keys.1, cols)
    };
    (first, second)
}

pub(super) fn received(
    c: &mut SqliteConnection,
    scope: &Scope,
    keys: Keys,
    w: &Window,
) -> QueryResult<Vec<ReceivedRow>> {
    let (lo, hi) = w.bounds();
    let rows = scoped(f::table.into_boxed(), scope)
        .filter(f::received_at.ge(lo).and(f::received_at.lt(hi)))
        .select((GROUP_COLS, f::returned))
        .load_iter::<(GroupCols, bool), diesel::connection::DefaultLoadingMode>(c)?;
    let mut sums: HashMap<(Option<String>, Option<String>), (i64, i64)> = HashMap::new();
    for row in rows {
        let (mut cols, returned) = row?;
        let key = group_keys(keys, &mut cols);
        let s = sums.entry(key).or_default();
        s.0 += 1;
        s.1 += i64::from(returned);
    }
    Ok(sums
        .into_iter()
        .map(|((grp, grp2), (received, returned))| ReceivedRow {
            grp,
            grp2,
            received,
            returned: Some(returned),
        })
        .collect())
}

/// A decided row's groups and working days.
type DecidedKey = (Option<String>, Option<String>, Option<i32>);
/// Working days, rejected, same day, on time, figures version.
type Outcome = (Option<i32>, bool, Option<bool>, Option<bool>, i32);
/// Working days in each node.
type NodeDays = (Option<i32>, Option<i32>, Option<i32>, Option<i32>);

pub(super) fn decided(
    c: &mut SqliteConnection,
    scope: &Scope,
    keys: Keys,
    w: &Window,
) -> QueryResult<Vec<DecidedRow>> {
    let (lo, hi) = w.bounds();
    let rows = scoped(f::table.into_boxed(), scope)
        .filter(f::decided_at.ge(lo).and(f::decided_at.lt(hi)))
        .select((
            GROUP_COLS,
            (
                f::working_days,
                f::rejected,
                f::same_day,
                f::on_time,
                f::figures_version,
            ),
            (f::node0_days, f::node1_days, f::node2_days, f::node3_days),
        ))
        .load_iter::<(GroupCols, Outcome, NodeDays), diesel::connection::DefaultLoadingMode>(c)?;
    let mut sums: HashMap<DecidedKey, DecidedRow> = HashMap::new();
    for row in rows {
        let (mut cols, (days, rejected, same_day, on_time, version), nodes) = row?;
        let (k1, k2) = group_keys(keys, &mut cols);
        let key = (k1, k2, days);
        let s = sums.entry(key).or_insert_with(|| DecidedRow::empty(days));
        s.finished += 1;
        *s.issued.get_or_insert(0) += i64::from(!rejected);
        *s.same_day.get_or_insert(0) += i64::from(same_day == Some(true));
        *s.on_time.get_or_insert(0) += i64::from(on_time == Some(true));
        *s.pending.get_or_insert(0) += i64::from(version < super::case_figures::VERSION);
        for (i, d) in [nodes.0, nodes.1, nodes.2, nodes.3].into_iter().enumerate() {
            if let Some(d) = d {
                s.add_node(i, i64::from(d));
            }
        }
    }
    Ok(sums
        .into_iter()
        .map(|((grp, grp2, _), mut r)| {
            r.grp = grp;
            r.grp2 = grp2;
            r
        })
        .collect())
}
