//! What part of the data a user may see. Queries apply this in SQL (docs/architecture.md
//! §6), so a case outside it is simply not found. Built from the signed-in user by
//! `auth::Scope::of`; a plain value here so `db` needs nothing above the domain.

use super::role::Level;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// A resident: their own applications only.
    Own(String),
    /// Staff: everything in their county, township or village.
    Area(Level, String),
    /// Admin: everything.
    All,
    /// Staff account without a jurisdiction: nothing.
    Nothing,
}
