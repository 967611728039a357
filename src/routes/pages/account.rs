//! Sign in, register, sign out. Signing in always starts a new session (the old token,
//! if any, is deleted) and a new CSRF token.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Map};

use super::ctx::{field, raw_field, safe_next, Ctx};
use super::error::PageResult;
use crate::auth::current_user::request_token;
use crate::auth::session::new_token;
use crate::error::AppError;
use crate::routes::cookies;
use crate::workflow::register::{register_resident, Registration};
use crate::workflow::session::{self, SignIn};

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
            let (errors, problem) = match &e {
                AppError::Unauthorized(_) => (Map::new(), Some(ctx.t("signin_wrong"))),
                AppError::Validation(_) => (ctx.field_errors(&e).unwrap_or_default(), None),
                _ => return Err(ctx.fail(e)),
            };
            return Ok(ctx.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "signin",
                json!({"next": next.unwrap_or_default(), "values": {"phone": field(&form, "phone")},
                       "errors": errors, "problem": problem}),
            ));
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

pub async fn register_form(ctx: Ctx) -> HttpResponse {
    ctx.ok("register", json!({"values": {}, "errors": {}}))
}

pub async fn register(ctx: Ctx, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let input = Registration {
        phone: field(&form, "phone").to_owned(),
        name: field(&form, "name").to_owned(),
        id_number: field(&form, "id_number").to_owned(),
        password: raw_field(&form, "password"),
        password_again: Some(field(&form, "password2").to_owned()),
    };
    match register_resident(&ctx.state, input).await {
        Ok(_) => Ok(ctx.redirect("/signin", Some(("ok", "registered")))),
        Err(e) => {
            let errors = ctx.field_errors(&e).ok_or_else(|| ctx.fail(e))?;
            let values = json!({
                "phone": field(&form, "phone"),
                "name": field(&form, "name"),
                "id_number": field(&form, "id_number"),
            });
            Ok(ctx.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "register",
                json!({"values": values, "errors": errors}),
            ))
        }
    }
}
