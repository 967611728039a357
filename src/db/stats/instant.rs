//! Instant (roster-approved, 秒批) against reviewed cases among those decided in the
//! window, per group: a case counts as instant when its roster check says so.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};

use super::sql::{load, Val};
use super::statements::{scope_clause, DECIDED};
use super::Window;
use crate::db::DbConn;
use crate::domain::figures::GroupBy;
use crate::domain::scope::Scope;

#[derive(QueryableByName, Debug)]
pub struct InstantRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub grp: Option<String>,
    /// Decided (issued or rejected) in the window.
    #[diesel(sql_type = BigInt)]
    pub decided: i64,
    /// Of those, approved by the system on a roster.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub instant: Option<i64>,
    /// Of the instant ones, decided the day they were received.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub instant_same_day: Option<i64>,
}

pub fn instant_counts(
    conn: &mut DbConn,
    scope: &Scope,
    group_by: GroupBy,
    w: &Window,
) -> QueryResult<Vec<InstantRow>> {
    let Some((scope_sql, code)) = scope_clause(scope, "f") else {
        return Ok(Vec::new());
    };
    let col = group_by.figures_col();
    let sql = format!(
        "SELECT {col} AS grp, COUNT(*) AS decided, \
         SUM(CASE WHEN r.outcome = 'instant' THEN 1 ELSE 0 END) AS instant, \
         SUM(CASE WHEN r.outcome = 'instant' AND f.same_day THEN 1 ELSE 0 END) AS instant_same_day \
         FROM case_figures f LEFT JOIN roster_checks r ON r.application_id = f.application_id \
         WHERE {scope_sql}{DECIDED} GROUP BY {col}"
    );
    let mut vals = w.vals();
    if let Some(c) = code {
        vals.insert("code", Val::Text(c));
    }
    load(conn, &sql, &vals)
}
