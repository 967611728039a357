//! Passwords, sessions and the signed-in user extractor with its role and
//! jurisdiction guards.

pub mod current_user;
pub mod password;
pub mod scope;
pub mod session;

pub use current_user::CurrentUser;
pub use scope::Scope;
