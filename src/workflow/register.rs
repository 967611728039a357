//! Accounts: a resident registers (API and page), an operator adds staff (CLI).

use crate::auth::password;
use crate::db::models::{new_id, now, User};
use crate::db::{users, DbConn};
use crate::domain::id_number::IdNumber;
use crate::domain::phone::Phone;
use crate::domain::role::Role;
use crate::domain::{text, Invalid};
use crate::error::{AppError, AppResult, Fields};
use crate::state::AppState;
use crate::workflow::sms_codes::{self, Purpose};

/// A resident's registration as typed.
pub struct Registration {
    pub phone: String,
    pub name: String,
    pub id_number: String,
    pub password: String,
    /// The page asks for the password twice; the API does not.
    pub password_again: Option<String>,
    /// The `register` code sent by SMS to the phone (`workflow::sms_codes`).
    pub code: String,
}

/// Checks every field (all problems reported at once), hashes the password off the
/// executor, then checks the SMS code and creates the resident's account in one
/// transaction. A phone that already has an account was never sent a registration
/// code, so its answer is the same "code wrong or expired" as any bad code: the
/// answer does not tell whether a phone is registered.
pub async fn register_resident(state: &AppState, r: Registration) -> AppResult<User> {
    let mut f = Fields::default();
    let phone = f.take("phone", Phone::parse(&r.phone));
    let code = f.take("code", sms_codes::parse_code(&r.code));
    let name = f.take("name", text::person_name(&r.name));
    let id = f.take("id_number", IdNumber::parse(&r.id_number));
    let personal = [r.phone.trim(), r.id_number.trim()];
    let strong = f.take("password", password::check_policy(&r.password, &personal));
    if strong.is_some() && r.password_again.is_some_and(|again| again != r.password) {
        f.add(
            "password2",
            Invalid::new("两次输入的密码不一致", "The two passwords differ"),
        );
    }
    f.finish()?;
    let (Some(phone), Some(name), Some(id), Some(code)) = (phone, name, id, code) else {
        return Err(AppError::internal("validated fields missing"));
    };
    let pw = r.password;
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw).map_err(AppError::internal))
        .await
        .map_err(AppError::internal)??;
    let account = NewAccount {
        role: Role::Resident,
        phone,
        name,
        password_hash: hash,
        id_number: Some(state.services.data_keys.seal_id(&id)),
        jurisdiction: None,
    };
    let user = state
        .db
        .with_writer(move |c| {
            let phone = account.phone.as_str().to_owned();
            sms_codes::with_code(c, &phone, Purpose::Register, &code, |c, _| {
                create_account(c, account)
            })
        })
        .await?;
    tracing::info!(user_id = %user.id, "resident registered");
    Ok(user)
}

pub struct NewAccount {
    pub role: Role,
    pub phone: Phone,
    pub name: String,
    /// Already hashed: hashing is slow and must not hold the write lock.
    pub password_hash: String,
    /// Encrypted, with its blind index (`crypto::DataKeys::seal_id`).
    pub id_number: Option<crate::crypto::SealedId>,
    pub jurisdiction: Option<String>,
}

pub fn phone_in_use() -> AppError {
    AppError::field(
        "phone",
        Invalid::new(
            "该手机号已注册，请直接登录",
            "This phone number is already registered; please sign in",
        ),
    )
}

pub fn create_account(conn: &mut DbConn, a: NewAccount) -> AppResult<User> {
    if users::phone_taken(conn, a.phone.as_str())? {
        return Err(phone_in_use());
    }
    // One ID number, one account (the unique index catches a concurrent registration).
    if let Some(s) = &a.id_number {
        if crate::db::id_numbers::user_with_index(conn, &s.index)?.is_some() {
            return Err(super::id_numbers::id_in_use());
        }
    }
    // An agent (代办员) applies for the villagers of one village (issue 16).
    let village = a
        .jurisdiction
        .as_deref()
        .and_then(crate::domain::role::Level::of_code)
        == Some(crate::domain::role::Level::Village);
    if a.role == Role::Agent && !village {
        return Err(AppError::field(
            "jurisdiction",
            Invalid::new(
                "代办员须属于一个村（社区）：请指定12位的村级行政区划代码",
                "A village agent belongs to one village: give its 12-digit village code",
            ),
        ));
    }
    if let Some(code) = &a.jurisdiction {
        if crate::db::catalog::jurisdiction(conn, code)?.is_none() {
            return Err(AppError::field(
                "jurisdiction",
                Invalid::new(
                    format!("行政区划代码{code}不存在"),
                    format!("No jurisdiction with code {code}"),
                ),
            ));
        }
    }
    let t = now();
    let user = User {
        id: new_id(),
        role: a.role.as_str().to_owned(),
        phone: a.phone.as_str().to_owned(),
        name: a.name,
        password_hash: a.password_hash,
        jurisdiction_code: a.jurisdiction,
        id_number: a.id_number.as_ref().map(|s| s.stored.clone()),
        id_number_bidx: a.id_number.map(|s| s.index),
        email: None,
        status: "active".into(),
        created_at: t,
        updated_at: t,
    };
    users::insert(conn, &user).map_err(|e| match e {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            ref info,
        ) if info.message().contains("bidx")
            || info.constraint_name().is_some_and(|c| c.contains("bidx")) =>
        {
            super::id_numbers::id_in_use()
        }
        other => other.into(),
    })?;
    Ok(user)
}

/// Checks the password policy (`personal`: the account's phone and ID number) and
/// hashes, outside any transaction (argon2 takes tens of milliseconds by design).
pub fn hash_password(pw: &str, personal: &[&str]) -> AppResult<String> {
    password::check_policy(pw, personal).map_err(|e| AppError::field("password", e))?;
    password::hash(pw).map_err(AppError::internal)
}
