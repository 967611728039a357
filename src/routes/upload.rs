//! Receiving a document upload (multipart: `kind` and `file`, and a page's CSRF
//! token), for the API and the case page alike. What is received goes to
//! [`crate::workflow::intake`].

use std::path::Path;

use actix_multipart::{Multipart, MultipartError};
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::auth::CurrentUser;
use crate::db::models::new_id;
use crate::documents::too_large;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::workflow::intake::{check_may_upload, Spooled, Upload, UploadSlot};

/// The pages send their CSRF token in the multipart form under this name.
const CSRF_FIELD: &str = super::pages::ctx::CSRF_FIELD;

pub struct Received {
    /// The API's form: `kind`, `slot` and `file`.
    pub upload: Upload,
    /// The case page's form: one upload per `file:KIND` or `file:KIND:SLOT` field that
    /// carried a file (a photo picked but not yet sent when the resident tapped 提交 or
    /// 上传 — it is never dropped). Empty file fields are skipped.
    pub picked: Vec<Upload>,
    /// The pages' CSRF token (`_csrf`), when the form came from a page.
    pub csrf: Option<String>,
    /// The page's `then` (`submit` / `resubmit`: act once the photos are stored) and
    /// the case `version` it was shown at.
    pub then: Option<String>,
    pub version: Option<String>,
    /// The account's upload slot, held until the handler is done with the upload; give
    /// it back with [`UploadSlot::release`] (dropped, a task gives it back).
    pub upload_slot: Option<UploadSlot>,
}

/// Checks that the caller may add documents to the application (before reading the
/// body: what is refused anyway is refused early), then spools the multipart form. A
/// refusal is counted in `/metrics` by its reason.
pub async fn read_upload(
    state: &AppState,
    user: &CurrentUser,
    app_id: &str,
    payload: Multipart,
) -> AppResult<Received> {
    read(state, user, app_id, payload)
        .await
        .inspect_err(|e| state.services.metrics.upload_refused(e))
}

async fn read(
    state: &AppState,
    user: &CurrentUser,
    app_id: &str,
    payload: Multipart,
) -> AppResult<Received> {
    check_may_upload(state, user, app_id).await?;
    let slot = state
        .services
        .upload_slots
        .acquire(&state.db, &user.id)
        .await?;
    let mut received = receive(
        payload,
        &state.settings.upload_tmp_dir(),
        state.settings.upload_limits().max_bytes,
    )
    .await?;
    received.upload_slot = Some(slot);
    Ok(received)
}

pub(crate) fn multipart_error(e: MultipartError) -> AppError {
    match e {
        MultipartError::Payload(p) if super::security::is_body_timeout(&p) => {
            AppError::body_timeout()
        }
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

/// The short text fields a form may carry.
const SHORT: [&str; 5] = ["kind", "slot", CSRF_FIELD, "then", "version"];
/// Most photos one page form carries (a form of every kind's inputs stays well below).
const MAX_PICKED: usize = 20;

/// `file:KIND` or `file:KIND:SLOT` (the case page's inputs) → kind and slot.
fn page_file(name: &str) -> Option<(String, Option<String>)> {
    let rest = name.strip_prefix("file:")?;
    let mut parts = rest.splitn(2, ':');
    let kind = parts.next().filter(|k| !k.is_empty())?;
    Some((kind.to_owned(), parts.next().map(str::to_owned)))
}

/// Reads the form: short texts (`kind`, `slot`, …) and files (each spooled to disk, at
/// most `max` bytes): the API's `file`, or the case page's `file:KIND[:SLOT]` fields.
async fn receive(mut mp: Multipart, dir: &Path, max: u64) -> AppResult<Received> {
    let mut out = Received {
        upload: Upload {
            kind: None,
            slot: None,
            file: None,
        },
        picked: Vec::new(),
        csrf: None,
        then: None,
        version: None,
        upload_slot: None,
    };
    let mut over = false;
    // All files of one request together: the page form sends every picked photo at
    // once, and each request holds one upload slot, so without a total one slot could
    // spool MAX_PICKED × max bytes before anything is checked.
    let mut total: u64 = 0;
    let total_max = max.saturating_mul(3);
    // After the cap is hit, the rest is read and dropped (up to a bound) so the client
    // gets the 413 instead of a reset connection.
    let mut discard_budget = max.saturating_mul(4);
    while let Some(field) = mp.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or("").to_owned();
        let page_file = page_file(&name);
        if over
            || (name == "file" && out.upload.file.is_some())
            || (page_file.is_some() && out.picked.len() >= MAX_PICKED)
            || (page_file.is_none() && !SHORT.contains(&name.as_str()) && name != "file")
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
        if SHORT.contains(&name.as_str()) {
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
            let text = Some(String::from_utf8_lossy(&buf).trim().to_owned());
            match name.as_str() {
                "kind" => out.upload.kind = text,
                "slot" => out.upload.slot = text,
                "then" => out.then = text,
                "version" => out.version = text,
                _ => out.csrf = text,
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
        let path = dir.join(format!("{}.part", new_id()));
        let spool = Spooled::new(path.clone(), original);
        let mut f = tokio::fs::File::create(&path)
            .await
            .map_err(AppError::internal)?;
        let mut n: u64 = 0;
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            n += chunk.len() as u64;
            total += chunk.len() as u64;
            if n > max || total > total_max {
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
        match page_file {
            // A file input left empty still sends a part, with no name and no bytes.
            Some(_) if n == 0 && spool.original_name.is_empty() => {}
            Some((kind, slot)) => out.picked.push(Upload {
                kind: Some(kind),
                slot,
                file: Some(spool),
            }),
            None => out.upload.file = Some(spool),
        }
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

#[cfg(test)]
mod tests {
    use super::clean_name;

    #[test]
    fn page_file_fields_name_kind_and_slot() {
        use super::page_file;
        assert_eq!(
            page_file("file:id_card:front"),
            Some(("id_card".into(), Some("front".into())))
        );
        assert_eq!(page_file("file:other"), Some(("other".into(), None)));
        assert_eq!(page_file("file:"), None);
        assert_eq!(page_file("file"), None);
    }

    #[test]
    fn names_are_cleaned() {
        assert_eq!(clean_name("C:\\Users\\a\\身份证.jpg"), "身份证.jpg");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\u{0}b\r\n.png"), "ab.png");
    }
}
