//! Escalation of overdue cases (issue 7). Every worker calls `escalate_due` every
//! minute or so (registered with the job registry, [`register`]); the `escalations` table makes each (application,
//! node) fire once however often and on however many instances it runs, and the
//! supervisors' SMS are queued in the outbox in the same transaction as that row.

use chrono::NaiveDateTime;

use crate::db::models::{new_id, EscalationRow};
use crate::db::{catalog, escalations, notifications, DbConn};
use crate::domain::calendar::china_date;
use crate::domain::escalation::is_due;
use crate::error::AppResult;
use crate::notify::outbox;

/// Escalates on every worker every `every` (`escalation_interval_secs`); the
/// `escalations` table keeps it to once per (case, node) across instances.
pub fn register(registry: &mut crate::jobs::Registry, every: std::time::Duration) {
    registry.every("escalate", every, |db: crate::db::Db| async move {
        let r = db
            .with_writer(|c| escalate_due(c, crate::db::models::now()))
            .await;
        match r {
            Ok(done) if !done.is_empty() => {
                tracing::info!(cases = done.len(), "worker: overdue cases escalated");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "worker: escalation failed"),
        }
    });
}

/// One case escalated now: who should be told (supervisor user ids of the township,
/// else of the county) and about what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Escalated {
    pub application_id: String,
    pub number: String,
    pub township_code: String,
    pub county_code: String,
    pub step: i32,
    pub node_deadline: NaiveDateTime,
    pub supervisor_ids: Vec<String>,
    /// The outbox rows queued for them (one SMS each).
    pub notification_ids: Vec<String>,
}

/// Records every overdue node whose first working morning has come, queues an SMS to
/// each of its supervisors, and returns them, all in one write transaction. Working
/// days of a year without its holiday notice are counted provisionally.
pub fn escalate_due(conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Vec<Escalated>> {
    conn.write_tx(|c| {
        let cal = catalog::calendar(c)?;
        let mut out = Vec::new();
        for app in escalations::overdue_not_escalated(c, now)? {
            if !is_due(&cal, app.node_deadline, now) {
                continue;
            }
            let row = EscalationRow {
                id: new_id(),
                application_id: app.id.clone(),
                step: app.current_step,
                node_started_at: app.node_started_at,
                node_deadline: app.node_deadline,
                county_code: app.county_code.clone(),
                township_code: app.township_code.clone(),
                village_code: app.village_code.clone(),
                escalated_at: now,
            };
            if !escalations::record(c, &row)? {
                continue;
            }
            let supervisor_ids =
                escalations::supervisors_for(c, &app.township_code, &app.county_code)?;
            tracing::warn!(
                application = %app.number,
                township = %app.township_code,
                step = app.current_step,
                node_deadline = %app.node_deadline,
                supervisors = supervisor_ids.len(),
                "超期件已上报乡镇效能监察 / overdue case escalated to the township supervisor"
            );
            let notification_ids = notify(c, &app, &supervisor_ids)?;
            out.push(Escalated {
                application_id: app.id,
                number: app.number,
                township_code: app.township_code,
                county_code: app.county_code,
                step: app.current_step,
                node_deadline: app.node_deadline,
                supervisor_ids,
                notification_ids,
            });
        }
        Ok(out)
    })
}

/// Queues the escalation SMS to each supervisor (staff always have a phone).
fn notify(
    c: &mut DbConn,
    app: &crate::db::models::Application,
    supervisor_ids: &[String],
) -> AppResult<Vec<String>> {
    let township = catalog::jurisdiction_names(c, &[app.township_code.as_str()])?
        .remove(&app.township_code)
        .unwrap_or_else(|| app.township_code.clone());
    let params = outbox::sms_params(&serde_json::json!({
        "number": app.number,
        "township": township,
        "deadline": china_date(app.node_deadline.and_utc()).to_string(),
    }));
    let mut ids = Vec::with_capacity(supervisor_ids.len());
    for sup in supervisor_ids {
        let Some(contact) = notifications::contact_of(c, sup)? else {
            continue;
        };
        ids.push(outbox::queue(
            c,
            "sms",
            &contact.phone,
            outbox::ESCALATED,
            &params,
            Some(&app.id),
        )?);
    }
    Ok(ids)
}
