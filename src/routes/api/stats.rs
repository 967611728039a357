//! Supervision figures (docs/architecture.md §5, §8; the README defines each figure): `GET /api/v1/stats` and the case list behind
//! each number, `GET /api/v1/stats/cases`. Both also answer as CSV (`format=csv`).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::db::models::now;
use crate::domain::calendar::china_date;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::stats::report::{self, Params, Report};
use crate::stats::{csv, Metric};

#[derive(Deserialize, IntoParams)]
pub struct StatsQuery {
    /// First day (China time), `YYYY-MM-DD`; default 1 January of this year.
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    pub to: Option<String>,
    /// `type`, `township` (default), `village` or `official`.
    pub group_by: Option<String>,
    /// `csv` for a spreadsheet (UTF-8 with BOM).
    pub format: Option<String>,
}

/// A CSV download response.
pub fn csv_response(name: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

fn wants_csv(format: Option<&str>) -> AppResult<bool> {
    match format.map(str::trim) {
        None | Some("") | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(_) => Err(AppError::field(
            "format",
            Invalid::new("格式应为 json 或 csv", "format must be json or csv"),
        )),
    }
}

/// Supervision figures for a date range, grouped, with a total and links to the cases
/// behind every number. Supervisors see their jurisdiction, admins everything.
#[utoipa::path(get, path = "/api/v1/stats", tag = "supervision", params(StatsQuery),
    responses((status = 200, body = Report), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn stats(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<StatsQuery>,
) -> AppResult<HttpResponse> {
    let scope = report::require_reader(&user)?;
    let csv_out = wants_csv(q.format.as_deref())?;
    let t = now();
    let p = Params::parse(
        q.from.as_deref(),
        q.to.as_deref(),
        q.group_by.as_deref(),
        china_date(t.and_utc()),
    )?;
    let name = format!("stats-{}-{}-{}.csv", p.group_by.as_str(), p.from, p.to);
    let r = state
        .db
        .read(move |c| report::report(c, &scope, &p, t))
        .await?;
    if csv_out {
        let groups: Vec<_> = r.groups.iter().map(|g| g.figures.clone()).collect();
        return Ok(csv_response(&name, csv::figures(&groups, &r.total.figures)));
    }
    Ok(HttpResponse::Ok().json(r))
}

#[derive(Deserialize, IntoParams)]
pub struct CasesQuery {
    /// received, finished, issued, same_day, on_time, overdue_finished, open_overdue,
    /// open_at_risk or returned.
    pub metric: Option<String>,
    /// A group key from `/stats` (`-` for the cases without one); all when absent.
    pub group: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub group_by: Option<String>,
    pub format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseLink {
    pub id: String,
    pub number: String,
    /// The case with its full trail.
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct CaseList {
    pub metric: Metric,
    pub group: Option<String>,
    /// How many cases the number counts.
    pub total: usize,
    /// At most 1000, by number.
    pub items: Vec<CaseLink>,
}

/// The cases behind one number of `/stats` (click-through).
#[utoipa::path(get, path = "/api/v1/stats/cases", tag = "supervision", params(CasesQuery),
    responses((status = 200, body = CaseList), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn cases(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<CasesQuery>,
) -> AppResult<HttpResponse> {
    let scope = report::require_reader(&user)?;
    let q = q.into_inner();
    let csv_out = wants_csv(q.format.as_deref())?;
    let metric = Metric::parse(q.metric.as_deref().unwrap_or("")).ok_or_else(|| {
        AppError::field(
            "metric",
            Invalid::new(
                "请指定统计项（metric），如 received、overdue_finished、open_overdue",
                "Give a metric, e.g. received, overdue_finished, open_overdue",
            ),
        )
    })?;
    let t = now();
    let p = Params::parse(
        q.from.as_deref(),
        q.to.as_deref(),
        q.group_by.as_deref(),
        china_date(t.and_utc()),
    )?;
    let group = q.group.filter(|g| !g.trim().is_empty());
    let g = group.clone();
    let name = format!("cases-{}-{}-{}.csv", metric.as_str(), p.from, p.to);
    let items = state
        .db
        .read(move |c| {
            let w = p.window(c, t)?;
            Ok::<_, AppError>(
                crate::db::stats::cases(c, &scope, p.group_by, g.as_deref(), metric, &w)?
                    .into_iter()
                    .map(|(id, number)| CaseLink {
                        url: format!("/api/v1/applications/{id}"),
                        id,
                        number,
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    let mut items = items;
    let total = items.len();
    if csv_out {
        let rows: Vec<Vec<String>> = items
            .iter()
            .map(|i| vec![i.number.clone(), i.id.clone(), i.url.clone()])
            .collect();
        return Ok(csv_response(
            &name,
            csv::document(&["编号 number", "id", "链接 url"], &rows),
        ));
    }
    items.truncate(1000);
    Ok(HttpResponse::Ok().json(CaseList {
        metric,
        group,
        total,
        items,
    }))
}
