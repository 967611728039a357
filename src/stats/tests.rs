use super::*;
use crate::domain::calendar::seed_holidays;

fn t(s: &str) -> NaiveDateTime {
    // Given in China time, stored as UTC.
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap() - chrono::TimeDelta::hours(8)
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn fact(number: &str, group: &str) -> CaseFact {
    CaseFact {
        id: number.to_lowercase(),
        number: number.into(),
        group: Some(group.into()),
        type_code: "residence".into(),
        open: false,
        node_deadline: t("2026-01-01 00:00"),
        received_at: None,
        restart_at: None,
        finished_at: None,
        rejected: false,
        returns: 0,
        approved_at: [None; MAX_STEPS],
        reject_step: None,
    }
}

fn issued(number: &str, group: &str, submitted: &str, a0: &str, done: &str) -> CaseFact {
    CaseFact {
        received_at: Some(t(submitted)),
        restart_at: Some(t(submitted)),
        finished_at: Some(t(done)),
        approved_at: [Some(t(a0)), Some(t(done)), None, None],
        ..fact(number, group)
    }
}

fn with_ctx<T>(f: impl FnOnce(&Context<'_>) -> T) -> T {
    let cal = WorkCalendar::from_holidays(&seed_holidays());
    let promised = HashMap::from([("residence".to_owned(), 3u32)]);
    let ctx = Context {
        calendar: &cal,
        promised_days: &promised,
        from: d("2026-02-01"),
        to: d("2026-03-31"),
        now: t("2026-03-02 10:00"),
    };
    f(&ctx)
}

#[test]
fn spring_festival_cases() {
    with_ctx(|ctx| {
        let facts = vec![
            // Same day.
            issued(
                "A",
                "x",
                "2026-02-10 09:00",
                "2026-02-10 10:00",
                "2026-02-10 16:00",
            ),
            // Fri Feb 13 → Sat Feb 14 (调休) → Tue Feb 24: 2 working days, on time (3).
            issued(
                "B",
                "x",
                "2026-02-13 09:00",
                "2026-02-14 11:00",
                "2026-02-24 09:00",
            ),
            // Thu Feb 12 → Mar 2: 6 working days (13, 14, 24, 25, 26, 27, 28, Mar 2 → 7).
            issued(
                "C",
                "y",
                "2026-02-12 09:00",
                "2026-02-13 09:00",
                "2026-03-02 09:00",
            ),
        ];
        let r = compute(&facts, ctx);
        assert_eq!(r.total.received, 3);
        assert_eq!(r.total.finished, 3);
        assert_eq!(r.total.same_day, 1);
        assert_eq!(r.total.on_time, 2);
        assert_eq!(r.total.overdue_finished, 1);
        // A: 0, B: 2, C: (Feb 12, Mar 2] = 13, 14, 24, 25, 26, 27, 28, Mar 2 = 8.
        assert_eq!(r.total.avg_working_days, Some(3.33));
        assert_eq!(r.total.median_working_days, Some(2.0));
        assert_eq!(r.total.same_day_rate, Some(0.3333));
        // Node 0: A 0, B 1, C 1; node 1: A 0, B 1, C 7.
        assert_eq!(r.total.nodes[0].avg_working_days, Some(0.67));
        assert_eq!(r.total.nodes[1].avg_working_days, Some(2.67));
        assert_eq!(r.groups.len(), 2);
        assert_eq!(r.groups[1].key.as_deref(), Some("y"));
        assert_eq!(r.groups[1].overdue_finished, 1);
        assert_eq!(r.daily.len(), 3);
        let late: Vec<_> = cases_in(&facts, ctx, Metric::OverdueFinished, None)
            .iter()
            .map(|f| f.number.clone())
            .collect();
        assert_eq!(late, ["C"]);
        assert!(cases_in(&facts, ctx, Metric::SameDay, Some("y")).is_empty());
    });
}

#[test]
fn resubmission_restarts_the_clock_and_counts_as_returned() {
    with_ctx(|ctx| {
        let mut f = issued(
            "R",
            "x",
            "2026-03-02 09:00",
            "2026-03-02 09:30",
            "2026-03-03 10:00",
        );
        f.received_at = Some(t("2026-02-02 09:00"));
        f.returns = 1;
        // An approval before the restart does not count as this pass's node 0.
        f.approved_at[0] = Some(t("2026-02-03 09:00"));
        let r = compute(&[f], ctx);
        assert_eq!(r.total.returned, 1);
        assert_eq!(r.total.returned_rate, Some(1.0));
        assert_eq!(r.total.avg_working_days, Some(1.0));
        assert_eq!(r.total.on_time, 1);
        assert_eq!(r.total.nodes.len(), 0, "no node-0 end after the restart");
    });
}

#[test]
fn open_cases_overdue_and_at_risk() {
    with_ctx(|ctx| {
        let overdue = CaseFact {
            open: true,
            received_at: Some(t("2026-02-24 09:00")),
            restart_at: Some(t("2026-02-24 09:00")),
            node_deadline: t("2026-02-25 23:59"),
            ..fact("O", "x")
        };
        // now is Mon Mar 2 10:00; due by the end of Tue Mar 3 is at risk.
        let risky = CaseFact {
            node_deadline: t("2026-03-03 23:59"),
            ..overdue.clone()
        };
        let fine = CaseFact {
            node_deadline: t("2026-03-04 23:59"),
            ..overdue.clone()
        };
        let rejected = CaseFact {
            rejected: true,
            reject_step: Some(0),
            finished_at: Some(t("2026-02-25 09:00")),
            open: false,
            ..overdue.clone()
        };
        let r = compute(&[overdue, risky, fine, rejected], ctx);
        assert_eq!(r.total.open_overdue, 1);
        assert_eq!(r.total.open_at_risk, 1);
        assert_eq!(r.total.finished, 1);
        assert_eq!(r.total.issued, 0);
        assert_eq!(r.total.avg_working_days, None);
        assert_eq!(r.total.nodes[0].avg_working_days, Some(1.0));
    });
}

#[test]
fn median_of_even_and_odd() {
    assert_eq!(median(&mut []), None);
    assert_eq!(median(&mut [3, 1, 2]), Some(2.0));
    assert_eq!(median(&mut [4, 1, 2, 3]), Some(2.5));
}

#[test]
fn median_of_counts_matches_the_median_of_the_values() {
    let counts = |v: &[i64]| {
        let mut m = BTreeMap::new();
        for x in v {
            *m.entry(*x).or_default() += 1;
        }
        m
    };
    assert_eq!(median_of_counts(&BTreeMap::new()), None);
    for v in [
        vec![3, 1, 2],
        vec![4, 1, 2, 3],
        vec![0, 0, 0, 8],
        vec![2, 2, 5, 5],
        vec![7],
    ] {
        let mut sorted = v.clone();
        assert_eq!(median_of_counts(&counts(&v)), median(&mut sorted), "{v:?}");
    }
}
