//! Database access: connections, pools, migrations, schema, and the queries of each
//! table family. Everything that touches SQL lives below here.

pub mod conn;
mod group_commit;
pub mod migrate;
pub mod pool;
pub mod schema;

pub use conn::{Backend, DbConn};
pub use pool::{Db, DbError};
pub mod access_log;
pub mod applications;
pub mod case_figures;
pub mod catalog;
pub mod dispatches;
pub mod documents;
pub mod escalations;
pub mod figures_rollup;
pub mod id_numbers;
pub mod jobs;
pub mod jurisdictions;
pub mod models;
pub mod notifications;
pub mod proxies;
pub mod rate_limits;
pub mod rosters;
pub mod sign_in_failures;
pub mod sms_codes;
pub mod stats;
mod stats_rows;
pub mod track;
pub mod type_versions;
pub mod users;
pub mod wallet;

/// A multi-row INSERT. Batch inserts do not go through the multi-connection, so this
/// runs on the backend's own connection.
macro_rules! batch_insert {
    ($conn:expr, $table:expr, $rows:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite(c) => {
                diesel::RunQueryDsl::execute(diesel::insert_into($table).values($rows), c)
            }
            $crate::db::DbConn::Pg(c) => {
                diesel::RunQueryDsl::execute(diesel::insert_into($table).values($rows), c)
            }
        }
    };
}
pub(crate) use batch_insert;

/// `ANALYZE` of `tables` on PostgreSQL, for bulk loads (imports, seeds, backfills) to
/// call when they finish a table: with autovacuum off or behind, the planner otherwise
/// plans the next queries on the table's old statistics (a figures backfill after a
/// million-case seed ran a sequential scan of every event per batch). Nothing on SQLite,
/// which plans without statistics here. `tables` are names from the code, never input;
/// anything but a plain identifier is refused.
pub fn analyze(conn: &mut DbConn, tables: &[&str]) -> diesel::QueryResult<()> {
    let DbConn::Pg(pg) = conn else {
        return Ok(());
    };
    for table in tables {
        let plain = !table.is_empty()
            && table
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !plain {
            return Err(diesel::result::Error::QueryBuilderError(
                format!("not a table name: {table:?}").into(),
            ));
        }
        diesel::RunQueryDsl::execute(diesel::sql_query(format!("ANALYZE {table}")), pg)?;
    }
    Ok(())
}
