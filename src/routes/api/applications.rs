//! Applications: create, list, read, edit.

use actix_web::{web, HttpRequest, HttpResponse};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDateTime;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{CurrentUser, Scope};
use crate::db::applications::{self, ListFilter};
use crate::db::models::now;
use crate::domain::id_number::IdNumber;
use crate::domain::role::Role;
use crate::domain::status::ApplicationStatus;
use crate::domain::{text, Invalid};
use crate::error::Fields;
use crate::error::{AppError, AppResult};
use crate::read_model::detail::{self, at_risk_until};
use crate::read_model::views::{ApplicationDetail, ApplicationList, ApplicationSummary};
use crate::state::AppState;
use crate::workflow::audit;
use crate::workflow::drafts::{self, DeliveryInput, DraftInput, DraftPatch, SubjectInput};

#[derive(Deserialize, ToSchema)]
pub struct CreateApplicationRequest {
    /// Certificate type code, e.g. `poverty`.
    #[serde(rename = "type")]
    pub type_code: Option<String>,
    /// The village (community) code the applicant belongs to.
    pub jurisdiction: Option<String>,
    /// The person the certificate is about; defaults to the signed-in resident.
    pub subject: Option<SubjectInput>,
    /// The type's form fields by name.
    #[schema(value_type = Object)]
    pub form: Option<serde_json::Value>,
    pub delivery: Option<DeliveryInput>,
}

#[derive(Deserialize, ToSchema)]
pub struct PatchApplicationRequest {
    /// The version you read; a stale one is refused with 409.
    pub version: Option<i32>,
    pub subject: Option<SubjectInput>,
    #[schema(value_type = Option<Object>)]
    pub form: Option<serde_json::Value>,
    pub delivery: Option<DeliveryInput>,
}

/// Create a draft application.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = CreateApplicationRequest,
    responses((status = 201, body = ApplicationDetail), (status = 422, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
#[tracing::instrument(name = "create_application", skip_all, fields(user_id = %user.id))]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CreateApplicationRequest>,
) -> AppResult<HttpResponse> {
    crate::workflow::proxy::may_apply(&user)?;
    let b = body.into_inner();
    let mut f = Fields::default();
    let type_code = f.take(
        "type",
        text::required(
            b.type_code.as_deref().unwrap_or(""),
            "证明类型",
            "The certificate type",
            50,
        ),
    );
    let village = f.take(
        "jurisdiction",
        text::required(
            b.jurisdiction.as_deref().unwrap_or(""),
            "所在村（社区）",
            "The village",
            12,
        ),
    );
    let delivery = b.delivery.unwrap_or_default().parse(&mut f);
    let subject = b.subject.unwrap_or_default();
    let proxy = subject.proxy(&mut f);
    let (subject_name, subject_id) = subject.parse(&mut f);
    f.finish()?;
    let (Some(type_code), Some(village), Some(delivery)) = (type_code, village, delivery) else {
        return Err(AppError::internal("validated fields missing"));
    };
    let form = b.form.unwrap_or_else(|| serde_json::json!({}));
    let me = user.clone();
    let per_day = state.services.quotas.drafts_per_day;
    let keys = state.services.data_keys.clone();
    let read_keys = keys.clone();
    let app = state
        .db
        .write(move |c| {
            let input = DraftInput {
                type_code,
                village_code: village,
                subject_name,
                subject_id,
                form,
                delivery,
                proxy,
            };
            drafts::create(c, &keys, &me, input, per_day)
        })
        .await?;
    // Read after the commit, from the read pool: the write lock is held for the insert
    // only (issue 20).
    let detail = state
        .db
        .read(move |c| detail::load(c, &read_keys, &user, &app.id, None))
        .await?;
    Ok(HttpResponse::Created().json(detail))
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Comma-separated statuses, e.g. `submitted,under_review`.
    pub status: Option<String>,
    #[serde(rename = "type")]
    pub type_code: Option<String>,
    /// Village code.
    pub village: Option<String>,
    /// `true`: only cases past their node deadline.
    pub overdue: Option<bool>,
    /// `true`: only open cases with one working day or less left (not yet overdue).
    pub at_risk: Option<bool>,
    /// Only cases about the person with this ID number (exact; looked up by its keyed
    /// blind index, as the numbers are stored encrypted).
    pub id_number: Option<String>,
    pub cursor: Option<String>,
    /// Page size, 1–100 (default 50).
    pub limit: Option<i64>,
}

fn encode_cursor(t: NaiveDateTime, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{id}", t.and_utc().timestamp_micros()))
}

fn decode_cursor(s: &str) -> Option<(NaiveDateTime, String)> {
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
    let (t, id) = raw.split_once('|')?;
    let t = chrono::DateTime::from_timestamp_micros(t.parse().ok()?)?.naive_utc();
    Some((t, id.to_owned()))
}

/// List applications: a resident's own (newest first) or the staff's queue in their
/// jurisdiction (earliest node deadline first). Keyset pagination.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications", params(ListQuery),
    responses((status = 200, body = ApplicationList), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<ListQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require_role(Role::CASE_READERS)?;
    let q = q.into_inner();
    let mut statuses = Vec::new();
    for s in q
        .status
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let st = ApplicationStatus::parse(s).ok_or_else(|| {
            AppError::field(
                "status",
                Invalid::new(format!("未知状态“{s}”"), format!("Unknown status '{s}'")),
            )
        })?;
        statuses.push(st.as_str().to_owned());
    }
    let after = match q.cursor.as_deref() {
        Some(c) => Some(decode_cursor(c).ok_or_else(|| {
            AppError::field(
                "cursor",
                Invalid::new(
                    "翻页参数无效，请从第一页重新查看",
                    "Invalid cursor; start from the first page",
                ),
            )
        })?),
        None => None,
    };
    let limit = q.limit.unwrap_or(50).clamp(1, 100);
    let subject_index = match q.id_number.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(s) => Some(
            state.services.data_keys.blind_index(
                IdNumber::parse(s)
                    .map_err(|e| AppError::field("id_number", e))?
                    .as_str(),
            ),
        ),
        None => None,
    };
    if let (Some(ix), true) = (&subject_index, user.role.is_staff()) {
        let (ix, me) = (ix.clone(), user.clone());
        let client = crate::routes::audit_client(&req);
        state
            .db
            .write(move |c| crate::workflow::id_numbers::log_search(c, &me, &ix, &client))
            .await?;
    }
    let t = now();
    let filter = ListFilter {
        statuses,
        type_code: q.type_code,
        village: q.village,
        overdue_at: q.overdue.unwrap_or(false).then_some(t),
        at_risk: None,
        after,
        subject_index,
        limit,
    };
    let want_at_risk = q.at_risk.unwrap_or(false);
    let scope = Scope::of(&user);
    let own = matches!(scope, Scope::Own(_));
    let keys = state.services.data_keys.clone();
    let (rows, until) = state
        .db
        .read(move |c| {
            let mut filter = filter;
            let until = at_risk_until(c, t);
            if want_at_risk {
                // A year without calendar data cannot answer "at risk": say so.
                filter.at_risk = Some((t, at_risk_until(c, t)?));
            }
            let rows = applications::list(c, &scope, &filter)?;
            Ok::<_, AppError>((rows, until.ok()))
        })
        .await?;
    let next_cursor = (rows.len() as i64 == limit).then(|| {
        rows.last()
            .map(|r| {
                encode_cursor(
                    if own {
                        r.app.created_at
                    } else {
                        r.app.node_deadline
                    },
                    &r.app.id,
                )
            })
            .unwrap_or_default()
    });
    let items = rows
        .into_iter()
        .map(|r| {
            let mut s = ApplicationSummary::new(&r.app, &keys, r.type_name, r.village_name, t);
            s.flag_at_risk(&r.app, t, until);
            s
        })
        .collect();
    Ok(HttpResponse::Ok().json(ApplicationList { items, next_cursor }))
}

