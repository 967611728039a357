//! The open overdue cases listed on the dashboard.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::window::Window;
use crate::db::DbConn;
use crate::domain::role::Level;
use crate::domain::scope::Scope;

/// One open overdue case for the dashboard table.
#[derive(Debug, Clone, Queryable)]
pub struct OverdueCase {
    pub id: String,
    pub number: String,
    pub township_code: String,
    pub type_code: String,
    pub node_deadline: NaiveDateTime,
}

/// The open overdue cases of `scope` (as in the open-overdue figure), most overdue
/// first, at most `limit`. One statement per open status, each with the status and
/// the area equal, so it walks the `(status, area, node_deadline)` index in deadline
/// order and stops at `limit`; the two lists are merged here.
pub fn overdue_cases(
    conn: &mut DbConn,
    scope: &Scope,
    w: &Window,
    limit: i64,
) -> QueryResult<Vec<OverdueCase>> {
    open_cases_due(conn, scope, w, None, Some(w.now), limit)
}

/// The open cases at risk (as in the at-risk figure: due by the end of the next working
/// day, not overdue yet), soonest due first, at most `limit`.
pub fn at_risk_cases(
    conn: &mut DbConn,
    scope: &Scope,
    w: &Window,
    limit: i64,
) -> QueryResult<Vec<OverdueCase>> {
    open_cases_due(conn, scope, w, Some(w.now), None, limit).map(|v| {
        v.into_iter()
            .filter(|c| c.node_deadline <= w.at_risk_until)
            .collect()
    })
}

/// Open cases whose node deadline is at or after `from` and before `before`.
fn open_cases_due(
    conn: &mut DbConn,
    scope: &Scope,
    w: &Window,
    from: Option<NaiveDateTime>,
    before: Option<NaiveDateTime>,
    limit: i64,
) -> QueryResult<Vec<OverdueCase>> {
    use crate::db::schema::applications as a;
    let (_, hi) = w.bounds();
    let mut out: Vec<OverdueCase> = Vec::new();
    for status in ["submitted", "under_review"] {
        let mut q = a::table
            .filter(a::status.eq(status))
            .filter(a::created_at.lt(hi))
            .into_boxed();
        if let Some(b) = before {
            q = q.filter(a::node_deadline.lt(b));
        }
        if let Some(f) = from {
            q = q.filter(a::node_deadline.ge(f));
        }
        let q = match scope {
            Scope::Area(Level::County, c) => q.filter(a::county_code.eq(c.clone())),
            Scope::Area(Level::Township, c) => q.filter(a::township_code.eq(c.clone())),
            Scope::Area(Level::Village, c) => q.filter(a::village_code.eq(c.clone())),
            Scope::All => q,
            Scope::Own(_) | Scope::Nothing => return Ok(Vec::new()),
        };
        out.extend(
            q.order((a::node_deadline.asc(), a::id.asc()))
                .select((
                    a::id,
                    a::number,
                    a::township_code,
                    a::type_code,
                    a::node_deadline,
                ))
                .limit(limit)
                .load::<OverdueCase>(conn)?,
        );
    }
    out.sort_by(|x, y| (x.node_deadline, &x.id).cmp(&(y.node_deadline, &y.id)));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}
