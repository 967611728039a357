//! Supervision figures (docs/architecture.md §5). A case's trail folds into a [`CaseFact`];
//! [`classify`] turns it into the per-case figures (`case_row`) that `workflow::figures`
//! stores when the event is appended; [`Sums`] adds cases up (here in [`compute`], the in-memory
//! reference, or summed by the database in `db::stats`) and finishes them into
//! [`Figures`]. Everything here is pure.
//!
//! How each figure is counted is documented in the README ("How the figures are
//! counted"); keep the two in step.

pub mod case_row;
pub mod csv;
mod group_by;
pub mod report;
pub mod svg;

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

pub use group_by::GroupBy;

use crate::domain::calendar::{china_date, end_of_china_day, WorkCalendar};

/// Most approval steps a type may have for the per-node figures (the seeded types have 2).
pub const MAX_STEPS: usize = 4;

/// One case as the figures need it: folded from its events (times) plus its type, the
/// grouping key and, for open cases, the current node's deadline.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseFact {
    pub id: String,
    pub number: String,
    /// The value of the grouping column (type code, township, village or official id).
    pub group: Option<String>,
    pub type_code: String,
    /// The office holds the case now (submitted or under review).
    pub open: bool,
    pub node_deadline: NaiveDateTime,
    /// First submission.
    pub received_at: Option<NaiveDateTime>,
    /// Last submission or resubmission: the office's clock starts here.
    pub restart_at: Option<NaiveDateTime>,
    /// Issue or rejection.
    pub finished_at: Option<NaiveDateTime>,
    pub rejected: bool,
    pub returns: i64,
    /// Latest approval of step i.
    pub approved_at: [Option<NaiveDateTime>; MAX_STEPS],
    /// Step of the rejection, if rejected.
    pub reject_step: Option<i32>,
}

/// What the figures are computed against.
pub struct Context<'a> {
    pub calendar: &'a WorkCalendar,
    /// Promised limit (承诺时限) of each type, in working days.
    pub promised_days: &'a HashMap<String, u32>,
    /// First and last day (China time), inclusive.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub now: NaiveDateTime,
}

impl Context<'_> {
    fn in_range(&self, t: Option<NaiveDateTime>) -> bool {
        t.map(|t| china_date(t.and_utc()))
            .is_some_and(|d| d >= self.from && d <= self.to)
    }

    /// The end of the working day after today: a node due by then has one working day
    /// or less left.
    pub fn at_risk_until(&self) -> NaiveDateTime {
        self.calendar.at_risk_until(self.now)
    }
}

/// The metrics a case can be counted in; each has a click-through case list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Received,
    Finished,
    Issued,
    SameDay,
    OnTime,
    OverdueFinished,
    OpenOverdue,
    OpenAtRisk,
    Returned,
}

impl Metric {
    pub const ALL: [Metric; 9] = [
        Metric::Received,
        Metric::Finished,
        Metric::Issued,
        Metric::SameDay,
        Metric::OnTime,
        Metric::OverdueFinished,
        Metric::OpenOverdue,
        Metric::OpenAtRisk,
        Metric::Returned,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::Received => "received",
            Metric::Finished => "finished",
            Metric::Issued => "issued",
            Metric::SameDay => "same_day",
            Metric::OnTime => "on_time",
            Metric::OverdueFinished => "overdue_finished",
            Metric::OpenOverdue => "open_overdue",
            Metric::OpenAtRisk => "open_at_risk",
            Metric::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Metric> {
        Self::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Metric::Received => "受理件数",
            Metric::Finished => "办结件数",
            Metric::Issued => "出证件数",
            Metric::SameDay => "当日办结",
            Metric::OnTime => "按时办结",
            Metric::OverdueFinished => "超期办结",
            Metric::OpenOverdue => "在办超期",
            Metric::OpenAtRisk => "临近超期",
            Metric::Returned => "退回补正",
        }
    }
}

