//! The admin's holiday calendar page (节假日安排): a year's rows, or for a year not
//! loaded the statutory days the provisional rule uses; a form to paste a year from
//! the State Council notice, a preview (working days per month and in the year), and a
//! confirmation that stores it through `workflow::holidays` like the API and the CLI.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::web;
use chrono::Datelike;
use serde::Deserialize;
use serde_json::{json, Value};

use super::ctx::{field, Ctx};
use super::error::PageResult;
use crate::db::catalog;
use crate::db::models::now;
use crate::domain::calendar::china_date;
use crate::domain::holiday_import::parse_lines;
use crate::domain::role::Role;
use crate::domain::statutory;
use crate::error::AppError;
use crate::workflow::holidays;

type Form = web::Form<Vec<(String, String)>>;

#[derive(Deserialize)]
pub struct YearQuery {
    /// Text, so `?year=abc` shows next year instead of a JSON 400 on an HTML page.
    year: Option<String>,
}

pub async fn page(ctx: Ctx, q: web::Query<YearQuery>) -> PageResult {
    ctx.require(&[Role::Admin])?;
    let this_year = china_date(now().and_utc()).year();
    let year = q
        .year
        .as_deref()
        .and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or(this_year + 1);
    let page = listing(&ctx, year).await.map_err(|e| ctx.fail(e))?;
    Ok(ctx.ok("admin_holidays", page))
}

/// The years loaded, and the rows (or the provisional days) of `year`.
async fn listing(ctx: &Ctx, year: i32) -> Result<Value, AppError> {
    let (years, rows) = ctx
        .state
        .db
        .read(move |c| {
            let years = catalog::holiday_years(c)?;
            let rows = catalog::holidays_of_year(c, year)?;
            Ok::<_, AppError>((years, rows))
        })
        .await?;
    let loaded = !rows.is_empty();
    let rows: Vec<Value> = if loaded {
        rows.into_iter()
            .map(|r| json!({"date": r.day, "workday": r.kind == "workday", "note": r.note, "source": r.source}))
            .collect()
    } else {
        statutory::days_off(year)
            .into_iter()
            .map(|s| json!({"date": s.date.to_string(), "workday": false, "note": s.name, "source": ""}))
            .collect()
    };
    Ok(json!({
        "year": year,
        "loaded": loaded,
        "years": years.into_iter().collect::<Vec<_>>(),
        "rows": rows,
        "form": {"year": year},
    }))
}

pub async fn submit(ctx: Ctx, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    ctx.require(&[Role::Admin])?;
    let text = field(&form, "rows").to_owned();
    let source = field(&form, "source").to_owned();
    let confirm = field(&form, "confirm") == "1";
    let rows = parse_lines(&text, &source);
    let values = json!({"rows": text, "source": source});
    let year = rows
        .iter()
        .find_map(|r| r.date.as_deref()?.get(..4)?.parse::<i32>().ok())
        .unwrap_or_else(|| china_date(now().and_utc()).year() + 1);
    let result = if confirm {
        ctx.state
            .db
            .write(move |c| holidays::add(c, &rows).map(|a| (a.summary, true)))
            .await
    } else {
        ctx.state
            .db
            .read(move |c| holidays::preview(c, &rows).map(|(_, s)| (s, false)))
            .await
    };
    let problems = match result {
        Ok((_, true)) => {
            return Ok(ctx.redirect(
                &format!("/admin/holidays?year={year}"),
                Some(("ok", "holidays_added")),
            ))
        }
        Ok((summary, false)) => Ok(summary),
        Err(AppError::Validation(fields)) => Err(line_errors(&ctx, &fields)),
        Err(e) => return Err(ctx.fail(e)),
    };
    let mut page = listing(&ctx, year).await.map_err(|e| ctx.fail(e))?;
    page["form"] = values;
    Ok(match problems {
        Ok(summary) => {
            page["preview"] = json!(summary);
            ctx.ok("admin_holidays", page)
        }
        Err(problems) => {
            page["problems"] = json!(problems);
            ctx.render(StatusCode::UNPROCESSABLE_ENTITY, "admin_holidays", page)
        }
    })
}

/// `rows[3].kind` → "第4行：…", so the admin finds the line in what was pasted.
fn line_errors(ctx: &Ctx, fields: &BTreeMap<String, crate::domain::Invalid>) -> Vec<String> {
    fields
        .iter()
        .map(|(key, m)| {
            let line = key
                .strip_prefix("rows[")
                .and_then(|k| k.split(']').next())
                .and_then(|i| i.parse::<usize>().ok());
            match line {
                Some(i) => format!(
                    "{}{}",
                    ctx.t("holidays_line").replace("{n}", &(i + 1).to_string()),
                    ctx.msg(m)
                ),
                None => ctx.msg(m),
            }
        })
        .collect()
}
