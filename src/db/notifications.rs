//! The notification outbox and the contact preferences it needs.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::Notification;
use super::schema::{notifications, users};
use super::DbConn;

pub fn insert(conn: &mut DbConn, n: &Notification) -> QueryResult<()> {
    diesel::insert_into(notifications::table)
        .values(n)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Notification>> {
    notifications::table
        .find(id)
        .select(Notification::as_select())
        .first(conn)
        .optional()
}

pub fn for_application(conn: &mut DbConn, application_id: &str) -> QueryResult<Vec<Notification>> {
    notifications::table
        .filter(notifications::application_id.eq(application_id))
        .order(notifications::created_at.asc())
        .select(Notification::as_select())
        .load(conn)
}

/// Starts an attempt unless the message has been sent already; false then.
pub fn start_attempt(conn: &mut DbConn, id: &str) -> QueryResult<bool> {
    let n = diesel::update(
        notifications::table
            .filter(notifications::id.eq(id))
            .filter(notifications::status.ne("sent")),
    )
    .set((
        notifications::status.eq("sending"),
        notifications::attempts.eq(notifications::attempts + 1),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The message went out; `params`, when given, replaces the stored variables in the
/// same update (a sent code is blanked).
pub fn mark_sent(
    conn: &mut DbConn,
    id: &str,
    at: NaiveDateTime,
    params: Option<&str>,
) -> QueryResult<()> {
    let row = notifications::table.find(id);
    let sent = (
        notifications::status.eq("sent"),
        notifications::sent_at.eq(Some(at)),
        notifications::last_error.eq(None::<String>),
    );
    match params {
        Some(p) => diesel::update(row)
            .set((sent, notifications::params.eq(p)))
            .execute(conn),
        None => diesel::update(row).set(sent).execute(conn),
    }
    .map(|_| ())
}

/// A failed attempt: `next` is when it is tried again, or `None` when it will not be.
pub fn mark_failed(
    conn: &mut DbConn,
    id: &str,
    error: &str,
    next: Option<NaiveDateTime>,
) -> QueryResult<()> {
    let status = if next.is_some() { "queued" } else { "failed" };
    let q = diesel::update(notifications::table.find(id));
    match next {
        Some(t) => q
            .set((
                notifications::status.eq(status),
                notifications::last_error.eq(error),
                notifications::next_attempt_at.eq(t),
            ))
            .execute(conn),
        None => q
            .set((
                notifications::status.eq(status),
                notifications::last_error.eq(error),
            ))
            .execute(conn),
    }
    .map(|_| ())
}

/// How a user is reached: phone, email (if given and not opted out), language.
#[derive(Debug, Clone, Queryable)]
pub struct Contact {
    pub phone: String,
    pub email: Option<String>,
    pub email_opt_out: bool,
    pub language: String,
}

pub fn contact_of(conn: &mut DbConn, user_id: &str) -> QueryResult<Option<Contact>> {
    users::table
        .find(user_id)
        .select((
            users::phone,
            users::email,
            users::email_opt_out,
            users::language,
        ))
        .first(conn)
        .optional()
}

/// Sets the email address, the opt-out and the language of a user.
pub fn set_contact(
    conn: &mut DbConn,
    user_id: &str,
    email: Option<&str>,
    email_opt_out: bool,
    language: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set((
            users::email.eq(email),
            users::email_opt_out.eq(email_opt_out),
            users::language.eq(language),
            users::updated_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// When the oldest message not sent yet (queued or being sent; not parked as failed)
/// was written: how far behind the outbox is. For `/metrics`; `notifications_due`
/// (status first) limits the scan to the unsent rows.
pub fn oldest_unsent(conn: &mut DbConn) -> QueryResult<Option<NaiveDateTime>> {
    notifications::table
        .filter(notifications::status.eq_any(["queued", "sending"]))
        .select(diesel::dsl::min(notifications::created_at))
        .first(conn)
}
