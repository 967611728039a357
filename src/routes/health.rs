use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;

use crate::db::models::now;
use crate::error::AppError;
use crate::startup::AppState;
use crate::workflow::calendar_watch;

/// `{"status":"ok"}` once the database answers, with whether next year's holiday
/// calendar is loaded (`calendar.next_year_loaded`; `warn` from 1 October while not).
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200), (status = 503)))]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let ok = state
        .db
        .read(|c| {
            c.batch_execute("SELECT 1")?;
            Ok::<_, AppError>(calendar_watch::next_year(c, now())?)
        })
        .await;
    match ok {
        Ok(next) => HttpResponse::Ok().json(serde_json::json!({
            "status": "ok",
            "calendar": {
                "next_year": next.year,
                "next_year_loaded": next.loaded,
                "warn": next.warn,
            },
        })),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable"}))
        }
    }
}

/// `{"status":"ready"}` when this instance can serve: the database answers and the blob
/// storage answers a listing (read-only: a probe every few seconds writes nothing).
/// 503 with what is unreachable otherwise, so a load balancer sends no requests here.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200), (status = 503)))]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let database = state
        .db
        .read(|c| c.batch_execute("SELECT 1").map_err(AppError::from))
        .await;
    let storage = state.services.blobs.probe().await;
    if let Err(e) = &database {
        tracing::warn!(error = %e, "readiness: database unreachable");
    }
    if let Err(e) = &storage {
        tracing::warn!(error = %e, "readiness: storage unreachable");
    }
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let body = serde_json::json!({
        "status": if database.is_ok() && storage.is_ok() { "ready" } else { "unavailable" },
        "database": word(database.is_ok()),
        "storage": word(storage.is_ok()),
    });
    if database.is_ok() && storage.is_ok() {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
