//! SMS verification codes: 6 digits, valid 5 minutes, stored hashed, at most 5 tries,
//! one resend per phone and purpose a minute, daily caps per phone and per client
//! address. Everything is in the database, so the limits hold across instances.
//!
//! Asking for a code answers the same whether or not the phone has an account; the
//! SMS says what happened (a phone that is registered gets "you already have an
//! account" instead of a registration code). Such a request still writes a row, with
//! the hash of a code never sent, so the waits and caps count it like any other and
//! the code the caller types is "wrong or expired" like any bad code.

use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::db::models::{new_id, now, SmsCode};
use crate::db::{rate_limits, sms_codes, users, DbConn};
use crate::domain::phone::Phone;
use crate::domain::throttle::{seconds_until, try_again};
use crate::domain::Invalid;
use crate::error::{AppError, AppResult, Fields};
use crate::notify::outbox;
use crate::state::AppState;

pub const CODE_TTL: Duration = Duration::minutes(5);
pub const MAX_TRIES: i32 = 5;
pub const RESEND_AFTER: Duration = Duration::seconds(60);
const DAY: Duration = Duration::hours(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Register,
    ResetPassword,
    ChangePhone,
    /// A person's consent to an application made for them by someone else (issue 16).
    /// Sent for a draft through `workflow::proxy`, which binds the code to the draft.
    Consent,
}

impl Purpose {
    pub fn parse(s: &str) -> Result<Purpose, Invalid> {
        match s.trim() {
            "register" => Ok(Purpose::Register),
            "reset_password" => Ok(Purpose::ResetPassword),
            "change_phone" => Ok(Purpose::ChangePhone),
            "consent" => Ok(Purpose::Consent),
            _ => Err(Invalid::new(
                "用途只能是 register、reset_password、change_phone 或 consent",
                "The purpose must be register, reset_password, change_phone or consent",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Register => "register",
            Purpose::ResetPassword => "reset_password",
            Purpose::ChangePhone => "change_phone",
            Purpose::Consent => "consent",
        }
    }
}

/// The SHA-256 of the client address: what is stored instead of the address.
pub fn client_key(client: &str) -> String {
    hex::encode(Sha256::digest(client.as_bytes()))
}

fn code_hash(id: &str, code: &str) -> String {
    hex::encode(Sha256::digest(format!("{id}:{code}").as_bytes()))
}

fn new_code() -> String {
    format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32))
}

/// A code as typed: 6 digits (spaces ignored).
pub fn parse_code(s: &str) -> Result<String, Invalid> {
    let c: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()) {
        Ok(c)
    } else {
        Err(Invalid::new(
            "请输入短信验证码（6位数字）",
            "Enter the 6-digit code from the SMS",
        ))
    }
}

/// The one answer for a code that is wrong, used, expired, tried too often, or never
/// sent.
pub fn bad_code() -> AppError {
    AppError::field(
        "code",
        Invalid::new(
            "验证码错误或已失效，请重新获取",
            "The code is wrong or no longer valid; ask for a new one",
        ),
    )
}

fn retry(zh: &str, en: &str, until: NaiveDateTime, t: NaiveDateTime) -> AppError {
    let (when_zh, when_en) = try_again(until, t);
    AppError::RetryAfter(
        Invalid::new(format!("{zh}，{when_zh}"), format!("{en}; {when_en}")),
        seconds_until(until, t),
    )
}

/// Sends a code for `purpose` to `phone` (as typed), asked for from `client`. The
/// same `Ok` whether or not the phone has an account.
pub async fn request(state: &AppState, client: &str, phone: &str, purpose: &str) -> AppResult<()> {
    let mut f = Fields::default();
    let phone = f.take("phone", Phone::parse(phone));
    let purpose = f.take("purpose", Purpose::parse(purpose));
    f.finish()?;
    let (Some(phone), Some(purpose)) = (phone, purpose) else {
        return Err(AppError::internal("validated fields missing"));
    };
    if purpose == Purpose::Consent {
        // A consent code confirms one draft; a code not tied to a draft would confirm
        // nothing, so it is not sent at all.
        return Err(AppError::field(
            "purpose",
            Invalid::new(
                "同意验证码须针对具体申请发送：请使用 POST /api/v1/applications/{id}/consent-code（页面上为“向当事人手机发送同意验证码”）",
                "A consent code is sent for one application: use POST /api/v1/applications/{id}/consent-code (on the page: “Send the consent code to the person's phone”)",
            ),
        ));
    }
    let per_phone = state.settings.sms_code_daily_per_phone.max(1);
    let per_client = state.settings.sms_code_daily_per_client.max(1);
    let client = client_key(client);
    state
        .db
        .write(move |c| {
            issue(
                c,
                phone.as_str(),
                purpose,
                &client,
                (per_phone, per_client),
                now(),
            )
        })
        .await
}

