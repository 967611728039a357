//! The resident's pages: the apply wizard, my applications with their timeline, editing
//! a returned application, and the applicant's actions (submit, withdraw, resubmit).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse, ResponseError};
use serde_json::{json, Map, Value};

use super::ctx::{field, field_opt, Ctx};
use super::error::PageResult;
use super::view;
use crate::auth::{CurrentUser, Scope};
use crate::db::applications::{self, ListFilter};
use crate::db::{catalog, DbConn};
use crate::domain::cert_type::CertificateType;
use crate::domain::role::Role;
use crate::domain::status::Action;
use crate::error::{AppError, AppResult, Fields};
use crate::workflow::act::ActInput;
use crate::workflow::drafts::{self, DeliveryInput, DraftInput, DraftPatch, SubjectInput};

type Form = web::Form<Vec<(String, String)>>;

/// Villages grouped under "county township" headings, for the village choice.
fn village_groups(c: &mut DbConn) -> AppResult<Vec<Value>> {
    // Inactive ones are not offered: no new application may choose them.
    let all: Vec<_> = catalog::all_jurisdictions(c)?
        .into_iter()
        .filter(|j| j.active)
        .collect();
    let name = |code: &str| {
        all.iter()
            .find(|j| j.code == code)
            .map(|j| j.name.clone())
            .unwrap_or_default()
    };
    let mut groups: Vec<Value> = Vec::new();
    for t in all.iter().filter(|j| j.level == "township") {
        let villages: Vec<_> = all
            .iter()
            .filter(|v| v.level == "village" && v.parent_code.as_deref() == Some(&t.code))
            .map(|v| json!({"code": v.code, "name": v.name}))
            .collect();
        if !villages.is_empty() {
            let county = t.parent_code.as_deref().map(name).unwrap_or_default();
            groups.push(json!({"label": format!("{county} {}", t.name), "villages": villages}));
        }
    }
    Ok(groups)
}

/// The form's answers for the type's fields, as the use case reads them.
fn form_json(t: &CertificateType, form: &[(String, String)]) -> Value {
    let mut m = Map::new();
    for f in &t.fields {
        let v = field(form, &format!("f_{}", f.name));
        if !v.is_empty() {
            m.insert(f.name.clone(), Value::String(v.to_owned()));
        }
    }
    Value::Object(m)
}

/// What the user typed, to put back into the form after an error.
fn typed_values(form: &[(String, String)]) -> Map<String, Value> {
    form.iter()
        .filter(|(k, _)| k != super::ctx::CSRF_FIELD && k != "password")
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

/// The page's delivery fields as the use case reads them.
fn delivery(form: &[(String, String)]) -> DeliveryInput {
    DeliveryInput {
        method: Some(field(form, "delivery").to_owned()),
        recipient: Some(field(form, "recipient").to_owned()),
        phone: Some(field(form, "phone").to_owned()),
        address: Some(field(form, "address").to_owned()),
    }
}

/// The page's subject fields; an empty one means "me".
fn subject(form: &[(String, String)]) -> SubjectInput {
    SubjectInput {
        name: field_opt(form, "subject_name"),
        id_number: field_opt(form, "subject_id_number"),
        phone: field_opt(form, "subject_phone"),
        relationship: field_opt(form, "relationship"),
        relationship_note: field_opt(form, "relationship_note"),
    }
}

struct FormPage<'a> {
    t: &'a CertificateType,
    villages: Vec<Value>,
    values: Map<String, Value>,
    errors: Map<String, Value>,
    /// Editing an existing application (its id and version), else a new one.
    editing: Option<(String, i32, String)>,
}

fn render_form(ctx: &Ctx, status: StatusCode, p: FormPage<'_>) -> HttpResponse {
    let action = match &p.editing {
        Some((id, _, _)) => format!("/my/{id}/edit"),
        None => format!("/apply/{}", p.t.code),
    };
    let problem = (!p.errors.is_empty()).then(|| ctx.t("error_input_text"));
    ctx.render(
        status,
        "apply",
        json!({
            "type": {"code": p.t.code, "name": view::type_name(ctx.lang, p.t)},
            "fields": view::field_specs(ctx.lang, p.t),
            "villages": p.villages,
            "values": p.values,
            "errors": p.errors,
            "form_action": action,
            "editing": p.editing.as_ref().map(|(id, v, number)| json!({"id": id, "version": v, "number": number})),
            "problem": problem,
        }),
    )
}

