//! The supervision figures summed by the database over `case_figures` (one row per
//! case, derived from its trail when the event was appended: `db::case_figures`) and
//! over the open cases in `applications`. Rust only merges the group rows and turns
//! sums into rates, averages and medians (`stats::Sums::finish`).

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamp};

use super::DbConn;
use crate::auth::Scope;
use crate::domain::role::Level;
use crate::stats::{DayCount, Metric, Sums, MAX_STEPS, NO_GROUP};

/// What the figures are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Type,
    Township,
    Village,
    Official,
}

impl GroupBy {
    pub fn parse(s: &str) -> Option<GroupBy> {
        match s.trim() {
            "type" => Some(GroupBy::Type),
            "township" => Some(GroupBy::Township),
            "village" => Some(GroupBy::Village),
            "official" => Some(GroupBy::Official),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Type => "type",
            GroupBy::Township => "township",
            GroupBy::Village => "village",
            GroupBy::Official => "official",
        }
    }

    /// The grouping column of `case_figures f` (fixed strings, never user text). The
    /// official is the one who decided the case: the last approval or the rejection.
    fn figures_col(self) -> &'static str {
        match self {
            GroupBy::Type => "f.type_code",
            GroupBy::Township => "f.township_code",
            GroupBy::Village => "f.village_code",
            GroupBy::Official => "f.decided_by",
        }
    }

    /// The same for `applications a`; open cases have no deciding official yet.
    fn case_col(self) -> &'static str {
        match self {
            GroupBy::Type => "a.type_code",
            GroupBy::Township => "a.township_code",
            GroupBy::Village => "a.village_code",
            GroupBy::Official => "CAST(NULL AS TEXT)",
        }
    }
}

/// A bound value of a statement.
#[derive(Debug, Clone)]
enum Val {
    Text(String),
    Ts(NaiveDateTime),
}

/// Rewrites `:name` markers to `?` (SQLite) or `$n` (PostgreSQL) and lists the values
/// in the order they are bound. Names are `[a-z_]+`; SQL text here has no `::` casts.
fn placeholders(sql: &str, pg: bool, vals: &HashMap<&str, Val>) -> (String, Vec<Val>) {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut order = Vec::new();
    let mut rest = sql;
    while let Some(i) = rest.find(':') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let len = after
            .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
            .unwrap_or(after.len());
        let name = &after[..len];
        match vals.get(name) {
            Some(v) if len > 0 => {
                order.push(v.clone());
                if pg {
                    out.push_str(&format!("${}", order.len()));
                } else {
                    out.push('?');
                }
            }
            _ => {
                out.push(':');
                out.push_str(name);
            }
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    (out, order)
}

fn load<R>(conn: &mut DbConn, sql: &str, vals: &HashMap<&str, Val>) -> QueryResult<Vec<R>>
where
    R: QueryableByName<diesel::sqlite::Sqlite> + QueryableByName<diesel::pg::Pg> + 'static,
{
    macro_rules! run {
        ($c:expr, $pg:expr) => {{
            let (text, binds) = placeholders(sql, $pg, vals);
            let mut q = diesel::sql_query(text).into_boxed();
            for v in binds {
                q = match v {
                    Val::Text(s) => q.bind::<Text, _>(s),
                    Val::Ts(t) => q.bind::<Timestamp, _>(t),
                };
            }
            q.load::<R>($c)
        }};
    }
    match conn {
        DbConn::Sqlite(c) => run!(c, false),
        DbConn::Pg(c) => run!(c, true),
    }
}

/// The period and instant the figures are for: `[lo, hi)` are the UTC instants of the
/// first day's and the day after the last day's China midnight.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub now: NaiveDateTime,
    /// Open nodes due by then are at risk.
    pub at_risk_until: NaiveDateTime,
}

impl Window {
    fn china_midnight(d: NaiveDate) -> NaiveDateTime {
        d.and_time(chrono::NaiveTime::MIN) - chrono::TimeDelta::hours(8)
    }

    /// `[lo, hi)` of the window (see the type's docs).
    pub(super) fn bounds(&self) -> (NaiveDateTime, NaiveDateTime) {
        let hi = self.to.succ_opt().unwrap_or(self.to);
        (Self::china_midnight(self.from), Self::china_midnight(hi))
    }

