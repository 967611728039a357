//! A courier works a dispatch: pick-up, out for delivery, failed attempt, delivery
//! (with the resident's one-time code and the signer's name), return to the office.

use crate::auth::CurrentUser;
use crate::db::dispatches::DispatchScope;
use crate::db::models::{new_id, now, Dispatch, DispatchEventRow};
use crate::db::{applications, dispatches, users, DbConn};
use crate::domain::dispatch::{
    after_wrong_code, code_locked, code_wrong, next_dispatch_status, DispatchEvent, DispatchStatus,
    FailReason, MAX_CODE_FAILURES,
};
use crate::domain::role::{Level, Role};
use crate::domain::status::{next_status, Action, ApplicationStatus};
use crate::domain::{text, Invalid};
use crate::error::{AppError, AppResult};

use super::audit::{self, Client};
use super::{save_transition, EventInput};

pub struct CourierInput {
    pub event: DispatchEvent,
    pub version: i32,
    pub reason: Option<String>,
    pub reason_text: Option<String>,
    pub code: Option<String>,
    pub signer: Option<String>,
}

pub fn scope_of(user: &CurrentUser) -> DispatchScope {
    match (user.role, &user.jurisdiction) {
        (Role::Admin, Some((code, Level::County))) => DispatchScope::Area {
            level: Level::County,
            code: code.clone(),
            courier: None,
        },
        (Role::Admin, _) => DispatchScope::All,
        (Role::Resident, _) | (_, None) => DispatchScope::Nothing,
        (role, Some((code, level))) => DispatchScope::Area {
            level: *level,
            code: code.clone(),
            courier: (role == Role::Courier).then(|| user.id.clone()),
        },
    }
}

/// What [`record`] did: the event, or a refusal that still changed the dispatch (a
/// wrong delivery code counts against it, and may lock it) and so must be committed.
pub enum Recorded {
    Done(Box<Dispatch>),
    Refused(AppError),
}

/// Records one courier event in its own write transaction (a refused delivery code is
/// committed, then answered as the error it is).
pub fn run(
    conn: &mut DbConn,
    user: &CurrentUser,
    dispatch_id: &str,
    input: CourierInput,
    max_attempts: i32,
    client: &Client,
) -> AppResult<Dispatch> {
    match conn.write_tx(|c| record(c, user, dispatch_id, input, max_attempts, client))? {
        Recorded::Done(d) => Ok(*d),
        Recorded::Refused(e) => Err(e),
    }
}

