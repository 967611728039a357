//! The courier's dispatch list and delivery events.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::db::{catalog, dispatches};
use crate::domain::calendar::{china_date, end_of_china_day};
use crate::domain::dispatch::{DispatchEvent, DispatchStatus};
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::pdf::label::{render_label, LabelContent};
use crate::pdf::manifest::{render_manifest, ManifestContent, ManifestStop};
use crate::read_model;
use crate::read_model::views::{DispatchList, DispatchView};
use crate::state::AppState;
use crate::verify::mask::mask_name;
use crate::workflow::audit;
use crate::workflow::courier::{reissue_code, run, scope_of, CourierInput};

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
        None => read_model::dispatches::open_statuses(),
    };
    let items = state
        .db
        .read(move |c| read_model::dispatches::list(c, &user, &statuses))
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
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody),
              (status = 429, description = "Too many wrong delivery codes: the dispatch is locked until the office sends a new code",
               body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(name = "dispatch_event", skip_all, fields(user_id = %user.id, dispatch_id = %path))]
pub async fn post_event(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    req: HttpRequest,
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
    let client = crate::routes::audit_client(&req);
    let view = state
        .db
        .with_writer(move |c| {
            let d = run(c, &user, &id, input, max, &client)?;
            let names = catalog::jurisdiction_names(c, &[&d.village_code])?;
            Ok::<_, AppError>(DispatchView::for_role(
                &d,
                names.get(&d.village_code).cloned().unwrap_or_default(),
                user.role,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Send the recipient a new delivery code by SMS (an official of the dispatch's area):
/// the old code stops working, and a dispatch locked by too many wrong codes unlocks.
#[utoipa::path(post, path = "/api/v1/dispatches/{id}/code", tag = "dispatches", params(("id" = String, Path)),
    responses((status = 200, body = DispatchView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(name = "dispatch_code", skip_all, fields(user_id = %user.id, dispatch_id = %path))]
pub async fn new_code(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let client = crate::routes::audit_client(&req);
    let view = state
        .db
        .write(move |c| {
            let d = reissue_code(c, &user, &id, &client)?;
            let names = catalog::jurisdiction_names(c, &[&d.village_code])?;
            Ok::<_, AppError>(DispatchView::for_role(
                &d,
                names.get(&d.village_code).cloned().unwrap_or_default(),
                user.role,
            ))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

fn pdf_response(bytes: Vec<u8>, filename: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{filename}\""),
        ))
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}

async fn render<F>(f: F) -> AppResult<Vec<u8>>
where
    F: FnOnce() -> Result<Vec<u8>, crate::pdf::PdfError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::from)
}

/// The dispatch label (A6 PDF): Code128 tracking number, recipient, address, QR.
#[utoipa::path(get, path = "/api/v1/dispatches/{id}/label.pdf", tag = "dispatches",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn label(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Courier, Role::Official, Role::Supervisor, Role::Admin])?;
    let id = path.into_inner();
    let scope = scope_of(&user);
    let courier = user.role == Role::Courier;
    let content = state
        .db
        .read(move |c| {
            let d = dispatches::find(c, &id, &scope)?.ok_or_else(AppError::not_found)?;
            let cert = dispatches::certificate_of(c, &d.application_id)?
                .ok_or_else(|| AppError::internal("dispatch without certificate"))?;
            let names = catalog::jurisdiction_names(
                c,
                &[&d.county_code, &d.township_code, &d.village_code],
            )?;
            let name = |k: &str| names.get(k).cloned().unwrap_or_default();
            Ok::<_, AppError>(LabelContent {
                tracking_number: d.tracking_number.clone(),
                // A courier carries the masked name (least privilege, issue 14).
                recipient: if courier {
                    mask_name(&d.recipient)
                } else {
                    d.recipient.clone()
                },
                phone: d.phone.clone(),
                address: d.address.clone(),
                village: name(&d.village_code),
                sender: crate::workflow::issue::office_name(
                    &name(&d.county_code),
                    &name(&d.township_code),
                ),
                certificate_number: cert.number,
            })
        })
        .await?;
    let client = crate::routes::audit_client(&req);
    audit::delivery_printed(
        &state,
        &user,
        &client,
        audit::action::DOWNLOAD_LABEL,
        &content.tracking_number,
    )
    .await?;
    let font = state.services.font.clone();
    let file = format!("{}.pdf", content.tracking_number);
    let bytes = render(move || render_label(&font, &content)).await?;
    Ok(pdf_response(bytes, &file))
}

#[derive(Deserialize, IntoParams)]
pub struct ManifestQuery {
    /// YYYY-MM-DD (China time); default today.
    pub date: Option<String>,
}

/// The courier's printable manifest for a day: open stops and those finished that
/// day, grouped by village, with a column for the signer's name.
#[utoipa::path(get, path = "/api/v1/dispatches/manifest.pdf", tag = "dispatches",
    params(ManifestQuery),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>),
              (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn manifest(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<ManifestQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Courier, Role::Official, Role::Supervisor, Role::Admin])?;
    let today = china_date(crate::db::models::now().and_utc());
    let day = match q.date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => today,
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            AppError::field(
                "date",
                Invalid::new(
                    "日期格式应为YYYY-MM-DD",
                    "The date must be written YYYY-MM-DD",
                ),
            )
        })?,
    };
    let until = end_of_china_day(day).naive_utc();
    let scope = scope_of(&user);
    let masked = user.role == Role::Courier;
    let courier = user.name.clone();
    let content = state
        .db
        .read(move |c| {
            let rows = dispatches::for_manifest(c, &scope, until, 2000)?;
            let codes: Vec<&str> = rows.iter().map(|d| d.village_code.as_str()).collect();
            let names = catalog::jurisdiction_names(c, &codes)?;
            let mut villages: Vec<(String, Vec<ManifestStop>)> = Vec::new();
            for d in rows {
                let status = DispatchStatus::parse(&d.status);
                // A finished stop belongs to the day it was finished.
                let finished_day = china_date(d.updated_at.and_utc());
                if status.is_some_and(|s| s.is_terminal()) && finished_day != day {
                    continue;
                }
                let village = names.get(&d.village_code).cloned().unwrap_or_default();
                let stop = ManifestStop {
                    tracking_number: d.tracking_number,
                    recipient: if masked {
                        mask_name(&d.recipient)
                    } else {
                        d.recipient
                    },
                    phone: d.phone,
                    address: d.address,
                    status_zh: status.map(|s| s.label_zh()).unwrap_or("").to_owned(),
                    signer: d.signer,
                };
                match villages.last_mut() {
                    Some((v, stops)) if *v == village => stops.push(stop),
                    _ => villages.push((village, vec![stop])),
                }
            }
            Ok::<_, AppError>(ManifestContent {
                courier,
                date_zh: crate::pdf::chinese_date(day),
                villages,
            })
        })
        .await?;
    let client = crate::routes::audit_client(&req);
    audit::delivery_printed(
        &state,
        &user,
        &client,
        audit::action::DOWNLOAD_MANIFEST,
        &day.to_string(),
    )
    .await?;
    let font = state.services.font.clone();
    let bytes = render(move || render_manifest(&font, &content)).await?;
    Ok(pdf_response(bytes, &format!("manifest-{day}.pdf")))
}
