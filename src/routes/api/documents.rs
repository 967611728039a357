//! Supporting documents: upload (multipart), list, fetch, delete.
//!
//! An upload is spooled to a temp file under the data directory with a byte cap (never
//! buffered unbounded), checked and normalised off the executor, written to the blob
//! store, and only then recorded in one transaction; any failure on the way — including
//! the client going away mid-stream — leaves neither a row nor a file behind.

use std::path::{Path, PathBuf};

use actix_multipart::{Multipart, MultipartError};
use actix_web::http::header;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use tokio::io::AsyncWriteExt;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{CurrentUser, Scope};
use crate::db::models::{new_id, now, AccessLogRow, Document};
use crate::db::{access_log, applications, documents};
use crate::documents::{prepare, too_large};
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::read_model::views::{DocumentList, DocumentView};
use crate::state::AppState;
use crate::workflow::documents as wf;
use crate::workflow::drafts::load_type;

/// The pages send their CSRF token in the multipart form under this name.
const CSRF_FIELD: &str = crate::routes::pages::ctx::CSRF_FIELD;

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// A document kind the certificate type asks for, e.g. `id_card`.
    kind: String,
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
              (status = 422, body = crate::error::ErrorBody)),
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
    let (stored, t) = store_upload(&state, user, app_id, received).await?;
    Ok(HttpResponse::Created().json(DocumentView::new(&stored, Some(&t))))
}

/// Checks that the caller may add documents to the application (before reading the
/// body: what is refused anyway is refused early), then spools the multipart form.
pub(crate) async fn read_upload(
    state: &web::Data<AppState>,
    user: &CurrentUser,
    app_id: &str,
    payload: Multipart,
) -> AppResult<Received> {
    let settings = state.settings.clone();
    let (u, id) = (user.clone(), app_id.to_owned());
    state
        .db
        .read(move |c| wf::editable(c, &u, &id).map(|_| ()))
        .await?;
    receive(
        payload,
        &settings.upload_tmp_dir(),
        settings.upload_limits().max_bytes,
    )
    .await
}

/// Checks, normalises, stores and records a received upload; on any failure nothing is
/// left behind.
pub(crate) async fn store_upload(
    state: &web::Data<AppState>,
    user: CurrentUser,
    app_id: String,
    received: Received,
) -> AppResult<(Document, crate::domain::cert_type::CertificateType)> {
    let limits = state.settings.upload_limits();
    let max_files = state.settings.upload_max_files;
    let mut fields = crate::error::Fields::default();
    let kind = received.kind.filter(|k| !k.is_empty());
    if kind.is_none() {
        fields.add(
            "kind",
            Invalid::new("请选择材料类型", "Choose the kind of document"),
        );
    }
    if received.file.is_none() {
        fields.add(
            "file",
            Invalid::new("请选择要上传的文件", "Choose a file to upload"),
        );
    }
    fields.finish()?;
    let (kind, (spool, original_name)) = (kind.unwrap_or_default(), received.file.unwrap());

    let (u, id, k) = (user.clone(), app_id.clone(), kind.clone());
    let t = state
        .db
        .read(move |c| {
            let app = wf::editable(c, &u, &id)?;
            let t = load_type(c, &app.type_code)?;
            wf::check_room(c, &app, &t, &k, max_files)?;
            Ok::<_, AppError>(t)
        })
        .await?;

    let bytes = tokio::fs::read(&spool.0)
        .await
        .map_err(AppError::internal)?;
    drop(spool);
    let prepared = {
        let _permit = state
            .services
            .image_work
            .acquire()
            .await
            .map_err(AppError::internal)?;
        tokio::task::spawn_blocking(move || prepare(bytes, &limits))
            .await
            .map_err(AppError::internal)??
    };

    let doc_id = new_id();
    let dir = format!("documents/{app_id}");
    let key = format!("{dir}/{doc_id}.{}", prepared.extension);
    let thumb_key = prepared
        .thumb
        .as_ref()
        .map(|_| format!("{dir}/{doc_id}.thumb.jpg"));
    let row = Document {
        id: doc_id,
        application_id: app_id,
        kind,
        original_name,
        content_type: prepared.content_type.to_owned(),
        size_bytes: i64::try_from(prepared.bytes.len()).unwrap_or(i64::MAX),
        sha256: prepared.sha256.clone(),
        width: prepared.width.and_then(|w| i32::try_from(w).ok()),
        height: prepared.height.and_then(|h| i32::try_from(h).ok()),
        blob_key: key,
        thumb_key,
        created_at: now(),
    };
    // Store and record in a task of its own: a client that goes away now cannot cancel
    // it between the blob write and the row, so the cleanup below always runs.
    let state2 = state.clone();
    let stored = tokio::spawn(async move {
        let blobs = state2.services.blobs.clone();
        let result = store_and_record(&state2, &user, &row, prepared, max_files).await;
        if result.is_err() {
            for k in std::iter::once(&row.blob_key).chain(row.thumb_key.iter()) {
                if let Err(e) = blobs.delete_async(k).await {
                    tracing::warn!(key = %k, error = %e, "could not remove the blob of a failed upload");
                }
            }
        }
        result.map(|()| row)
    })
    .await
    .map_err(AppError::internal)??;
    tracing::info!(document_id = %stored.id, kind = %stored.kind, size = stored.size_bytes, "document uploaded");
    Ok((stored, t))
}

