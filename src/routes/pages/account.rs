//! Sign in, register, forgotten password, sign out. Signing in always starts a new
//! session (the old token, if any, is deleted) and a new CSRF token.
//!
//! Forms that need an SMS code have two submit buttons: `op=send_code` (获取验证码)
//! asks for the code and shows the form again with what was typed (passwords apart)
//! and a note; the other submits. No script is needed; `static/app.js` only counts
//! the minute down on the button.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Map};

use super::ctx::{field, raw_field, safe_next, urlencode, Ctx};
use super::error::PageResult;
use crate::auth::current_user::request_token;
use crate::auth::session::new_token;
use crate::error::AppError;
use crate::notify::mask;
use crate::routes::{client_ip, cookies};
use crate::workflow::account;
use crate::workflow::register::{register_resident, Registration};
use crate::workflow::session::{self, SignIn};
use crate::workflow::sms_codes;

type Form = web::Form<Vec<(String, String)>>;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn home_of(role: &str) -> &'static str {
    match role {
        "resident" => "/my",
        "official" => "/office",
        "courier" => "/courier",
        "supervisor" => "/supervise",
        "admin" => "/admin",
        _ => "/",
    }
}

pub async fn signin_form(ctx: Ctx, q: web::Query<NextQuery>) -> HttpResponse {
    let next = q.next.as_deref().and_then(safe_next).unwrap_or_default();
    ctx.ok("signin", json!({"next": next, "values": {}, "errors": {}}))
}

pub async fn signin(ctx: Ctx, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let next = safe_next(field(&form, "next"));
    let input = SignIn {
        phone: field(&form, "phone").to_owned(),
        password: raw_field(&form, "password"),
        // Renew: the session the browser came with (if any) ends here.
        replaces: request_token(&ctx.req),
        client: crate::routes::audit_client(&ctx.req),
    };
    let signed_in = match session::sign_in(&ctx.state, input).await {
        Ok(s) => s,
        Err(e) => {
            let (status, errors, problem) = match &e {
                AppError::Unauthorized(_) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Map::new(),
                    Some(ctx.t("signin_wrong").to_owned()),
                ),
                AppError::Validation(_) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ctx.field_errors(&e).unwrap_or_default(),
                    None,
                ),
                // The same throttle as the API, with the same words.
                AppError::RetryAfter(m, _) => {
                    (StatusCode::TOO_MANY_REQUESTS, Map::new(), Some(ctx.msg(m)))
                }
                _ => return Err(ctx.fail(e)),
            };
            let mut resp = ctx.render(
                status,
                "signin",
                json!({"next": next.unwrap_or_default(), "values": {"phone": field(&form, "phone")},
                       "errors": errors, "problem": problem}),
            );
            retry_after(&mut resp, &e);
            return Ok(resp);
        }
    };
    let to = next.unwrap_or_else(|| home_of(&signed_in.user.role).to_owned());
    let mut resp = ctx.redirect(&to, Some(("ok", "signed_in")));
    let _ = resp.add_cookie(&cookies::session(&ctx.state.settings, signed_in.token));
    let _ = resp.add_cookie(&ctx.csrf_cookie(new_token()));
    Ok(resp)
}

pub async fn signout(ctx: Ctx, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    if let Some(user) = &ctx.user {
        session::sign_out(&ctx.state, user.token_hash.clone())
            .await
            .map_err(|e| ctx.fail(e))?;
    }
    let mut resp = ctx.redirect("/", Some(("ok", "signed_out")));
    let _ = resp.add_cookie(&cookies::session_removal(&ctx.state.settings));
    Ok(resp)
}

/// Copies a 429's `Retry-After` onto a page.
fn retry_after(resp: &mut HttpResponse, e: &AppError) {
    if let AppError::RetryAfter(_, secs) = e {
        if let Ok(v) = actix_web::http::header::HeaderValue::from_str(&secs.to_string()) {
            resp.headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, v);
        }
    }
}

/// What a page shows after `op=send_code`: a note and the countdown, or the problem
/// (a bad phone next to its field; a wait above the form, with status 429).
pub struct CodeSent {
    pub status: StatusCode,
    pub page: Map<String, serde_json::Value>,
    pub error: Option<AppError>,
}

