//! `application_proxies`: the cases made for someone else (issue 16, 代办).

use diesel::prelude::*;

use super::models::ApplicationProxy;
use super::schema::{application_proxies, users};
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
