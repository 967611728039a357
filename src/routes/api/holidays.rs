//! The holiday calendar: anyone may read a year; admins add a whole year.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::db::catalog;
use crate::domain::holiday_import::{validate, HolidayInput};
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::startup::AppState;

#[derive(Deserialize, IntoParams)]
pub struct YearQuery {
    pub year: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct HolidayView {
    pub date: String,
    /// `off` or `workday`.
    pub kind: String,
    pub note: String,
    pub source: String,
}

#[derive(Serialize, ToSchema)]
pub struct HolidayYear {
    pub year: i32,
    /// Whether the calendar covers this year (deadlines in it can be computed).
    pub covered: bool,
    pub items: Vec<HolidayView>,
}

/// The holiday rows (days off and 调休 make-up workdays) of one year.
#[utoipa::path(get, path = "/api/v1/holidays", tag = "catalogue", params(YearQuery),
    responses((status = 200, body = HolidayYear), (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(state: web::Data<AppState>, q: web::Query<YearQuery>) -> AppResult<HttpResponse> {
    let year = q
        .year
        .filter(|y| (1900..=2200).contains(y))
        .ok_or_else(|| {
            AppError::field(
                "year",
                Invalid::new("请指定年份，如 year=2026", "Give a year, e.g. year=2026"),
            )
        })?;
    let rows = state
        .db
        .read(move |c| catalog::holidays_of_year(c, year).map_err(AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(HolidayYear {
        year,
        covered: !rows.is_empty(),
        items: rows
            .into_iter()
            .map(|r| HolidayView {
                date: r.day,
                kind: r.kind,
                note: r.note,
                source: r.source,
            })
            .collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct HolidaysAdded {
    pub added: usize,
    pub years: Vec<i32>,
}

/// Add a year's calendar (admin), in the format of `seed/holidays.json`: an array of
/// `{date, kind, note, source}`. The whole batch is checked first; nothing is stored
/// unless every row is valid and its year is new.
#[utoipa::path(post, path = "/api/v1/admin/holidays", tag = "catalogue", request_body = Vec<HolidayInput>,
    responses((status = 201, body = HolidaysAdded), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn add(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<Vec<HolidayInput>>,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let rows = body.into_inner();
    let out = state.db.write(move |c| add_rows(c, &rows)).await?;
    Ok(HttpResponse::Created().json(out))
}

/// Validates and stores a batch in the caller's transaction (API and CLI).
pub fn add_rows(c: &mut crate::db::DbConn, rows: &[HolidayInput]) -> AppResult<HolidaysAdded> {
    let existing = catalog::holiday_years(c)?;
    let valid = validate(rows, &existing).map_err(AppError::Validation)?;
    let added = catalog::add_holidays(c, &valid)?;
    let mut years: Vec<i32> = valid
        .iter()
        .map(|h| chrono::Datelike::year(&h.date))
        .collect();
    years.dedup();
    tracing::info!(added, ?years, "holiday calendar added");
    Ok(HolidaysAdded { added, years })
}
