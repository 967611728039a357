//! `POST /office/{id}/urge`: the 督办 form on the case page, for supervisors (the same
//! use case as `POST /api/v1/applications/{id}/urge`).

use actix_web::http::StatusCode;
use actix_web::web;
use serde_json::json;

use super::ctx::{field, refused_status, Ctx};
use super::error::PageResult;
use crate::domain::role::Role;
use crate::workflow::urge;

type Form = web::Form<Vec<(String, String)>>;

pub async fn post(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    let user = ctx.require(&[Role::Supervisor])?.clone();
    ctx.check_csrf(&form)?;
    let id = path.into_inner();
    let note = field(&form, "note").to_owned();
    let (u, case, n) = (user.clone(), id.clone(), note.clone());
    match ctx
        .state
        .db
        .with_writer(move |c| urge::run(c, &u, &case, &n))
        .await
    {
        Ok(_) => Ok(ctx.redirect(&format!("/office/{id}"), Some(("ok", "urge")))),
        Err(e) => {
            let Some(problem) = ctx.problem(&e) else {
                return Err(ctx.fail(e));
            };
            let errors = ctx.field_errors(&e).unwrap_or_default();
            let status: StatusCode = refused_status(&e);
            super::office::render_case(
                &ctx,
                &user,
                id,
                status,
                json!({"problem": problem, "errors": {"urge": errors.get("note")},
                       "values": {"urge": note}}),
            )
            .await
        }
    }
}
