//! What one case adds to the rolled-up figures (`figures_days`, `figures_months`,
//! `figures_chart`; migration 2026-12-04-000200): its received figures on the day of its
//! first submission, its decided figures on the day of its decision, each under the
//! case's village, type and deciding official. The rollup is the sum of these over the
//! `case_figures` rows, so writing a row adds (new − old) and the sums stay exact.
//! Pure (kept in `db` beside the rows it describes): `db::figures_rollup` applies them.

use std::collections::BTreeMap;

use crate::db::case_figures::{CaseFigures, VERSION};
use crate::domain::calendar::china_date;
use crate::domain::figures::MAX_STEPS;

/// Working days 0 … BUCKETS-1 are counted in columns `d0` …; a case of more has a row
/// of its own keyed by its days (`days_over`).
pub const BUCKETS: usize = 8;

/// The summed columns, in this order in [`Measures`] and in the tables.
pub const MEASURES: [&str; 25] = [
    "received",
    "returned",
    "finished",
    "issued",
    "same_day",
    "on_time",
    "pending",
    "n0s",
    "n0n",
    "n1s",
    "n1n",
    "n2s",
    "n2n",
    "n3s",
    "n3n",
    "instant",
    "instant_same_day",
    "d0",
    "d1",
    "d2",
    "d3",
    "d4",
    "d5",
    "d6",
    "d7",
];

pub const RECEIVED: usize = 0;
pub const RETURNED: usize = 1;
pub const FINISHED: usize = 2;
pub const ISSUED: usize = 3;
pub const SAME_DAY: usize = 4;
pub const ON_TIME: usize = 5;
pub const PENDING: usize = 6;
/// The sum of node `i`'s working days is at `NODES + 2i`, its case count after it.
pub const NODES: usize = 7;
pub const INSTANT: usize = 15;
pub const INSTANT_SAME_DAY: usize = 16;
/// Cases of `k` working days (`k` < [`BUCKETS`]) are counted at `DAYS + k`.
pub const DAYS: usize = 17;

const _: () = assert!(DAYS + BUCKETS == MEASURES.len() && NODES + 2 * MAX_STEPS == INSTANT);

pub type Measures = [i64; MEASURES.len()];

/// A rollup row's key; `day` is the China date (`YYYY-MM-DD`), the month is its first
/// seven characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub day: String,
    pub county: String,
    pub township: String,
    pub village: String,
    pub type_code: String,
    /// '' while undecided.
    pub decided_by: String,
    /// The working days of an issued case of [`BUCKETS`] or more days, else -1.
    pub days_over: i32,
}

/// The changes to apply, by key (ordered, so concurrent writers lock rows in one order).
pub type Changes = BTreeMap<Key, Measures>;

/// Adds `sign` × the contributions of `row` (`instant`: the roster approved it at
/// submission) to `out`.
pub fn add(out: &mut Changes, row: &CaseFigures, instant: bool, sign: i64) {
    let key = |day: String, days_over: i32| Key {
        day,
        county: row.county_code.clone(),
        township: row.township_code.clone(),
        village: row.village_code.clone(),
        type_code: row.type_code.clone(),
        decided_by: row.decided_by.clone().unwrap_or_default(),
        days_over,
    };
    let mut put = |k: Key, m: Measures| {
        let e = out.entry(k).or_insert([0; MEASURES.len()]);
        for (a, b) in e.iter_mut().zip(m) {
            *a += sign * b;
        }
    };
    if let Some(at) = row.received_at {
        let mut m = [0; MEASURES.len()];
        m[RECEIVED] = 1;
        m[RETURNED] = i64::from(row.returned);
        put(key(china_date(at.and_utc()).to_string(), -1), m);
    }
    if let (Some(_), Some(day)) = (row.decided_at, &row.decided_day) {
        let b = |v: Option<bool>| i64::from(v == Some(true));
        let mut m = [0; MEASURES.len()];
        m[FINISHED] = 1;
        m[ISSUED] = i64::from(!row.rejected);
        m[SAME_DAY] = b(row.same_day);
        m[ON_TIME] = b(row.on_time);
        m[PENDING] = i64::from(row.figures_version < VERSION);
        let nodes = [
            row.node0_days,
            row.node1_days,
            row.node2_days,
            row.node3_days,
        ];
        for (i, d) in nodes.into_iter().enumerate() {
            if let Some(d) = d {
                m[NODES + 2 * i] = i64::from(d);
                m[NODES + 2 * i + 1] = 1;
            }
        }
        m[INSTANT] = i64::from(instant);
        m[INSTANT_SAME_DAY] = i64::from(instant) * b(row.same_day);
        let mut days_over = -1;
        match row.working_days {
            Some(d) if usize::try_from(d).is_ok_and(|d| d < BUCKETS) => {
                m[DAYS + usize::try_from(d).unwrap_or(0)] = 1;
            }
            Some(d) => days_over = d,
            None => {}
        }
        put(key(day.clone(), days_over), m);
    }
}

