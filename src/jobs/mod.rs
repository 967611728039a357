//! Durable background work (docs/architecture.md §7): jobs are rows written in the caller's
//! transaction, claimed with a lease, retried with exponential backoff and jitter, and
//! parked as failed with their last error after `max_attempts`. Handlers must be
//! idempotent: a worker killed mid-job leaves a lease that expires, and the job runs
//! again.

pub mod backoff;
pub mod worker;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDateTime;
use futures_util::future::BoxFuture;

use crate::db::models::{new_id, now, Job};
use crate::db::{jobs, DbConn};

pub use worker::{Worker, WorkerConfig};

/// Sleeps for `payload.ms` milliseconds: lets an operator (or a test) check that a
/// worker picks jobs up and that a killed worker's job runs again.
pub const KIND_SLEEP: &str = "sleep";

/// Why a job did not finish; decides whether it is tried again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// Worth another attempt later (a server down, a timeout).
    Retryable(String),
    /// Will fail the same way every time (bad payload, a refused recipient).
    Permanent(String),
}

impl JobError {
    pub fn message(&self) -> &str {
        match self {
            JobError::Retryable(m) | JobError::Permanent(m) => m,
        }
    }
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

/// What a handler is given.
#[derive(Debug, Clone)]
pub struct JobContext {
    pub job: Job,
    pub payload: serde_json::Value,
    /// When the job runs again if this attempt fails; `None` if it will not.
    pub retry_at: Option<NaiveDateTime>,
}

pub type Handler =
    Arc<dyn Fn(JobContext) -> BoxFuture<'static, Result<(), JobError>> + Send + Sync>;

/// Work a worker does on a timer rather than from a queued row (escalating overdue
/// cases, calendar warnings). It runs on every worker, so it must be safe to run on
/// several instances at once (claim in the database what must happen once).
pub type Tick = Arc<dyn Fn(crate::db::Db) -> BoxFuture<'static, ()> + Send + Sync>;

#[derive(Clone)]
pub struct Periodic {
    pub name: String,
    pub every: std::time::Duration,
    pub run: Tick,
}

/// Job kinds and their handlers.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Handler>,
    periodic: Vec<Periodic>,
}

impl Registry {
    /// The built-in kinds that need nothing but the database.
    pub fn builtin() -> Registry {
        let mut r = Registry::default();
        r.register(KIND_SLEEP, |ctx| async move {
            let ms = ctx.payload["ms"].as_u64().unwrap_or(0).min(3_600_000);
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            Ok(())
        });
        r
    }

    pub fn register<F, Fut>(&mut self, kind: &str, f: F)
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = Result<(), JobError>> + Send + 'static,
    {
        self.handlers
            .insert(kind.to_owned(), Arc::new(move |ctx| Box::pin(f(ctx))));
    }

    pub fn get(&self, kind: &str) -> Option<&Handler> {
        self.handlers.get(kind)
    }

    /// Runs `f` every `every` (first soon after the worker starts).
    pub fn every<F, Fut>(&mut self, name: &str, every: std::time::Duration, f: F)
    where
        F: Fn(crate::db::Db) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        self.periodic.push(Periodic {
            name: name.to_owned(),
            every,
            run: Arc::new(move |db| Box::pin(f(db))),
        });
    }

    pub fn periodic(&self) -> &[Periodic] {
        &self.periodic
    }
}

/// Adds a job in the caller's transaction, due now.
pub fn enqueue(
    conn: &mut DbConn,
    kind: &str,
    payload: &serde_json::Value,
    max_attempts: i32,
) -> diesel::QueryResult<String> {
    enqueue_at(conn, kind, payload, max_attempts, now())
}

pub fn enqueue_at(
    conn: &mut DbConn,
    kind: &str,
    payload: &serde_json::Value,
    max_attempts: i32,
    run_at: NaiveDateTime,
) -> diesel::QueryResult<String> {
    let at = now();
    let id = new_id();
    jobs::insert(
        conn,
        &Job {
            id: id.clone(),
            kind: kind.to_owned(),
            payload: payload.to_string(),
            status: "queued".into(),
            run_at,
            attempts: 0,
            max_attempts: max_attempts.max(1),
            lease_owner: None,
            lease_expires_at: None,
            last_error: None,
            created_at: at,
            updated_at: at,
        },
    )?;
    Ok(id)
}
