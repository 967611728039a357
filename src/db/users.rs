//! Users and their sessions.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{Session, User};
use super::schema::{sessions, users};
use super::DbConn;

pub fn insert(conn: &mut DbConn, user: &User) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map(|_| ())
}

pub fn phone_taken(conn: &mut DbConn, phone: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::phone.eq(phone)),
    ))
    .get_result(conn)
}

pub fn by_phone(conn: &mut DbConn, phone: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::phone.eq(phone))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Every active account of one role (e.g. all admins), oldest first.
pub fn active_with_role(conn: &mut DbConn, role: &str) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::role.eq(role))
        .filter(users::status.eq("active"))
        .order(users::created_at.asc())
        .select(User::as_select())
        .load(conn)
}

/// Active staff of one role in exactly this jurisdiction.
pub fn staff_in(conn: &mut DbConn, role: &str, jurisdiction: &str) -> QueryResult<Vec<User>> {
    users::table
        .filter(users::role.eq(role))
        .filter(users::jurisdiction_code.eq(jurisdiction))
        .filter(users::status.eq("active"))
        .order(users::created_at.asc())
        .select(User::as_select())
        .load(conn)
}

pub fn insert_session(conn: &mut DbConn, s: &Session) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(s)
        .execute(conn)
        .map(|_| ())
}

/// The active user behind an unexpired session.
pub fn by_session(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<User>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(users::status.eq("active"))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn delete_session(conn: &mut DbConn, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute(conn)
}

pub fn delete_expired_sessions(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)
}