pub async fn apply_form(ctx: Ctx, path: web::Path<String>) -> PageResult {
    ctx.require(&[Role::Resident])?;
    let code = path.into_inner();
    let user_id = ctx.user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
    let (t, villages, me) = ctx
        .state
        .db
        .read(move |c| {
            Ok::<_, AppError>((
                drafts::load_type(c, &code)?,
                village_groups(c)?,
                crate::db::users::by_id(c, &user_id)?,
            ))
        })
        .await
        .map_err(|e| match e {
            AppError::Validation(_) => ctx.fail(AppError::not_found()),
            e => ctx.fail(e),
        })?;
    let mut values = Map::new();
    values.insert("delivery".into(), "courier".into());
    // The certificate usually goes to the applicant: name and phone from the account,
    // so she does not type again what she typed at registration.
    if let Some(u) = me {
        values.insert("recipient".into(), u.name.into());
        values.insert("phone".into(), u.phone.into());
    }
    Ok(render_form(
        &ctx,
        StatusCode::OK,
        FormPage {
            t: &t,
            villages,
            values,
            errors: Map::new(),
            editing: None,
        },
    ))
}

pub async fn apply(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    let user = ctx.require(&[Role::Resident])?.clone();
    ctx.check_csrf(&form)?;
    let code = path.into_inner();
    let mut f = Fields::default();
    let village = field(&form, "jurisdiction").to_owned();
    if village.is_empty() {
        f.add(
            "jurisdiction",
            crate::domain::Invalid::new(
                "请选择所在的村（社区）",
                "Choose the village (community) you live in",
            ),
        );
    }
    let delivery = delivery(&form).parse(&mut f);
    let subject_in = subject(&form);
    let proxy = subject_in.proxy(&mut f);
    let (name, id) = subject_in.parse(&mut f);
    let fields_ok = f.finish();
    let typed = typed_values(&form);
    let form_vec = form.into_inner();
    let me = user.clone();
    let per_day = ctx.state.services.quotas.drafts_per_day;
    let keys = ctx.state.services.data_keys.clone();
    let result = ctx
        .state
        .db
        .write(move |c| {
            let t = drafts::load_type(c, &code)?;
            let form_value = form_json(&t, &form_vec);
            with_form_errors(fields_ok, &t, &form_value)?;
            let input = DraftInput {
                type_code: t.code.clone(),
                village_code: village,
                subject_name: name,
                subject_id: id,
                form: form_value,
                delivery: delivery.ok_or_else(|| AppError::internal("delivery missing"))?,
                proxy,
            };
            drafts::create(c, &keys, &me, input, per_day)
        })
        .await;
    match result {
        Ok(app) => Ok(ctx.redirect(&format!("/my/{}", app.id), Some(("ok", "draft_saved")))),
        Err(e) => {
            let code = ctx.req.match_info().get("code").unwrap_or("").to_owned();
            form_error(&ctx, e, &code, typed, None).await
        }
    }
}

/// Re-shows the form with the entered values and the errors next to their fields.
async fn form_error(
    ctx: &Ctx,
    e: AppError,
    code: &str,
    values: Map<String, Value>,
    editing: Option<(String, i32, String)>,
) -> PageResult {
    let Some(errors) = ctx.field_errors(&e) else {
        return Err(ctx.fail(e));
    };
    let code = code.to_owned();
    let loaded = ctx
        .state
        .db
        .read(move |c| Ok::<_, AppError>((drafts::load_type(c, &code)?, village_groups(c)?)))
        .await;
    match loaded {
        Ok((t, villages)) => Ok(render_form(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            FormPage {
                t: &t,
                villages,
                values,
                errors,
                editing,
            },
        )),
        Err(_) => Err(ctx.fail(e)),
    }
}

