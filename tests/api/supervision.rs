//! Supervision figures against hand-computed expectations, scoping, CSV, at-risk queue
//! flag, escalation once, holiday calendar administration.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{accounts, has_cjk, page_text, spawn_app, spawn_app_with, Backend, TestApp};
use crate::notify::wait_until;
use crate::scenario::{bj, issued_trail, write, Case};

const COUNTY: &str = "222403";
const RANGE: &str = "from=2026-02-01&to=2026-03-31";

/// Writes the scenario; returns the ids of (D overdue-finished, E open overdue).
async fn scenario(app: &TestApp) -> (String, String) {
    let (_, phone, _) = app.new_resident("测试人").await;
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
                node_started_at: bj("2026-02-01 09:00"),
                node_deadline: bj("2026-02-01 09:00"),
                events,
            };
            // A: same day.
            write(
                c,
                &applicant,
                &here(
                    "T-A",
                    "issued",
                    1,
                    issued_trail("2026-02-10 09:00", "2026-02-10 10:00", "2026-02-10 15:00"),
                ),
            );
            // B: Fri Feb 13 → Sat Feb 14 (调休) → Tue Feb 24 after the festival: 2 days.
            write(
                c,
                &applicant,
                &here(
                    "T-B",
                    "issued",
                    1,
                    issued_trail("2026-02-13 09:00", "2026-02-14 11:00", "2026-02-24 09:00"),
                ),
            );
            // C: returned, resubmitted Mar 2; the clock restarts: 1 day.
            let mut trail = vec![
                ("create", None, "draft", None, bj("2026-02-02 08:50")),
                (
                    "submit",
                    Some("draft"),
                    "submitted",
                    None,
                    bj("2026-02-02 09:00"),
                ),
                (
                    "return",
                    Some("submitted"),
                    "returned",
                    Some(0),
                    bj("2026-02-03 10:00"),
                ),
            ];
            trail.extend(
                issued_trail("2026-03-02 09:00", "2026-03-02 10:00", "2026-03-03 11:00")
                    .into_iter()
                    .skip(1)
                    .map(|e| {
                        if e.0 == "submit" {
                            ("resubmit", Some("returned"), e.2, e.3, e.4)
                        } else {
                            e
                        }
                    }),
            );
            write(c, &applicant, &here("T-C", "issued", 1, trail));
            // D: Thu Feb 12 → Mar 2: 8 working days, promised 3: overdue.
            let d = write(
                c,
                &applicant,
                &here(
                    "T-D",
                    "issued",
                    1,
                    issued_trail("2026-02-12 09:00", "2026-02-13 09:00", "2026-03-02 09:00"),
                ),
            );
            // E: open at step 0, due end of Feb 25: overdue.
            let e = write(
                c,
                &applicant,
                &Case {
                    node_started_at: bj("2026-02-24 09:00"),
                    node_deadline: bj("2026-02-25 23:59"),
                    ..here(
                        "T-E",
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
            // F: another county's township, same day.
            write(
                c,
                &applicant,
                &Case {
                    township: accounts::OTHER_TOWNSHIP,
                    village: accounts::OTHER_TOWNSHIP_VILLAGE,
                    county: "220421",
                    ..here(
                        "T-F",
                        "issued",
                        1,
                        issued_trail("2026-02-10 09:00", "2026-02-10 10:00", "2026-02-10 11:00"),
                    )
                },
            );
            Ok::<_, zhengming::error::AppError>((d, e))
        })
        .await
        .expect("scenario")
}

fn group<'a>(body: &'a Value, key: &str) -> &'a Value {
    body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == key)
        .unwrap_or_else(|| panic!("no group {key}: {body}"))
}

