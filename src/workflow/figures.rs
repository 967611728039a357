//! Keeps `case_figures` true: refreshed in the transaction that appends an event which
//! changes a case's figures, backfilled at start-up for rows missing or outdated, and
//! recomputed when a holiday year is loaded (their working days were provisional).

use std::collections::HashMap;

use crate::db::case_figures::{self, write_all};
use crate::db::{catalog, DbConn};
use crate::domain::calendar::WorkCalendar;
use crate::stats::case_row::figures_of;
use diesel::QueryResult;

/// Events that change a case's figures; others (create, accept, approve of a middle
/// step …) are folded in at the next of these.
pub const FIGURE_ACTIONS: [&str; 4] = ["submit", "return", "issue", "reject"];

/// Recomputes one case's row from its trail (call inside the event's transaction).
pub fn refresh(conn: &mut DbConn, application_id: &str) -> QueryResult<()> {
    let ids = [application_id.to_owned()];
    for (app, events) in case_figures::cases_with_trails(conn, &ids)? {
        let decided = events
            .iter()
            .any(|e| matches!(e.action.as_str(), "issue" | "reject"));
        // Undecided cases need neither the calendar nor the limits.
        let (cal, promised) = if decided {
            (
                catalog::calendar(conn)?,
                case_figures::promised_days(conn, Some(&app.type_code))?,
            )
        } else {
            (WorkCalendar::default(), HashMap::new())
        };
        write_all(conn, &[figures_of(&app, &events, &cal, &promised)])?;
    }
    Ok(())
}

/// Recomputes the rows of `ids` against `cal`, in the caller's transaction.
pub fn recompute(conn: &mut DbConn, ids: &[String], cal: &WorkCalendar) -> QueryResult<usize> {
    let promised = case_figures::promised_days(conn, None)?;
    let mut n = 0;
    for chunk in ids.chunks(500) {
        let rows: Vec<_> = case_figures::cases_with_trails(conn, chunk)?
            .into_iter()
            .map(|(app, trail)| figures_of(&app, &trail, cal, &promised))
            .collect();
        // One batch of rollup changes for the chunk: cases of a day and village share rows.
        write_all(conn, &rows)?;
        n += rows.len();
    }
    Ok(n)
}

/// Computes the rows of submitted cases that have none or an outdated one, in batches
/// of `batch` per transaction; `progress(done)` after each. Returns how many rows were
/// written.
pub fn backfill(
    conn: &mut DbConn,
    batch: i64,
    mut progress: impl FnMut(usize),
) -> QueryResult<usize> {
    let cal = catalog::calendar(conn)?;
    let mut done = 0;
    let mut after = String::new();
    loop {
        // Keyset over ids, so a row that cannot be brought up to date is not read again.
        let ids = case_figures::ids_without_figures(conn, &after, batch)?;
        let Some(last) = ids.last() else {
            return Ok(done);
        };
        after = last.clone();
        conn.write_tx(|c| recompute(c, &ids, &cal))?;
        done += ids.len();
        progress(done);
    }
}

/// Builds the rolled-up figures from the case rows once (a database from before they
/// were kept), in one transaction so a half-built rollup is never read. Returns how
/// many case rows were summed, or `None` if it was built already.
pub fn build_rollup(conn: &mut DbConn) -> QueryResult<Option<usize>> {
    conn.write_tx(|c| crate::db::figures_rollup::build(c, 5000))
}

/// Appended an event: refresh the case's figures if the event changes them.
pub(super) fn after_event(
    conn: &mut DbConn,
    application_id: &str,
    action: &str,
) -> QueryResult<()> {
    if FIGURE_ACTIONS.contains(&action) {
        refresh(conn, application_id)?;
    }
    Ok(())
}
