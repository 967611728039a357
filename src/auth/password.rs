//! Password hashing with argon2id (the crate's OWASP-recommended defaults).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::domain::Invalid;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// The 10,000 most common passwords (seed/common-passwords.README.md says where from).
const COMMON: &str = include_str!("../../seed/common-passwords.txt");

/// Whether `pw` is on the common list, ignoring case. The set is built once.
pub fn is_common(pw: &str) -> bool {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> =
        std::sync::OnceLock::new();
    let set = SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    });
    let lower = pw.to_lowercase();
    set.contains(pw) || set.contains(lower.as_str())
}

/// A password a user chose: long enough, not one of the most common passwords, and
/// not the same as anything in `personal` (the account's phone, its ID number), case
/// ignored. No character classes are imposed on residents.
pub fn check_policy(pw: &str, personal: &[&str]) -> Result<(), Invalid> {
    check_strength(pw)?;
    if is_common(pw) {
        return Err(Invalid::new(
            "该密码过于常见，很容易被猜到，请换一个",
            "This password is one of the most common ones and easy to guess; choose another",
        ));
    }
    let typed = pw.trim();
    if personal
        .iter()
        .map(|p| p.trim())
        .any(|p| !p.is_empty() && p.eq_ignore_ascii_case(typed))
    {
        return Err(Invalid::new(
            "密码不能与手机号或身份证号相同",
            "The password must not be your phone number or ID number",
        ));
    }
    Ok(())
}

/// The length rule alone (the sign-in form checks nothing more).
pub fn check_strength(pw: &str) -> Result<(), Invalid> {
    let n = pw.chars().count();
    if n < MIN_LEN {
        return Err(Invalid::new(
            format!("密码至少需要{MIN_LEN}位"),
            format!("The password needs at least {MIN_LEN} characters"),
        ));
    }
    if n > MAX_LEN {
        return Err(Invalid::new(
            format!("密码不能超过{MAX_LEN}位"),
            format!("The password may have at most {MAX_LEN} characters"),
        ));
    }
    Ok(())
}

pub fn hash(pw: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pw.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("password hashing failed: {e}"))
}

pub fn verify(pw: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(h) => Argon2::default().verify_password(pw.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// Verifies against a fixed hash so that an unknown phone takes as long as a wrong
/// password (no account enumeration by timing).
pub fn verify_dummy(pw: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let h = DUMMY.get_or_init(|| hash("dummy-password-never-matches").unwrap_or_default());
    let _ = verify(pw, h);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_same_password() {
        let h = hash("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse", &h));
        assert!(!verify("correct horsf", &h));
        assert!(!verify("x", "not a hash"));
    }

    #[test]
    fn common_and_personal_passwords_are_refused() {
        assert_eq!(COMMON.lines().count(), 10_000);
        for pw in [
            "password",
            "12345678",
            "PASSWORD",
            "Password1",
            "iloveyou",
            "qwertyuiop",
        ] {
            assert!(check_policy(pw, &[]).is_err(), "{pw} should be refused");
        }
        assert!(check_policy("13712345678", &["13712345678"]).is_err());
        let id = "22240319850101001X";
        assert!(check_policy(&id.to_lowercase(), &["13712345678", id]).is_err());
        assert!(check_policy("secret-pass-1", &["13712345678", id]).is_ok());
        // The demo accounts' password (devtools::demo::DEMO_PASSWORD) stays usable.
        assert!(check_policy("demo12345", &[]).is_ok());
    }

    #[test]
    fn strength_is_length_only() {
        assert!(check_strength("1234567").is_err());
        assert!(check_strength("12345678").is_ok());
        assert!(check_strength("密码密码密码密码").is_ok());
        assert!(check_strength(&"a".repeat(129)).is_err());
    }
}
