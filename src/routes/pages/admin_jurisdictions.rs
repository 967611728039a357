//! The admin's jurisdictions page (`/admin/jurisdictions`): the county → township →
//! village list with inactive ones marked, an upload of the official division codes
//! (CSV `code,name`, UTF-8 or GBK) that first shows what would change (added, renamed,
//! missing → deactivated) and applies only when confirmed, and a form to add or rename
//! one village. The same use cases as the API and `zhengming jurisdictions import`.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::web;
use futures_util::StreamExt;
use serde_json::{json, Value};

use super::ctx::{field, Ctx, CSRF_FIELD};
use super::error::PageResult;
use crate::auth::Scope;
use crate::db::jurisdictions;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::workflow::jurisdictions::{add_or_rename, import, Importer, One};

type Form = web::Form<Vec<(String, String)>>;

/// Largest file the form takes (a whole province's villages are about 3 MB).
const MAX_UPLOAD: usize = 8 * 1024 * 1024;

pub async fn page(ctx: Ctx) -> PageResult {
    ctx.require(&[Role::Admin])?;
    let page = listing(&ctx).await.map_err(|e| ctx.fail(e))?;
    Ok(ctx.ok("admin_jurisdictions", page))
}

async fn listing(ctx: &Ctx) -> Result<Value, AppError> {
    let prefix = ctx
        .user
        .as_ref()
        .and_then(Scope::admin_county)
        .unwrap_or_default();
    let county = (!prefix.is_empty()).then(|| prefix.clone());
    let rows = ctx
        .state
        .db
        .read(move |c| jurisdictions::under(c, &prefix).map_err(AppError::from))
        .await?;
    let items: Vec<_> = rows
        .iter()
        .map(|j| {
            json!({"code": j.code, "name": j.name, "level": j.level, "active": j.active,
                        "depth": match j.level.as_str() { "county" => 0, "township" => 1, _ => 2 }})
        })
        .collect();
    Ok(json!({"items": items, "county": county, "count": rows.len()}))
}

/// The multipart form's fields: `file` (bytes), the rest as text.
async fn read_form(mut payload: Multipart) -> Result<(Vec<(String, String)>, Vec<u8>), AppError> {
    let too_large = || {
        AppError::TooLarge(crate::domain::Invalid::new(
            "文件太大（最大 8 MB）",
            "The file is too large (8 MB at most)",
        ))
    };
    let (mut fields, mut file) = (Vec::new(), Vec::new());
    while let Some(part) = payload.next().await {
        let mut part = part.map_err(|e| {
            AppError::BadRequest(crate::domain::Invalid::new(
                format!("表单无法读取：{e}"),
                format!("The form could not be read: {e}"),
            ))
        })?;
        let name = part.name().unwrap_or_default().to_owned();
        let mut buf = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| too_large())?;
            if buf.len() + chunk.len() > MAX_UPLOAD {
                return Err(too_large());
            }
            buf.extend_from_slice(&chunk);
        }
        if name == "file" {
            file = buf;
        } else {
            fields.push((name, String::from_utf8_lossy(&buf).into_owned()));
        }
    }
    Ok((fields, file))
}

pub async fn upload(ctx: Ctx, payload: Multipart) -> PageResult {
    let user = ctx.require(&[Role::Admin])?.clone();
    let (fields, file) = read_form(payload).await.map_err(|e| ctx.fail(e))?;
    let sent = [(CSRF_FIELD.to_owned(), field(&fields, CSRF_FIELD).to_owned())];
    ctx.check_csrf(&sent)?;
    let confirm = field(&fields, "confirm") == "1";
    // The preview carries the file on as text, so the confirmation applies exactly
    // what was previewed.
    let bytes = if file.is_empty() {
        field(&fields, "text").as_bytes().to_vec()
    } else {
        file
    };
    let text = crate::domain::division_import::decode(&bytes).unwrap_or_default();
    let client = crate::routes::audit_client(&ctx.req);
    let county = Scope::admin_county(&user);
    let result = ctx
        .state
        .db
        .write(move |c| {
            let who = Importer {
                user_id: Some(&user.id),
                county: county.as_deref(),
                client: &client,
            };
            import(c, &who, &bytes, confirm)
        })
        .await;
    let mut page = listing(&ctx).await.map_err(|e| ctx.fail(e))?;
    match result {
        Ok(plan) if plan.applied => Ok(ctx.redirect(
            "/admin/jurisdictions",
            Some(("ok", "jurisdictions_imported")),
        )),
        Ok(plan) => {
            page["preview"] = json!(plan);
            page["no_change"] = json!(plan.changes() == 0);
            page["text"] = json!(text);
            Ok(ctx.ok("admin_jurisdictions", page))
        }
        Err(e @ (AppError::Validation(_) | AppError::Forbidden(_))) => {
            page["problems"] = json!(problems(&ctx, &e));
            Ok(ctx.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "admin_jurisdictions",
                page,
            ))
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

fn problems(ctx: &Ctx, e: &AppError) -> Vec<String> {
    match e {
        AppError::Validation(f) => f.values().map(|m| ctx.msg(m)).collect(),
        AppError::Forbidden(m) | AppError::Conflict(m) => vec![ctx.msg(m)],
        _ => Vec::new(),
    }
}

/// Adds one village (or township), or renames one (`rename=1`).
pub async fn one(ctx: Ctx, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let user = ctx.require(&[Role::Admin])?.clone();
    let code = field(&form, "code").to_owned();
    let name = field(&form, "name").to_owned();
    let mode = if field(&form, "rename") == "1" {
        One::Rename
    } else {
        One::Add
    };
    let client = crate::routes::audit_client(&ctx.req);
    let county = Scope::admin_county(&user);
    let result = ctx
        .state
        .db
        .write(move |c| {
            let who = Importer {
                user_id: Some(&user.id),
                county: county.as_deref(),
                client: &client,
            };
            add_or_rename(c, &who, &code, &name, mode)
        })
        .await;
    match result {
        Ok(_) => Ok(ctx.redirect("/admin/jurisdictions", Some(("ok", "jurisdiction_saved")))),
        Err(e @ (AppError::Validation(_) | AppError::Forbidden(_) | AppError::Conflict(_))) => {
            let mut page = listing(&ctx).await.map_err(|e| ctx.fail(e))?;
            page["one_problems"] = json!(problems(&ctx, &e));
            page["one"] = json!({"code": field(&form, "code"), "name": field(&form, "name")});
            Ok(ctx.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "admin_jurisdictions",
                page,
            ))
        }
        Err(e) => Err(ctx.fail(e)),
    }
}
