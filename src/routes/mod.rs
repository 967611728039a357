//! HTTP routes: the JSON API, health, the API documentation and the HTML pages.

/// `method "path" => handler;` lines: a `ROUTES` list of (method, path) and a
/// `register` that adds each route, from one list, so a test can check every route the
/// server answers (the role × resource table, tests/api/privilege.rs).
macro_rules! route_list {
    ($($method:ident $path:literal => $($handler:ident)::+;)*) => {
        /// Every route of this list as (method, path), in order.
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        pub fn register(cfg: &mut actix_web::web::ServiceConfig) {
            $(cfg.route($path, actix_web::web::$method().to($($handler)::+));)*
        }
    };
}

pub mod api;
pub mod cookies;
pub mod documented;
pub mod health;
pub mod metrics;
pub mod observe;
pub mod openapi;
pub mod pages;
pub mod security;
pub mod supervise;
pub mod supervise_cases;
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
        .configure(other::register)
        .configure(documented::register)
        .configure(pages::configure)
        .default_service(web::to(not_found));
}

/// The routes outside the JSON API's documented list and the pages' list.
pub mod other {
    route_list! {
        get "/api/openapi.json" => super::openapi::json;
        get "/api/docs" => super::openapi::page;
        get "/supervise" => super::supervise::page;
        get "/supervise/cases" => super::supervise_cases::page;
    }
}

/// Every route the server registers, as (method, path): the documented API, the pages
/// and the others.
pub fn all_routes() -> Vec<(&'static str, &'static str)> {
    documented::ROUTES
        .iter()
        .chain(pages::ROUTES)
        .chain(other::ROUTES)
        .copied()
        .collect()
}

fn json_config() -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(256 * 1024)
        .error_handler(|e, _req: &HttpRequest| {
            let err = match &e {
                JsonPayloadError::Payload(p) if security::is_body_timeout(p) => {
                    AppError::body_timeout()
                }
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

/// Where a request came from, for the audit log: the client address (as
/// [`client_ip`] sees it) and the user agent.
pub fn audit_client(req: &HttpRequest) -> crate::workflow::audit::Client {
    let trust = req
        .app_data::<web::Data<crate::state::AppState>>()
        .is_some_and(|s| s.settings.trust_forwarded_for);
    let ua = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    crate::workflow::audit::Client::new(&client_ip(req, trust), ua)
}
