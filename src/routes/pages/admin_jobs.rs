//! The admin's background jobs page (issue 15): failed jobs with their last error, and
//! a button to put one back in the queue (as `POST /api/v1/admin/jobs/{id}/retry`).

use actix_web::web;
use serde_json::json;

use super::ctx::Ctx;
use super::error::PageResult;
use crate::db::jobs;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::routes::api::admin_jobs::retry_failed;

type Form = web::Form<Vec<(String, String)>>;

pub async fn list(ctx: Ctx) -> PageResult {
    ctx.require(&[Role::Admin])?;
    let rows = ctx
        .state
        .db
        .read(|c| Ok::<_, AppError>(jobs::list(c, "failed", 200)?))
        .await
        .map_err(|e| ctx.fail(e))?;
    // The payload is left out: it may name people.
    let items: Vec<_> = rows
        .into_iter()
        .map(|j| {
            json!({"id": j.id, "kind": j.kind, "attempts": j.attempts,
                   "last_error": j.last_error,
                   "updated_at": j.updated_at.format("%Y-%m-%d %H:%M").to_string()})
        })
        .collect();
    Ok(ctx.ok("admin_jobs", json!({"jobs": items})))
}

pub async fn retry(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let user = ctx.require(&[Role::Admin])?.id.clone();
    let id = path.into_inner();
    let job = ctx
        .state
        .db
        .write(move |c| retry_failed(c, &id))
        .await
        .map_err(|e| ctx.fail(e))?;
    tracing::info!(job = %job.id, admin = %user, "job queued again");
    Ok(ctx.redirect("/admin/jobs", Some(("ok", "job_retried"))))
}
