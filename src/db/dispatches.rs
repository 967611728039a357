//! Certificates and courier dispatches with their event trail.

use diesel::prelude::*;

use super::models::{Certificate, Dispatch, DispatchEventRow};
use super::schema::{certificates, dispatch_events, dispatches};
use super::DbConn;
use crate::domain::role::Level;

pub fn insert_certificate(conn: &mut DbConn, c: &Certificate) -> QueryResult<()> {
    diesel::insert_into(certificates::table)
        .values(c)
        .execute(conn)
        .map(|_| ())
}

pub fn certificate_of(conn: &mut DbConn, application_id: &str) -> QueryResult<Option<Certificate>> {
    certificates::table
        .filter(certificates::application_id.eq(application_id))
        .select(Certificate::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConn, d: &Dispatch) -> QueryResult<()> {
    diesel::insert_into(dispatches::table)
        .values(d)
        .execute(conn)
        .map(|_| ())
}

pub fn by_application(conn: &mut DbConn, application_id: &str) -> QueryResult<Option<Dispatch>> {
    dispatches::table
        .filter(dispatches::application_id.eq(application_id))
        .select(Dispatch::as_select())
        .first(conn)
        .optional()
}

/// Who sees which dispatches: couriers and staff their area's, and a courier also
/// any dispatch assigned to them.
#[derive(Debug, Clone)]
pub enum DispatchScope {
    Area {
        level: Level,
        code: String,
        courier: Option<String>,
    },
    All,
    Nothing,
}

type Boxed<'a> = dispatches::BoxedQuery<'a, <DbConn as Connection>::Backend>;

fn scoped(scope: &DispatchScope) -> Boxed<'_> {
    let q = dispatches::table.into_boxed();
    match scope {
        DispatchScope::All => q,
        DispatchScope::Nothing => q.filter(dispatches::id.eq("")),
        DispatchScope::Area {
            level,
            code,
            courier,
        } => {
            let area: Box<
                dyn BoxableExpression<dispatches::table, _, SqlType = diesel::sql_types::Bool>,
            > = match level {
                Level::County => Box::new(dispatches::county_code.eq(code.clone())),
                Level::Township => Box::new(dispatches::township_code.eq(code.clone())),
                Level::Village => Box::new(dispatches::village_code.eq(code.clone())),
            };
            match courier {
                Some(id) => {
                    q.filter(area.or(dispatches::courier_id.eq(id.clone()).assume_not_null()))
                }
                None => q.filter(area),
            }
        }
    }
}

pub fn find(conn: &mut DbConn, id: &str, scope: &DispatchScope) -> QueryResult<Option<Dispatch>> {
    scoped(scope)
        .filter(dispatches::id.eq(id))
        .select(Dispatch::as_select())
        .first(conn)
        .optional()
}

/// Open dispatches first (oldest first), then the ones finished today or later.
pub fn list(
    conn: &mut DbConn,
    scope: &DispatchScope,
    statuses: &[String],
    limit: i64,
) -> QueryResult<Vec<Dispatch>> {
    let mut q = scoped(scope);
    if !statuses.is_empty() {
        q = q.filter(dispatches::status.eq_any(statuses.to_vec()));
    }
    q.order((
        dispatches::village_code.asc(),
        dispatches::created_at.asc(),
        dispatches::id.asc(),
    ))
    .limit(limit)
    .select(Dispatch::as_select())
    .load(conn)
}