async fn figures_match_hand_computation(backend: Backend) {
    let app = spawn_app(backend).await;
    let (d, e) = scenario(&app).await;
    let county = app.login_staff("supervisor", COUNTY).await;
    let r = app
        .get(
            &format!("/api/v1/stats?{RANGE}&group_by=township"),
            Some(&county),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let g = group(&r.body, accounts::TOWNSHIP);
    assert_eq!(g["label"], "雁鸣湖镇");
    assert_eq!(g["received"], 5);
    assert_eq!(g["finished"], 4);
    assert_eq!(g["issued"], 4);
    assert_eq!(g["avg_working_days"], 2.75); // (0 + 2 + 1 + 8) / 4
    assert_eq!(g["median_working_days"], 1.5);
    assert_eq!(g["same_day"], 1);
    assert_eq!(g["same_day_rate"], 0.25);
    assert_eq!(g["on_time"], 3);
    assert_eq!(g["on_time_rate"], 0.75);
    assert_eq!(g["overdue_finished"], 1);
    assert_eq!(g["open_overdue"], 1);
    assert_eq!(g["open_at_risk"], 0);
    assert_eq!(g["returned"], 1);
    assert_eq!(g["returned_rate"], 0.2);
    // Node 0: A 0, B 1, C 0, D 1; node 1: A 0, B 1, C 1, D 7.
    assert_eq!(g["nodes"][0]["avg_working_days"], 0.5);
    assert_eq!(g["nodes"][1]["avg_working_days"], 2.25);
    assert_eq!(
        r.body["total"]["received"], 5,
        "the county sees only its own"
    );

    // Click-through: the numbers' cases.
    let link = g["cases"]["overdue_finished"].as_str().unwrap().to_owned();
    let l = app.get(&link, Some(&county)).await;
    assert_eq!(l.status, 200, "{}", l.body);
    assert_eq!(l.body["total"], 1);
    assert_eq!(l.body["items"][0]["id"], d.as_str());
    assert_eq!(l.body["items"][0]["number"], "T-D");
    let l = app
        .get(
            &format!("/api/v1/stats/cases?metric=open_overdue&{RANGE}"),
            Some(&county),
        )
        .await;
    assert_eq!(l.body["items"][0]["id"], e.as_str());
    let trail = app
        .get(l.body["items"][0]["url"].as_str().unwrap(), Some(&county))
        .await;
    assert_eq!(
        trail.status, 200,
        "the link opens the case's trail: {}",
        trail.body
    );

    // By type: everything is residence.
    let r = app
        .get(
            &format!("/api/v1/stats?{RANGE}&group_by=type"),
            Some(&county),
        )
        .await;
    assert_eq!(group(&r.body, "residence")["finished"], 4);

    // Admin sees both counties.
    let admin = app
        .login("13900000001", zhengming::devtools::demo::DEMO_PASSWORD)
        .await;
    let r = app
        .get(&format!("/api/v1/stats?{RANGE}"), Some(&admin))
        .await;
    assert_eq!(r.body["total"]["received"], 6);
    assert_eq!(r.body["total"]["same_day"], 2);

    // Bad input: clear 422s; officials may not read figures.
    app.get("/api/v1/stats?from=2026-13-01", Some(&county))
        .await
        .field_error("from");
    app.get("/api/v1/stats?group_by=moon", Some(&county))
        .await
        .field_error("group_by");
    app.get("/api/v1/stats?from=2026-03-01&to=2026-02-01", Some(&county))
        .await
        .field_error("to");
    app.get("/api/v1/stats/cases?metric=nope", Some(&county))
        .await
        .field_error("metric");
    let official = app.login_staff("official", accounts::TOWNSHIP).await;
    app.get("/api/v1/stats", Some(&official))
        .await
        .error(403, "forbidden");
}
both_backends!(figures_match_hand_computation);

/// The dashboard sums townships and types in one pass: each grouping must equal what the
/// single-grouping figures (the API's) say.
async fn one_pass_dashboard_matches_the_single_groupings(backend: Backend) {
    use zhengming::auth::Scope;
    use zhengming::domain::role::Level;
    use zhengming::stats::report::{computed, computed_two, dashboard, Params};
    use zhengming::stats::GroupBy;
    let app = spawn_app(backend).await;
    scenario(&app).await;
    app.app_db
        .read(|c| {
            let now = zhengming::db::models::now();
            let p =
                Params::parse(Some("2026-02-01"), Some("2026-03-31"), None, now.date()).unwrap();
            let w = p.window(c, now).unwrap();
            let scope = Scope::Area(Level::County, COUNTY.to_owned());
            let (towns, types) =
                computed_two(c, &scope, (GroupBy::Township, GroupBy::Type), &w, true).unwrap();
            let t1 = computed(c, &scope, GroupBy::Township, &w).unwrap();
            let t2 = computed(c, &scope, GroupBy::Type, &w).unwrap();
            assert!(!types.groups.is_empty() && towns.total.finished > 0);
            assert_eq!(towns.groups, t1.groups);
            assert_eq!(towns.total, t1.total);
            assert_eq!(types.groups, t2.groups);
            assert_eq!(types.total, t2.total);
            // The previous period is summed as totals only; for the same window they
            // must be the grouped figures' totals.
            let (cur, _, before, _) = dashboard(c, &scope, &w, &w).unwrap();
            assert_eq!(cur.groups, t1.groups);
            assert_eq!(before.total, t1.total);
            Ok::<_, zhengming::error::AppError>(())
        })
        .await
        .unwrap();
}
both_backends!(one_pass_dashboard_matches_the_single_groupings);

async fn township_supervisor_sees_only_the_township(backend: Backend) {
    let app = spawn_app(backend).await;
    scenario(&app).await;
    let mine = app
        .add_staff("supervisor", accounts::TOWNSHIP, "乡镇监察")
        .await;
    let other = app
        .add_staff("supervisor", accounts::OTHER_TOWNSHIP, "东丰镇监察")
        .await;
    let r = app
        .get(
            &format!("/api/v1/stats?{RANGE}&group_by=village"),
            Some(&mine),
        )
        .await;
    assert_eq!(r.body["total"]["received"], 5);
    assert_eq!(r.body["groups"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["groups"][0]["key"], accounts::VILLAGE);
    let r = app
        .get(&format!("/api/v1/stats?{RANGE}"), Some(&other))
        .await;
    assert_eq!(r.body["total"]["received"], 1);
    assert_eq!(r.body["groups"][0]["key"], accounts::OTHER_TOWNSHIP);
    let l = app
        .get(
            &format!("/api/v1/stats/cases?metric=received&{RANGE}"),
            Some(&other),
        )
        .await;
    assert_eq!(l.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(l.body["items"][0]["number"], "T-F");
}
both_backends!(township_supervisor_sees_only_the_township);

async fn csv_export_has_bom_and_columns(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, e) = scenario(&app).await;
    let county = app.login_staff("supervisor", COUNTY).await;
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/stats?{RANGE}&format=csv")))
        .bearer_auth(&county)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(resp.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("分组 key,名称 label,受理 received,办结 finished"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[0].split(',').count(), 15);
    assert!(
        lines[1].starts_with("222403108,雁鸣湖镇,5,4,4,2.75,1.5,"),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with(",合计 total,5,"), "{}", lines[2]);

    // The dashboard page renders with the charts and the overdue case linked.
    let page = app
        .client
        .get(app.url("/supervise?from=2026-02-01&to=2026-03-31"))
        .bearer_auth(&county)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("<svg") && html.contains("class=\"bar on-time\""),
        "{html}"
    );
    // Linked to the case's page with its trail (minijinja escapes `/` in attributes as
    // `&#x2f;`), which the supervisor may open read-only.
    assert!(
        html.contains("T-E") && html.contains(&format!("office&#x2f;{e}")),
        "{html}"
    );
    assert!(html.contains("75.0%"), "on-time rate shown");
    let case = app
        .client
        .get(app.url(&format!("/office/{e}")))
        .bearer_auth(&county)
        .send()
        .await
        .unwrap();
    assert_eq!(case.status(), 200);
    let case = case.text().await.unwrap();
    assert!(
        case.contains("T-E") && !case.contains("id=\"act-"),
        "{case}"
    );

    // Signed out, the dashboard sends the browser to sign in and back.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/supervise"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let to = r.headers()["location"].to_str().unwrap();
    assert!(to.starts_with("/signin"), "{to}");
}
both_backends!(csv_export_has_bom_and_columns);

/// The part of `html` from `start` to the next `end`.
fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let i = html
        .find(start)
        .unwrap_or_else(|| panic!("no {start}: {html}"));
    let rest = &html[i..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// The dashboard is a page like the others: the shared layout, and every text in the
/// reader's language (the township names stay Chinese: they have no English names).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervise_page_speaks_chinese_and_english() {
    let app = spawn_app(Backend::Sqlite).await;
    scenario(&app).await;
    let county = app.login_staff("supervisor", COUNTY).await;
    let get = |header: Option<(&'static str, &'static str)>| {
        let mut req = app
            .client
            .get(app.url(&format!("/supervise?{RANGE}")))
            .bearer_auth(&county);
        if let Some((k, v)) = header {
            req = req.header(k, v);
        }
        async move {
            let r = req.send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.text().await.unwrap()
        }
    };
    let labels_zh = [
        "受理件数",
        "办结件数",
        "平均办理工作日",
        "当日办结率",
        "按时办结率",
        "在办超期",
    ];
    let labels_en = [
        "Received",
        "Finished",
        "Average working days",
        "Same-day rate",
        "On-time rate",
        "Open overdue",
    ];

    for header in [
        ("Accept-Language", "en-US,en;q=0.9"),
        ("Cookie", "zm_lang=en"),
    ] {
        let html = get(Some(header)).await;
        // The shared layout: its stylesheet and nav, no page-local styles.
        assert!(html.contains("<html lang=\"en\""), "{header:?}: {html}");
        assert!(html.contains("app.css?v=") && !html.contains("<style"));
        assert!(html.contains(">Supervision</a>"), "nav link: {html}");
        let headline = between(&html, "id=\"headline\"", "</ul>");
        for label in labels_en {
            assert!(
                headline.contains(label),
                "{header:?}: {label} in {headline}"
            );
        }
        assert!(!has_cjk(headline), "{header:?}: Chinese in {headline}");
        // Counts had a previous period (zero), rates had none.
        assert!(headline.contains("+5.0 vs previous period"), "{headline}");
        assert!(headline.contains("No data for the previous period"));
        assert!(headline.contains("75.0%"), "on-time rate shown");
        // English dates, type names and chart words.
        assert!(html.contains("1 Feb 2026 to 31 Mar 2026"), "{html}");
        assert!(html.contains("Certificate of residence"), "{html}");
        assert!(
            html.contains("On time ") && html.contains(">Late<"),
            "{html}"
        );
        assert!(html.contains("<svg") && html.contains("class=\"bar on-time\""));
        assert!(html.contains("Open overdue cases (1)") && html.contains("T-E"));
        // No Chinese anywhere but the data that has none in English (the township's
        // name, the supervisor's name) and the switch to Chinese.
        let who = between(&html, "<p class=\"who\">", "</p>");
        let text = page_text(&html.replacen(who, "", 1))
            .replace("雁鸣湖镇", "")
            .replacen("中文", "", 1);
        let chinese: Vec<&str> = text.lines().filter(|l| has_cjk(l)).collect();
        assert!(
            chinese.is_empty(),
            "{header:?}: Chinese on the English page: {chinese:?}"
        );
    }

    for header in [None, Some(("Accept-Language", "zh-CN,zh;q=0.9"))] {
        let html = get(header).await;
        assert!(html.contains("<html lang=\"zh-CN\""), "{header:?}");
        let headline = between(&html, "id=\"headline\"", "</ul>");
        for label in labels_zh {
            assert!(
                headline.contains(label),
                "{header:?}: {label} in {headline}"
            );
        }
        for label in labels_en {
            assert!(
                !headline.contains(label),
                "{header:?}: {label} in {headline}"
            );
        }
        assert!(headline.contains("+5.0 较上期") && headline.contains("上期无数据"));
        assert!(html.contains("2026年2月1日 至 2026年3月31日"), "{html}");
        assert!(html.contains("居住证明") && !html.contains("Certificate of residence"));
        assert!(html.contains("在办超期件（1）") && html.contains(">合计<"));
    }
}

/// The escalation rows and the escalation SMS in the outbox: (application id, recipient).
async fn escalations_and_messages(app: &TestApp) -> (Vec<String>, Vec<(Option<String>, String)>) {
    app.app_db
        .read(|c| {
            use diesel::prelude::*;
            use zhengming::db::schema::{escalations, notifications};
            let rows = escalations::table
                .select(escalations::application_id)
                .load::<String>(c)?;
            let sms = notifications::table
                .filter(notifications::template_code.eq(zhengming::notify::outbox::ESCALATED))
                .select((notifications::application_id, notifications::recipient))
                .load::<(Option<String>, String)>(c)?;
            Ok::<_, zhengming::db::DbError>((rows, sms))
        })
        .await
        .unwrap()
}

async fn escalation_fires_once_and_queue_flags_at_risk(backend: Backend) {
    // No worker: this test drives the escalation itself.
    let app = spawn_app_with(backend, |s| s.worker_in_serve = false).await;
    let (_, e) = scenario(&app).await;
    let t = zhengming::db::models::now();
    let first = app
        .app_db
        .with_writer(move |c| zhengming::workflow::escalate::escalate_due(c, t))
        .await
        .unwrap();
    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].application_id, e);
    assert_eq!(first[0].township_code, accounts::TOWNSHIP);
    assert!(
        !first[0].supervisor_ids.is_empty(),
        "the county supervisor is told"
    );
    let again = app
        .app_db
        .with_writer(move |c| zhengming::workflow::escalate::escalate_due(c, t))
        .await
        .unwrap();
    assert!(again.is_empty(), "fires once: {again:?}");
    let (rows, sms) = escalations_and_messages(&app).await;
    assert_eq!(rows, vec![e.clone()], "one escalation row");
    assert_eq!(
        sms.len(),
        1,
        "one SMS to the one county supervisor: {sms:?}"
    );
    assert_eq!(sms[0].0.as_deref(), Some(e.as_str()));
    assert_eq!(first[0].notification_ids.len(), 1);
    let sup = app.login_staff("supervisor", COUNTY).await;
    let list = app.get("/api/v1/escalations", Some(&sup)).await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(list.body["items"][0]["number"], "T-E");
    let other = app
        .add_staff("supervisor", accounts::OTHER_TOWNSHIP, "东丰镇监察")
        .await;
    let list = app.get("/api/v1/escalations", Some(&other)).await;
    assert!(list.body["items"].as_array().unwrap().is_empty());

    // A fresh submission is due within a working day or two; the queue flags overdue
    // cases, and at_risk=true lists only open cases not yet overdue.
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let q = app
        .get("/api/v1/applications?limit=100", Some(&village))
        .await;
    let row = q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["number"] == "T-E")
        .cloned()
        .unwrap();
    assert_eq!(row["overdue"], true);
    assert_eq!(row["at_risk"], false);
    let q = app
        .get("/api/v1/applications?at_risk=true", Some(&village))
        .await;
    assert_eq!(q.status, 200, "{}", q.body);
    assert!(q.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["at_risk"] == true && a["overdue"] == false));
}
both_backends!(escalation_fires_once_and_queue_flags_at_risk);

