//! One case's supervision figures (`case_figures` row) from its trail: the trail is
//! folded into a [`CaseFact`] and classified by [`classify`], the same rule the
//! in-memory reference (`stats::compute`) uses.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use super::{classify, CaseFact, Context, MAX_STEPS};
use crate::db::case_figures::{CaseFigures, VERSION};
use crate::db::models::{Application, ApplicationEvent};
use crate::domain::calendar::{china_date, WorkCalendar};

/// Folds a trail (in `seq` order) as the figures see it.
pub fn fold(app: &Application, events: &[ApplicationEvent]) -> CaseFact {
    let mut f = CaseFact {
        id: app.id.clone(),
        number: app.number.clone(),
        group: None,
        type_code: app.type_code.clone(),
        open: matches!(app.status.as_str(), "submitted" | "under_review"),
        node_deadline: app.node_deadline,
        received_at: None,
        restart_at: None,
        finished_at: None,
        rejected: false,
        returns: 0,
        approved_at: [None; MAX_STEPS],
        reject_step: None,
    };
    let max = |a: Option<NaiveDateTime>, b: NaiveDateTime| Some(a.map_or(b, |a| a.max(b)));
    for e in events {
        let at = e.created_at;
        match e.action.as_str() {
            "submit" => {
                f.received_at = Some(f.received_at.map_or(at, |r| r.min(at)));
                f.restart_at = max(f.restart_at, at);
            }
            "resubmit" => f.restart_at = max(f.restart_at, at),
            "issue" => f.finished_at = max(f.finished_at, at),
            "reject" => {
                f.finished_at = max(f.finished_at, at);
                f.rejected = true;
                f.reject_step = f.reject_step.max(e.step);
            }
            "return" => f.returns += 1,
            "approve" => {
                if let Some(i) = e.step.and_then(|s| usize::try_from(s).ok()) {
                    if i < MAX_STEPS {
                        f.approved_at[i] = max(f.approved_at[i], at);
                    }
                }
            }
            _ => {}
        }
        if matches!(e.to_status.as_str(), "approved" | "rejected") {
            f.group = f.group.clone().max(e.actor_id.clone());
        }
    }
    f
}

/// The figures row of a case from its trail. Working days of a year without its
/// holiday notice are counted provisionally; loading the year recomputes the row
/// (`workflow::holidays`).
pub fn figures_of(
    app: &Application,
    events: &[ApplicationEvent],
    cal: &WorkCalendar,
    promised: &HashMap<String, u32>,
) -> CaseFigures {
    let f = fold(app, events);
    let mut row = CaseFigures {
        application_id: app.id.clone(),
        county_code: app.county_code.clone(),
        township_code: app.township_code.clone(),
        village_code: app.village_code.clone(),
        type_code: app.type_code.clone(),
        received_at: f.received_at,
        returned: f.returns > 0,
        decided_at: f.finished_at,
        decided_day: f.finished_at.map(|t| china_date(t.and_utc()).to_string()),
        decided_by: f.group.clone(),
        rejected: f.rejected,
        same_day: None,
        on_time: None,
        working_days: None,
        node0_days: None,
        node1_days: None,
        node2_days: None,
        node3_days: None,
        figures_version: VERSION,
    };
    let Some(fin) = f.finished_at else {
        return row;
    };
    let day = china_date(fin.and_utc());
    let ctx = Context {
        calendar: cal,
        promised_days: promised,
        from: day,
        to: day,
        now: fin,
    };
    let c = classify(&f, &ctx, fin);
    if c.finished {
        let days = |d: Option<i64>| d.and_then(|d| i32::try_from(d).ok());
        row.same_day = Some(c.same_day);
        row.on_time = Some(c.on_time);
        row.working_days = days(c.working_days);
        row.node0_days = days(c.node_days[0]);
        row.node1_days = days(c.node_days[1]);
        row.node2_days = days(c.node_days[2]);
        row.node3_days = days(c.node_days[3]);
    }
    row
}
