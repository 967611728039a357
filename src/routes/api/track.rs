//! Public status lookup by application number and phone (the applicant's account
//! phone or the delivery phone). A wrong pair and an unknown number take the same
//! query and get the same 404; every lookup counts against a per-address limit kept
//! in the database, so it holds across instances (DESIGN §10).

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::views::utc;
use super::Fields;
use crate::db::models::now;
use crate::db::{rate_limits, track};
use crate::domain::phone::Phone;
use crate::domain::status::{Action, ApplicationStatus};
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::startup::AppState;

#[derive(Deserialize, IntoParams)]
pub struct TrackQuery {
    /// Application number, e.g. `ZM2026000123`.
    pub number: Option<String>,
    /// The applicant's account phone or the delivery phone.
    pub phone: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TrackView {
    pub number: String,
    pub type_name: String,
    pub type_name_en: String,
    pub status: String,
    pub status_label: String,
    pub status_label_en: String,
    pub created_at: DateTime<Utc>,
    /// The promised completion date, once submitted.
    pub overall_deadline: Option<DateTime<Utc>>,
    /// The promised date was counted on provisional working days (next year's holiday
    /// notice is not loaded yet) and may move when it is.
    pub deadline_provisional: bool,
    pub timeline: Vec<TrackNode>,
}

#[derive(Serialize, ToSchema)]
pub struct TrackNode {
    pub action: String,
    pub label: String,
    pub label_en: String,
    pub status: String,
    pub at: DateTime<Utc>,
}

fn no_match() -> AppError {
    AppError::NotFound(Invalid::new(
        "未找到匹配的申请，请核对申请编号和手机号",
        "No application matches this number and phone; check both",
    ))
}

/// The client address: the peer, or the first `X-Forwarded-For` entry when the
/// operator says a trusted proxy sets it.
fn client_ip(req: &HttpRequest, trust_forwarded: bool) -> String {
    if trust_forwarded {
        if let Some(first) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
        {
            let first = first.trim();
            if !first.is_empty() {
                return first.to_owned();
            }
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// Public status of an application.
#[utoipa::path(get, path = "/api/v1/track", tag = "applications", params(TrackQuery),
    responses((status = 200, body = TrackView),
              (status = 404, description = "no application matches the pair (also for an unknown number)", body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody),
              (status = 429, body = crate::error::ErrorBody)))]
#[tracing::instrument(name = "track", skip_all)]
pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<TrackQuery>,
) -> AppResult<HttpResponse> {
    let view = lookup(&state, &req, q.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(view))
}

/// The lookup behind the API and the `/track` page: counted against the client's
/// limit first, then validated, then one query.
pub async fn lookup(
    state: &web::Data<AppState>,
    req: &HttpRequest,
    q: TrackQuery,
) -> AppResult<TrackView> {
    let s = state.settings.clone();
    // Only a hash of the address is stored.
    let key = format!(
        "track:{}",
        hex::encode(Sha256::digest(
            client_ip(req, s.trust_forwarded_for).as_bytes()
        ))
    );
    let window = chrono::Duration::seconds(s.track_rate_window_secs.max(1));
    let limit = s.track_rate_limit.max(1);
    let hits = state
        .db
        .write(move |c| Ok::<_, AppError>(rate_limits::hit(c, &key, window, now())?))
        .await?;
    if hits > limit {
        return Err(AppError::TooManyRequests(Invalid::new(
            "查询过于频繁，请稍后再试",
            "Too many lookups; please try again later",
        )));
    }
    let mut f = Fields::default();
    let number = q.number.as_deref().unwrap_or("").trim().to_uppercase();
    if number.is_empty() || number.len() > 32 {
        f.add(
            "number",
            Invalid::new("请输入申请编号", "Enter the application number"),
        );
    }
    let phone = f.take("phone", Phone::parse(q.phone.as_deref().unwrap_or("")));
    f.finish()?;
    let Some(phone) = phone else {
        return Err(AppError::internal("validated phone missing"));
    };
    let phone = phone.as_str().to_owned();
    let found = state
        .db
        .read(move |c| Ok::<_, AppError>(track::find(c, &number, &phone)?))
        .await?
        .ok_or_else(no_match)?;
    let status = ApplicationStatus::parse(&found.status);
    let view = TrackView {
        number: found.number,
        type_name: found.type_name,
        type_name_en: found.type_name_en,
        status_label: status.map(|s| s.label_zh()).unwrap_or("").into(),
        status_label_en: status.map(|s| s.label_en()).unwrap_or("").into(),
        status: found.status,
        created_at: utc(found.created_at),
        overall_deadline: found.overall_deadline.map(utc),
        deadline_provisional: found.deadline_provisional,
        timeline: found
            .events
            .into_iter()
            .map(|(action, to, at)| {
                let a = Action::parse(&action);
                TrackNode {
                    label: a.map(|a| a.label_zh()).unwrap_or("创建").into(),
                    label_en: a.map(|a| a.label_en()).unwrap_or("Created").into(),
                    action,
                    status: to,
                    at: utc(at),
                }
            })
            .collect(),
    };
    Ok(view)
}
