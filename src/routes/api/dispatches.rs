//! The courier's dispatch list and delivery events.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::views::{DispatchList, DispatchView};
use crate::auth::CurrentUser;
use crate::db::{catalog, dispatches};
use crate::domain::dispatch::{DispatchEvent, DispatchStatus};
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::startup::AppState;
use crate::workflow::courier::{record, scope_of, CourierInput};

#[derive(Deserialize, IntoParams)]
pub struct DispatchQuery {
    /// Comma-separated statuses; default: the open ones (not delivered or returned).
    pub status: Option<String>,
}

/// The dispatch list: a courier's area (and anything assigned to them), or the
/// jurisdiction's for staff. Sorted by village, oldest first.
#[utoipa::path(get, path = "/api/v1/dispatches", tag = "dispatches", params(DispatchQuery),
    responses((status = 200, body = DispatchList)), security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<DispatchQuery>,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Courier, Role::Official, Role::Supervisor, Role::Admin])?;
    let statuses: Vec<String> = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(list) => list
            .split(',')
            .map(|s| {
                DispatchStatus::parse(s.trim())
                    .map(|st| st.as_str().to_owned())
                    .ok_or_else(|| {
                        AppError::field(
                            "status",
                            Invalid::new(format!("未知状态“{s}”"), format!("Unknown status '{s}'")),
                        )
                    })
            })
            .collect::<Result<_, _>>()?,
        None => DispatchStatus::ALL
            .iter()
            .filter(|s| !s.is_terminal())
            .map(|s| s.as_str().to_owned())
            .collect(),
    };
    let scope = scope_of(&user);
    let items = state
        .db
        .read(move |c| {
            let rows = dispatches::list(c, &scope, &statuses, 500)?;
            let codes: Vec<&str> = rows.iter().map(|d| d.village_code.as_str()).collect();
            let names = catalog::jurisdiction_names(c, &codes)?;
            Ok::<_, AppError>(
                rows.iter()
                    .map(|d| {
                        DispatchView::new(
                            d,
                            names.get(&d.village_code).cloned().unwrap_or_default(),
                        )
                    })
                    .collect(),
            )
        })
        .await?;
    Ok(HttpResponse::Ok().json(DispatchList { items }))
}

#[derive(Deserialize, ToSchema)]
pub struct DispatchEventRequest {
    /// pick_up, out_for_delivery, fail, deliver or return.
    pub event: Option<String>,
    pub version: Option<i32>,
    /// For `fail`: not_home, refused, wrong_address, address_not_found or other.
    pub reason: Option<String>,
    /// For `fail` with reason `other`: what happened.
    pub reason_text: Option<String>,
    /// For `deliver`: the one-time code the recipient received by SMS.
    pub code: Option<String>,
    /// For `deliver`: who signed for it.
    pub signer: Option<String>,
}

/// Record a courier event on a dispatch.
#[utoipa::path(post, path = "/api/v1/dispatches/{id}/events", tag = "dispatches", params(("id" = String, Path)),
    request_body = DispatchEventRequest,
    responses((status = 200, body = DispatchView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(name = "dispatch_event", skip_all, fields(user_id = %user.id, dispatch_id = %path))]
pub async fn post_event(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<DispatchEventRequest>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let b = body.into_inner();
    let event = DispatchEvent::parse(b.event.as_deref().unwrap_or(""))
        .map_err(|e| AppError::field("event", e))?;
    let version = b.version.ok_or_else(|| {
        AppError::field(
            "version",
            Invalid::new("缺少版本号（version）", "version is required"),
        )
    })?;
    let input = CourierInput {
        event,
        version,
        reason: b.reason,
        reason_text: b.reason_text,
        code: b.code,
        signer: b.signer,
    };
    let max = state.services.max_delivery_attempts;
    let view = state
        .db
        .write(move |c| {
            let d = record(c, &user, &id, input, max)?;
            let names = catalog::jurisdiction_names(c, &[&d.village_code])?;
            Ok::<_, AppError>(DispatchView::new(
                &d,
                names.get(&d.village_code).cloned().unwrap_or_default(),
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
