//! The admin's staff page (`/admin/staff`, issue 15): the list with search, add one,
//! import a CSV file (or pasted lines), change a role or jurisdiction, reset a password,
//! deactivate. The same use cases as `/api/v1/admin/staff…` and `zhengming user import`.
//! One-time passwords are shown in the answer to the form that made them, once: never
//! in a redirect, a flash cookie or a log.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{json, Value};

use super::admin_jurisdictions::read_form;
use super::ctx::{field, Ctx, CSRF_FIELD};
use super::error::PageResult;
use crate::auth::{CurrentUser, Scope};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::workflow::staff::{self, StaffFilter};
use crate::workflow::staff_accounts::{self, Actor, NewStaff};

type Form = web::Form<Vec<(String, String)>>;

#[derive(Deserialize, Default)]
pub struct Query {
    q: Option<String>,
}

fn actor(ctx: &Ctx, user: &CurrentUser) -> Actor {
    Actor {
        user_id: Some(user.id.clone()),
        county: Scope::admin_county(user),
        client: crate::routes::audit_client(&ctx.req),
    }
}

async fn listing(ctx: &Ctx, q: Option<String>) -> Result<Value, AppError> {
    let county = ctx.user.as_ref().and_then(Scope::admin_county);
    let filter = StaffFilter {
        q: q.clone(),
        ..StaffFilter::default()
    };
    let items = ctx
        .state
        .db
        .read(move |c| staff::list(c, county.as_deref(), &filter))
        .await?;
    Ok(
        json!({"items": items, "q": q.unwrap_or_default(), "roles": ["official", "courier", "supervisor", "admin", "agent"]}),
    )
}

pub async fn page(ctx: Ctx, q: web::Query<Query>) -> PageResult {
    ctx.require(&[Role::Admin])?;
    let page = listing(&ctx, q.into_inner().q)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(ctx.ok("admin_staff", page))
}

fn problems(ctx: &Ctx, e: &AppError) -> Vec<String> {
    match e {
        AppError::Validation(f) => f.values().map(|m| ctx.msg(m)).collect(),
        AppError::NotFound(m)
        | AppError::Forbidden(m)
        | AppError::Conflict(m)
        | AppError::Unprocessable(m)
        | AppError::TooLarge(m)
        | AppError::BadRequest(m) => vec![ctx.msg(m)],
        _ => Vec::new(),
    }
}

/// The page again, with what a form made (one-time passwords) or why it refused.
async fn answer(ctx: &Ctx, result: Result<Vec<NewStaff>, AppError>) -> PageResult {
    let mut page = listing(ctx, None).await.map_err(|e| ctx.fail(e))?;
    match result {
        Ok(made) => {
            page["created"] = json!(made);
            Ok(ctx.ok("admin_staff", page))
        }
        Err(e) if !problems(ctx, &e).is_empty() => {
            page["problems"] = json!(problems(ctx, &e));
            let status = match e {
                AppError::NotFound(_) => StatusCode::NOT_FOUND,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            Ok(ctx.render(status, "admin_staff", page))
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// Adds one account; its one-time password is on the answer.
pub async fn add(ctx: Ctx, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let user = ctx.require(&[Role::Admin])?.clone();
    let result = staff_accounts::add_one(
        &ctx.state.db,
        actor(&ctx, &user),
        field(&form, "role"),
        field(&form, "phone"),
        field(&form, "name"),
        field(&form, "jurisdiction"),
    )
    .await
    .map(|m| vec![m]);
    answer(&ctx, result).await
}

/// Imports a CSV file, or the pasted lines when no file is chosen: all rows or none.
pub async fn import(ctx: Ctx, payload: Multipart) -> PageResult {
    let user = ctx.require(&[Role::Admin])?.clone();
    let (fields, file) = read_form(payload).await.map_err(|e| ctx.fail(e))?;
    let sent = [(CSRF_FIELD.to_owned(), field(&fields, CSRF_FIELD).to_owned())];
    ctx.check_csrf(&sent)?;
    let bytes = if file.is_empty() {
        field(&fields, "text").as_bytes().to_vec()
    } else {
        file
    };
    let result = staff_accounts::import_csv(&ctx.state.db, actor(&ctx, &user), &bytes).await;
    answer(&ctx, result).await
}

/// Changes a role and/or a jurisdiction.
pub async fn change(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let user = ctx.require(&[Role::Admin])?.clone();
    let a = actor(&ctx, &user);
    let id = path.into_inner();
    let role = field(&form, "role").to_owned();
    let jurisdiction = field(&form, "jurisdiction").to_owned();
    let result = ctx
        .state
        .db
        .write(move |c| {
            staff_accounts::change(
                c,
                &user.id,
                a.county.as_deref(),
                &a.client,
                &id,
                Some(role.as_str()).filter(|r| !r.is_empty()),
                Some(jurisdiction.as_str()),
            )
        })
        .await;
    match result {
        Ok(_) => Ok(ctx.redirect("/admin/staff", Some(("ok", "staff_changed")))),
        Err(e) => answer(&ctx, Err(e)).await,
    }
}

/// A new one-time password, shown on the answer; the person's sessions end.
pub async fn reset(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let user = ctx.require(&[Role::Admin])?.clone();
    // 短信发送: the password goes to the person's own phone, not onto this page.
    let by_sms = field(&form, "send") == "sms";
    let result =
        staff_accounts::reset(&ctx.state.db, actor(&ctx, &user), path.into_inner(), by_sms)
            .await
            .map(|m| vec![m]);
    answer(&ctx, result).await
}

/// Deactivates: every session ends; the open cases of the jurisdiction are counted.
pub async fn deactivate(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let user = ctx.require(&[Role::Admin])?.clone();
    let a = actor(&ctx, &user);
    let id = path.into_inner();
    let result = ctx
        .state
        .db
        .write(move |c| staff::deactivate(c, &user.id, a.county.as_deref(), &a.client, &id))
        .await;
    match result {
        Ok(done) => {
            let mut page = listing(&ctx, None).await.map_err(|e| ctx.fail(e))?;
            page["deactivated"] = json!(done);
            Ok(ctx.ok("admin_staff", page))
        }
        Err(e) => answer(&ctx, Err(e)).await,
    }
}
