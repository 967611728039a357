//! Reference data: jurisdictions, certificate types, the holiday calendar, counters.

use chrono::NaiveDate;
use diesel::prelude::*;

use super::models::{now, CertificateTypeRow, CertificateTypeVersionRow, HolidayRow, Jurisdiction};
use super::schema::{
    certificate_type_versions, certificate_types, counters, holidays, jurisdictions,
};
use super::DbConn;
use crate::domain::calendar::{DayKind, WorkCalendar};
use crate::domain::cert_type::{backfill_english_texts, CertificateType};

pub fn all_jurisdictions(conn: &mut DbConn) -> QueryResult<Vec<Jurisdiction>> {
    jurisdictions::table
        .order(jurisdictions::code.asc())
        .select(Jurisdiction::as_select())
        .load(conn)
}

/// The villages under `area` (a county or township code; codes are hierarchical), by
/// code: a prefix of the key, so the office page does not load every jurisdiction of a
/// province on each request.
pub fn villages_under(conn: &mut DbConn, area: &str) -> QueryResult<Vec<Jurisdiction>> {
    if area.is_empty() || !area.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Vec::new());
    }
    // A prefix, not a range [area, area + ':'): under a PostgreSQL ICU collation ':'
    // does not sort after the digits and the range came back empty. Codes are digits,
    // so the pattern holds no wildcard but the trailing '%'.
    jurisdictions::table
        .filter(jurisdictions::code.like(format!("{area}%")))
        .filter(jurisdictions::level.eq("village"))
        .order(jurisdictions::code.asc())
        .select(Jurisdiction::as_select())
        .load(conn)
}

pub fn jurisdiction(conn: &mut DbConn, code: &str) -> QueryResult<Option<Jurisdiction>> {
    jurisdictions::table
        .find(code)
        .select(Jurisdiction::as_select())
        .first(conn)
        .optional()
}

