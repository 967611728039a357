//! Per-account daily quotas on what costs the service (or a phone) something: drafts
//! created, submissions made (each sends an SMS). Counted in `rate_limits` inside the
//! transaction of the change, so a refused or failed change counts nothing and every
//! instance sees the same count.

use chrono::{Duration, NaiveDateTime};

use crate::db::{rate_limits, DbConn};
use crate::domain::throttle::{seconds_until, try_again};
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};

const DAY: Duration = Duration::hours(24);

/// The daily quotas (from the settings).
#[derive(Debug, Clone, Copy)]
pub struct Quotas {
    pub drafts_per_day: i32,
    pub submits_per_day: i32,
}

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Draft,
    Submit,
}

/// Counts one `kind` for the account; a 429 saying when to come back once the day's
/// quota is used (the caller's transaction then rolls the count back).
pub fn take(
    conn: &mut DbConn,
    kind: Kind,
    user_id: &str,
    limit: i32,
    t: NaiveDateTime,
) -> AppResult<()> {
    let (name, zh, en) = match kind {
        Kind::Draft => (
            "drafts",
            "今天新建申请的次数已达上限",
            "You have started as many applications today as allowed",
        ),
        Kind::Submit => (
            "submits",
            "今天提交申请的次数已达上限",
            "You have submitted as many applications today as allowed",
        ),
    };
    let key = format!("{name}:{user_id}");
    if rate_limits::hit(conn, &key, DAY, t)? <= limit.max(1) {
        return Ok(());
    }
    let until = rate_limits::window_start(conn, &key)?.unwrap_or(t) + DAY;
    let (when_zh, when_en) = try_again(until, t);
    Err(AppError::RetryAfter(
        Invalid::new(
            format!("{zh}（{limit}次），{when_zh}"),
            format!("{en} ({limit}); {when_en}"),
        ),
        seconds_until(until, t),
    ))
}
