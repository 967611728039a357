use actix_web::{web, HttpResponse};
use diesel::connection::SimpleConnection;

use crate::error::AppError;
use crate::startup::AppState;

/// `{"status":"ok"}` once the database answers.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200), (status = 503)))]
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let ok = state
        .db
        .read(|c| c.batch_execute("SELECT 1").map_err(AppError::from))
        .await;
    match ok {
        Ok(()) => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable().json(serde_json::json!({"status": "unavailable"}))
        }
    }
}
