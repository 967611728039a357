//! Group commit for SQLite's one writer (issue 20).
//!
//! With `synchronous = FULL` every COMMIT waits for the disk (about 1.2 ms on the
//! machines this runs on), so one commit per request caps writes near 800 a second
//! whatever the CPU can do. Instead, [`super::Db::write`] hands its closure to one
//! committer thread. The thread takes the writer connection, runs every closure that
//! is waiting in one `BEGIN IMMEDIATE` transaction, each in its own savepoint (a
//! closure that fails rolls back only its own changes), commits once, and only then
//! answers each caller. So:
//! - nothing is acknowledged before it is durable: a caller hears `Ok` only after
//!   the COMMIT that holds its changes returned;
//! - if that COMMIT fails, every closure of the group hears the error;
//! - a lone request is not delayed: a group is whatever queued while the previous
//!   one ran, never a timer;
//! - the one-writer rule holds: the thread takes the same one-connection write pool
//!   as [`super::Db::with_writer`] and the command-line tools.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::Arc;

use diesel::r2d2::Pool;
use diesel::Connection;

use super::conn::{DbConn, Manager};
use super::pool::{DbError, PoolWaits};

/// At most this many closures share a commit, so one group's answers are not held
/// back behind an unbounded queue.
const MAX_GROUP: usize = 256;

/// How a caller is answered once the group's COMMIT is known (`None`: committed).
type Answer = Box<dyn FnOnce(Option<&str>) + Send>;

/// What a closure left for its caller: whether its savepoint is kept, and its answer.
struct Outcome {
    ok: bool,
    /// The closure panicked: diesel's savepoint bookkeeping may be off, so the whole
    /// group is rolled back rather than trusting a partial rollback.
    panicked: bool,
    answer: Answer,
}

type Job = Box<dyn FnOnce(&mut DbConn) -> Outcome + Send>;

pub(super) struct GroupCommit {
    queue: Sender<Job>,
    waits: Arc<PoolWaits>,
}

/// A write waiting for the committer: counted in `write_waiting` until it runs or is
/// dropped unrun, and its wait timed into `write_lock_wait` when it runs (the queue is
/// where SQLite's writes wait now, not the one-connection pool).
struct Queued {
    waits: Arc<PoolWaits>,
    since: std::time::Instant,
}

impl Queued {
    fn new(waits: Arc<PoolWaits>) -> Queued {
        waits.write_waiting.inc();
        Queued {
            waits,
            since: std::time::Instant::now(),
        }
    }

    fn started(self) {
        self.waits
            .write_lock_wait
            .observe(self.since.elapsed().as_secs_f64());
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.waits.write_waiting.dec();
    }
}

impl GroupCommit {
    pub(super) fn start(write: Pool<Manager>, waits: Arc<PoolWaits>) -> GroupCommit {
        let (queue, jobs) = mpsc::channel::<Job>();
        // Closures that reach async code (the blob store's `put` inside an inline
        // certificate draw) find the server's runtime here as they did on its blocking
        // pool, instead of building a runtime per call.
        let runtime = tokio::runtime::Handle::try_current().ok();
        let thread_waits = Arc::clone(&waits);
        std::thread::Builder::new()
            .name("sqlite-commit".into())
            .spawn(move || {
                let _entered = runtime.as_ref().map(tokio::runtime::Handle::enter);
                committer(write, thread_waits, jobs)
            })
            .expect("spawn the SQLite committer thread");
        GroupCommit { queue, waits }
    }

    /// Runs `f` in the next group and answers after its COMMIT.
    pub(super) async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, E>>();
        let queued = Queued::new(Arc::clone(&self.waits));
        let job: Job = Box::new(move |conn: &mut DbConn| {
            queued.started();
            match catch_unwind(AssertUnwindSafe(|| f(conn))) {
                Ok(result) => Outcome {
                    ok: result.is_ok(),
                    panicked: false,
                    answer: Box::new(move |commit_failed: Option<&str>| {
                        let result = match (result, commit_failed) {
                            (Ok(_), Some(e)) => {
                                Err(E::from(DbError::Setup(format!("commit failed: {e}"))))
                            }
                            (result, _) => result,
                        };
                        let _ = tx.send(result);
                    }),
                },
                // The caller hears an error; the group is rolled back (see `committer`).
                Err(_) => Outcome {
                    ok: false,
                    panicked: true,
                    answer: Box::new(move |_| {
                        let _ =
                            tx.send(Err(E::from(DbError::Setup("a write task panicked".into()))));
                    }),
                },
            }
        });
        if self.queue.send(job).is_err() {
            return Err(DbError::Setup("the SQLite committer has stopped".into()).into());
        }
        // A dropped answer (the thread died mid-group) is an error, never a success.
        rx.await
            .unwrap_or_else(|_| Err(DbError::Setup("the write was not committed".into()).into()))
    }
}

