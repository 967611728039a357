//! The resident's pages: the apply wizard, my applications with their timeline, editing
//! a returned application, and the applicant's actions (submit, withdraw, resubmit).

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde_json::{json, Map, Value};

use super::ctx::{field, Ctx};
use super::view;
use crate::auth::{CurrentUser, Scope};
use crate::db::applications::{self, ListFilter};
use crate::db::{catalog, DbConn};
use crate::domain::cert_type::CertificateType;
use crate::domain::id_number::IdNumber;
use crate::domain::phone::Phone;
use crate::domain::role::Role;
use crate::domain::status::Action;
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::routes::api::Fields;
use crate::workflow::drafts::{self, Delivery, DraftInput, DraftPatch};

type Form = web::Form<Vec<(String, String)>>;

/// Villages grouped under "county township" headings, for the village choice.
fn village_groups(c: &mut DbConn) -> AppResult<Vec<Value>> {
    let all = catalog::all_jurisdictions(c)?;
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

fn parse_delivery(f: &mut Fields, form: &[(String, String)]) -> Option<Delivery> {
    match field(form, "delivery") {
        "pickup" => Some(Delivery::Pickup),
        "courier" => {
            let recipient = f.take(
                "delivery.recipient",
                text::person_name(field(form, "recipient")),
            );
            let phone = f.take("delivery.phone", Phone::parse(field(form, "phone")));
            let address = f.take(
                "delivery.address",
                text::required(
                    field(form, "address"),
                    "送达地址",
                    "The delivery address",
                    200,
                ),
            );
            Some(Delivery::Courier {
                recipient: recipient?,
                phone: phone?,
                address: address?,
            })
        }
        _ => {
            f.add(
                "delivery.method",
                crate::domain::Invalid::new(
                    "请选择领取方式：送证上门或窗口自取",
                    "Choose how to receive the certificate: delivery or pick-up",
                ),
            );
            None
        }
    }
}

fn subject(f: &mut Fields, form: &[(String, String)]) -> (Option<String>, Option<IdNumber>) {
    let name = field(form, "subject_name");
    let id = field(form, "subject_id_number");
    let name = (!name.is_empty())
        .then(|| f.take("subject.name", text::person_name(name)))
        .flatten();
    let id = (!id.is_empty())
        .then(|| f.take("subject.id_number", IdNumber::parse(id)))
        .flatten();
    (name, id)
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

pub async fn apply_form(ctx: Ctx, path: web::Path<String>) -> HttpResponse {
    if let Err(r) = ctx.require(&[Role::Resident]) {
        return r;
    }
    let code = path.into_inner();
    let loaded = ctx
        .state
        .db
        .read(move |c| Ok::<_, AppError>((drafts::load_type(c, &code)?, village_groups(c)?)))
        .await;
    let (t, villages) = match loaded {
        Ok(x) => x,
        Err(AppError::Validation(_)) => return ctx.app_error(AppError::not_found()),
        Err(e) => return ctx.app_error(e),
    };
    let mut values = Map::new();
    values.insert("delivery".into(), "courier".into());
    if let Some(u) = &ctx.user {
        values.insert("recipient".into(), u.name.clone().into());
    }
    render_form(
        &ctx,
        StatusCode::OK,
        FormPage {
            t: &t,
            villages,
            values,
            errors: Map::new(),
            editing: None,
        },
    )
}

pub async fn apply(ctx: Ctx, path: web::Path<String>, form: Form) -> HttpResponse {
    let user = match ctx.require(&[Role::Resident]) {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
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
    let delivery = parse_delivery(&mut f, &form);
    let (name, id) = subject(&mut f, &form);
    let fields_ok = f.finish();
    let typed = typed_values(&form);
    let form_vec = form.into_inner();
    let me = user.clone();
    let result = ctx
        .state
        .db
        .write(move |c| {
            let t = drafts::load_type(c, &code)?;
            let form_value = form_json(&t, &form_vec);
            with_form_errors(fields_ok, &t, &form_value)?;
            let account = crate::db::users::by_id(c, &me.id)?.ok_or_else(AppError::unauthorized)?;
            let subject_id = match id {
                Some(i) => i,
                None => IdNumber::parse(account.id_number.as_deref().unwrap_or(""))
                    .map_err(|e| AppError::field("subject.id_number", e))?,
            };
            let input = DraftInput {
                type_code: t.code.clone(),
                village_code: village,
                subject_name: name.unwrap_or(account.name),
                subject_id,
                form: form_value,
                delivery: delivery.ok_or_else(|| AppError::internal("delivery missing"))?,
            };
            drafts::create(c, &me, input)
        })
        .await;
    match result {
        Ok(app) => ctx.redirect(&format!("/my/{}", app.id), Some(("ok", "draft_saved"))),
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
) -> HttpResponse {
    let Some(errors) = ctx.field_errors(&e) else {
        return ctx.app_error(e);
    };
    let code = code.to_owned();
    let loaded = ctx
        .state
        .db
        .read(move |c| Ok::<_, AppError>((drafts::load_type(c, &code)?, village_groups(c)?)))
        .await;
    match loaded {
        Ok((t, villages)) => render_form(
            ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            FormPage {
                t: &t,
                villages,
                values,
                errors,
                editing,
            },
        ),
        Err(_) => ctx.app_error(e),
    }
}

pub async fn my_list(ctx: Ctx) -> HttpResponse {
    let user = match ctx.require(&[Role::Resident]) {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    let scope = Scope::of(&user);
    let filter = ListFilter {
        limit: 100,
        ..Default::default()
    };
    let rows = ctx
        .state
        .db
        .read(move |c| {
            let rows = applications::list(c, &scope, &filter)?;
            let types = catalog::active_types(c)?;
            Ok::<_, AppError>((rows, types))
        })
        .await;
    let (rows, types) = match rows {
        Ok(r) => r,
        Err(e) => return ctx.app_error(e),
    };
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
    ctx.ok("my_list", json!({"items": items}))
}

/// The case with the view for templates; `None` when the caller may not see it.
async fn load_case(
    ctx: &Ctx,
    user: &CurrentUser,
    id: String,
) -> AppResult<(Value, CertificateType)> {
    let u = user.clone();
    let (detail, t) = ctx
        .state
        .db
        .read(move |c| {
            let d = crate::routes::api::detail::load(c, &u, &id, false)?;
            let t = drafts::load_type(c, &d.summary.type_code)?;
            Ok::<_, AppError>((d, t))
        })
        .await?;
    Ok((view::case(ctx.lang, &detail, &t), t))
}

pub async fn case(ctx: Ctx, path: web::Path<String>) -> HttpResponse {
    let user = match ctx.require(&[Role::Resident]) {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    case_page(&ctx, &user, path.into_inner(), StatusCode::OK, json!({})).await
}

/// The resident's case page, with `extra` (a problem banner, per-document errors).
pub async fn case_page(
    ctx: &Ctx,
    user: &CurrentUser,
    id: String,
    status: StatusCode,
    extra: Value,
) -> HttpResponse {
    match load_case(ctx, user, id).await {
        Ok((case, _)) => {
            let mut page = json!({ "case": case });
            if let (Some(p), Value::Object(extra)) = (page.as_object_mut(), extra) {
                p.extend(extra);
            }
            ctx.render(status, "my_case", page)
        }
        Err(e) => ctx.app_error(e),
    }
}

/// Stored values of an application as the form's inputs hold them.
fn stored_values(app: &crate::db::models::Application, t: &CertificateType) -> Map<String, Value> {
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
        app.subject_id_number.clone().into(),
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

pub async fn edit_form(ctx: Ctx, path: web::Path<String>) -> HttpResponse {
    let user = match ctx.require(&[Role::Resident]) {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    let id = path.into_inner();
    let loaded = ctx
        .state
        .db
        .read(move |c| {
            let app =
                applications::find(c, &id, &Scope::of(&user))?.ok_or_else(AppError::not_found)?;
            let t = drafts::load_type(c, &app.type_code)?;
            Ok::<_, AppError>((app, t, village_groups(c)?))
        })
        .await;
    match loaded {
        Ok((app, t, villages)) => {
            if !matches!(app.status.as_str(), "draft" | "returned") {
                return ctx.redirect(&format!("/my/{}", app.id), Some(("err", "not_editable")));
            }
            let values = stored_values(&app, &t);
            render_form(
                &ctx,
                StatusCode::OK,
                FormPage {
                    t: &t,
                    villages,
                    values,
                    errors: Map::new(),
                    editing: Some((app.id, app.version, app.number)),
                },
            )
        }
        Err(e) => ctx.app_error(e),
    }
}

pub async fn edit(ctx: Ctx, path: web::Path<String>, form: Form) -> HttpResponse {
    let user = match ctx.require(&[Role::Resident]) {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let id = path.into_inner();
    let mut f = Fields::default();
    let delivery = parse_delivery(&mut f, &form);
    let (name, sid) = subject(&mut f, &form);
    let version: i32 = field(&form, "version").parse().unwrap_or(-1);
    let fields_ok = f.finish();
    let typed = typed_values(&form);
    let form_vec = form.into_inner();
    let (id2, me) = (id.clone(), user.clone());
    let result = ctx
        .state
        .db
        .write(move |c| {
            let app =
                applications::find(c, &id2, &Scope::of(&me))?.ok_or_else(AppError::not_found)?;
            let t = drafts::load_type(c, &app.type_code)?;
            let form_value = form_json(&t, &form_vec);
            with_form_errors(fields_ok, &t, &form_value)?;
            let patch = DraftPatch {
                subject_name: name,
                subject_id: sid,
                form: Some(form_value),
                delivery,
                version,
            };
            drafts::update(c, &me, &id2, patch).map(|_| ())
        })
        .await;
    match result {
        Ok(()) => ctx.redirect(&format!("/my/{id}"), Some(("ok", "draft_saved"))),
        Err(e) => {
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
                _ => ctx.app_error(e),
            }
        }
    }
}

/// submit, withdraw or resubmit from the case page.
pub async fn act(ctx: Ctx, path: web::Path<String>, form: Form) -> HttpResponse {
    let user = match ctx.require(&[Role::Resident]) {
        Ok(u) => u.clone(),
        Err(r) => return r,
    };
    if let Err(r) = ctx.check_csrf(&form) {
        return r;
    }
    let id = path.into_inner();
    let action = match Action::parse(field(&form, "action")) {
        Some(a @ (Action::Submit | Action::Withdraw | Action::Resubmit)) => a,
        _ => return ctx.redirect(&format!("/my/{id}"), Some(("err", "bad_action"))),
    };
    let version: i32 = field(&form, "version").parse().unwrap_or(-1);
    match super::run_action(&ctx, &user, &id, action, None, version).await {
        Ok(()) => ctx.redirect(&format!("/my/{id}"), Some(("ok", action.as_str()))),
        Err(e) => match ctx.problem(&e) {
            Some(problem) => {
                let status = actix_web::ResponseError::status_code(&e);
                // Missing documents come back as `documents.<kind>`: show each next to
                // its kind's upload form.
                let doc_errors: Map<String, Value> = ctx
                    .field_errors(&e)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|(k, v)| k.strip_prefix("documents.").map(|k| (k.to_owned(), v)))
                    .collect();
                case_page(
                    &ctx,
                    &user,
                    id,
                    status,
                    json!({"problem": problem, "doc_errors": doc_errors}),
                )
                .await
            }
            None => ctx.app_error(e),
        },
    }
}

/// Reports the type's own field errors together with the page's other field errors,
/// so the resident sees every problem at once.
fn with_form_errors(
    fields_ok: Result<(), AppError>,
    t: &crate::domain::cert_type::CertificateType,
    form_value: &serde_json::Value,
) -> Result<(), AppError> {
    let mut errors = match fields_ok {
        Err(AppError::Validation(m)) => m,
        Err(e) => return Err(e),
        Ok(()) => Default::default(),
    };
    if let Err(fe) = t.validate_form(form_value) {
        errors.extend(fe.into_iter().map(|(k, v)| (format!("form.{k}"), v)));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}
