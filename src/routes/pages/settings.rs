//! 账号与安全: change the password, move the account to a new phone (a code sent
//! there), see the sessions (devices signed in) and end one or all others. For every
//! signed-in role; the same use cases as `/api/v1/me/…`.

use actix_web::http::StatusCode;
use actix_web::web;
use serde_json::{json, Map, Value};

use super::account::{send_code, CodeSent};
use super::ctx::{field, raw_field, Ctx};
use super::error::PageResult;
use super::i18n;
use crate::auth::CurrentUser;
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::AppError;
use crate::routes::cookies;
use crate::workflow::{account, session};

type Form = web::Form<Vec<(String, String)>>;

const ANY: &[Role] = &[
    Role::Resident,
    Role::Official,
    Role::Courier,
    Role::Supervisor,
    Role::Admin,
];

/// The page, with `extra` (a form's values, errors, note, problem) laid over it.
async fn render(ctx: &Ctx, user: &CurrentUser, status: StatusCode, extra: Value) -> PageResult {
    let list = session::list(&ctx.state, user)
        .await
        .map_err(|e| ctx.fail(e))?;
    let sessions: Vec<Value> = list
        .iter()
        .map(|s| {
            json!({
                "id": s.id,
                "user_agent": s.user_agent,
                "created_at": i18n::datetime(ctx.lang, s.created_at.naive_utc()),
                "last_seen_at": i18n::datetime(ctx.lang, s.last_seen_at.naive_utc()),
                "current": s.current,
            })
        })
        .collect();
    let mut page = json!({
        "sessions": sessions,
        "others": list.iter().any(|s| !s.current),
        "pw_errors": {}, "phone_errors": {}, "phone_values": {},
    });
    if let (Some(p), Value::Object(extra)) = (page.as_object_mut(), extra) {
        p.extend(extra);
    }
    Ok(ctx.render(status, "account", page))
}

pub async fn page(ctx: Ctx) -> PageResult {
    let user = ctx.require(ANY)?.clone();
    render(&ctx, &user, StatusCode::OK, json!({})).await
}

/// Field errors of a use case under the page's own field names.
fn renamed(ctx: &Ctx, e: &AppError, names: &[(&str, &str)]) -> Map<String, Value> {
    ctx.field_errors(e)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| {
            let k = names
                .iter()
                .find(|(from, _)| *from == k)
                .map_or(k.clone(), |(_, to)| (*to).to_owned());
            (k, v)
        })
        .collect()
}

pub async fn password(ctx: Ctx, form: Form) -> PageResult {
    let user = ctx.require(ANY)?.clone();
    ctx.check_csrf(&form)?;
    let new_password = raw_field(&form, "new_password");
    let result = if new_password != raw_field(&form, "new_password2") {
        Err(AppError::field(
            "new_password2",
            Invalid::new("两次输入的密码不一致", "The two passwords differ"),
        ))
    } else {
        account::change_password(
            &ctx.state,
            &crate::routes::audit_client(&ctx.req),
            &user,
            raw_field(&form, "current_password"),
            new_password,
        )
        .await
    };
    match result {
        Ok(()) => Ok(ctx.redirect("/account", Some(("ok", "password_changed")))),
        Err(e @ (AppError::Validation(_) | AppError::RetryAfter(..))) => {
            let status = if matches!(e, AppError::Validation(_)) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::TOO_MANY_REQUESTS
            };
            let extra = json!({"pw_errors": renamed(&ctx, &e, &[]), "problem": ctx.problem(&e)
                .filter(|_| !matches!(e, AppError::Validation(_)))});
            render(&ctx, &user, status, extra).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

pub async fn phone(ctx: Ctx, form: Form) -> PageResult {
    let user = ctx.require(ANY)?.clone();
    ctx.check_csrf(&form)?;
    let values = json!({"new_phone": field(&form, "new_phone"), "code": field(&form, "code")});
    if field(&form, "op") == "send_code" {
        let CodeSent {
            status,
            mut page,
            error,
        } = send_code(&ctx, field(&form, "new_phone"), "change_phone", "new_phone").await;
        let errors = page.remove("errors").unwrap_or(json!({}));
        let mut extra = json!({"phone_values": values, "phone_errors": errors});
        if let Some(o) = extra.as_object_mut() {
            o.extend(page);
        }
        let mut resp = render(&ctx, &user, status, extra).await?;
        if let Some(AppError::RetryAfter(_, secs)) = error {
            if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut()
                    .insert(actix_web::http::header::RETRY_AFTER, v);
            }
        }
        return Ok(resp);
    }
    let result = account::change_phone(
        &ctx.state,
        &crate::routes::audit_client(&ctx.req),
        &user,
        field(&form, "new_phone"),
        field(&form, "code"),
        raw_field(&form, "phone_current_password"),
    )
    .await;
    match result {
        Ok(_) => Ok(ctx.redirect("/account", Some(("ok", "phone_changed")))),
        Err(e @ (AppError::Validation(_) | AppError::RetryAfter(..))) => {
            let status = if matches!(e, AppError::Validation(_)) {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                StatusCode::TOO_MANY_REQUESTS
            };
            let errors = renamed(
                &ctx,
                &e,
                &[
                    ("phone", "new_phone"),
                    ("current_password", "phone_current_password"),
                ],
            );
            let extra = json!({"phone_values": values, "phone_errors": errors,
                "problem": ctx.problem(&e).filter(|_| !matches!(e, AppError::Validation(_)))});
            render(&ctx, &user, status, extra).await
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// Ends one session; ending this one signs the browser out.
pub async fn end_session(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    let user = ctx.require(ANY)?.clone();
    ctx.check_csrf(&form)?;
    let id = path.into_inner();
    let current = id == user.session_id;
    session::end(
        &ctx.state,
        &crate::routes::audit_client(&ctx.req),
        &user,
        id,
    )
    .await
    .map_err(|e| ctx.fail(e))?;
    if current {
        let mut resp = ctx.redirect("/", Some(("ok", "signed_out")));
        let _ = resp.add_cookie(&cookies::session_removal(&ctx.state.settings));
        return Ok(resp);
    }
    Ok(ctx.redirect("/account", Some(("ok", "session_ended"))))
}

pub async fn end_others(ctx: Ctx, form: Form) -> PageResult {
    let user = ctx.require(ANY)?.clone();
    ctx.check_csrf(&form)?;
    session::end_others(&ctx.state, &crate::routes::audit_client(&ctx.req), &user)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(ctx.redirect("/account", Some(("ok", "sessions_ended"))))
}