    fn vals(&self) -> HashMap<&'static str, Val> {
        let (lo, hi) = self.bounds();
        HashMap::from([
            ("lo", Val::Ts(lo)),
            ("hi", Val::Ts(hi)),
            ("now", Val::Ts(self.now)),
            ("until", Val::Ts(self.at_risk_until)),
            (
                "from_day",
                Val::Text(self.from.format("%Y-%m-%d").to_string()),
            ),
            ("to_day", Val::Text(self.to.format("%Y-%m-%d").to_string())),
        ])
    }
}

/// The scope condition on `alias` (`f` or `a`) and its code, or `None` when the scope
/// sees no cases at all.
fn scope_clause(scope: &Scope, alias: &str) -> Option<(String, Option<String>)> {
    let col = match scope {
        Scope::Area(Level::County, c) => Some(("county_code", c)),
        Scope::Area(Level::Township, c) => Some(("township_code", c)),
        Scope::Area(Level::Village, c) => Some(("village_code", c)),
        Scope::All => None,
        Scope::Own(_) | Scope::Nothing => return None,
    };
    Some(match col {
        Some((col, code)) => (format!("{alias}.{col} = :code AND "), Some(code.clone())),
        None => (String::new(), None),
    })
}

const RECEIVED: &str = "(f.received_at >= :lo AND f.received_at < :hi)";
const DECIDED: &str = "(f.decided_at >= :lo AND f.decided_at < :hi)";
/// The same cases as [`DECIDED`] by their China date (`decided_day` is the China date
/// of `decided_at`), so the per-day counts read an `(area, decided_day, on_time)` index
/// in day order and need neither the table nor a sort.
const DECIDED_DAYS: &str = "(f.decided_day >= :from_day AND f.decided_day <= :to_day)";
const OPEN: &str = "a.status IN ('submitted', 'under_review') AND a.created_at < :hi";

/// Received cases of a group: counted by when they were submitted.
#[derive(QueryableByName)]
pub(super) struct ReceivedRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) grp: Option<String>,
    /// The second grouping's key, when two are summed in one pass.
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) grp2: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub(super) received: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(super) returned: Option<i64>,
}

/// Decided cases of a group with the same working days (the days give the medians).
#[derive(QueryableByName)]
pub(super) struct DecidedRow {
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) grp: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub(super) grp2: Option<String>,
    /// Working days of the row's cases (NULL: not counted yet).
    #[diesel(sql_type = Nullable<Integer>)]
    pub(super) days: Option<i32>,
    #[diesel(sql_type = BigInt)]
    pub(super) finished: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(super) issued: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(super) same_day: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(super) on_time: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(super) pending: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(super) n0s: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub(super) n0n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(super) n1s: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub(super) n1n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(super) n2s: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub(super) n2n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub(super) n3s: Option<i64>,
    #[diesel(sql_type = BigInt)]
    pub(super) n3n: i64,
}

const _: () = assert!(MAX_STEPS == 4, "one nNs/nNn pair per step");

impl DecidedRow {
    /// A group with no cases yet (summing in Rust: `db::stats_rows`).
    pub(super) fn empty(days: Option<i32>) -> DecidedRow {
        DecidedRow {
            grp: None,
            grp2: None,
            days,
            finished: 0,
            issued: None,
            same_day: None,
            on_time: None,
            pending: None,
            n0s: None,
            n0n: 0,
            n1s: None,
            n1n: 0,
            n2s: None,
            n2n: 0,
            n3s: None,
            n3n: 0,
        }
    }

    /// Adds a case's working days in node `i` (`i` < [`MAX_STEPS`]).
    pub(super) fn add_node(&mut self, i: usize, days: i64) {
        let (sum, n) = match i {
            0 => (&mut self.n0s, &mut self.n0n),
            1 => (&mut self.n1s, &mut self.n1n),
            2 => (&mut self.n2s, &mut self.n2n),
            _ => (&mut self.n3s, &mut self.n3n),
        };
        *sum.get_or_insert(0) += days;
        *n += 1;
    }
}

