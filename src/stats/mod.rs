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
pub mod report;
pub mod svg;

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

// The figures' vocabulary is pure and shared with `db`; it lives in the domain.
pub use crate::domain::figures::{
    median, median_of_counts, Classified, DayCount, Figures, GroupBy, Metric, NodeFigure, Sums,
    MAX_STEPS, NO_GROUP,
};

use crate::domain::calendar::{china_date, end_of_china_day, WorkCalendar};

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
