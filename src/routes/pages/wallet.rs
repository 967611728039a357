//! 我的证明 (the certificate wallet): every certificate issued on the resident's own
//! applications, its validity and status, opened in the browser, with its public check.

use chrono::Utc;
use serde_json::json;

use super::ctx::Ctx;
use super::error::PageResult;
use super::i18n::{self, Lang};
use super::view;
use crate::db::models::Certificate;
use crate::db::{catalog, wallet};
use crate::domain::calendar::china_date;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::verify::token::Claims;
use crate::verify::KeyRing;

/// valid / expired / revoked, as the holder and a verifier would see it now.
fn standing(status: &str, valid_until: chrono::NaiveDateTime) -> &'static str {
    if status == "revoked" {
        "revoked"
    } else if valid_until < Utc::now().naive_utc() {
        "expired"
    } else {
        "valid"
    }
}

fn standing_label(lang: Lang, s: &str) -> &'static str {
    match (lang, s) {
        (Lang::Zh, "valid") => "有效",
        (Lang::Zh, "expired") => "已过期",
        (Lang::Zh, _) => "已作废",
        (_, "valid") => "Valid",
        (_, "expired") => "Expired",
        _ => "Revoked",
    }
}

/// The link in the certificate's QR code, signed again (Ed25519 is deterministic, so it
/// is the very link printed) — while the key that signed it is still the active one.
fn verify_link(keys: &KeyRing, cert: &Certificate) -> Option<String> {
    if cert.key_id.as_deref() != Some(keys.active_kid()) {
        return None;
    }
    let claims = Claims {
        number: cert.number.clone(),
        type_code: cert.type_code.clone(),
        issued_on: china_date(cert.issued_at.and_utc()),
        office: cert.issuer_code.clone(),
        key_id: keys.active_kid().to_owned(),
        pdf_sha256: None,
    };
    let token = claims.sign(keys.signing_key()?).ok()?;
    Some(format!("/verify/{}?t={token}", cert.number))
}

pub async fn page(ctx: Ctx) -> PageResult {
    let user = ctx.require(&[Role::Resident])?.clone();
    let (rows, types) = ctx
        .state
        .db
        .read(move |c| {
            let rows = wallet::of_applicant(c, &user.id)?;
            let types = catalog::active_types(c)?;
            Ok::<_, AppError>((rows, types))
        })
        .await
        .map_err(|e| ctx.fail(e))?;
    let lang = ctx.lang;
    let items: Vec<_> = rows
        .iter()
        .map(|(cert, app_id, subject)| {
            let type_name = types
                .iter()
                .find(|t| t.code == cert.type_code)
                .map(|t| view::type_name(lang, t))
                .unwrap_or_else(|| cert.type_code.clone());
            let s = standing(&cert.status, cert.valid_until);
            json!({
                "number": cert.number, "type_name": type_name, "subject": subject,
                "case_url": format!("/my/{app_id}"),
                "pdf_url": format!("/api/v1/applications/{app_id}/certificate.pdf"),
                "verify_url": verify_link(&ctx.state.services.keys, cert),
                "issued_on": i18n::date(lang, cert.issued_at),
                "valid_until": i18n::date(lang, cert.valid_until),
                "standing": s, "standing_label": standing_label(lang, s),
            })
        })
        .collect();
    Ok(ctx.ok("wallet", json!({"items": items})))
}
