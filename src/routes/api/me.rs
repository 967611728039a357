//! The signed-in user's own contact settings: an email address for notices by email,
//! the email opt-out, and the language of messages. SMS for the notices the law
//! requires is always sent to the account phone.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::db::models::now;
use crate::db::notifications::{self, Contact};
use crate::domain::Invalid;
use crate::error::Fields;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::workflow::account;
use crate::workflow::audit;
use crate::workflow::session::{self, SessionView};

#[derive(Serialize, ToSchema)]
pub struct MeView {
    pub id: String,
    pub role: String,
    pub name: String,
    pub phone: String,
    pub email: Option<String>,
    /// True: no email is sent even with an address (SMS still is).
    pub email_opt_out: bool,
    /// `zh` or `en`: the language of emails.
    pub language: String,
}

#[derive(Deserialize, ToSchema)]
pub struct MePatch {
    /// An address, or `""` to remove it. Absent: unchanged.
    pub email: Option<String>,
    pub email_opt_out: Option<bool>,
    /// `zh` or `en`.
    pub language: Option<String>,
}

fn view(user: &CurrentUser, c: Contact) -> MeView {
    MeView {
        id: user.id.clone(),
        role: user.role.as_str().into(),
        name: user.name.clone(),
        phone: c.phone,
        email: c.email,
        email_opt_out: c.email_opt_out,
        language: c.language,
    }
}

async fn load(state: &AppState, user: &CurrentUser) -> AppResult<Contact> {
    let id = user.id.clone();
    state
        .db
        .read(move |c| Ok::<_, AppError>(notifications::contact_of(c, &id)?))
        .await?
        .ok_or_else(AppError::unauthorized)
}

/// The signed-in account with its contact settings.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = MeView), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    let c = load(&state, &user).await?;
    Ok(HttpResponse::Ok().json(view(&user, c)))
}

/// Why a field of `PATCH /api/v1/me` is refused: it has an endpoint of its own, or
/// is not a setting at all. Refused rather than ignored, so a client never believes a
/// change happened.
fn not_patchable(field: &str) -> Invalid {
    match field {
        "password" | "current_password" | "new_password" | "password_hash" => Invalid::new(
            "密码不能在这里修改，请使用 POST /api/v1/me/password（需要当前密码）",
            "The password is not changed here; use POST /api/v1/me/password (with the current password)",
        ),
        "phone" => Invalid::new(
            "手机号不能在这里修改，请使用 POST /api/v1/me/phone（需要发到新号码的短信验证码）",
            "The phone is not changed here; use POST /api/v1/me/phone (with a code sent to the new phone)",
        ),
        _ => Invalid::new(
            "不能修改此项：只能修改 email、email_opt_out、language",
            "This field cannot be changed: only email, email_opt_out and language can",
        ),
    }
}

