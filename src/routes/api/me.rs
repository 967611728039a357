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
use crate::workflow::audit;

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

/// Set the email address, opt out of email, choose the language of messages.
#[utoipa::path(patch, path = "/api/v1/me", tag = "session", request_body = MePatch,
    responses((status = 200, body = MeView), (status = 401, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn patch(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<MePatch>,
    req: actix_web::HttpRequest,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
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
