//! Staff accounts for administrators (issue 15): list and search, deactivate. A county's
//! admin sees and changes that county's staff only (others are not found).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{CurrentUser, Scope};
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::state::AppState;
use crate::workflow::staff::{self, Deactivated, StaffFilter, StaffView};

#[derive(Deserialize, IntoParams)]
pub struct StaffQuery {
    /// Part of a name or phone number.
    pub q: Option<String>,
    /// official, courier, supervisor or admin.
    pub role: Option<String>,
    /// A jurisdiction code; its whole area.
    pub jurisdiction: Option<String>,
    /// true: active only; false: deactivated only.
    pub active: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct StaffList {
    pub items: Vec<StaffView>,
}

/// Staff accounts, by name (at most 500), phones masked.
#[utoipa::path(get, path = "/api/v1/admin/staff", tag = "admin", params(StaffQuery),
    responses((status = 200, body = StaffList), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<StaffQuery>,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let county = Scope::admin_county(&user);
    let q = q.into_inner();
    let filter = StaffFilter {
        q: q.q,
        role: q.role,
        jurisdiction: q.jurisdiction,
        active: q.active,
    };
    let items = state
        .db
        .read(move |c| staff::list(c, county.as_deref(), &filter))
        .await?;
    Ok(HttpResponse::Ok().json(StaffList { items }))
}

/// Deactivates a staff account: every session ends at once; the answer lists the open
/// cases of the person's jurisdiction, to reassign.
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/deactivate", tag = "admin",
    params(("id" = String, Path)),
    responses((status = 200, body = Deactivated), (status = 404, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn deactivate(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    id: web::Path<String>,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let county = Scope::admin_county(&user);
    let client = crate::routes::audit_client(&req);
    let id = id.into_inner();
    let done = state
        .db
        .write(move |c| staff::deactivate(c, &user.id, county.as_deref(), &client, &id))
        .await?;
    Ok(HttpResponse::Ok().json(done))
}
