//! Failed sign-ins per key (a hashed phone or client address), shared by every
//! instance (docs/architecture.md §10). The policy is `workflow::throttle`'s.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::SignInFailures;
use super::schema::sign_in_failures as t;
use super::DbConn;

/// The row of `key`, locked for the caller's write transaction: a no-op update takes
/// the row lock on PostgreSQL (SQLite's write transaction holds the whole database), so
/// two attempts at once are counted one after the other.
pub fn lock(conn: &mut DbConn, key: &str) -> QueryResult<Option<SignInFailures>> {
    diesel::update(t::table.find(key))
        .set(t::failures.eq(t::failures))
        .execute(conn)?;
    t::table
        .find(key)
        .select(SignInFailures::as_select())
        .first(conn)
        .optional()
}

/// Writes the row: an update, else an insert (in a savepoint; a racing insert of the
/// same key is answered by updating it).
pub fn save(conn: &mut DbConn, row: &SignInFailures) -> QueryResult<()> {
    for _ in 0..2 {
        let n = diesel::update(t::table.find(&row.key))
            .set((
                t::failures.eq(row.failures),
                t::last_failure_at.eq(row.last_failure_at),
                t::locked_until.eq(row.locked_until),
            ))
            .execute(conn)?;
        if n == 1 {
            return Ok(());
        }
        match conn.transaction(|c| diesel::insert_into(t::table).values(row).execute(c)) {
            Ok(_) => return Ok(()),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(diesel::result::Error::RollbackTransaction)
}

pub fn delete(conn: &mut DbConn, key: &str) -> QueryResult<usize> {
    diesel::delete(t::table.find(key)).execute(conn)
}

/// Removes rows whose last failure and lock are both older than `before`.
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        t::table
            .filter(t::last_failure_at.lt(before))
            .filter(t::locked_until.is_null().or(t::locked_until.lt(before))),
    )
    .execute(conn)
}
