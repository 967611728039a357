//! The rolled-up figures (issue 20) against the per-case rows they are summed from:
//! after a mixed lifecycle (fixed-time cases across months, and live ones through the
//! API: approvals, a return and resubmission, a rejection, a withdrawal, an escalation),
//! every report and the dashboard read from the rollup equal those summed case by case,
//! for every grouping, scope and a range of windows.

use chrono::{NaiveDate, TimeDelta};
use serde_json::Value;
use zhengming::auth::Scope;
use zhengming::db::stats::Source;
use zhengming::domain::calendar::china_date;
use zhengming::domain::role::Level;
use zhengming::stats::report::{dashboard_from, report_from, Params};

use crate::both_backends;
use crate::helpers::{accounts, spawn_app_with, Backend, TestApp};
use crate::scenario::{bj, issued_trail, write, Case};

const COUNTY: &str = "222403";

/// Cases with fixed times: in January, February and March 2026, one of 12 working days
/// (past the rollup's day columns), one rejected, one open and overdue.
async fn fixed_cases(app: &TestApp) {
    let (_, phone, _) = app.new_resident("汇总测试").await;
    app.app_db
        .write(move |c| {
            let applicant = zhengming::db::users::by_phone(c, &phone)?.unwrap().id;
            let here = |number, status, step, events| Case {
                number,
                township: accounts::TOWNSHIP,
                village: accounts::VILLAGE,
                county: COUNTY,
                status,
                current_step: step,
                node_started_at: bj("2026-01-05 09:00"),
                node_deadline: bj("2026-01-05 09:00"),
                events,
            };
            let trails = [
                (
                    "R-1",
                    ("2026-01-14 09:00", "2026-01-14 10:00", "2026-01-14 15:00"),
                ),
                (
                    "R-2",
                    ("2026-01-30 09:00", "2026-02-02 10:00", "2026-02-03 15:00"),
                ),
                // Jan 16 → Feb 3: 12 working days.
                (
                    "R-3",
                    ("2026-01-16 09:00", "2026-01-20 10:00", "2026-02-03 11:00"),
                ),
                (
                    "R-4",
                    ("2026-03-02 09:00", "2026-03-02 10:00", "2026-03-04 09:00"),
                ),
            ];
            for (n, (s, a, d)) in trails {
                write(c, &applicant, &here(n, "issued", 1, issued_trail(s, a, d)));
            }
            write(
                c,
                &applicant,
                &here(
                    "R-5",
                    "rejected",
                    0,
                    vec![
                        ("create", None, "draft", None, bj("2026-02-24 08:50")),
                        (
                            "submit",
                            Some("draft"),
                            "submitted",
                            None,
                            bj("2026-02-24 09:00"),
                        ),
                        (
                            "reject",
                            Some("submitted"),
                            "rejected",
                            Some(0),
                            bj("2026-02-26 09:00"),
                        ),
                    ],
                ),
            );
            write(
                c,
                &applicant,
                &Case {
                    node_deadline: bj("2026-02-25 23:59"),
                    ..here(
                        "R-6",
                        "submitted",
                        0,
                        vec![
                            ("create", None, "draft", None, bj("2026-02-24 08:50")),
                            (
                                "submit",
                                Some("draft"),
                                "submitted",
                                None,
                                bj("2026-02-24 09:00"),
                            ),
                        ],
                    )
                },
            );
            Ok::<_, zhengming::error::AppError>(())
        })
        .await
        .expect("fixed cases");
}

