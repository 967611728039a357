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
pub mod catalog;
pub mod dispatches;
pub mod documents;
pub mod models;
pub mod users;
