//! Supporting documents: upload (multipart), list, fetch, delete. The intake itself is
//! [`crate::workflow::intake`], shared with the case page.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{CurrentUser, Scope};
use crate::db::models::Document;
use crate::db::{applications, documents};
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::read_model::views::{DocumentList, DocumentView};
use crate::routes::upload::read_upload;
use crate::state::AppState;
use crate::workflow::audit;
use crate::workflow::documents::discard;
use crate::workflow::drafts::load_case_type;
use crate::workflow::intake;

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// A document kind the certificate type asks for, e.g. `id_card`.
    kind: String,
    /// The named place it fills, where the kind has slots (`id_card`: `front` 正面 /
    /// `back` 反面; see the type's `documents[].slots`). Optional: without it the first
    /// empty slot is filled.
    slot: Option<String>,
    /// JPEG, PNG or WebP photo, or PDF; recognised by content.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Upload one supporting document (owner, while draft or returned for correction).
/// Photos are stored upright, without metadata, long side capped; PDFs as uploaded.
#[utoipa::path(post, path = "/api/v1/applications/{id}/documents", tag = "documents",
    params(("id" = String, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 413, body = crate::error::ErrorBody), (status = 415, body = crate::error::ErrorBody),
              (status = 408, body = crate::error::ErrorBody, description = "The body stopped arriving (no progress for `body_timeout_secs`)"),
              (status = 422, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody, description = "The account already has its uploads in progress (2 by default)")),
    security(("bearer" = [])))]
#[tracing::instrument(name = "document_upload", skip_all, fields(user_id = %user.id, application_id = %path))]
pub async fn upload(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let app_id = path.into_inner();
    let received = read_upload(&state, &user, &app_id, payload).await?;
    let stored = intake::store(&state, user, app_id, received.upload).await;
    // Given back before the answer, so the account's next upload finds it free.
    if let Some(slot) = received.upload_slot {
        slot.release().await;
    }
    let (stored, t) = stored?;
    Ok(HttpResponse::Created().json(DocumentView::new(&stored, Some(&t))))
}

/// List an application's documents (owner, or staff of its jurisdiction).
#[utoipa::path(get, path = "/api/v1/applications/{id}/documents", tag = "documents",
    params(("id" = String, Path)),
    responses((status = 200, body = DocumentList), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    user.require_role(Role::CASE_READERS)?;
    let id = path.into_inner();
    let scope = Scope::of(&user);
    let items = state
        .db
        .read(move |c| {
            let app = applications::find(c, &id, &scope)?.ok_or_else(AppError::not_found)?;
            let t = load_case_type(c, &app)?;
            Ok::<_, AppError>(
                documents::for_application(c, &app.id)?
                    .iter()
                    .map(|d| DocumentView::new(d, Some(&t)))
                    .collect(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(DocumentList { items }))
}

#[derive(Deserialize, IntoParams)]
pub struct FileQuery {
    /// `1` for the thumbnail of a photo.
    pub thumb: Option<String>,
}

/// Fetch a stored document (owner, or staff of the application's jurisdiction; each
/// staff view is written to the access log).
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = String, Path), FileQuery),
    responses((status = 200, content_type = "image/jpeg", body = Vec<u8>),
              (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<FileQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require_role(Role::CASE_READERS)?;
    let id = path.into_inner();
    let thumb = matches!(query.thumb.as_deref(), Some("1" | "true"));
    let scope = Scope::of(&user);
    let doc = state
        .db
        .read(move |c| {
            let doc = documents::by_id(c, &id)?.ok_or_else(AppError::not_found)?;
            // Visible exactly when its application is, by the scoped query.
            applications::find(c, &doc.application_id, &scope)?.ok_or_else(AppError::not_found)?;
            Ok::<_, AppError>(doc)
        })
        .await?;
    let key = if thumb {
        doc.thumb_key.clone().ok_or_else(|| {
            AppError::NotFound(Invalid::new(
                "该文件没有缩略图",
                "This document has no thumbnail",
            ))
        })?
    } else {
        doc.blob_key.clone()
    };
    if user.role != Role::Resident {
        let entry = audit::Entry {
            user_id: Some(user.id.clone()),
            action: if thumb {
                audit::action::VIEW_DOCUMENT_THUMB
            } else {
                audit::action::VIEW_DOCUMENT
            },
            target_type: "document",
            target_id: doc.id.clone(),
            application_id: Some(doc.application_id.clone()),
            detail: Some(doc.kind.clone()),
            ..audit::Entry::default()
        };
        audit::record_now(&state, &crate::routes::audit_client(&req), entry).await?;
    }
    let bytes = state
        .services
        .blobs
        .get_async(&key)
        .await
        .map_err(AppError::internal)?;
    let (content_type, disposition) = if thumb {
        ("image/jpeg", "inline")
    } else if doc.content_type == "application/pdf" {
        ("application/pdf", "attachment")
    } else {
        ("image/jpeg", "inline")
    };
    let ext = if content_type == "application/pdf" {
        "pdf"
    } else {
        "jpg"
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            header::CONTENT_DISPOSITION,
            content_disposition(disposition, &doc, ext),
        ))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .body(bytes))
}

/// `inline|attachment; filename="<ascii>"; filename*=UTF-8''<the uploaded name>`, with the
/// extension of what is actually served.
fn content_disposition(disposition: &str, doc: &Document, ext: &str) -> String {
    let short: String = doc.id.chars().filter(|c| *c != '-').skip(20).collect();
    let ascii = format!("{}-{short}.{ext}", doc.kind);
    let stem = doc
        .original_name
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(&doc.original_name);
    let mut out = format!("{disposition}; filename=\"{ascii}\"");
    if !stem.is_empty() {
        out.push_str("; filename*=UTF-8''");
        for b in format!("{stem}.{ext}").bytes() {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

/// Delete one of your documents (while the application is a draft or returned).
#[utoipa::path(delete, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    discard(&state, user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
