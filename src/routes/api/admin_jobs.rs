//! Background jobs for administrators: list (failed ones by default) and retry.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::CurrentUser;
use crate::db::jobs;
use crate::db::models::{now, Job};
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};
use crate::read_model::views::utc;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
pub struct JobsQuery {
    /// queued, running, done or failed (default failed).
    pub status: Option<String>,
}

/// A job without its payload (which may name people).
#[derive(Serialize, ToSchema)]
pub struct JobView {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct JobList {
    pub items: Vec<JobView>,
}

impl From<Job> for JobView {
    fn from(j: Job) -> Self {
        JobView {
            id: j.id,
            kind: j.kind,
            status: j.status,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            run_at: utc(j.run_at),
            last_error: j.last_error,
            created_at: utc(j.created_at),
            updated_at: utc(j.updated_at),
        }
    }
}

/// List background jobs in one status (newest first, at most 200).
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "admin", params(JobsQuery),
    responses((status = 200, body = JobList), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    q: web::Query<JobsQuery>,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let status = q.status.as_deref().unwrap_or("failed").trim().to_owned();
    if !["queued", "running", "done", "failed"].contains(&status.as_str()) {
        return Err(AppError::field(
            "status",
            Invalid::new(
                "状态只能是 queued、running、done 或 failed",
                "The status must be queued, running, done or failed",
            ),
        ));
    }
    let items = state
        .db
        .read(move |c| Ok::<_, AppError>(jobs::list(c, &status, 200)?))
        .await?;
    Ok(HttpResponse::Ok().json(JobList {
        items: items.into_iter().map(JobView::from).collect(),
    }))
}

/// Put a failed job back in the queue with fresh attempts.
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/retry", tag = "admin",
    params(("id" = String, Path)),
    responses((status = 200, body = JobView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub async fn retry(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    user.require_role(&[Role::Admin])?;
    let id = path.into_inner();
    let job = state.db.write(move |c| retry_failed(c, &id)).await?;
    tracing::info!(job = %job.id, admin = %user.id, "job queued again");
    Ok(HttpResponse::Ok().json(JobView::from(job)))
}

/// Puts failed job `id` back in the queue (the API and the admin's page).
pub fn retry_failed(c: &mut crate::db::DbConn, id: &str) -> AppResult<Job> {
    let job = jobs::find(c, id)?.ok_or_else(AppError::not_found)?;
    if !jobs::retry(c, id, now())? {
        return Err(AppError::conflict(
            "只能重试失败的任务",
            format!(
                "Only a failed job can be retried; this one is {}",
                job.status
            ),
        ));
    }
    jobs::find(c, id)?.ok_or_else(AppError::not_found)
}
