//! Password hashing with argon2id (the crate's OWASP-recommended defaults).

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use crate::domain::Invalid;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 128;

/// A password a user chose, checked for length only: we do not impose character
/// classes on residents, but a very short password is refused.
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
    fn strength_is_length_only() {
        assert!(check_strength("1234567").is_err());
        assert!(check_strength("12345678").is_ok());
        assert!(check_strength("密码密码密码密码").is_ok());
        assert!(check_strength(&"a".repeat(129)).is_err());
    }
}
