//! Fixed-window counters in the database, so every instance behind a load balancer
//! sees the same count (docs/architecture.md §10).

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::schema::rate_limits;
use super::DbConn;

/// Counts one hit for `key` and returns the hits in the current window (this one
/// included). Safe when instances race on a new key: the loser of the insert counts
/// on the winner's row.
pub fn hit(conn: &mut DbConn, key: &str, window: Duration, now: NaiveDateTime) -> QueryResult<i32> {
    for _ in 0..2 {
        let current = diesel::update(
            rate_limits::table
                .filter(rate_limits::key.eq(key))
                .filter(rate_limits::window_start.gt(now - window)),
        )
        .set(rate_limits::hits.eq(rate_limits::hits + 1))
        .execute(conn)?;
        if current == 1 {
            return rate_limits::table
                .find(key)
                .select(rate_limits::hits)
                .first(conn);
        }
        let restarted = diesel::update(rate_limits::table.find(key))
            .set((rate_limits::window_start.eq(now), rate_limits::hits.eq(1)))
            .execute(conn)?;
        if restarted == 1 {
            return Ok(1);
        }
        // A savepoint, so a lost race does not abort the caller's transaction.
        let inserted = conn.transaction(|c| {
            diesel::insert_into(rate_limits::table)
                .values((
                    rate_limits::key.eq(key),
                    rate_limits::window_start.eq(now),
                    rate_limits::hits.eq(1),
                ))
                .execute(c)
        });
        match inserted {
            Ok(_) => return Ok(1),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(diesel::result::Error::RollbackTransaction)
}

/// Removes windows that ended before `before`.
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(rate_limits::table.filter(rate_limits::window_start.lt(before))).execute(conn)
}

/// When the current window of `key` started, if it has one.
pub fn window_start(conn: &mut DbConn, key: &str) -> QueryResult<Option<NaiveDateTime>> {
    rate_limits::table
        .find(key)
        .select(rate_limits::window_start)
        .first(conn)
        .optional()
}

/// Takes a free one of the `slots` numbered slots `{prefix}:{i}` (a row held since `now`;
/// a row older than `lease` is free again: its holder died without giving it back).
/// Returns the key taken, or None while every slot is held. Safe when instances race
/// for one slot: the conditional update or the insert lets exactly one through.
pub fn take_slot(
    conn: &mut DbConn,
    prefix: &str,
    slots: usize,
    lease: Duration,
    now: NaiveDateTime,
) -> QueryResult<Option<String>> {
    for i in 0..slots {
        let key = format!("{prefix}:{i}");
        let expired = diesel::update(
            rate_limits::table
                .filter(rate_limits::key.eq(&key))
                .filter(rate_limits::window_start.le(now - lease)),
        )
        .set((rate_limits::window_start.eq(now), rate_limits::hits.eq(1)))
        .execute(conn)?;
        if expired == 1 {
            return Ok(Some(key));
        }
        let inserted = conn.transaction(|c| {
            diesel::insert_into(rate_limits::table)
                .values((
                    rate_limits::key.eq(&key),
                    rate_limits::window_start.eq(now),
                    rate_limits::hits.eq(1),
                ))
                .execute(c)
        });
        match inserted {
            Ok(_) => return Ok(Some(key)),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(None)
}

/// Gives back a slot taken at `taken_at` (not one that expired and was taken since).
pub fn free_slot(conn: &mut DbConn, key: &str, taken_at: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        rate_limits::table
            .filter(rate_limits::key.eq(key))
            .filter(rate_limits::window_start.eq(taken_at)),
    )
    .execute(conn)
}
