//! Passwords, sessions and the signed-in user extractor with its role and
//! jurisdiction guards.

pub mod current_user;
pub mod password;
pub mod scope;
pub mod session;

pub use current_user::CurrentUser;
pub use scope::Scope;

/// Compares two secrets (hashes of codes, CSRF tokens) in time that does not depend on
/// where they first differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn secrets_compare_whole() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"abd"));
        assert!(!super::constant_time_eq(b"ab", b"abc"));
    }
}
