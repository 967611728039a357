//! The subject's consent to an application made for them (issue 16, 代办): a code sent
//! to their phone for this draft, which they read out to the applicant.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::error::AppResult;
use crate::read_model::views::ApplicationDetail;
use crate::routes::client_ip;
use crate::state::AppState;
use crate::workflow::{proxy, sms_codes};

#[derive(Deserialize, ToSchema)]
pub struct ConsentRequest {
    /// The code the person read out from the SMS sent to their phone.
    pub code: Option<String>,
}

/// Send the consent code for this draft to the subject's phone (the one on record for
/// a registered resident, else the one given as `subject.phone`). The SMS names the
/// applicant and the certificate. Only the newest code sent for the draft works; the
/// usual waits and daily caps of SMS codes apply (429).
#[utoipa::path(post, path = "/api/v1/applications/{id}/consent-code", tag = "applications",
    params(("id" = String, Path)),
    responses((status = 202, body = crate::routes::api::accounts::SmsCodeAccepted),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(name = "consent_code", skip_all, fields(user_id = %user.id))]
pub async fn send_code(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let client = client_ip(&req, state.settings.trust_forwarded_for);
    proxy::send_code(&state, &user, &path.into_inner(), &client).await?;
    Ok(
        HttpResponse::Accepted().json(crate::routes::api::accounts::SmsCodeAccepted {
            expires_in: sms_codes::CODE_TTL.num_seconds(),
            resend_after: sms_codes::RESEND_AFTER.num_seconds(),
        }),
    )
}

/// Record the subject's consent with the code they read out. A wrong, used or expired
/// code is refused (422) and changes nothing; five wrong tries use the code up.
#[utoipa::path(post, path = "/api/v1/applications/{id}/consent", tag = "applications",
    params(("id" = String, Path)), request_body = ConsentRequest,
    responses((status = 200, body = ApplicationDetail), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(name = "consent", skip_all, fields(user_id = %user.id))]
pub async fn confirm(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<ConsentRequest>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let code = body.into_inner().code.unwrap_or_default();
    proxy::confirm_code(&state, &user, &id, &code).await?;
    let keys = state.services.data_keys.clone();
    let detail = state
        .db
        .read(move |c| crate::read_model::detail::load(c, &keys, &user, &id, None))
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}