async fn store_and_record(
    state: &AppState,
    user: &CurrentUser,
    row: &Document,
    prepared: crate::documents::Prepared,
    max_files: u32,
) -> AppResult<()> {
    let blobs = &state.services.blobs;
    blobs
        .put_async(&row.blob_key, prepared.bytes)
        .await
        .map_err(AppError::internal)?;
    if let (Some(k), Some(t)) = (&row.thumb_key, prepared.thumb) {
        blobs.put_async(k, t).await.map_err(AppError::internal)?;
    }
    let (u, r) = (user.clone(), row.clone());
    state
        .db
        .write(move |c| wf::attach(c, &u, &r, max_files))
        .await
}

/// A spooled upload; the file is removed when this is dropped (done, refused or aborted).
struct Spool(PathBuf);

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

pub(crate) struct Received {
    /// The `kind` field as sent.
    pub kind: Option<String>,
    file: Option<(Spool, String)>,
    /// The pages' CSRF token (`_csrf`), when the form came from a page.
    pub csrf: Option<String>,
}

fn multipart_error(e: MultipartError) -> AppError {
    match e {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible => AppError::UnsupportedMedia(Invalid::new(
            "请以multipart/form-data格式上传（字段kind和file）",
            "Upload as multipart/form-data with the fields kind and file",
        )),
        // The parser's own wording is English and technical: it goes to the log, and the
        // resident gets a plain message in their language.
        other => {
            tracing::info!(error = %other, "malformed or interrupted upload");
            AppError::BadRequest(Invalid::new(
                "上传未完成或格式有误，请重新选择文件上传",
                "The upload was incomplete or malformed; please choose the file and upload it again",
            ))
        }
    }
}

