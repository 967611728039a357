//! A resident creates an account.

use crate::auth::password;
use crate::db::models::{new_id, now, User};
use crate::db::{users, DbConn};
use crate::domain::id_number::IdNumber;
use crate::domain::phone::Phone;
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};

pub struct NewAccount {
    pub role: Role,
    pub phone: Phone,
    pub name: String,
    /// Already hashed: hashing is slow and must not hold the write lock.
    pub password_hash: String,
    pub id_number: Option<IdNumber>,
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
        id_number: a.id_number.map(|i| i.as_str().to_owned()),
        email: None,
        status: "active".into(),
        created_at: t,
        updated_at: t,
    };
    users::insert(conn, &user)?;
    Ok(user)
}

/// Hashes outside any transaction (argon2 takes tens of milliseconds by design).
pub fn hash_password(pw: &str) -> AppResult<String> {
    password::check_strength(pw).map_err(|e| AppError::field("password", e))?;
    password::hash(pw).map_err(AppError::internal)
}
