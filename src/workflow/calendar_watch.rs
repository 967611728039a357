//! Early warnings while next year's holiday calendar is missing (from 1 October): a
//! banner on admin and supervisor pages and a line in `/healthz` (both read
//! [`next_year`]), a warning in the log once a day and an SMS to every admin once a
//! week ([`warn`], run by the workers every hour). Deadlines meanwhile are counted on
//! provisional days (`domain::calendar`), so nothing stops.

use std::time::Duration;

use chrono::{Datelike, NaiveDateTime};
use diesel::QueryResult;
use serde_json::json;

use crate::db::models::now;
use crate::db::{catalog, users, Db, DbConn};
use crate::domain::calendar::{china_date, NextYear};
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::notify::outbox;

/// Next year's calendar as of `now`.
pub fn next_year(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<NextYear> {
    let today = china_date(now.and_utc());
    let loaded = catalog::year_loaded(conn, today.year().saturating_add(1))?;
    Ok(NextYear::on(today, |_| loaded))
}

/// Logs (once a day) and texts the admins (once a week) while next year is missing;
/// call in a write transaction. The once-only claims are counters in the database, so
/// several instances send one message, not one each. Returns the messages queued.
pub fn warn(conn: &mut DbConn, now: NaiveDateTime) -> AppResult<usize> {
    let next = next_year(conn, now)?;
    if !next.warn {
        return Ok(0);
    }
    let today = china_date(now.and_utc());
    if catalog::next_counter(conn, &format!("calendar-missing-log:{today}"))? == 1 {
        tracing::warn!(
            year = next.year,
            "{}年节假日安排尚未导入，跨年的办理时限暂按预计工作日计算 / the {} holiday calendar is not loaded: deadlines into it are provisional",
            next.year,
            next.year
        );
    }
    let week = today.iso_week();
    let claim = format!("calendar-missing-sms:{}-W{:02}", week.year(), week.week());
    if catalog::next_counter(conn, &claim)? != 1 {
        return Ok(0);
    }
    let params = json!({ "year": next.year.to_string() });
    let admins = users::active_with_role(conn, Role::Admin.as_str())?;
    for admin in &admins {
        outbox::queue(
            conn,
            "sms",
            &admin.phone,
            outbox::CALENDAR_MISSING,
            &params,
            None,
        )?;
    }
    Ok(admins.len())
}

/// Checks every hour on every worker.
pub fn register(registry: &mut crate::jobs::Registry) {
    registry.every(
        "calendar_watch",
        Duration::from_secs(3600),
        |db: Db| async move {
            let r = db.write(|c| warn(c, now())).await;
            if let Err::<_, AppError>(e) = r {
                tracing::warn!(error = %e, "worker: calendar check failed");
            }
        },
    );
}
