//! Sign in, register, sign out. Signing in always starts a new session (the old token,
//! if any, is deleted) and a new CSRF token.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::ctx::{field, safe_next, Ctx, CSRF_COOKIE};
use crate::auth::session::{new_token, token_hash, COOKIE_NAME};
use crate::auth::{current_user::request_token, password};
use crate::db::models::{now, Session, User};
use crate::db::users;
use crate::domain::id_number::IdNumber;
use crate::domain::phone::Phone;
use crate::domain::role::Role;
use crate::domain::text;
use crate::error::AppError;
use crate::routes::api::Fields;
use crate::workflow::register::{create_account, hash_password, NewAccount};

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
    let next = q.next.as_deref().and_then(safe_next).unwrap_or("");
    ctx.ok("signin", json!({"next": next, "values": {}, "errors": {}}))
}

pub async fn signin(ctx: Ctx, form: Form) -> HttpResponse {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let phone_raw = field(&form, "phone").to_owned();
    let pw = form
        .iter()
        .find(|(k, _)| k == "password")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let next = safe_next(field(&form, "next")).map(str::to_owned);
    let again = |ctx: &Ctx, errors: Value, problem: Option<String>| {
        ctx.render(
            StatusCode::UNPROCESSABLE_ENTITY,
            "signin",
            json!({"next": next.clone().unwrap_or_default(), "values": {"phone": phone_raw},
                   "errors": errors, "problem": problem}),
        )
    };
    let phone = match Phone::parse(&phone_raw) {
        Ok(p) => p,
        Err(e) => return again(&ctx, json!({"phone": ctx.msg(&e)}), None),
    };
    let found = ctx
        .state
        .db
        .read(move |c| users::by_phone(c, phone.as_str()).map_err(AppError::from))
        .await;
    let found = match found {
        Ok(f) => f,
        Err(e) => return ctx.app_error(e),
    };
    let user: Option<User> = match tokio::task::spawn_blocking(move || match found {
        Some(u) if u.status == "active" && password::verify(&pw, &u.password_hash) => Some(u),
        Some(_) => None,
        None => {
            password::verify_dummy(&pw);
            None
        }
    })
    .await
    {
        Ok(u) => u,
        Err(e) => return ctx.app_error(AppError::internal(e)),
    };
    let Some(user) = user else {
        return again(&ctx, json!({}), Some(ctx.t("signin_wrong").to_owned()));
    };
    let token = new_token();
    let t = now();
    let hours = ctx.state.settings.session_hours;
    let session = Session {
        token_hash: token_hash(&token),
        user_id: user.id.clone(),
        created_at: t,
        expires_at: t + chrono::Duration::hours(hours),
    };
    // Renew: the session the browser came with (if any) ends here.
    let old = request_token(&ctx.req).map(|t| token_hash(&t));
    let saved = ctx
        .state
        .db
        .write(move |c| {
            if let Some(old) = old {
                users::delete_session(c, &old)?;
            }
            users::delete_expired_sessions(c, t)?;
            users::insert_session(c, &session)?;
            Ok::<_, AppError>(())
        })
        .await;
    if let Err(e) = saved {
        return ctx.app_error(e);
    }
    tracing::info!(user_id = %user.id, role = %user.role, "signed in (page)");
    let secure = ctx.state.settings.base_url.starts_with("https://");
    let to = next.unwrap_or_else(|| home_of(&user.role).to_owned());
    let mut resp = ctx.redirect(&to, Some(("ok", "signed_in")));
    let _ = resp.add_cookie(
        &Cookie::build(COOKIE_NAME, token)
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(secure)
            .max_age(actix_web::cookie::time::Duration::hours(hours))
            .finish(),
    );
    let _ = resp.add_cookie(
        &Cookie::build(CSRF_COOKIE, new_token())
            .path("/")
            .http_only(true)
            .same_site(SameSite::Strict)
            .secure(secure)
            .finish(),
    );
    resp
}

pub async fn signout(ctx: Ctx, form: Form) -> HttpResponse {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    if let Some(token) = request_token(&ctx.req) {
        let hash = token_hash(&token);
        if let Err(e) = ctx
            .state
            .db
            .write(move |c| users::delete_session(c, &hash).map_err(AppError::from))
            .await
        {
            return ctx.app_error(e);
        }
    }
    let mut resp = ctx.redirect("/", Some(("ok", "signed_out")));
    let mut gone = Cookie::build(COOKIE_NAME, "").path("/").finish();
    gone.make_removal();
    let _ = resp.add_cookie(&gone);
    resp
}

pub async fn register_form(ctx: Ctx) -> HttpResponse {
    ctx.ok("register", json!({"values": {}, "errors": {}}))
}

pub async fn register(ctx: Ctx, form: Form) -> HttpResponse {
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let values = json!({
        "phone": field(&form, "phone"),
        "name": field(&form, "name"),
        "id_number": field(&form, "id_number"),
    });
    let again = |ctx: &Ctx, errors: Map<String, Value>| {
        ctx.render(
            StatusCode::UNPROCESSABLE_ENTITY,
            "register",
            json!({"values": values, "errors": errors}),
        )
    };
    let mut f = Fields::default();
    let phone = f.take("phone", Phone::parse(field(&form, "phone")));
    let name = f.take("name", text::person_name(field(&form, "name")));
    let id = f.take("id_number", IdNumber::parse(field(&form, "id_number")));
    let pw = form
        .iter()
        .find(|(k, _)| k == "password")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let pw_ok = f.take("password", password::check_strength(&pw));
    if pw != field(&form, "password2") && pw_ok.is_some() {
        f.add(
            "password2",
            crate::domain::Invalid::new("两次输入的密码不一致", "The two passwords differ"),
        );
    }
    if let Err(e) = f.finish() {
        return again(&ctx, ctx.field_errors(&e).unwrap_or_default());
    }
    let (Some(phone), Some(name), Some(id)) = (phone, name, id) else {
        return ctx.app_error(AppError::internal("validated fields missing"));
    };
    let hash = match tokio::task::spawn_blocking(move || hash_password(&pw)).await {
        Ok(Ok(h)) => h,
        Ok(Err(e)) => return again(&ctx, ctx.field_errors(&e).unwrap_or_default()),
        Err(e) => return ctx.app_error(AppError::internal(e)),
    };
    let account = NewAccount {
        role: Role::Resident,
        phone,
        name,
        password_hash: hash,
        id_number: Some(id),
        jurisdiction: None,
    };
    match ctx
        .state
        .db
        .write(move |c| create_account(c, account))
        .await
    {
        Ok(user) => {
            tracing::info!(user_id = %user.id, "resident registered (page)");
            ctx.redirect("/signin", Some(("ok", "registered")))
        }
        Err(e) => match ctx.field_errors(&e) {
            Some(errors) => again(&ctx, errors),
            None => ctx.app_error(e),
        },
    }
}
