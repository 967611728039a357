//! The resident's documents on the case page: upload (a multipart form carrying its CSRF
//! token) and delete. The intake is the API's too ([`crate::workflow::intake`]), so
//! both paths check, normalise and store exactly the same way.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, ResponseError};
use serde_json::{json, Map, Value};

use super::ctx::{field, Ctx, CSRF_FIELD};
use super::error::PageResult;
use crate::auth::CurrentUser;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::routes::upload::read_upload;
use crate::workflow::documents::discard;
use crate::workflow::intake;

type Form = web::Form<Vec<(String, String)>>;

pub async fn upload(ctx: Ctx, path: web::Path<String>, payload: Multipart) -> PageResult {
    let user = ctx.require(&[Role::Resident])?.clone();
    let id = path.into_inner();
    let received = match read_upload(&ctx.state, &user, &id, payload).await {
        Ok(r) => r,
        Err(e) => return upload_error(&ctx, &user, id, "", e).await,
    };
    let sent = [(
        CSRF_FIELD.to_owned(),
        received.csrf.clone().unwrap_or_default(),
    )];
    ctx.check_csrf(&sent)?;
    // Every photo the form carries: the one-kind form (`kind` + `file`), and each picker
    // of the case page's form, so a photo picked before 提交 or 上传 is never dropped.
    let then = received.then.clone().filter(|t| !t.is_empty());
    let version = received.version.clone().unwrap_or_default();
    let mut uploads = received.picked;
    if received.upload.file.is_some() || uploads.is_empty() && then.is_none() {
        uploads.insert(0, received.upload);
    }
    let mut errors = Map::new();
    let mut first_error = None;
    let mut last_kind = String::new();
    for upload in uploads {
        let kind = upload.kind.clone().unwrap_or_default();
        match intake::store(&ctx.state, user.clone(), id.clone(), upload).await {
            Ok(_) => last_kind = kind,
            Err(e) => {
                let Some(message) = upload_message(&ctx, &e) else {
                    return Err(ctx.fail(e));
                };
                errors.insert(kind, Value::String(message));
                first_error.get_or_insert(e.status_code());
            }
        }
    }
    if let Some(status) = first_error {
        // A form with nothing picked has no kind to show the problem at: it goes on top.
        let problem = match errors.remove("") {
            Some(Value::String(m)) => m,
            _ => ctx.t("upload_failed").to_owned(),
        };
        return super::resident::case_page(
            &ctx,
            &user,
            id,
            status,
            json!({"doc_errors": errors, "problem": problem}),
        )
        .await;
    }
    if let Some(action) = then {
        return super::resident::act_on(&ctx, &user, id, &action, &version).await;
    }
    Ok(ctx.redirect(
        &format!("/my/{id}#doc-{last_kind}"),
        Some(("ok", "document_uploaded")),
    ))
}

/// The upload's problem in the page's language, if it is the resident's to fix.
fn upload_message(ctx: &Ctx, e: &AppError) -> Option<String> {
    Some(match e {
        AppError::Validation(fields) => fields
            .values()
            .map(|m| ctx.msg(m))
            .collect::<Vec<_>>()
            .join("；"),
        AppError::TooLarge(m)
        | AppError::UnsupportedMedia(m)
        | AppError::Unprocessable(m)
        | AppError::BadRequest(m)
        | AppError::TooManyRequests(m)
        | AppError::Conflict(m) => ctx.msg(m),
        _ => return None,
    })
}

/// The case page again, with the upload's problem next to the document kind it was for.
async fn upload_error(
    ctx: &Ctx,
    user: &CurrentUser,
    id: String,
    kind: &str,
    e: AppError,
) -> PageResult {
    let Some(message) = upload_message(ctx, &e) else {
        return Err(ctx.fail(e));
    };
    let mut errors = Map::new();
    let problem = if kind.is_empty() {
        Some(message)
    } else {
        errors.insert(kind.to_owned(), Value::String(message));
        Some(ctx.t("upload_failed").to_owned())
    };
    super::resident::case_page(
        ctx,
        user,
        id,
        e.status_code(),
        json!({"doc_errors": errors, "problem": problem}),
    )
    .await
}

pub async fn delete(ctx: Ctx, path: web::Path<(String, String)>, form: Form) -> PageResult {
    let user = ctx.require(&[Role::Resident])?.clone();
    ctx.check_csrf(&form)?;
    let (id, doc) = path.into_inner();
    // 删除 asks once more (a page of its own, no JavaScript); the second post carries
    // `confirmed=1`. Whatever the case cannot show is left to the use case to refuse.
    if field(&form, "confirmed") != "1" {
        if let Some(page) = confirm_delete(&ctx, &user, &id, &doc).await {
            return Ok(page);
        }
    }
    match discard(&ctx.state, user.clone(), doc).await {
        Ok(d) if d.application_id == id => Ok(ctx.redirect(
            &format!("/my/{id}#doc-{}", d.kind),
            Some(("ok", "document_deleted")),
        )),
        Ok(d) => Ok(ctx.redirect(
            &format!("/my/{}", d.application_id),
            Some(("ok", "document_deleted")),
        )),
        Err(e @ AppError::Conflict(_)) => {
            let problem = ctx.problem(&e);
            super::resident::case_page(
                &ctx,
                &user,
                id,
                StatusCode::CONFLICT,
                json!({ "problem": problem }),
            )
            .await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// The confirmation page for deleting `doc` of case `id`, if the case is the user's, can
/// still be edited and holds the document; else `None`.
async fn confirm_delete(
    ctx: &Ctx,
    user: &CurrentUser,
    id: &str,
    doc: &str,
) -> Option<actix_web::HttpResponse> {
    let (u, case_id) = (user.clone(), id.to_owned());
    let keys = ctx.state.services.data_keys.clone();
    let (d, t) = ctx
        .state
        .db
        .read(move |c| {
            let d = crate::read_model::detail::load(c, &keys, &u, &case_id, None)?;
            let t = crate::workflow::drafts::load_type(c, &d.summary.type_code)?;
            Ok::<_, AppError>((d, t))
        })
        .await
        .ok()?;
    let editable = matches!(d.summary.status.as_str(), "draft" | "returned");
    let file = d.documents.iter().find(|f| f.id == doc)?;
    if !editable {
        return None;
    }
    let kind = super::view::documents(ctx.lang, &t, &d.documents, d.proxy.is_some())
        .into_iter()
        .find(|k| k["kind"] == file.kind.as_str())
        .and_then(|k| k["name"].as_str().map(str::to_owned))
        .unwrap_or_else(|| file.kind.clone());
    Some(ctx.ok(
        "confirm",
        json!({
            "heading": ctx.t("confirm_delete_title"),
            "question": ctx.t("confirm_delete_question"),
            "go_label": ctx.t("confirm_delete_go"),
            "destructive": true,
            "case": {"number": d.summary.number, "type_name": super::view::type_name(ctx.lang, &t),
                     "subject": d.summary.subject_name},
            "item": format!("{kind} · {}", file.original_name),
            "action": "delete", "confirmed": true,
            "action_url": format!("/my/{id}/documents/{doc}/delete"),
            "back_url": format!("/my/{id}#doc-{}", file.kind),
            "version": d.summary.version,
        }),
    ))
}
