//! `GET /supervise`: the supervisor's dashboard (server-rendered, SVG charts, no JS).
//! Rendered in the shared page layout, in Chinese or English like every other page.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::CurrentUser;
use crate::db::catalog;
use crate::db::models::now;
use crate::db::stats::Source;
use crate::domain::calendar::china_date;
use crate::domain::figures::sort::{Sort, SortKey};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::routes::pages::ctx::Ctx;
use crate::routes::pages::error::PageResult;
use crate::routes::pages::i18n::{self, Lang};
use crate::routes::pages::view;
use crate::stats::report::{self, Params};
use crate::stats::{svg, Figures};
use crate::stats::{GroupBy, Metric};

#[derive(Deserialize)]
pub struct PageQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    /// The township table's order (`domain::figures::sort`).
    pub sort: Option<String>,
}

#[derive(Serialize)]
struct Headline {
    label: &'static str,
    value: String,
    change: String,
    trend: &'static str,
    /// The change's colour: `good`, `bad` or `flat` (neither, or no change).
    verdict: &'static str,
}

/// Whether a rise in the figure `label` is good news for the office: fewer days and
/// fewer overdue cases are; more applications received are neither.
fn rise_is_good(label: &str) -> Option<bool> {
    match label {
        "sup_avg_working_days" | "sup_open_overdue" => Some(false),
        "sup_received" => None,
        _ => Some(true),
    }
}

#[derive(Serialize)]
struct Row {
    /// Open overdue cases: the row is highlighted.
    late: bool,
    /// The case list behind each number, by metric.
    links: HashMap<&'static str, String>,
    label: String,
    received: u64,
    finished: u64,
    avg: String,
    same_day: String,
    on_time: String,
    open_overdue: u64,
    open_at_risk: u64,
    /// Approved by the system on a roster (秒批) / reviewed by an official.
    instant: i64,
    reviewed: i64,
}

#[derive(Serialize)]
struct OverdueCase {
    number: String,
    url: String,
    township: String,
    type_name: String,
    deadline: String,
}

/// A day of the period as the other pages write dates (2026年2月1日 / 1 Feb 2026).
fn day(lang: Lang, d: NaiveDate) -> String {
    // `i18n::date` takes a UTC instant and shows its China date: midnight UTC is 08:00
    // in Beijing, the same day.
    i18n::date(lang, d.and_time(NaiveTime::MIN))
}

/// A catalogue text with `{name}` placeholders filled in.
fn fill(text: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(text.to_owned(), |t, (k, v)| {
        t.replace(&format!("{{{k}}}"), v)
    })
}

fn pct(r: Option<f64>) -> String {
    r.map_or("—".into(), |r| format!("{:.1}%", r * 100.0))
}

fn num(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{v:.2}"))
}

/// A headline figure and its change against the previous period, in the page's language.
fn headline(
    lang: Lang,
    label: &str,
    now: Option<f64>,
    before: Option<f64>,
    rate: bool,
) -> Headline {
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
            let trend = if d > 0.0 {
                "up"
            } else if d < 0.0 {
                "down"
            } else {
                "flat"
            };
            let vs = i18n::text(lang, "sup_vs_previous");
            let change = if rate {
                let pp = i18n::text(lang, "sup_percentage_points");
                format!("{d:+.1} {pp} {vs}")
            } else {
                format!("{d:+.1} {vs}")
            };
            (change, trend)
        }
        _ => (i18n::text(lang, "sup_no_previous").to_owned(), "flat"),
    };
    let verdict = match (trend, rise_is_good(label)) {
        ("up", Some(true)) | ("down", Some(false)) => "good",
        ("up", Some(false)) | ("down", Some(true)) => "bad",
        _ => "flat",
    };
    Headline {
        label: i18n::text(lang, label),
        value,
        change,
        trend,
        verdict,
    }
}

fn headlines(lang: Lang, now: &Figures, before: &Figures) -> Vec<Headline> {
    let n = |v: u64| Some(v as f64);
    vec![
        headline(
            lang,
            "sup_received",
            n(now.received),
            n(before.received),
            false,
        ),
        headline(
            lang,
            "sup_finished",
            n(now.finished),
            n(before.finished),
            false,
        ),
        headline(
            lang,
            "sup_avg_working_days",
            now.avg_working_days,
            before.avg_working_days,
            false,
        ),
        headline(
            lang,
            "sup_same_day_rate",
            now.same_day_rate,
            before.same_day_rate,
            true,
        ),
        headline(
            lang,
            "sup_on_time_rate",
            now.on_time_rate,
            before.on_time_rate,
            true,
        ),
        headline(lang, "sup_open_overdue", n(now.open_overdue), None, false),
    ]
}

