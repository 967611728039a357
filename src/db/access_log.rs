//! The audit log: who did what to personal data or an account, when, from where.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::AccessLogRow;
use super::schema::{access_log, applications, users};
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

/// What the audit reader asks for.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// A person: an account phone (also a phone a failed sign-in named) or a name
    /// (a part of it).
    pub person: Option<String>,
    /// A case number (`ZM2026000123`).
    pub case_number: Option<String>,
    /// One audited action (`workflow::audit::action`).
    pub action: Option<String>,
    /// Rows at or after this instant (UTC).
    pub from: Option<NaiveDateTime>,
    /// Rows strictly before this instant (UTC).
    pub until: Option<NaiveDateTime>,
    /// Keyset: rows strictly older than (created_at, id).
    pub before: Option<(NaiveDateTime, String)>,
    pub limit: i64,
    /// Only rows about this county: a case in it, or an account of its staff.
    pub county: Option<String>,
}

/// One audit row with the names it refers to.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub row: AccessLogRow,
    /// (name, role, phone) of the account, if the row names one.
    pub user: Option<(String, String, String)>,
    pub case_number: Option<String>,
}

/// The audit log, newest first, filtered by person and/or case.
pub fn search(conn: &mut DbConn, f: &AuditFilter) -> QueryResult<Vec<AuditRow>> {
    let mut q = access_log::table.into_boxed();
    if let Some(person) = f.person.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        let pattern: String = person
            .chars()
            .filter(|c| !matches!(c, '%' | '_' | '\\'))
            .collect();
        let ids: Vec<String> = users::table
            .filter(
                users::phone
                    .eq(person)
                    .or(users::name.like(format!("%{pattern}%"))),
            )
            .select(users::id)
            .limit(500)
            .load(conn)?;
        q = q.filter(
            access_log::user_id
                .eq_any(ids)
                .or(access_log::phone.eq(person.to_owned())),
        );
    }
    if let Some(number) = f
        .case_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let ids: Vec<String> = applications::table
            .filter(applications::number.eq(number.to_uppercase()))
            .select(applications::id)
            .load(conn)?;
        q = q.filter(access_log::application_id.eq_any(ids));
    }
    if let Some(a) = &f.action {
        q = q.filter(access_log::action.eq(a.clone()));
    }
    if let Some(t) = f.from {
        q = q.filter(access_log::created_at.ge(t));
    }
    if let Some(t) = f.until {
        q = q.filter(access_log::created_at.lt(t));
    }
    if let Some(county) = &f.county {
        let cases = applications::table
            .filter(applications::county_code.eq(county.clone()))
            .select(applications::id);
        let staff = users::table
            .filter(users::jurisdiction_code.like(format!("{county}%")))
            .select(users::id);
        q = q.filter(
            access_log::application_id
                .eq_any(cases.nullable())
                .or(access_log::user_id.eq_any(staff.nullable())),
        );
    }
    if let Some((t, id)) = &f.before {
        q = q.filter(
            access_log::created_at.lt(*t).or(access_log::created_at
                .eq(*t)
                .and(access_log::id.lt(id.clone()))),
        );
    }
    let rows: Vec<AccessLogRow> = q
        .order((access_log::created_at.desc(), access_log::id.desc()))
        .limit(f.limit)
        .select(AccessLogRow::as_select())
        .load(conn)?;

    let user_ids: Vec<String> = rows.iter().filter_map(|r| r.user_id.clone()).collect();
    let people: HashMap<String, (String, String, String)> = users::table
        .filter(users::id.eq_any(user_ids))
        .select((users::id, users::name, users::role, users::phone))
        .load::<(String, String, String, String)>(conn)?
        .into_iter()
        .map(|(id, name, role, phone)| (id, (name, role, phone)))
        .collect();
    let app_ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r.application_id.clone())
        .collect();
    let numbers: HashMap<String, String> = applications::table
        .filter(applications::id.eq_any(app_ids))
        .select((applications::id, applications::number))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| AuditRow {
            user: row.user_id.as_ref().and_then(|u| people.get(u).cloned()),
            case_number: row
                .application_id
                .as_ref()
                .and_then(|a| numbers.get(a).cloned()),
            row,
        })
        .collect())
}
