//! Writing messages to the outbox, in the transaction of the event that causes them.
//! Each message gets a `notify` job that sends it (docs/architecture.md §7).

use serde_json::{Map, Value};

use crate::db::models::{new_id, now, Application, Notification};
use crate::db::{notifications, DbConn};
use crate::error::{AppError, AppResult};

/// The job kind that sends one outbox message.
pub const KIND_NOTIFY: &str = "notify";
/// Attempts per message: with the default backoff (5 s doubling, capped at 1 h) the
/// last one comes about a day after the first.
pub const MAX_ATTEMPTS: i32 = 12;
/// SMS platforms accept short variables only; longer values are cut with "…" (a
/// reason is left out instead).
pub const SMS_PARAM_MAX_CHARS: usize = 20;

pub const SUBMITTED: &str = "submitted";
pub const RETURNED: &str = "returned";
pub const REJECTED: &str = "rejected";
/// The last approval: the certificate is issued in the same transaction, so one
/// message says both (the email carries the link to the PDF).
pub const APPROVED: &str = "approved";
/// The last approval could not draw the certificate (a character no font has): the
/// case stays with the office (`workflow::issue_blocked`). SMS only.
pub const ISSUE_BLOCKED: &str = "issue_blocked";
pub const DISPATCHED: &str = "dispatch_created";
pub const DELIVERED: &str = "delivered";
/// To a supervisor: a case ran past its node deadline (issue 7). SMS only.
pub const ESCALATED: &str = "overdue_escalated";

/// To the officials holding a case: a supervisor urged it (督办); the note is on the
/// case page, not in the SMS.
pub const URGED: &str = "urged";
/// To the officials of the township: too many wrong delivery codes locked a dispatch.
pub const DELIVERY_LOCKED: &str = "delivery_locked";
/// To the delivery phone: an attempt failed (`reason`), and whether it was the last
/// one (`last`: the certificate goes back to the office) or the courier comes again.
pub const DELIVERY_FAILED: &str = "delivery_failed";
/// To the delivery phone: a new delivery code from the office (the old one is void).
pub const DELIVERY_CODE: &str = "delivery_code";

/// To an admin: next year's holiday calendar is not loaded yet (weekly from October).
pub const CALENDAR_MISSING: &str = "calendar_missing";

/// SMS verification codes (`workflow::sms_codes`), one template per answer: the code
/// itself is the `code` parameter. The `*_KNOWN`/`*_UNKNOWN`/`*_TAKEN` texts carry no
/// code; they tell the phone's owner what was asked and why nothing can be done.
pub const CODE_REGISTER: &str = "code_register";
pub const CODE_REGISTER_KNOWN: &str = "code_register_known";
pub const CODE_RESET_PASSWORD: &str = "code_reset_password";
pub const CODE_RESET_UNKNOWN: &str = "code_reset_unknown";
pub const CODE_CHANGE_PHONE: &str = "code_change_phone";
pub const CODE_CHANGE_PHONE_TAKEN: &str = "code_change_phone_taken";
pub const CODE_CONSENT: &str = "code_consent";
/// A consent code for one draft made for the phone's owner (issue 16): names who
/// applies (`applicant`) and for what (`type_name`).
pub const CONSENT_CASE: &str = "consent_case";
/// To the subject of an application someone else submitted (issue 16), so that misuse
/// is seen: `applicant`, `type_name`, `number`.
pub const ABOUT_YOU: &str = "about_you";
/// A staff member's one-time password after an admin's reset, sent to their own phone
/// (`code`: the password, blanked once sent).
pub const STAFF_PASSWORD: &str = "staff_password";
/// To the old phone of an account moved to a new one (`phone`: the new one, masked).
pub const PHONE_CHANGED: &str = "phone_changed";

