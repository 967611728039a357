//! Resident self-registration.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::views::UserView;
use super::Fields;
use crate::domain::id_number::IdNumber;
use crate::domain::phone::Phone;
use crate::domain::role::Role;
use crate::domain::text;
use crate::error::AppResult;
use crate::startup::AppState;
use crate::workflow::register::{create_account, hash_password, NewAccount};

#[derive(Deserialize, ToSchema)]
pub struct RegisterRequest {
    pub phone: Option<String>,
    pub password: Option<String>,
    pub name: Option<String>,
    /// Resident ID number (18 characters, GB 11643).
    pub id_number: Option<String>,
}

/// Register a resident account.
#[utoipa::path(post, path = "/api/v1/residents", tag = "session", request_body = RegisterRequest,
    responses((status = 201, body = UserView), (status = 422, body = crate::error::ErrorBody)))]
#[tracing::instrument(name = "register", skip_all)]
pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<RegisterRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let mut f = Fields::default();
    let phone = f.take("phone", Phone::parse(b.phone.as_deref().unwrap_or("")));
    let name = f.take("name", text::person_name(b.name.as_deref().unwrap_or("")));
    let id = f.take(
        "id_number",
        IdNumber::parse(b.id_number.as_deref().unwrap_or("")),
    );
    let pw = f.take(
        "password",
        crate::auth::password::check_strength(b.password.as_deref().unwrap_or("")),
    );
    f.finish()?;
    let (Some(phone), Some(name), Some(id), Some(())) = (phone, name, id, pw) else {
        return Err(crate::error::AppError::internal("validated fields missing"));
    };
    let password = b.password.unwrap_or_default();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(crate::error::AppError::internal)??;
    let account = NewAccount {
        role: Role::Resident,
        phone,
        name,
        password_hash: hash,
        id_number: Some(id),
        jurisdiction: None,
    };
    let user = state.db.write(move |c| create_account(c, account)).await?;
    tracing::info!(user_id = %user.id, "resident registered");
    Ok(HttpResponse::Created().json(UserView::new(&user, None)))
}
