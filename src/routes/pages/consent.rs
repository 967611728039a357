//! The subject's consent on the case page of a draft made for someone else (issue 16,
//! 代办): a button that sends the code to the person's phone and a field for the code
//! they read out. The use cases are the API's ([`crate::workflow::proxy`]).

use actix_web::{web, ResponseError};
use serde_json::json;

use super::ctx::{field, Ctx};
use super::error::PageResult;
use crate::error::AppError;
use crate::routes::client_ip;
use crate::workflow::proxy;

type Form = web::Form<Vec<(String, String)>>;

pub async fn send_code(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    let user = ctx.require_applicant()?.clone();
    ctx.check_csrf(&form)?;
    let id = path.into_inner();
    let client = client_ip(&ctx.req, ctx.state.settings.trust_forwarded_for);
    match proxy::send_code(&ctx.state, &user, &id, &client).await {
        Ok(()) => Ok(ctx.redirect(
            &format!("/my/{id}#consent"),
            Some(("ok", "consent_code_sent")),
        )),
        Err(e) => problem(&ctx, id, e).await,
    }
}

pub async fn confirm(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    let user = ctx.require_applicant()?.clone();
    ctx.check_csrf(&form)?;
    let id = path.into_inner();
    match proxy::confirm_code(&ctx.state, &user, &id, field(&form, "code")).await {
        Ok(()) => Ok(ctx.redirect(&format!("/my/{id}#consent"), Some(("ok", "consent_given")))),
        Err(e) => problem(&ctx, id, e).await,
    }
}

/// The case page again with what went wrong next to the consent form; anything the
/// page cannot explain (not found, forbidden) is an error page.
async fn problem(ctx: &Ctx, id: String, e: AppError) -> PageResult {
    if matches!(e, AppError::Forbidden(_) | AppError::NotFound(_)) {
        return Err(ctx.fail(e));
    }
    // A wrong code or a missing phone says exactly that, not "check the form".
    let text = match &e {
        AppError::Validation(fields) => Some(
            fields
                .values()
                .map(|m| ctx.msg(m))
                .collect::<Vec<_>>()
                .join("；"),
        ),
        _ => ctx.problem(&e),
    };
    let Some(text) = text else {
        return Err(ctx.fail(e));
    };
    let user = ctx
        .user
        .clone()
        .ok_or_else(|| ctx.fail(AppError::unauthorized()))?;
    super::resident::case_page(
        ctx,
        &user,
        id,
        e.status_code(),
        json!({"problem": text, "consent_error": text}),
    )
    .await
}
