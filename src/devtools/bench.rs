//! `zhengming bench-stats`: times the dashboard figures (a year, the whole scale
//! county) and the official's queue (50 rows by deadline, one township) on the data of
//! `demo --scale`, and prints the query plans. Build with `--release` to measure.

use std::time::{Duration, Instant};

use chrono::TimeDelta;
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::demo_scale::{township_code, COUNTY};
use crate::auth::Scope;
use crate::db::applications::{self, ListFilter};
use crate::db::models::now;
use crate::db::stats::explain_sql;
use crate::db::{Db, DbConn};
use crate::domain::calendar::china_date;
use crate::domain::role::Level;
use crate::stats::GroupBy;

use crate::stats::report::{report, Params};

fn summary(name: &str, mut t: Vec<Duration>) {
    t.sort();
    let at = |q: f64| t[((t.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{name}: n={} median={:.1?} p95={:.1?} min={:.1?} max={:.1?}",
        t.len(),
        at(0.5),
        at(0.95),
        t[0],
        t[t.len() - 1]
    );
}

#[derive(QueryableByName)]
struct SqlitePlan {
    #[diesel(sql_type = Text)]
    detail: String,
}

fn explain(conn: &mut DbConn, sql: &str, binds: &[&str]) -> Result<Vec<String>, String> {
    let e = |e: diesel::result::Error| e.to_string();
    // EXPLAIN takes no bind parameters here: inline the (fixed, trusted) values.
    let mut text = sql.to_owned();
    for (i, b) in binds.iter().enumerate() {
        let lit = format!("'{b}'");
        text = match conn {
            DbConn::Sqlite(_) => text.replacen('?', &lit, 1),
            DbConn::Pg(_) => text.replacen(&format!("${}", i + 1), &lit, 1),
        };
    }
    Ok(match conn {
        DbConn::Sqlite(c) => diesel::sql_query(format!("EXPLAIN QUERY PLAN {text}"))
            .load::<SqlitePlan>(c)
            .map_err(e)?
            .into_iter()
            .map(|p| p.detail)
            .collect(),
        DbConn::Pg(c) => diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {text}"))
            .load::<PgPlan>(c)
            .map_err(e)?
            .into_iter()
            .map(|p| p.line)
            .collect(),
    })
}

#[derive(QueryableByName)]
struct PgPlan {
    #[diesel(sql_type = Text, column_name = "QUERY PLAN")]
    line: String,
}

pub fn run(db: &Db, iterations: usize) -> Result<(), String> {
    let mut conn = db.read_conn().map_err(|e| e.to_string())?;
    let c: &mut DbConn = &mut conn;
    let t = now();
    let today = china_date(t.and_utc());
    let p = Params {
        from: today - TimeDelta::days(364),
        to: today,
        group_by: GroupBy::Township,
    };
    let county = Scope::Area(Level::County, COUNTY.into());
    let first = report(c, &county, &p, t).map_err(|e| e.to_string())?;
    println!(
        "backend={:?} county={COUNTY} range={}..{} received={} finished={} open_overdue={}",
        db.backend(),
        p.from,
        p.to,
        first.total.figures.received,
        first.total.figures.finished,
        first.total.figures.open_overdue
    );
    let mut times = Vec::new();
    for _ in 0..iterations {
        let s = Instant::now();
        report(c, &county, &p, t).map_err(|e| e.to_string())?;
        times.push(s.elapsed());
    }
    summary("stats (year, county, by township)", times);

    // What /supervise computes: by township, by type, the previous period, the
    // overdue table (all but the HTML rendering).
    let mut times = Vec::new();
    for _ in 0..iterations {
        let s = Instant::now();
        let w = p.window(c, t).map_err(|e| e.to_string())?;
        let prev = p.previous().window(c, t).map_err(|e| e.to_string())?;
        crate::stats::report::dashboard(c, &county, &w, &prev).map_err(|e| e.to_string())?;
        times.push(s.elapsed());
    }
    summary(
        "dashboard page figures (township + type + previous period + overdue)",
        times,
    );

    let township = Scope::Area(Level::Township, township_code(0));
    let filter = ListFilter {
        limit: 50,
        ..ListFilter::default()
    };
    let mut times = Vec::new();
    for _ in 0..iterations.max(50) {
        let s = Instant::now();
        let rows = applications::list(c, &township, &filter).map_err(|e| e.to_string())?;
        times.push(s.elapsed());
        if rows.len() != 50 {
            return Err(format!("queue returned {} rows", rows.len()));
        }
    }
    summary("queue (township, 50 by deadline)", times);

    let w = p.window(c, t).map_err(|e| e.to_string())?;
    for (name, sql, binds) in explain_sql(c, &w, COUNTY) {
        println!("-- plan: {name}");
        let binds: Vec<&str> = binds.iter().map(String::as_str).collect();
        for l in explain(c, &sql, &binds)? {
            println!("{l}");
        }
    }
    println!("-- plan: queue");
    let q = match c {
        DbConn::Sqlite(_) => "SELECT id FROM applications WHERE township_code = ? AND status <> 'draft' ORDER BY node_deadline, id LIMIT 50",
        DbConn::Pg(_) => "SELECT id FROM applications WHERE township_code = $1 AND status <> 'draft' ORDER BY node_deadline, id LIMIT 50",
    };
    for l in explain(c, q, &[&township_code(0)])? {
        println!("{l}");
    }
    Ok(())
}
