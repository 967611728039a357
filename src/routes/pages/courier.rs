//! The courier's page: today's open dispatches grouped by village, with large buttons
//! for each step of the delivery.

use actix_web::http::StatusCode;
use actix_web::web;
use serde_json::{json, Value};

use super::ctx::{field, field_opt, refused_status, Ctx};
use super::error::PageResult;
use super::view;
use crate::auth::CurrentUser;
use crate::domain::dispatch::{allowed_events, DispatchEvent, DispatchStatus, FailReason};
use crate::domain::role::Role;
use crate::read_model::dispatches;
use crate::workflow::courier::{run, CourierInput};

type Form = web::Form<Vec<(String, String)>>;

async fn render(ctx: &Ctx, user: &CurrentUser, status: StatusCode, extra: Value) -> PageResult {
    let u = user.clone();
    let (rows, delivered) = ctx
        .state
        .db
        .read(move |c| {
            let open = dispatches::list(c, &u, &dispatches::open_statuses())?;
            let done = dispatches::delivered_today(c, &u, crate::db::models::now())?;
            Ok::<_, crate::error::AppError>((open, done))
        })
        .await
        .map_err(|e| ctx.fail(e))?;
    let lang = ctx.lang;
    let max = ctx.state.services.max_delivery_attempts;
    // Rows come sorted by village, so grouping is one pass.
    let mut groups: Vec<Value> = Vec::new();
    let mut current: Option<String> = None;
    for d in &rows {
        let st = DispatchStatus::parse(&d.status);
        let item = json!({
            "id": d.id, "tracking_number": d.tracking_number, "version": d.version,
            "recipient": d.recipient, "phone": d.phone, "address": d.address,
            "map_url": map_url(&d.village_name, &d.address),
            "status_label": view::dispatch_status(lang, &d.status),
            "failed_attempts": d.failed_attempts,
            "locked": d.locked,
            "events": st
                .map(|s| allowed_events(s, d.failed_attempts, max))
                .unwrap_or_default()
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>(),
        });
        if current.as_deref() != Some(d.village_code.as_str()) {
            current = Some(d.village_code.clone());
            groups.push(json!({
                "village": d.village_name,
                "items": [],
            }));
        }
        if let Some(items) = groups
            .last_mut()
            .and_then(|g| g.get_mut("items"))
            .and_then(Value::as_array_mut)
        {
            items.push(item);
        }
    }
    let reasons: Vec<_> = FailReason::ALL_CODES
        .iter()
        .map(|code| {
            let label = match FailReason::parse(code, Some("-")) {
                Ok(FailReason::Other(_)) => ctx.t("courier_reason_other").to_owned(),
                Ok(r) => view::pick(lang, &r.describe_zh(), &r.describe_en()).to_owned(),
                Err(_) => (*code).to_owned(),
            };
            json!({"code": code, "label": label})
        })
        .collect();
    let delivered: Vec<Value> = delivered
        .iter()
        .map(|d| {
            json!({
                "tracking_number": d.tracking_number,
                "recipient": d.recipient,
                "village": d.village_name,
                "address": d.address,
                "signer": d.signer,
                "at": d.delivered_at.map(|t| super::i18n::time(lang, t.naive_utc())),
            })
        })
        .collect();
    let mut page = json!({"groups": groups, "reasons": reasons, "count": rows.len(),
                          "delivered": delivered,
                          "errors": {}, "values": {}, "failed_id": ""});
    if let (Some(p), Value::Object(e)) = (page.as_object_mut(), extra) {
        p.extend(e);
    }
    Ok(ctx.render(status, "courier", page))
}

/// A public map search for the address (no API key, nothing sent but the words): the
/// courier's phone opens it in the map app or the browser.
fn map_url(village: &str, address: &str) -> String {
    let words = if address.contains(village) {
        address.to_owned()
    } else {
        format!("{village} {address}")
    };
    let keyword: String = url_encode(words.trim());
    format!("https://uri.amap.com/search?keyword={keyword}")
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub async fn list(ctx: Ctx) -> PageResult {
    let user = ctx.require(&[Role::Courier])?.clone();
    render(&ctx, &user, StatusCode::OK, json!({})).await
}

pub async fn event(ctx: Ctx, path: web::Path<String>, form: Form) -> PageResult {
    let user = ctx.require(&[Role::Courier])?.clone();
    ctx.check_csrf(&form)?;
    let id = path.into_inner();
    let event = match DispatchEvent::parse(field(&form, "event")) {
        Ok(e) => e,
        Err(_) => return Ok(ctx.redirect("/courier", Some(("err", "bad_action")))),
    };
    let opt = |name: &str| field_opt(&form, name);
    let input = CourierInput {
        event,
        version: field(&form, "version").parse().unwrap_or(-1),
        reason: opt("reason"),
        reason_text: opt("reason_text"),
        code: opt("code"),
        signer: opt("signer"),
    };
    let values = json!({"reason": opt("reason"), "reason_text": opt("reason_text"),
                        "code": opt("code"), "signer": opt("signer")});
    let max = ctx.state.services.max_delivery_attempts;
    let (u, id2) = (user.clone(), id.clone());
    let client = crate::routes::audit_client(&ctx.req);
    match ctx
        .state
        .db
        .with_writer(move |c| run(c, &u, &id2, input, max, &client))
        .await
    {
        Ok(_) => Ok(ctx.redirect("/courier", Some(("ok", event.as_str())))),
        Err(e) => {
            let Some(problem) = ctx.problem(&e) else {
                return Err(ctx.fail(e));
            };
            let errors = ctx.field_errors(&e).unwrap_or_default();
            let status = refused_status(&e);
            render(
                &ctx,
                &user,
                status,
                json!({"problem": problem, "errors": errors, "values": values,
                       "failed_id": id, "failed_event": event.as_str()}),
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::map_url;

    #[test]
    fn the_map_link_searches_the_village_and_address() {
        assert_eq!(
            map_url("致富村", "3组 12号"),
            "https://uri.amap.com/search?keyword=%E8%87%B4%E5%AF%8C%E6%9D%91%203%E7%BB%84%2012%E5%8F%B7"
        );
        // The village is not said twice when the address already names it.
        assert!(map_url("致富村", "致富村3组").ends_with("=%E8%87%B4%E5%AF%8C%E6%9D%913%E7%BB%84"));
    }
}
