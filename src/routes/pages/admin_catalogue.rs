//! The admin's certificate catalogue (证明事项目录, issue 15): the list of types, and one
//! type's edit form with its version history and per-county switch. A save is a new
//! version through `workflow::catalogue`, like the API: the common edits (time limits,
//! validity, body text, statutory limit and its source) have their own inputs, anything
//! else (documents, fields, help texts) is edited in the type's JSON below them.

use actix_web::http::StatusCode;
use actix_web::web;
use serde_json::{json, Value};

use super::ctx::{field, Ctx};
use super::error::PageResult;
use crate::db::type_versions;
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::AppError;
use crate::routes::api::admin_catalogue::entry;
use crate::workflow::catalogue;

type Form = web::Form<Vec<(String, String)>>;

pub async fn list(ctx: Ctx) -> PageResult {
    ctx.require(&[Role::Admin])?;
    let rows = ctx
        .state
        .db
        .read(|c| {
            let rows = type_versions::all_rows(c)?;
            let mut items = Vec::with_capacity(rows.len());
            for r in rows {
                let off = type_versions::off_counties(c, &r.code)?;
                items.push(json!({"code": r.code, "name": r.name_zh,
                                  "version": r.current_version, "off": off}));
            }
            Ok::<_, AppError>(items)
        })
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(ctx.ok("admin_catalogue", json!({"types": rows})))
}

pub async fn edit_form(ctx: Ctx, path: web::Path<String>) -> PageResult {
    ctx.require(&[Role::Admin])?;
    let page = editing(&ctx, path.into_inner(), None)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(ctx.ok("admin_catalogue_type", page))
}

/// The page of one type; `form` is what the admin sent, shown again after a refusal.
async fn editing(ctx: &Ctx, code: String, form: Option<Value>) -> Result<Value, AppError> {
    let e = ctx.state.db.read(move |c| entry(c, &code)).await?;
    let t = &e.spec;
    let form = form.unwrap_or_else(|| {
        json!({
            "promised_days": t.promised_days,
            "steps": t.steps.iter().map(|s| s.time_limit_days).collect::<Vec<_>>(),
            "validity_days": t.validity_days,
            "statutory_days": t.statutory_days,
            "statutory_source": t.statutory_source,
            "body_template": t.body_template,
            "spec": serde_json::to_string_pretty(t).unwrap_or_default(),
            "note": "",
        })
    });
    Ok(json!({
        "type": {"code": t.code, "name": t.name_zh, "version": e.version},
        "steps": t.steps.iter().map(|s| json!({"name": s.name_zh})).collect::<Vec<_>>(),
        "versions": e.versions.iter().map(|v| json!({
            "version": v.version, "at": v.created_at.format("%Y-%m-%d %H:%M").to_string(),
            "note": v.note, "by_seed": v.created_by.is_none()})).collect::<Vec<_>>(),
        "off": e.off_counties,
        "own_county": ctx.user.as_ref().and_then(|u| u.jurisdiction.as_ref())
            .and_then(|(c, _)| c.get(..6)).map(str::to_owned),
        // The catalogue is shared: a county admin only switches types for the county.
        "can_edit": ctx.user.as_ref().is_some_and(|u| crate::workflow::catalogue::may_edit(u).is_ok()),
        "form": form,
    }))
}

pub async fn save(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let user = ctx.require(&[Role::Admin])?.clone();
    let code = path.into_inner();
    let sent = json!({
        "promised_days": field(&form, "promised_days"),
        "steps": form.iter().filter(|(k, _)| k == "step_days").map(|(_, v)| v.clone()).collect::<Vec<_>>(),
        "validity_days": field(&form, "validity_days"),
        "statutory_days": field(&form, "statutory_days"),
        "statutory_source": field(&form, "statutory_source"),
        "body_template": field(&form, "body_template"),
        "spec": field(&form, "spec"),
        "note": field(&form, "note"),
    });
    let client = crate::routes::audit_client(&ctx.req);
    let (c2, s2) = (code.clone(), sent.clone());
    let result = match merged(&sent) {
        Ok(spec) => {
            let note = field(&form, "note").to_owned();
            ctx.state
                .db
                .write(move |c| catalogue::add_version(c, &client, &user, &c2, spec, &note))
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(ctx.redirect(
            &format!("/admin/catalogue/{code}"),
            Some(("ok", "catalogue_saved")),
        )),
        Err(e @ AppError::Validation(_)) => {
            let mut page = editing(&ctx, code, Some(s2))
                .await
                .map_err(|e| ctx.fail(e))?;
            page["problems"] = json!(ctx
                .field_errors(&e)
                .map(|m| m.into_iter().map(|(_, v)| v).collect::<Vec<_>>())
                .unwrap_or_default());
            Ok(ctx.render(
                StatusCode::UNPROCESSABLE_ENTITY,
                "admin_catalogue_type",
                page,
            ))
        }
        Err(e) => Err(ctx.fail(e)),
    }
}

/// The type's JSON as sent, with the dedicated inputs written over it.
fn merged(sent: &Value) -> Result<Value, AppError> {
    let bad = |name: &str, zh: &str, en: &str| AppError::field(name, Invalid::new(zh, en));
    let mut spec: Value =
        serde_json::from_str(sent["spec"].as_str().unwrap_or("")).map_err(|e| {
            AppError::field(
                "spec",
                Invalid::new(
                    format!("JSON 格式不对：{e}"),
                    format!("The JSON does not parse: {e}"),
                ),
            )
        })?;
    let days = |name: &str, v: &Value| -> Result<u64, AppError> {
        v.as_str()
            .unwrap_or("")
            .trim()
            .parse::<u64>()
            .map_err(|_| bad(name, "请填写天数（整数）", "Enter a number of days"))
    };
    spec["promised_days"] = json!(days("promised_days", &sent["promised_days"])?);
    spec["validity_days"] = json!(days("validity_days", &sent["validity_days"])?);
    let steps = sent["steps"].as_array().cloned().unwrap_or_default();
    if let Some(spec_steps) = spec["steps"].as_array_mut() {
        for (s, v) in spec_steps.iter_mut().zip(&steps) {
            s["time_limit_days"] = json!(days("step_days", v)?);
        }
    }
    let statutory = sent["statutory_days"].as_str().unwrap_or("").trim();
    spec["statutory_days"] = if statutory.is_empty() {
        Value::Null
    } else {
        json!(days("statutory_days", &sent["statutory_days"])?)
    };
    let source = sent["statutory_source"].as_str().unwrap_or("").trim();
    spec["statutory_source"] = if source.is_empty() {
        Value::Null
    } else {
        json!(source)
    };
    spec["body_template"] = json!(sent["body_template"].as_str().unwrap_or("").trim());
    Ok(spec)
}

pub async fn county(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    ctx.check_csrf(&form)?;
    let user = ctx.require(&[Role::Admin])?.clone();
    let code = path.into_inner();
    let county = field(&form, "county").trim().to_owned();
    let enabled = field(&form, "enabled") == "1";
    let client = crate::routes::audit_client(&ctx.req);
    let c2 = code.clone();
    ctx.state
        .db
        .write(move |c| catalogue::set_county(c, &client, &user, &c2, &county, enabled))
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(ctx.redirect(
        &format!("/admin/catalogue/{code}"),
        Some(("ok", "catalogue_county_saved")),
    ))
}
