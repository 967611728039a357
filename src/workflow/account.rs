//! The account's own secrets: a forgotten password reset by SMS code, a password
//! changed while signed in, the account moved to a new phone (proven by a code sent
//! there). The page and the API call the same functions.

use crate::auth::{password, CurrentUser};
use crate::db::{sign_in_failures, users};
use crate::domain::phone::Phone;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult, Fields};
use crate::notify::{mask, outbox};
use crate::state::AppState;
use crate::workflow::audit::{self, Client};
use crate::workflow::session::{phone_key, verify_password};
use crate::workflow::sms_codes::{self, bad_code, Purpose};

fn hash(pw: String) -> impl FnOnce() -> AppResult<String> {
    move || password::hash(&pw).map_err(AppError::internal)
}

/// The account's ID number in clear (it is stored sealed), for "the password may not
/// be the ID number"; empty when there is none.
fn id_number_of(keys: &crate::crypto::DataKeys, stored: Option<&str>) -> AppResult<String> {
    match stored {
        Some(s) if !s.is_empty() => keys.open(s).map_err(AppError::internal),
        _ => Ok(String::new()),
    }
}

fn same_as_id() -> AppError {
    AppError::field(
        "new_password",
        Invalid::new(
            "密码不能与手机号或身份证号相同",
            "The password must not be your phone number or ID number",
        ),
    )
}

fn wrong_current() -> AppError {
    AppError::field(
        "current_password",
        Invalid::new("当前密码不正确", "The current password is wrong"),
    )
}

/// `POST /api/v1/password-reset`: a new password for the account of `phone`, proven
/// by a `reset_password` code. The answer is the same whether or not the phone has an
/// account (an unknown phone was never sent a code that works). Every session of the
/// account ends and its sign-in lock is lifted.
pub async fn reset_password(
    state: &AppState,
    client: &Client,
    phone: &str,
    code: &str,
    new_password: String,
) -> AppResult<()> {
    let mut f = Fields::default();
    let phone = f.take("phone", Phone::parse(phone));
    let code = f.take("code", sms_codes::parse_code(code));
    let personal = [phone.as_ref().map(|p| p.as_str()).unwrap_or("")];
    f.take(
        "new_password",
        password::check_policy(&new_password, &personal),
    );
    f.finish()?;
    let (Some(phone), Some(code)) = (phone, code) else {
        return Err(AppError::internal("validated fields missing"));
    };
    let check = new_password.clone();
    let hashed = tokio::task::spawn_blocking(hash(new_password))
        .await
        .map_err(AppError::internal)??;
    let keys = state.services.data_keys.clone();
    let client = client.clone();
    let user_id = state
        .db
        .with_writer(move |c| {
            sms_codes::with_code(c, phone.as_str(), Purpose::ResetPassword, &code, |c, t| {
                let user = users::by_phone(c, phone.as_str())?.ok_or_else(bad_code)?;
                let id = id_number_of(&keys, user.id_number.as_deref())?;
                if password::check_policy(&check, &[&id]).is_err() {
                    return Err(same_as_id());
                }
                users::set_password(c, &user.id, &hashed, t)?;
                users::delete_sessions_of(c, &user.id, None)?;
                sign_in_failures::delete(c, &phone_key(&phone))?;
                audit::record(
                    c,
                    &client,
                    audit::Entry {
                        user_id: Some(user.id.clone()),
                        action: audit::action::PASSWORD_RESET,
                        target_type: "user",
                        target_id: user.id.clone(),
                        phone: Some(phone.as_str().to_owned()),
                        detail: Some("sms_code".to_owned()),
                        ..audit::Entry::default()
                    },
                )?;
                Ok(user.id)
            })
        })
        .await?;
    tracing::info!(user_id = %user_id, "password reset by SMS code");
    Ok(())
}

