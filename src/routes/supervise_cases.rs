//! `GET /supervise/cases`: the cases behind one number of the supervisor's dashboard
//! (a township row or the total), each linking to its full trail. Scoped to the
//! supervisor's jurisdiction in the query, like the figures themselves.

use actix_web::{web, HttpResponse};
use chrono::NaiveTime;
use serde::Deserialize;
use serde_json::json;

use crate::auth::CurrentUser;
use crate::db::catalog;
use crate::db::models::now;
use crate::domain::calendar::china_date;
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::routes::pages::ctx::Ctx;
use crate::routes::pages::error::PageResult;
use crate::routes::pages::{i18n, view};
use crate::stats::report::{self, Params};
use crate::stats::{GroupBy, Metric};

/// Cases listed on the page; the CSV link has them all.
const SHOWN: usize = 500;

#[derive(Deserialize)]
pub struct CasesQuery {
    pub metric: Option<String>,
    /// A township code; the whole jurisdiction when absent.
    pub group: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

pub async fn page(ctx: Ctx, q: web::Query<CasesQuery>) -> PageResult {
    let user = ctx.require(&[Role::Supervisor, Role::Admin])?.clone();
    render(&ctx, &user, q.into_inner())
        .await
        .map_err(|e| ctx.fail(e))
}

async fn render(ctx: &Ctx, user: &CurrentUser, q: CasesQuery) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
    let scope = report::require_reader(user)?;
    let metric = Metric::parse(q.metric.as_deref().unwrap_or("")).ok_or_else(|| {
        AppError::field(
            "metric",
            Invalid::new(
                "请从监察页的数字进入案件清单",
                "Open a case list from a number on the dashboard",
            ),
        )
    })?;
    let t = now();
    let p = Params::parse(
        q.from.as_deref(),
        q.to.as_deref(),
        Some("township"),
        china_date(t.and_utc()),
    )?;
    let group = q.group.filter(|g| !g.trim().is_empty());
    let (g, params) = (group.clone(), p.clone());
    let (items, place) = ctx
        .state
        .db
        .read(move |c| {
            let w = p.window(c, t)?;
            let items =
                crate::db::stats::cases(c, &scope, GroupBy::Township, g.as_deref(), metric, &w)?;
            let place = match &g {
                Some(code) => catalog::jurisdiction_names(c, &[code.as_str()])?
                    .remove(code)
                    .unwrap_or_else(|| code.clone()),
                None => String::new(),
            };
            Ok::<_, AppError>((items, place))
        })
        .await?;
    let total = items.len();
    let cases: Vec<_> = items
        .into_iter()
        .take(SHOWN)
        .map(|(id, number)| json!({"number": number, "url": format!("/office/{id}")}))
        .collect();
    let day = |d: chrono::NaiveDate| i18n::date(lang, d.and_time(NaiveTime::MIN));
    let what = view::pick(lang, metric.label_zh(), metric.label_en());
    let place = if place.is_empty() {
        ctx.t("sup_total").to_owned()
    } else {
        place
    };
    let group_q = group.map(|g| format!("&group={g}")).unwrap_or_default();
    Ok(ctx.ok(
        "supervise_cases",
        json!({
            "heading": format!("{place} · {what}（{total}）"),
            "period": format!("{} – {}", day(params.from), day(params.to)),
            "cases": cases,
            "more": total > SHOWN,
            "back": format!("/supervise?from={}&to={}#townships", params.from, params.to),
            "csv": format!(
                "/api/v1/stats/cases?metric={}&{}{group_q}&format=csv",
                metric.as_str(),
                params.query()
            ),
        }),
    ))
}
