//! Per-case supervision figures (`case_figures`), derived from the case's append-only
//! trail in the transaction that appends the event (`applications::insert_event`), so
//! the dashboard sums narrow rows instead of folding every trail on every request.
//! The derivation is `stats::classify` on the folded trail, the same rule the figures
//! have always used; `backfill` recomputes rows that are missing or pending.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::{Application, ApplicationEvent};
use super::schema::{application_events, applications, case_figures};
use super::{catalog, DbConn};
use crate::domain::calendar::{china_date, WorkCalendar};
use crate::stats::{classify, CaseFact, Context, MAX_STEPS};

/// Rows at this version are complete; 0 means the decision's working days could not
/// be counted yet (no holiday data for its year).
pub const VERSION: i32 = 1;

/// Events that change a case's figures; others (create, accept, approve of a middle
/// step …) are folded in at the next of these.
pub const FIGURE_ACTIONS: [&str; 4] = ["submit", "return", "issue", "reject"];

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = case_figures, treat_none_as_null = true)]
pub struct CaseFigures {
    pub application_id: String,
    pub county_code: String,
    pub township_code: String,
    pub village_code: String,
    pub type_code: String,
    /// First submission.
    pub received_at: Option<NaiveDateTime>,
    /// Returned for correction at least once.
    pub returned: bool,
    /// Issue or rejection, and its day in China (`YYYY-MM-DD`).
    pub decided_at: Option<NaiveDateTime>,
    pub decided_day: Option<String>,
    /// The official of the last approval or of the rejection.
    pub decided_by: Option<String>,
    pub rejected: bool,
    pub same_day: Option<bool>,
    pub on_time: Option<bool>,
    /// Working days from the last (re)submission to the issue (issued cases).
    pub working_days: Option<i32>,
    pub node0_days: Option<i32>,
    pub node1_days: Option<i32>,
    pub node2_days: Option<i32>,
    pub node3_days: Option<i32>,
    pub figures_version: i32,
}

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

/// The figures row of a case from its trail. Without a calendar covering the
/// decision (or without the type's promised limit) the decision's figures stay empty
/// and the row is pending (`figures_version` 0).
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
    match classify(&f, &ctx, fin) {
        Ok(c) if c.finished => {
            let days = |d: Option<i64>| d.and_then(|d| i32::try_from(d).ok());
            row.same_day = Some(c.same_day);
            row.on_time = Some(c.on_time);
            row.working_days = days(c.working_days);
            row.node0_days = days(c.node_days[0]);
            row.node1_days = days(c.node_days[1]);
            row.node2_days = days(c.node_days[2]);
            row.node3_days = days(c.node_days[3]);
        }
        Ok(_) => {}
        Err(e) => {
            tracing::warn!(application = %app.number, error = %e,
                "cannot count the case's working days yet; its figures are pending");
            row.figures_version = 0;
        }
    }
    row
}

fn write(conn: &mut DbConn, row: &CaseFigures) -> QueryResult<()> {
    // No upsert through the multi-connection (DESIGN §7): update, else insert.
    let n = diesel::update(case_figures::table.find(&row.application_id))
        .set(row)
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(case_figures::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

fn promised_days(conn: &mut DbConn, type_code: &str) -> QueryResult<HashMap<String, u32>> {
    Ok(catalog::type_by_code(conn, type_code)?
        .map(|t| (t.code, t.promised_days))
        .into_iter()
        .collect())
}

/// Recomputes one case's row from its trail (call inside the event's transaction).
pub fn refresh(conn: &mut DbConn, application_id: &str) -> QueryResult<()> {
    let app: Application = applications::table
        .find(application_id)
        .select(Application::as_select())
        .first(conn)?;
    let events = super::applications::events(conn, application_id)?;
    let decided = events
        .iter()
        .any(|e| matches!(e.action.as_str(), "issue" | "reject"));
    let (cal, promised) = if decided {
        (
            catalog::calendar(conn)?,
            promised_days(conn, &app.type_code)?,
        )
    } else {
        (WorkCalendar::from_holidays(&[]), HashMap::new())
    };
    write(conn, &figures_of(&app, &events, &cal, &promised))
}

/// Computes the rows of submitted cases that have none or a pending one, in batches
/// of `batch` per transaction; `progress(done)` after each. Returns how many rows were
/// written.
pub fn backfill(
    conn: &mut DbConn,
    batch: i64,
    mut progress: impl FnMut(usize),
) -> QueryResult<usize> {
    let cal = catalog::calendar(conn)?;
    let promised: HashMap<String, u32> = super::schema::certificate_types::table
        .select(super::schema::certificate_types::code)
        .load::<String>(conn)?
        .into_iter()
        .filter_map(|code| {
            catalog::type_by_code(conn, &code)
                .ok()
                .flatten()
                .map(|t| (t.code, t.promised_days))
        })
        .collect();
    let mut done = 0;
    let mut after = String::new();
    loop {
        // Keyset over ids, so rows that stay pending are not picked up again.
        let ids: Vec<String> = applications::table
            .left_join(case_figures::table)
            .filter(applications::id.gt(&after))
            .filter(applications::status.ne("draft"))
            .filter(
                case_figures::application_id
                    .is_null()
                    .or(case_figures::figures_version.lt(VERSION)),
            )
            .order(applications::id.asc())
            .select(applications::id)
            .limit(batch)
            .load(conn)?;
        let Some(last) = ids.last() else {
            return Ok(done);
        };
        after = last.clone();
        conn.write_tx(|c| {
            let apps: Vec<Application> = applications::table
                .filter(applications::id.eq_any(&ids))
                .select(Application::as_select())
                .load(c)?;
            let mut events: HashMap<String, Vec<ApplicationEvent>> = HashMap::new();
            for e in application_events::table
                .filter(application_events::application_id.eq_any(&ids))
                .order((application_events::application_id, application_events::seq))
                .select(ApplicationEvent::as_select())
                .load(c)?
            {
                events.entry(e.application_id.clone()).or_default().push(e);
            }
            for app in &apps {
                let trail = events.get(&app.id).map_or(&[][..], Vec::as_slice);
                write(c, &figures_of(app, trail, &cal, &promised))?;
            }
            Ok::<_, diesel::result::Error>(())
        })?;
        done += ids.len();
        progress(done);
    }
}