/// The select list and GROUP BY of up to two groupings of `case_figures f`.
fn group_cols(keys: Keys) -> (String, String) {
    let col = |g: Option<GroupBy>| g.map_or("CAST(NULL AS TEXT)", GroupBy::figures_col);
    let by: Vec<&str> = [keys.0, keys.1]
        .into_iter()
        .flatten()
        .map(GroupBy::figures_col)
        .collect();
    (
        format!("{} AS grp, {} AS grp2", col(keys.0), col(keys.1)),
        by.join(", "),
    )
}

/// Received and returned per group. Each of the two figure statements has one range
/// on one timestamp, so the database walks the `(area, received_at)` or
/// `(area, decided_at)` index for the window instead of the area's whole history.
fn received_sql(keys: Keys, scope: &str) -> String {
    let (select, by) = group_cols(keys);
    let group_by = if by.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {by}")
    };
    format!(
        "SELECT {select}, COUNT(*) AS received, \
         SUM(CASE WHEN f.returned THEN 1 ELSE 0 END) AS returned \
         FROM case_figures f WHERE {scope}{RECEIVED}{group_by}"
    )
}

/// Decided, issued, same-day, on-time and the node days per group and working days.
fn decided_sql(keys: Keys, scope: &str) -> String {
    let (select, by) = group_cols(keys);
    let by = if by.is_empty() {
        "f.working_days".to_owned()
    } else {
        format!("{by}, f.working_days")
    };
    let node = |i: usize| format!("SUM(f.node{i}_days) AS n{i}s, COUNT(f.node{i}_days) AS n{i}n");
    format!(
        "SELECT {select}, f.working_days AS days, COUNT(*) AS finished, \
         SUM(CASE WHEN f.rejected THEN 0 ELSE 1 END) AS issued, \
         SUM(CASE WHEN f.same_day THEN 1 ELSE 0 END) AS same_day, \
         SUM(CASE WHEN f.on_time THEN 1 ELSE 0 END) AS on_time, \
         SUM(CASE WHEN f.figures_version < {v} THEN 1 ELSE 0 END) AS pending, \
         {n0}, {n1}, {n2}, {n3} \
         FROM case_figures f WHERE {scope}{DECIDED} GROUP BY {by}",
        v = super::case_figures::VERSION,
        n0 = node(0),
        n1 = node(1),
        n2 = node(2),
        n3 = node(3),
    )
}

#[derive(QueryableByName)]
struct OpenRow {
    #[diesel(sql_type = Nullable<Text>)]
    grp: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    grp2: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    overdue: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    at_risk: Option<i64>,
}

#[derive(QueryableByName)]
struct DayRow {
    #[diesel(sql_type = Text)]
    day: String,
    #[diesel(sql_type = BigInt)]
    finished: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    on_time: Option<i64>,
}

/// What the database summed for a scope and window.
#[derive(Debug, Default)]
pub struct Summed {
    pub groups: BTreeMap<Option<String>, Sums>,
    pub daily: Vec<DayCount>,
    /// Decided cases in the window whose working days could not be counted yet.
    pub pending: u64,
}

fn n(v: Option<i64>) -> u64 {
    u64::try_from(v.unwrap_or(0)).unwrap_or(0)
}

/// Up to two groupings summed in one pass; `None` sums everything into one group.
pub(super) type Keys = (Option<GroupBy>, Option<GroupBy>);

/// Sums the figures of `scope` for `w`, grouped by `group`: four grouped statements
/// (received, decided per working days — which give the medians —, the open cases,
/// the per-day counts).
pub fn summed(conn: &mut DbConn, scope: &Scope, group: GroupBy, w: &Window) -> QueryResult<Summed> {
    let (first, _) = grouped(conn, scope, (Some(group), None), w, true)?;
    Ok(first)
}

/// The same for two groupings in one pass over the figures (the dashboard wants both
/// townships and types; each group's sums add up, and medians come from the merged
/// histograms), with the per-day counts only if `daily`.
pub fn summed_two(
    conn: &mut DbConn,
    scope: &Scope,
    group: GroupBy,
    second: Option<GroupBy>,
    w: &Window,
    daily: bool,
) -> QueryResult<(Summed, Summed)> {
    grouped(conn, scope, (Some(group), second), w, daily)
}

/// The totals only, in one group keyed `None` (the dashboard's previous period).
pub fn summed_total(conn: &mut DbConn, scope: &Scope, w: &Window) -> QueryResult<Summed> {
    let (all, _) = grouped(conn, scope, (None, None), w, false)?;
    Ok(all)
}