/// `POST /api/v1/me/password`: the current password, then the new one. Every other
/// session of the account ends; this one stays.
pub async fn change_password(
    state: &AppState,
    client: &Client,
    user: &CurrentUser,
    current: String,
    new_password: String,
) -> AppResult<()> {
    let uid = user.id.clone();
    let account = state
        .db
        .read(move |c| Ok::<_, AppError>(users::by_id(c, &uid)?))
        .await?
        .ok_or_else(AppError::unauthorized)?;
    let id_number = id_number_of(&state.services.data_keys, account.id_number.as_deref())?;
    let personal = [account.phone.as_str(), id_number.as_str()];
    let mut f = Fields::default();
    if current.is_empty() {
        f.add(
            "current_password",
            Invalid::new("请输入当前密码", "Enter the current password"),
        );
    }
    f.take(
        "new_password",
        password::check_policy(&new_password, &personal),
    );
    if current == new_password && !current.is_empty() {
        f.add(
            "new_password",
            Invalid::new(
                "新密码不能与当前密码相同",
                "The new password must differ from the current one",
            ),
        );
    }
    f.finish()?;
    let phone = Phone::parse(&account.phone).map_err(AppError::internal)?;
    if !verify_password(state, &phone, current, account.password_hash.clone()).await? {
        return Err(wrong_current());
    }
    let hashed = tokio::task::spawn_blocking(hash(new_password))
        .await
        .map_err(AppError::internal)??;
    let (uid, keep) = (user.id.clone(), user.session_id.clone());
    let client = client.clone();
    state
        .db
        .write(move |c| {
            let t = crate::db::models::now();
            users::set_password(c, &uid, &hashed, t)?;
            let ended = users::delete_sessions_of(c, &uid, Some(&keep))?;
            audit::record(
                c,
                &client,
                audit::Entry {
                    user_id: Some(uid.clone()),
                    action: audit::action::PASSWORD_CHANGE,
                    target_type: "user",
                    target_id: uid.clone(),
                    detail: Some(format!("other_sessions_ended={ended}")),
                    ..audit::Entry::default()
                },
            )?;
            Ok::<_, AppError>(())
        })
        .await?;
    tracing::info!(user_id = %user.id, "password changed");
    Ok(())
}

/// `POST /api/v1/me/phone`: moves the account to `new_phone`, proven by the
/// `change_phone` code sent there, with the current password. Returns the new phone.
pub async fn change_phone(
    state: &AppState,
    client: &Client,
    user: &CurrentUser,
    new_phone: &str,
    code: &str,
    current: String,
) -> AppResult<String> {
    let mut f = Fields::default();
    let new_phone = f.take("phone", Phone::parse(new_phone));
    let code = f.take("code", sms_codes::parse_code(code));
    if current.is_empty() {
        f.add(
            "current_password",
            Invalid::new("请输入当前密码", "Enter the current password"),
        );
    }
    f.finish()?;
    let (Some(new_phone), Some(code)) = (new_phone, code) else {
        return Err(AppError::internal("validated fields missing"));
    };
    let uid = user.id.clone();
    let account = state
        .db
        .read(move |c| Ok::<_, AppError>(users::by_id(c, &uid)?))
        .await?
        .ok_or_else(AppError::unauthorized)?;
    let phone = Phone::parse(&account.phone).map_err(AppError::internal)?;
    if !verify_password(state, &phone, current, account.password_hash).await? {
        return Err(wrong_current());
    }
    let uid = user.id.clone();
    let moved = new_phone.as_str().to_owned();
    let old = phone.as_str().to_owned();
    let client = client.clone();
    state
        .db
        .with_writer(move |c| {
            let to = new_phone.as_str();
            sms_codes::with_code(c, to, Purpose::ChangePhone, &code, |c, t| {
                if users::phone_taken(c, to)? {
                    return Err(bad_code());
                }
                users::set_phone(c, &uid, to, t)?;
                // The old phone is told, in case it was not its owner's doing.
                let params = serde_json::json!({"phone": mask::phone(to)});
                outbox::queue(c, "sms", &old, outbox::PHONE_CHANGED, &params, None)?;
                audit::record(
                    c,
                    &client,
                    audit::Entry {
                        user_id: Some(uid.clone()),
                        action: audit::action::PHONE_CHANGE,
                        target_type: "user",
                        target_id: uid.clone(),
                        phone: Some(old.clone()),
                        detail: Some(format!("new_phone={}", mask::phone(to))),
                        ..audit::Entry::default()
                    },
                )?;
                Ok(())
            })
        })
        .await?;
    tracing::info!(user_id = %user.id, "account phone changed");
    Ok(moved)
}
