//! Resident self-registration.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::read_model::views::UserView;
use crate::state::AppState;
use crate::workflow::id_numbers::{self, RebindInput};
use crate::workflow::register::{register_resident, Registration};

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    pub phone: Option<String>,
    pub password: Option<String>,
    pub name: Option<String>,
    /// Resident ID number (18 characters, GB 11643).
    pub id_number: Option<String>,
    /// The 6-digit code sent by SMS to `phone` (`POST /api/v1/sms-codes` with purpose
    /// `register`).
    pub code: Option<String>,
}

/// Register a resident account. The phone is proven by an SMS code; a phone that
/// already has an account was never sent one, so it gets the same "code wrong or
/// expired" as any bad code (the answer does not tell whether a phone is registered).
#[utoipa::path(post, path = "/api/v1/residents", tag = "session", request_body = RegisterRequest,
    responses((status = 201, body = UserView), (status = 422, body = crate::error::ErrorBody)))]
#[tracing::instrument(name = "register", skip_all)]
pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let input = Registration {
        phone: b.phone.unwrap_or_default(),
        name: b.name.unwrap_or_default(),
        id_number: b.id_number.unwrap_or_default(),
        password: b.password.unwrap_or_default(),
        password_again: None,
        code: b.code.unwrap_or_default(),
    };
    let user = register_resident(&state, input).await?;
    Ok(HttpResponse::Created().json(UserView::new(&user, None)))
}

#[derive(Deserialize, ToSchema)]
pub struct RebindRequest {
    /// The ID number to move (18 characters, GB 11643), as on the ID card shown at the office.
    pub id_number: Option<String>,
    /// The phone of the account it moves to; an account is made if the phone has none.
    pub phone: Option<String>,
    /// For a new account: the person's name.
    pub name: Option<String>,
    /// For a new account: a password the person types at the counter. Without it they
    /// set one with 忘记密码 (a code by SMS).
    pub password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RebindView {
    /// The account the ID number is bound to now.
    pub user: UserView,
    /// The account it was taken from (deactivated, signed out everywhere).
    pub previous_user_id: String,
    /// Whether the account was made by this re-bind.
    pub created: bool,
}

/// Re-bind an ID number to the account of the person it belongs to (real-name binding,
/// done at the office with the ID card): the account that held it is deactivated and
/// signed out, and both changes are written to the access log. Township or county
/// officials and admins.
#[utoipa::path(post, path = "/api/v1/admin/residents/rebind", tag = "admin", request_body = RebindRequest,
    responses((status = 200, body = RebindView), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(name = "rebind", skip_all)]
pub async fn rebind(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<RebindRequest>,
    req: actix_web::HttpRequest,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let client = crate::routes::audit_client(&req);
    let input = RebindInput {
        id_number: b.id_number.unwrap_or_default(),
        phone: b.phone.unwrap_or_default(),
        name: b.name.unwrap_or_default(),
        password: b.password.unwrap_or_default(),
    };
    let done = id_numbers::rebind_as_asked(&state, &user, input, &client).await?;
    Ok(HttpResponse::Ok().json(RebindView {
        user: UserView::new(&done.user, None),
        previous_user_id: done.previous_user_id,
        created: done.created,
    }))
}
