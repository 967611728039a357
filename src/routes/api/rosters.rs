//! Rosters (issue 16): admins import the rosters other departments keep and list the
//! imports. The file is the request body as it is (UTF-8 or GBK CSV), its facts in the
//! query string, so a spreadsheet export is sent unchanged.

use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::CurrentUser;
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::workflow::rosters::{self, ImportInput, RosterImportView};

/// The largest roster file: a county's household register extract runs to a few MB.
pub const MAX_ROSTER_BYTES: usize = 32 * 1024 * 1024;

#[derive(Deserialize, IntoParams)]
pub struct ImportQuery {
    /// `dibao`, `tekun` or `hukou`.
    pub kind: Option<String>,
    /// Who keeps the list, e.g. 东丰县民政局.
    pub source: Option<String>,
    /// The day the list was true, `YYYY-MM-DD`.
    pub as_of: Option<String>,
    /// The county's 6-digit code; an admin of a county may leave it out.
    pub county: Option<String>,
}

/// The imports, newest first (of the admin's county; all for an admin without one).
/// Never the rows.
#[utoipa::path(get, path = "/api/v1/admin/rosters", tag = "admin",
    responses((status = 200, body = Vec<RosterImportView>), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(state: web::Data<AppState>, user: CurrentUser) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let rows = state.db.read(move |c| rosters::list(c, &user)).await?;
    Ok(HttpResponse::Ok().json(rows))
}

/// Import a roster: the body is the CSV file (UTF-8 with or without BOM, or GBK) with
/// the header row of its kind — dibao `name,id_number,dibao_number,category,people,monthly_amount,since`,
/// tekun `name,id_number,tekun_number,category,since`, hukou
/// `id_number,name,village_code,household_head,relation`. A bad row refuses the whole
/// file, naming its line; a good file replaces the county's roster of that kind.
#[utoipa::path(post, path = "/api/v1/admin/rosters", tag = "admin", params(ImportQuery),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 201, body = RosterImportView), (status = 403, body = crate::error::ErrorBody),
              (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn import(
    state: web::Data<AppState>,
    user: CurrentUser,
    req: HttpRequest,
    q: web::Query<ImportQuery>,
    mut body: web::Payload,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| {
            AppError::BadRequest(Invalid::new(
                format!("文件未完整收到：{e}"),
                format!("The file was not received in full: {e}"),
            ))
        })?;
        if bytes.len() + chunk.len() > MAX_ROSTER_BYTES {
            return Err(AppError::TooLarge(Invalid::new(
                "名册文件不能超过32 MB",
                "A roster file may be at most 32 MB",
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    let q = q.into_inner();
    let input = ImportInput {
        kind: q.kind.unwrap_or_default(),
        source: q.source.unwrap_or_default(),
        as_of: q.as_of.unwrap_or_default(),
        county: q.county,
        bytes,
    };
    let client = crate::routes::audit_client(&req);
    let keys = state.services.data_keys.clone();
    let done = state
        .db
        .write(move |c| rosters::import(c, &keys, Some(&user), &client, input))
        .await?;
    Ok(HttpResponse::Created().json(done))
}