fn grouped(
    conn: &mut DbConn,
    scope: &Scope,
    keys: Keys,
    w: &Window,
    daily: bool,
) -> QueryResult<(Summed, Summed)> {
    let (mut out, mut out2) = (Summed::default(), Summed::default());
    let (Some((fs, code)), Some((as_, _))) = (scope_clause(scope, "f"), scope_clause(scope, "a"))
    else {
        return Ok((out, out2));
    };
    let two = keys.1.is_some();
    let mut vals = w.vals();
    if let Some(code) = code {
        vals.insert("code", Val::Text(code));
    }
    let (received, decided) = match conn {
        DbConn::Sqlite(c) => (
            super::stats_rows::received(c, scope, keys, w)?,
            super::stats_rows::decided(c, scope, keys, w)?,
        ),
        DbConn::Pg(_) => (
            load::<ReceivedRow>(conn, &received_sql(keys, &fs), &vals)?,
            load::<DecidedRow>(conn, &decided_sql(keys, &fs), &vals)?,
        ),
    };
    for r in received {
        let add = |s: &mut Sums| {
            s.received += n(Some(r.received));
            s.returned += n(r.returned);
        };
        add(out.groups.entry(r.grp.clone()).or_default());
        if two {
            add(out2.groups.entry(r.grp2.clone()).or_default());
        }
    }
    for r in decided {
        out.pending += n(r.pending);
        add_decided(out.groups.entry(r.grp.clone()).or_default(), &r);
        if two {
            add_decided(out2.groups.entry(r.grp2.clone()).or_default(), &r);
        }
    }
    out2.pending = out.pending;
    open_cases(conn, keys, &as_, &vals, &mut out, &mut out2)?;
    if daily {
        let daily_sql = format!(
            "SELECT f.decided_day AS day, COUNT(*) AS finished, \
             SUM(CASE WHEN f.on_time THEN 1 ELSE 0 END) AS on_time \
             FROM case_figures f WHERE {fs}{DECIDED_DAYS} GROUP BY f.decided_day ORDER BY f.decided_day"
        );
        for r in load::<DayRow>(conn, &daily_sql, &vals)? {
            if let Ok(date) = NaiveDate::parse_from_str(&r.day, "%Y-%m-%d") {
                out.daily.push(DayCount {
                    date,
                    finished: n(Some(r.finished)),
                    on_time: n(r.on_time),
                });
            }
        }
    }
    out.groups.retain(|_, s| !s.is_empty());
    out2.groups.retain(|_, s| !s.is_empty());
    Ok((out, out2))
}

/// Adds the open overdue and at-risk cases, grouped like the figures (open cases have
/// no deciding official: they fall in the keyless group then).
fn open_cases(
    conn: &mut DbConn,
    keys: Keys,
    scope: &str,
    vals: &HashMap<&str, Val>,
    out: &mut Summed,
    out2: &mut Summed,
) -> QueryResult<()> {
    let official = keys.0 == Some(GroupBy::Official);
    let col = |g: Option<GroupBy>| match g {
        Some(g) if !official => g.case_col(),
        _ => "CAST(NULL AS TEXT)",
    };
    let by: Vec<&str> = [keys.0, keys.1]
        .into_iter()
        .flatten()
        .filter(|&g| !official && g != GroupBy::Official)
        .map(GroupBy::case_col)
        .collect();
    let grouped = if by.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", by.join(", "))
    };
    let open_sql = format!(
        "SELECT {g} AS grp, {g2} AS grp2, SUM(CASE WHEN a.node_deadline < :now THEN 1 ELSE 0 END) AS overdue, \
         SUM(CASE WHEN a.node_deadline >= :now THEN 1 ELSE 0 END) AS at_risk \
         FROM applications a WHERE {scope}{OPEN} AND a.node_deadline <= :until{grouped}",
        g = col(keys.0),
        g2 = col(keys.1),
    );
    for r in load::<OpenRow>(conn, &open_sql, vals)? {
        let (o, k) = (n(r.overdue), n(r.at_risk));
        if o + k > 0 {
            let s = out.groups.entry(r.grp).or_default();
            s.open_overdue += o;
            s.open_at_risk += k;
            if keys.1.is_some() {
                let s = out2.groups.entry(r.grp2).or_default();
                s.open_overdue += o;
                s.open_at_risk += k;
            }
        }
    }
    Ok(())
}

