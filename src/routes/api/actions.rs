//! State transitions of an application.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::domain::status::Action;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::read_model::views::ApplicationDetail;
use crate::state::AppState;
use crate::workflow::act::{self, ActInput};

#[derive(Deserialize, ToSchema)]
pub struct ActionRequest {
    /// submit, withdraw, resubmit, accept, return, reject, approve or collect.
    pub action: Option<String>,
    /// Required for return and reject.
    pub reason: Option<String>,
    /// The version you read; a stale one is refused with 409.
    pub version: Option<i32>,
    /// `true`: you checked the signed authorisation (委托书) of a case made for someone
    /// else; required to approve the first step of such a case.
    pub authorisation_checked: Option<bool>,
}

/// Take an action on an application. Checked against role, jurisdiction, status and
/// version in one transaction; the last approval issues the certificate.
#[utoipa::path(post, path = "/api/v1/applications/{id}/actions", tag = "applications",
    params(("id" = String, Path)), request_body = ActionRequest,
    responses((status = 200, body = ApplicationDetail), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(name = "application_action", skip_all, fields(user_id = %user.id, application_id = %path))]
pub async fn post(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<ActionRequest>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let b = body.into_inner();
    let action = Action::parse_public(b.action.as_deref().unwrap_or(""))
        .map_err(|e| AppError::field("action", e))?;
    let version = b.version.ok_or_else(|| {
        AppError::field(
            "version",
            Invalid::new("缺少版本号（version）", "version is required"),
        )
    })?;
    let input = ActInput {
        action,
        reason: b.reason,
        version,
        authorisation_checked: b.authorisation_checked.unwrap_or(false),
    };
    let svc = state.services.clone();
    let keys = state.services.data_keys.clone();
    // The writer (SQLite's one) is held for the change only; the answer is read after
    // the commit from the read pool (issue 20: the detail took a third of the writer's
    // time per action).
    act::run(&state.db, &svc, &user, &id, input).await?;
    let detail = state
        .db
        .read(move |c| crate::read_model::detail::load(c, &keys, &user, &id, None))
        .await?;
    tracing::info!(action = action.as_str(), status = %detail.summary.status, "action applied");
    Ok(HttpResponse::Ok().json(detail))
}
