//! SMS verification codes: one row per code sent (or per request the code could not
//! serve), counted for the resend wait and the daily caps.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::SmsCode;
use super::schema::sms_codes;
use super::DbConn;

pub fn insert(conn: &mut DbConn, row: &SmsCode) -> QueryResult<()> {
    diesel::insert_into(sms_codes::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

/// The newest code for this phone and purpose (only the newest one can be used: an
/// older code stops working when a newer one is sent).
pub fn latest(conn: &mut DbConn, phone: &str, purpose: &str) -> QueryResult<Option<SmsCode>> {
    sms_codes::table
        .filter(sms_codes::phone.eq(phone))
        .filter(sms_codes::purpose.eq(purpose))
        .order(sms_codes::created_at.desc())
        .select(SmsCode::as_select())
        .first(conn)
        .optional()
}

/// One code by id (a consent code bound to a draft, `workflow::proxy`).
pub fn by_id(conn: &mut DbConn, id: &str) -> QueryResult<Option<SmsCode>> {
    sms_codes::table
        .find(id)
        .select(SmsCode::as_select())
        .first(conn)
        .optional()
}

/// Counts one try on the code if it can still be tried (fewer than `max_tries`, not
/// used, not expired); `false` when it cannot. Counted before the code is compared, in
/// the caller's transaction: the update holds the row, so parallel guesses are counted
/// one after the other and never more than `max_tries` are compared.
pub fn take_try(
    conn: &mut DbConn,
    id: &str,
    max_tries: i32,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        sms_codes::table
            .find(id)
            .filter(sms_codes::tries.lt(max_tries))
            .filter(sms_codes::consumed_at.is_null())
            .filter(sms_codes::expires_at.gt(now)),
    )
    .set(sms_codes::tries.eq(sms_codes::tries + 1))
    .execute(conn)
    .map(|n| n == 1)
}

/// Uses the code up; conditional, so two requests with the same code succeed once.
pub fn consume(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        sms_codes::table
            .find(id)
            .filter(sms_codes::consumed_at.is_null()),
    )
    .set(sms_codes::consumed_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}

/// Codes sent to `phone` since `since` (all purposes): the count and the oldest.
pub fn sent_to_phone(
    conn: &mut DbConn,
    phone: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    sms_codes::table
        .filter(sms_codes::phone.eq(phone))
        .filter(sms_codes::created_at.gt(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(sms_codes::created_at),
        ))
        .first(conn)
}

/// Codes asked for by one client address since `since`: the count and the oldest.
pub fn asked_by_client(
    conn: &mut DbConn,
    client_key: &str,
    since: NaiveDateTime,
) -> QueryResult<(i64, Option<NaiveDateTime>)> {
    sms_codes::table
        .filter(sms_codes::client_key.eq(client_key))
        .filter(sms_codes::created_at.gt(since))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::min(sms_codes::created_at),
        ))
        .first(conn)
}

/// Removes rows older than `before` (they count for nothing any more).
pub fn purge(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(sms_codes::table.filter(sms_codes::created_at.lt(before))).execute(conn)
}