/// The worker escalates by itself, every tick, and still only once per case; the SMS
/// is sent through the outbox.
async fn worker_escalates_once_and_sends_the_sms(backend: Backend) {
    let app = spawn_app_with(backend, |s| s.escalation_interval_secs = 1).await;
    let (_, e) = scenario(&app).await;
    let db = app.app_db.clone();
    wait_until(30, "the escalation SMS sent", || {
        let db = db.clone();
        async move {
            db.read(|c| {
                use diesel::prelude::*;
                use zhengming::db::schema::notifications as n;
                Ok::<_, zhengming::db::DbError>(
                    n::table
                        .filter(n::template_code.eq(zhengming::notify::outbox::ESCALATED))
                        .filter(n::status.eq("sent"))
                        .count()
                        .get_result::<i64>(c)?,
                )
            })
            .await
            .is_ok_and(|n| n > 0)
        }
    })
    .await;
    // Several more ticks change nothing.
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let (rows, sms) = escalations_and_messages(&app).await;
    assert_eq!(rows, vec![e.clone()]);
    assert_eq!(sms.len(), 1, "{sms:?}");
    let supervisor_phone = app
        .app_db
        .read(|c| {
            use diesel::prelude::*;
            use zhengming::db::schema::users;
            Ok::<_, zhengming::db::DbError>(
                users::table
                    .filter(users::role.eq("supervisor"))
                    .filter(users::jurisdiction_code.eq(COUNTY))
                    .select(users::phone)
                    .first::<String>(c)?,
            )
        })
        .await
        .unwrap();
    assert_eq!(sms[0].1, supervisor_phone);
}
both_backends!(worker_escalates_once_and_sends_the_sms);

