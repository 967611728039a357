//! Keeps the rolled-up figures (`figures_days`, `figures_months`, `figures_chart`;
//! migration 2026-12-04-000200) equal to the sums of the `case_figures` rows: every
//! write of those rows adds its change here in the same transaction
//! (`case_figures::write_all`), and [`build`] fills them once from the existing rows.
//! What a case adds to them is worked out in `changes` (pure).
//!
//! The rows are upserted with `INSERT … ON CONFLICT … DO UPDATE` written out (both
//! backends accept it): an update-then-insert would let two PostgreSQL transactions
//! making the same new row (the first decision of a day in a village) collide. Keys are
//! applied in one order, so two writers never wait on each other crosswise.

pub mod changes;

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;

use self::changes as rollup;
use self::changes::{Changes, Key, Measures, FINISHED, MEASURES, RECEIVED};
use super::case_figures::CaseFigures;
use super::schema::{case_figures, figures_rollup_built, roster_checks};
use super::stats::sql::{execute, Val};
use super::DbConn;

const KEY_COLS: &str =
    "county_code, period, township_code, village_code, type_code, decided_by, days_over";

/// Rows per statement: a seed's batch of cases makes thousands of rows.
const ROWS_PER_STATEMENT: usize = 100;

/// Adds each `m` to its row `k` of `table` (the period is `k.day`: a day, or a month for
/// `figures_months`), many rows a statement; then drops the rows that no longer count
/// anything (every measure is at most `received` or `finished`, so both at zero means
/// all are). A key appears once in `rows`, as a statement may touch a row only once.
fn add_rows(conn: &mut DbConn, table: &str, rows: &[(&Key, &Measures)]) -> QueryResult<()> {
    let cols = MEASURES.join(", ");
    let set: Vec<String> = MEASURES
        .iter()
        .map(|c| format!("{c} = {table}.{c} + excluded.{c}"))
        .collect();
    let set = set.join(", ");
    let rows: Vec<&(&Key, &Measures)> = rows
        .iter()
        .filter(|(_, m)| m.iter().any(|&n| n != 0))
        .collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut vals = HashMap::new();
        let mut tuples = Vec::with_capacity(chunk.len());
        for (i, (k, m)) in chunk.iter().enumerate() {
            // Text is bound (markers `:a_0` … name the row by letters); numbers are ours
            // (counts and days) and written inline.
            let tag = marker(i);
            for (name, v) in [
                ("p", &k.day),
                ("c", &k.county),
                ("t", &k.township),
                ("v", &k.village),
                ("y", &k.type_code),
                ("b", &k.decided_by),
            ] {
                vals.insert(format!("{name}_{tag}"), Val::Text(v.clone()));
            }
            let nums: Vec<String> = m.iter().map(i64::to_string).collect();
            tuples.push(format!(
                "(:p_{tag}, :c_{tag}, :t_{tag}, :v_{tag}, :y_{tag}, :b_{tag}, {}, {})",
                k.days_over,
                nums.join(", ")
            ));
        }
        let sql = format!(
            "INSERT INTO {table} (period, county_code, township_code, village_code, type_code, \
             decided_by, days_over, {cols}) VALUES {} ON CONFLICT ({KEY_COLS}) DO UPDATE SET {set}",
            tuples.join(", ")
        );
        let vals: HashMap<&str, Val> = vals.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        execute(conn, &sql, &vals)?;
    }
    for (k, m) in rows {
        if m[RECEIVED] < 0 || m[FINISHED] < 0 {
            let vals = HashMap::from([
                ("period", Val::Text(k.day.clone())),
                ("county", Val::Text(k.county.clone())),
                ("township", Val::Text(k.township.clone())),
                ("village", Val::Text(k.village.clone())),
                ("type", Val::Text(k.type_code.clone())),
                ("by", Val::Text(k.decided_by.clone())),
            ]);
            let sql = format!(
                "DELETE FROM {table} WHERE county_code = :county AND period = :period \
                 AND township_code = :township AND village_code = :village AND type_code = :type \
                 AND decided_by = :by AND days_over = {} AND received = 0 AND finished = 0",
                k.days_over
            );
            execute(conn, &sql, &vals)?;
        }
    }
    Ok(())
}

