//! The public status lookup page (查询办理进度): application number + phone, answered
//! exactly as the API answers (same rate limit, same reply for a wrong pair and an
//! unknown number), in the page's language.

use actix_web::{web, ResponseError};
use serde_json::{json, Map, Value};

use super::ctx::Ctx;
use super::error::PageResult;
use super::i18n::{self, Lang};
use super::view;
use crate::error::AppError;
use crate::read_model::track::TrackView;
use crate::routes::client_ip;
use crate::workflow::track::{lookup, TrackQuery};

pub async fn page(ctx: Ctx, q: web::Query<TrackQuery>) -> PageResult {
    let q = q.into_inner();
    let mut values = Map::new();
    values.insert("number".into(), q.number.clone().unwrap_or_default().into());
    values.insert("phone".into(), q.phone.clone().unwrap_or_default().into());
    if q.number.is_none() && q.phone.is_none() {
        return Ok(ctx.ok("track", json!({ "values": values, "errors": {} })));
    }
    let client = client_ip(&ctx.req, ctx.state.settings.trust_forwarded_for);
    match lookup(&ctx.state, &client, q).await {
        Ok(found) => Ok(ctx.ok(
            "track",
            json!({"values": values, "errors": {}, "result": result(ctx.lang, &found)}),
        )),
        Err(e) => {
            let status = e.status_code();
            let (errors, problem) = match &e {
                AppError::Validation(_) => (ctx.field_errors(&e), None),
                AppError::NotFound(m) | AppError::TooManyRequests(m) => (None, Some(ctx.msg(m))),
                _ => return Err(ctx.fail(e)),
            };
            Ok(ctx.render(
                status,
                "track",
                json!({"values": values, "errors": errors.unwrap_or_default(), "problem": problem}),
            ))
        }
    }
}

fn result(lang: Lang, v: &TrackView) -> Value {
    let timeline: Vec<_> = v
        .timeline
        .iter()
        .map(|n| {
            json!({
                "label": view::pick(lang, &n.label, &n.label_en),
                "status": view::status(lang, &n.status),
                "at": i18n::datetime(lang, n.at.naive_utc()),
            })
        })
        .collect();
    json!({
        "number": v.number,
        "type_name": view::pick(lang, &v.type_name, &v.type_name_en),
        "status": v.status,
        "status_label": view::status(lang, &v.status),
        "overall_deadline": v.overall_deadline.map(|d| i18n::date(lang, d.naive_utc())),
        "deadline_provisional": v.deadline_provisional,
        "timeline": timeline,
    })
}