/// The case-list page behind each number of a township row (`None`: the total).
fn case_links(query: &str, group: Option<&str>) -> HashMap<&'static str, String> {
    let group = group.map(|g| format!("&group={g}")).unwrap_or_default();
    [
        Metric::Received,
        Metric::Finished,
        Metric::SameDay,
        Metric::OnTime,
        Metric::OpenOverdue,
        Metric::OpenAtRisk,
    ]
    .into_iter()
    .map(|m| {
        (
            m.as_str(),
            format!("/supervise/cases?metric={}&{query}{group}", m.as_str()),
        )
    })
    .collect()
}

pub async fn page(ctx: Ctx, q: web::Query<PageQuery>) -> PageResult {
    // Signed out: to the sign-in page and back; a wrong role or bad dates: an error page.
    let user = ctx.require(&[Role::Supervisor, Role::Admin])?.clone();
    render(&ctx, &user, q.into_inner())
        .await
        .map_err(|e| ctx.fail(e))
}

async fn render(ctx: &Ctx, user: &CurrentUser, q: PageQuery) -> AppResult<HttpResponse> {
    let lang = ctx.lang;
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
    let sort = Sort::parse(q.sort.as_deref());
    let (cur, cur_type, before, overdue, at_risk, names, type_names, instant) = ctx
        .state
        .db
        .read(move |c| {
            let (w, pw) = (p.window(c, t)?, prev.window(c, t)?);
            let (cur, cur_type, before, overdue) = report::dashboard(c, &scope, &w, &pw)?;
            let instant =
                report::instant_by_group(c, Source::Rollup, &scope, GroupBy::Township, &w)?;
            let at_risk = crate::db::stats::at_risk_cases(c, &scope, &w, 200)?;
            let mut keys: Vec<&str> = cur.groups.iter().filter_map(|g| g.key.as_deref()).collect();
            keys.extend(overdue.iter().map(|o| o.township_code.as_str()));
            keys.extend(at_risk.iter().map(|o| o.township_code.as_str()));
            let names = catalog::jurisdiction_names(c, &keys)?;
            // Types have English names; jurisdictions only their Chinese ones.
            let type_names: HashMap<String, String> = catalog::active_types(c)?
                .into_iter()
                .map(|t| (t.code.clone(), view::type_name(lang, &t)))
                .collect();
            Ok::<_, AppError>((
                cur, cur_type, before, overdue, at_risk, names, type_names, instant,
            ))
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
    let (instant_groups, instant_total) = instant;
    let instant_of = |k: &Option<String>| match k {
        Some(_) => instant_groups.get(k).copied().unwrap_or_default(),
        None => instant_total,
    };
    let mut groups = cur.groups.clone();
    sort.apply(&mut groups, |g| label(&names, &g.key));
    let query = params.query();
    let rows: Vec<Row> = groups
        .iter()
        .chain(std::iter::once(&cur.total))
        .map(|g| Row {
            instant: instant_of(&g.key).instant,
            reviewed: instant_of(&g.key).reviewed,
            late: g.open_overdue > 0,
            links: case_links(&query, g.key.as_deref()),
            label: if g.key.is_some() {
                label(&names, &g.key)
            } else {
                ctx.t("sup_total").into()
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
    let case_rows = |list: &[crate::db::stats::OverdueCase]| -> Vec<OverdueCase> {
        list.iter()
            .map(|o| OverdueCase {
                number: o.number.clone(),
                url: format!("/office/{}", o.id),
                township: label(&names, &Some(o.township_code.clone())),
                type_name: type_names
                    .get(&o.type_code)
                    .cloned()
                    .unwrap_or_else(|| o.type_code.clone()),
                deadline: i18n::datetime(lang, o.node_deadline),
            })
            .collect()
    };
    let overdue_rows = case_rows(&overdue);
    let at_risk_rows = case_rows(&at_risk);
    let sort_links: HashMap<&str, String> = SortKey::ALL
        .iter()
        .map(|k| {
            let to = sort.toggle(*k).as_param();
            (
                k.as_str(),
                format!(
                    "/supervise?from={}&to={}&sort={to}#townships",
                    params.from, params.to
                ),
            )
        })
        .collect();
    let previous = params.previous();
    let period = |from, to| {
        fill(
            ctx.t("sup_period"),
            &[("from", &day(lang, from)), ("to", &day(lang, to))],
        )
    };
    let unit = ctx.t("working_days");
    let no_data = ctx.t("sup_no_data");
    let page = json!({
        "from": params.from,
        "to": params.to,
        "period": period(params.from, params.to),
        "summary": fill(
            ctx.t("sup_summary"),
            &[
                ("previous", &period(previous.from, previous.to)),
                ("time", &i18n::datetime(lang, t)),
            ]
        ),
        "headline": headlines(lang, &cur.total, &before.total),
        "daily_svg": svg::daily_chart(
            &cur.daily,
            &svg::DailyText {
                title: ctx.t("sup_daily_chart"),
                legend_on_time: ctx.t("sup_chart_on_time"),
                legend_late: ctx.t("sup_chart_late"),
                day_finished: ctx.t("sup_chart_finished"),
                day_on_time: ctx.t("on_time"),
                no_data,
            }
        ),
        "township_svg": svg::bar_chart(&township_bars, ctx.t("sup_township_chart"), unit, no_data),
        "type_svg": svg::bar_chart(&type_bars, ctx.t("sup_type_chart"), unit, no_data),
        "townships": rows,
        "sort": sort.key.as_str(),
        "sort_aria": if sort.ascending() { "ascending" } else { "descending" },
        "sort_links": sort_links,
        "overdue": overdue_rows,
        "instant_summary": fill(
            ctx.t("sup_instant_summary"),
            &[
                ("instant", &instant_total.instant.to_string()),
                ("same_day", &instant_total.instant_same_day.to_string()),
                ("reviewed", &instant_total.reviewed.to_string()),
            ]
        ),
        "at_risk": at_risk_rows,
        "at_risk_heading": fill(
            ctx.t("sup_at_risk_heading"),
            &[("count", &cur.total.open_at_risk.to_string())]
        ),
        "csv_at_risk": format!("/api/v1/stats/cases?metric=open_at_risk&{query}&format=csv"),
        "overdue_heading": fill(
            ctx.t("sup_overdue_heading"),
            &[("count", &cur.total.open_overdue.to_string())]
        ),
        "csv_township": format!("/api/v1/stats?{query}&format=csv"),
        "csv_type": format!(
            "/api/v1/stats?from={}&to={}&group_by={}&format=csv",
            params.from,
            params.to,
            GroupBy::Type.as_str()
        ),
        "csv_overdue": format!("/api/v1/stats/cases?metric=open_overdue&{query}&format=csv"),
    });
    Ok(ctx.ok("supervise", page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_written_in_the_page_language() {
        let h = headline(Lang::Zh, "sup_on_time_rate", Some(0.78), Some(0.75), true);
        assert_eq!((h.label, h.value.as_str()), ("按时办结率", "78.0%"));
        assert_eq!((h.change.as_str(), h.trend), ("+3.0 个百分点 较上期", "up"));
        let h = headline(Lang::En, "sup_on_time_rate", Some(0.72), Some(0.75), true);
        assert_eq!(h.label, "On-time rate");
        assert_eq!(
            (h.change.as_str(), h.trend),
            ("-3.0 percentage points vs previous period", "down")
        );
        let h = headline(Lang::En, "sup_received", Some(12.0), Some(12.0), false);
        assert_eq!(
            (h.value.as_str(), h.change.as_str()),
            ("12", "+0.0 vs previous period")
        );
        assert_eq!(h.trend, "flat");
        assert_eq!(h.verdict, "flat");
        // Colour by what the change means: more days is bad, a higher rate good, more
        // applications neither.
        let h = headline(
            Lang::En,
            "sup_avg_working_days",
            Some(2.5),
            Some(1.5),
            false,
        );
        assert_eq!((h.trend, h.verdict), ("up", "bad"));
        let h = headline(Lang::En, "sup_on_time_rate", Some(0.9), Some(0.8), true);
        assert_eq!((h.trend, h.verdict), ("up", "good"));
        let h = headline(Lang::En, "sup_same_day_rate", Some(0.7), Some(0.8), true);
        assert_eq!((h.trend, h.verdict), ("down", "bad"));
        let h = headline(Lang::En, "sup_received", Some(20.0), Some(12.0), false);
        assert_eq!((h.trend, h.verdict), ("up", "flat"));
        let h = headline(Lang::En, "sup_avg_working_days", Some(1.5), None, false);
        assert_eq!(h.change, "No data for the previous period");
        let h = headline(Lang::Zh, "sup_avg_working_days", None, None, false);
        assert_eq!((h.value.as_str(), h.change.as_str()), ("—", "上期无数据"));
    }

    #[test]
    fn period_dates_in_the_page_language() {
        let d = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        assert_eq!(day(Lang::Zh, d), "2026年2月1日");
        assert_eq!(day(Lang::En, d), "1 Feb 2026");
        assert_eq!(
            fill("{from} to {to}", &[("from", "a"), ("to", "b")]),
            "a to b"
        );
    }
}
