//! The `jobs` table: enqueue, claim with a lease, finish, retry. Claiming is a
//! conditional UPDATE checked for one affected row, so it is safe on both backends and
//! across processes sharing one PostgreSQL (docs/architecture.md §7).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::models::Job;
use super::schema::jobs;
use super::DbConn;

pub fn insert(conn: &mut DbConn, job: &Job) -> QueryResult<()> {
    diesel::insert_into(jobs::table)
        .values(job)
        .execute(conn)
        .map(|_| ())
}

pub fn find(conn: &mut DbConn, id: &str) -> QueryResult<Option<Job>> {
    jobs::table
        .find(id)
        .select(Job::as_select())
        .first(conn)
        .optional()
}

/// Ids of jobs that may be claimed now: queued and due, or running with an expired lease
/// (its worker died).
pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> QueryResult<Vec<String>> {
    jobs::table
        .filter(
            (jobs::status.eq("queued").and(jobs::run_at.le(now))).or(jobs::status
                .eq("running")
                .and(jobs::lease_expires_at.lt(now))),
        )
        .order(jobs::run_at.asc())
        .limit(limit)
        .select(jobs::id)
        .load(conn)
}

/// Takes the job for `owner` until `lease_until` if it is still claimable; true when
/// this caller won it.
pub fn try_claim(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(
        jobs::table.filter(jobs::id.eq(id)).filter(
            (jobs::status.eq("queued").and(jobs::run_at.le(now))).or(jobs::status
                .eq("running")
                .and(jobs::lease_expires_at.lt(now))),
        ),
    )
    .set((
        jobs::status.eq("running"),
        jobs::lease_owner.eq(owner),
        jobs::lease_expires_at.eq(lease_until),
        jobs::attempts.eq(jobs::attempts + 1),
        jobs::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// A job `owner` holds (running under its lease).
type Held<'a> = diesel::dsl::Filter<
    diesel::dsl::Filter<
        diesel::dsl::Filter<jobs::table, diesel::dsl::Eq<jobs::id, &'a str>>,
        diesel::dsl::Eq<jobs::lease_owner, &'a str>,
    >,
    diesel::dsl::Eq<jobs::status, &'static str>,
>;

fn held<'a>(id: &'a str, owner: &'a str) -> Held<'a> {
    jobs::table
        .filter(jobs::id.eq(id))
        .filter(jobs::lease_owner.eq(owner))
        .filter(jobs::status.eq("running"))
}

/// Extends the lease of a job `owner` still holds; false if it lost it.
pub fn renew(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    lease_until: NaiveDateTime,
) -> QueryResult<bool> {
    let n = diesel::update(held(id, owner))
        .set(jobs::lease_expires_at.eq(lease_until))
        .execute(conn)?;
    Ok(n == 1)
}

pub fn complete(conn: &mut DbConn, id: &str, owner: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(held(id, owner))
        .set((
            jobs::status.eq("done"),
            jobs::lease_owner.eq(None::<String>),
            jobs::lease_expires_at.eq(None::<NaiveDateTime>),
            jobs::last_error.eq(None::<String>),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Records a failed attempt: queued again at `retry_at`, or parked as failed.
pub fn fail(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    let (status, run_at) = match retry_at {
        Some(t) => ("queued", t),
        None => ("failed", now),
    };
    let n = diesel::update(held(id, owner))
        .set((
            jobs::status.eq(status),
            jobs::run_at.eq(run_at),
            jobs::lease_owner.eq(None::<String>),
            jobs::lease_expires_at.eq(None::<NaiveDateTime>),
            jobs::last_error.eq(error),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Gives a job back untried (the worker is stopping): due now, the attempt not counted.
pub fn release(conn: &mut DbConn, id: &str, owner: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(held(id, owner))
        .set((
            jobs::status.eq("queued"),
            jobs::run_at.eq(now),
            jobs::attempts.eq(jobs::attempts - 1),
            jobs::lease_owner.eq(None::<String>),
            jobs::lease_expires_at.eq(None::<NaiveDateTime>),
            jobs::updated_at.eq(now),
        ))
        .execute(conn)?;
    Ok(n == 1)
}

/// Jobs in one status, newest first.
pub fn list(conn: &mut DbConn, status: &str, limit: i64) -> QueryResult<Vec<Job>> {
    jobs::table
        .filter(jobs::status.eq(status))
        .order(jobs::updated_at.desc())
        .limit(limit)
        .select(Job::as_select())
        .load(conn)
}

/// Puts a failed job back in the queue with fresh attempts; false if it is not failed.
pub fn retry(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(
        jobs::table
            .filter(jobs::id.eq(id))
            .filter(jobs::status.eq("failed")),
    )
    .set((
        jobs::status.eq("queued"),
        jobs::run_at.eq(now),
        jobs::attempts.eq(0),
        jobs::updated_at.eq(now),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Deletes finished jobs last touched before `before`.
pub fn purge_done(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        jobs::table
            .filter(jobs::status.eq("done"))
            .filter(jobs::updated_at.lt(before)),
    )
    .execute(conn)
}

/// Jobs not done, counted per (kind, status): queued, running and failed. For
/// `/metrics` at scrape time; `jobs_due` (status first) keeps done jobs out of the scan.
pub fn open_counts(conn: &mut DbConn) -> QueryResult<Vec<(String, String, i64)>> {
    jobs::table
        .filter(jobs::status.eq_any(["queued", "running", "failed"]))
        .group_by((jobs::kind, jobs::status))
        .select((jobs::kind, jobs::status, diesel::dsl::count_star()))
        .load(conn)
}
