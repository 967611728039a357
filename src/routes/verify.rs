//! `GET /verify/{number}?t=TOKEN`: the public verification page a bank clerk reaches
//! by scanning the QR code, in HTML or (with `Accept: application/json`) JSON.
//!
//! The token's signature is checked first (no database work for a forged one),
//! then every signed field against the record, then the record's status. Only
//! what a verifier needs is shown: type, masked holder name, office, dates.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::models::now;
use crate::db::{applications, catalog, dispatches};
use crate::domain::calendar::china_date;
use crate::domain::revocation::RevocationCode;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::verify::mask::mask_name;
use crate::verify::Claims;
use crate::workflow::issue::office_name;

#[derive(Deserialize, IntoParams)]
pub struct VerifyQuery {
    /// The signed token from the QR code.
    pub t: Option<String>,
}

/// The verdict on a certificate.
#[derive(Serialize, ToSchema, Debug, Clone, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Genuine and within its validity.
    Valid,
    /// Genuine, but past its validity period.
    Expired,
    /// Genuine, but revoked by the issuing office.
    Revoked,
    /// No such certificate, or the token does not match it (forged or altered).
    Invalid,
}

#[derive(Serialize, ToSchema)]
pub struct VerifyResult {
    pub result: Verdict,
    /// 中文结论
    pub message: String,
    pub message_en: String,
    pub number: String,
    pub type_name: Option<String>,
    /// Masked, e.g. 张*伟.
    pub holder: Option<String>,
    pub office: Option<String>,
    pub issued_on: Option<String>,
    pub valid_until: Option<String>,
    pub revoked_on: Option<String>,
    /// Why it was revoked, from a fixed list (信息有误, 重复开具, 申请人撤回, 依法撤销,
    /// 其他); the official's own words are never shown here.
    pub revocation_reason: Option<String>,
    pub revocation_reason_en: Option<String>,
    pub revocation_code: Option<RevocationCode>,
}

impl VerifyResult {
    fn invalid(number: &str) -> VerifyResult {
        VerifyResult {
            result: Verdict::Invalid,
            message: "未能核验：查无此证明，或核验码与证明不符（可能伪造或被篡改）".into(),
            message_en: "Not verified: no such certificate, or the code does not match it (forged or altered)".into(),
            number: number.to_owned(),
            type_name: None,
            holder: None,
            office: None,
            issued_on: None,
            valid_until: None,
            revoked_on: None,
            revocation_reason: None,
            revocation_reason_en: None,
            revocation_code: None,
        }
    }
}

/// Public verification of a certificate (QR code target).
#[utoipa::path(get, path = "/verify/{certificate_number}", tag = "verification",
    params(("certificate_number" = String, Path), VerifyQuery),
    responses((status = 200, body = VerifyResult, description = "The verdict (HTML unless Accept: application/json)"),
              (status = 429, body = crate::error::ErrorBody)))]
pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    q: web::Query<VerifyQuery>,
) -> AppResult<HttpResponse> {
    // The client as the trusted proxy names it: behind nginx every peer is the proxy,
    // and one limit for everyone would lock the page for all.
    let client = crate::routes::client_ip(&req, state.settings.trust_forwarded_for);
    crate::workflow::verify_limit::check(&state, &client).await?;
    let number = path.into_inner();
    let result = check(&state, &number, q.t.as_deref().unwrap_or("")).await?;
    let wants_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let resp = if wants_json {
        HttpResponse::Ok().json(&result)
    } else {
        let mut page = serde_json::to_value(&result).map_err(AppError::internal)?;
        page["css_url"] = crate::routes::pages::assets::verify_css_url().into();
        let html = state
            .services
            .templates
            .render("verify.html", &page)
            .map_err(AppError::internal)?;
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(html)
    };
    Ok(resp)
}

async fn check(state: &AppState, number: &str, token: &str) -> AppResult<VerifyResult> {
    let keys = &state.services.keys;
    let Ok(claims) = Claims::verify(token, |kid| keys.public_key(kid)) else {
        return Ok(VerifyResult::invalid(number));
    };
    if claims.number != number {
        return Ok(VerifyResult::invalid(number));
    }
    let n = number.to_owned();
    let found = state
        .db
        .read(move |c| {
            let Some(cert) = dispatches::certificate_by_number(c, &n)? else {
                return Ok::<_, AppError>(None);
            };
            let app = applications::find(c, &cert.application_id, &crate::auth::Scope::All)?;
            let t = catalog::type_by_code(c, &cert.type_code)?;
            let county = &cert.issuer_code[..cert.issuer_code.len().min(6)];
            let names = catalog::jurisdiction_names(c, &[county, &cert.issuer_code])?;
            let office = office_name(
                names.get(county).map(String::as_str).unwrap_or(""),
                names
                    .get(&cert.issuer_code)
                    .map(String::as_str)
                    .unwrap_or(""),
            );
            Ok(Some((cert, app, t, office)))
        })
        .await?;
    let Some((cert, app, t, office)) = found else {
        return Ok(VerifyResult::invalid(number));
    };
    let issued_on = china_date(cert.issued_at.and_utc());
    let hash_ok = match claims.pdf_sha256 {
        None => true,
        Some(h) => hex::encode(h) == cert.pdf_sha256,
    };
    if claims.type_code != cert.type_code
        || claims.issued_on != issued_on
        || claims.office != cert.issuer_code
        || cert.key_id.as_deref() != Some(claims.key_id.as_str())
        || !hash_ok
    {
        return Ok(VerifyResult::invalid(number));
    }
    let fmt = |d: chrono::NaiveDate| d.format("%Y年%m月%d日").to_string();
    let valid_until = china_date(cert.valid_until.and_utc());
    let mut r = VerifyResult {
        result: Verdict::Valid,
        message: "经核验，此证明真实有效".into(),
        message_en: "Verified: this certificate is genuine and valid".into(),
        number: number.to_owned(),
        type_name: t.map(|t| t.title_zh),
        holder: app.map(|a| mask_name(&a.subject_name)),
        office: Some(office),
        issued_on: Some(fmt(issued_on)),
        valid_until: Some(fmt(valid_until)),
        revoked_on: None,
        revocation_reason: None,
        revocation_reason_en: None,
        revocation_code: None,
    };
    if cert.status == "revoked" {
        r.result = Verdict::Revoked;
        r.message = "此证明真实，但已被出具机关撤销，不再有效".into();
        r.message_en = "Genuine, but revoked by the issuing office: no longer valid".into();
        r.revoked_on = cert.revoked_at.map(|t| fmt(china_date(t.and_utc())));
        let code = RevocationCode::from_stored(cert.revocation_code.as_deref());
        r.revocation_reason = Some(code.label_zh().to_owned());
        r.revocation_reason_en = Some(code.label_en().to_owned());
        r.revocation_code = Some(code);
    } else if cert.valid_until < now() {
        r.result = Verdict::Expired;
        r.message = "此证明真实，但已超过有效期".into();
        r.message_en = "Genuine, but past its validity period".into();
    }
    Ok(r)
}
