//! Document intake, for the API and the case page alike. The upload arrives spooled to
//! a temp file under the data directory with a byte cap (never buffered unbounded); it
//! is checked and normalised off the executor, written to the blob store, and only then
//! recorded in one transaction. Any failure on the way — including the client going
//! away — leaves neither a row nor a file behind.

use std::path::PathBuf;

use crate::auth::CurrentUser;
use crate::db::models::{new_id, now, Document};
use crate::db::Db;
use crate::documents::{prepare, Prepared};
use crate::domain::cert_type::CertificateType;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult, Fields};
use crate::state::AppState;

use super::documents::{attach, check_room, delete_blobs, editable};
use super::drafts::load_case_type;
use super::SharedServices;

/// Uploads in progress per account: a slow or stalled phone holds a file handle and a
/// spool file each, so one account may not hold more than `max`. The slots are rows of
/// `rate_limits`, so the limit holds across every instance behind the load balancer; a
/// slot whose instance died mid-upload is free again after [`SLOT_LEASE`].
pub struct UploadSlots {
    max: usize,
}

/// How long a slot may be held before it counts as abandoned: longer than a large
/// upload over a slow line takes (a body that stalls is cut off long before).
pub const SLOT_LEASE: chrono::Duration = chrono::Duration::minutes(15);

/// One account's upload in progress. Give it back with [`UploadSlot::release`]; one
/// dropped without that is given back by a background task.
pub struct UploadSlot {
    db: Db,
    key: String,
    taken_at: chrono::NaiveDateTime,
    released: bool,
}

impl UploadSlots {
    pub fn new(max: usize) -> Self {
        UploadSlots { max: max.max(1) }
    }

    /// A slot for `user_id`, or a 429 while the account has `max` uploads in progress.
    pub async fn acquire(&self, db: &Db, user_id: &str) -> AppResult<UploadSlot> {
        let (max, prefix, at) = (self.max, format!("upload:{user_id}"), now());
        let key = db
            .write(move |c| {
                Ok::<_, AppError>(crate::db::rate_limits::take_slot(
                    c, &prefix, max, SLOT_LEASE, at,
                )?)
            })
            .await?;
        let Some(key) = key else {
            return Err(AppError::TooManyRequests(Invalid::new(
                format!("您已有{max}个文件正在上传，请等其完成后再上传下一个"),
                format!("You already have {max} uploads in progress; wait for them to finish, then upload the next"),
            )));
        };
        Ok(UploadSlot {
            db: db.clone(),
            key,
            taken_at: at,
            released: false,
        })
    }
}

impl UploadSlot {
    /// Gives the slot back before the answer goes out, so the account's next upload
    /// finds it free.
    pub async fn release(mut self) {
        self.released = true;
        free(self.db.clone(), self.key.clone(), self.taken_at).await;
    }
}

async fn free(db: Db, key: String, taken_at: chrono::NaiveDateTime) {
    let freed = db
        .write(move |c| Ok::<_, AppError>(crate::db::rate_limits::free_slot(c, &key, taken_at)?))
        .await;
    if let Err(e) = freed {
        tracing::warn!(error = %e, "upload slot not given back; it frees itself after the lease");
    }
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        if self.released {
            return;
        }
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(free(self.db.clone(), self.key.clone(), self.taken_at));
        }
    }
}

/// An uploaded file waiting on disk; removed when dropped (stored, refused or aborted).
pub struct Spooled {
    path: PathBuf,
    /// The file name as uploaded, cleaned for display.
    pub original_name: String,
}

impl Spooled {
    pub fn new(path: PathBuf, original_name: String) -> Self {
        Spooled {
            path,
            original_name,
        }
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// An upload as received: the `kind` field and the file, each possibly missing.
pub struct Upload {
    pub kind: Option<String>,
    /// The named place (`front` / `back`) where the kind has them; optional.
    pub slot: Option<String>,
    pub file: Option<Spooled>,
}

/// Refuses early what would be refused anyway (not the caller's application, or not
/// editable now), before the body is read.
pub async fn check_may_upload(state: &AppState, user: &CurrentUser, app_id: &str) -> AppResult<()> {
    let (u, id) = (user.clone(), app_id.to_owned());
    state
        .db
        .read(move |c| editable(c, &u, &id).map(|_| ()))
        .await
}

/// Checks, normalises, stores and records a received upload; returns the stored row
/// with its certificate type (for the document's kind name). A refusal is counted in
/// `/metrics` by its reason.
pub async fn store(
    state: &AppState,
    user: CurrentUser,
    app_id: String,
    upload: Upload,
) -> AppResult<(Document, CertificateType)> {
    check_and_store(state, user, app_id, upload)
        .await
        .inspect_err(|e| state.services.metrics.upload_refused(e))
}

async fn check_and_store(
    state: &AppState,
    user: CurrentUser,
    app_id: String,
    upload: Upload,
) -> AppResult<(Document, CertificateType)> {
    let limits = state.settings.upload_limits();
    let max_files = state.settings.upload_max_files;
    let mut fields = Fields::default();
    let kind = upload.kind.filter(|k| !k.is_empty());
    if kind.is_none() {
        fields.add(
            "kind",
            Invalid::new("请选择材料类型", "Choose the kind of document"),
        );
    }
    if upload.file.is_none() {
        fields.add(
            "file",
            Invalid::new("请选择要上传的文件", "Choose a file to upload"),
        );
    }
    fields.finish()?;
    let (Some(kind), Some(spool)) = (kind, upload.file) else {
        return Err(AppError::internal("validated upload fields missing"));
    };

    let (u, id, k, asked) = (user.clone(), app_id.clone(), kind.clone(), upload.slot);
    let (t, slot) = state
        .db
        .read(move |c| {
            let app = editable(c, &u, &id)?;
            let t = load_case_type(c, &app)?;
            let slot = check_room(c, &app, &t, &k, asked.as_deref(), max_files)?;
            Ok::<_, AppError>((t, slot))
        })
        .await?;

    let bytes = tokio::fs::read(&spool.path)
        .await
        .map_err(AppError::internal)?;
    let original_name = spool.original_name.clone();
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
        slot,
    };
    // Store and record in a task of its own: a client that goes away now cannot cancel
    // it between the blob write and the row, so the cleanup below always runs.
    let (db, svc) = (state.db.clone(), state.services.clone());
    let stored = tokio::spawn(async move {
        let result = store_and_record(&db, &svc, &user, &row, prepared, max_files).await;
        if result.is_err() {
            delete_blobs(&svc.blobs, &row, "a failed upload").await;
        }
        result.map(|()| row)
    })
    .await
    .map_err(AppError::internal)??;
    tracing::info!(document_id = %stored.id, kind = %stored.kind, size = stored.size_bytes, "document uploaded");
    Ok((stored, t))
}

async fn store_and_record(
    db: &Db,
    svc: &SharedServices,
    user: &CurrentUser,
    row: &Document,
    prepared: Prepared,
    max_files: u32,
) -> AppResult<()> {
    svc.blobs
        .put_async(&row.blob_key, prepared.bytes)
        .await
        .map_err(AppError::internal)?;
    if let (Some(k), Some(t)) = (&row.thumb_key, prepared.thumb) {
        svc.blobs
            .put_async(k, t)
            .await
            .map_err(AppError::internal)?;
    }
    let (u, r) = (user.clone(), row.clone());
    db.write(move |c| attach(c, &u, &r, max_files)).await
}
