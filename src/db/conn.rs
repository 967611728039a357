//! One connection type over SQLite and PostgreSQL, chosen by the database URL.

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database location parsed from `ZHENGMING_DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbUrl {
    pub backend: Backend,
    /// What the driver is given: the file path for SQLite, the URL for PostgreSQL.
    pub target: String,
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self {
                backend: Backend::Postgres,
                target: url.to_owned(),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains("://") {
            return Err(format!("unsupported database URL: {url}"));
        }
        Ok(Self {
            backend: Backend::Sqlite,
            target: path.to_owned(),
        })
    }
}

/// r2d2 manager that opens the right backend and applies SQLite's pragmas.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DbUrl,
}

impl Manager {
    pub fn new(url: DbUrl) -> Self {
        Self { url }
    }
}

// An acknowledged write survives power loss (synchronous=FULL); readers never block
// the writer (WAL); a second process waits for the lock instead of failing at once;
// deleted or overwritten content is zeroed, not left in free space (secure_delete: an
// ID number sealed in place must not linger in clear in the file).
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
    PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA secure_delete = ON;";

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match self.url.backend {
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(&self.url.target)
                    .map_err(r2d2::Error::ConnectionError)?;
                c.batch_execute(SQLITE_PRAGMAS)
                    .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(c))
            }
            Backend::Postgres => PgConnection::establish(&self.url.target)
                .map(DbConn::Pg)
                .map_err(r2d2::Error::ConnectionError),
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        <DbConn as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

impl DbConn {
    pub fn backend(&self) -> Backend {
        match self {
            DbConn::Sqlite(_) => Backend::Sqlite,
            DbConn::Pg(_) => Backend::Postgres,
        }
    }

    /// A write transaction. On SQLite it starts as IMMEDIATE so the write lock is taken
    /// up front and a read-then-write never fails half way with SQLITE_BUSY. Inside a
    /// transaction already (a group commit's, see `Db::write`) it is a savepoint: kept
    /// or rolled back by `f`'s result, made durable by the outer COMMIT.
    pub fn write_tx<T, E>(&mut self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        let depth = match self {
            DbConn::Sqlite(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()?
            }
            DbConn::Pg(c) => {
                AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()?
            }
        };
        if depth.is_some() {
            return self.transaction(f);
        }
        match self {
            DbConn::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
            }
            DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
        }
        match f(self) {
            Ok(value) => {
                <DbConn as Connection>::TransactionManager::commit_transaction(self)?;
                Ok(value)
            }
            Err(e) => {
                <DbConn as Connection>::TransactionManager::rollback_transaction(self)?;
                Err(e)
            }
        }
    }
}
