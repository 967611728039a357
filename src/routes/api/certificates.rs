//! The issued certificate as a PDF, for the owner and staff of the jurisdiction.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::{CurrentUser, Scope};
use crate::db::{applications, dispatches};
use crate::domain::revocation::RevocationCode;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::workflow::audit;

/// Download the certificate PDF of an application (the owner, or staff of its
/// jurisdiction: each staff download is written to the audit log; couriers: 403).
#[utoipa::path(get, path = "/api/v1/applications/{id}/certificate.pdf", tag = "certificates",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
              (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require_role(Role::CASE_READERS)?;
    let id = path.into_inner();
    let scope = Scope::of(&user);
    let client = crate::routes::audit_client(&req);
    let staff = user.role.is_staff().then(|| user.id.clone());
    let read = move |c: &mut crate::db::DbConn| {
        applications::find(c, &id, &scope)?.ok_or_else(AppError::not_found)?;
        let cert = dispatches::certificate_of(c, &id)?.ok_or_else(|| {
            AppError::NotFound(crate::domain::Invalid::new(
                "证明尚未出具",
                "The certificate has not been issued yet",
            ))
        })?;
        if let Some(user_id) = staff {
            // The certificate holds the full ID number: a staff download is audited.
            audit::record(
                c,
                &client,
                audit::Entry {
                    user_id: Some(user_id),
                    action: audit::action::DOWNLOAD_CERTIFICATE,
                    target_type: "certificate",
                    target_id: cert.number.clone(),
                    application_id: Some(id.clone()),
                    ..audit::Entry::default()
                },
            )?;
        }
        Ok::<_, AppError>(cert)
    };
    let cert = if user.role.is_staff() {
        state.db.write(read).await?
    } else {
        state.db.read(read).await?
    };
    let bytes = state
        .services
        .blobs
        .get_async(&cert.pdf_key)
        .await
        .map_err(AppError::internal)?;
    let bytes = state
        .services
        .data_keys
        .open_bytes(bytes)
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            // Opens in the phone's browser (我的证明); the page's download link still saves.
            format!("inline; filename=\"{}.pdf\"", cert.number),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
pub struct RevokeRequest {
    /// Why the certificate is revoked, in the official's words: for staff only (the
    /// official pages and the case trail), never shown on the public verify page.
    pub reason: Option<String>,
    /// The public reason shown on the verify page, from a fixed list; missing: `other`.
    pub reason_code: Option<RevocationCode>,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RevokedView {
    pub number: String,
    pub status: String,
    pub revoked_at: Option<chrono::NaiveDateTime>,
    pub revocation_reason: Option<String>,
    /// The public reason (see `RevokeRequest::reason_code`).
    pub revocation_code: Option<RevocationCode>,
}

/// Revoke an issued certificate (an official of the issuing township or its county).
#[utoipa::path(post, path = "/api/v1/certificates/{number}/revoke", tag = "certificates",
    params(("number" = String, Path)), request_body = RevokeRequest,
    responses((status = 200, body = RevokedView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(name = "revoke", skip_all, fields(user_id = %user.id, number = %path))]
pub async fn revoke(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<RevokeRequest>,
) -> AppResult<HttpResponse> {
    let number = path.into_inner();
    let body = body.into_inner();
    let reason = body.reason.unwrap_or_default();
    let code = body.reason_code.unwrap_or(RevocationCode::Other);
    let c = state
        .db
        .write(move |c| crate::workflow::revoke::revoke(c, &user, &number, &reason, code))
        .await?;
    Ok(HttpResponse::Ok().json(RevokedView {
        number: c.number,
        status: c.status,
        revoked_at: c.revoked_at,
        revocation_code: Some(RevocationCode::from_stored(c.revocation_code.as_deref())),
        revocation_reason: c.revocation_reason,
    }))
}
