//! Signing keys for administrators (issue 15): the list and a rotation. The keys serve
//! every county, so a county's admin may read the list but not rotate.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::{CurrentUser, Scope};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::workflow::signing_keys::{self, SigningKeys};

/// The signing keys: which one signs now, which one will after a restart, and each
/// public key (hex) for offline `zhengming verify`.
#[utoipa::path(get, path = "/api/v1/admin/keys", tag = "admin",
    responses((status = 200, body = SigningKeys), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    Ok(HttpResponse::Ok().json(keys_now(&state)?))
}

pub fn keys_now(state: &AppState) -> AppResult<SigningKeys> {
    let in_use = state.services.keys.active_kid().to_owned();
    signing_keys::list(&state.settings.data_dir, &in_use)
}

/// The whole installation's admin only: signing keys are not a county's.
pub fn require_installation_admin(user: &CurrentUser) -> AppResult<()> {
    user.require_role(&[Role::Admin])?;
    if Scope::admin_county(user).is_some() {
        return Err(AppError::forbidden(
            "签名密钥由全系统管理员管理，县级管理员不能轮换",
            "Signing keys belong to the whole installation; a county's admin cannot rotate them",
        ));
    }
    Ok(())
}

/// Makes a new signing key the active one. The running service keeps signing with the
/// key it started with until it is restarted (`restart_needed` in the answer); older
/// public keys stay trusted, so certificates signed before keep verifying.
#[utoipa::path(post, path = "/api/v1/admin/keys/rotate", tag = "admin",
    responses((status = 200, body = SigningKeys), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn rotate(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    require_installation_admin(&user)?;
    let client = crate::routes::audit_client(&req);
    let dir = state.settings.data_dir.clone();
    state
        .db
        .write(move |c| signing_keys::rotate(c, &dir, &user.id, &client))
        .await?;
    Ok(HttpResponse::Ok().json(keys_now(&state)?))
}
