//! Jurisdictions for administrators (issue 15): the list with inactive ones, the import
//! of official division codes (a preview, then the import itself; the body is the CSV
//! file as it is, UTF-8 or GBK), and one village added or renamed at a time. A county's
//! admin works within that county only.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{CurrentUser, Scope};
use crate::db::jurisdictions;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::state::AppState;
use crate::workflow::jurisdictions::{
    add_or_rename, import, DivisionChange, ImportPlan, Importer, One,
};

#[derive(Serialize, ToSchema)]
pub struct AdminJurisdiction {
    pub code: String,
    pub name: String,
    /// county, township or village.
    pub level: String,
    pub parent_code: Option<String>,
    /// False: no longer in the official list; kept for its cases, not offered anew.
    pub active: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AdminJurisdictionList {
    pub items: Vec<AdminJurisdiction>,
}

/// Every jurisdiction the admin manages (a county admin: that county), inactive ones too.
#[utoipa::path(get, path = "/api/v1/admin/jurisdictions", tag = "admin",
    responses((status = 200, body = AdminJurisdictionList), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let prefix = Scope::admin_county(&user).unwrap_or_default();
    let rows = state
        .db
        .read(move |c| jurisdictions::under(c, &prefix).map_err(crate::error::AppError::from))
        .await?;
    Ok(HttpResponse::Ok().json(AdminJurisdictionList {
        items: rows
            .into_iter()
            .map(|j| AdminJurisdiction {
                code: j.code,
                name: j.name,
                level: j.level,
                parent_code: j.parent_code,
                active: j.active,
            })
            .collect(),
    }))
}

async fn run_import(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    body: web::Bytes,
    apply: bool,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let client = crate::routes::audit_client(&req);
    let county = Scope::admin_county(&user);
    let plan = state
        .db
        .write(move |c| {
            let who = Importer {
                user_id: Some(&user.id),
                county: county.as_deref(),
                client: &client,
            };
            import(c, &who, &body, apply)
        })
        .await?;
    Ok(HttpResponse::Ok().json(plan))
}

/// What importing this CSV (`code,name`, UTF-8 or GBK) would change: added, renamed,
/// deactivated (missing from the file), reactivated. Changes nothing.
#[utoipa::path(post, path = "/api/v1/admin/jurisdictions/import/preview", tag = "admin",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportPlan), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn preview(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    run_import(state, user, req, body, false).await
}

/// Imports the CSV (`code,name`) in one transaction: a bad row (bad code, a parent
/// neither in the file nor in the system, a code twice) refuses the whole file, naming
/// the line. Importing the same file again changes nothing.
#[utoipa::path(post, path = "/api/v1/admin/jurisdictions/import", tag = "admin",
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportPlan), (status = 422, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn import_file(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    body: web::Bytes,
) -> AppResult<HttpResponse> {
    run_import(state, user, req, body, true).await
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewJurisdiction {
    /// 9 (township) or 12 (village) digits; its parent must exist.
    pub code: String,
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JurisdictionRename {
    pub name: String,
}

async fn one(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    code: String,
    name: String,
    mode: One,
) -> AppResult<DivisionChange> {
    user.require_role(&[Role::Admin])?;
    let client = crate::routes::audit_client(&req);
    let county = Scope::admin_county(&user);
    state
        .db
        .write(move |c| {
            let who = Importer {
                user_id: Some(&user.id),
                county: county.as_deref(),
                client: &client,
            };
            add_or_rename(c, &who, &code, &name, mode)
        })
        .await
}

/// Adds one township or village (its parent must exist).
#[utoipa::path(post, path = "/api/v1/admin/jurisdictions", tag = "admin",
    request_body = NewJurisdiction,
    responses((status = 201, body = DivisionChange), (status = 409, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn add(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    body: web::Json<NewJurisdiction>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let change = one(state, user, req, b.code, b.name, One::Add).await?;
    Ok(HttpResponse::Created().json(change))
}

/// Renames one jurisdiction; the code stays, so its cases and history stay with it.
#[utoipa::path(patch, path = "/api/v1/admin/jurisdictions/{code}", tag = "admin",
    params(("code" = String, Path)), request_body = JurisdictionRename,
    responses((status = 200, body = DivisionChange), (status = 404, body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn rename(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    code: web::Path<String>,
    body: web::Json<JurisdictionRename>,
) -> AppResult<HttpResponse> {
    let change = one(
        state,
        user,
        req,
        code.into_inner(),
        body.into_inner().name,
        One::Rename,
    )
    .await?;
    Ok(HttpResponse::Ok().json(change))
}
