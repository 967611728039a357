//! The one query behind the supervision figures: each case in scope folded out of its
//! event trail into one narrow row (`stats::CaseFact`). The folding happens in SQL
//! (conditional aggregates over the trail index), the counting in Rust.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use super::DbConn;
use crate::auth::Scope;
use crate::domain::role::Level;
use crate::stats::{CaseFact, MAX_STEPS};

/// What the figures are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Type,
    Township,
    Village,
    Official,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s.trim() {
            "type" => Some(GroupBy::Type),
            "township" => Some(GroupBy::Township),
            "village" => Some(GroupBy::Village),
            "official" => Some(GroupBy::Official),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Type => "type",
            GroupBy::Township => "township",
            GroupBy::Village => "village",
            GroupBy::Official => "official",
        }
    }

    /// The SQL of the grouping value (fixed strings, never user text). The official is
    /// the one who decided the case: the last approval or the rejection.
    fn sql(self) -> &'static str {
        match self {
            GroupBy::Type => "MAX(a.type_code)",
            GroupBy::Township => "MAX(a.township_code)",
            GroupBy::Village => "MAX(a.village_code)",
            GroupBy::Official => {
                "MAX(CASE WHEN e.to_status IN ('approved', 'rejected') THEN e.actor_id END)"
            }
        }
    }
}

#[derive(QueryableByName)]
struct FactRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    number: String,
    #[diesel(sql_type = Nullable<Text>)]
    grp: Option<String>,
    #[diesel(sql_type = Text)]
    type_code: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Timestamp)]
    node_deadline: NaiveDateTime,
    #[diesel(sql_type = Nullable<Timestamp>)]
    received_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    restart_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    finished_at: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<BigInt>)]
    rejected: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    returns: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    approve0: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    approve1: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    approve2: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    approve3: Option<NaiveDateTime>,
    #[diesel(sql_type = Nullable<Integer>)]
    reject_step: Option<i32>,
}

const _: () = assert!(MAX_STEPS == 4, "one approveN column per step");

/// The query for a scope; `?` placeholders (rewritten to `$n` for PostgreSQL):
/// the scope code (unless all), the range end, the range start.
fn fact_sql(group: GroupBy, scope_clause: &str) -> String {
    format!(
        "SELECT a.id AS id, MAX(a.number) AS number, {grp} AS grp, MAX(a.type_code) AS type_code, \
         MAX(a.status) AS status, MAX(a.node_deadline) AS node_deadline, \
         MIN(CASE WHEN e.action = 'submit' THEN e.created_at END) AS received_at, \
         MAX(CASE WHEN e.action IN ('submit', 'resubmit') THEN e.created_at END) AS restart_at, \
         MAX(CASE WHEN e.action IN ('issue', 'reject') THEN e.created_at END) AS finished_at, \
         SUM(CASE WHEN e.action = 'reject' THEN 1 ELSE 0 END) AS rejected, \
         SUM(CASE WHEN e.action = 'return' THEN 1 ELSE 0 END) AS returns, \
         MAX(CASE WHEN e.action = 'approve' AND e.step = 0 THEN e.created_at END) AS approve0, \
         MAX(CASE WHEN e.action = 'approve' AND e.step = 1 THEN e.created_at END) AS approve1, \
         MAX(CASE WHEN e.action = 'approve' AND e.step = 2 THEN e.created_at END) AS approve2, \
         MAX(CASE WHEN e.action = 'approve' AND e.step = 3 THEN e.created_at END) AS approve3, \
         MAX(CASE WHEN e.action = 'reject' THEN e.step END) AS reject_step \
         FROM applications a JOIN application_events e ON e.application_id = a.id \
         WHERE {scope_clause} a.status <> 'draft' AND a.created_at <= ? \
         AND (a.finished_at IS NULL OR a.finished_at >= ? OR a.status IN ('submitted', 'under_review')) \
         AND e.action IN ('submit', 'resubmit', 'issue', 'reject', 'return', 'approve') \
         GROUP BY a.id",
        grp = group.sql()
    )
}

fn pg_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push('$');
            out.push_str(&n.to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// Every case of the scope that can count in `[start, end]` (UTC instants of the China
/// days' bounds): received or finished then, or open now. A narrow prefilter on the
/// case row keeps old finished cases out; the figures come from the events.
pub fn case_facts(
    conn: &mut DbConn,
    scope: &Scope,
    group: GroupBy,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> QueryResult<Vec<CaseFact>> {
    let (clause, code) = match scope {
        Scope::Area(Level::County, c) => ("a.county_code = ? AND", Some(c.clone())),
        Scope::Area(Level::Township, c) => ("a.township_code = ? AND", Some(c.clone())),
        Scope::Area(Level::Village, c) => ("a.village_code = ? AND", Some(c.clone())),
        Scope::All => ("", None),
        Scope::Own(_) | Scope::Nothing => return Ok(Vec::new()),
    };
    let sql = fact_sql(group, clause);
    macro_rules! run {
        ($c:expr, $sql:expr) => {{
            let q = diesel::sql_query($sql).into_boxed();
            let q = match &code {
                Some(code) => q.bind::<Text, _>(code.clone()),
                None => q,
            };
            q.bind::<Timestamp, _>(end)
                .bind::<Timestamp, _>(start)
                .load::<FactRow>($c)?
        }};
    }
    let rows = match conn {
        DbConn::Sqlite(c) => run!(c, sql),
        DbConn::Pg(c) => run!(c, pg_placeholders(&sql)),
    };
    Ok(rows
        .into_iter()
        .map(|r| CaseFact {
            open: matches!(r.status.as_str(), "submitted" | "under_review"),
            id: r.id,
            number: r.number,
            group: r.grp,
            type_code: r.type_code,
            node_deadline: r.node_deadline,
            received_at: r.received_at,
            restart_at: r.restart_at,
            finished_at: r.finished_at,
            rejected: r.rejected.unwrap_or(0) > 0,
            returns: r.returns.unwrap_or(0),
            approved_at: [r.approve0, r.approve1, r.approve2, r.approve3],
            reject_step: r.reject_step,
        })
        .collect())
}

/// The query text for EXPLAIN in the bench command.
pub fn explain_sql(conn: &DbConn, group: GroupBy, county: bool) -> String {
    let sql = fact_sql(group, if county { "a.county_code = ? AND" } else { "" });
    match conn {
        DbConn::Sqlite(_) => sql,
        DbConn::Pg(_) => pg_placeholders(&sql),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres() {
        assert_eq!(
            pg_placeholders("a = ? AND b <= ? OR c"),
            "a = $1 AND b <= $2 OR c"
        );
        let sql = fact_sql(GroupBy::Township, "a.township_code = ? AND");
        assert_eq!(sql.matches('?').count(), 3);
    }
}