async fn admins_add_a_holiday_year(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app
        .login("13900000001", zhengming::devtools::demo::DEMO_PASSWORD)
        .await;
    let year = app.get("/api/v1/holidays?year=2026", None).await;
    assert_eq!(year.body["items"].as_array().unwrap().len(), 39);
    assert_eq!(
        app.get("/api/v1/holidays?year=2027", None).await.body["covered"],
        false
    );
    let rows = json!([
        {"date": "2027-01-01", "kind": "off", "note": "元旦", "source": "国办发明电〔2026〕1号"},
        {"date": "2027-02-06", "kind": "workday", "note": "春节调休上班", "source": "国办发明电〔2026〕1号"}
    ]);
    let official = app.login_staff("official", accounts::TOWNSHIP).await;
    app.post("/api/v1/admin/holidays", Some(&official), rows.clone())
        .await
        .error(403, "forbidden");
    let bad = json!([{"date": "2027-01-01", "kind": "off", "note": "元旦", "source": "x"},
                     {"date": "2027-01-01", "kind": "off", "note": "元旦", "source": "x"}]);
    app.post("/api/v1/admin/holidays", Some(&admin), bad)
        .await
        .field_error("rows[1].date");
    assert_eq!(
        app.get("/api/v1/holidays?year=2027", None).await.body["covered"],
        false,
        "nothing stored"
    );
    let r = app
        .post("/api/v1/admin/holidays", Some(&admin), rows.clone())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["added"], 2);
    let y = app.get("/api/v1/holidays?year=2027", None).await;
    assert_eq!(y.body["covered"], true);
    assert_eq!(y.body["items"][1]["kind"], "workday");
    let again = app.post("/api/v1/admin/holidays", Some(&admin), rows).await;
    assert!(again.field_error("rows[0].date").contains("已存在"));
}
both_backends!(admins_add_a_holiday_year);
