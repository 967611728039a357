//! HTTP routes: the JSON API, health, the API documentation and the HTML pages.

pub mod api;
pub mod cookies;
pub mod documented;
pub mod health;
pub mod openapi;
pub mod pages;
pub mod supervise;
pub mod upload;
pub mod verify;

use actix_web::{error::JsonPayloadError, web, HttpRequest, HttpResponse};

use crate::domain::Invalid;
use crate::error::AppError;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.app_data(json_config())
        .app_data(web::QueryConfig::default().error_handler(|e, _| {
            AppError::BadRequest(Invalid::new(
                format!("查询参数有误：{e}"),
                format!("Invalid query parameters: {e}"),
            ))
            .into()
        }))
        .route("/api/openapi.json", web::get().to(openapi::json))
        .route("/api/docs", web::get().to(openapi::page))
        .route("/supervise", web::get().to(supervise::page))
        .configure(documented::register)
        .configure(pages::configure)
        .default_service(web::to(not_found));
}

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(256 * 1024)
        .error_handler(|e, _req: &HttpRequest| {
            let err = match &e {
                JsonPayloadError::ContentType => AppError::UnsupportedMedia(Invalid::new(
                    "请以JSON格式提交（Content-Type: application/json）",
                    "Send JSON (Content-Type: application/json)",
                )),
                JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. } => AppError::TooLarge(Invalid::new(
                    "提交的内容过大",
                    "The request body is too large",
                )),
                other => AppError::BadRequest(Invalid::new(
                    format!("请求内容不是有效的JSON：{other}"),
                    format!("The request body is not valid JSON: {other}"),
                )),
            };
            err.into()
        })
}

/// JSON for the API, an HTML page for everything else.
async fn not_found(req: HttpRequest) -> Result<HttpResponse, AppError> {
    if !req.path().starts_with("/api/") {
        if let Ok(ctx) = pages::ctx::Ctx::load(req).await {
            return Ok(pages::public::not_found(ctx).await);
        }
    }
    Err(AppError::NotFound(Invalid::new(
        "没有这个页面或接口",
        "No such page or endpoint",
    )))
}

/// The client address: the peer, or the first `X-Forwarded-For` entry when the
/// operator says a trusted proxy sets it.
pub fn client_ip(req: &HttpRequest, trust_forwarded: bool) -> String {
    if trust_forwarded {
        if let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            let first = first.trim();
            if !first.is_empty() {
                return first.to_owned();
            }
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// The request's `User-Agent`, if readable (stored only coarsely, with a session).
pub fn user_agent(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}
