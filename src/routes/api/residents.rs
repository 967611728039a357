//! Resident self-registration.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::AppResult;
use crate::read_model::views::UserView;
use crate::state::AppState;
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
