//! Attaching and removing an application's documents (the applicant, while the
//! application is a draft or returned for correction), and the submit-time check that
//! the type's required documents are there.

use std::collections::BTreeMap;

use crate::auth::CurrentUser;
use crate::db::models::{now, Application, Document};
use crate::db::proxies;
use crate::db::{applications, documents, DbConn};
use crate::domain::cert_type::{CertificateType, DocumentSpec};
use crate::domain::proxy;
use crate::domain::role::Role;
use crate::domain::status::ApplicationStatus;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::storage::BlobStore;

fn not_editable() -> AppError {
    AppError::conflict(
        "申请已提交，当前不能修改材料；只有草稿或退回补正的申请可以修改",
        "Documents can only be changed while the application is a draft or returned for correction",
    )
}

/// The caller's own application, if it is editable now.
pub fn editable(conn: &mut DbConn, user: &CurrentUser, app_id: &str) -> AppResult<Application> {
    let app = super::proxy::own_case(conn, user, app_id)?;
    match ApplicationStatus::parse(&app.status) {
        Some(ApplicationStatus::Draft | ApplicationStatus::Returned) => Ok(app),
        _ => Err(not_editable()),
    }
}

/// Checks that one more document of `kind` may be attached: the type asks for that kind,
/// the named `slot` (if any) is the kind's and still empty, and neither the kind's
/// `max_count` nor the per-application limit is reached. Returns the slot the document
/// fills: the one asked for or, when none was named, the first empty one (so a client
/// that knows nothing of slots still fills them in order).
pub fn check_room(
    conn: &mut DbConn,
    app: &Application,
    t: &CertificateType,
    kind: &str,
    slot: Option<&str>,
    max_files: u32,
) -> AppResult<Option<String>> {
    // A signed authorisation (委托书) is taken on any case made for someone else.
    let authorisation = (kind == proxy::AUTHORISATION_KIND
        && proxies::of_application(conn, &app.id)?.is_some())
    .then(proxy::authorisation_spec);
    let spec = authorisation
        .as_ref()
        .or_else(|| t.document(kind))
        .ok_or_else(|| {
            let asked: Vec<String> = t
                .documents
                .iter()
                .map(|d| format!("{}（{}）", d.name_zh, d.kind))
                .collect();
            AppError::field(
                "kind",
                Invalid::new(
                    format!(
                        "“{}”不需要这种材料；可上传：{}",
                        t.name_zh,
                        asked.join("、")
                    ),
                    format!(
                        "This certificate type does not ask for `{kind}`; it asks for: {}",
                        t.documents
                            .iter()
                            .map(|d| d.kind.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
            )
        })?;
    let (of_kind, all) = documents::counts(conn, &app.id, kind)?;
    let slot = pick_slot(spec, slot, &documents::slots_taken(conn, &app.id, kind)?)?;
    if of_kind >= i64::from(spec.max_count) {
        return Err(AppError::field(
            "kind",
            Invalid::new(
                format!("“{}”最多上传{}个文件", spec.name_zh, spec.max_count),
                format!(
                    "At most {} files of “{}” may be uploaded",
                    spec.max_count, spec.name_en
                ),
            ),
        ));
    }
    if all >= i64::from(max_files) {
        return Err(AppError::field(
            "file",
            Invalid::new(
                format!("每个申请最多上传{max_files}个文件"),
                format!("At most {max_files} files per application"),
            ),
        ));
    }
    Ok(slot)
}

/// The slot an upload of `spec`'s kind fills, given the slots already `taken`.
fn pick_slot(
    spec: &DocumentSpec,
    asked: Option<&str>,
    taken: &[String],
) -> AppResult<Option<String>> {
    let Some(code) = asked.filter(|c| !c.is_empty()) else {
        return Ok(spec
            .slots
            .iter()
            .find(|s| !taken.contains(&s.code))
            .map(|s| s.code.clone()));
    };
    let Some(named) = spec.slot(code) else {
        let known: Vec<&str> = spec.slots.iter().map(|s| s.code.as_str()).collect();
        return Err(AppError::field(
            "slot",
            Invalid::new(
                if known.is_empty() {
                    format!("“{}”不分正反面，请不要填写slot", spec.name_zh)
                } else {
                    format!("“{}”的slot只能是：{}", spec.name_zh, known.join("、"))
                },
                format!(
                    "“{}” has no slot `{code}`; slots: {}",
                    spec.name_en,
                    known.join(", ")
                ),
            ),
        ));
    };
    if taken.iter().any(|t| t == code) {
        return Err(AppError::field(
            "slot",
            Invalid::new(
                format!(
                    "“{}”的{}已经上传；要换一张，请先删除原来的",
                    spec.name_zh, named.name_zh
                ),
                format!(
                    "The {} of “{}” is already uploaded; delete it first to replace it",
                    named.name_en, spec.name_en
                ),
            ),
        ));
    }
    Ok(Some(named.code.clone()))
}

/// Inserts the row in the caller's write transaction, re-checking everything.
pub fn attach(
    conn: &mut DbConn,
    user: &CurrentUser,
    row: &Document,
    max_files: u32,
) -> AppResult<()> {
    let app = editable(conn, user, &row.application_id)?;
    if !applications::touch_if_editable(conn, &app.id, now())? {
        return Err(not_editable());
    }
    let t = super::drafts::load_case_type(conn, &app)?;
    let slot = check_room(conn, &app, &t, &row.kind, row.slot.as_deref(), max_files)?;
    documents::insert(
        conn,
        &Document {
            slot,
            ..row.clone()
        },
    )?;
    Ok(())
}

/// Deletes the row in the caller's write transaction; returns it so the caller can
/// remove the blobs once the transaction has committed.
pub fn remove(conn: &mut DbConn, user: &CurrentUser, doc_id: &str) -> AppResult<Document> {
    user.require_role(Role::APPLICANTS)?;
    let doc = documents::by_id(conn, doc_id)?.ok_or_else(AppError::not_found)?;
    let app = editable(conn, user, &doc.application_id)?;
    if !applications::touch_if_editable(conn, &app.id, now())? {
        return Err(not_editable());
    }
    documents::delete(conn, &doc.id)?;
    Ok(doc)
}

/// Deletes the caller's document and then, once that has committed, its files;
/// returns the removed row.
pub async fn discard(state: &AppState, user: CurrentUser, id: String) -> AppResult<Document> {
    let doc = state.db.write(move |c| remove(c, &user, &id)).await?;
    delete_blobs(&state.services.blobs, &doc, "a deleted document").await;
    Ok(doc)
}

/// Removes a document's file and thumbnail, logging any that cannot be removed.
pub(super) async fn delete_blobs(blobs: &BlobStore, doc: &Document, of_what: &str) {
    for k in std::iter::once(&doc.blob_key).chain(doc.thumb_key.iter()) {
        if let Err(e) = blobs.delete_async(k).await {
            tracing::warn!(key = %k, error = %e, "could not remove the blob of {of_what}");
        }
    }
}

/// The type's required documents that the application lacks, as field errors
/// (`documents.<kind>`), for submit and resubmit.
pub fn missing_required(
    conn: &mut DbConn,
    app: &Application,
    t: &CertificateType,
) -> AppResult<BTreeMap<String, Invalid>> {
    let have = documents::for_application(conn, &app.id)?;
    Ok(t.documents
        .iter()
        .filter(|d| d.required && !have.iter().any(|h| h.kind == d.kind))
        .map(|d| {
            (
                format!("documents.{}", d.kind),
                Invalid::new(
                    format!("缺少要件材料：请上传“{}”", d.name_zh),
                    format!("Missing required document: upload “{}”", d.name_en),
                ),
            )
        })
        .collect())
}
