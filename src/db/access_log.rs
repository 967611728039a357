//! Who revealed which personal data, and when.

use diesel::prelude::*;

use super::models::AccessLogRow;
use super::schema::access_log;
use super::DbConn;

pub fn insert(conn: &mut DbConn, row: &AccessLogRow) -> QueryResult<()> {
    diesel::insert_into(access_log::table)
        .values(row)
        .execute(conn)
        .map(|_| ())
}

pub fn for_target(
    conn: &mut DbConn,
    target_type: &str,
    target_id: &str,
) -> QueryResult<Vec<AccessLogRow>> {
    access_log::table
        .filter(access_log::target_type.eq(target_type))
        .filter(access_log::target_id.eq(target_id))
        .order(access_log::created_at.asc())
        .select(AccessLogRow::as_select())
        .load(conn)
}
