//! The second step of the actions that cannot be taken back: the resident's 撤回
//! (withdraw), the official's 不予办理 (reject) and 批准 (approve). The case page's
//! button posts here; this page says once more what will happen (for 批准, the
//! certificate's text as it will read) and its one button posts the unchanged action to
//! `…/action`. No JavaScript needed; going back changes nothing.

use actix_web::web;
use serde_json::{json, Value};

use super::ctx::{field, field_opt, Ctx};
use super::error::PageResult;
use super::view;
use crate::auth::CurrentUser;
use crate::domain::role::Role;
use crate::domain::status::Action;
use crate::domain::Invalid;
use crate::error::AppError;

type Form = web::Form<Vec<(String, String)>>;

/// What the confirmation page needs of the case, read in the user's scope (404 outside
/// it), with the certificate text when `preview` is asked for.
async fn load(
    ctx: &Ctx,
    user: &CurrentUser,
    id: &str,
    preview: bool,
) -> Result<(Value, Vec<String>, Option<String>), AppError> {
    let (u, id) = (user.clone(), id.to_owned());
    let svc = ctx.state.services.clone();
    let lang = ctx.lang;
    ctx.state
        .db
        .read(move |c| {
            let d = crate::read_model::detail::load(c, &svc.data_keys, &u, &id, None)?;
            let t = crate::workflow::drafts::load_type(c, &d.summary.type_code)?;
            let text = if preview {
                Some(crate::workflow::issue::preview(c, &svc, &u, &id, &t)?)
            } else {
                None
            };
            Ok::<_, AppError>((view::case(lang, &d, &t), d.allowed_actions.clone(), text))
        })
        .await
}

#[allow(clippy::too_many_arguments)]
fn page(
    ctx: &Ctx,
    case: &Value,
    action: Action,
    action_url: String,
    back_url: String,
    version: &str,
    reason: Option<String>,
    preview: Option<String>,
) -> PageResult {
    let key = action.as_str();
    Ok(ctx.ok(
        "confirm",
        json!({
            "heading": ctx.t(&format!("confirm_{key}_title")),
            "question": ctx.t(&format!("confirm_{key}_question")),
            "go_label": ctx.t(&format!("confirm_{key}_go")),
            "destructive": action != Action::Approve,
            "case": {"number": case["number"], "type_name": case["type_name"],
                     "subject": case["subject_name"]},
            "action": key, "action_url": action_url, "back_url": back_url,
            "version": version, "reason": reason, "preview": preview,
        }),
    ))
}

/// 撤回: the resident's own case.
pub async fn resident(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    let user = ctx.require_applicant()?.clone();
    ctx.check_csrf(&form)?;
    let id = path.into_inner();
    if Action::parse(field(&form, "action")) != Some(Action::Withdraw) {
        return Ok(ctx.redirect(&format!("/my/{id}"), Some(("err", "bad_action"))));
    }
    let (case, allowed, _) = load(&ctx, &user, &id, false)
        .await
        .map_err(|e| ctx.fail(e))?;
    if !allowed.iter().any(|a| a == "withdraw") {
        return Ok(ctx.redirect(&format!("/my/{id}"), Some(("err", "bad_action"))));
    }
    page(
        &ctx,
        &case,
        Action::Withdraw,
        format!("/my/{id}/action"),
        format!("/my/{id}"),
        field(&form, "version"),
        None,
        None,
    )
}

/// 批准 (with the certificate text) and 不予办理 (with the reason, which it needs).
pub async fn office(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    let user = ctx.require(&[Role::Official])?.clone();
    ctx.check_csrf(&form)?;
    let id = path.into_inner();
    let action = match Action::parse(field(&form, "action")) {
        Some(a @ (Action::Approve | Action::Reject)) => a,
        _ => return Ok(ctx.redirect(&format!("/office/{id}"), Some(("err", "bad_action")))),
    };
    let reason = field_opt(&form, "reason");
    if action == Action::Reject && reason.is_none() {
        // The same refusal as the action itself gives, next to the field, before the
        // second step.
        let e = AppError::field(
            "reason",
            Invalid::new(
                format!("{}时必须填写原因", action.label_zh()),
                format!(
                    "A reason is required to {}",
                    action.label_en().to_lowercase()
                ),
            ),
        );
        return super::office::refused(&ctx, &user, id, action, None, e).await;
    }
    let (case, allowed, preview) = load(&ctx, &user, &id, action == Action::Approve)
        .await
        .map_err(|e| ctx.fail(e))?;
    if !allowed.iter().any(|a| a == action.as_str()) {
        return Ok(ctx.redirect(&format!("/office/{id}"), Some(("err", "bad_action"))));
    }
    page(
        &ctx,
        &case,
        action,
        format!("/office/{id}/action"),
        format!("/office/{id}"),
        field(&form, "version"),
        reason,
        preview,
    )
}
