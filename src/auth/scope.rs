//! The signed-in user's [`Scope`] (the value itself is in the domain, so `db` can take
//! it without importing `auth`).

use super::CurrentUser;
use crate::domain::role::{Level, Role};
pub use crate::domain::scope::Scope;

impl Scope {
    pub fn of(user: &CurrentUser) -> Scope {
        match (user.role, &user.jurisdiction) {
            // An agent sees the cases they applied for, as a resident their own: not
            // every case of the village (least privilege).
            (Role::Resident | Role::Agent, _) => Scope::Own(user.id.clone()),
            // A county's own administrator runs that county only (issue 15); an admin
            // with a province code or none runs the whole installation.
            (Role::Admin, Some((code, Level::County))) => Scope::Area(Level::County, code.clone()),
            (Role::Admin, _) => Scope::All,
            // Couriers see dispatches (their own scope), never cases.
            (Role::Courier, _) => Scope::Nothing,
            (_, Some((code, level))) => Scope::Area(*level, code.clone()),
            (_, None) => Scope::Nothing,
        }
    }

    /// The county an admin is limited to (`None`: the whole installation). Admin routes
    /// that manage jurisdictions and staff check every code they touch against it.
    pub fn admin_county(user: &CurrentUser) -> Option<String> {
        match (user.role, &user.jurisdiction) {
            (Role::Admin, Some((code, Level::County))) => Some(code.clone()),
            _ => None,
        }
    }
}
