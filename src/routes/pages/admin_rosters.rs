//! The admin's rosters page (名册管理): upload a roster file with its kind, source and
//! as-of date, and the list of imports. Stores through `workflow::rosters` like the API
//! and the CLI.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use futures_util::StreamExt;
use serde_json::{json, Value};

use super::ctx::{Ctx, CSRF_FIELD};
use super::error::PageResult;
use crate::domain::role::Role;
use crate::domain::roster::RosterKind;
use crate::domain::Invalid;
use crate::error::AppError;
use crate::routes::api::rosters::MAX_ROSTER_BYTES;
use crate::routes::upload::multipart_error;
use crate::workflow::rosters::{self, ImportInput};

pub async fn page(ctx: Ctx) -> PageResult {
    let user = ctx.require(&[Role::Admin])?.clone();
    let page = listing(&ctx, user).await.map_err(|e| ctx.fail(e))?;
    Ok(ctx.ok("admin_rosters", page))
}

async fn listing(ctx: &Ctx, user: crate::auth::CurrentUser) -> Result<Value, AppError> {
    let imports = ctx.state.db.read(move |c| rosters::list(c, &user)).await?;
    let kinds: Vec<Value> = RosterKind::ALL
        .iter()
        .map(|k| json!({"value": k.as_str(), "columns": k.columns().join(",")}))
        .collect();
    Ok(json!({
        "imports": imports.into_iter().map(|i| json!({
            "kind": i.kind,
            "county": i.county_code,
            "source": i.source,
            "as_of": i.as_of,
            "rows": i.rows,
            "imported_at": i.imported_at.format("%Y-%m-%d %H:%M").to_string(),
            "current": i.replaced_at.is_none(),
        })).collect::<Vec<_>>(),
        "kinds": kinds,
        "form": {},
    }))
}

/// The form's text fields and the file.
#[derive(Default)]
struct Sent {
    fields: Vec<(String, String)>,
    file: Vec<u8>,
}

async fn read_form(mut mp: Multipart) -> Result<Sent, AppError> {
    let mut out = Sent::default();
    while let Some(field) = mp.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or("").to_owned();
        let mut buf = Vec::new();
        let cap = if name == "file" {
            MAX_ROSTER_BYTES
        } else {
            1024
        };
        while let Some(chunk) = field.next().await {
            buf.extend_from_slice(&chunk.map_err(multipart_error)?);
            if buf.len() > cap {
                return Err(AppError::TooLarge(Invalid::new(
                    "名册文件不能超过32 MB",
                    "A roster file may be at most 32 MB",
                )));
            }
        }
        if name == "file" {
            out.file = buf;
        } else {
            out.fields
                .push((name, String::from_utf8_lossy(&buf).into_owned()));
        }
    }
    Ok(out)
}

pub async fn submit(ctx: Ctx, payload: Multipart) -> PageResult {
    let user = ctx.require(&[Role::Admin])?.clone();
    let sent = read_form(payload).await.map_err(|e| ctx.fail(e))?;
    let csrf: Vec<(String, String)> = sent
        .fields
        .iter()
        .filter(|(k, _)| k == CSRF_FIELD)
        .cloned()
        .collect();
    ctx.check_csrf(&csrf)?;
    let get = |k: &str| {
        sent.fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let values = json!({"kind": get("kind"), "source": get("source"), "as_of": get("as_of"), "county": get("county")});
    let input = ImportInput {
        kind: get("kind"),
        source: get("source"),
        as_of: get("as_of"),
        county: Some(get("county")).filter(|c| !c.trim().is_empty()),
        bytes: sent.file,
    };
    let client = crate::routes::audit_client(&ctx.req);
    let keys = ctx.state.services.data_keys.clone();
    let by = user.clone();
    let result = ctx
        .state
        .db
        .write(move |c| rosters::import(c, &keys, Some(&by), &client, input))
        .await;
    let problems: Vec<String> = match result {
        Ok(_) => return Ok(ctx.redirect("/admin/rosters", Some(("ok", "roster_imported")))),
        Err(AppError::Validation(fields)) => fields.values().map(|m| ctx.msg(m)).collect(),
        Err(e) => return Err(ctx.fail(e)),
    };
    let mut page = listing(&ctx, user).await.map_err(|e| ctx.fail(e))?;
    page["form"] = values;
    page["problems"] = json!(problems);
    Ok(ctx.render(StatusCode::UNPROCESSABLE_ENTITY, "admin_rosters", page))
}
