//! Rosters (issue 16): imports, their entries, and what a roster said about a case.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{RosterCheck, RosterEntry, RosterImport};
use super::schema::{roster_checks, roster_entries, roster_imports};
use super::DbConn;

/// The import in force for a kind and county (the newest, not replaced).
pub fn current(conn: &mut DbConn, kind: &str, county: &str) -> QueryResult<Option<RosterImport>> {
    roster_imports::table
        .filter(roster_imports::kind.eq(kind))
        .filter(roster_imports::county_code.eq(county))
        .filter(roster_imports::replaced_at.is_null())
        .select(RosterImport::as_select())
        .first(conn)
        .optional()
}

/// Stores a new import with its entries, and retires the one it replaces: that one's
/// entries are deleted, its row kept with `replaced_at`. Returns how many were replaced.
pub fn replace(
    conn: &mut DbConn,
    import: &RosterImport,
    entries: &[RosterEntry],
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let older: Vec<String> = roster_imports::table
        .filter(roster_imports::kind.eq(&import.kind))
        .filter(roster_imports::county_code.eq(&import.county_code))
        .filter(roster_imports::replaced_at.is_null())
        .select(roster_imports::id)
        .load(conn)?;
    diesel::delete(roster_entries::table.filter(roster_entries::import_id.eq_any(&older)))
        .execute(conn)?;
    diesel::update(roster_imports::table.filter(roster_imports::id.eq_any(&older)))
        .set(roster_imports::replaced_at.eq(Some(at)))
        .execute(conn)?;
    diesel::insert_into(roster_imports::table)
        .values(import)
        .execute(conn)?;
    // 7 columns a row: 500 rows stay under SQLite's and PostgreSQL's parameter limits.
    for chunk in entries.chunks(500) {
        crate::db::batch_insert!(&mut *conn, roster_entries::table, chunk)?;
    }
    Ok(older.len())
}

/// The entry of one person (by the blind index of the ID number) in an import.
pub fn entry(conn: &mut DbConn, import_id: &str, bidx: &str) -> QueryResult<Option<RosterEntry>> {
    roster_entries::table
        .filter(roster_entries::import_id.eq(import_id))
        .filter(roster_entries::id_bidx.eq(bidx))
        .select(RosterEntry::as_select())
        .first(conn)
        .optional()
}

/// Imports, newest first; of one county, or all.
pub fn imports(conn: &mut DbConn, county: Option<&str>) -> QueryResult<Vec<RosterImport>> {
    let mut q = roster_imports::table
        .select(RosterImport::as_select())
        .into_boxed();
    if let Some(c) = county {
        q = q.filter(roster_imports::county_code.eq(c.to_owned()));
    }
    q.order((
        roster_imports::imported_at.desc(),
        roster_imports::id.desc(),
    ))
    .limit(500)
    .load(conn)
}

/// Records what the roster said at a case's submission (the latest replaces the last).
pub fn save_check(conn: &mut DbConn, check: &RosterCheck) -> QueryResult<()> {
    diesel::delete(roster_checks::table.find(&check.application_id)).execute(conn)?;
    diesel::insert_into(roster_checks::table)
        .values(check)
        .execute(conn)
        .map(|_| ())
}

pub fn check_of(conn: &mut DbConn, application_id: &str) -> QueryResult<Option<RosterCheck>> {
    roster_checks::table
        .find(application_id)
        .select(RosterCheck::as_select())
        .first(conn)
        .optional()
}
