//! Stored ID numbers (`users.id_number`, `applications.subject_id_number`,
//! `roster_entries.id_number`) and their blind indexes. The values are opaque strings here: `workflow::id_numbers` and the
//! use cases seal and open them (`crypto`).

use diesel::prelude::*;

use super::models::User;
use super::schema::{applications, roster_entries, sessions, users};
use super::DbConn;

/// Where ID numbers are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// `users.id_number` (with `id_number_bidx`).
    Users,
    /// `applications.subject_id_number` (with `subject_id_bidx`).
    Applications,
    /// `roster_entries.id_number` (with `id_bidx`): other departments' rosters.
    Rosters,
}

impl Column {
    pub const ALL: [Column; 3] = [Column::Users, Column::Applications, Column::Rosters];

    pub fn name(self) -> &'static str {
        match self {
            Column::Users => "users.id_number",
            Column::Applications => "applications.subject_id_number",
            Column::Rosters => "roster_entries.id_number",
        }
    }
}

/// The next rows after `after` (by id) whose value does not match `not_like`:
/// (row id, stored value, blind index).
pub fn batch(
    conn: &mut DbConn,
    col: Column,
    after: &str,
    not_like: &str,
    limit: i64,
) -> QueryResult<Vec<(String, String, Option<String>)>> {
    match col {
        Column::Users => users::table
            .filter(users::id.gt(after))
            .filter(users::id_number.is_not_null())
            .filter(users::id_number.not_like(not_like))
            .order(users::id.asc())
            .limit(limit)
            .select((
                users::id,
                users::id_number.assume_not_null(),
                users::id_number_bidx,
            ))
            .load(conn),
        Column::Applications => applications::table
            .filter(applications::id.gt(after))
            .filter(applications::subject_id_number.not_like(not_like))
            .order(applications::id.asc())
            .limit(limit)
            .select((
                applications::id,
                applications::subject_id_number,
                applications::subject_id_bidx,
            ))
            .load(conn),
        Column::Rosters => roster_entries::table
            .filter(roster_entries::id.gt(after))
            .filter(roster_entries::id_number.not_like(not_like))
            .order(roster_entries::id.asc())
            .limit(limit)
            .select((
                roster_entries::id,
                roster_entries::id_number,
                roster_entries::id_bidx.nullable(),
            ))
            .load(conn),
    }
}

/// Replaces a row's value if it is still `old` (a concurrent edit wins), and sets its
/// blind index when `index` is given. False: the row changed meanwhile.
pub fn replace(
    conn: &mut DbConn,
    col: Column,
    id: &str,
    old: &str,
    new: &str,
    index: Option<Option<&str>>,
) -> QueryResult<bool> {
    let n = match (col, index) {
        (Column::Users, None) => diesel::update(
            users::table
                .filter(users::id.eq(id))
                .filter(users::id_number.eq(old)),
        )
        .set(users::id_number.eq(new))
        .execute(conn)?,
        (Column::Users, Some(ix)) => diesel::update(
            users::table
                .filter(users::id.eq(id))
                .filter(users::id_number.eq(old)),
        )
        .set((users::id_number.eq(new), users::id_number_bidx.eq(ix)))
        .execute(conn)?,
        (Column::Applications, None) => diesel::update(
            applications::table
                .filter(applications::id.eq(id))
                .filter(applications::subject_id_number.eq(old)),
        )
        .set(applications::subject_id_number.eq(new))
        .execute(conn)?,
        (Column::Applications, Some(ix)) => diesel::update(
            applications::table
                .filter(applications::id.eq(id))
                .filter(applications::subject_id_number.eq(old)),
        )
        .set((
            applications::subject_id_number.eq(new),
            applications::subject_id_bidx.eq(ix),
        ))
        .execute(conn)?,
        (Column::Rosters, Some(Some(ix))) => diesel::update(
            roster_entries::table
                .filter(roster_entries::id.eq(id))
                .filter(roster_entries::id_number.eq(old)),
        )
        .set((
            roster_entries::id_number.eq(new),
            roster_entries::id_bidx.eq(ix),
        ))
        .execute(conn)?,
        // The index is never cleared: a roster line always has one.
        (Column::Rosters, _) => diesel::update(
            roster_entries::table
                .filter(roster_entries::id.eq(id))
                .filter(roster_entries::id_number.eq(old)),
        )
        .set(roster_entries::id_number.eq(new))
        .execute(conn)?,
    };
    Ok(n == 1)
}

