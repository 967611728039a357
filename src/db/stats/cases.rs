//! The cases behind one number of the figures.

use diesel::prelude::*;
use diesel::sql_types::Text;

use super::sql::{load, Val};
use super::statements::{scope_clause, DECIDED, OPEN, RECEIVED};
use super::window::Window;
use crate::db::DbConn;
use crate::domain::figures::{GroupBy, Metric, NO_GROUP};
use crate::domain::scope::Scope;

#[derive(QueryableByName)]
struct CaseRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    number: String,
}

/// The cases (id, number) behind one number, by number: those of `group` (all when
/// `None`, the keyless ones for [`NO_GROUP`]) counted in `metric`.
pub fn cases(
    conn: &mut DbConn,
    scope: &Scope,
    group_by: GroupBy,
    group: Option<&str>,
    metric: Metric,
    w: &Window,
) -> QueryResult<Vec<(String, String)>> {
    let open = matches!(metric, Metric::OpenOverdue | Metric::OpenAtRisk);
    let alias = if open { "a" } else { "f" };
    let Some((sc, code)) = scope_clause(scope, alias) else {
        return Ok(Vec::new());
    };
    let mut vals = w.vals();
    if let Some(code) = code {
        vals.insert("code", Val::Text(code));
    }
    let col = if open {
        group_by.case_col()
    } else {
        group_by.figures_col()
    };
    let gc = match group {
        None => String::new(),
        Some(NO_GROUP) => format!("{col} IS NULL AND "),
        Some(g) => {
            vals.insert("grp", Val::Text(g.to_owned()));
            format!("{col} = :grp AND ")
        }
    };
    let pred = match metric {
        Metric::Received => RECEIVED.to_owned(),
        Metric::Returned => format!("{RECEIVED} AND f.returned"),
        Metric::Finished => DECIDED.to_owned(),
        Metric::Issued => format!("{DECIDED} AND NOT f.rejected"),
        Metric::SameDay => format!("{DECIDED} AND f.same_day"),
        Metric::OnTime => format!("{DECIDED} AND f.on_time"),
        Metric::OverdueFinished => format!("{DECIDED} AND NOT f.on_time"),
        Metric::OpenOverdue => format!("{OPEN} AND a.node_deadline < :now"),
        Metric::OpenAtRisk => {
            format!("{OPEN} AND a.node_deadline >= :now AND a.node_deadline <= :until")
        }
    };
    let sql = if open {
        format!("SELECT a.id AS id, a.number AS number FROM applications a WHERE {sc}{gc}{pred} ORDER BY a.number")
    } else {
        format!(
            "SELECT a.id AS id, a.number AS number FROM case_figures f \
             JOIN applications a ON a.id = f.application_id WHERE {sc}{gc}{pred} ORDER BY a.number"
        )
    };
    Ok(load::<CaseRow>(conn, &sql, &vals)?
        .into_iter()
        .map(|r| (r.id, r.number))
        .collect())
}
