//! Escalations: each (application, node) that ran past its deadline, recorded once.

use chrono::NaiveDateTime;
use diesel::dsl::{exists, not};
use diesel::prelude::*;

use super::models::{Application, EscalationRow};
use super::schema::{applications, escalations, users};
use super::DbConn;
use crate::domain::role::Level;
use crate::domain::scope::Scope;

/// Open cases past their node deadline whose current node has not been escalated.
pub fn overdue_not_escalated(
    conn: &mut DbConn,
    now: NaiveDateTime,
) -> QueryResult<Vec<Application>> {
    applications::table
        .filter(applications::status.eq_any(["submitted", "under_review"]))
        .filter(applications::node_deadline.lt(now))
        .filter(not(exists(
            escalations::table
                .filter(escalations::application_id.eq(applications::id))
                .filter(escalations::step.eq(applications::current_step))
                .filter(escalations::node_started_at.eq(applications::node_started_at)),
        )))
        .order(applications::node_deadline.asc())
        .select(Application::as_select())
        .load(conn)
}

/// Records one escalation; false when another worker recorded the same node first.
pub fn record(conn: &mut DbConn, row: &EscalationRow) -> QueryResult<bool> {
    // A savepoint keeps a concurrent duplicate from aborting the caller's transaction.
    let r = conn.transaction(|c| {
        diesel::insert_into(escalations::table)
            .values(row)
            .execute(c)
    });
    match r {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Active supervisors of the township, or of its county when the township has none.
pub fn supervisors_for(
    conn: &mut DbConn,
    township: &str,
    county: &str,
) -> QueryResult<Vec<String>> {
    for code in [township, county] {
        let ids: Vec<String> = users::table
            .filter(users::role.eq("supervisor"))
            .filter(users::status.eq("active"))
            .filter(users::jurisdiction_code.eq(code))
            .order(users::id.asc())
            .select(users::id)
            .load(conn)?;
        if !ids.is_empty() {
            return Ok(ids);
        }
    }
    Ok(Vec::new())
}

/// The escalations a supervisor may see, newest first, with the case number.
pub fn list(
    conn: &mut DbConn,
    scope: &Scope,
    limit: i64,
) -> QueryResult<Vec<(EscalationRow, String, String)>> {
    let q = escalations::table
        .inner_join(applications::table)
        .select((
            EscalationRow::as_select(),
            applications::number,
            applications::type_code,
        ))
        .order((escalations::escalated_at.desc(), escalations::id.desc()))
        .limit(limit)
        .into_boxed();
    let q = match scope {
        Scope::Area(Level::County, c) => q.filter(escalations::county_code.eq(c.clone())),
        Scope::Area(Level::Township, c) => q.filter(escalations::township_code.eq(c.clone())),
        Scope::Area(Level::Village, c) => q.filter(escalations::village_code.eq(c.clone())),
        Scope::All => q,
        Scope::Own(_) | Scope::Nothing => return Ok(Vec::new()),
    };
    q.load(conn)
}
