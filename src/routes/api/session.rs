//! Sign in and out.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::views::{utc, JurisdictionRef, UserView};
use crate::auth::session::{new_token, token_hash, COOKIE_NAME};
use crate::auth::{password, CurrentUser};
use crate::db::models::{now, Session};
use crate::db::{catalog, users};
use crate::domain::phone::Phone;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::startup::AppState;

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

fn bad_credentials() -> AppError {
    AppError::Unauthorized(Invalid::new(
        "手机号或密码不正确",
        "Wrong phone number or password",
    ))
}

/// Sign in with phone and password.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SessionRequest,
    responses((status = 200, body = SessionResponse), (status = 401, body = crate::error::ErrorBody)))]
#[tracing::instrument(name = "sign_in", skip_all)]
pub async fn create(
    state: web::Data<AppState>,
    body: web::Json<SessionRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let phone = Phone::parse(body.phone.as_deref().unwrap_or(""))
        .map_err(|e| AppError::field("phone", e))?;
    let pw = body.password.unwrap_or_default();
    let hours = state.settings.session_hours;
    let found = state
        .db
        .read(move |c| users::by_phone(c, phone.as_str()).map_err(AppError::from))
        .await?;
    // Hash work happens on the blocking pool, not the async executor.
    let user = tokio::task::spawn_blocking(move || match found {
        Some(u) if u.status == "active" && password::verify(&pw, &u.password_hash) => Some(u),
        Some(_) => None,
        None => {
            password::verify_dummy(&pw);
            None
        }
    })
    .await
    .map_err(AppError::internal)?
    .ok_or_else(bad_credentials)?;

    let token = new_token();
    let t = now();
    let session = Session {
        token_hash: token_hash(&token),
        user_id: user.id.clone(),
        created_at: t,
        expires_at: t + chrono::Duration::hours(hours),
    };
    let expires_at = session.expires_at;
    let jcode = user.jurisdiction_code.clone();
    let jurisdiction = state
        .db
        .write(move |c| {
            users::delete_expired_sessions(c, t)?;
            users::insert_session(c, &session)?;
            match jcode {
                Some(code) => Ok::<_, AppError>(catalog::jurisdiction(c, &code)?),
                None => Ok(None),
            }
        })
        .await?;
    let view = UserView::new(
        &user,
        jurisdiction.map(|j| JurisdictionRef {
            code: j.code,
            name: j.name,
            level: j.level,
        }),
    );
    let cookie = Cookie::build(COOKIE_NAME, token.clone())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.settings.base_url.starts_with("https://"))
        .max_age(actix_web::cookie::time::Duration::hours(hours))
        .finish();
    tracing::info!(user_id = %user.id, role = %user.role, "signed in");
    Ok(HttpResponse::Ok().cookie(cookie).json(SessionResponse {
        token,
        expires_at: utc(expires_at),
        user: view,
    }))
}

/// Sign out: the token stops working at once.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    _req: HttpRequest,
) -> AppResult<HttpResponse> {
    let hash = user.token_hash.clone();
    state
        .db
        .write(move |c| users::delete_session(c, &hash).map_err(AppError::from))
        .await?;
    let mut gone = Cookie::build(COOKIE_NAME, "").path("/").finish();
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}