/// Names of the given codes, in one query.
pub fn jurisdiction_names(
    conn: &mut DbConn,
    codes: &[&str],
) -> QueryResult<std::collections::HashMap<String, String>> {
    Ok(jurisdictions::table
        .filter(jurisdictions::code.eq_any(codes))
        .select((jurisdictions::code, jurisdictions::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// Inserts a jurisdiction unless its code exists; returns whether it was new.
pub fn ensure_jurisdiction(
    conn: &mut DbConn,
    code: &str,
    name: &str,
    level: &str,
    parent: Option<&str>,
) -> QueryResult<bool> {
    if jurisdiction(conn, code)?.is_some() {
        return Ok(false);
    }
    let row = Jurisdiction {
        code: code.to_owned(),
        name: name.to_owned(),
        level: level.to_owned(),
        parent_code: parent.map(str::to_owned),
        created_at: now(),
        active: true,
    };
    diesel::insert_into(jurisdictions::table)
        .values(&row)
        .execute(conn)?;
    Ok(true)
}

pub fn active_types(conn: &mut DbConn) -> QueryResult<Vec<CertificateType>> {
    let rows: Vec<CertificateTypeRow> = certificate_types::table
        .filter(certificate_types::active.eq(true))
        .order(certificate_types::sort_order.asc())
        .select(CertificateTypeRow::as_select())
        .load(conn)?;
    Ok(rows.iter().filter_map(parse_type).collect())
}

pub fn type_by_code(conn: &mut DbConn, code: &str) -> QueryResult<Option<CertificateType>> {
    let row: Option<CertificateTypeRow> = certificate_types::table
        .find(code)
        .select(CertificateTypeRow::as_select())
        .first(conn)
        .optional()?;
    Ok(row.as_ref().and_then(parse_type))
}

fn parse_type(row: &CertificateTypeRow) -> Option<CertificateType> {
    match serde_json::from_str(&row.spec) {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::error!(code = %row.code, error = %e, "stored certificate type does not parse");
            None
        }
    }
}

/// Seeds the catalogue on first start, each type as its version 1; a type already stored
/// is left alone (its versions are the admins'), except that English texts its stored
/// versions lack (written by an older release) are filled in from the seed
/// ([`backfill_english_texts`]) so that they still parse.
pub fn seed_types(conn: &mut DbConn, types: &[CertificateType]) -> QueryResult<usize> {
    let mut added = 0;
    for (i, t) in types.iter().enumerate() {
        let stored: Option<String> = certificate_types::table
            .find(&t.code)
            .select(certificate_types::spec)
            .first(conn)
            .optional()?;
        if let Some(stored) = stored {
            if let Some(spec) = backfilled(t, &stored) {
                diesel::update(certificate_types::table.find(&t.code))
                    .set((
                        certificate_types::spec.eq(spec),
                        certificate_types::updated_at.eq(now()),
                    ))
                    .execute(conn)?;
                tracing::info!(code = %t.code, "added the English texts to a stored certificate type");
            }
            backfill_versions(conn, t)?;
            continue;
        }
        let spec = serde_json::to_string(t)
            .map_err(|e| diesel::result::Error::SerializationError(e.into()))?;
        let row = CertificateTypeRow {
            code: t.code.clone(),
            sort_order: i32::try_from(i).unwrap_or(i32::MAX),
            name_zh: t.name_zh.clone(),
            spec: spec.clone(),
            active: true,
            updated_at: now(),
            current_version: 1,
        };
        diesel::insert_into(certificate_types::table)
            .values(&row)
            .execute(conn)?;
        diesel::insert_into(certificate_type_versions::table)
            .values(&CertificateTypeVersionRow {
                type_code: t.code.clone(),
                version: 1,
                spec,
                created_at: row.updated_at,
                created_by: None,
                note: "seed".into(),
            })
            .execute(conn)?;
        added += 1;
    }
    Ok(added)
}

/// The stored spec with the English texts it lacks added, or `None` when nothing was
/// missing or it cannot be mended: a spec that is not JSON, or still does not parse as a
/// type after the backfill, stays as it is (logged).
fn backfilled(seed: &CertificateType, stored: &str) -> Option<String> {
    let Ok(mut spec) = serde_json::from_str::<serde_json::Value>(stored) else {
        tracing::error!(code = %seed.code, "stored certificate type is not JSON");
        return None;
    };
    if !backfill_english_texts(&mut spec, seed) {
        return None;
    }
    if let Err(e) = serde_json::from_value::<CertificateType>(spec.clone()) {
        tracing::error!(code = %seed.code, error = %e, "stored certificate type does not parse");
        return None;
    }
    Some(spec.to_string())
}

/// The same backfill for each stored version of the type (old cases read theirs).
fn backfill_versions(conn: &mut DbConn, seed: &CertificateType) -> QueryResult<()> {
    let versions: Vec<(i32, String)> = certificate_type_versions::table
        .filter(certificate_type_versions::type_code.eq(&seed.code))
        .select((
            certificate_type_versions::version,
            certificate_type_versions::spec,
        ))
        .load(conn)?;
    for (version, stored) in versions {
        if let Some(spec) = backfilled(seed, &stored) {
            diesel::update(certificate_type_versions::table.find((&seed.code, version)))
                .set(certificate_type_versions::spec.eq(spec))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// Years that have holiday rows.
pub fn holiday_years(conn: &mut DbConn) -> QueryResult<std::collections::BTreeSet<i32>> {
    Ok(calendar(conn)?.covered_years().collect())
}

/// Whether `year` has holiday rows (its State Council notice is loaded).
pub fn year_loaded(conn: &mut DbConn, year: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        holidays::table.filter(holidays::day.like(format!("{year:04}-%"))),
    ))
    .get_result(conn)
}

/// The rows of one year, by date.
pub fn holidays_of_year(conn: &mut DbConn, year: i32) -> QueryResult<Vec<HolidayRow>> {
    holidays::table
        .filter(holidays::day.like(format!("{year:04}-%")))
        .order(holidays::day.asc())
        .select(HolidayRow::as_select())
        .load(conn)
}

/// Adds validated rows, in the caller's transaction.
pub fn add_holidays(
    conn: &mut DbConn,
    rows: &[crate::domain::calendar::Holiday],
) -> QueryResult<usize> {
    let rows: Vec<HolidayRow> = rows
        .iter()
        .map(|h| HolidayRow {
            day: h.date.format("%Y-%m-%d").to_string(),
            kind: h.kind.as_str().to_owned(),
            note: h.note.clone(),
            source: h.source.clone(),
        })
        .collect();
    for chunk in rows.chunks(500) {
        crate::db::batch_insert!(&mut *conn, holidays::table, chunk)?;
    }
    Ok(rows.len())
}

/// The working-day calendar as the database has it now.
pub fn calendar(conn: &mut DbConn) -> QueryResult<WorkCalendar> {
    let rows: Vec<HolidayRow> = holidays::table.select(HolidayRow::as_select()).load(conn)?;
    Ok(WorkCalendar::new(rows.iter().filter_map(|r| {
        let d = NaiveDate::parse_from_str(&r.day, "%Y-%m-%d").ok()?;
        Some((d, DayKind::parse(&r.kind)?))
    })))
}

/// The next value of a named counter, inside the caller's transaction. The row is
/// updated first, so concurrent callers queue on its lock and never share a value.
pub fn next_counter(conn: &mut DbConn, name: &str) -> QueryResult<i64> {
    let bump = |conn: &mut DbConn| {
        diesel::update(counters::table.find(name))
            .set(counters::value.eq(counters::value + 1))
            .execute(conn)
    };
    if bump(conn)? == 0 {
        // First use of this counter. A savepoint keeps a concurrent creator's unique
        // violation from aborting the caller's transaction on PostgreSQL.
        let created = conn.transaction(|c| {
            diesel::insert_into(counters::table)
                .values((counters::name.eq(name), counters::value.eq(1i64)))
                .execute(c)
        });
        match created {
            Ok(_) => return Ok(1),
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {
                bump(conn)?;
            }
            Err(e) => return Err(e),
        }
    }
    counters::table
        .find(name)
        .select(counters::value)
        .first(conn)
}