pub async fn my_list(ctx: Ctx) -> PageResult {
    let user = ctx.require(&[Role::Resident])?.clone();
    let scope = Scope::of(&user);
    let filter = ListFilter {
        limit: 100,
        ..Default::default()
    };
    let (rows, types) = ctx
        .state
        .db
        .read(move |c| {
            let rows = applications::list(c, &scope, &filter)?;
            let types = catalog::active_types(c)?;
            Ok::<_, AppError>((rows, types))
        })
        .await
        .map_err(|e| ctx.fail(e))?;
    let lang = ctx.lang;
    let items: Vec<_> = rows
        .iter()
        .map(|r| {
            let a = &r.app;
            let type_name = types
                .iter()
                .find(|t| t.code == a.type_code)
                .map(|t| view::type_name(lang, t))
                .unwrap_or_else(|| r.type_name.clone());
            json!({
                "id": a.id, "number": a.number, "type_name": type_name,
                "status": a.status, "status_label": view::status(lang, &a.status),
                "created_at": super::i18n::datetime(lang, a.created_at),
            })
        })
        .collect();
    Ok(ctx.ok("my_list", json!({"items": items})))
}

/// The case with the view for templates; `None` when the caller may not see it.
async fn load_case(
    ctx: &Ctx,
    user: &CurrentUser,
    id: String,
) -> AppResult<(Value, CertificateType)> {
    let u = user.clone();
    let keys = ctx.state.services.data_keys.clone();
    let (detail, t) = ctx
        .state
        .db
        .read(move |c| {
            let d = crate::read_model::detail::load(c, &keys, &u, &id, None)?;
            let t = drafts::load_type(c, &d.summary.type_code)?;
            Ok::<_, AppError>((d, t))
        })
        .await?;
    Ok((view::case(ctx.lang, &detail, &t), t))
}

pub async fn case(ctx: Ctx, path: web::Path<String>) -> PageResult {
    let user = ctx.require(&[Role::Resident])?.clone();
    case_page(&ctx, &user, path.into_inner(), StatusCode::OK, json!({})).await
}

/// The resident's case page, with `extra` (a problem banner, per-document errors).
pub async fn case_page(
    ctx: &Ctx,
    user: &CurrentUser,
    id: String,
    status: StatusCode,
    extra: Value,
) -> PageResult {
    let (case, _) = load_case(ctx, user, id).await.map_err(|e| ctx.fail(e))?;
    let mut page = json!({ "case": case });
    if let (Some(p), Value::Object(extra)) = (page.as_object_mut(), extra) {
        p.extend(extra);
    }
    Ok(ctx.render(status, "my_case", page))
}

/// Stored values of an application as the form's inputs hold them.
fn stored_values(
    app: &crate::db::models::Application,
    t: &CertificateType,
    keys: &crate::crypto::DataKeys,
) -> Map<String, Value> {
    let mut m = Map::new();
    let form: Map<String, Value> = serde_json::from_str(&app.form_data).unwrap_or_default();
    for f in &t.fields {
        if let Some(v) = form.get(&f.name) {
            m.insert(format!("f_{}", f.name), view::input_value(v).into());
        }
    }
    m.insert("jurisdiction".into(), app.village_code.clone().into());
    m.insert("subject_name".into(), app.subject_name.clone().into());
    m.insert(
        "subject_id_number".into(),
        keys.open_or_stars(&app.subject_id_number).into(),
    );
    m.insert("delivery".into(), app.delivery_method.clone().into());
    for (k, v) in [
        ("recipient", &app.delivery_recipient),
        ("phone", &app.delivery_phone),
        ("address", &app.delivery_address),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), v.clone().into());
        }
    }
    m
}

pub async fn edit_form(ctx: Ctx, path: web::Path<String>) -> PageResult {
    let user = ctx.require(&[Role::Resident])?.clone();
    let id = path.into_inner();
    let (app, t, villages) = ctx
        .state
        .db
        .read(move |c| {
            let app =
                applications::find(c, &id, &Scope::of(&user))?.ok_or_else(AppError::not_found)?;
            let t = drafts::load_case_type(c, &app)?;
            Ok::<_, AppError>((app, t, village_groups(c)?))
        })
        .await
        .map_err(|e| ctx.fail(e))?;
    if !matches!(app.status.as_str(), "draft" | "returned") {
        return Ok(ctx.redirect(&format!("/my/{}", app.id), Some(("err", "not_editable"))));
    }
    let values = stored_values(&app, &t, &ctx.state.services.data_keys);
    Ok(render_form(
        &ctx,
        StatusCode::OK,
        FormPage {
            t: &t,
            villages,
            values,
            errors: Map::new(),
            editing: Some((app.id, app.version, app.number)),
        },
    ))
}

