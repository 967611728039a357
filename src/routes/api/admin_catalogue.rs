//! The certificate catalogue for administrators (issue 15): the types with their current
//! version, one type with its version history, a new version, the per-county switch.

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::CurrentUser;
use crate::db::{catalog, type_versions};
use crate::domain::cert_type::CertificateType;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::read_model::views::utc;
use crate::state::AppState;
use crate::workflow::catalogue;

#[derive(Serialize, ToSchema)]
pub struct CatalogueItem {
    pub code: String,
    pub name_zh: String,
    /// The current version (the guide and new applications use it).
    pub version: i32,
    pub active: bool,
    /// Counties (6-digit codes) that have switched the type off.
    pub off_counties: Vec<String>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct CatalogueList {
    pub items: Vec<CatalogueItem>,
}

#[derive(Serialize, ToSchema)]
pub struct VersionView {
    pub version: i32,
    pub created_at: DateTime<Utc>,
    /// The admin's account id; absent for the seed.
    pub created_by: Option<String>,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct CatalogueEntry {
    pub version: i32,
    /// The current version's spec; send it back changed to make the next version.
    pub spec: CertificateType,
    /// Newest first.
    pub versions: Vec<VersionView>,
    pub off_counties: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewVersion {
    /// The whole type as it should be from now on (the code cannot change).
    #[schema(value_type = Object)]
    #[serde(default)]
    pub spec: serde_json::Value,
    /// What changed and why (at most 200 characters), for the history.
    #[serde(default)]
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct VersionCreated {
    pub code: String,
    pub version: i32,
}

#[derive(Deserialize, ToSchema)]
pub struct CountySwitch {
    /// 6-digit county code; a county admin may name only their own county.
    #[serde(default)]
    pub county: String,
    /// false: residents of the county cannot start the type.
    #[serde(default)]
    pub enabled: bool,
}

#[derive(Serialize, ToSchema)]
pub struct CountySwitched {
    pub code: String,
    pub off_counties: Vec<String>,
}

/// Every certificate type with its current version and the counties that switched it off.
#[utoipa::path(get, path = "/api/v1/admin/catalogue", tag = "admin",
    responses((status = 200, body = CatalogueList), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let items = state
        .db
        .read(|c| {
            let rows = type_versions::all_rows(c)?;
            let mut items = Vec::with_capacity(rows.len());
            for r in rows {
                items.push(CatalogueItem {
                    off_counties: type_versions::off_counties(c, &r.code)?,
                    code: r.code,
                    name_zh: r.name_zh,
                    version: r.current_version,
                    active: r.active,
                    updated_at: utc(r.updated_at),
                });
            }
            Ok::<_, AppError>(items)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CatalogueList { items }))
}

/// One type: its current spec and its version history.
#[utoipa::path(get, path = "/api/v1/admin/catalogue/{code}", tag = "admin",
    params(("code" = String, Path)),
    responses((status = 200, body = CatalogueEntry), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let code = path.into_inner();
    let entry = state.db.read(move |c| entry(c, &code)).await?;
    Ok(HttpResponse::Ok().json(entry))
}

/// The type `code` as the admin pages and the API show it.
pub fn entry(c: &mut crate::db::DbConn, code: &str) -> AppResult<CatalogueEntry> {
    let spec = catalog::type_by_code(c, code)?.ok_or_else(AppError::not_found)?;
    let version = type_versions::current_version(c, code)?.ok_or_else(AppError::not_found)?;
    let versions = type_versions::history(c, code)?
        .into_iter()
        .map(|v| VersionView {
            version: v.version,
            created_at: utc(v.created_at),
            created_by: v.created_by,
            note: v.note,
        })
        .collect();
    Ok(CatalogueEntry {
        version,
        spec,
        versions,
        off_counties: type_versions::off_counties(c, code)?,
    })
}

/// A new version of the type: cases already submitted keep theirs. Refused with 422 when
/// the catalogue check fails (naming the problem, e.g. a template placeholder without a
/// field) or when it drops a form field that cases use.
#[utoipa::path(post, path = "/api/v1/admin/catalogue/{code}", tag = "admin",
    params(("code" = String, Path)), request_body = NewVersion,
    responses((status = 201, body = VersionCreated), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn add_version(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<NewVersion>,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let code = path.into_inner();
    let client = crate::routes::audit_client(&req);
    let NewVersion { spec, note } = body.into_inner();
    let c2 = code.clone();
    let version = state
        .db
        .write(move |c| catalogue::add_version(c, &client, &user, &c2, spec, &note))
        .await?;
    Ok(HttpResponse::Created().json(VersionCreated { code, version }))
}

/// Switch the type on or off in a county.
#[utoipa::path(post, path = "/api/v1/admin/catalogue/{code}/counties", tag = "admin",
    params(("code" = String, Path)), request_body = CountySwitch,
    responses((status = 200, body = CountySwitched), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn set_county(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<CountySwitch>,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let code = path.into_inner();
    let client = crate::routes::audit_client(&req);
    let CountySwitch { county, enabled } = body.into_inner();
    let c2 = code.clone();
    let off_counties = state
        .db
        .write(move |c| {
            catalogue::set_county(c, &client, &user, &c2, &county, enabled)?;
            Ok::<_, AppError>(type_versions::off_counties(c, &c2)?)
        })
        .await?;
    Ok(HttpResponse::Ok().json(CountySwitched { code, off_counties }))
}
