//! Resident self-registration.

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{password, CurrentUser};
use crate::domain::id_number::IdNumber;
use crate::domain::phone::Phone;
use crate::domain::text;
use crate::error::{AppError, AppResult, Fields};
use crate::read_model::views::UserView;
use crate::state::AppState;
use crate::workflow::id_numbers::{self, Rebind};
use crate::workflow::register::{hash_password, register_resident, Registration};

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    pub phone: Option<String>,
    pub password: Option<String>,
    pub name: Option<String>,
    /// Resident ID number (18 characters, GB 11643).
    pub id_number: Option<String>,
    /// The 6-digit code sent by SMS to `phone` (`POST /api/v1/sms-codes` with purpose
    /// `register`).
    pub code: Option<String>,
}

/// Register a resident account. The phone is proven by an SMS code; a phone that
/// already has an account was never sent one, so it gets the same "code wrong or
/// expired" as any bad code (the answer does not tell whether a phone is registered).
#[utoipa::path(post, path = "/api/v1/residents", tag = "session", request_body = RegisterRequest,
    responses((status = 201, body = UserView), (status = 422, body = crate::error::ErrorBody)))]
#[tracing::instrument(name = "register", skip_all)]
pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let input = Registration {
        phone: b.phone.unwrap_or_default(),
        name: b.name.unwrap_or_default(),
        id_number: b.id_number.unwrap_or_default(),
        password: b.password.unwrap_or_default(),
        password_again: None,
        code: b.code.unwrap_or_default(),
    };
    let user = register_resident(&state, input).await?;
    Ok(HttpResponse::Created().json(UserView::new(&user, None)))
}

#[derive(Deserialize, ToSchema)]
pub struct RebindRequest {
    /// The ID number to move (18 characters, GB 11643), as on the ID card shown at the office.
    pub id_number: Option<String>,
    /// The phone of the account it moves to; an account is made if the phone has none.
    pub phone: Option<String>,
    /// For a new account: the person's name.
    pub name: Option<String>,
    /// For a new account: a password the person types at the counter. Without it they
    /// set one with 忘记密码 (a code by SMS).
    pub password: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RebindView {
    /// The account the ID number is bound to now.
    pub user: UserView,
    /// The account it was taken from (deactivated, signed out everywhere).
    pub previous_user_id: String,
    /// Whether the account was made by this re-bind.
    pub created: bool,
}

/// Re-bind an ID number to the account of the person it belongs to (real-name binding,
/// done at the office with the ID card): the account that held it is deactivated and
/// signed out, and both changes are written to the access log. Township or county
/// officials and admins.
#[utoipa::path(post, path = "/api/v1/admin/residents/rebind", tag = "admin", request_body = RebindRequest,
    responses((status = 200, body = RebindView), (status = 403, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(name = "rebind", skip_all)]
pub async fn rebind(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<RebindRequest>,
    req: actix_web::HttpRequest,
) -> AppResult<HttpResponse> {
    id_numbers::may_rebind(&user)?;
    let b = body.into_inner();
    let client = crate::routes::audit_client(&req);
    // Neither the phone nor the ID number may be the password.
    let personal = [
        b.phone.clone().unwrap_or_default(),
        b.id_number.clone().unwrap_or_default(),
    ];
    let mut f = Fields::default();
    let id = f.take(
        "id_number",
        IdNumber::parse(b.id_number.as_deref().unwrap_or("")),
    );
    let phone = f.take("phone", Phone::parse(b.phone.as_deref().unwrap_or("")));
    let name = b
        .name
        .filter(|n| !n.trim().is_empty())
        .and_then(|n| f.take("name", text::person_name(&n)));
    let password = b.password.filter(|p| !p.is_empty());
    if let Some(p) = &password {
        f.take(
            "password",
            password::check_policy(p, &[&personal[0], &personal[1]]),
        );
    }
    f.finish()?;
    let (Some(id_number), Some(phone)) = (id, phone) else {
        return Err(AppError::internal("validated fields missing"));
    };
    let password_hash = match password {
        Some(p) => Some(
            tokio::task::spawn_blocking(move || hash_password(&p, &[&personal[0], &personal[1]]))
                .await
                .map_err(AppError::internal)??,
        ),
        None => None,
    };
    let keys = state.services.data_keys.clone();
    let done = state
        .db
        .write(move |c| {
            id_numbers::rebind(
                c,
                &keys,
                &user,
                Rebind {
                    id_number,
                    phone,
                    name,
                    password_hash,
                },
                &client,
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(RebindView {
        user: UserView::new(&done.user, None),
        previous_user_id: done.previous_user_id,
        created: done.created,
    }))
}
