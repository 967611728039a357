//! Sign in and out.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::read_model::views::{utc, JurisdictionRef, UserView};
use crate::routes::cookies;
use crate::state::AppState;
use crate::workflow::session::{self, SignIn};

#[derive(Deserialize, ToSchema)]
pub struct SessionRequest {
    pub phone: Option<String>,
    pub password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SessionResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub user: UserView,
}

/// Sign in with phone and password. Failed attempts are throttled per phone and per
/// client address: after a few, each further attempt must wait a growing delay, then
/// the phone is locked for a while (a password reset by SMS unlocks it); a refusal is
/// a 429 saying when to try again, with `Retry-After`.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SessionRequest,
    responses((status = 200, body = SessionResponse), (status = 401, body = crate::error::ErrorBody),
              (status = 429, description = "too many failed sign-ins; `Retry-After` says when to try again", body = crate::error::ErrorBody)))]
#[tracing::instrument(name = "sign_in", skip_all)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<SessionRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let input = SignIn {
        phone: body.phone.unwrap_or_default(),
        password: body.password.unwrap_or_default(),
        replaces: None,
        client: crate::routes::audit_client(&req),
    };
    let s = session::sign_in(&state, input).await?;
    let user = UserView::new(
        &s.user,
        s.jurisdiction.map(|j| JurisdictionRef {
            code: j.code,
            name: j.name,
            level: j.level,
        }),
    );
    Ok(HttpResponse::Ok()
        .cookie(cookies::session(&state.settings, s.token.clone()))
        .json(SessionResponse {
            token: s.token,
            expires_at: utc(s.expires_at),
            user,
        }))
}

/// Sign out: the token stops working at once.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn delete(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    session::sign_out(&state, user.token_hash).await?;
    Ok(HttpResponse::NoContent()
        .cookie(cookies::session_removal(&state.settings))
        .finish())
}
