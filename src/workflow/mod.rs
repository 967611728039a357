//! The use cases, the one place where each is written: the JSON API, the pages and the
//! CLI parse their input, call a function here and render what it returns. Inputs are
//! plain values checked inside. A change runs in one write transaction, checks role,
//! jurisdiction, status and version, and writes the new state with its event rows
//! (docs/architecture.md §4); sign-in, the track lookup and document intake also own their hashing,
//! rate limit and file handling.

pub mod account;
pub mod act;
pub mod audit;
pub mod calendar_watch;
pub mod catalogue;
pub mod courier;
pub mod dispatch;
pub mod documents;
pub mod drafts;
pub mod escalate;
pub mod figures;
pub mod holidays;
pub mod id_numbers;
pub mod intake;
pub mod issue;
pub mod issue_blocked;
pub mod jurisdictions;
pub mod proxy;
pub mod quota;
pub mod register;
pub mod revoke;
pub mod rosters;
pub mod session;
pub mod signing_keys;
pub mod sms_codes;
pub mod staff;
pub mod staff_accounts;
pub mod sweep;
pub mod track;
pub mod urge;
pub mod verify_limit;

use std::sync::Arc;

use chrono::NaiveDateTime;

use crate::db::models::{new_id, ApplicationEvent};
use crate::db::DbConn;
use crate::domain::calendar::{china_date, end_of_china_day, WorkCalendar};
use crate::domain::cert_type::CertificateType;
use crate::error::{AppError, AppResult};
use crate::pdf::CertFont;
use crate::storage::BlobStore;

/// What the use cases need beyond the database.
pub struct Services {
    pub font: CertFont,
    pub blobs: BlobStore,
    pub base_url: String,
    pub max_delivery_attempts: i32,
    pub templates: crate::templates::Templates,
    /// Certificate layouts from `templates/certificates/`.
    pub layouts: crate::pdf::Layouts,
    /// Signing key and the trusted public keys (`<data_dir>/keys/`).
    pub keys: crate::verify::KeyRing,
    /// Data keys that encrypt ID numbers at rest, and the blind-index key.
    pub data_keys: crate::crypto::DataKeys,
    /// Per-instance limit on the public verify page.
    pub verify_limiter: crate::verify::rate_limit::RateLimiter,
    /// Photos being normalised at once: each needs ~70 MB for a 12 MP photo, so a burst
    /// of uploads queues here instead of exhausting a small machine's memory.
    pub image_work: tokio::sync::Semaphore,
    /// Uploads in progress per account (`uploads_per_account`, shared through the database).
    pub upload_slots: intake::UploadSlots,
    /// Daily quotas per account (drafts, submissions).
    pub quotas: quota::Quotas,
    /// The figures `/metrics` reports.
    pub metrics: crate::metrics::Metrics,
}

/// See [`Services::image_work`].
pub const IMAGE_WORKERS: usize = 2;

pub type SharedServices = Arc<Services>;

/// Sets the current node's deadline (from `node_started_at`, the step's limit) and the
/// overall one (from `submitted_at`, the promised limit), each the end of that working
/// day in China, and whether either was counted on provisional days. Used on submit,
/// on each step's approval and when a holiday year is loaded.
pub fn stamp_deadlines(
    app: &mut crate::db::models::Application,
    t: &CertificateType,
    cal: &WorkCalendar,
) -> AppResult<()> {
    let step = usize::try_from(app.current_step)
        .ok()
        .and_then(|i| t.step(i))
        .ok_or_else(|| AppError::internal("the case's step is not in its type"))?;
    let due = |from: NaiveDateTime, days: u32| cal.due(china_date(from.and_utc()), days);
    let node = due(app.node_started_at, step.time_limit_days);
    let overall = app.submitted_at.map(|s| due(s, t.promised_days));
    app.node_deadline = end_of_china_day(node.date).naive_utc();
    app.overall_deadline = overall.map(|o| end_of_china_day(o.date).naive_utc());
    app.deadline_provisional = node.provisional || overall.is_some_and(|o| o.provisional);
    Ok(())
}

/// One row of the append-only trail.
pub struct EventInput<'a> {
    pub action: &'a str,
    pub from: Option<&'a str>,
    pub to: &'a str,
    pub step: Option<i32>,
    pub actor_id: Option<&'a str>,
    pub actor_role: &'a str,
    pub reason: Option<&'a str>,
    pub at: NaiveDateTime,
    pub node_deadline: Option<NaiveDateTime>,
}

/// Writes `app` in its new status `e.to` — version bumped, finished when terminal —
/// only if nobody changed it since it was read (else 409), and appends the event.
/// Every application transition goes through here.
pub fn save_transition(
    conn: &mut DbConn,
    app: &mut crate::db::models::Application,
    e: EventInput<'_>,
) -> AppResult<()> {
    let version = app.version;
    // A case that moves on is no longer held up by a certificate it could not draw.
    if app.status != e.to {
        app.issue_blocked = None;
    }
    app.status = e.to.to_owned();
    app.version += 1;
    app.updated_at = e.at;
    if crate::domain::status::ApplicationStatus::parse(e.to).is_some_and(|s| s.is_terminal()) {
        app.finished_at = Some(e.at);
    }
    if !crate::db::applications::update_if_version(conn, app, version)? {
        return Err(AppError::stale());
    }
    let id = app.id.clone();
    record_event(conn, &id, e)
}

pub fn record_event(conn: &mut DbConn, application_id: &str, e: EventInput<'_>) -> AppResult<()> {
    let seq = crate::db::applications::last_event_seq(conn, application_id)? + 1;
    let row = ApplicationEvent {
        id: new_id(),
        application_id: application_id.to_owned(),
        seq,
        action: e.action.to_owned(),
        from_status: e.from.map(str::to_owned),
        to_status: e.to.to_owned(),
        step: e.step,
        actor_id: e.actor_id.map(str::to_owned),
        actor_role: e.actor_role.to_owned(),
        reason: e.reason.map(str::to_owned),
        created_at: e.at,
        node_deadline: e.node_deadline,
        deadline_met: e.node_deadline.map(|d| e.at <= d),
    };
    crate::db::applications::insert_event(conn, &row)?;
    figures::after_event(conn, application_id, &row.action)?;
    Ok(())
}
