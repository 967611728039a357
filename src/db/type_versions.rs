//! Catalogue versions (issue 15): every change of a certificate type is a new row of
//! `certificate_type_versions`, and `certificate_types.spec` is the current one's spec.
//! A case reads the version it was submitted under; the guide and new drafts the current.
//! Also the per-county switch (`certificate_type_county_off`).

use diesel::prelude::*;

use super::models::{now, CertificateTypeRow, CertificateTypeVersionRow};
use super::schema::certificate_types;
use super::schema::{applications, certificate_type_county_off, certificate_type_versions};
use super::DbConn;
use crate::domain::cert_type::CertificateType;

/// Every type, active or not, in catalogue order.
pub fn all_rows(conn: &mut DbConn) -> QueryResult<Vec<CertificateTypeRow>> {
    certificate_types::table
        .order(certificate_types::sort_order.asc())
        .select(CertificateTypeRow::as_select())
        .load(conn)
}

/// The current version number of a type.
pub fn current_version(conn: &mut DbConn, code: &str) -> QueryResult<Option<i32>> {
    certificate_types::table
        .find(code)
        .select(certificate_types::current_version)
        .first(conn)
        .optional()
}

/// One version of a type, parsed; `None` if it does not exist or does not parse (logged).
pub fn type_at(
    conn: &mut DbConn,
    code: &str,
    version: i32,
) -> QueryResult<Option<CertificateType>> {
    let spec: Option<String> = certificate_type_versions::table
        .find((code, version))
        .select(certificate_type_versions::spec)
        .first(conn)
        .optional()?;
    Ok(spec.and_then(|s| match serde_json::from_str(&s) {
        Ok(t) => Some(t),
        Err(e) => {
            tracing::error!(%code, version, error = %e, "stored catalogue version does not parse");
            None
        }
    }))
}

/// The versions of a type, newest first.
pub fn history(conn: &mut DbConn, code: &str) -> QueryResult<Vec<CertificateTypeVersionRow>> {
    certificate_type_versions::table
        .filter(certificate_type_versions::type_code.eq(code))
        .order(certificate_type_versions::version.desc())
        .select(CertificateTypeVersionRow::as_select())
        .load(conn)
}

/// Stores `t` as the next version of its type and makes it the current one, in the
/// caller's write transaction. Returns the new version number, or `None` if the type
/// does not exist.
pub fn add(
    conn: &mut DbConn,
    t: &CertificateType,
    by: Option<&str>,
    note: &str,
) -> QueryResult<Option<i32>> {
    let Some(current) = current_version(conn, &t.code)? else {
        return Ok(None);
    };
    let version = current + 1;
    let spec = serde_json::to_string(t)
        .map_err(|e| diesel::result::Error::SerializationError(e.into()))?;
    let at = now();
    diesel::insert_into(certificate_type_versions::table)
        .values(&CertificateTypeVersionRow {
            type_code: t.code.clone(),
            version,
            spec: spec.clone(),
            created_at: at,
            created_by: by.map(str::to_owned),
            note: note.to_owned(),
        })
        .execute(conn)?;
    // The current version is checked again, so two admins saving at once cannot both
    // become version n+1 (the insert above would also fail on the primary key).
    let changed = diesel::update(
        certificate_types::table
            .find(&t.code)
            .filter(certificate_types::current_version.eq(current)),
    )
    .set((
        certificate_types::spec.eq(&spec),
        certificate_types::name_zh.eq(&t.name_zh),
        certificate_types::current_version.eq(version),
        certificate_types::updated_at.eq(at),
    ))
    .execute(conn)?;
    if changed != 1 {
        return Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            Box::new(format!("{} changed meanwhile", t.code)),
        ));
    }
    Ok(Some(version))
}

/// Whether any case of the type (drafts too) has a value under form field `field`.
pub fn field_in_use(conn: &mut DbConn, code: &str, field: &str) -> QueryResult<bool> {
    // form_data is the normalised JSON object the form validation wrote; its keys are
    // written as `"name":`. `_` and `%` are escaped so the pattern matches only the name.
    let escaped: String = field
        .chars()
        .flat_map(|c| match c {
            '_' | '%' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    diesel::select(diesel::dsl::exists(
        applications::table
            .filter(applications::type_code.eq(code))
            .filter(
                applications::form_data
                    .like(format!("%\"{escaped}\":%"))
                    .escape('\\'),
            ),
    ))
    .get_result(conn)
}

/// Whether the county has switched the type off.
pub fn is_off(conn: &mut DbConn, code: &str, county: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        certificate_type_county_off::table.find((code, county)),
    ))
    .get_result(conn)
}

/// The counties that have switched the type off.
pub fn off_counties(conn: &mut DbConn, code: &str) -> QueryResult<Vec<String>> {
    certificate_type_county_off::table
        .filter(certificate_type_county_off::type_code.eq(code))
        .order(certificate_type_county_off::county_code.asc())
        .select(certificate_type_county_off::county_code)
        .load(conn)
}

/// Switches the type on or off in a county; returns whether anything changed.
pub fn set_county(
    conn: &mut DbConn,
    code: &str,
    county: &str,
    enabled: bool,
    by: &str,
) -> QueryResult<bool> {
    let off = is_off(conn, code, county)?;
    match (enabled, off) {
        (true, true) => {
            diesel::delete(certificate_type_county_off::table.find((code, county)))
                .execute(conn)?;
            Ok(true)
        }
        (false, false) => {
            diesel::insert_into(certificate_type_county_off::table)
                .values((
                    certificate_type_county_off::type_code.eq(code),
                    certificate_type_county_off::county_code.eq(county),
                    certificate_type_county_off::created_at.eq(now()),
                    certificate_type_county_off::created_by.eq(by),
                ))
                .execute(conn)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
