//! The vocabulary of the supervision figures, shared by `stats` (which classifies and
//! sums cases) and `db` (which sums them in SQL): the metrics, one case's
//! classification, the sums of a group and their finished figures, the groupings.
//! Pure: no I/O. How each figure is counted is in the README.

mod group_by;
pub mod sort;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

pub use group_by::GroupBy;

/// Most approval steps a type may have for the per-node figures (the seeded types have 2).
pub const MAX_STEPS: usize = 4;

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

    pub fn label_en(self) -> &'static str {
        match self {
            Metric::Received => "Received",
            Metric::Finished => "Finished",
            Metric::Issued => "Issued",
            Metric::SameDay => "Finished the same day",
            Metric::OnTime => "Finished on time",
            Metric::OverdueFinished => "Finished late",
            Metric::OpenOverdue => "Open and overdue",
            Metric::OpenAtRisk => "Open, due soon",
            Metric::Returned => "Returned for correction",
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
/// The `group` value that selects the cases without a key (see [`Figures::key`]).
pub const NO_GROUP: &str = "-";
