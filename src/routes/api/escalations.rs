//! The in-app list of escalated (overdue) cases for supervisors.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::db::escalations;
use crate::error::{AppError, AppResult};
use crate::read_model::views::utc;
use crate::state::AppState;
use crate::stats::report::require_reader;

#[derive(Serialize, ToSchema)]
pub struct EscalationView {
    pub application_id: String,
    pub number: String,
    #[serde(rename = "type")]
    pub type_code: String,
    pub township_code: String,
    pub village_code: String,
    /// The overdue approval step (0-based).
    pub step: i32,
    pub node_deadline: DateTime<Utc>,
    pub escalated_at: DateTime<Utc>,
    /// The case with its full trail.
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct EscalationList {
    pub items: Vec<EscalationView>,
}

#[derive(Deserialize, IntoParams)]
pub struct EscalationQuery {
    /// 1–500 (default 100).
    pub limit: Option<i64>,
}

/// Overdue cases escalated to supervisors, newest first (scoped to the jurisdiction).
#[utoipa::path(get, path = "/api/v1/escalations", tag = "supervision", params(EscalationQuery),
    responses((status = 200, body = EscalationList), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<EscalationQuery>,
) -> AppResult<HttpResponse> {
    let scope = require_reader(&user)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 500);
    let items = state
        .db
        .read(move |c| escalations::list(c, &scope, limit).map_err(AppError::from))
        .await?
        .into_iter()
        .map(|(e, number, type_code)| EscalationView {
            url: format!("/api/v1/applications/{}", e.application_id),
            application_id: e.application_id,
            number,
            type_code,
            township_code: e.township_code,
            village_code: e.village_code,
            step: e.step,
            node_deadline: utc(e.node_deadline),
            escalated_at: utc(e.escalated_at),
        })
        .collect();
    Ok(HttpResponse::Ok().json(EscalationList { items }))
}