/// Today's cases through the API: issued, returned then resubmitted and issued,
/// rejected by the township, withdrawn, and left open.
async fn live_cases(app: &TestApp) {
    let (resident, _, _) = app.new_resident("汇总申请人").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    app.issued(&resident, "pickup").await;
    app.issued(&resident, "pickup").await;

    let s = app.submitted(&resident, "pickup").await;
    let r = app.act_ok(&village, &s, "return", Some("材料不全")).await;
    let again = app.act_ok(&resident, &r, "resubmit", None).await;
    let a = app.act_ok(&village, &again, "accept", None).await;
    let a = app.act_ok(&village, &a, "approve", None).await;
    app.act_ok(&township, &a, "approve", None).await;

    let s = app.submitted(&resident, "pickup").await;
    let a = app.act_ok(&village, &s, "accept", None).await;
    let a = app.act_ok(&village, &a, "approve", None).await;
    app.act_ok(&township, &a, "reject", Some("不符合条件"))
        .await;

    let s = app.submitted(&resident, "pickup").await;
    app.act_ok(&resident, &s, "withdraw", None).await;

    app.submitted(&resident, "pickup").await;
}

fn without_as_of(mut v: Value) -> Value {
    v.as_object_mut().expect("report").remove("as_of");
    v
}

async fn rollup_equals_the_per_case_figures(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.worker_in_serve = false).await;
    fixed_cases(&app).await;
    live_cases(&app).await;
    let t = zhengming::db::models::now();
    let escalated = app
        .app_db
        .with_writer(move |c| zhengming::workflow::escalate::escalate_due(c, t))
        .await
        .unwrap();
    assert!(!escalated.is_empty(), "the overdue case is escalated");

    app.app_db
        .read(move |c| {
            let today = china_date(t.and_utc());
            let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
            let windows = [
                (d("2026-01-01"), today),
                (d("2026-01-15"), d("2026-03-03")),
                (d("2026-02-01"), d("2026-02-28")),
                (d("2026-02-03"), d("2026-02-03")),
                (today - TimeDelta::days(364), today),
                (today, today),
            ];
            let scopes = [
                Scope::All,
                Scope::Area(Level::County, COUNTY.into()),
                Scope::Area(Level::Township, accounts::TOWNSHIP.into()),
                Scope::Area(Level::Village, accounts::VILLAGE.into()),
                Scope::Area(Level::Village, accounts::OTHER_VILLAGE_SAME_TOWNSHIP.into()),
            ];
            let mut decided = 0;
            for (from, to) in windows {
                for group_by in ["type", "township", "village", "official"] {
                    let p = Params::parse(
                        Some(&from.to_string()),
                        Some(&to.to_string()),
                        Some(group_by),
                        today,
                    )
                    .unwrap();
                    for scope in &scopes {
                        let of = |c: &mut _, s| {
                            without_as_of(
                                serde_json::to_value(report_from(c, s, scope, &p, t).unwrap())
                                    .unwrap(),
                            )
                        };
                        let (rolled, per_case) = (of(c, Source::Rollup), of(c, Source::PerCase));
                        assert_eq!(rolled, per_case, "{from}..{to} by {group_by} in {scope:?}");
                        decided += rolled["total"]["finished"].as_u64().unwrap();
                    }
                    let w = p.window(c, t).unwrap();
                    let prev = p.previous().window(c, t).unwrap();
                    let county = Scope::Area(Level::County, COUNTY.into());
                    let dash = |c: &mut _, s| {
                        let (a, b, before, _) = dashboard_from(c, s, &county, &w, &prev).unwrap();
                        serde_json::to_value((a, b, before)).unwrap()
                    };
                    assert_eq!(dash(c, Source::Rollup), dash(c, Source::PerCase));
                }
            }
            // Not a comparison of two empty reports.
            assert!(decided > 0);
            let year = Params::parse(Some("2026-01-01"), None, None, today).unwrap();
            let r = report_from(c, Source::Rollup, &Scope::All, &year, t).unwrap();
            let total = &r.total.figures;
            assert!(total.finished >= 9 && total.received >= 11, "{total:?}");
            assert!(total.returned >= 1 && total.open_overdue >= 1, "{total:?}");
            assert!(
                r.groups
                    .iter()
                    .any(|g| g.figures.median_working_days.is_some()),
                "medians from the rolled-up counts"
            );
            Ok::<_, zhengming::error::AppError>(())
        })
        .await
        .unwrap();
}
both_backends!(rollup_equals_the_per_case_figures);