/// How many stored values match `like` (or, with `negate`, do not).
pub fn count(conn: &mut DbConn, col: Column, like: &str, negate: bool) -> QueryResult<i64> {
    match (col, negate) {
        (Column::Users, false) => users::table
            .filter(users::id_number.like(like))
            .count()
            .get_result(conn),
        (Column::Users, true) => users::table
            .filter(users::id_number.is_not_null())
            .filter(users::id_number.not_like(like))
            .count()
            .get_result(conn),
        (Column::Applications, false) => applications::table
            .filter(applications::subject_id_number.like(like))
            .count()
            .get_result(conn),
        (Column::Applications, true) => applications::table
            .filter(applications::subject_id_number.not_like(like))
            .count()
            .get_result(conn),
        (Column::Rosters, false) => roster_entries::table
            .filter(roster_entries::id_number.like(like))
            .count()
            .get_result(conn),
        (Column::Rosters, true) => roster_entries::table
            .filter(roster_entries::id_number.not_like(like))
            .count()
            .get_result(conn),
    }
}

/// Values sealed (`sealed_like`) under none of the `known` key patterns, in one
/// statement: counted separately, rows written between the counts (another instance
/// serving meanwhile) looked like values under an unknown key.
pub fn count_unknown(
    conn: &mut DbConn,
    col: Column,
    sealed_like: &str,
    known: &[String],
) -> QueryResult<i64> {
    match col {
        Column::Users => {
            let mut q = users::table
                .filter(users::id_number.like(sealed_like))
                .into_boxed();
            for k in known {
                q = q.filter(users::id_number.not_like(k));
            }
            q.count().get_result(conn)
        }
        Column::Applications => {
            let mut q = applications::table
                .filter(applications::subject_id_number.like(sealed_like))
                .into_boxed();
            for k in known {
                q = q.filter(applications::subject_id_number.not_like(k));
            }
            q.count().get_result(conn)
        }
        Column::Rosters => {
            let mut q = roster_entries::table
                .filter(roster_entries::id_number.like(sealed_like))
                .into_boxed();
            for k in known {
                q = q.filter(roster_entries::id_number.not_like(k));
            }
            q.count().get_result(conn)
        }
    }
}

/// Certificates whose PDF is sealed under none of the `kids`, in one statement.
pub fn count_certificates_unknown(conn: &mut DbConn, kids: &[String]) -> QueryResult<i64> {
    use super::schema::certificates as c;
    c::table
        .filter(c::pdf_data_kid.is_not_null())
        .filter(diesel::dsl::not(c::pdf_data_kid.eq_any(kids)))
        .count()
        .get_result(conn)
}

/// The account an ID number is bound to (by blind index), whatever its status.
pub fn user_with_index(conn: &mut DbConn, index: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::id_number_bidx.eq(index))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Binds (or, with `None`, unbinds) an account's ID number.
pub fn bind(
    conn: &mut DbConn,
    user_id: &str,
    value: Option<(&str, &str)>,
    at: chrono::NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::id.eq(user_id)))
        .set((
            users::id_number.eq(value.map(|v| v.0)),
            users::id_number_bidx.eq(value.map(|v| v.1)),
            users::updated_at.eq(at),
        ))
        .execute(conn)
}

/// Deactivates an account and ends all its sessions.
pub fn deactivate(conn: &mut DbConn, user_id: &str, at: chrono::NaiveDateTime) -> QueryResult<()> {
    diesel::update(users::table.filter(users::id.eq(user_id)))
        .set((users::status.eq("disabled"), users::updated_at.eq(at)))
        .execute(conn)?;
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}

/// Certificates after `after` (by id) whose PDF is stored in clear (`under: None`) or
/// under another key than `under`: (id, blob key, kid).
pub fn certificates_batch(
    conn: &mut DbConn,
    after: &str,
    not_under: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<(String, String, Option<String>)>> {
    use super::schema::certificates as c;
    let q = c::table
        .filter(c::id.gt(after))
        .order(c::id.asc())
        .limit(limit)
        .select((c::id, c::pdf_key, c::pdf_data_kid));
    match not_under {
        None => q.filter(c::pdf_data_kid.is_null()).load(conn),
        Some(kid) => q
            .filter(c::pdf_data_kid.is_not_null())
            .filter(c::pdf_data_kid.ne(kid))
            .load(conn),
    }
}

/// Records the key a certificate's PDF is now stored under.
pub fn set_certificate_kid(conn: &mut DbConn, id: &str, kid: &str) -> QueryResult<usize> {
    use super::schema::certificates as c;
    diesel::update(c::table.filter(c::id.eq(id)))
        .set(c::pdf_data_kid.eq(kid))
        .execute(conn)
}

/// Certificates whose PDF is stored under `kid` (`None`: in clear).
pub fn count_certificates(conn: &mut DbConn, kid: Option<&str>) -> QueryResult<i64> {
    use super::schema::certificates as c;
    match kid {
        None => c::table
            .filter(c::pdf_data_kid.is_null())
            .count()
            .get_result(conn),
        Some(k) => c::table
            .filter(c::pdf_data_kid.eq(k))
            .count()
            .get_result(conn),
    }
}

/// Certificates whose PDF is stored encrypted, under any key.
pub fn count_sealed_certificates(conn: &mut DbConn) -> QueryResult<i64> {
    use super::schema::certificates as c;
    c::table
        .filter(c::pdf_data_kid.is_not_null())
        .count()
        .get_result(conn)
}
