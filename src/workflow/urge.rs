//! 督办 (urge): a supervisor sends the office a note about a case it holds. The note
//! goes on the case's trail (an `urge` event, no change of status, seen by staff) and
//! the officials who hold the current step get an SMS, in one transaction.

use crate::auth::{CurrentUser, Scope};
use crate::db::models::now;
use crate::db::{applications, users, DbConn};
use crate::domain::role::Role;
use crate::domain::status::ApplicationStatus;
use crate::domain::text;
use crate::error::{AppError, AppResult};

use super::{record_event, EventInput};

/// The trail's action for a 督办 note.
pub const ACTION: &str = "urge";
/// Longest note, in characters.
pub const NOTE_MAX_CHARS: usize = 500;

/// What [`urge`] did.
pub struct Urged {
    pub application_id: String,
    pub number: String,
    /// Officials sent the SMS.
    pub notified: usize,
}

/// [`urge`] in its own write transaction.
pub fn run(conn: &mut DbConn, user: &CurrentUser, id: &str, note: &str) -> AppResult<Urged> {
    conn.write_tx(|c| urge(c, user, id, note))
}

pub fn urge(conn: &mut DbConn, user: &CurrentUser, id: &str, note: &str) -> AppResult<Urged> {
    // Scope first (not found outside the jurisdiction), then role.
    let app = applications::find(conn, id, &Scope::of(user))?.ok_or_else(AppError::not_found)?;
    user.require_role(&[Role::Supervisor])?;
    let note = text::required(note, "督办意见", "The note", NOTE_MAX_CHARS)
        .map_err(|e| AppError::field("note", e))?;
    if !applications::lock_row(conn, &app.id)? {
        return Err(AppError::not_found());
    }
    // Read again under the lock: the status may have moved since.
    let app = applications::find(conn, id, &Scope::All)?.ok_or_else(AppError::not_found)?;
    let status = ApplicationStatus::parse(&app.status)
        .ok_or_else(|| AppError::internal("bad application status"))?;
    if !matches!(
        status,
        ApplicationStatus::Submitted | ApplicationStatus::UnderReview
    ) {
        return Err(AppError::conflict(
            format!(
                "该申请当前为“{}”，不在乡镇或村办理中，无需督办",
                status.label_zh()
            ),
            format!(
                "This application is “{}”: the office is not working on it, so there is nothing to urge",
                status.label_en()
            ),
        ));
    }
    record_event(
        conn,
        &app.id,
        EventInput {
            action: ACTION,
            from: Some(&app.status),
            to: &app.status,
            step: Some(app.current_step),
            actor_id: Some(&user.id),
            actor_role: user.role.as_str(),
            reason: Some(&note),
            at: now(),
            node_deadline: None,
        },
    )?;
    let notified = tell_officials(conn, &app)?;
    Ok(Urged {
        application_id: app.id,
        number: app.number,
        notified,
    })
}

/// The officials of the level that holds the current step (the village for a village
/// step, else the township), and the township's when the village has none.
fn tell_officials(conn: &mut DbConn, app: &crate::db::models::Application) -> AppResult<usize> {
    let t = super::drafts::load_case_type(conn, app)?;
    let village_step = usize::try_from(app.current_step)
        .ok()
        .and_then(|i| t.step(i))
        .is_some_and(|s| s.level == crate::domain::cert_type::Level::Village);
    let mut officials = if village_step {
        users::staff_in(conn, Role::Official.as_str(), &app.village_code)?
    } else {
        Vec::new()
    };
    if officials.is_empty() {
        officials = users::staff_in(conn, Role::Official.as_str(), &app.township_code)?;
    }
    let params = serde_json::json!({ "number": app.number });
    for o in &officials {
        crate::notify::outbox::queue(
            conn,
            "sms",
            &o.phone,
            crate::notify::outbox::URGED,
            &params,
            Some(&app.id),
        )?;
    }
    Ok(officials.len())
}
