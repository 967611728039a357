//! The dispatch list, for the API and the courier's page.

use chrono::{Days, NaiveDateTime, TimeDelta};

use super::views::DispatchView;
use crate::auth::CurrentUser;
use crate::db::{catalog, dispatches, DbConn};
use crate::domain::calendar::{china_date, end_of_china_day};
use crate::domain::dispatch::DispatchStatus;
use crate::domain::role::Role;
use crate::error::AppResult;
use crate::workflow::courier::scope_of;

/// The statuses of dispatches still under way: the list's default.
pub fn open_statuses() -> Vec<String> {
    DispatchStatus::ALL
        .iter()
        .filter(|s| !s.is_terminal())
        .map(|s| s.as_str().to_owned())
        .collect()
}

/// The caller's dispatches in `statuses` (a courier's area and what is assigned to
/// them, or the staff's jurisdiction), sorted by village, oldest first; at most 500.
pub fn list(
    conn: &mut DbConn,
    user: &CurrentUser,
    statuses: &[String],
) -> AppResult<Vec<DispatchView>> {
    let rows = dispatches::list(conn, &scope_of(user), statuses, 500)?;
    views(conn, user, &rows)
}

/// What the caller delivered (or, for staff, what was delivered in their area) since
/// the start of today in China: a delivered item stays on the courier's list as the
/// day's record instead of vanishing.
pub fn delivered_today(
    conn: &mut DbConn,
    user: &CurrentUser,
    now: NaiveDateTime,
) -> AppResult<Vec<DispatchView>> {
    let since = end_of_china_day(china_date(now.and_utc()) - Days::new(1)).naive_utc()
        + TimeDelta::seconds(1);
    let courier = (user.role == Role::Courier).then_some(user.id.as_str());
    let rows = dispatches::delivered_since(conn, &scope_of(user), courier, since, 500)?;
    views(conn, user, &rows)
}

fn views(
    conn: &mut DbConn,
    user: &CurrentUser,
    rows: &[crate::db::models::Dispatch],
) -> AppResult<Vec<DispatchView>> {
    let codes: Vec<&str> = rows.iter().map(|d| d.village_code.as_str()).collect();
    let names = catalog::jurisdiction_names(conn, &codes)?;
    Ok(rows
        .iter()
        .map(|d| {
            DispatchView::for_role(
                d,
                names.get(&d.village_code).cloned().unwrap_or_default(),
                user.role,
            )
        })
        .collect())
}
