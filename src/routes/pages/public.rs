//! Public pages: the catalogue of certificate types, each type's service guide, and
//! the language switch.

use actix_web::cookie::SameSite;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::ctx::{safe_next, Ctx};
use super::error::PageResult;
use super::i18n::Lang;
use super::view;
use crate::db::catalog;
use crate::error::AppError;
use crate::routes::cookies;

pub async fn home(ctx: Ctx) -> PageResult {
    let types = ctx
        .state
        .db
        .read(|c| catalog::active_types(c).map_err(AppError::from))
        .await
        .map_err(|e| ctx.fail(e))?;
    let items: Vec<_> = types
        .iter()
        .map(|t| {
            json!({"code": t.code, "name": view::type_name(ctx.lang, t),
                   "purpose": view::pick(ctx.lang, &t.purpose_zh, &t.purpose_en),
                   "promised_days": t.promised_days})
        })
        .collect();
    Ok(ctx.ok("home", json!({"types": items})))
}

pub async fn guide(ctx: Ctx, path: web::Path<String>) -> PageResult {
    let code = path.into_inner();
    let t = ctx
        .state
        .db
        .read(move |c| catalog::type_by_code(c, &code).map_err(AppError::from))
        .await
        .and_then(|t| t.ok_or_else(AppError::not_found))
        .map_err(|e| ctx.fail(e))?;
    let lang = ctx.lang;
    let documents: Vec<_> = t
        .documents
        .iter()
        .map(|d| {
            json!({"name": view::pick(ctx.lang, &d.name_zh, &d.name_en),
                   "description": view::pick(lang, &d.description_zh, &d.description_en),
                   "required": d.required, "max_count": d.max_count})
        })
        .collect();
    let steps: Vec<_> = t
        .steps
        .iter()
        .map(|s| {
            json!({"name": view::pick(ctx.lang, &s.name_zh, &s.name_en),
                   "level": view::level(ctx.lang, s.level), "days": s.time_limit_days})
        })
        .collect();
    Ok(ctx.ok(
        "guide",
        json!({
            "type": {
                "code": t.code,
                "name": view::type_name(ctx.lang, &t),
                "purpose": view::pick(ctx.lang, &t.purpose_zh, &t.purpose_en),
                "legal_basis": view::pick(lang, &t.legal_basis, &t.legal_basis_en),
                "who_may_apply": view::pick(lang, &t.who_may_apply_zh, &t.who_may_apply_en),
                "delivery_note": view::pick(lang, &t.delivery_note_zh, &t.delivery_note_en),
                "issuing_level": view::level(ctx.lang, t.issuing_level),
                "promised_days": t.promised_days,
                // Shown only where the catalogue cites the article that sets it.
                "statutory_days": t.statutory_limit().map(|(d, _)| d),
                "statutory_source": t.statutory_limit().map(|(_, s)| s),
                "validity_days": t.validity_days,
            },
            "documents": documents,
            "steps": steps,
        }),
    ))
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Sets the language cookie and goes back to where the user was.
pub async fn switch_lang(
    ctx: Ctx,
    path: web::Path<String>,
    q: web::Query<NextQuery>,
) -> HttpResponse {
    let Some(lang) = Lang::parse(&path.into_inner()) else {
        return ctx.error_page(
            StatusCode::NOT_FOUND,
            ctx.t("error_404_title"),
            ctx.t("error_404_text").to_owned(),
        );
    };
    let next = q
        .next
        .as_deref()
        .and_then(safe_next)
        .unwrap_or_else(|| "/".to_owned());
    let cookie = cookies::build(
        &ctx.state.settings,
        super::ctx::LANG_COOKIE,
        lang.code().to_owned(),
    )
    .same_site(SameSite::Lax)
    .max_age(actix_web::cookie::time::Duration::days(365))
    .finish();
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .cookie(cookie)
        .finish()
}

/// HTML 404 for pages (the API keeps its JSON 404).
pub async fn not_found(ctx: Ctx) -> HttpResponse {
    ctx.error_page(
        StatusCode::NOT_FOUND,
        ctx.t("error_404_title"),
        ctx.t("error_404_text").to_owned(),
    )
}
