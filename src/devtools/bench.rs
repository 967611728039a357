//! `zhengming bench-stats`: times the dashboard figures (a year, the whole scale
//! county; from the rolled-up rows and, to compare, case by case) and the official's
//! queue (50 rows by deadline, one township) on the data of
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

use crate::db::stats::Source;
use crate::stats::report::{dashboard_from, report, report_from, Params};

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
    // Each figure twice: from the rolled-up rows (what the pages read) and, for the
    // comparison, from one row per case (the path before issue 20).
    for (source, how) in [
        (Source::Rollup, "rolled up"),
        (Source::PerCase, "per case, old path"),
    ] {
        let mut times = Vec::new();
        for _ in 0..iterations {
            let s = Instant::now();
            report_from(c, source, &county, &p, t).map_err(|e| e.to_string())?;
            times.push(s.elapsed());
        }
        summary(&format!("stats (year, county, by township) [{how}]"), times);

        // What /supervise computes: by township, by type, the previous period, the
        // overdue table (all but the HTML rendering).
        let mut times = Vec::new();
        for _ in 0..iterations {
            let s = Instant::now();
            let w = p.window(c, t).map_err(|e| e.to_string())?;
            let prev = p.previous().window(c, t).map_err(|e| e.to_string())?;
            dashboard_from(c, source, &county, &w, &prev).map_err(|e| e.to_string())?;
            times.push(s.elapsed());
        }
        summary(
            &format!(
                "dashboard page figures (township + type + previous period + overdue) [{how}]"
            ),
            times,
        );
    }
    let rows = |c: &mut DbConn, table: &str| -> Result<i64, String> {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let q = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {table}"));
        let r: Result<Vec<N>, _> = match c {
            DbConn::Sqlite(c) => q.load(c),
            DbConn::Pg(c) => q.load(c),
        };
        r.map(|v| v.first().map_or(0, |n| n.n))
            .map_err(|e| e.to_string())
    };
    println!(
        "rows: case_figures={} figures_days={} figures_months={} figures_chart={}",
        rows(c, "case_figures")?,
        rows(c, "figures_days")?,
        rows(c, "figures_months")?,
        rows(c, "figures_chart")?
    );

    // The queues as the office page and API clients ask for them (issue 20: a
    // one-status query measured here once hid a two-status one a thousand times slower).
    let township = Scope::Area(Level::Township, township_code(0));
    let open = vec!["submitted".to_owned(), "under_review".to_owned()];
    let village = format!("{}200", township_code(0));
    let queues: Vec<(&str, ListFilter)> = vec![
        (
            "queue: office page (both open statuses, 200 by deadline)",
            ListFilter {
                statuses: open.clone(),
                limit: 200,
                ..ListFilter::default()
            },
        ),
        (
            "queue: API default client (status=submitted,under_review, 50)",
            ListFilter {
                statuses: open.clone(),
                limit: 50,
                ..ListFilter::default()
            },
        ),
        (
            "queue: every case of the township (50)",
            ListFilter {
                limit: 50,
                ..ListFilter::default()
            },
        ),
        (
            "queue: open, one type (50)",
            ListFilter {
                statuses: open.clone(),
                type_code: Some("residence".into()),
                limit: 50,
                ..ListFilter::default()
            },
        ),
        (
            "queue: open, one village (50)",
            ListFilter {
                statuses: open.clone(),
                village: Some(village.clone()),
                limit: 50,
                ..ListFilter::default()
            },
        ),
        (
            "queue: overdue (50)",
            ListFilter {
                overdue_at: Some(t),
                limit: 50,
                ..ListFilter::default()
            },
        ),
        (
            "queue: at risk (next 2 days, 50)",
            ListFilter {
                at_risk: Some((t, t + TimeDelta::days(2))),
                limit: 50,
                ..ListFilter::default()
            },
        ),
    ];
    for (name, filter) in &queues {
        let mut times = Vec::new();
        let mut n = 0;
        for _ in 0..iterations.max(50) {
            let s = Instant::now();
            n = applications::list(c, &township, filter)
                .map_err(|e| e.to_string())?
                .len();
            times.push(s.elapsed());
        }
        summary(&format!("{name} [{n} rows]"), times);
    }

    let w = p.window(c, t).map_err(|e| e.to_string())?;
    for (name, sql, binds) in explain_sql(c, &w, COUNTY) {
        println!("-- plan: {name}");
        let binds: Vec<&str> = binds.iter().map(String::as_str).collect();
        for l in explain(c, &sql, &binds)? {
            println!("{l}");
        }
    }
    // What `applications::list` sends for the open queue: one query per status, each
    // read in deadline order from `applications_open_*` and stopped at the limit.
    let (ph, t1, t2) = match c {
        DbConn::Sqlite(_) => (["?", "?", "?"], "?", "?"),
        DbConn::Pg(_) => (["$1", "$2", "$3"], "$2", "$3"),
    };
    let base = format!(
        "SELECT id FROM applications WHERE status <> 'draft' AND township_code = {} AND status = 'submitted'",
        ph[0]
    );
    let plans: Vec<(&str, String, Vec<String>)> = vec![
        (
            "queue, one open status (run once per status)",
            format!("{base} ORDER BY node_deadline, id LIMIT 50"),
            vec![township_code(0)],
        ),
        (
            "queue as one query over both open statuses (before issue 20: sorts the area's open cases)",
            format!(
                "SELECT id FROM applications WHERE status <> 'draft' AND township_code = {} \
                 AND status IN ('submitted', 'under_review') ORDER BY node_deadline, id LIMIT 50",
                ph[0]
            ),
            vec![township_code(0)],
        ),
        (
            "queue, one open status and a type",
            format!("{base} AND type_code = {} ORDER BY node_deadline, id LIMIT 50", ph[1]),
            vec![township_code(0), "residence".into()],
        ),
        (
            "queue, one open status and a village",
            format!("{base} AND village_code = {} ORDER BY node_deadline, id LIMIT 50", ph[1]),
            vec![township_code(0), village.clone()],
        ),
        (
            "queue, at risk (one open status, deadline window)",
            format!("{base} AND node_deadline >= {t1} AND node_deadline <= {t2} ORDER BY node_deadline, id LIMIT 50"),
            vec![
                township_code(0),
                t.format("%Y-%m-%d %H:%M:%S").to_string(),
                (t + TimeDelta::days(2)).format("%Y-%m-%d %H:%M:%S").to_string(),
            ],
        ),
        (
            "queue, every case of the township",
            format!("SELECT id FROM applications WHERE status <> 'draft' AND township_code = {} ORDER BY node_deadline, id LIMIT 50", ph[0]),
            vec![township_code(0)],
        ),
    ];
    for (name, sql, binds) in plans {
        println!("-- plan: {name}");
        let binds: Vec<&str> = binds.iter().map(String::as_str).collect();
        for l in explain(c, &sql, &binds)? {
            println!("{l}");
        }
    }
    Ok(())
}