fn committer(write: Pool<Manager>, waits: Arc<PoolWaits>, jobs: Receiver<Job>) {
    // Ends when every `Db` (and so every sender) is gone.
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        let conn = write.get();
        // What queued while we waited for the writer joins this group.
        drain(&jobs, &mut group);
        // Without the writer no job runs; dropping them drops their answers, which
        // each caller reads as an error.
        let Ok(mut conn) = conn else { continue };
        waits.commit_group_size.observe(group.len() as f64);
        run_group(&mut conn, group);
    }
}

fn drain(jobs: &Receiver<Job>, group: &mut Vec<Job>) {
    while group.len() < MAX_GROUP {
        match jobs.try_recv() {
            Ok(job) => group.push(job),
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
        }
    }
}

/// Savepoint failure: the closure's own error is kept inside.
enum Rollback {
    Job(Outcome),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for Rollback {
    fn from(e: diesel::result::Error) -> Self {
        Rollback::Db(e)
    }
}

fn run_group(conn: &mut DbConn, group: Vec<Job>) {
    let mut answers: Vec<Outcome> = Vec::with_capacity(group.len());
    let committed = conn.write_tx(|c| {
        for job in group {
            let kept = c.transaction::<_, Rollback, _>(|c| {
                let out = job(c);
                if out.ok {
                    Ok(out)
                } else {
                    Err(Rollback::Job(out))
                }
            });
            match kept {
                Ok(out) => answers.push(out),
                Err(Rollback::Job(out)) => {
                    let panicked = out.panicked;
                    answers.push(out);
                    if panicked {
                        // Jobs not yet run are dropped: their callers hear an error.
                        return Err(diesel::result::Error::RollbackTransaction);
                    }
                }
                // The savepoint itself failed: the connection's state is unknown, so
                // the whole group is rolled back and every caller hears the error.
                Err(Rollback::Db(e)) => return Err(e),
            }
        }
        Ok(())
    });
    // If the rollback left diesel's bookkeeping inside a transaction, the pool
    // discards the connection on return (`Manager::has_broken`), and closing it makes
    // SQLite roll back whatever was not committed.
    let failure = committed.err().map(|e| e.to_string());
    for out in answers {
        (out.answer)(failure.as_deref());
    }
}

#[cfg(test)]
mod tests {
    use diesel::connection::SimpleConnection;
    use diesel::sql_types::{BigInt, Integer};
    use diesel::{sql_query, QueryableByName, RunQueryDsl};

    use crate::db::{Db, DbConn, DbError};

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    fn rows(c: &mut DbConn, id: i32) -> i64 {
        sql_query("SELECT COUNT(*) AS n FROM t WHERE id = ?")
            .bind::<Integer, _>(id)
            .get_result::<Count>(c)
            .expect("count")
            .n
    }

    async fn db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = Db::connect(dir.path().join("g.db").to_str().unwrap(), 4).expect("connect");
        db.with_writer(|c| {
            c.batch_execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
                .map_err(DbError::from)
        })
        .await
        .expect("create table");
        (dir, db)
    }

    fn insert(c: &mut DbConn, id: i32) -> Result<(), DbError> {
        sql_query("INSERT INTO t (id) VALUES (?)")
            .bind::<Integer, _>(id)
            .execute(c)?;
        Ok(())
    }

    /// Many writers at once: every one that heard `Ok` is visible to a reader the
    /// moment it hears it (it was committed first), every one that failed left nothing
    /// (its savepoint was rolled back, not its neighbours'), and writes did share
    /// commits.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn each_write_is_kept_or_undone_alone_and_answered_after_commit() {
        let (_dir, db) = db().await;
        let mut tasks = Vec::new();
        for id in 0..400 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let r = db
                    .write(move |c| {
                        insert(c, id)?;
                        if id % 3 == 0 {
                            return Err(DbError::Setup("refused".into()));
                        }
                        Ok(())
                    })
                    .await;
                let seen = db
                    .read(move |c| Ok::<_, DbError>(rows(c, id)))
                    .await
                    .unwrap();
                (id, r.is_ok(), seen)
            }));
        }
        for t in tasks {
            let (id, ok, seen) = t.await.unwrap();
            assert_eq!(ok, id % 3 != 0, "write {id}");
            assert_eq!(seen, i64::from(ok), "write {id}: ok {ok}, rows seen {seen}");
        }
        let groups = db.waits().commit_group_size.get_sample_count();
        assert!(
            groups < 400,
            "400 writes took {groups} commits: nothing was grouped"
        );
    }

    /// A write that panics fails, and so may its group, but nothing it did is kept and
    /// the writer goes on serving.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_write_keeps_nothing_and_the_writer_lives_on() {
        let (_dir, db) = db().await;
        let r = db
            .write(|c| {
                insert(c, 1)?;
                if rows(c, 1) == 1 {
                    panic!("a bug in a write");
                }
                Ok::<_, DbError>(())
            })
            .await;
        assert!(r.is_err());
        db.write(|c| insert(c, 2))
            .await
            .expect("the writer still works");
        let (one, two) = db
            .read(|c| Ok::<_, DbError>((rows(c, 1), rows(c, 2))))
            .await
            .unwrap();
        assert_eq!((one, two), (0, 1));
    }
}