/// Reads the form: `kind` (short text) and `file` (spooled to disk, at most `max` bytes).
async fn receive(mut mp: Multipart, dir: &Path, max: u64) -> AppResult<Received> {
    let mut out = Received {
        kind: None,
        file: None,
        csrf: None,
    };
    let mut over = false;
    // After the cap is hit, the rest is read and dropped (up to a bound) so the client
    // gets the 413 instead of a reset connection.
    let mut discard_budget = max.saturating_mul(4);
    while let Some(field) = mp.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or("").to_owned();
        if over
            || (name == "file" && out.file.is_some())
            || !["kind", "file", CSRF_FIELD].contains(&name.as_str())
        {
            while let Some(chunk) = field.next().await {
                let n = chunk.map_err(multipart_error)?.len() as u64;
                discard_budget = discard_budget.saturating_sub(n);
                if discard_budget == 0 {
                    return Err(AppError::BadRequest(Invalid::new(
                        "上传内容过多",
                        "Too much data in the upload",
                    )));
                }
            }
            continue;
        }
        if name == "kind" || name == CSRF_FIELD {
            let mut buf = Vec::new();
            while let Some(chunk) = field.next().await {
                buf.extend_from_slice(&chunk.map_err(multipart_error)?);
                if buf.len() > 128 {
                    return Err(AppError::field(
                        "kind",
                        Invalid::new("材料类型无效", "Invalid document kind"),
                    ));
                }
            }
            let text = String::from_utf8_lossy(&buf).trim().to_owned();
            if name == "kind" {
                out.kind = Some(text);
            } else {
                out.csrf = Some(text);
            }
            continue;
        }
        let original = field
            .content_disposition()
            .and_then(|d| d.get_filename())
            .map(clean_name)
            .unwrap_or_default();
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(AppError::internal)?;
        let spool = Spool(dir.join(format!("{}.part", new_id())));
        let mut f = tokio::fs::File::create(&spool.0)
            .await
            .map_err(AppError::internal)?;
        let mut n: u64 = 0;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            n += chunk.len() as u64;
            if n > max {
                over = true;
                break;
            }
            f.write_all(&chunk).await.map_err(AppError::internal)?;
        }
        if over {
            while let Some(chunk) = field.next().await {
                let c = chunk.map_err(multipart_error)?.len() as u64;
                discard_budget = discard_budget.saturating_sub(c);
                if discard_budget == 0 {
                    break;
                }
            }
            continue;
        }
        f.flush().await.map_err(AppError::internal)?;
        out.file = Some((spool, original));
    }
    if over {
        return Err(too_large_bytes(max));
    }
    Ok(out)
}

fn too_large_bytes(max: u64) -> AppError {
    too_large(&crate::documents::Limits {
        max_bytes: max,
        ..Default::default()
    })
}

/// The uploaded name for display: last path segment, no control characters, ≤100 chars.
pub fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    last.chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// List an application's documents (owner, or staff of its jurisdiction).
#[utoipa::path(get, path = "/api/v1/applications/{id}/documents", tag = "documents",
    params(("id" = String, Path)),
    responses((status = 200, body = DocumentList), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let scope = Scope::of(&user);
    let items = state
        .db
        .read(move |c| {
            let app = applications::find(c, &id, &scope)?.ok_or_else(AppError::not_found)?;
            let t = load_type(c, &app.type_code)?;
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
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    query: web::Query<FileQuery>,
) -> AppResult<HttpResponse> {
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
        let row = AccessLogRow {
            id: new_id(),
            user_id: user.id.clone(),
            action: if thumb {
                "view_document_thumb"
            } else {
                "view_document"
            }
            .into(),
            target_type: "document".into(),
            target_id: doc.id.clone(),
            created_at: now(),
        };
        state
            .db
            .write(move |c| access_log::insert(c, &row).map_err(AppError::from))
            .await?;
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
    remove(&state, user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Deletes the row, then (committed) its blobs; returns the removed document.
pub(crate) async fn remove(
    state: &web::Data<AppState>,
    user: CurrentUser,
    id: String,
) -> AppResult<Document> {
    let doc = state.db.write(move |c| wf::remove(c, &user, &id)).await?;
    let blobs = &state.services.blobs;
    for k in std::iter::once(&doc.blob_key).chain(doc.thumb_key.iter()) {
        if let Err(e) = blobs.delete_async(k).await {
            tracing::warn!(key = %k, error = %e, "could not remove the blob of a deleted document");
        }
    }
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("C:\\Users\\a\\身份证.jpg"), "身份证.jpg");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{0}b\r\n.png"), "ab.png");
    }
}