/// A statement template marker suffix for row `i`: letters only (`a`, `b`, … `ba` …).
fn marker(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'a' + (i % 26) as u8);
        i /= 26;
        if i == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Applies per-day changes to the day, month and chart rows.
pub fn apply(conn: &mut DbConn, days: &Changes) -> QueryResult<()> {
    let rows: Vec<(&Key, &Measures)> = days.iter().collect();
    add_rows(conn, "figures_days", &rows)?;
    let months = rollup::by_month(days);
    let rows: Vec<(&Key, &Measures)> = months.iter().collect();
    add_rows(conn, "figures_months", &rows)?;
    for ((day, county, township, village), (finished, on_time)) in rollup::chart(days) {
        let vals = HashMap::from([
            ("day", Val::Text(day)),
            ("county", Val::Text(county)),
            ("township", Val::Text(township)),
            ("village", Val::Text(village)),
        ]);
        execute(
            conn,
            &format!(
                "INSERT INTO figures_chart (day, county_code, township_code, village_code, \
                 finished, on_time) VALUES (:day, :county, :township, :village, {finished}, \
                 {on_time}) ON CONFLICT (county_code, day, township_code, village_code) \
                 DO UPDATE SET finished = figures_chart.finished + excluded.finished, \
                 on_time = figures_chart.on_time + excluded.on_time"
            ),
            &vals,
        )?;
        if finished < 0 {
            execute(
                conn,
                "DELETE FROM figures_chart WHERE county_code = :county AND day = :day \
                 AND township_code = :township AND village_code = :village AND finished = 0",
                &vals,
            )?;
        }
    }
    Ok(())
}

/// Which of `ids` the roster approved at submission (秒批). A decided case's check no
/// longer changes (it is written at a submission, and a decided case is not submitted
/// again), so reading it now gives the flag its rollup rows were written with.
pub fn instant_of(conn: &mut DbConn, ids: &[&str]) -> QueryResult<HashSet<String>> {
    Ok(roster_checks::table
        .filter(roster_checks::application_id.eq_any(ids))
        .filter(roster_checks::outcome.eq("instant"))
        .select(roster_checks::application_id)
        .load::<String>(conn)?
        .into_iter()
        .collect())
}

/// Fills the rollup from the `case_figures` rows once (a database from before it was
/// kept), in the caller's transaction. Returns how many case rows were summed, or
/// `None` when it was built already.
pub fn build(conn: &mut DbConn, batch: i64) -> QueryResult<Option<usize>> {
    let built: i64 = figures_rollup_built::table.count().get_result(conn)?;
    if built > 0 {
        return Ok(None);
    }
    for t in ["figures_days", "figures_months", "figures_chart"] {
        execute(conn, &format!("DELETE FROM {t}"), &HashMap::new())?;
    }
    let mut after = String::new();
    let mut n = 0;
    loop {
        let rows: Vec<CaseFigures> = case_figures::table
            .filter(case_figures::application_id.gt(&after))
            .order(case_figures::application_id)
            .limit(batch)
            .select(CaseFigures::as_select())
            .load(conn)?;
        let Some(last) = rows.last() else { break };
        after = last.application_id.clone();
        let ids: Vec<&str> = rows.iter().map(|r| r.application_id.as_str()).collect();
        let instant = instant_of(conn, &ids)?;
        let mut ch = Changes::new();
        for r in &rows {
            rollup::add(&mut ch, r, instant.contains(&r.application_id), 1);
        }
        apply(conn, &ch)?;
        n += rows.len();
    }
    diesel::insert_into(figures_rollup_built::table)
        .values((
            figures_rollup_built::id.eq(1),
            figures_rollup_built::built_at.eq(crate::db::models::now()),
        ))
        .execute(conn)?;
    Ok(Some(n))
}