fn issue(
    c: &mut DbConn,
    phone: &str,
    purpose: Purpose,
    client: &str,
    limits: (i64, i64),
    t: NaiveDateTime,
) -> AppResult<()> {
    issue_with(c, phone, purpose, client, limits, t, None).map(|_| ())
}

/// Sends a consent code for one draft (`workflow::proxy`): the same waits and caps as
/// any code, the text names who applies for what (`case_params`). Returns the code's
/// id, which the draft keeps: only that code confirms consent to it.
pub fn issue_for_case(
    c: &mut DbConn,
    phone: &str,
    client: &str,
    limits: (i64, i64),
    t: NaiveDateTime,
    case_params: &serde_json::Value,
) -> AppResult<String> {
    issue_with(
        c,
        phone,
        Purpose::Consent,
        &client_key(client),
        limits,
        t,
        Some(case_params),
    )
}

fn issue_with(
    c: &mut DbConn,
    phone: &str,
    purpose: Purpose,
    client: &str,
    (per_phone, per_client): (i64, i64),
    t: NaiveDateTime,
    case_params: Option<&serde_json::Value>,
) -> AppResult<String> {
    // The resend wait, counted atomically (the update holds the row on PostgreSQL).
    let key = format!(
        "sms:{}:{}",
        purpose.as_str(),
        hex::encode(Sha256::digest(phone.as_bytes()))
    );
    if rate_limits::hit(c, &key, RESEND_AFTER, t)? > 1 {
        let last = sms_codes::latest(c, phone, purpose.as_str())?.map_or(t, |r| r.created_at);
        return Err(retry(
            "验证码已发送，请勿频繁获取",
            "A code was sent a moment ago",
            last + RESEND_AFTER,
            t,
        ));
    }
    let (sent, oldest) = sms_codes::sent_to_phone(c, phone, t - DAY)?;
    if sent >= per_phone {
        return Err(retry(
            "该手机号今天获取验证码的次数已达上限",
            "This phone has had as many codes as allowed today",
            oldest.unwrap_or(t) + DAY,
            t,
        ));
    }
    let (asked, oldest) = sms_codes::asked_by_client(c, client, t - DAY)?;
    if asked >= per_client {
        return Err(retry(
            "您的网络今天获取验证码的次数已达上限",
            "Your network has asked for as many codes as allowed today",
            oldest.unwrap_or(t) + DAY,
            t,
        ));
    }
    let registered = users::phone_taken(c, phone)?;
    // The message the phone gets, and whether it carries a code that works.
    let (template, usable) = match (purpose, registered) {
        (Purpose::Consent, _) => (outbox::CONSENT_CASE, case_params.is_some()),
        (Purpose::Register, false) => (outbox::CODE_REGISTER, true),
        (Purpose::Register, true) => (outbox::CODE_REGISTER_KNOWN, false),
        (Purpose::ResetPassword, true) => (outbox::CODE_RESET_PASSWORD, true),
        (Purpose::ResetPassword, false) => (outbox::CODE_RESET_UNKNOWN, false),
        (Purpose::ChangePhone, false) => (outbox::CODE_CHANGE_PHONE, true),
        (Purpose::ChangePhone, true) => (outbox::CODE_CHANGE_PHONE_TAKEN, false),
    };
    let id = new_id();
    let code = new_code();
    let hashed = if usable {
        code_hash(&id, &code)
    } else {
        code_hash(&id, &format!("never sent {}", new_id()))
    };
    sms_codes::insert(
        c,
        &SmsCode {
            id: id.clone(),
            phone: phone.to_owned(),
            purpose: purpose.as_str().into(),
            code_hash: hashed,
            client_key: client.to_owned(),
            tries: 0,
            created_at: t,
            expires_at: t + CODE_TTL,
            consumed_at: None,
        },
    )?;
    let mut params = if usable {
        json!({"code": code})
    } else {
        json!({})
    };
    if let Some(serde_json::Value::Object(extra)) = case_params {
        for (k, v) in extra {
            params[k] = v.clone();
        }
    }
    outbox::queue(
        c,
        "sms",
        phone,
        template,
        &outbox::sms_params(&params),
        None,
    )?;
    sms_codes::purge(c, t - DAY - DAY)?;
    tracing::info!(purpose = purpose.as_str(), "SMS code requested");
    Ok(id)
}

