//! The issued certificate as a PDF, for the owner and staff of the jurisdiction.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::auth::{CurrentUser, Scope};
use crate::db::{applications, dispatches};
use crate::error::{AppError, AppResult};
use crate::startup::AppState;

/// Download the certificate PDF of an application.
#[utoipa::path(get, path = "/api/v1/applications/{id}/certificate.pdf", tag = "certificates",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let scope = Scope::of(&user);
    let cert = state
        .db
        .read(move |c| {
            applications::find(c, &id, &scope)?.ok_or_else(AppError::not_found)?;
            dispatches::certificate_of(c, &id)?.ok_or_else(|| {
                AppError::NotFound(crate::domain::Invalid::new(
                    "证明尚未出具",
                    "The certificate has not been issued yet",
                ))
            })
        })
        .await?;
    let blobs = state.services.blobs.clone();
    let key = cert.pdf_key.clone();
    let bytes = tokio::task::spawn_blocking(move || blobs.get(&key))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}.pdf\"", cert.number),
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(bytes))
}
