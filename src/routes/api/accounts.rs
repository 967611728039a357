//! SMS verification codes and the password reset by code (no sign-in needed).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::AppResult;
use crate::routes::client_ip;
use crate::state::AppState;
use crate::workflow::{account, sms_codes};

#[derive(Deserialize, ToSchema)]
pub struct SmsCodeRequest {
    pub phone: Option<String>,
    /// `register`, `reset_password` or `change_phone` (sent to the new phone).
    /// `consent` is refused (422): a consent code is sent for one draft, with
    /// `POST /api/v1/applications/{id}/consent-code`.
    pub purpose: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SmsCodeAccepted {
    /// How long a code stays valid, in seconds.
    pub expires_in: i64,
    /// How long before another code may be sent to the same phone for the same
    /// purpose, in seconds.
    pub resend_after: i64,
}

/// Send a verification code by SMS. The answer is the same whether or not the phone
/// has an account: the SMS says what happened (registering a phone that has an
/// account gets "already registered; use 忘记密码" and no code). At most one per phone
/// and purpose a minute, and a daily number per phone and per client address (429
/// with `Retry-After`).
#[utoipa::path(post, path = "/api/v1/sms-codes", tag = "session", request_body = SmsCodeRequest,
    responses((status = 202, body = SmsCodeAccepted), (status = 422, body = crate::error::ErrorBody),
              (status = 429, description = "sent too recently or too often; `Retry-After` says when to try again", body = crate::error::ErrorBody)))]
#[tracing::instrument(name = "sms_code", skip_all)]
pub async fn send_code(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<SmsCodeRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let client = client_ip(&req, state.settings.trust_forwarded_for);
    sms_codes::request(
        &state,
        &client,
        b.phone.as_deref().unwrap_or(""),
        b.purpose.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(HttpResponse::Accepted().json(SmsCodeAccepted {
        expires_in: sms_codes::CODE_TTL.num_seconds(),
        resend_after: sms_codes::RESEND_AFTER.num_seconds(),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordResetRequest {
    pub phone: Option<String>,
    /// The code sent with purpose `reset_password`.
    pub code: Option<String>,
    pub new_password: Option<String>,
}

/// Set a new password with a code sent by SMS (forgotten password). Every session of
/// the account ends, and its sign-in lock is lifted. A phone without an account gets
/// the same "code wrong or expired" as any bad code.
#[utoipa::path(post, path = "/api/v1/password-reset", tag = "session", request_body = PasswordResetRequest,
    responses((status = 204), (status = 422, body = crate::error::ErrorBody)))]
#[tracing::instrument(name = "password_reset", skip_all)]
pub async fn reset_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<PasswordResetRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    account::reset_password(
        &state,
        &crate::routes::audit_client(&req),
        b.phone.as_deref().unwrap_or(""),
        b.code.as_deref().unwrap_or(""),
        b.new_password.unwrap_or_default(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