/// Checks `code` against the code with this id (sent to `phone` for a draft, see
/// [`issue_for_case`]) and uses it up. Counts the try first, in the caller's
/// transaction; `Ok(Err(bad_code()))` when it does not match, so the caller can commit
/// the counted try and answer the error.
pub fn try_bound_code(
    c: &mut DbConn,
    id: &str,
    phone: &str,
    code: &str,
    t: NaiveDateTime,
) -> AppResult<Result<(), AppError>> {
    let Some(row) = sms_codes::by_id(c, id)? else {
        return Ok(Err(bad_code()));
    };
    if row.phone != phone || row.purpose != Purpose::Consent.as_str() {
        return Ok(Err(bad_code()));
    }
    if !sms_codes::take_try(c, id, MAX_TRIES, t)? {
        return Ok(Err(bad_code()));
    }
    let typed = code_hash(id, code);
    if !crate::auth::constant_time_eq(typed.as_bytes(), row.code_hash.as_bytes()) {
        return Ok(Err(bad_code()));
    }
    if !sms_codes::consume(c, id, t)? {
        return Ok(Err(bad_code()));
    }
    Ok(Ok(()))
}

/// Checks `code` against the newest code sent to `phone` for `purpose` and uses it up
/// (at most [`MAX_TRIES`] tries, the right one included).
/// `Ok(Err(bad_code()))` when it does not match: the caller commits anyway, so the
/// wrong try counts (see [`with_code`]).
/// Counts a try of `code` and compares it: `Ok(id)` of the matching code row, not yet
/// used up. The try stays counted whatever happens next.
fn try_code(
    c: &mut DbConn,
    phone: &str,
    purpose: Purpose,
    code: &str,
    t: NaiveDateTime,
) -> AppResult<Result<String, AppError>> {
    let Some(row) = sms_codes::latest(c, phone, purpose.as_str())? else {
        return Ok(Err(bad_code()));
    };
    // Every try counts, the right one too (at most five comparisons per code).
    if !sms_codes::take_try(c, &row.id, MAX_TRIES, t)? {
        return Ok(Err(bad_code()));
    }
    let typed = code_hash(&row.id, code);
    if !crate::auth::constant_time_eq(typed.as_bytes(), row.code_hash.as_bytes()) {
        return Ok(Err(bad_code()));
    }
    Ok(Ok(row.id))
}

/// Runs `body` in one write transaction after the code checks out. A wrong code
/// commits its counted try and answers [`bad_code`]. An error of `body` undoes the
/// code's use (a savepoint), so it can be used again, but not its counted try: one
/// code cannot ask `body` more than five times (e.g. whether an ID number is taken).
pub fn with_code<T>(
    conn: &mut DbConn,
    phone: &str,
    purpose: Purpose,
    code: &str,
    body: impl FnOnce(&mut DbConn, NaiveDateTime) -> AppResult<T>,
) -> AppResult<T> {
    let t = now();
    conn.write_tx(|c| -> AppResult<AppResult<T>> {
        let id = match try_code(c, phone, purpose, code, t)? {
            Err(e) => return Ok(Err(e)),
            Ok(id) => id,
        };
        Ok(diesel::Connection::transaction(c, |c| {
            if !sms_codes::consume(c, &id, t)? {
                return Err(bad_code());
            }
            body(c, t)
        }))
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits_and_purposes_are_known() {
        for _ in 0..100 {
            assert!(parse_code(&new_code()).is_ok());
        }
        assert_eq!(parse_code(" 012 345 ").unwrap(), "012345");
        assert!(parse_code("12345").is_err());
        assert!(parse_code("12345a").is_err());
        for p in ["register", "reset_password", "change_phone", "consent"] {
            assert_eq!(Purpose::parse(p).unwrap().as_str(), p);
        }
        assert!(Purpose::parse("login").is_err());
    }
}