/// The changes of one row going from `old` to `new` (both with their instant flag).
pub fn changes<'a>(
    out: &mut Changes,
    old: Option<(&'a CaseFigures, bool)>,
    new: (&'a CaseFigures, bool),
) {
    if let Some((o, i)) = old {
        add(out, o, i, -1);
    }
    add(out, new.0, new.1, 1);
}

/// The same changes per month (`YYYY-MM`) instead of per day.
pub fn by_month(days: &Changes) -> Changes {
    let mut out = Changes::new();
    for (k, m) in days {
        let month = Key {
            day: k.day.chars().take(7).collect(),
            ..k.clone()
        };
        let e = out.entry(month).or_insert([0; MEASURES.len()]);
        for (a, b) in e.iter_mut().zip(m) {
            *a += b;
        }
    }
    out
}

/// The per-day chart's changes: (day, county, township, village) → (finished, on time).
pub fn chart(days: &Changes) -> BTreeMap<(String, String, String, String), (i64, i64)> {
    let mut out = BTreeMap::new();
    for (k, m) in days {
        if m[FINISHED] == 0 && m[ON_TIME] == 0 {
            continue;
        }
        let e: &mut (i64, i64) = out
            .entry((
                k.day.clone(),
                k.county.clone(),
                k.township.clone(),
                k.village.clone(),
            ))
            .or_default();
        e.0 += m[FINISHED];
        e.1 += m[ON_TIME];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDateTime;

    fn row() -> CaseFigures {
        let t = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
        CaseFigures {
            application_id: "a".into(),
            county_code: "c".into(),
            township_code: "t".into(),
            village_code: "v".into(),
            type_code: "residence".into(),
            // 17:00 UTC is the next day in China.
            received_at: Some(t("2026-03-01 17:00")),
            returned: true,
            decided_at: None,
            decided_day: None,
            decided_by: None,
            rejected: false,
            same_day: None,
            on_time: None,
            working_days: None,
            node0_days: None,
            node1_days: None,
            node2_days: None,
            node3_days: None,
            figures_version: VERSION,
        }
    }

    #[test]
    fn a_decision_moves_the_received_figures_to_the_official_and_adds_the_decided_ones() {
        let open = row();
        let decided = CaseFigures {
            decided_at: open.received_at,
            decided_day: Some("2026-03-09".into()),
            decided_by: Some("u1".into()),
            same_day: Some(false),
            on_time: Some(true),
            working_days: Some(12),
            node0_days: Some(2),
            ..open.clone()
        };
        let mut c = Changes::new();
        changes(&mut c, Some((&open, false)), (&decided, true));
        let get = |day: &str, by: &str, over: i32| {
            c.iter()
                .find(|(k, _)| k.day == day && k.decided_by == by && k.days_over == over)
                .map(|(_, m)| *m)
                .unwrap()
        };
        assert_eq!(get("2026-03-02", "", -1)[RECEIVED], -1);
        assert_eq!(get("2026-03-02", "u1", -1)[RECEIVED], 1);
        assert_eq!(get("2026-03-02", "u1", -1)[RETURNED], 1);
        let d = get("2026-03-09", "u1", 12);
        assert_eq!(
            (
                d[FINISHED],
                d[ISSUED],
                d[ON_TIME],
                d[INSTANT],
                d[NODES],
                d[NODES + 1]
            ),
            (1, 1, 1, 1, 2, 1)
        );
        assert!(
            d[DAYS..].iter().all(|&n| n == 0),
            "12 days is past the columns"
        );
        assert_eq!(by_month(&c).len(), 3);
        let chart = chart(&c);
        assert_eq!(chart.len(), 1);
        assert_eq!(chart.values().next(), Some(&(1, 1)));
    }

    #[test]
    fn rewriting_the_same_row_changes_nothing() {
        let r = row();
        let mut c = Changes::new();
        changes(&mut c, Some((&r, false)), (&r, false));
        assert!(c.values().all(|m| m.iter().all(|&n| n == 0)));
    }
}