/// Asks for a code for `purpose` to the phone in field `phone_field`.
pub async fn send_code(ctx: &Ctx, phone: &str, purpose: &str, phone_field: &str) -> CodeSent {
    let client = client_ip(&ctx.req, ctx.state.settings.trust_forwarded_for);
    let mut page = Map::new();
    match sms_codes::request(&ctx.state, &client, phone, purpose).await {
        Ok(()) => {
            let note = ctx
                .t("code_sent")
                .replace("{phone}", &mask::phone(phone.trim()));
            page.insert("code_note".into(), json!(note));
            page.insert(
                "resend_in".into(),
                json!(sms_codes::RESEND_AFTER.num_seconds()),
            );
            CodeSent {
                status: StatusCode::OK,
                page,
                error: None,
            }
        }
        Err(e) => {
            let status = match &e {
                AppError::RetryAfter(..) | AppError::TooManyRequests(_) => {
                    StatusCode::TOO_MANY_REQUESTS
                }
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let mut errors = Map::new();
            if let Some(f) = ctx.field_errors(&e) {
                for (k, v) in f {
                    let k = if k == "phone" {
                        phone_field.to_owned()
                    } else {
                        k
                    };
                    errors.insert(k, v);
                }
            }
            page.insert("errors".into(), json!(errors));
            if let Some(p) = ctx.problem(&e) {
                if !matches!(e, AppError::Validation(_)) {
                    page.insert("problem".into(), json!(p));
                }
            }
            CodeSent {
                status,
                page,
                error: Some(e),
            }
        }
    }
}

/// Renders `name` with `values`, then the code step's note or problem over it.
fn render_with_code(
    ctx: &Ctx,
    name: &str,
    values: serde_json::Value,
    sent: CodeSent,
) -> HttpResponse {
    let mut page = Map::new();
    page.insert("values".into(), values);
    page.insert("errors".into(), json!({}));
    page.extend(sent.page);
    let mut resp = ctx.render(sent.status, name, serde_json::Value::Object(page));
    if let Some(e) = &sent.error {
        retry_after(&mut resp, e);
    }
    resp
}

pub async fn register_form(ctx: Ctx, q: web::Query<NextQuery>) -> HttpResponse {
    let next = q.next.as_deref().and_then(safe_next).unwrap_or_default();
    ctx.ok(
        "register",
        json!({"next": next, "values": {}, "errors": {}}),
    )
}

pub async fn register(ctx: Ctx, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let next = safe_next(field(&form, "next"));
    let values = json!({
        "phone": field(&form, "phone"),
        "name": field(&form, "name"),
        "id_number": field(&form, "id_number"),
        "code": field(&form, "code"),
    });
    if field(&form, "op") == "send_code" {
        let mut sent = send_code(&ctx, field(&form, "phone"), "register", "phone").await;
        sent.page
            .insert("next".into(), json!(next.clone().unwrap_or_default()));
        return Ok(render_with_code(&ctx, "register", values, sent));
    }
    let input = Registration {
        phone: field(&form, "phone").to_owned(),
        name: field(&form, "name").to_owned(),
        id_number: field(&form, "id_number").to_owned(),
        password: raw_field(&form, "password"),
        password_again: Some(field(&form, "password2").to_owned()),
        code: field(&form, "code").to_owned(),
    };
    let password = input.password.clone();
    match register_resident(&ctx.state, input).await {
        // Signed in at once, through the ordinary (audited, throttled) sign-in with what
        // was just typed, and on to where the person was going: no second form to fill.
        Ok(_) => {
            let input = SignIn {
                phone: field(&form, "phone").to_owned(),
                password,
                replaces: request_token(&ctx.req),
                client: crate::routes::audit_client(&ctx.req),
            };
            match session::sign_in(&ctx.state, input).await {
                Ok(signed_in) => {
                    let to = next.unwrap_or_else(|| "/my".to_owned());
                    let mut resp = ctx.redirect(&to, Some(("ok", "registered_in")));
                    let _ =
                        resp.add_cookie(&cookies::session(&ctx.state.settings, signed_in.token));
                    let _ = resp.add_cookie(&ctx.csrf_cookie(new_token()));
                    Ok(resp)
                }
                // The account exists; a throttled sign-in still leaves the form to use.
                Err(_) => Ok(ctx.redirect(
                    &format!("/signin?next={}", urlencode(&next.unwrap_or_default())),
                    Some(("ok", "registered")),
                )),
            }
        }
        Err(e) => {
            let errors = ctx.field_errors(&e).ok_or_else(|| ctx.fail(e))?;
            Ok(ctx.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "register",
                json!({"next": next.unwrap_or_default(), "values": values, "errors": errors}),
            ))
        }
    }
}

/// 忘记密码: phone → code → new password.
pub async fn forgot_form(ctx: Ctx) -> HttpResponse {
    ctx.ok("forgot", json!({"values": {}, "errors": {}}))
}

pub async fn forgot(ctx: Ctx, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let values = json!({"phone": field(&form, "phone"), "code": field(&form, "code")});
    if field(&form, "op") == "send_code" {
        let sent = send_code(&ctx, field(&form, "phone"), "reset_password", "phone").await;
        return Ok(render_with_code(&ctx, "forgot", values, sent));
    }
    let new_password = raw_field(&form, "new_password");
    let again = raw_field(&form, "new_password2");
    let result = if new_password != again {
        Err(AppError::field(
            "new_password2",
            crate::domain::Invalid::new("两次输入的密码不一致", "The two passwords differ"),
        ))
    } else {
        account::reset_password(
            &ctx.state,
            &crate::routes::audit_client(&ctx.req),
            field(&form, "phone"),
            field(&form, "code"),
            new_password,
        )
        .await
    };
    match result {
        Ok(()) => Ok(ctx.redirect("/signin", Some(("ok", "password_reset")))),
        Err(e) => {
            let errors = ctx.field_errors(&e).ok_or_else(|| ctx.fail(e))?;
            Ok(ctx.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "forgot",
                json!({"values": values, "errors": errors}),
            ))
        }
    }
}
