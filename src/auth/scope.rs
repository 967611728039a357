//! What part of the data a user may see. Queries apply this in SQL (docs/architecture.md §6), so a
//! case outside it is simply not found.

use super::CurrentUser;
use crate::domain::role::{Level, Role};

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

impl Scope {
    pub fn of(user: &CurrentUser) -> Scope {
        match (user.role, &user.jurisdiction) {
            (Role::Resident, _) => Scope::Own(user.id.clone()),
            (Role::Admin, _) => Scope::All,
            (_, Some((code, level))) => Scope::Area(*level, code.clone()),
            (_, None) => Scope::Nothing,
        }
    }
}
