//! The signed-in user's [`Scope`] (the value itself is in the domain, so `db` can take
//! it without importing `auth`).

use super::CurrentUser;
use crate::domain::role::Role;
pub use crate::domain::scope::Scope;

impl Scope {
    pub fn of(user: &CurrentUser) -> Scope {
        match (user.role, &user.jurisdiction) {
            // An agent sees the cases they applied for, as a resident their own: not
            // every case of the village (least privilege).
            (Role::Resident | Role::Agent, _) => Scope::Own(user.id.clone()),
            (Role::Admin, _) => Scope::All,
            // Couriers see dispatches (their own scope), never cases.
            (Role::Courier, _) => Scope::Nothing,
            (_, Some((code, level))) => Scope::Area(*level, code.clone()),
            (_, None) => Scope::Nothing,
        }
    }
}
