//! Connection pools. SQLite has one writer at a time, so writes go through a pool of
//! exactly one connection (a queue, not a busy-wait); reads use their own pool.
//! PostgreSQL uses one pool for both.

use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::r2d2::{Pool, PooledConnection};
use prometheus::{Histogram, HistogramOpts, IntGauge};

use super::conn::{Backend, DbConn, DbUrl, Manager};
use super::group_commit::GroupCommit;

pub type Conn = PooledConnection<Manager>;

#[derive(Clone)]
pub struct Db {
    read: Pool<Manager>,
    write: Pool<Manager>,
    backend: Backend,
    waits: Arc<PoolWaits>,
    /// SQLite only: [`Db::write`] goes through group commit.
    group: Option<Arc<GroupCommit>>,
}

/// Callers waiting for a connection right now, and how long SQLite's one writer kept
/// callers waiting: the figures `/metrics` reports (the pools' own state has no
/// waiting count). Kept here because every connection is taken here.
pub struct PoolWaits {
    pub read_waiting: IntGauge,
    pub write_waiting: IntGauge,
    /// Seconds from asking for the writer to getting it (SQLite only: on PostgreSQL
    /// the "writer" is any pooled connection).
    pub write_lock_wait: Histogram,
    /// Writes that shared one COMMIT (SQLite group commit).
    pub commit_group_size: Histogram,
}

impl PoolWaits {
    fn new() -> PoolWaits {
        let gauge = |name: &str, help: &str| IntGauge::new(name, help).expect("valid metric");
        PoolWaits {
            read_waiting: gauge(
                "zhengming_db_read_waiting",
                "Callers waiting for a read connection",
            ),
            write_waiting: gauge(
                "zhengming_db_write_waiting",
                "Callers waiting for the write connection",
            ),
            write_lock_wait: Histogram::with_opts(
                HistogramOpts::new(
                    "zhengming_sqlite_write_lock_wait_seconds",
                    "Time spent waiting for SQLite's one writer connection",
                )
                .buckets(vec![
                    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                ]),
            )
            .expect("valid metric"),
            commit_group_size: Histogram::with_opts(
                HistogramOpts::new(
                    "zhengming_sqlite_commit_group_size",
                    "Write transactions that shared one SQLite COMMIT (group commit)",
                )
                .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]),
            )
            .expect("valid metric"),
        }
    }
}

/// A pool's connections at one moment.
pub struct PoolState {
    /// `read` and `write` on SQLite, `main` on PostgreSQL (one pool).
    pub pool: &'static str,
    pub in_use: u32,
    pub idle: u32,
    pub waiting: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database unavailable: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("{0}")]
    Setup(String),
}

impl Db {
    pub fn connect(url: &str, pool_size: u32) -> Result<Db, DbError> {
        Self::connect_with_timeout(url, pool_size, Duration::from_secs(30))
    }

    /// `timeout`: how long a caller waits for a connection (e.g. while the database
    /// is restarting) before the request fails.
    pub fn connect_with_timeout(
        url: &str,
        pool_size: u32,
        timeout: Duration,
    ) -> Result<Db, DbError> {
        let url = DbUrl::parse(url).map_err(DbError::Setup)?;
        if url.backend == Backend::Sqlite {
            if let Some(dir) = std::path::Path::new(&url.target).parent() {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        DbError::Setup(format!("cannot create {}: {e}", dir.display()))
                    })?;
                }
            }
        }
        let build = |size: u32| {
            Pool::builder()
                .max_size(size)
                .connection_timeout(timeout)
                .build(Manager::new(url.clone()))
        };
        let backend = url.backend;
        let (read, write) = match backend {
            Backend::Sqlite => {
                // Open the writer first: it creates the file and switches it to WAL.
                let write = build(1)?;
                (build(pool_size.max(1))?, write)
            }
            Backend::Postgres => {
                let p = build(pool_size.max(2))?;
                (p.clone(), p)
            }
        };
        let waits = Arc::new(PoolWaits::new());
        let group = (backend == Backend::Sqlite)
            .then(|| Arc::new(GroupCommit::start(write.clone(), waits.clone())));
        Ok(Db {
            read,
            write,
            backend,
            waits,
            group,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn read_conn(&self) -> Result<Conn, DbError> {
        self.waits.read_waiting.inc();
        let conn = self.read.get();
        self.waits.read_waiting.dec();
        Ok(conn?)
    }

    pub fn write_conn(&self) -> Result<Conn, DbError> {
        let started = Instant::now();
        self.waits.write_waiting.inc();
        let conn = self.write.get();
        self.waits.write_waiting.dec();
        if self.backend == Backend::Sqlite {
            self.waits
                .write_lock_wait
                .observe(started.elapsed().as_secs_f64());
        }
        Ok(conn?)
    }

    /// The wait figures, for the metrics registry.
    pub fn waits(&self) -> &PoolWaits {
        &self.waits
    }

    /// Connections in use and idle per pool, with the callers waiting for one.
    pub fn pool_states(&self) -> Vec<PoolState> {
        let state = |pool: &'static str, p: &Pool<Manager>, waiting: i64| {
            let s = p.state();
            PoolState {
                pool,
                in_use: s.connections - s.idle_connections,
                idle: s.idle_connections,
                waiting,
            }
        };
        match self.backend {
            Backend::Sqlite => vec![
                state("read", &self.read, self.waits.read_waiting.get()),
                state("write", &self.write, self.waits.write_waiting.get()),
            ],
            Backend::Postgres => vec![state(
                "main",
                &self.read,
                self.waits.read_waiting.get() + self.waits.write_waiting.get(),
            )],
        }
    }

    pub fn migrate(&self) -> Result<usize, DbError> {
        let mut conn = self.write_conn()?;
        super::migrate::run(&mut conn).map_err(DbError::Setup)
    }

    /// Runs read-only work on the blocking pool with an owned connection.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        run_blocking(move || {
            let mut conn = db.read_conn()?;
            f(&mut conn)
        })
        .await
    }

    /// Runs `f` with the writer connection on the blocking pool; `f` opens its own
    /// transaction(s) with [`DbConn::write_tx`].
    pub async fn with_writer<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let db = self.clone();
        run_blocking(move || {
            let mut conn = db.write_conn()?;
            f(&mut conn)
        })
        .await
    }

    /// Runs `f` inside one write transaction and answers once it is committed. On
    /// SQLite, `f` shares the transaction with the other writes waiting at that moment,
    /// in a savepoint of its own (see [`super::group_commit`]): its changes are kept
    /// or rolled back by its own result, and it hears `Ok` only after the COMMIT.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        if let Some(group) = &self.group {
            return group.run(f).await;
        }
        let db = self.clone();
        run_blocking(move || {
            let mut conn = db.write_conn()?;
            conn.write_tx(f)
        })
        .await
    }
}

async fn run_blocking<T, E, F>(f: F) -> Result<T, E>
where
    F: FnOnce() -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<DbError> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(DbError::Setup(format!("blocking task failed: {e}")).into()),
    }
}
