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
