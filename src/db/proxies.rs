//! `application_proxies`: the cases made for someone else (issue 16, 代办).

use diesel::prelude::*;

use super::models::ApplicationProxy;
use super::schema::{application_proxies, applications, users};
use super::DbConn;

pub fn insert(conn: &mut DbConn, row: &ApplicationProxy) -> QueryResult<()> {
    diesel::insert_into(application_proxies::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The proxy row of a case the caller has already found in their scope.
pub fn of_application(conn: &mut DbConn, app_id: &str) -> QueryResult<Option<ApplicationProxy>> {
    application_proxies::table
        .find(app_id)
        .select(ApplicationProxy::as_select())
        .first(conn)
        .optional()
}

/// The proxy row with the agent's name, if an agent applied.
pub fn with_agent_name(
    conn: &mut DbConn,
    app_id: &str,
) -> QueryResult<Option<(ApplicationProxy, Option<String>)>> {
    let Some(p) = of_application(conn, app_id)? else {
        return Ok(None);
    };
    let name = match &p.agent_id {
        Some(a) => users::table
            .find(a)
            .select(users::name)
            .first::<String>(conn)
            .optional()?,
        None => None,
    };
    Ok(Some((p, name)))
}

pub fn save(conn: &mut DbConn, row: &ApplicationProxy) -> QueryResult<()> {
    diesel::update(application_proxies::table.find(&row.application_id))
        .set(row)
        .execute(conn)
        .map(|_| ())
}

/// Removes the row when a draft becomes an application about the applicant themself.
pub fn delete(conn: &mut DbConn, app_id: &str) -> QueryResult<()> {
    diesel::delete(application_proxies::table.find(app_id))
        .execute(conn)
        .map(|_| ())
}

/// Submitted cases made for someone else, per village, submitted in `[from, until)`,
/// within the scope: (village code, by an agent, by a relative). For the figures.
pub fn per_village(
    conn: &mut DbConn,
    scope: &crate::domain::scope::Scope,
    from: chrono::NaiveDateTime,
    until: chrono::NaiveDateTime,
) -> QueryResult<Vec<(String, i64, i64)>> {
    use crate::domain::scope::Scope;
    use diesel::dsl::count_star;
    use diesel::sql_types::Bool;
    use diesel::IntoSql;
    let area = match scope {
        Scope::All => None,
        Scope::Area(_, code) => Some(code.clone()),
        Scope::Own(_) | Scope::Nothing => return Ok(Vec::new()),
    };
    let everywhere = area.is_none();
    // Division codes of different levels differ in length, so one code matches at
    // most one of the three columns.
    let code = area.unwrap_or_default();
    let mut counts = std::collections::BTreeMap::<String, (i64, i64)>::new();
    for by_agent in [true, false] {
        let rows: Vec<(String, i64)> = application_proxies::table
            .inner_join(applications::table)
            .filter(applications::submitted_at.ge(from))
            .filter(applications::submitted_at.lt(until))
            .filter(
                everywhere
                    .into_sql::<Bool>()
                    .or(applications::county_code.eq(&code))
                    .or(applications::township_code.eq(&code))
                    .or(applications::village_code.eq(&code)),
            )
            .filter(application_proxies::agent_id.is_not_null().eq(by_agent))
            .group_by(application_proxies::village_code)
            .select((application_proxies::village_code, count_star()))
            .load(conn)?;
        for (village, n) in rows {
            let c = counts.entry(village).or_default();
            if by_agent {
                c.0 += n;
            } else {
                c.1 += n;
            }
        }
    }
    Ok(counts.into_iter().map(|(v, (a, r))| (v, a, r)).collect())
}