fn add_decided(s: &mut Sums, r: &DecidedRow) {
    let finished = n(Some(r.finished));
    if let Some(d) = r.days {
        *s.days.entry(i64::from(d)).or_default() += finished;
    }
    s.finished += finished;
    s.issued += n(r.issued);
    s.same_day += n(r.same_day);
    s.on_time += n(r.on_time);
    s.overdue_finished += finished - n(r.on_time).min(finished);
    for (i, (sum, cnt)) in [
        (r.n0s, r.n0n),
        (r.n1s, r.n1n),
        (r.n2s, r.n2n),
        (r.n3s, r.n3n),
    ]
    .into_iter()
    .enumerate()
    {
        s.node_sum[i] += sum.unwrap_or(0);
        s.node_n[i] += n(Some(cnt));
    }
}

#[derive(QueryableByName)]
struct CaseRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    number: String,
}

/// The cases (id, number) behind one number, by number: those of `group` (all when
/// `None`, the keyless ones for [`NO_GROUP`]) counted in `metric`.
pub fn cases(
    conn: &mut DbConn,
    scope: &Scope,
    group_by: GroupBy,
    group: Option<&str>,
    metric: Metric,
    w: &Window,
) -> QueryResult<Vec<(String, String)>> {
    let open = matches!(metric, Metric::OpenOverdue | Metric::OpenAtRisk);
    let alias = if open { "a" } else { "f" };
    let Some((sc, code)) = scope_clause(scope, alias) else {
        return Ok(Vec::new());
    };
    let mut vals = w.vals();
    if let Some(code) = code {
        vals.insert("code", Val::Text(code));
    }
    let col = if open {
        group_by.case_col()
    } else {
        group_by.figures_col()
    };
    let gc = match group {
        None => String::new(),
        Some(NO_GROUP) => format!("{col} IS NULL AND "),
        Some(g) => {
            vals.insert("grp", Val::Text(g.to_owned()));
            format!("{col} = :grp AND ")
        }
    };
    let pred = match metric {
        Metric::Received => RECEIVED.to_owned(),
        Metric::Returned => format!("{RECEIVED} AND f.returned"),
        Metric::Finished => DECIDED.to_owned(),
        Metric::Issued => format!("{DECIDED} AND NOT f.rejected"),
        Metric::SameDay => format!("{DECIDED} AND f.same_day"),
        Metric::OnTime => format!("{DECIDED} AND f.on_time"),
        Metric::OverdueFinished => format!("{DECIDED} AND NOT f.on_time"),
        Metric::OpenOverdue => format!("{OPEN} AND a.node_deadline < :now"),
        Metric::OpenAtRisk => {
            format!("{OPEN} AND a.node_deadline >= :now AND a.node_deadline <= :until")
        }
    };
    let sql = if open {
        format!("SELECT a.id AS id, a.number AS number FROM applications a WHERE {sc}{gc}{pred} ORDER BY a.number")
    } else {
        format!(
            "SELECT a.id AS id, a.number AS number FROM case_figures f \
             JOIN applications a ON a.id = f.application_id WHERE {sc}{gc}{pred} ORDER BY a.number"
        )
    };
    Ok(load::<CaseRow>(conn, &sql, &vals)?
        .into_iter()
        .map(|r| (r.id, r.number))
        .collect())
}

