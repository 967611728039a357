//! A figures report for a caller's scope: parameters checked, cases loaded, figures
//! computed and labelled. Shared by the JSON API, the CSV export and the page.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::{Computed, Context, DayCount, Figures, GroupBy, Metric, Sums, NO_GROUP};
use crate::auth::{CurrentUser, Scope};
use crate::db::schema::users;
use crate::db::stats::{summed, summed_total, summed_two, Source, Summed, Window};
use crate::db::{catalog, DbConn};
use crate::domain::role::Role;
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};

/// Checked request parameters.
#[derive(Debug, Clone)]
pub struct Params {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: GroupBy,
}

/// Who may read figures: supervisors (their jurisdiction) and admins (everything).
pub fn require_reader(user: &CurrentUser) -> AppResult<Scope> {
    user.require_role(&[Role::Supervisor, Role::Admin])?;
    Ok(Scope::of(user))
}

fn date_field(name: &str, v: Option<&str>, default: NaiveDate) -> AppResult<NaiveDate> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
            AppError::field(
                name,
                Invalid::new(
                    format!("日期“{s}”无效，应为YYYY-MM-DD格式"),
                    format!("Date '{s}' is invalid; use YYYY-MM-DD"),
                ),
            )
        }),
    }
}

impl Params {
    /// Defaults: this year up to today, grouped by township.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        group_by: Option<&str>,
        today: NaiveDate,
    ) -> AppResult<Params> {
        let year_start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
        let from = date_field("from", from, year_start)?;
        let to = date_field("to", to, today)?;
        if to < from {
            return Err(AppError::field(
                "to",
                Invalid::new("结束日期不能早于开始日期", "to must not be before from"),
            ));
        }
        if (to - from).num_days() > 366 * 3 {
            return Err(AppError::field(
                "to",
                Invalid::new("统计区间最长三年", "The range may span at most three years"),
            ));
        }
        let group_by = match group_by.map(str::trim).filter(|s| !s.is_empty()) {
            None => GroupBy::Township,
            Some(g) => GroupBy::parse(g).ok_or_else(|| {
                AppError::field(
                    "group_by",
                    Invalid::new(
                        "分组方式应为 type、township、village 或 official",
                        "group_by must be type, township, village or official",
                    ),
                )
            })?,
        };
        Ok(Params { from, to, group_by })
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> Params {
        let len = (self.to - self.from).num_days() + 1;
        Params {
            from: self.from - TimeDelta::days(len),
            to: self.from - TimeDelta::days(1),
            group_by: self.group_by,
        }
    }

    pub fn query(&self) -> String {
        format!(
            "from={}&to={}&group_by={}",
            self.from,
            self.to,
            self.group_by.as_str()
        )
    }
}

/// One group's figures with its click-through links.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupRow {
    #[serde(flatten)]
    pub figures: Figures,
    /// `metric` → the URL of the case list behind that number.
    pub cases: HashMap<String, String>,
    /// Decided cases approved by the system on a roster (秒批) against those an
    /// official reviewed.
    pub instant: InstantFigures,
}

/// Instant (roster-approved) against reviewed cases among those decided in the period.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct InstantFigures {
    pub instant: i64,
    pub reviewed: i64,
    /// Instant cases decided the day they were received.
    pub instant_same_day: i64,
}

