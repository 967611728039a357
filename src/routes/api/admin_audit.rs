//! The audit log for administrators.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::CurrentUser;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::read_model::audit::{self, AuditList};
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// A person: account phone (also a phone a failed sign-in named) or a name (part of it).
    pub user: Option<String>,
    /// A case number, e.g. `ZM2026000123`.
    pub case: Option<String>,
    /// One action, e.g. `staff_change` (the `action` of the entries).
    pub action: Option<String>,
    /// First day, `YYYY-MM-DD` (China time), included.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (China time), included.
    pub to: Option<String>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1–200 (default 50).
    pub limit: Option<i64>,
}

/// The audit log, newest first: sign-ins (failed ones too), staff downloads of
/// certificates, reveals of ID numbers, staff views of documents, account changes,
/// delivery-code locks — who, what, when, from where. Admins only.
#[utoipa::path(get, path = "/api/v1/admin/audit", tag = "admin", params(AuditQuery),
    responses((status = 200, body = AuditList), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let county = crate::auth::scope::Scope::admin_county(&user);
    let q = q.into_inner();
    let limit = q.limit.unwrap_or(50);
    let page = state
        .db
        .read(move |c| {
            let narrow = audit::Narrow {
                action: q.action,
                from: q.from,
                to: q.to,
                county,
            };
            audit::list_narrowed(c, q.user, q.case, &narrow, q.cursor.as_deref(), limit)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
