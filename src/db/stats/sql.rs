//! A small statement template: `:name` markers in the SQL text become the backend's
//! placeholders (`?` on SQLite, `$n` on PostgreSQL), bound in order. The figures' SQL
//! is built from fixed fragments and runs unchanged on both backends this way.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use crate::db::DbConn;

/// A bound value of a statement.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Text(String),
    Ts(NaiveDateTime),
}

/// Rewrites `:name` markers to `?` (SQLite) or `$n` (PostgreSQL) and lists the values
/// in the order they are bound. Names are `[a-z_]+`; SQL text here has no `::` casts.
pub(crate) fn placeholders(sql: &str, pg: bool, vals: &HashMap<&str, Val>) -> (String, Vec<Val>) {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut order = Vec::new();
    let mut rest = sql;
    while let Some(i) = rest.find(':') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..len];
        match vals.get(name) {
            Some(v) if len > 0 => {
                order.push(v.clone());
                if pg {
                    out.push_str(&format!("${}", order.len()));
                } else {
                    out.push('?');
                }
            }
            _ => {
                out.push(':');
                out.push_str(name);
            }
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    (out, order)
}

pub(crate) fn load<R>(
    conn: &mut DbConn,
    sql: &str,
    vals: &HashMap<&str, Val>,
) -> QueryResult<Vec<R>>
where
    R: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
{
    macro_rules! run {
        ($c:expr, $pg:expr) => {{
            let (text, binds) = placeholders(sql, $pg, vals);
            let mut q = diesel::sql_query(text).into_boxed();
            for v in binds {
                q = match v {
                    Val::Text(s) => q.bind::<Text, _>(s),
                    Val::Ts(t) => q.bind::<Timestamp, _>(t),
                };
            }
            q.load::<R>($c)
        }};
    }
    match conn {
        DbConn::Sqlite(c) => run!(c, false),
        DbConn::Pg(c) => run!(c, true),
    }
}

/// Runs a statement that returns no rows (see [`placeholders`]).
pub(crate) fn execute(
    conn: &mut DbConn,
    sql: &str,
    vals: &HashMap<&str, Val>,
) -> QueryResult<usize> {
    macro_rules! run {
        ($c:expr, $pg:expr) => {{
            let (text, binds) = placeholders(sql, $pg, vals);
            let mut q = diesel::sql_query(text).into_boxed();
            for v in binds {
                q = match v {
                    Val::Text(s) => q.bind::<Text, _>(s),
                    Val::Ts(t) => q.bind::<Timestamp, _>(t),
                };
            }
            q.execute($c)
        }};
    }
    match conn {
        DbConn::Sqlite(c) => run!(c, false),
        DbConn::Pg(c) => run!(c, true),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn markers_become_placeholders_in_binding_order() {
        let vals = HashMap::from([
            ("lo", Val::Text("L".into())),
            ("code", Val::Text("C".into())),
        ]);
        let (pg, binds) = placeholders(
            "a = :code AND b >= :lo OR c < :lo AND d = ':x'",
            true,
            &vals,
        );
        assert_eq!(pg, "a = $1 AND b >= $2 OR c < $3 AND d = ':x'");
        let names: Vec<String> = binds
            .into_iter()
            .map(|v| match v {
                Val::Text(s) => s,
                Val::Ts(_) => unreachable!(),
            })
            .collect();
        assert_eq!(names, ["C", "L", "L"]);
        let (lite, _) = placeholders("a = :code AND b >= :lo", false, &vals);
        assert_eq!(lite, "a = ? AND b >= ?");
    }
}
