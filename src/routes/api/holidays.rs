//! The holiday calendar: anyone may read a year; admins add a whole year.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::db::catalog;
use crate::domain::calendar::{PROVISIONAL_RULE_EN, PROVISIONAL_RULE_ZH};
use crate::domain::holiday_import::HolidayInput;
use crate::domain::role::Role;
use crate::domain::statutory;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::startup::AppState;
use crate::workflow::holidays::{self, HolidaysAdded};

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
    /// Whether the State Council's schedule for this year is loaded (same as `loaded`).
    pub covered: bool,
    /// Whether the State Council's schedule for this year is loaded. When not, working
    /// days are counted provisionally (`provisional_rule`) and deadlines say so.
    pub loaded: bool,
    pub items: Vec<HolidayView>,
    /// How working days are counted while the year is not loaded (Chinese, English).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisional_rule: Option<RuleText>,
    /// The statutory days off the provisional rule takes out (empty when loaded).
    pub provisional_days_off: Vec<StatutoryDayView>,
}

#[derive(Serialize, ToSchema)]
pub struct RuleText {
    pub zh: &'static str,
    pub en: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct StatutoryDayView {
    pub date: String,
    pub name: &'static str,
}

/// The holiday rows (days off and 调休 make-up workdays) of one year; for a year not
/// loaded yet, `loaded: false` and the provisional rule.
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
    let loaded = !rows.is_empty();
    Ok(HttpResponse::Ok().json(HolidayYear {
        year,
        covered: loaded,
        loaded,
        provisional_rule: (!loaded).then_some(RuleText {
            zh: PROVISIONAL_RULE_ZH,
            en: PROVISIONAL_RULE_EN,
        }),
        provisional_days_off: if loaded {
            Vec::new()
        } else {
            statutory::days_off(year)
                .into_iter()
                .map(|s| StatutoryDayView {
                    date: s.date.to_string(),
                    name: s.name,
                })
                .collect()
        },
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

/// Add a year's calendar (admin), in the format of `seed/holidays.json`: an array of
/// `{date, kind, note, source}`. The whole batch is checked first; nothing is stored
/// unless every row is valid and its year is new. In the same transaction, open cases
/// whose deadlines were counted on provisional days get the real ones.
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
    let out = state.db.write(move |c| holidays::add(c, &rows)).await?;
    Ok(HttpResponse::Created().json(out))
}
