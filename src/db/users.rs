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

/// How long a session may go unused before it ends, by the account's role.
#[derive(Debug, Clone, Copy)]
pub struct Idle {
    pub resident: chrono::Duration,
    pub staff: chrono::Duration,
}

/// The active user behind a session that has neither expired nor gone idle, with the
/// session.
pub fn by_session(
    conn: &mut DbConn,
    token_hash: &str,
    now: NaiveDateTime,
    idle: Idle,
) -> QueryResult<Option<(User, Session, bool)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now))
        .filter(users::status.eq("active"))
        .filter(
            users::role
                .eq("resident")
                .and(sessions::last_seen_at.gt(now - idle.resident))
                .or(users::role
                    .ne("resident")
                    .and(sessions::last_seen_at.gt(now - idle.staff))),
        )
        .select((User::as_select(), Session::as_select(), users::care_mode))
        .first(conn)
        .optional()
}

/// Remembers 长辈版 (care mode) on or off in the account.
pub fn set_care_mode(conn: &mut DbConn, user_id: &str, on: bool) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::care_mode.eq(on))
        .execute(conn)
        .map(|_| ())
}

/// Marks the session used now, unless it was within `every` already (so reads do not
/// each become a write). Conditional, so instances racing on it write once.
pub fn touch_session(
    conn: &mut DbConn,
    id: &str,
    now: NaiveDateTime,
    every: chrono::Duration,
) -> QueryResult<usize> {
    diesel::update(
        sessions::table
            .filter(sessions::id.eq(id))
            .filter(sessions::last_seen_at.lt(now - every)),
    )
    .set(sessions::last_seen_at.eq(now))
    .execute(conn)
}

/// The user's sessions that have neither expired nor gone unused since `seen_after`,
/// most recently used first.
pub fn sessions_of(
    conn: &mut DbConn,
    user_id: &str,
    now: NaiveDateTime,
    seen_after: NaiveDateTime,
) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::user_id.eq(user_id))
        .filter(sessions::expires_at.gt(now))
        .filter(sessions::last_seen_at.gt(seen_after))
        .order(sessions::last_seen_at.desc())
        .select(Session::as_select())
        .load(conn)
}

pub fn delete_session(conn: &mut DbConn, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute(conn)
}

/// Ends one of the user's sessions by its id; 0 when the user has no such session.
pub fn delete_session_of(conn: &mut DbConn, user_id: &str, id: &str) -> QueryResult<usize> {
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user_id))
            .filter(sessions::id.eq(id)),
    )
    .execute(conn)
}

/// Ends every session of the user but `keep` (the one asking), or all with `None`.
pub fn delete_sessions_of(
    conn: &mut DbConn,
    user_id: &str,
    keep: Option<&str>,
) -> QueryResult<usize> {
    let mine = sessions::table.filter(sessions::user_id.eq(user_id));
    match keep {
        Some(k) => diesel::delete(mine.filter(sessions::id.ne(k))).execute(conn),
        None => diesel::delete(mine).execute(conn),
    }
}

pub fn delete_expired_sessions(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(now))).execute(conn)
}

pub fn set_password(
    conn: &mut DbConn,
    user_id: &str,
    password_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((
            users::password_hash.eq(password_hash),
            users::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn set_phone(
    conn: &mut DbConn,
    user_id: &str,
    phone: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set((users::phone.eq(phone), users::updated_at.eq(now)))
        .execute(conn)
}