/// One case classified against the context.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Classified {
    pub received: bool,
    pub finished: bool,
    pub issued: bool,
    pub same_day: bool,
    pub on_time: bool,
    pub open_overdue: bool,
    pub open_at_risk: bool,
    pub returned: bool,
    /// Working days from the last (re)submission to the issue (issued cases).
    pub working_days: Option<i64>,
    /// Working days spent in each node, for finished cases.
    pub node_days: [Option<i64>; MAX_STEPS],
    /// The finishing day (China time), for the per-day chart.
    pub finish_day: Option<NaiveDate>,
}

impl Classified {
    pub fn has(&self, m: Metric) -> bool {
        match m {
            Metric::Received => self.received,
            Metric::Finished => self.finished,
            Metric::Issued => self.issued,
            Metric::SameDay => self.same_day,
            Metric::OnTime => self.on_time,
            Metric::OverdueFinished => self.finished && !self.on_time,
            Metric::OpenOverdue => self.open_overdue,
            Metric::OpenAtRisk => self.open_at_risk,
            Metric::Returned => self.returned,
        }
    }
}

fn day(t: NaiveDateTime) -> NaiveDate {
    china_date(t.and_utc())
}

/// Classifies one case. `at_risk_until` comes from [`Context::at_risk_until`].
pub fn classify(f: &CaseFact, ctx: &Context<'_>, at_risk_until: NaiveDateTime) -> Classified {
    let cal = ctx.calendar;
    let mut c = Classified {
        received: ctx.in_range(f.received_at),
        returned: ctx.in_range(f.received_at) && f.returns > 0,
        open_overdue: f.open && f.node_deadline < ctx.now,
        open_at_risk: f.open && f.node_deadline >= ctx.now && f.node_deadline <= at_risk_until,
        ..Classified::default()
    };
    let (Some(fin), Some(start)) = (f.finished_at, f.restart_at) else {
        return c;
    };
    if !ctx.in_range(Some(fin)) {
        return c;
    }
    c.finished = true;
    c.issued = !f.rejected;
    c.finish_day = Some(day(fin));
    c.same_day = day(start) == day(fin);
    let days = cal.working_days_between(day(start), day(fin));
    if c.issued {
        c.working_days = Some(days);
    }
    // Due by the end of the promised-th working day after the (re)submission.
    c.on_time = match ctx.promised_days.get(&f.type_code) {
        Some(&n) => {
            let due = cal.add_working_days(day(start), n);
            fin <= end_of_china_day(due).naive_utc()
        }
        None => false,
    };
    // Node i runs from the approval of node i-1 (or the restart) to its own approval
    // (or the rejection); approvals before the restart belong to an earlier pass.
    let after = |t: Option<NaiveDateTime>| t.filter(|t| *t >= start);
    let mut node_start = Some(start);
    for i in 0..MAX_STEPS {
        let Some(s) = node_start else { break };
        let end = match after(f.approved_at[i]) {
            Some(e) => Some(e),
            None if f.rejected && f.reject_step == i32::try_from(i).ok() => Some(fin),
            None => None,
        };
        if let Some(e) = end {
            c.node_days[i] = Some(cal.working_days_between(day(s), day(e)));
        }
        node_start = end.filter(|_| !f.rejected || f.reject_step != i32::try_from(i).ok());
    }
    c
}

/// The figures of one group (or of the total).
#[derive(Debug, Clone, Default, Serialize, ToSchema, PartialEq)]
pub struct Figures {
    /// Grouping key (type code, jurisdiction code, official id); `null` in the total and
    /// for cases without that key (e.g. no deciding official yet).
    pub key: Option<String>,
    pub label: String,
    pub received: u64,
    pub finished: u64,
    pub issued: u64,
    pub avg_working_days: Option<f64>,
    pub median_working_days: Option<f64>,
    pub same_day: u64,
    /// 当日办结率: finished the day of the (re)submission, over finished.
    pub same_day_rate: Option<f64>,
    pub on_time: u64,
    /// Early and on time, over finished.
    pub on_time_rate: Option<f64>,
    pub overdue_finished: u64,
    pub open_overdue: u64,
    pub open_at_risk: u64,
    pub returned: u64,
    /// Received cases returned for correction at least once, over received.
    pub returned_rate: Option<f64>,
    /// Average working days in each approval step (node), over the finished cases that
    /// passed it.
    pub nodes: Vec<NodeFigure>,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema, PartialEq)]