/// Set the email address, opt out of email, choose the language of messages. Any
/// other field (a password, the phone, a misspelt name) is refused with a 422 naming
/// the endpoint to use, and nothing is changed.
#[utoipa::path(patch, path = "/api/v1/me", tag = "session", request_body = MePatch,
    responses((status = 200, body = MeView), (status = 401, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn patch(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<serde_json::Value>,
    req: actix_web::HttpRequest,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let Some(map) = body.as_object() else {
        return Err(AppError::BadRequest(Invalid::new(
            "请求内容应为JSON对象",
            "The request body must be a JSON object",
        )));
    };
    let mut f = Fields::default();
    for key in map.keys() {
        if !matches!(key.as_str(), "email" | "email_opt_out" | "language") {
            f.add(key, not_patchable(key));
        }
    }
    f.finish()?;
    let b: MePatch = serde_json::from_value(body).map_err(|e| {
        AppError::BadRequest(Invalid::new(
            format!("请求内容有误：{e}"),
            format!("The request body is not valid: {e}"),
        ))
    })?;
    let current = load(&state, &user).await?;
    let mut f = Fields::default();
    let email = match b.email.as_deref().map(str::trim) {
        None => current.email.clone(),
        Some("") => None,
        Some(e) => f.take("email", parse_email(e)),
    };
    let language = match b.language.as_deref().map(str::trim) {
        None => current.language.clone(),
        Some(l @ ("zh" | "en")) => l.to_owned(),
        Some(_) => {
            f.add(
                "language",
                Invalid::new("语言只能是 zh 或 en", "The language must be zh or en"),
            );
            String::new()
        }
    };
    f.finish()?;
    let opt_out = b.email_opt_out.unwrap_or(current.email_opt_out);
    let id = user.id.clone();
    let (e, l) = (email.clone(), language.clone());
    // The audit names the fields that changed, not their values.
    let changed: Vec<&str> = [
        ("email", email != current.email),
        ("email_opt_out", opt_out != current.email_opt_out),
        ("language", language != current.language),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect();
    let changed = changed.join(",");
    let client = crate::routes::audit_client(&req);
    state
        .db
        .write(move |c| {
            notifications::set_contact(c, &id, e.as_deref(), opt_out, &l, now())?;
            if !changed.is_empty() {
                audit::record(
                    c,
                    &client,
                    audit::Entry {
                        user_id: Some(id.clone()),
                        action: audit::action::ACCOUNT_UPDATE,
                        target_type: "user",
                        target_id: id.clone(),
                        detail: Some(changed),
                        ..audit::Entry::default()
                    },
                )?;
            }
            Ok::<_, AppError>(())
        })
        .await?;
    let c = Contact {
        phone: current.phone,
        email,
        email_opt_out: opt_out,
        language,
    };
    Ok(HttpResponse::Ok().json(view(&user, c)))
}

fn parse_email(e: &str) -> Result<String, Invalid> {
    let bad = || Invalid::new("邮箱地址格式不正确", "The email address is not valid");
    if e.len() > 254 {
        return Err(bad());
    }
    let addr: lettre::Address = e.parse().map_err(|_| bad())?;
    if !addr.domain().contains('.') {
        return Err(bad());
    }
    Ok(addr.to_string())
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: Option<String>,
    pub new_password: Option<String>,
}

/// Change the password (the current one first). Every other session of the account
/// ends; this one stays. A wrong current password counts against the phone's sign-in
/// throttle.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "session", request_body = PasswordChange,
    responses((status = 204), (status = 401, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_password(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<PasswordChange>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    account::change_password(
        &state,
        &crate::routes::audit_client(&req),
        &user,
        b.current_password.unwrap_or_default(),
        b.new_password.unwrap_or_default(),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
pub struct PhoneChange {
    /// The new phone.
    pub phone: Option<String>,
    /// The code sent to the new phone (`POST /api/v1/sms-codes`, purpose `change_phone`).
    pub code: Option<String>,
    pub current_password: Option<String>,
}

/// Move the account to a new phone, proven by a code sent there, with the current
/// password. Sign in with the new phone afterwards.
#[utoipa::path(post, path = "/api/v1/me/phone", tag = "session", request_body = PhoneChange,
    responses((status = 200, body = MeView), (status = 401, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_phone(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<PhoneChange>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    account::change_phone(
        &state,
        &crate::routes::audit_client(&req),
        &user,
        b.phone.as_deref().unwrap_or(""),
        b.code.as_deref().unwrap_or(""),
        b.current_password.unwrap_or_default(),
    )
    .await?;
    let c = load(&state, &user).await?;
    Ok(HttpResponse::Ok().json(view(&user, c)))
}

/// The account's sessions that have not ended, most recently used first; `current`
/// marks the one this request came with.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "session",
    responses((status = 200, body = Vec<SessionView>), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn sessions(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    let list = session::list(&state, &user).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(list))
}

/// End every session of the account except the one this request came with.
#[utoipa::path(delete, path = "/api/v1/me/sessions", tag = "session",
    responses((status = 204), (status = 401, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn end_other_sessions(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
) -> AppResult<HttpResponse> {
    session::end_others(&state, &crate::routes::audit_client(&req), &user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// End one session of the account (its `id` from the list; ending the current one
/// signs this client out).
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "session",
    params(("id" = String, Path, description = "the session's id from the list")),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn end_session(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let client = crate::routes::audit_client(&req);
    session::end(&state, &client, &user, path.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