/// The statements for EXPLAIN in the bench command (county scope), with the values
/// to inline in their order.
pub fn explain_sql(conn: &DbConn, w: &Window, county: &str) -> Vec<(String, String, Vec<String>)> {
    let pg = matches!(conn, DbConn::Pg(_));
    let mut vals = w.vals();
    vals.insert("code", Val::Text(county.to_owned()));
    let fs = "f.county_code = :code AND ";
    let as_ = "a.county_code = :code AND ";
    let keys = (Some(GroupBy::Township), Some(GroupBy::Type));
    // On SQLite the figures read rows (`stats_rows`); these are the statements diesel
    // builds there, written out.
    let groups = "f.type_code, f.township_code, f.village_code, f.decided_by";
    let (received, decided) = if pg {
        (received_sql(keys, fs), decided_sql(keys, fs))
    } else {
        (
            format!("SELECT {groups}, f.returned FROM case_figures f WHERE {fs}{RECEIVED}"),
            format!(
                "SELECT {groups}, f.working_days, f.rejected, f.same_day, f.on_time, \
                 f.figures_version, f.node0_days, f.node1_days, f.node2_days, f.node3_days \
                 FROM case_figures f WHERE {fs}{DECIDED}"
            ),
        )
    };
    [
        ("received", received),
        ("decided", decided),
        (
            "per day",
            format!(
                "SELECT f.decided_day, COUNT(*) FROM case_figures f WHERE {fs}{DECIDED_DAYS} \
                 GROUP BY f.decided_day ORDER BY f.decided_day"
            ),
        ),
        (
            "open cases",
            format!(
                "SELECT a.township_code AS grp, COUNT(*) FROM applications a \
                 WHERE {as_}{OPEN} AND a.node_deadline <= :until GROUP BY a.township_code"
            ),
        ),
        (
            "overdue table (per open status)",
            format!(
                "SELECT a.id FROM applications a WHERE {as_}a.status = 'submitted' \
                 AND a.created_at < :hi AND a.node_deadline < :now \
                 ORDER BY a.node_deadline, a.id LIMIT 200"
            ),
        ),
    ]
    .into_iter()
    .map(|(name, sql)| {
        let (text, binds) = placeholders(&sql, pg, &vals);
        let lits = binds
            .into_iter()
            .map(|v| match v {
                Val::Text(s) => s,
                Val::Ts(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            })
            .collect();
        (name.to_owned(), text, lits)
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_become_placeholders_in_binding_order() {
        let vals = HashMap::from([
            ("lo", Val::Text("L".into())),
            ("code", Val::Text("C".into())),
        ]);
        let (pg, binds) = placeholders(
            "a = :code AND b >= :lo OR c < :lo AND d = ':x'",
            true,
            &vals,
        );
        assert_eq!(pg, "a = $1 AND b >= $2 OR c < $3 AND d = ':x'");
        let names: Vec<String> = binds
            .into_iter()
            .map(|v| match v {
                Val::Text(s) => s,
                Val::Ts(_) => unreachable!(),
            })
            .collect();
        assert_eq!(names, ["C", "L", "L"]);
        let (lite, _) = placeholders("a = :code AND b >= :lo", false, &vals);
        assert_eq!(lite, "a = ? AND b >= ?");
    }
}

/// One open overdue case for the dashboard table.
#[derive(Debug, Clone, Queryable)]
pub struct OverdueCase {
    pub id: String,
    pub number: String,
    pub township_code: String,
    pub type_code: String,
    pub node_deadline: NaiveDateTime,
}

/// The open overdue cases of `scope` (as in the open-overdue figure), most overdue
/// first, at most `limit`. One statement per open status, each with the status and
/// the area equal, so it walks the `(status, area, node_deadline)` index in deadline
/// order and stops at `limit`; the two lists are merged here.
pub fn overdue_cases(
    conn: &mut DbConn,
    scope: &Scope,
    w: &Window,
    limit: i64,
) -> QueryResult<Vec<OverdueCase>> {
    use super::schema::applications as a;
    let (_, hi) = w.bounds();
    let mut out: Vec<OverdueCase> = Vec::new();
    for status in ["submitted", "under_review"] {
        let q = a::table
            .filter(a::status.eq(status))
            .filter(a::created_at.lt(hi))
            .filter(a::node_deadline.lt(w.now))
            .into_boxed();
        let q = match scope {
            Scope::Area(Level::County, c) => q.filter(a::county_code.eq(c.clone())),
            Scope::Area(Level::Township, c) => q.filter(a::township_code.eq(c.clone())),
            Scope::Area(Level::Village, c) => q.filter(a::village_code.eq(c.clone())),
            Scope::All => q,
            Scope::Own(_) | Scope::Nothing => return Ok(Vec::new()),
        };
        out.extend(
            q.order((a::node_deadline.asc(), a::id.asc()))
                .select((
                    a::id,
                    a::number,
                    a::township_code,
                    a::type_code,
                    a::node_deadline,
                ))
                .limit(limit)
                .load::<OverdueCase>(conn)?,
        );
    }
    out.sort_by(|x, y| (x.node_deadline, &x.id).cmp(&(y.node_deadline, &y.id)));
    out.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(out)
}
