//! Revoking an issued certificate: an official of the issuing township (or of its
//! county) picks the public reason from a fixed list and writes the reason in their
//! own words; the certificate turns `revoked` and both go to the application's event
//! trail. The verify page says so from then on, with the listed reason only.

use crate::auth::CurrentUser;
use crate::db::models::{now, Certificate};
use crate::db::{applications, dispatches, DbConn};
use crate::domain::revocation::RevocationCode;
use crate::domain::role::{Level, Role};
use crate::domain::text;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};

use super::{record_event, EventInput};

pub fn revoke(
    conn: &mut DbConn,
    user: &CurrentUser,
    number: &str,
    reason: &str,
    code: RevocationCode,
) -> AppResult<Certificate> {
    let reason = reason.trim();
    // Scope first (not found outside it), then role.
    let cert = dispatches::certificate_by_number(conn, number)?
        .filter(|c| match &user.jurisdiction {
            Some((code, Level::Township)) => c.issuer_code == *code,
            Some((code, Level::County)) => c.issuer_code.starts_with(code.as_str()),
            _ => user.role == Role::Admin,
        })
        .ok_or_else(AppError::not_found)?;
    user.require_role(&[Role::Official])?;
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::field(
            "reason",
            Invalid::new(
                "请填写撤销理由（不超过500字）",
                "Give the reason for revoking (at most 500 characters)",
            ),
        ));
    }
    let at = now();
    let reason = text::required(reason, "撤销理由", "The reason for revoking", 500)
        .map_err(|e| AppError::field("reason", e))?;
    if !dispatches::revoke_certificate(conn, &cert.id, at, &reason, code.as_str())? {
        return Err(AppError::conflict(
            "该证明已被撤销",
            "This certificate has already been revoked",
        ));
    }
    let app = applications::find(conn, &cert.application_id, &crate::auth::Scope::All)?
        .ok_or_else(|| AppError::internal("certificate without application"))?;
    record_event(
        conn,
        &app.id,
        EventInput {
            action: "revoke",
            from: Some(&app.status),
            to: &app.status,
            step: None,
            actor_id: Some(&user.id),
            actor_role: user.role.as_str(),
            reason: Some(&reason),
            at,
            node_deadline: None,
        },
    )?;
    dispatches::certificate_by_number(conn, number)?
        .ok_or_else(|| AppError::internal("certificate vanished"))
}
