//! The figures' statements written out for EXPLAIN, for `zhengming bench-stats`.

use super::sql::{placeholders, Val};
use super::statements::{decided_sql, received_sql, DECIDED, DECIDED_DAYS, OPEN, RECEIVED};
use super::window::Window;
use crate::db::DbConn;
use crate::domain::figures::GroupBy;

/// The statements for EXPLAIN in the bench command (county scope), with the values
/// to inline in their order.
pub fn explain_sql(conn: &DbConn, w: &Window, county: &str) -> Vec<(String, String, Vec<String>)> {
    let pg = matches!(conn, DbConn::Pg(_));
    let mut vals = w.vals();
    vals.insert("code", Val::Text(county.to_owned()));
    let fs = "f.county_code = :code AND ";
    let as_ = "a.county_code = :code AND ";
    let keys = (Some(GroupBy::Township), Some(GroupBy::Type));
    // On SQLite the figures read rows (`stats_rows`); these are the statements diesel
    // builds there, written out.
    let groups = "f.type_code, f.township_code, f.village_code, f.decided_by";
    let (received, decided) = if pg {
        (received_sql(keys, fs), decided_sql(keys, fs))
    } else {
        (
            format!("SELECT {groups}, f.returned FROM case_figures f WHERE {fs}{RECEIVED}"),
            format!(
                "SELECT {groups}, f.working_days, f.rejected, f.same_day, f.on_time, \
                 f.figures_version, f.node0_days, f.node1_days, f.node2_days, f.node3_days \
                 FROM case_figures f WHERE {fs}{DECIDED}"
            ),
        )
    };
    [
        ("received", received),
        ("decided", decided),
        (
            "per day",
            format!(
                "SELECT f.decided_day, COUNT(*) FROM case_figures f WHERE {fs}{DECIDED_DAYS} \
                 GROUP BY f.decided_day ORDER BY f.decided_day"
            ),
        ),
        (
            "open cases",
            format!(
                "SELECT a.township_code AS grp, COUNT(*) FROM applications a \
                 WHERE {as_}{OPEN} AND a.node_deadline <= :until GROUP BY a.township_code"
            ),
        ),
        (
            "overdue table (per open status)",
            format!(
                "SELECT a.id FROM applications a WHERE {as_}a.status = 'submitted' \
                 AND a.created_at < :hi AND a.node_deadline < :now \
                 ORDER BY a.node_deadline, a.id LIMIT 200"
            ),
        ),
    ]
    .into_iter()
    .map(|(name, sql)| {
        let (text, binds) = placeholders(&sql, pg, &vals);
        let lits = binds
            .into_iter()
            .map(|v| match v {
                Val::Text(s) => s,
                Val::Ts(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            })
            .collect();
        (name.to_owned(), text, lits)
    })
    .collect()
}
