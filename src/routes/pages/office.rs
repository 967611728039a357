//! The official's pages: the queue ordered by deadline (overdue highlighted, filters by
//! status, type and village) and the case page with its actions.

use actix_web::http::StatusCode;
use actix_web::web;
use serde::Deserialize;
use serde_json::{json, Value};

use super::ctx::{field, field_opt, refused_status, Ctx};
use super::error::PageResult;
use super::{i18n, view};
use crate::auth::{CurrentUser, Scope};
use crate::db::applications::{self, ListFilter};
use crate::db::catalog;
use crate::db::models::now;
use crate::domain::revocation::RevocationCode;
use crate::domain::role::Role;
use crate::domain::status::{Action, ApplicationStatus};
use crate::error::AppError;
use crate::read_model::views::office_holds;
use crate::workflow::act::ActInput;

type Form = web::Form<Vec<(String, String)>>;

#[derive(Deserialize, Default)]
pub struct QueueQuery {
    status: Option<String>,
    #[serde(rename = "type")]
    type_code: Option<String>,
    village: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

pub async fn queue(ctx: Ctx, q: web::Query<QueueQuery>) -> PageResult {
    let user = ctx.require(&[Role::Official])?.clone();
    let q = q.into_inner();
    let status = non_empty(&q.status).filter(|s| ApplicationStatus::parse(s).is_some());
    // By default the queue shows what waits for the office.
    let statuses = match &status {
        Some(s) => vec![s.clone()],
        None => vec!["submitted".into(), "under_review".into()],
    };
    let filter = ListFilter {
        statuses,
        type_code: non_empty(&q.type_code),
        village: non_empty(&q.village),
        limit: 200,
        ..Default::default()
    };
    let scope = Scope::of(&user);
    let area = user
        .jurisdiction
        .as_ref()
        .map(|(c, _)| c.clone())
        .unwrap_or_default();
    let loaded = ctx
        .state
        .db
        .read(move |c| {
            let rows = applications::list(c, &scope, &filter)?;
            let types = catalog::active_types(c)?;
            // Villages of the official's area: codes are hierarchical.
            let villages = catalog::villages_under(c, &area)?;
            Ok::<_, AppError>((rows, types, villages))
        })
        .await;
    let (rows, types, villages) = loaded.map_err(|e| ctx.fail(e))?;
    let lang = ctx.lang;
    let t0 = now();
    let items: Vec<_> = rows
        .iter()
        .map(|r| {
            let a = &r.app;
            let holds = office_holds(&a.status);
            let type_name = types
                .iter()
                .find(|t| t.code == a.type_code)
                .map(|t| view::type_name(lang, t))
                .unwrap_or_else(|| r.type_name.clone());
            json!({
                "id": a.id, "number": a.number, "type_name": type_name,
                "subject_name": a.subject_name, "village_name": r.village_name,
                "status_label": view::status(lang, &a.status),
                "deadline": holds.then(|| i18n::datetime(lang, a.node_deadline)),
                "overdue": holds && a.node_deadline < t0,
                "provisional": holds && a.deadline_provisional,
                "issue_blocked": a.issue_blocked,
            })
        })
        .collect();
    let statuses: Vec<_> = ApplicationStatus::ALL
        .iter()
        .filter(|s| **s != ApplicationStatus::Draft)
        .map(|s| json!({"value": s.as_str(), "label": view::status(lang, s.as_str())}))
        .collect();
    let type_opts: Vec<_> = types
        .iter()
        .map(|t| json!({"value": t.code, "label": view::type_name(lang, t)}))
        .collect();
    let village_opts: Vec<_> = villages
        .iter()
        .map(|v| json!({"value": v.code, "label": v.name}))
        .collect();
    Ok(ctx.ok(
        "office_queue",
        json!({
            "items": items,
            "filters": {"status": status, "type": non_empty(&q.type_code), "village": non_empty(&q.village)},
            "statuses": statuses, "types": type_opts, "villages": village_opts,
        }),
    ))
}

pub(super) async fn render_case(
    ctx: &Ctx,
    user: &CurrentUser,
    id: String,
    status: StatusCode,
    extra: Value,
) -> PageResult {
    let u = user.clone();
    let keys = ctx.state.services.data_keys.clone();
    let (d, t) = ctx
        .state
        .db
        .read(move |c| {
            let d = crate::read_model::detail::load(c, &keys, &u, &id, None)?;
            let t = crate::workflow::drafts::load_type(c, &d.summary.type_code)?;
            Ok::<_, AppError>((d, t))
        })
        .await
        .map_err(|e| ctx.fail(e))?;
    let client = crate::routes::audit_client(&ctx.req);
    crate::workflow::audit::case_viewed(&ctx.state, user, &client, &d.summary.id)
        .await
        .map_err(|e| ctx.fail(e))?;
    let codes: Vec<_> = RevocationCode::ALL
        .iter()
        .map(|c| {
            let label = match ctx.lang {
                i18n::Lang::Zh => c.label_zh(),
                i18n::Lang::En => c.label_en(),
            };
            json!({"value": c.as_str(), "label": label})
        })
        .collect();
    let mut page = json!({"case": view::case(ctx.lang, &d, &t), "errors": {}, "values": {},
                          "revocation_codes": codes});
    if let (Some(p), Value::Object(e)) = (page.as_object_mut(), extra) {
        p.extend(e);
    }
    Ok(ctx.render(status, "office_case", page))
}

/// The case page; supervisors and admins see it too (read-only: they have no actions),
/// as the dashboard's overdue list links here.
pub async fn case(ctx: Ctx, path: web::Path<String>) -> PageResult {
    let user = ctx
        .require(&[Role::Official, Role::Supervisor, Role::Admin])?
        .clone();
    render_case(&ctx, &user, path.into_inner(), StatusCode::OK, json!({})).await
}

/// accept, return, reject, approve or collect.
pub async fn act(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    let user = ctx.require(&[Role::Official])?.clone();
    ctx.check_csrf(&form)?;
    let id = path.into_inner();
    let action = match Action::parse(field(&form, "action")) {
        Some(
            a @ (Action::Accept
            | Action::Return
            | Action::Reject
            | Action::Approve
            | Action::Collect),
        ) => a,
        _ => return Ok(ctx.redirect(&format!("/office/{id}"), Some(("err", "bad_action")))),
    };
    let version: i32 = field(&form, "version").parse().unwrap_or(-1);
    let reason = field_opt(&form, "reason");
    let input = ActInput {
        action,
        reason: reason.clone(),
        version,
        authorisation_checked: field(&form, "authorisation_checked") == "1",
    };
    match super::run_action(&ctx, &user, &id, input).await {
        Ok(()) => Ok(ctx.redirect(&format!("/office/{id}"), Some(("ok", action.as_str())))),
        Err(e) => refused(&ctx, &user, id, action, reason, e).await,
    }
}

/// The case page again with a refusal of `action`: the problem above, the reason's error
/// at its field, what was typed kept.
pub(super) async fn refused(
    ctx: &Ctx,
    user: &CurrentUser,
    id: String,
    action: Action,
    reason: Option<String>,
    e: AppError,
) -> PageResult {
    let Some(problem) = ctx.problem(&e) else {
        return Err(ctx.fail(e));
    };
    let status = refused_status(&e);
    let errors = ctx.field_errors(&e).unwrap_or_default();
    let extra = json!({
        "problem": problem,
        "errors": {action.as_str(): errors.get("reason")},
        "values": {action.as_str(): reason},
    });
    render_case(ctx, user, id, status, extra).await
}

/// Revokes the case's certificate: the public reason from the list, the official's own
/// words for the trail (the same use case as `POST /api/v1/certificates/{number}/revoke`).
pub async fn revoke(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    let user = ctx.require(&[Role::Official])?.clone();
    ctx.check_csrf(&form)?;
    let id = path.into_inner();
    let Ok(code) = RevocationCode::parse(field(&form, "reason_code")) else {
        return Ok(ctx.redirect(&format!("/office/{id}"), Some(("err", "bad_action"))));
    };
    let number = field(&form, "number").to_owned();
    let reason = field(&form, "reason").to_owned();
    let (u, r) = (user.clone(), reason.clone());
    let done = ctx
        .state
        .db
        .write(move |c| crate::workflow::revoke::revoke(c, &u, &number, &r, code))
        .await;
    match done {
        Ok(_) => Ok(ctx.redirect(&format!("/office/{id}"), Some(("ok", "revoked")))),
        Err(e) => {
            let Some(problem) = ctx.problem(&e) else {
                return Err(ctx.fail(e));
            };
            let status = refused_status(&e);
            let errors = ctx.field_errors(&e).unwrap_or_default();
            let extra = json!({
                "problem": problem,
                "errors": {"revoke": errors.get("reason")},
                "values": {"revoke": reason, "reason_code": code.as_str()},
            });
            render_case(&ctx, &user, id, status, extra).await
        }
    }
}

/// Sends the recipient a new delivery code (and lifts a lock from too many wrong ones).
pub async fn new_dispatch_code(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    let user = ctx.require(&[Role::Official])?.clone();
    ctx.check_csrf(&form)?;
    let id = path.into_inner();
    let dispatch = field(&form, "dispatch").to_owned();
    let client = crate::routes::audit_client(&ctx.req);
    let u = user.clone();
    let done = ctx
        .state
        .db
        .write(move |c| crate::workflow::courier::reissue_code(c, &u, &dispatch, &client))
        .await;
    match done {
        Ok(_) => Ok(ctx.redirect(&format!("/office/{id}"), Some(("ok", "dispatch_code")))),
        Err(e) => {
            let Some(problem) = ctx.problem(&e) else {
                return Err(ctx.fail(e));
            };
            let status = refused_status(&e);
            render_case(&ctx, &user, id, status, json!({"problem": problem})).await
        }
    }
}
