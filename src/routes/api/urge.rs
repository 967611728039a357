//! 督办 (urge): a supervisor's note to the office about a case it holds.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::state::AppState;
use crate::workflow::urge;

#[derive(Deserialize, ToSchema)]
pub struct UrgeRequest {
    /// What the office should do, 1–500 characters; recorded on the case's trail.
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UrgeResult {
    pub application_id: String,
    pub number: String,
    /// How many officials were sent an SMS.
    pub notified: usize,
}

/// Urge (督办) a case the office holds (submitted or under review): the note goes on
/// the case's trail as an `urge` event, seen on the staff's case page, and the
/// officials holding the current step get an SMS. Supervisors, within their
/// jurisdiction.
#[utoipa::path(post, path = "/api/v1/applications/{id}/urge", tag = "supervision",
    params(("id" = String, Path)), request_body = UrgeRequest,
    responses((status = 201, body = UrgeResult), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(name = "urge", skip_all, fields(user_id = %user.id, application_id = %path))]
pub async fn post(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<UrgeRequest>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let note = body.into_inner().note.unwrap_or_default();
    let u = state
        .db
        .with_writer(move |c| urge::run(c, &user, &id, &note))
        .await?;
    Ok(HttpResponse::Created().json(UrgeResult {
        application_id: u.application_id,
        number: u.number,
        notified: u.notified,
    }))
}
