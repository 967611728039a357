//! Per-case supervision figures (`case_figures`): the rows and the queries that find
//! and write them. They are derived from the case's append-only trail by
//! `stats::case_row` and refreshed by `workflow::figures` in the transaction that
//! appends the event, so the dashboard sums narrow rows instead of folding every trail
//! on every request.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::figures_rollup::changes as rollup;
use super::models::{Application, ApplicationEvent};
use super::schema::{application_events, applications, case_figures};
use super::{catalog, figures_rollup, DbConn};

/// Rows at this version are complete; a lower one is recomputed at start-up.
pub const VERSION: i32 = 1;

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

/// Writes case rows (new or recomputed) and adds their change to the rolled-up figures
/// (`db::figures_rollup`), in the caller's transaction.
pub fn write_all(conn: &mut DbConn, rows: &[CaseFigures]) -> QueryResult<()> {
    let ids: Vec<&str> = rows.iter().map(|r| r.application_id.as_str()).collect();
    let old: HashMap<String, CaseFigures> = case_figures::table
        .filter(case_figures::application_id.eq_any(&ids))
        .select(CaseFigures::as_select())
        .load(conn)?
        .into_iter()
        .map(|r| (r.application_id.clone(), r))
        .collect();
    let instant = figures_rollup::instant_of(conn, &ids)?;
    let mut changes = rollup::Changes::new();
    for row in rows {
        let i = instant.contains(&row.application_id);
        rollup::changes(
            &mut changes,
            old.get(&row.application_id).map(|o| (o, i)),
            (row, i),
        );
    }
    figures_rollup::apply(conn, &changes)?;
    // No upsert through the multi-connection (docs/architecture.md §6): we know which exist.
    for row in rows {
        if old.contains_key(&row.application_id) {
            diesel::update(case_figures::table.find(&row.application_id))
                .set(row)
                .execute(conn)?;
        } else {
            diesel::insert_into(case_figures::table)
                .values(row)
                .execute(conn)?;
        }
    }
    Ok(())
}

/// The promised limit (承诺时限) of every type, or of one.
pub fn promised_days(
    conn: &mut DbConn,
    type_code: Option<&str>,
) -> QueryResult<HashMap<String, u32>> {
    let codes: Vec<String> = match type_code {
        Some(code) => vec![code.to_owned()],
        None => super::schema::certificate_types::table
            .select(super::schema::certificate_types::code)
            .load(conn)?,
    };
    let mut out = HashMap::new();
    for code in codes {
        if let Some(t) = catalog::type_by_code(conn, &code)? {
            out.insert(t.code, t.promised_days);
        }
    }
    Ok(out)
}

/// Up to `batch` submitted cases after `after` (by id) whose row is missing or below
/// [`VERSION`].
pub fn ids_without_figures(conn: &mut DbConn, after: &str, batch: i64) -> QueryResult<Vec<String>> {
    applications::table
        .left_join(case_figures::table)
        .filter(applications::id.gt(after))
        .filter(applications::status.ne("draft"))
        .filter(
            case_figures::application_id
                .is_null()
                .or(case_figures::figures_version.lt(VERSION)),
        )
        .order(applications::id.asc())
        .select(applications::id)
        .limit(batch)
        .load(conn)
}

/// Cases decided on or after `day` (China date, `YYYY-MM-DD`).
pub fn ids_decided_since(conn: &mut DbConn, day: &str) -> QueryResult<Vec<String>> {
    case_figures::table
        .filter(case_figures::decided_day.ge(day))
        .select(case_figures::application_id)
        .load(conn)
}

/// The cases `ids` with their trails (in `seq` order).
pub fn cases_with_trails(
    conn: &mut DbConn,
    ids: &[String],
) -> QueryResult<Vec<(Application, Vec<ApplicationEvent>)>> {
    let apps: Vec<Application> = applications::table
        .filter(applications::id.eq_any(ids))
        .select(Application::as_select())
        .load(conn)?;
    let mut events: HashMap<String, Vec<ApplicationEvent>> = HashMap::new();
    for e in application_events::table
        .filter(application_events::application_id.eq_any(ids))
        .order((application_events::application_id, application_events::seq))
        .select(ApplicationEvent::as_select())
        .load(conn)?
    {
        events.entry(e.application_id.clone()).or_default().push(e);
    }
    Ok(apps
        .into_iter()
        .map(|a| {
            let trail = events.remove(&a.id).unwrap_or_default();
            (a, trail)
        })
        .collect())
}
