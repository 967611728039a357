//! Writing jurisdictions (an import of division codes, or one village at a time); the
//! reads for choosing and listing are in `catalog`.

use diesel::prelude::*;

use super::models::{now, Jurisdiction};
use super::schema::jurisdictions;
use super::DbConn;

/// Every jurisdiction whose code starts with `prefix` (all of them for ""), by code.
pub fn under(conn: &mut DbConn, prefix: &str) -> QueryResult<Vec<Jurisdiction>> {
    jurisdictions::table
        .filter(jurisdictions::code.like(format!("{prefix}%")))
        .order(jurisdictions::code.asc())
        .select(Jurisdiction::as_select())
        .load(conn)
}

pub fn insert(
    conn: &mut DbConn,
    code: &str,
    name: &str,
    level: &str,
    parent: Option<&str>,
) -> QueryResult<()> {
    diesel::insert_into(jurisdictions::table)
        .values(&Jurisdiction {
            code: code.to_owned(),
            name: name.to_owned(),
            level: level.to_owned(),
            parent_code: parent.map(str::to_owned),
            created_at: now(),
            active: true,
        })
        .execute(conn)
        .map(|_| ())
}

/// Sets the name and whether it is active (a rename keeps the code, so every case that
/// points at it now shows the new name).
pub fn update(conn: &mut DbConn, code: &str, name: &str, active: bool) -> QueryResult<()> {
    diesel::update(jurisdictions::table.find(code))
        .set((
            jurisdictions::name.eq(name),
            jurisdictions::active.eq(active),
        ))
        .execute(conn)
        .map(|_| ())
}