pub async fn edit(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    let user = ctx.require(&[Role::Resident])?.clone();
    ctx.check_csrf(&form)?;
    let id = path.into_inner();
    let mut f = Fields::default();
    let delivery = delivery(&form).parse(&mut f);
    let subject_in = subject(&form);
    let proxy = subject_in.proxy(&mut f);
    let (name, sid) = subject_in.parse(&mut f);
    let version: i32 = field(&form, "version").parse().unwrap_or(-1);
    let fields_ok = f.finish();
    let typed = typed_values(&form);
    let form_vec = form.into_inner();
    let (id2, me) = (id.clone(), user.clone());
    let keys = ctx.state.services.data_keys.clone();
    let result = ctx
        .state
        .db
        .write(move |c| {
            let app =
                applications::find(c, &id2, &Scope::of(&me))?.ok_or_else(AppError::not_found)?;
            let t = drafts::load_case_type(c, &app)?;
            let form_value = form_json(&t, &form_vec);
            with_form_errors(fields_ok, &t, &form_value)?;
            let patch = DraftPatch {
                subject_name: name,
                subject_id: sid,
                proxy: Some(proxy),
                form: Some(form_value),
                delivery,
                version,
            };
            drafts::update(c, &keys, &me, &id2, patch).map(|_| ())
        })
        .await;
    let Err(e) = result else {
        return Ok(ctx.redirect(&format!("/my/{id}"), Some(("ok", "draft_saved"))));
    };
    let scope = Scope::of(&user);
    let app = ctx
        .state
        .db
        .read(move |c| applications::find(c, &id, &scope).map_err(AppError::from))
        .await;
    match app {
        Ok(Some(app)) => {
            form_error(
                &ctx,
                e,
                &app.type_code,
                typed,
                Some((app.id, app.version, app.number)),
            )
            .await
        }
        _ => Err(ctx.fail(e)),
    }
}

/// submit, withdraw or resubmit from the case page.
pub async fn act(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    let user = ctx.require(&[Role::Resident])?.clone();
    ctx.check_csrf(&form)?;
    let id = path.into_inner();
    act_on(
        &ctx,
        &user,
        id,
        field(&form, "action"),
        field(&form, "version"),
    )
    .await
}

/// submit, withdraw or resubmit `id` at `version` (the page's form, or the documents
/// form's 提交 once its photos are stored).
pub(super) async fn act_on(
    ctx: &Ctx,
    user: &CurrentUser,
    id: String,
    action: &str,
    version: &str,
) -> PageResult {
    let action = match Action::parse(action) {
        Some(a @ (Action::Submit | Action::Withdraw | Action::Resubmit)) => a,
        _ => return Ok(ctx.redirect(&format!("/my/{id}"), Some(("err", "bad_action")))),
    };
    let input = ActInput {
        action,
        reason: None,
        version: version.parse().unwrap_or(-1),
        authorisation_checked: false,
    };
    let Err(e) = super::run_action(ctx, user, &id, input).await else {
        return Ok(ctx.redirect(&format!("/my/{id}"), Some(("ok", action.as_str()))));
    };
    let Some(problem) = ctx.problem(&e) else {
        return Err(ctx.fail(e));
    };
    // Missing documents come back as `documents.<kind>`: show each next to its kind's
    // upload form.
    let doc_errors: Map<String, Value> = ctx
        .field_errors(&e)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| k.strip_prefix("documents.").map(|k| (k.to_owned(), v)))
        .collect();
    case_page(
        ctx,
        user,
        id,
        e.status_code(),
        json!({"problem": problem, "doc_errors": doc_errors}),
    )
    .await
}

/// Reports the type's own field errors together with the page's other field errors,
/// so the resident sees every problem at once.
fn with_form_errors(
    fields_ok: Result<(), AppError>,
    t: &CertificateType,
    form_value: &Value,
) -> Result<(), AppError> {
    let mut errors = match fields_ok {
        Err(AppError::Validation(m)) => m,
        Err(e) => return Err(e),
        Ok(()) => Default::default(),
    };
    if let Err(fe) = drafts::validate_form(t, form_value) {
        errors.extend(fe);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}
