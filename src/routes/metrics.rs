//! `GET /metrics`: the Prometheus text format, for the operator's scraper only.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::domain::Invalid;
use crate::error::AppError;
use crate::state::AppState;

/// Request counts and latencies per route pattern and status, database pools, the
/// SQLite write-lock wait, jobs per kind and status, the outbox's oldest unsent
/// message, certificates issued and uploads refused. With `metrics_token` set it
/// requires `Authorization: Bearer <token>`; unset, only loopback clients (not through a
/// proxy) are answered.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain"),
              (status = 401, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    allowed(&req, &state.settings.metrics_token)?;
    let st = state.clone();
    let text = state
        .db
        .read(move |c| st.services.metrics.render(&st.db, c))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(text))
}

fn allowed(req: &HttpRequest, token: &str) -> Result<(), AppError> {
    if !token.is_empty() {
        let sent = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        return if crate::auth::constant_time_eq(sent.as_bytes(), token.as_bytes()) {
            Ok(())
        } else {
            Err(AppError::Unauthorized(Invalid::new(
                "需要监控令牌（Authorization: Bearer <metrics_token>）",
                "A metrics token is required (Authorization: Bearer <metrics_token>)",
            )))
        };
    }
    // A proxy on the same machine connects from loopback on behalf of anyone: a
    // forwarded request is not a local client, whatever `trust_forwarded_for` says.
    let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"]
        .iter()
        .any(|h| req.headers().contains_key(*h));
    let loopback = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
    if loopback && !forwarded {
        Ok(())
    } else {
        Err(AppError::Forbidden(Invalid::new(
            "监控数据只对本机开放；远程抓取请设置 metrics_token",
            "Metrics are served to this machine only; set metrics_token to scrape remotely",
        )))
    }
}
