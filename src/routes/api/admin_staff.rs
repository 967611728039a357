//! Staff accounts for administrators (issue 15): list and search, add, import, change,
//! reset a password, deactivate. A county's
//! admin sees and changes that county's staff only (others are not found).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{CurrentUser, Scope};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::workflow::staff::{self, Deactivated, StaffFilter, StaffView};
use crate::workflow::staff_accounts::{self, NewStaff};

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

fn actor(user: &CurrentUser, req: &HttpRequest) -> staff_accounts::Actor {
    staff_accounts::Actor {
        user_id: Some(user.id.clone()),
        county: Scope::admin_county(user),
        client: crate::routes::audit_client(req),
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStaffRequest {
    /// official, courier, supervisor or admin.
    pub role: String,
    pub phone: String,
    pub name: String,
    /// A jurisdiction code; required except for admins.
    #[serde(default)]
    pub jurisdiction: Option<String>,
}

/// Adds a staff account. The answer carries its one-time password, shown this once: the
/// person must change it at the first sign-in.
#[utoipa::path(post, path = "/api/v1/admin/staff", tag = "admin",
    request_body = NewStaffRequest,
    responses((status = 201, body = NewStaff), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn add(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    body: web::Json<NewStaffRequest>,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let b = body.into_inner();
    let made = staff_accounts::add_one(
        &state.db,
        actor(&user, &req),
        &b.role,
        &b.phone,
        &b.name,
        b.jurisdiction.as_deref().unwrap_or(""),
    )
    .await?;
    Ok(HttpResponse::Created().json(made))
}

#[derive(Serialize, ToSchema)]
pub struct StaffImported {
    /// One per row, in the file's order, each with its one-time password (shown once).
    pub created: Vec<NewStaff>,
}

/// Imports staff from CSV `role,phone,name,jurisdiction` (UTF-8 or GBK, a header line
/// allowed), in one transaction: a bad row refuses the whole file, naming the row.
#[utoipa::path(post, path = "/api/v1/admin/staff/import", tag = "admin",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = StaffImported), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn import(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let created = staff_accounts::import_csv(&state.db, actor(&user, &req), &body).await?;
    Ok(HttpResponse::Ok().json(StaffImported { created }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffChange {
    /// The new role (official, courier, supervisor or admin); absent: unchanged.
    pub role: Option<String>,
    /// The new jurisdiction code; absent: unchanged; empty: none (admins only).
    pub jurisdiction: Option<String>,
}

/// Changes a staff account's role or jurisdiction (audited as staff_change).
#[utoipa::path(patch, path = "/api/v1/admin/staff/{id}", tag = "admin",
    params(("id" = String, Path)), request_body = StaffChange,
    responses((status = 200, body = StaffView), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn change(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<StaffChange>,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let a = actor(&user, &req);
    let id = id.into_inner();
    let b = body.into_inner();
    let view = state
        .db
        .write(move |c| {
            staff_accounts::change(
                c,
                &user.id,
                a.county.as_deref(),
                &a.client,
                &id,
                b.role.as_deref(),
                b.jurisdiction.as_deref(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct StaffPasswordResetRequest {
    /// Send the one-time password by SMS to the person's own phone instead of showing it
    /// in the answer (`one_time_password` is then empty, `sent_by_sms` true).
    pub send_sms: Option<bool>,
}

/// Resets a staff account's password: the answer carries a one-time password, shown this
/// once (or, with `send_sms`, sent to the person's phone and shown to no one); the
/// person's sessions end and the password must be changed at the next sign-in. The body
/// is optional.
#[utoipa::path(post, path = "/api/v1/admin/staff/{id}/password-reset", tag = "admin",
    params(("id" = String, Path)), request_body(content = Option<StaffPasswordResetRequest>),
    responses((status = 200, body = NewStaff), (status = 400, body = crate::error::ErrorBody),
        (status = 404, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn reset_password(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    // The body is optional, but one that does not parse is refused: falling back to
    // the default would show the password that was meant to go by SMS.
    let by_sms = if body.iter().all(u8::is_ascii_whitespace) {
        false
    } else {
        serde_json::from_slice::<StaffPasswordResetRequest>(&body)
            .map_err(|_| {
                AppError::BadRequest(crate::domain::Invalid::new(
                    "请求内容不是有效的 JSON：可选字段只有 send_sms（true 或 false）",
                    "The body is not valid JSON: the only optional field is send_sms (true or false)",
                ))
            })?
            .send_sms
            .unwrap_or(false)
    };
    let done =
        staff_accounts::reset(&state.db, actor(&user, &req), id.into_inner(), by_sms).await?;
    Ok(HttpResponse::Ok().json(done))
}
