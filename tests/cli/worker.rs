//! `zhengming worker` as a real process: a worker killed with SIGKILL mid-job leaves
//! a lease that expires and the job runs again; SIGTERM lets the job finish (or
//! releases it when the grace period is over); `zhengming jobs` lists and retries
//! failed jobs.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use zhengming::db::models::Job;
use zhengming::db::Db;

fn db_of(dir: &Path) -> Db {
    let out = super::zhengming(dir, &["migrate"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Db::connect(
        &format!("sqlite://{}", dir.join("zhengming.db").display()),
        2,
    )
    .unwrap()
}

fn start_worker(dir: &Path, env: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_zhengming"))
        .arg("worker")
        .env("ZHENGMING_DATA_DIR", dir)
        .env("ZHENGMING_LOG", "warn")
        .env("ZHENGMING_WORKER_POLL_MS", "50")
        .envs(env.iter().copied())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start zhengming worker")
}

fn enqueue(db: &Db, kind: &str, payload: serde_json::Value) -> String {
    let mut c = db.write_conn().unwrap();
    c.write_tx(|c| zhengming::jobs::enqueue(c, kind, &payload, 5))
        .unwrap()
}

fn job(db: &Db, id: &str) -> Job {
    let mut c = db.read_conn().unwrap();
    zhengming::db::jobs::find(&mut c, id).unwrap().unwrap()
}

fn wait_for(db: &Db, id: &str, what: &str, pred: impl Fn(&Job) -> bool) -> Job {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let j = job(db, id);
        if pred(&j) {
            return j;
        }
        assert!(
            Instant::now() < until,
            "timed out waiting for {what}: {j:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn sigterm(child: &Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -TERM");
}

fn wait_exit(child: &mut Child, secs: u64) -> std::process::ExitStatus {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("worker did not stop within {secs}s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_job_of_a_killed_worker_runs_again_after_its_lease() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_of(dir.path());
    let id = enqueue(&db, "sleep", json!({"ms": 3000}));
    let lease = [("ZHENGMING_JOB_LEASE_SECS", "2")];

    let mut first = start_worker(dir.path(), &lease);
    let taken = wait_for(&db, &id, "the first worker to take the job", |j| {
        j.status == "running"
    });
    first.kill().unwrap(); // SIGKILL: no chance to release anything
    first.wait().unwrap();
    let held = job(&db, &id);
    assert_eq!(held.status, "running", "the dead worker's lease stays");
    assert_eq!(held.lease_owner, taken.lease_owner);

    let mut second = start_worker(dir.path(), &lease);
    let done = wait_for(&db, &id, "the job to run again and finish", |j| {
        j.status == "done"
    });
    assert_eq!(done.attempts, 2, "ran again after the lease expired");
    assert_ne!(done.updated_at, held.updated_at);
    sigterm(&second);
    assert!(wait_exit(&mut second, 30).success());
}

#[test]
fn sigterm_finishes_the_running_job_or_releases_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_of(dir.path());

    // Within the grace period the job finishes, then the worker exits cleanly.
    let id = enqueue(&db, "sleep", json!({"ms": 1500}));
    let mut w = start_worker(dir.path(), &[]);
    wait_for(&db, &id, "running", |j| j.status == "running");
    sigterm(&w);
    assert!(wait_exit(&mut w, 30).success());
    let j = job(&db, &id);
    assert_eq!((j.status.as_str(), j.attempts), ("done", 1));

    // With no grace left the job is handed back untried, due at once.
    let id = enqueue(&db, "sleep", json!({"ms": 60000}));
    let mut w = start_worker(dir.path(), &[("ZHENGMING_WORKER_SHUTDOWN_GRACE_SECS", "0")]);
    wait_for(&db, &id, "running", |j| j.status == "running");
    sigterm(&w);
    assert!(wait_exit(&mut w, 30).success());
    let j = job(&db, &id);
    assert_eq!(j.status, "queued");
    assert_eq!(j.attempts, 0);
    assert!(j.lease_owner.is_none());
}

#[test]
fn operators_list_and_retry_failed_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let db = db_of(dir.path());
    let out = super::zhengming(dir.path(), &["jobs", "failed"], None);
    assert!(String::from_utf8_lossy(&out.stdout).contains("no failed jobs"));

    let id = enqueue(&db, "no_such_kind", json!({}));
    let mut w = start_worker(dir.path(), &[]);
    wait_for(&db, &id, "the job to fail", |j| j.status == "failed");
    sigterm(&w);
    assert!(wait_exit(&mut w, 30).success());

    let out = super::zhengming(dir.path(), &["jobs", "failed"], None);
    let listed = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success());
    assert!(
        listed.contains(&id) && listed.contains("unknown job kind"),
        "{listed}"
    );

    let out = super::zhengming(dir.path(), &["jobs", "retry", &id], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = job(&db, &id);
    assert_eq!((j.status.as_str(), j.attempts), ("queued", 0));

    let out = super::zhengming(dir.path(), &["jobs", "retry", &id], None);
    assert!(!out.status.success(), "only failed jobs are retried");
    assert!(String::from_utf8_lossy(&out.stderr).contains("没有这个失败的任务"));
}