pub struct NodeFigure {
    pub step: usize,
    pub cases: u64,
    pub avg_working_days: Option<f64>,
}

/// Finished and on-time counts of one day.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct DayCount {
    pub date: NaiveDate,
    pub finished: u64,
    pub on_time: u64,
}

/// The additive parts of one group's figures: counted case by case here
/// ([`Sums::add`]) or summed by the database (`db::stats`), then merged and finished
/// the same way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums {
    pub received: u64,
    pub finished: u64,
    pub issued: u64,
    pub same_day: u64,
    pub on_time: u64,
    pub overdue_finished: u64,
    pub open_overdue: u64,
    pub open_at_risk: u64,
    pub returned: u64,
    /// Working days of the issued cases: days → how many cases.
    pub days: BTreeMap<i64, u64>,
    pub node_sum: [i64; MAX_STEPS],
    pub node_n: [u64; MAX_STEPS],
}

impl Sums {
    pub fn add(&mut self, c: &Classified) {
        self.received += u64::from(c.received);
        self.finished += u64::from(c.finished);
        self.issued += u64::from(c.issued);
        self.same_day += u64::from(c.same_day);
        self.on_time += u64::from(c.on_time);
        self.overdue_finished += u64::from(c.finished && !c.on_time);
        self.open_overdue += u64::from(c.open_overdue);
        self.open_at_risk += u64::from(c.open_at_risk);
        self.returned += u64::from(c.returned);
        if let Some(d) = c.working_days {
            *self.days.entry(d).or_default() += 1;
        }
        for (i, d) in c.node_days.iter().enumerate() {
            if let Some(d) = d {
                self.node_sum[i] += d;
                self.node_n[i] += 1;
            }
        }
    }

    pub fn merge(&mut self, o: &Sums) {
        self.received += o.received;
        self.finished += o.finished;
        self.issued += o.issued;
        self.same_day += o.same_day;
        self.on_time += o.on_time;
        self.overdue_finished += o.overdue_finished;
        self.open_overdue += o.open_overdue;
        self.open_at_risk += o.open_at_risk;
        self.returned += o.returned;
        for (d, n) in &o.days {
            *self.days.entry(*d).or_default() += n;
        }
        for i in 0..MAX_STEPS {
            self.node_sum[i] += o.node_sum[i];
            self.node_n[i] += o.node_n[i];
        }
    }

    /// Whether no case counts in any figure (such a group is not shown).
    pub fn is_empty(&self) -> bool {
        self.received + self.finished + self.open_overdue + self.open_at_risk == 0
    }

    pub fn finish(self) -> Figures {
        let rate = |n: u64, d: u64| (d > 0).then(|| round(n as f64 / d as f64, 4));
        let n: u64 = self.days.values().sum();
        let sum: i64 = self.days.iter().map(|(d, k)| d * *k as i64).sum();
        let steps = self
            .node_n
            .iter()
            .rposition(|n| *n > 0)
            .map_or(0, |i| i + 1);
        Figures {
            key: None,
            label: String::new(),
            received: self.received,
            finished: self.finished,
            issued: self.issued,
            avg_working_days: (n > 0).then(|| round(sum as f64 / n as f64, 2)),
            median_working_days: median_of_counts(&self.days),
            same_day: self.same_day,
            same_day_rate: rate(self.same_day, self.finished),
            on_time: self.on_time,
            on_time_rate: rate(self.on_time, self.finished),
            overdue_finished: self.overdue_finished,
            open_overdue: self.open_overdue,
            open_at_risk: self.open_at_risk,
            returned: self.returned,
            returned_rate: rate(self.returned, self.received),
            nodes: (0..steps)
                .map(|i| NodeFigure {
                    step: i,
                    cases: self.node_n[i],
                    avg_working_days: (self.node_n[i] > 0)
                        .then(|| round(self.node_sum[i] as f64 / self.node_n[i] as f64, 2)),
                })
                .collect(),
        }
    }
}

