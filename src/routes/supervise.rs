//! `GET /supervise`: the supervisor's dashboard (server-rendered, SVG charts, no JS).
//! Markup is deliberately plain; the shared page layout wraps it later.

use std::collections::{BTreeMap, HashMap};

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::db::catalog;
use crate::db::models::now;
use crate::db::stats::GroupBy;
use crate::domain::calendar::china_date;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::routes::pages::ctx::Ctx;
use crate::startup::AppState;
use crate::stats::report::{self, Params};
use crate::stats::{svg, Figures};

#[derive(Deserialize)]
pub struct PageQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Serialize)]
struct Headline {
    label: &'static str,
    value: String,
    change: String,
    trend: &'static str,
}

#[derive(Serialize)]
struct Row {
    label: String,
    received: u64,
    finished: u64,
    avg: String,
    same_day: String,
    on_time: String,
    open_overdue: u64,
    open_at_risk: u64,
}

#[derive(Serialize)]
struct OverdueCase {
    number: String,
    url: String,
    township: String,
    type_name: String,
    deadline: String,
}

/// Beijing wall-clock time of a stored UTC instant.
fn china_time(t: chrono::NaiveDateTime) -> String {
    (t + chrono::TimeDelta::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

fn pct(r: Option<f64>) -> String {
    r.map_or("—".into(), |r| format!("{:.1}%", r * 100.0))
}

fn num(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:.2}"))
}

/// A headline figure and its change against the previous period.
fn headline(label: &'static str, now: Option<f64>, before: Option<f64>, rate: bool) -> Headline {
    let value = if rate {
        pct(now)
    } else {
        now.map_or("—".into(), |v| {
            if v.fract() == 0.0 {
                format!("{v:.0}")
            } else {
                format!("{v:.2}")
            }
        })
    };
    let (change, trend) = match (now, before) {
        (Some(a), Some(b)) => {
            let d = if rate { (a - b) * 100.0 } else { a - b };
            let unit = if rate { " 个百分点" } else { "" };
            let trend = if d > 0.0 {
                "up"
            } else if d < 0.0 {
                "down"
            } else {
                "flat"
            };
            (format!("{d:+.1}{unit} 较上期"), trend)
        }
        _ => ("上期无数据".into(), "flat"),
    };
    Headline {
        label,
        value,
        change,
        trend,
    }
}

fn headlines(now: &Figures, before: &Figures) -> Vec<Headline> {
    let n = |v: u64| Some(v as f64);
    vec![
        headline("受理件数", n(now.received), n(before.received), false),
        headline("办结件数", n(now.finished), n(before.finished), false),
        headline(
            "平均办理工作日",
            now.avg_working_days,
            before.avg_working_days,
            false,
        ),
        headline("当日办结率", now.same_day_rate, before.same_day_rate, true),
        headline("按时办结率", now.on_time_rate, before.on_time_rate, true),
        headline("在办超期", n(now.open_overdue), None, false),
    ]
}

pub async fn page(ctx: Ctx, q: web::Query<PageQuery>) -> HttpResponse {
    // Signed out: to the sign-in page and back; a wrong role or bad dates: an error page.
    let user = match ctx.require(&[Role::Supervisor, Role::Admin]) {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    match render(&ctx.state, &user, q.into_inner()).await {
        Ok(r) => r,
        Err(e) => ctx.app_error(e),
    }
}

async fn render(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    q: PageQuery,
) -> AppResult<HttpResponse> {
    let scope = report::require_reader(user)?;
    let t = now();
    let p = Params::parse(
        q.from.as_deref(),
        q.to.as_deref(),
        Some("township"),
        china_date(t.and_utc()),
    )?;
    let prev = p.previous();
    let params = p.clone();
    let (cur, cur_type, before, overdue, names, type_names) = state
        .db
        .read(move |c| {
            let (w, pw) = (p.window(c, t)?, prev.window(c, t)?);
            let (cur, cur_type, before, overdue) = report::dashboard(c, &scope, &w, &pw)?;
            let mut keys: Vec<&str> = cur.groups.iter().filter_map(|g| g.key.as_deref()).collect();
            keys.extend(overdue.iter().map(|o| o.township_code.as_str()));
            let names = catalog::jurisdiction_names(c, &keys)?;
            let type_names: HashMap<String, String> = catalog::active_types(c)?
                .into_iter()
                .map(|t| (t.code, t.name_zh))
                .collect();
            Ok::<_, AppError>((cur, cur_type, before, overdue, names, type_names))
        })
        .await?;
    let label = |names: &HashMap<String, String>, k: &Option<String>| {
        k.as_ref()
            .map(|k| names.get(k).cloned().unwrap_or_else(|| k.clone()))
            .unwrap_or_default()
    };
    let township_bars: Vec<(String, Option<f64>)> = cur
        .groups
        .iter()
        .map(|g| (label(&names, &g.key), g.avg_working_days))
        .collect();
    let type_bars: Vec<(String, Option<f64>)> = cur_type
        .groups
        .iter()
        .map(|g| (label(&type_names, &g.key), g.avg_working_days))
        .collect();
    let rows: Vec<Row> = cur
        .groups
        .iter()
        .chain(std::iter::once(&cur.total))
        .map(|g| Row {
            label: if g.key.is_some() {
                label(&names, &g.key)
            } else {
                "合计".into()
            },
            received: g.received,
            finished: g.finished,
            avg: num(g.avg_working_days),
            same_day: pct(g.same_day_rate),
            on_time: pct(g.on_time_rate),
            open_overdue: g.open_overdue,
            open_at_risk: g.open_at_risk,
        })
        .collect();
    let overdue_total = usize::try_from(cur.total.open_overdue).unwrap_or(usize::MAX);
    let overdue_rows: Vec<OverdueCase> = overdue
        .iter()
        .map(|o| OverdueCase {
            number: o.number.clone(),
            url: format!("/office/{}", o.id),
            township: label(&names, &Some(o.township_code.clone())),
            type_name: type_names
                .get(&o.type_code)
                .cloned()
                .unwrap_or_else(|| o.type_code.clone()),
            deadline: china_time(o.node_deadline),
        })
        .collect();
    let query = params.query();
    let ctx: BTreeMap<&str, serde_json::Value> = BTreeMap::from([
        ("from", serde_json::json!(params.from)),
        ("to", serde_json::json!(params.to)),
        ("prev_from", serde_json::json!(params.previous().from)),
        ("prev_to", serde_json::json!(params.previous().to)),
        ("as_of", serde_json::json!(china_time(t))),
        (
            "headline",
            serde_json::json!(headlines(&cur.total, &before.total)),
        ),
        (
            "daily_svg",
            serde_json::json!(svg::daily_chart(
                &cur.daily,
                &svg::DailyText {
                    title: "每日办结件数（绿色为按时）",
                    legend_on_time: "按时",
                    legend_late: "超期",
                    day_finished: "办结",
                    day_on_time: "按时",
                    no_data: "无数据",
                }
            )),
        ),
        (
            "township_svg",
            serde_json::json!(svg::bar_chart(
                &township_bars,
                "平均办理工作日（乡镇）",
                "工作日",
                "无数据"
            )),
        ),
        (
            "type_svg",
            serde_json::json!(svg::bar_chart(
                &type_bars,
                "平均办理工作日（证明类型）",
                "工作日",
                "无数据"
            )),
        ),
        ("townships", serde_json::json!(rows)),
        ("overdue", serde_json::json!(overdue_rows)),
        ("overdue_total", serde_json::json!(overdue_total)),
        (
            "csv_township",
            serde_json::json!(format!("/api/v1/stats?{query}&format=csv")),
        ),
        (
            "csv_type",
            serde_json::json!(format!(
                "/api/v1/stats?from={}&to={}&group_by={}&format=csv",
                params.from,
                params.to,
                GroupBy::Type.as_str()
            )),
        ),
        (
            "csv_overdue",
            serde_json::json!(format!(
                "/api/v1/stats/cases?metric=open_overdue&{query}&format=csv"
            )),
        ),
    ]);
    let html = state
        .services
        .templates
        .render("pages/supervise.html", ctx)
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(html))
}
