//! Two workers on one PostgreSQL database share 1,000 jobs: each runs exactly once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use zhengming::db::Db;
use zhengming::jobs::{Registry, Worker, WorkerConfig};

use crate::helpers::{spawn_app_with, Backend};
use crate::notify::wait_until;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_run_each_of_1000_jobs_exactly_once() {
    // The server's own worker is off: only the two below take jobs.
    let app = spawn_app_with(Backend::Postgres, |s| s.worker_in_serve = false).await;
    app.app_db
        .write(|c| {
            for i in 0..1000 {
                zhengming::jobs::enqueue(c, "count", &json!({ "i": i }), 3)?;
            }
            Ok::<_, zhengming::db::DbError>(())
        })
        .await
        .unwrap();

    let runs: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let per_worker: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let mut handles = Vec::new();
    for w in ["a", "b"] {
        // Each worker has its own connection pool, as a separate process would.
        let db = Db::connect(&app.database_url, 4).unwrap();
        let mut registry = Registry::builtin();
        let (runs, per_worker, name) = (runs.clone(), per_worker.clone(), w.to_owned());
        registry.register("count", move |ctx| {
            let (runs, per_worker, name) = (runs.clone(), per_worker.clone(), name.clone());
            async move {
                *runs.lock().unwrap().entry(ctx.job.id.clone()).or_default() += 1;
                *per_worker.lock().unwrap().entry(name).or_default() += 1;
                tokio::time::sleep(Duration::from_millis(1)).await;
                Ok(())
            }
        });
        let cfg = WorkerConfig {
            owner: format!("worker-{w}"),
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(10),
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(5),
            retention_days: 30,
        };
        handles.push(Worker::new(db, cfg, registry).spawn());
    }

    let db = app.app_db.clone();
    wait_until(300, "1000 jobs done", || {
        let db = db.clone();
        async move {
            use diesel::prelude::*;
            use zhengming::db::schema::jobs::dsl as j;
            tokio::task::spawn_blocking(move || {
                let mut c = db.read_conn().unwrap();
                j::jobs
                    .filter(j::status.eq("done"))
                    .count()
                    .get_result::<i64>(&mut *c)
                    .unwrap()
                    == 1000
            })
            .await
            .unwrap()
        }
    })
    .await;
    for h in handles {
        h.shutdown().await;
    }
    let runs = runs.lock().unwrap();
    assert_eq!(runs.len(), 1000);
    assert!(runs.values().all(|&n| n == 1), "a job ran twice");
    let per_worker = per_worker.lock().unwrap();
    assert!(
        per_worker.len() == 2 && per_worker.values().all(|&n| n > 0),
        "both workers took jobs: {per_worker:?}"
    );
}
