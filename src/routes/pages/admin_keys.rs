//! The admin's signing keys page (`/admin/keys`, issue 15): the keys with the one in use,
//! a rotation (which says that a restart is needed), and each public key as a `.pub`
//! file to put in `<data_dir>/keys/` of a machine that runs `zhengming verify` offline.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde_json::json;

use super::ctx::Ctx;
use super::error::PageResult;
use crate::auth::Scope;
use crate::domain::role::Role;
use crate::routes::api::admin_keys::{keys_now, require_installation_admin};
use crate::workflow::signing_keys;

type Form = web::Form<Vec<(String, String)>>;

pub async fn page(ctx: Ctx) -> PageResult {
    let user = ctx.require(&[Role::Admin])?;
    let may_rotate = Scope::admin_county(user).is_none();
    let keys = keys_now(&ctx.state).map_err(|e| ctx.fail(e))?;
    Ok(ctx.ok(
        "admin_keys",
        json!({"keys": keys, "may_rotate": may_rotate}),
    ))
}

pub async fn rotate(ctx: Ctx, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let user = ctx.require(&[Role::Admin])?.clone();
    require_installation_admin(&user).map_err(|e| ctx.fail(e))?;
    let client = crate::routes::audit_client(&ctx.req);
    let dir = ctx.state.settings.data_dir.clone();
    ctx.state
        .db
        .write(move |c| signing_keys::rotate(c, &dir, &user.id, &client))
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(ctx.redirect("/admin/keys", Some(("ok", "key_rotated"))))
}

/// `<kid>.pub`, as `keys rotate` writes it.
pub async fn public_key(ctx: Ctx, kid: web::Path<String>) -> PageResult {
    ctx.require(&[Role::Admin])?;
    let kid = kid.into_inner();
    let text = signing_keys::public_key_file(&ctx.state.settings.data_dir, &kid)
        .map_err(|e| ctx.fail(e))?;
    // The kid is 8 hex digits when found, so it is safe in the header.
    Ok(HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{kid}.pub\""),
        ))
        .body(text))
}