impl InstantFigures {
    fn add(&mut self, r: &crate::db::stats::InstantRow) {
        let instant = r.instant.unwrap_or(0);
        self.instant += instant;
        self.reviewed += r.decided - instant;
        self.instant_same_day += r.instant_same_day.unwrap_or(0);
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Report {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub group_by: GroupBy,
    /// Open-case figures (open_overdue, open_at_risk) are as of this instant.
    pub as_of: chrono::DateTime<chrono::Utc>,
    pub groups: Vec<GroupRow>,
    pub total: GroupRow,
    /// Finished cases per day with how many were on time (total).
    pub daily: Vec<DayCount>,
    /// Cases made for someone else (代办, issue 16) submitted in the range, per village.
    pub proxy_by_village: Vec<ProxyCount>,
}

/// One village's cases made for someone else.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProxyCount {
    pub village_code: String,
    pub village_name: String,
    /// Applied for by a village agent (or a village official acting as one).
    pub by_agent: i64,
    /// Applied for by a relative or other resident, with the person's consent.
    pub by_relative: i64,
}

fn proxy_counts(conn: &mut DbConn, scope: &Scope, p: &Params) -> AppResult<Vec<ProxyCount>> {
    // Midnight China time (UTC+8) of a date, as stored (UTC).
    let start = |d: NaiveDate| d.and_time(chrono::NaiveTime::MIN) - TimeDelta::hours(8);
    let rows = crate::db::proxies::per_village(
        conn,
        scope,
        start(p.from),
        start(p.to + TimeDelta::days(1)),
    )?;
    let codes: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let names = catalog::jurisdiction_names(conn, &codes)?;
    Ok(rows
        .iter()
        .map(|(code, by_agent, by_relative)| ProxyCount {
            village_name: names.get(code).cloned().unwrap_or_default(),
            village_code: code.clone(),
            by_agent: *by_agent,
            by_relative: *by_relative,
        })
        .collect())
}

fn links(p: &Params, key: Option<&str>) -> HashMap<String, String> {
    Metric::ALL
        .iter()
        .map(|m| {
            let group = key.map_or(String::new(), |k| format!("&group={k}"));
            (
                m.as_str().to_owned(),
                format!(
                    "/api/v1/stats/cases?metric={}&{}{group}",
                    m.as_str(),
                    p.query()
                ),
            )
        })
        .collect()
}

impl Params {
    /// The window of these dates at `now` (open figures are as of `now`).
    pub fn window(&self, conn: &mut DbConn, now: NaiveDateTime) -> AppResult<Window> {
        let cal = catalog::calendar(conn)?;
        let ctx = Context {
            calendar: &cal,
            promised_days: &HashMap::new(),
            from: self.from,
            to: self.to,
            now,
        };
        Ok(Window {
            from: self.from,
            to: self.to,
            now,
            at_risk_until: ctx.at_risk_until(),
        })
    }
}

/// The figures of `scope` grouped by `group_by`, summed by the database. Groups are
/// ordered by key, the keyless one last; labels are filled by the caller.
pub fn computed(
    conn: &mut DbConn,
    scope: &Scope,
    group_by: GroupBy,
    w: &Window,
) -> AppResult<Computed> {
    finish(summed(conn, Source::Rollup, scope, group_by, w)?)
}

/// The figures grouped two ways from one pass (the dashboard's townships and types);
/// the per-day counts only on the first, and only if `daily`.
pub fn computed_two(
    conn: &mut DbConn,
    scope: &Scope,
    (first, second): (GroupBy, GroupBy),
    w: &Window,
    daily: bool,
) -> AppResult<(Computed, Computed)> {
    computed_two_from(conn, Source::Rollup, scope, (first, second), w, daily)
}

fn computed_two_from(
    conn: &mut DbConn,
    source: Source,
    scope: &Scope,
    (first, second): (GroupBy, GroupBy),
    w: &Window,
    daily: bool,
) -> AppResult<(Computed, Computed)> {
    let (a, b) = summed_two(conn, source, scope, first, Some(second), w, daily)?;
    Ok((finish(a)?, finish(b)?))
}

/// What the supervisors' dashboard shows (one definition for the page and `bench-stats`):
/// the figures by township and by type for `w`, by township for the previous window
/// `prev` (its totals only: the headline changes), and the open overdue cases (up to 200).
pub fn dashboard(
    conn: &mut DbConn,
    scope: &Scope,
    w: &Window,
    prev: &Window,
) -> AppResult<Dashboard> {
    dashboard_from(conn, Source::Rollup, scope, w, prev)
}

/// The dashboard's figures, the current period by township and by type, the previous
/// period's totals, and the open overdue cases.
pub type Dashboard = (
    Computed,
    Computed,
    Computed,
    Vec<crate::db::stats::OverdueCase>,
);

/// [`dashboard`] summed from `source` (`bench-stats` times both).
pub fn dashboard_from(
    conn: &mut DbConn,
    source: Source,
    scope: &Scope,
    w: &Window,
    prev: &Window,
) -> AppResult<Dashboard> {
    let (cur, cur_type) = computed_two_from(
        conn,
        source,
        scope,
        (GroupBy::Township, GroupBy::Type),
        w,
        true,
    )?;
    let before = finish(summed_total(conn, source, scope, prev)?)?;
    let overdue = crate::db::stats::overdue_cases(conn, scope, w, 200)?;
    Ok((cur, cur_type, before, overdue))
}

fn finish(s: Summed) -> AppResult<Computed> {
    if s.pending > 0 {
        return Err(AppError::field(
            "to",
            Invalid::new(
                format!(
                    "有{}件已办结案件的工作日尚未计算（缺少该年度节假日数据？），请管理员补充日历后运行 zhengming migrate（或重启服务）",
                    s.pending
                ),
                format!(
                    "{} decided cases have no working-day figures yet (holiday data missing for their year?); add the calendar, then run zhengming migrate (or restart the service)",
                    s.pending
                ),
            ),
        ));
    }
    let mut total = Sums::default();
    let mut groups: Vec<Figures> = s
        .groups
        .into_iter()
        .map(|(k, sums)| {
            total.merge(&sums);
            let mut f = sums.finish();
            f.key = k;
            f
        })
        .collect();
    groups.sort_by_key(|g| g.key.is_none());
    Ok(Computed {
        groups,
        total: total.finish(),
        daily: s.daily,
    })
}

/// The whole report for `scope`.
pub fn report(
    conn: &mut DbConn,
    scope: &Scope,
    p: &Params,
    now: NaiveDateTime,
) -> AppResult<Report> {
    report_from(conn, Source::Rollup, scope, p, now)
}

/// [`report`] summed from `source` (`bench-stats` times both; a test checks they agree).
pub fn report_from(
    conn: &mut DbConn,
    source: Source,
    scope: &Scope,
    p: &Params,
    now: NaiveDateTime,
) -> AppResult<Report> {
    let w = p.window(conn, now)?;
    let computed = finish(summed(conn, source, scope, p.group_by, &w)?)?;
    let mut instant: HashMap<Option<String>, InstantFigures> = HashMap::new();
    let mut instant_total = InstantFigures::default();
    for r in crate::db::stats::instant_counts(conn, source, scope, p.group_by, &w)? {
        instant.entry(r.grp.clone()).or_default().add(&r);
        instant_total.add(&r);
    }
    let keys: Vec<&str> = computed
        .groups
        .iter()
        .filter_map(|g| g.key.as_deref())
        .collect();
    let names: HashMap<String, String> = match p.group_by {
        GroupBy::Type => catalog::active_types(conn)?
            .into_iter()
            .map(|t| (t.code, t.name_zh))
            .collect(),
        GroupBy::Township | GroupBy::Village => catalog::jurisdiction_names(conn, &keys)?,
        GroupBy::Official => users::table
            .filter(users::id.eq_any(&keys))
            .select((users::id, users::name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .collect(),
    };
    let groups = computed
        .groups
        .into_iter()
        .map(|mut f| {
            f.label = match &f.key {
                Some(k) => names.get(k).cloned().unwrap_or_else(|| k.clone()),
                None => "（未办结 / undecided）".into(),
            };
            GroupRow {
                cases: links(p, Some(f.key.as_deref().unwrap_or(NO_GROUP))),
                instant: instant.get(&f.key).copied().unwrap_or_default(),
                figures: f,
            }
        })
        .collect();
    let mut total = computed.total;
    total.label = "合计 total".into();
    Ok(Report {
        from: p.from,
        to: p.to,
        group_by: p.group_by,
        as_of: now.and_utc(),
        groups,
        total: GroupRow {
            cases: links(p, None),
            instant: instant_total,
            figures: total,
        },
        daily: computed.daily,
        proxy_by_village: proxy_counts(conn, scope, p)?,
    })
}
