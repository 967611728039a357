//! Staff accounts managed by an administrator (issue 15): the list with search, and
//! deactivation, which ends every session at once and lists the person's open work so
//! it can be reassigned. A county's admin manages that county's staff only.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::audit::{self, Client, Entry};
use crate::db::applications::{self, ListFilter};
use crate::db::models::{now, User};
use crate::db::schema::users;
use crate::db::{id_numbers, DbConn};
use crate::domain::role::Level;
use crate::domain::scope::Scope;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffView {
    pub id: String,
    pub role: String,
    /// Masked (138****1234): a list is no place for a full phone number.
    pub phone: String,
    pub name: String,
    pub jurisdiction: Option<String>,
    /// active or disabled.
    pub status: String,
}

impl From<User> for StaffView {
    fn from(u: User) -> Self {
        StaffView {
            id: u.id,
            role: u.role,
            phone: crate::notify::mask::phone(&u.phone),
            name: u.name,
            jurisdiction: u.jurisdiction_code,
            status: u.status,
        }
    }
}

/// What to list: `q` matches the name or the phone, the rest exactly.
#[derive(Debug, Clone, Default)]
pub struct StaffFilter {
    pub q: Option<String>,
    pub role: Option<String>,
    pub jurisdiction: Option<String>,
    pub active: Option<bool>,
}

/// Staff (never residents) in the admin's county (`None`: everywhere), by name.
pub fn list(conn: &mut DbConn, county: Option<&str>, f: &StaffFilter) -> AppResult<Vec<StaffView>> {
    let mut q = users::table.filter(users::role.ne("resident")).into_boxed();
    if let Some(c) = county {
        q = q.filter(users::jurisdiction_code.like(format!("{c}%")));
    }
    if let Some(s) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!("%{}%", s.replace(['%', '_'], ""));
        q = q.filter(
            users::name
                .like(pattern.clone())
                .or(users::phone.like(pattern)),
        );
    }
    if let Some(r) = &f.role {
        q = q.filter(users::role.eq(r.clone()));
    }
    if let Some(j) = &f.jurisdiction {
        q = q.filter(users::jurisdiction_code.like(format!("{j}%")));
    }
    if let Some(a) = f.active {
        q = if a {
            q.filter(users::status.eq("active"))
        } else {
            q.filter(users::status.ne("active"))
        };
    }
    let rows = q
        .order((users::name.asc(), users::id.asc()))
        .limit(500)
        .select(User::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(StaffView::from).collect())
}

/// An open case in the deactivated person's jurisdiction, to reassign.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenCase {
    pub id: String,
    pub number: String,
    pub status: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Deactivated {
    pub user: StaffView,
    pub sessions_ended: bool,
    /// Open cases of the person's jurisdiction (submitted, under review, approved,
    /// issued, dispatched): give them to a colleague there.
    pub open_work: Vec<OpenCase>,
}

/// Disables the account and ends every session in the same transaction.
pub fn deactivate(
    conn: &mut DbConn,
    actor_id: &str,
    county: Option<&str>,
    client: &Client,
    user_id: &str,
) -> AppResult<Deactivated> {
    let user = users::table
        .find(user_id)
        .filter(users::role.ne("resident"))
        .select(User::as_select())
        .first(conn)
        .optional()?
        .filter(|u| match county {
            Some(c) => u
                .jurisdiction_code
                .as_deref()
                .is_some_and(|j| j.starts_with(c)),
            None => true,
        })
        .ok_or_else(AppError::not_found)?;
    id_numbers::deactivate(conn, &user.id, now())?;
    let open_work = match user
        .jurisdiction_code
        .as_deref()
        .and_then(|j| Level::of_code(j).map(|l| (j, l)))
    {
        Some((code, level)) => applications::list(
            conn,
            &Scope::Area(level, code.to_owned()),
            &ListFilter {
                statuses: [
                    "submitted",
                    "under_review",
                    "approved",
                    "issued",
                    "dispatched",
                ]
                .map(str::to_owned)
                .to_vec(),
                limit: 200,
                ..ListFilter::default()
            },
        )?
        .into_iter()
        .map(|r| OpenCase {
            id: r.app.id,
            number: r.app.number,
            status: r.app.status,
        })
        .collect(),
        None => Vec::new(),
    };
    audit::record(
        conn,
        client,
        Entry {
            user_id: Some(actor_id.to_owned()),
            action: audit::action::DEACTIVATE_ACCOUNT,
            target_type: "user",
            target_id: user.id.clone(),
            phone: Some(user.phone.clone()),
            detail: Some(format!("open cases {}", open_work.len())),
            ..Entry::default()
        },
    )?;
    let mut view = StaffView::from(user);
    view.status = "disabled".into();
    Ok(Deactivated {
        user: view,
        sessions_ended: true,
        open_work,
    })
}