pub fn record(
    conn: &mut DbConn,
    user: &CurrentUser,
    dispatch_id: &str,
    input: CourierInput,
    max_attempts: i32,
    client: &Client,
) -> AppResult<Recorded> {
    let mut d =
        dispatches::find(conn, dispatch_id, &scope_of(user))?.ok_or_else(AppError::not_found)?;
    user.require_role(&[Role::Courier])?;
    if input.version != d.version {
        return Err(AppError::stale());
    }
    let from = DispatchStatus::parse(&d.status)
        .ok_or_else(|| AppError::internal("bad dispatch status"))?;
    let to = next_dispatch_status(from, input.event, d.failed_attempts, max_attempts)
        .map_err(AppError::Conflict)?;
    let at = now();
    let mut reason: Option<FailReason> = None;
    let mut signer: Option<String> = None;
    match input.event {
        DispatchEvent::PickUp => {
            d.courier_id.get_or_insert_with(|| user.id.clone());
        }
        DispatchEvent::Fail => {
            let code = input.reason.as_deref().unwrap_or("");
            let r = FailReason::parse(code, input.reason_text.as_deref())
                .map_err(|e| AppError::field("reason", e))?;
            d.failed_attempts += 1;
            reason = Some(r);
        }
        DispatchEvent::Deliver => {
            let code = input.code.as_deref().map(str::trim).unwrap_or("");
            if code.is_empty() {
                return Err(AppError::field(
                    "code",
                    Invalid::new(
                        "请输入收件人手机收到的投递验证码",
                        "Enter the delivery code the recipient received by SMS",
                    ),
                ));
            }
            // Each try is counted before the code is checked; a locked dispatch takes
            // none, even with the right code.
            let Some(tries) = dispatches::take_code_try(conn, &d.id, MAX_CODE_FAILURES)? else {
                return Ok(Recorded::Refused(AppError::TooManyRequests(code_locked())));
            };
            let typed = super::dispatch::code_hash(&d.id, code);
            if !crate::auth::constant_time_eq(typed.as_bytes(), d.code_hash.as_bytes()) {
                // Counted from the row as it is now, not as it was read: tries made at
                // the same time each see their own number.
                let (failures, locks) = after_wrong_code(tries - 1);
                if !locks {
                    return Ok(Recorded::Refused(AppError::field(
                        "code",
                        code_wrong(MAX_CODE_FAILURES - failures),
                    )));
                }
                dispatches::lock_codes(conn, &d.id, at)?;
                tell_office_locked(conn, user, &d, client)?;
                return Ok(Recorded::Refused(AppError::TooManyRequests(code_locked())));
            }
            let name = text::person_name(input.signer.as_deref().unwrap_or(""))
                .map_err(|e| AppError::field("signer", e))?;
            d.signer = Some(name.clone());
            d.delivered_at = Some(at);
            signer = Some(name);
        }
        DispatchEvent::OutForDelivery | DispatchEvent::Return => {}
    }
    let version = d.version;
    d.status = to.as_str().into();
    d.version += 1;
    d.updated_at = at;
    if !dispatches::update_if_version(conn, &d, version)? {
        return Err(AppError::stale());
    }
    let seq = dispatches::last_event_seq(conn, &d.id)? + 1;
    dispatches::insert_event(
        conn,
        &DispatchEventRow {
            id: new_id(),
            dispatch_id: d.id.clone(),
            seq,
            event: input.event.as_str().into(),
            from_status: from.as_str().into(),
            to_status: to.as_str().into(),
            actor_id: Some(user.id.clone()),
            reason_code: reason.as_ref().map(|r| r.code().to_owned()),
            reason_text: reason.as_ref().map(FailReason::describe_zh),
            signer,
            created_at: at,
        },
    )?;
    if to == DispatchStatus::Delivered {
        complete_application(conn, user, &d.application_id, d.signer.as_deref())?;
    }
    if let Some(r) = &reason {
        tell_recipient_failed(conn, &d, r, max_attempts)?;
    }
    Ok(Recorded::Done(Box::new(d)))
}

/// A failed attempt: the recipient learns why and what comes next — another attempt,
/// or (the last one allowed) the certificate going back to the township office.
fn tell_recipient_failed(
    conn: &mut DbConn,
    d: &Dispatch,
    reason: &FailReason,
    max_attempts: i32,
) -> AppResult<()> {
    let last = d.failed_attempts >= max_attempts.max(1);
    let params = serde_json::json!({
        "tracking_number": d.tracking_number,
        "reason": reason.describe_zh(),
        "last": last,
    });
    crate::notify::outbox::queue(
        conn,
        "sms",
        &d.phone,
        crate::notify::outbox::DELIVERY_FAILED,
        &crate::notify::outbox::sms_params(&params),
        Some(&d.application_id),
    )?;
    Ok(())
}

