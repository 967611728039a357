//! The worker loop: find due jobs, claim one with a lease, run its handler while
//! renewing the lease, record the outcome. On stop it lets the running job finish for
//! a grace period, then releases it so another worker takes it at once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;
use rand::seq::SliceRandom;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{backoff, JobContext, JobError, Registry};
use crate::config::Settings;
use crate::db::models::{new_id, now, Job};
use crate::db::{jobs, rate_limits, Db, DbError};

#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Written into `lease_owner`: host process and a random part, unique per worker.
    pub owner: String,
    pub lease: Duration,
    pub poll: Duration,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    pub shutdown_grace: Duration,
    pub retention_days: i64,
}

impl WorkerConfig {
    pub fn from_settings(s: &Settings) -> WorkerConfig {
        WorkerConfig {
            owner: format!("pid{}-{}", std::process::id(), new_id()),
            lease: Duration::from_secs(s.job_lease_secs.max(1)),
            poll: Duration::from_millis(s.worker_poll_ms.max(10)),
            backoff_base: Duration::from_millis(s.job_backoff_ms.max(1)),
            backoff_max: Duration::from_secs(s.job_backoff_max_secs.max(1)),
            shutdown_grace: Duration::from_secs(s.worker_shutdown_grace_secs),
            retention_days: s.job_retention_days.max(1),
        }
    }
}

pub struct Worker {
    db: Db,
    cfg: WorkerConfig,
    registry: Arc<Registry>,
}

/// A running worker task; `shutdown` stops it gracefully.
pub struct WorkerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl WorkerHandle {
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        if let Err(e) = self.task.await {
            tracing::error!(error = %e, "worker task ended abnormally");
        }
    }
}