/// Codes with an email template besides the SMS text.
pub const WITH_EMAIL: [&str; 5] = [SUBMITTED, RETURNED, REJECTED, APPROVED, DELIVERED];
/// Codes sent by SMS only (no email templates).
pub const SMS_ONLY: [&str; 19] = [
    ISSUE_BLOCKED,
    DISPATCHED,
    ESCALATED,
    CALENDAR_MISSING,
    DELIVERY_LOCKED,
    DELIVERY_CODE,
    DELIVERY_FAILED,
    URGED,
    CODE_REGISTER,
    CODE_REGISTER_KNOWN,
    CODE_RESET_PASSWORD,
    CODE_RESET_UNKNOWN,
    CODE_CHANGE_PHONE,
    CODE_CHANGE_PHONE_TAKEN,
    CODE_CONSENT,
    PHONE_CHANGED,
    CONSENT_CASE,
    ABOUT_YOU,
    STAFF_PASSWORD,
];

/// Every template code, for checks over templates/: each is listed once, above.
pub fn all() -> impl Iterator<Item = &'static str> {
    WITH_EMAIL.into_iter().chain(SMS_ONLY)
}

/// Queues one message and the job that sends it.
pub fn queue(
    conn: &mut DbConn,
    channel: &str,
    recipient: &str,
    template: &str,
    params: &Value,
    application_id: Option<&str>,
) -> AppResult<String> {
    let at = now();
    let id = new_id();
    notifications::insert(
        conn,
        &Notification {
            id: id.clone(),
            channel: channel.into(),
            recipient: recipient.into(),
            template_code: template.into(),
            template_version: 1,
            params: params.to_string(),
            application_id: application_id.map(str::to_owned),
            status: "queued".into(),
            attempts: 0,
            next_attempt_at: at,
            last_error: None,
            created_at: at,
            sent_at: None,
        },
    )?;
    crate::jobs::enqueue(
        conn,
        KIND_NOTIFY,
        &serde_json::json!({ "notification_id": id }),
        MAX_ATTEMPTS,
    )?;
    Ok(id)
}

/// Cuts every string value to what an SMS template variable may hold.
pub fn sms_params(params: &Value) -> Value {
    let Some(m) = params.as_object() else {
        return params.clone();
    };
    let cut: Map<String, Value> = m
        .iter()
        .map(|(k, v)| {
            let v = match v.as_str() {
                // A reason cut mid-sentence misleads: too long, it is left out, and the
                // text sends the person to the case page, where it stands in full.
                Some(s) if k == "reason" && s.chars().count() > SMS_PARAM_MAX_CHARS => {
                    Value::String(String::new())
                }
                Some(s) if s.chars().count() > SMS_PARAM_MAX_CHARS => {
                    let head: String = s.chars().take(SMS_PARAM_MAX_CHARS - 1).collect();
                    Value::String(format!("{head}…"))
                }
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect();
    Value::Object(cut)
}

/// Messages the applicant about their application: an SMS to the account phone
/// (always — these notices are required), and an email if they gave an address and
/// did not opt out. `params` gets the application number.
pub fn to_applicant(
    conn: &mut DbConn,
    app: &Application,
    template: &str,
    mut params: Value,
) -> AppResult<()> {
    let contact = notifications::contact_of(conn, &app.applicant_id)?
        .ok_or_else(|| AppError::internal("application without applicant"))?;
    params["number"] = Value::String(app.number.clone());
    queue(
        conn,
        "sms",
        &contact.phone,
        template,
        &sms_params(&params),
        Some(&app.id),
    )?;
    if let (Some(email), false) = (&contact.email, contact.email_opt_out) {
        params["lang"] = Value::String(contact.language.clone());
        queue(conn, "email", email, template, &params, Some(&app.id))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sms_params_are_cut_to_short_variables() {
        let p = sms_params(&serde_json::json!({
            "number": "ZM2026000123",
            "reason": "户口簿复印件不清晰，请重新拍照上传，并补充租房合同原件照片",
            "n": 3
        }));
        assert_eq!(p["number"], "ZM2026000123");
        assert_eq!(p["reason"], "", "a long reason is left out, never cut");
        assert_eq!(p["n"], 3);
        let p = sms_params(
            &serde_json::json!({"reason": "身份证照片不清晰", "signer": "长".repeat(30)}),
        );
        assert_eq!(p["reason"], "身份证照片不清晰", "a short one is kept whole");
        assert!(p["signer"].as_str().unwrap().ends_with('…'));
    }
}