/// The 5th wrong code locked the dispatch: the officials of its township get an SMS,
/// and the lock is in the audit log.
fn tell_office_locked(
    conn: &mut DbConn,
    user: &CurrentUser,
    d: &Dispatch,
    client: &Client,
) -> AppResult<()> {
    let params = serde_json::json!({ "tracking_number": d.tracking_number });
    for official in users::staff_in(conn, Role::Official.as_str(), &d.township_code)? {
        if official.status == "active" {
            crate::notify::outbox::queue(
                conn,
                "sms",
                &official.phone,
                crate::notify::outbox::DELIVERY_LOCKED,
                &params,
                Some(&d.application_id),
            )?;
        }
    }
    audit::record(
        conn,
        client,
        audit::Entry {
            user_id: Some(user.id.clone()),
            action: audit::action::DELIVERY_LOCKED,
            target_type: "dispatch",
            target_id: d.id.clone(),
            outcome: "refused",
            application_id: Some(d.application_id.clone()),
            detail: Some(d.tracking_number.clone()),
            ..audit::Entry::default()
        },
    )
}

/// An official of the office sends the recipient a new delivery code (the old one
/// stops working); this also unlocks a dispatch locked by wrong codes.
pub fn reissue_code(
    conn: &mut DbConn,
    user: &CurrentUser,
    dispatch_id: &str,
    client: &Client,
) -> AppResult<Dispatch> {
    let mut d =
        dispatches::find(conn, dispatch_id, &scope_of(user))?.ok_or_else(AppError::not_found)?;
    user.require_role(&[Role::Official])?;
    let status = DispatchStatus::parse(&d.status)
        .ok_or_else(|| AppError::internal("bad dispatch status"))?;
    if status.is_terminal() {
        return Err(AppError::conflict(
            "该投递已结束，无需重发验证码",
            "This dispatch is finished; no new code is needed",
        ));
    }
    let code = super::dispatch::new_code();
    let version = d.version;
    let was_locked = d.locked_at.is_some();
    d.code_hash = super::dispatch::code_hash(&d.id, &code);
    d.code_failures = 0;
    d.locked_at = None;
    d.version += 1;
    d.updated_at = now();
    if !dispatches::update_if_version(conn, &d, version)? {
        return Err(AppError::stale());
    }
    let number = applications::find(conn, &d.application_id, &crate::auth::Scope::All)?
        .map(|a| a.number)
        .unwrap_or_default();
    crate::notify::outbox::queue(
        conn,
        "sms",
        &d.phone,
        crate::notify::outbox::DELIVERY_CODE,
        &serde_json::json!({
            "number": number,
            "tracking_number": d.tracking_number,
            "code": code,
        }),
        Some(&d.application_id),
    )?;
    audit::record(
        conn,
        client,
        audit::Entry {
            user_id: Some(user.id.clone()),
            action: audit::action::DELIVERY_CODE_REISSUED,
            target_type: "dispatch",
            target_id: d.id.clone(),
            application_id: Some(d.application_id.clone()),
            detail: Some(if was_locked { "unlocked" } else { "resent" }.to_owned()),
            ..audit::Entry::default()
        },
    )?;
    Ok(d)
}

/// Delivery finishes the case: dispatched → completed, recorded as the courier's act.
fn complete_application(
    conn: &mut DbConn,
    user: &CurrentUser,
    application_id: &str,
    signer: Option<&str>,
) -> AppResult<()> {
    let mut app = applications::find(conn, application_id, &crate::auth::Scope::All)?
        .ok_or_else(|| AppError::internal("dispatch without application"))?;
    let from =
        ApplicationStatus::parse(&app.status).ok_or_else(|| AppError::internal("bad status"))?;
    let to = next_status(from, Action::Deliver, true).map_err(AppError::Conflict)?;
    let at = now();
    save_transition(
        conn,
        &mut app,
        EventInput {
            action: Action::Deliver.as_str(),
            from: Some(from.as_str()),
            to: to.as_str(),
            step: None,
            actor_id: Some(&user.id),
            actor_role: user.role.as_str(),
            reason: None,
            at,
            node_deadline: None,
        },
    )?;
    crate::notify::outbox::to_applicant(
        conn,
        &app,
        crate::notify::outbox::DELIVERED,
        serde_json::json!({ "signer": signer.unwrap_or("") }),
    )
}
