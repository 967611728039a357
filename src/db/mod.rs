//! Database access: connections, pools, migrations, schema, and the queries of each
//! table family. Everything that touches SQL lives below here.

pub mod conn;
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
pub mod id_numbers;
pub mod jobs;
pub mod models;
pub mod notifications;
pub mod rate_limits;
pub mod sign_in_failures;
pub mod sms_codes;
pub mod stats;
mod stats_rows;
pub mod track;
pub mod type_versions;
pub mod users;

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
