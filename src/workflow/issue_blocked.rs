//! A case whose certificate cannot be drawn at the last approval (issue 19): a
//! character no font of the chain has slipped past the checks where text is typed
//! (it was stored before them, or the fonts changed). The approval is undone (see
//! `act`), and the case stays under review at its last step, in the office's queue,
//! flagged with the characters; the resident is told once. The office returns it for
//! correction (the common form of the character, the rare one in remarks), or
//! approves again once the fonts can draw it. Any later status change clears the flag
//! (`save_transition`).

use serde_json::json;

use crate::auth::CurrentUser;
use crate::db::models::Application;
use crate::db::DbConn;
use crate::error::AppResult;
use crate::notify::outbox;

use super::{save_transition, EventInput};

/// The event in the case's trail.
pub const ACTION: &str = "issue_blocked";

/// Flags `app` (as it was before the approval) with `chars`, the characters the
/// certificate could not draw, in the caller's transaction.
pub fn flag(
    conn: &mut DbConn,
    app: &mut Application,
    user: &CurrentUser,
    step_index: usize,
    chars: &str,
    at: chrono::NaiveDateTime,
) -> AppResult<()> {
    let first = app.issue_blocked.is_none();
    app.issue_blocked = Some(chars.to_owned());
    let status = app.status.clone();
    let reason = format!("证明中有字体无法显示的生僻字：{chars}");
    save_transition(
        conn,
        app,
        EventInput {
            action: ACTION,
            from: Some(&status),
            to: &status,
            step: Some(i32::try_from(step_index).unwrap_or(0)),
            actor_id: Some(&user.id),
            actor_role: user.role.as_str(),
            reason: Some(&reason),
            at,
            node_deadline: None,
        },
    )?;
    // Once per blocking: trying again with the same fonts tells the resident nothing new.
    if first {
        outbox::to_applicant(conn, app, outbox::ISSUE_BLOCKED, json!({}))?;
    }
    Ok(())
}