fn after(t: NaiveDateTime, d: Duration) -> NaiveDateTime {
    t + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

impl Worker {
    pub fn new(db: Db, cfg: WorkerConfig, registry: Registry) -> Worker {
        Worker {
            db,
            cfg,
            registry: Arc::new(registry),
        }
    }

    pub fn spawn(self) -> WorkerHandle {
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(self.run(rx));
        WorkerHandle { stop, task }
    }

    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(owner = %self.cfg.owner, "worker started");
        let mut last_purge: Option<Instant> = None;
        let mut last_tick: Vec<Option<Instant>> = vec![None; self.registry.periodic().len()];
        loop {
            if *stop.borrow() {
                break;
            }
            // Checked before the jobs, so a busy queue cannot starve them; messages they
            // queue are due at once.
            for (p, last) in self.registry.periodic().iter().zip(last_tick.iter_mut()) {
                if last.is_none_or(|t| t.elapsed() >= p.every) {
                    *last = Some(Instant::now());
                    (p.run)(self.db.clone()).await;
                }
            }
            match self.run_one(&mut stop).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "worker: database unavailable"),
            }
            if last_purge.is_none_or(|t| t.elapsed() > Duration::from_secs(3600)) {
                last_purge = Some(Instant::now());
                self.purge().await;
            }

            tokio::select! {
                _ = tokio::time::sleep(self.cfg.poll) => {}
                changed = stop.changed() => if changed.is_err() { break },
            }
        }
        tracing::info!(owner = %self.cfg.owner, "worker stopped");
    }

    async fn purge(&self) {
        let days = self.cfg.retention_days;
        let r = self
            .db
            .with_writer(move |c| {
                let t = now();
                jobs::purge_done(c, t - chrono::Duration::days(days))?;
                rate_limits::purge(c, t - chrono::Duration::days(1))?;
                // Sign-in failures count for a day (`domain::throttle::FORGET_AFTER`).
                crate::db::sign_in_failures::purge(c, t - chrono::Duration::days(2))?;
                Ok::<_, DbError>(())
            })
            .await;
        if let Err(e) = r {
            tracing::warn!(error = %e, "worker: purge failed");
        }
    }

    /// Claims and runs one due job; `Ok(true)` when it ran one.
    pub async fn run_one(&self, stop: &mut watch::Receiver<bool>) -> Result<bool, DbError> {
        let mut ids = self
            .db
            .read(|c| Ok::<_, DbError>(jobs::due(c, now(), 16)?))
            .await?;
        // Workers sharing a database start at different rows, so they rarely collide.
        ids.shuffle(&mut rand::thread_rng());
        for id in ids {
            let owner = self.cfg.owner.clone();
            let lease = self.cfg.lease;
            let claimed = self
                .db
                .with_writer(move |c| {
                    let t = now();
                    if !jobs::try_claim(c, &id, &owner, t, after(t, lease))? {
                        return Ok::<_, DbError>(None);
                    }
                    Ok(jobs::find(c, &id)?)
                })
                .await?;
            if let Some(job) = claimed {
                self.execute(job, stop).await?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn execute(&self, job: Job, stop: &mut watch::Receiver<bool>) -> Result<(), DbError> {
        let started = Instant::now();
        let retry_at = (job.attempts < job.max_attempts).then(|| {
            after(
                now(),
                backoff::delay(job.attempts, self.cfg.backoff_base, self.cfg.backoff_max),
            )
        });
        let outcome = if job.attempts > job.max_attempts {
            // Reclaimed after its worker died more often than it may be tried.
            Some(Err(JobError::Permanent(format!(
                "gave up after {} attempts; last: {}",
                job.max_attempts,
                job.last_error.as_deref().unwrap_or("worker stopped")
            ))))
        } else {
            match (
                self.registry.get(&job.kind),
                serde_json::from_str::<serde_json::Value>(&job.payload),
            ) {
                (None, _) => Some(Err(JobError::Permanent(format!(
                    "unknown job kind {}",
                    job.kind
                )))),
                (_, Err(e)) => Some(Err(JobError::Permanent(format!("bad payload: {e}")))),
                (Some(handler), Ok(payload)) => {
                    let ctx = JobContext {
                        job: job.clone(),
                        payload,
                        retry_at,
                    };
                    self.supervise(&job, handler(ctx), stop).await
                }
            }
        };
        let (id, owner) = (job.id.clone(), self.cfg.owner.clone());
        let ms = started.elapsed().as_millis();
        match outcome {
            None => {
                self.db
                    .with_writer(move |c| Ok::<_, DbError>(jobs::release(c, &id, &owner, now())?))
                    .await?;
                tracing::info!(job = %job.id, kind = %job.kind, "job released on shutdown");
            }
            Some(Ok(())) => {
                let held = self
                    .db
                    .with_writer(move |c| Ok::<_, DbError>(jobs::complete(c, &id, &owner, now())?))
                    .await?;
                if !held {
                    tracing::warn!(job = %job.id, "job finished after its lease was lost");
                }
                tracing::debug!(job = %job.id, kind = %job.kind, ms, "job done");
            }
            Some(Err(e)) => {
                let next = match &e {
                    JobError::Retryable(_) => retry_at,
                    JobError::Permanent(_) => None,
                };
                let msg = e.message().to_owned();
                self.db
                    .with_writer(move |c| {
                        Ok::<_, DbError>(jobs::fail(c, &id, &owner, &msg, next, now())?)
                    })
                    .await?;
                tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts,
                    parked = next.is_none(), error = %e, "job failed");
            }
        }
        Ok(())
    }

    /// Runs the handler, renewing the lease; `None` if it was cut short by a stop.
    async fn supervise(
        &self,
        job: &Job,
        fut: futures_util::future::BoxFuture<'static, Result<(), JobError>>,
        stop: &mut watch::Receiver<bool>,
    ) -> Option<Result<(), JobError>> {
        // Spawned, so a panicking handler fails its job instead of the worker.
        let mut task = tokio::spawn(fut);
        let mut beat = tokio::time::interval(self.cfg.lease / 3);
        beat.tick().await;
        let mut deadline: Option<tokio::time::Instant> = if *stop.borrow() {
            Some(tokio::time::Instant::now() + self.cfg.shutdown_grace)
        } else {
            None
        };
        loop {
            let until = deadline
                .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(86_400));
            tokio::select! {
                r = &mut task => {
                    return Some(r.unwrap_or_else(|e| Err(JobError::Retryable(format!("job panicked: {e}")))));
                }
                _ = beat.tick() => {
                    let (id, owner, lease) = (job.id.clone(), self.cfg.owner.clone(), self.cfg.lease);
                    let renewed = self.db.with_writer(move |c| {
                        Ok::<_, DbError>(jobs::renew(c, &id, &owner, after(now(), lease))?)
                    }).await;
                    if !matches!(renewed, Ok(true)) {
                        tracing::warn!(job = %job.id, "could not renew the job's lease");
                    }
                }
                _ = stop.changed(), if deadline.is_none() => {
                    deadline = Some(tokio::time::Instant::now() + self.cfg.shutdown_grace);
                }
                _ = tokio::time::sleep_until(until), if deadline.is_some() => {
                    task.abort();
                    return None;
                }
            }
        }
    }
}