fn round(x: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    (x * m).round() / m
}

/// The median of values given as value → count (ascending).
pub fn median_of_counts(counts: &BTreeMap<i64, u64>) -> Option<f64> {
    let n: u64 = counts.values().sum();
    if n == 0 {
        return None;
    }
    // The k-th smallest value, 0-based.
    let nth = |k: u64| {
        let mut seen = 0;
        counts.iter().find_map(|(v, c)| {
            seen += c;
            (seen > k).then_some(*v)
        })
    };
    let (lo, hi) = (nth((n - 1) / 2)?, nth(n / 2)?);
    Some((lo + hi) as f64 / 2.0)
}

pub fn median(v: &mut [i64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_unstable();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2] as f64
    } else {
        (v[n / 2 - 1] + v[n / 2]) as f64 / 2.0
    })
}

/// The result of [`compute`]: one row per group (by key), the total, and the per-day
/// finished counts of the total.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Computed {
    pub groups: Vec<Figures>,
    pub total: Figures,
    pub daily: Vec<DayCount>,
}

/// Aggregates the cases in memory; groups come out ordered by key (cases without one
/// last). This is the reference for the database path (`db::stats`, which sums the
/// stored per-case classification); labels are filled by the caller.
pub fn compute(facts: &[CaseFact], ctx: &Context<'_>) -> Computed {
    let until = ctx.at_risk_until();
    let mut groups: BTreeMap<Option<String>, Sums> = BTreeMap::new();
    let mut total = Sums::default();
    let mut daily: BTreeMap<NaiveDate, (u64, u64)> = BTreeMap::new();
    for f in facts {
        let c = classify(f, ctx, until);
        if c == Classified::default() {
            continue;
        }
        groups.entry(f.group.clone()).or_default().add(&c);
        total.add(&c);
        if let Some(d) = c.finish_day {
            let e = daily.entry(d).or_default();
            e.0 += 1;
            e.1 += u64::from(c.on_time);
        }
    }
    // `None` sorts first in a BTreeMap; show the keyless group last.
    let mut groups: Vec<Figures> = groups
        .into_iter()
        .map(|(k, sums)| {
            let mut f = sums.finish();
            f.key = k;
            f
        })
        .collect();
    groups.sort_by_key(|g| g.key.is_none());
    Computed {
        groups,
        total: total.finish(),
        daily: daily
            .into_iter()
            .map(|(date, (finished, on_time))| DayCount {
                date,
                finished,
                on_time,
            })
            .collect(),
    }
}

/// The `group` value that selects the cases without a key (see [`Figures::key`]).
pub const NO_GROUP: &str = "-";

/// The cases behind one number: those of `group` (all when `None`, the keyless ones
/// for [`NO_GROUP`]) counted in `metric`.
pub fn cases_in<'a>(
    facts: &'a [CaseFact],
    ctx: &Context<'_>,
    metric: Metric,
    group: Option<&str>,
) -> Vec<&'a CaseFact> {
    let until = ctx.at_risk_until();
    let mut out = Vec::new();
    for f in facts {
        let wanted = group.map(|g| (g != NO_GROUP).then_some(g));
        if wanted.is_some_and(|g| f.group.as_deref() != g) {
            continue;
        }
        if classify(f, ctx, until).has(metric) {
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests;