/// The dispatches in `scope` delivered at or after `since` (the start of today, China
/// time): the courier's record of the day, newest first.
/// `courier`: only what that courier delivered (their own record of the day, not the
/// other couriers' recipients and addresses).
pub fn delivered_since(
    conn: &mut DbConn,
    scope: &DispatchScope,
    courier: Option<&str>,
    since: chrono::NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Dispatch>> {
    let mut q = scoped(scope);
    if let Some(id) = courier {
        q = q.filter(dispatches::courier_id.eq(id.to_owned()));
    }
    q.filter(dispatches::status.eq("delivered"))
        .filter(dispatches::delivered_at.ge(since))
        .order((dispatches::delivered_at.desc(), dispatches::id.asc()))
        .limit(limit)
        .select(Dispatch::as_select())
        .load(conn)
}

pub fn update_if_version(conn: &mut DbConn, d: &Dispatch, expected: i32) -> QueryResult<bool> {
    let n = diesel::update(
        dispatches::table
            .filter(dispatches::id.eq(&d.id))
            .filter(dispatches::version.eq(expected)),
    )
    .set(d)
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_event(conn: &mut DbConn, e: &DispatchEventRow) -> QueryResult<()> {
    diesel::insert_into(dispatch_events::table)
        .values(e)
        .execute(conn)
        .map(|_| ())
}

pub fn events(conn: &mut DbConn, dispatch_id: &str) -> QueryResult<Vec<DispatchEventRow>> {
    dispatch_events::table
        .filter(dispatch_events::dispatch_id.eq(dispatch_id))
        .order(dispatch_events::seq.asc())
        .select(DispatchEventRow::as_select())
        .load(conn)
}

pub fn last_event_seq(conn: &mut DbConn, dispatch_id: &str) -> QueryResult<i32> {
    dispatch_events::table
        .filter(dispatch_events::dispatch_id.eq(dispatch_id))
        .select(diesel::dsl::max(dispatch_events::seq))
        .first::<Option<i32>>(conn)
        .map(|m| m.unwrap_or(0))
}

pub fn certificate_by_number(conn: &mut DbConn, number: &str) -> QueryResult<Option<Certificate>> {
    certificates::table
        .filter(certificates::number.eq(number))
        .select(Certificate::as_select())
        .first(conn)
        .optional()
}

/// Marks a valid certificate revoked; false if it was not valid any more.
pub fn revoke_certificate(
    conn: &mut DbConn,
    id: &str,
    at: chrono::NaiveDateTime,
    reason: &str,
    code: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        certificates::table
            .filter(certificates::id.eq(id))
            .filter(certificates::status.eq("valid")),
    )
    .set((
        certificates::status.eq("revoked"),
        certificates::revoked_at.eq(Some(at)),
        certificates::revocation_reason.eq(Some(reason)),
        certificates::revocation_code.eq(Some(code)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Dispatches for a courier's manifest: in scope, created before `until`, in the
/// dispatch list's order (village, then oldest first).
pub fn for_manifest(
    conn: &mut DbConn,
    scope: &DispatchScope,
    until: chrono::NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Dispatch>> {
    scoped(scope)
        .filter(dispatches::created_at.le(until))
        .order((
            dispatches::village_code.asc(),
            dispatches::created_at.asc(),
            dispatches::id.asc(),
        ))
        .limit(limit)
        .select(Dispatch::as_select())
        .load(conn)
}

/// Takes one delivery-code try: counts it before the code is checked, so concurrent
/// tries queue on the row (the update locks it until the transaction ends) and never
/// exceed `max`. The tries counted since the last code, this one included; `None` when
/// the dispatch is locked or has no tries left.
pub fn take_code_try(conn: &mut DbConn, id: &str, max: i32) -> QueryResult<Option<i32>> {
    let n = diesel::update(
        dispatches::table
            .filter(dispatches::id.eq(id))
            .filter(dispatches::locked_at.is_null())
            .filter(dispatches::code_failures.lt(max)),
    )
    .set(dispatches::code_failures.eq(dispatches::code_failures + 1))
    .execute(conn)?;
    if n != 1 {
        return Ok(None);
    }
    dispatches::table
        .find(id)
        .select(dispatches::code_failures)
        .first(conn)
        .map(Some)
}

/// Locks the dispatch's delivery codes (too many wrong ones).
pub fn lock_codes(conn: &mut DbConn, id: &str, at: chrono::NaiveDateTime) -> QueryResult<()> {
    diesel::update(dispatches::table.filter(dispatches::id.eq(id)))
        .set(dispatches::locked_at.eq(Some(at)))
        .execute(conn)
        .map(|_| ())
}
