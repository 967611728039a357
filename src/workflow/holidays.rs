//! Loading a year's holiday calendar (API, admin page and CLI). In the same transaction
//! the open cases whose deadlines were counted on provisional days get the real ones,
//! and the figures of cases decided in the loaded years are recomputed. The trail keeps
//! what was shown at the time: events are never rewritten.

use std::collections::BTreeSet;

use chrono::Datelike;
use serde::Serialize;
use utoipa::ToSchema;

use super::{drafts, figures, stamp_deadlines};
use crate::db::{applications, case_figures, catalog, DbConn};
use crate::domain::calendar::Holiday;
use crate::domain::holiday_import::{summarise, validate, HolidayInput, YearSummary};
use crate::error::{AppError, AppResult};

#[derive(Debug, Serialize, ToSchema)]
pub struct HolidaysAdded {
    pub added: usize,
    pub years: Vec<i32>,
    /// Open cases whose provisional deadlines were recomputed.
    pub deadlines_recomputed: usize,
    /// Decided cases whose figures were recomputed with the real working days.
    pub figures_recomputed: usize,
    pub summary: Vec<YearSummary>,
}

/// Checks a batch against the stored years and summarises it, storing nothing.
pub fn preview(
    conn: &mut DbConn,
    rows: &[HolidayInput],
) -> AppResult<(Vec<Holiday>, Vec<YearSummary>)> {
    let existing = catalog::holiday_years(conn)?;
    let valid = validate(rows, &existing).map_err(AppError::Validation)?;
    let summary = summarise(&valid);
    Ok((valid, summary))
}

/// Validates and stores a batch, then recomputes what depended on provisional days;
/// all in the caller's write transaction.
pub fn add(conn: &mut DbConn, rows: &[HolidayInput]) -> AppResult<HolidaysAdded> {
    let (valid, summary) = preview(conn, rows)?;
    let added = catalog::add_holidays(conn, &valid)?;
    let years: BTreeSet<i32> = valid.iter().map(|h| h.date.year()).collect();
    let (deadlines_recomputed, figures_recomputed) = recompute(conn, &years)?;
    let years: Vec<i32> = years.into_iter().collect();
    tracing::info!(
        added,
        ?years,
        deadlines_recomputed,
        figures_recomputed,
        "holiday calendar added"
    );
    Ok(HolidaysAdded {
        added,
        years,
        deadlines_recomputed,
        figures_recomputed,
        summary,
    })
}

/// Stores the years of the shipped calendar (`seed/holidays.json`) that the table does
/// not have yet, whole years only (a year an admin loaded is never mixed with the
/// seed's), and recomputes as [`add`] does: a release that ships next year's calendar
/// counts like an admin loading it. Returns the years added.
pub fn seed(conn: &mut DbConn, shipped: &[Holiday]) -> AppResult<Vec<i32>> {
    let existing = catalog::holiday_years(conn)?;
    let new: Vec<Holiday> = shipped
        .iter()
        .filter(|h| !existing.contains(&h.date.year()))
        .cloned()
        .collect();
    if new.is_empty() {
        return Ok(Vec::new());
    }
    catalog::add_holidays(conn, &new)?;
    let years: BTreeSet<i32> = new.iter().map(|h| h.date.year()).collect();
    let (deadlines, figures) = recompute(conn, &years)?;
    tracing::info!(?years, deadlines, figures, "shipped holiday calendar added");
    Ok(years.into_iter().collect())
}

/// After `years` were loaded: the open cases whose deadlines were provisional get the
/// real ones, and the cases decided since the first of them get their figures again.
/// Returns (deadlines, figures) recomputed.
fn recompute(conn: &mut DbConn, years: &BTreeSet<i32>) -> AppResult<(usize, usize)> {
    let cal = catalog::calendar(conn)?;
    let mut deadlines = 0;
    for mut app in applications::open_with_provisional_deadlines(conn)? {
        let t = drafts::load_case_type(conn, &app)?;
        let version = app.version;
        stamp_deadlines(&mut app, &t, &cal)?;
        // A new version: an official's form opened before the load must not write the
        // old deadlines back.
        app.version += 1;
        if !applications::update_if_version(conn, &app, version)? {
            return Err(AppError::stale());
        }
        deadlines += 1;
    }
    let figures = match years.first() {
        Some(first) => {
            let ids = case_figures::ids_decided_since(conn, &format!("{first:04}-01-01"))?;
            figures::recompute(conn, &ids, &cal)?
        }
        None => 0,
    };
    Ok((deadlines, figures))
}
