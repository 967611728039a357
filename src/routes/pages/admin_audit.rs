//! The admin's audit page (`/admin/audit`): the audit log newest first, filtered by a
//! person (phone or name) or a case number, a page at a time — the same read as
//! `GET /api/v1/admin/audit` and `zhengming audit`.

use actix_web::web;
use serde::Deserialize;
use serde_json::json;

use super::ctx::{urlencode, Ctx};
use super::error::PageResult;
use super::i18n;
use crate::domain::role::Role;
use crate::read_model::audit;

#[derive(Deserialize)]
pub struct AuditQuery {
    user: Option<String>,
    case: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
}

pub async fn page(ctx: Ctx, q: web::Query<AuditQuery>) -> PageResult {
    let county = crate::auth::scope::Scope::admin_county(ctx.require(&[Role::Admin])?);
    let q = q.into_inner();
    let clean = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (user, case) = (clean(&q.user), clean(&q.case));
    let (action, from, to) = (clean(&q.action), clean(&q.from), clean(&q.to));
    let narrow = audit::Narrow {
        action: action.clone(),
        from: from.clone(),
        to: to.clone(),
        county: county.clone(),
    };
    let (u, c, cursor, n) = (user.clone(), case.clone(), q.cursor.clone(), narrow.clone());
    // A mistyped cursor shows the first page rather than an error; a mistyped filter
    // is said above the list, which is then unfiltered by it.
    let (list, problem) = ctx
        .state
        .db
        .read(move |conn| {
            match audit::list_narrowed(conn, u.clone(), c.clone(), &n, cursor.as_deref(), 50)
                .or_else(|_| audit::list_narrowed(conn, u.clone(), c.clone(), &n, None, 50))
            {
                Ok(l) => Ok((l, None)),
                Err(e @ crate::error::AppError::Validation(_)) => {
                    // Unfiltered by what was mistyped, still held to the county.
                    let only_county = audit::Narrow {
                        county,
                        ..Default::default()
                    };
                    Ok((
                        audit::list_narrowed(conn, u, c, &only_county, None, 50)?,
                        Some(e),
                    ))
                }
                Err(e) => Err(e),
            }
        })
        .await
        .map_err(|e| ctx.fail(e))?;
    let problems: Vec<String> = problem
        .and_then(|e| ctx.field_errors(&e))
        .map(|m| {
            m.values()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let lang = ctx.lang;
    let items: Vec<_> = list
        .items
        .iter()
        .map(|e| {
            let action_key = format!("audit_action_{}", e.action);
            json!({
                "at": i18n::datetime(lang, e.at.naive_utc()),
                "action": i18n::get(lang, &action_key).unwrap_or(&e.action),
                "failed": e.outcome != "ok",
                "outcome": i18n::get(lang, &format!("audit_outcome_{}", e.outcome)).unwrap_or(&e.outcome),
                "who": e.user_name.clone().unwrap_or_default(),
                "phone": e.phone,
                "case_number": e.case_number,
                "target": format!("{} {}", e.target_type, e.target_id.chars().take(13).collect::<String>()),
                "client_addr": e.client_addr,
                "user_agent": e.user_agent,
                "detail": e.detail,
            })
        })
        .collect();
    let mut query = String::new();
    for (k, v) in [
        ("user", &user),
        ("case", &case),
        ("action", &action),
        ("from", &from),
        ("to", &to),
    ] {
        if let Some(v) = v {
            query.push_str(&format!("{k}={}&", urlencode(v)));
        }
    }
    let next = list
        .next_cursor
        .map(|c| format!("/admin/audit?{query}cursor={}", urlencode(&c)));
    Ok(ctx.ok(
        "admin_audit",
        json!({"items": items, "filters": {"user": user, "case": case, "action": action, "from": from, "to": to},
               "actions": crate::workflow::audit::action::ALL.iter()
                   .map(|a| json!({"code": a, "label": i18n::get(lang, &format!("audit_action_{a}")).unwrap_or(a)}))
                   .collect::<Vec<_>>(),
               "problems": problems, "next": next,
               "first": q.cursor.is_some().then(|| format!("/admin/audit?{}", query.trim_end_matches('&')))}),
    ))
}

#[cfg(test)]
mod tests {
    use super::i18n::{self, Lang};

    #[test]
    fn every_audited_action_has_a_label_in_both_languages() {
        for a in crate::workflow::audit::action::ALL {
            for lang in [Lang::Zh, Lang::En] {
                let key = format!("audit_action_{a}");
                assert!(i18n::get(lang, &key).is_some(), "{key} missing");
            }
        }
    }
}
