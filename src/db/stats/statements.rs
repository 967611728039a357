//! The figures' SQL: the scope condition, the window predicates, the grouping columns,
//! and the grouped statements PostgreSQL runs (SQLite reads the same rows instead:
//! `db::stats_rows`), with the rows they return.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};

use super::Keys;
use crate::domain::figures::{GroupBy, MAX_STEPS};
use crate::domain::role::Level;
use crate::domain::scope::Scope;

impl GroupBy {
    /// The grouping column of `case_figures f` (fixed strings, never user text). The
    /// official is the one who decided the case: the last approval or the rejection.
    pub(super) fn figures_col(self) -> &'static str {
        match self {
            GroupBy::Type => "f.type_code",
            GroupBy::Township => "f.township_code",
            GroupBy::Village => "f.village_code",
            GroupBy::Official => "f.decided_by",
        }
    }

    /// The same for `applications a`; open cases have no deciding official yet.
    pub(super) fn case_col(self) -> &'static str {
        match self {
            GroupBy::Type => "a.type_code",
            GroupBy::Township => "a.township_code",
            GroupBy::Village => "a.village_code",
            GroupBy::Official => "CAST(NULL AS TEXT)",
        }
    }
}

/// The scope condition on `alias` (`f` or `a`) and its code, or `None` when the scope
/// sees no cases at all.
pub(super) fn scope_clause(scope: &Scope, alias: &str) -> Option<(String, Option<String>)> {
    let col = match scope {
        Scope::Area(Level::County, c) => Some(("county_code", c)),
        Scope::Area(Level::Township, c) => Some(("township_code", c)),
        Scope::Area(Level::Village, c) => Some(("village_code", c)),
        Scope::All => None,
        Scope::Own(_) | Scope::Nothing => return None,
    };
    Some(match col {
        Some((col, code)) => (format!("{alias}.{col} = :code AND "), Some(code.clone())),
        None => (String::new(), None),
    })
}

pub(super) const RECEIVED: &str = "(f.received_at >= :lo AND f.received_at < :hi)";
pub(super) const DECIDED: &str = "(f.decided_at >= :lo AND f.decided_at < :hi)";
/// The same cases as [`DECIDED`] by their China date (`decided_day` is the China date
/// of `decided_at`), so the per-day counts read an `(area, decided_day, on_time)` index
/// in day order and need neither the table nor a sort.
pub(super) const DECIDED_DAYS: &str = "(f.decided_day >= :from_day AND f.decided_day <= :to_day)";
pub(super) const OPEN: &str = "a.status IN ('submitted', 'under_review') AND a.created_at < :hi";

/// Received cases of a group: counted by when they were submitted.
#[derive(QueryableByName)]
pub(crate) struct ReceivedRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) grp: Option<String>,
    /// The second grouping's key, when two are summed in one pass.
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) grp2: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub(crate) received: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) returned: Option<i64>,
}

/// Decided cases of a group with the same working days (the days give the medians).
#[derive(QueryableByName)]
pub(crate) struct DecidedRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) grp: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(crate) grp2: Option<String>,
    /// Working days of the row's cases (NULL: not counted yet).
    #[diesel(sql_type = Nullable<Integer>)]
    pub(crate) days: Option<i32>,
    #[diesel(sql_type = BigInt)]
    pub(crate) finished: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) issued: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) same_day: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) on_time: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) pending: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) n0s: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub(crate) n0n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) n1s: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub(crate) n1n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) n2s: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub(crate) n2n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(crate) n3s: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub(crate) n3n: i64,
}

const _: () = assert!(MAX_STEPS == 4, "one nNs/nNn pair per step");

impl DecidedRow {
    /// A group with no cases yet (summing in Rust: `db::stats_rows`).
    pub(crate) fn empty(days: Option<i32>) -> DecidedRow {
        DecidedRow {
            grp: None,
            grp2: None,
            days,
            finished: 0,
            issued: None,
            same_day: None,
            on_time: None,
            pending: None,
            n0s: None,
            n0n: 0,
            n1s: None,
            n1n: 0,
            n2s: None,
            n2n: 0,
            n3s: None,
            n3n: 0,
        }
    }

    /// Adds a case's working days in node `i` (`i` < [`MAX_STEPS`]).
    pub(crate) fn add_node(&mut self, i: usize, days: i64) {
        let (sum, n) = match i {
            0 => (&mut self.n0s, &mut self.n0n),
            1 => (&mut self.n1s, &mut self.n1n),
            2 => (&mut self.n2s, &mut self.n2n),
            _ => (&mut self.n3s, &mut self.n3n),
        };
        *sum.get_or_insert(0) += days;
        *n += 1;
    }
}

/// The select list and GROUP BY of up to two groupings of `case_figures f`.
fn group_cols(keys: Keys) -> (String, String) {
    let col = |g: Option<GroupBy>| g.map_or("CAST(NULL AS TEXT)", GroupBy::figures_col);
    let by: Vec<&str> = [keys.0, keys.1]
        .into_iter()
        .flatten()
        .map(GroupBy::figures_col)
        .collect();
    (
        format!("{} AS grp, {} AS grp2", col(keys.0), col(keys.1)),
        by.join(", "),
    )
}

/// Received and returned per group. Each of the two figure statements has one range
/// on one timestamp, so the database walks the `(area, received_at)` or
/// `(area, decided_at)` index for the window instead of the area's whole history.
pub(super) fn received_sql(keys: Keys, scope: &str) -> String {
    let (select, by) = group_cols(keys);
    let group_by = if by.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {by}")
    };
    format!(
        "SELECT {select}, COUNT(*) AS received, \
         SUM(CASE WHEN f.returned THEN 1 ELSE 0 END) AS returned \
         FROM case_figures f WHERE {scope}{RECEIVED}{group_by}"
    )
}

/// Decided, issued, same-day, on-time and the node days per group and working days.
pub(super) fn decided_sql(keys: Keys, scope: &str) -> String {
    let (select, by) = group_cols(keys);
    let by = if by.is_empty() {
        "f.working_days".to_owned()
    } else {
        format!("{by}, f.working_days")
    };
    let node = |i: usize| format!("SUM(f.node{i}_days) AS n{i}s, COUNT(f.node{i}_days) AS n{i}n");
    format!(
        "SELECT {select}, f.working_days AS days, COUNT(*) AS finished, \
         SUM(CASE WHEN f.rejected THEN 0 ELSE 1 END) AS issued, \
         SUM(CASE WHEN f.same_day THEN 1 ELSE 0 END) AS same_day, \
         SUM(CASE WHEN f.on_time THEN 1 ELSE 0 END) AS on_time, \
         SUM(CASE WHEN f.figures_version < {v} THEN 1 ELSE 0 END) AS pending, \
         {n0}, {n1}, {n2}, {n3} \
         FROM case_figures f WHERE {scope}{DECIDED} GROUP BY {by}",
        v = crate::db::case_figures::VERSION,
        n0 = node(0),
        n1 = node(1),
        n2 = node(2),
        n3 = node(3),
    )
}