#[derive(Deserialize, IntoParams)]
pub struct DetailQuery {
    /// Staff: `true` shows the full ID number (the access is logged).
    pub reveal: Option<bool>,
}

/// One application with its form, trail, certificate and dispatch.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = String, Path), DetailQuery),
    responses((status = 200, body = ApplicationDetail), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    q: web::Query<DetailQuery>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    user.require_role(Role::CASE_READERS)?;
    let id = path.into_inner();
    let reveal = q.reveal.unwrap_or(false);
    let keys = state.services.data_keys.clone();
    let detail = if reveal && user.role.is_staff() {
        // Revealing personal data is written to the audit log, so it goes via the writer.
        let client = crate::routes::audit_client(&req);
        state
            .db
            .write(move |c| detail::load(c, &keys, &user, &id, Some(&client)))
            .await?
    } else {
        let (u, id) = (user.clone(), id.clone());
        let d = state
            .db
            .read(move |c| detail::load(c, &keys, &u, &id, None))
            .await?;
        let client = crate::routes::audit_client(&req);
        audit::case_viewed(&state, &user, &client, &d.summary.id).await?;
        d
    };
    Ok(HttpResponse::Ok().json(detail))
}

/// Edit a draft, or a returned application before resubmitting it.
#[utoipa::path(patch, path = "/api/v1/applications/{id}", tag = "applications", params(("id" = String, Path)),
    request_body = PatchApplicationRequest,
    responses((status = 200, body = ApplicationDetail), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn patch(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
    body: web::Json<PatchApplicationRequest>,
) -> AppResult<HttpResponse> {
    let id = path.into_inner();
    let b = body.into_inner();
    let mut f = Fields::default();
    let version = b.version;
    if version.is_none() {
        f.add(
            "version",
            Invalid::new("缺少版本号（version）", "version is required"),
        );
    }
    let mut patch = DraftPatch::default();
    if let Some(s) = b.subject {
        let proxy = s.proxy(&mut f);
        // Only what was sent about the relationship and phone changes them.
        if s.phone.is_some() || s.relationship.is_some() {
            patch.proxy = Some(proxy);
        }
        (patch.subject_name, patch.subject_id) = s.parse(&mut f);
    }
    patch.delivery = b.delivery.and_then(|d| d.parse(&mut f));
    patch.form = b.form;
    f.finish()?;
    patch.version = version.unwrap_or_default();
    let keys = state.services.data_keys.clone();
    let detail = state
        .db
        .write(move |c| {
            drafts::update(c, &keys, &user, &id, patch)?;
            detail::load(c, &keys, &user, &id, None)
        })
        .await?;
    Ok(HttpResponse::Ok().json(detail))
}
