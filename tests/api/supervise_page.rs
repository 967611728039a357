//! The supervisor's dashboard as a page (issue 17): the township table sorts on the
//! server (`?sort=`), late townships are marked, every number opens its cases (scoped
//! like the figures), and the at-risk cases have a list.

use chrono::{Days, TimeDelta};

use crate::both_backends;
use crate::helpers::{accounts, spawn_app, Backend, TestApp};
use crate::scenario::{issued_trail, write, Case};

/// Beijing time `days` ago at 09:00, as `issued_trail` takes it.
fn days_ago(days: u64, hour: u32) -> String {
    let d = (chrono::Utc::now() + TimeDelta::hours(8)).date_naive() - Days::new(days);
    format!("{d} {hour:02}:00")
}

/// In the township: one open overdue case (S-LATE) and one due within hours (S-SOON);
/// in the other township: three issued cases. Returns the query's date range.
async fn scenario(app: &TestApp) -> String {
    let (_, phone, _) = app.new_resident("测试人").await;
    app.app_db
        .write(move |c| {
            let applicant = zhengming::db::users::by_phone(c, &phone)?.unwrap().id;
            let now = chrono::Utc::now().naive_utc();
            let open = |number, deadline| Case {
                number,
                township: accounts::TOWNSHIP,
                village: accounts::VILLAGE,
                county: "222403",
                status: "submitted",
                current_step: 0,
                node_started_at: now - TimeDelta::days(3),
                node_deadline: deadline,
                events: vec![
                    ("create", None, "draft", None, now - TimeDelta::days(3)),
                    (
                        "submit",
                        Some("draft"),
                        "submitted",
                        None,
                        now - TimeDelta::days(3) + TimeDelta::minutes(5),
                    ),
                ],
            };
            write(c, &applicant, &open("S-LATE", now - TimeDelta::days(1)));
            write(c, &applicant, &open("S-SOON", now + TimeDelta::hours(1)));
            for (n, ago) in [("S-O1", 20), ("S-O2", 21), ("S-O3", 22)] {
                let (a, b, d) = (days_ago(ago, 9), days_ago(ago, 10), days_ago(ago, 11));
                write(
                    c,
                    &applicant,
                    &Case {
                        number: n,
                        township: accounts::OTHER_TOWNSHIP,
                        village: accounts::OTHER_TOWNSHIP_VILLAGE,
                        county: "220421",
                        status: "issued",
                        current_step: 1,
                        node_started_at: now,
                        node_deadline: now,
                        events: issued_trail(&a, &b, &d),
                    },
                );
            }
            Ok::<_, zhengming::error::AppError>(())
        })
        .await
        .expect("scenario");
    let today = (chrono::Utc::now() + TimeDelta::hours(8)).date_naive();
    format!("from={}&to={today}", today - Days::new(60))
}

fn html(r: &crate::helpers::Resp) -> String {
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
        .as_str()
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&amp;", "&")
}

/// The township codes in the order their rows come in the table.
fn row_order(page: &str) -> Vec<&'static str> {
    let table = page
        .split("<tbody>")
        .nth(1)
        .unwrap()
        .split("</tbody>")
        .next()
        .unwrap();
    let mut found: Vec<(usize, &'static str)> = [accounts::TOWNSHIP, accounts::OTHER_TOWNSHIP]
        .into_iter()
        .filter_map(|code| table.find(&format!("group={code}")).map(|i| (i, code)))
        .collect();
    found.sort();
    found.into_iter().map(|(_, c)| c).collect()
}

async fn the_township_table_sorts_marks_late_townships_and_opens_its_cases(backend: Backend) {
    let app = spawn_app(backend).await;
    let range = scenario(&app).await;
    let admin = app.admin_token().await;
    let get = |q: String| {
        let (app, admin) = (&app, admin.clone());
        async move { html(&app.get(&format!("/supervise?{q}"), Some(&admin)).await) }
    };

    // Default: most overdue first; by received (3 against 2); reversed.
    let page = get(range.clone()).await;
    assert_eq!(
        row_order(&page),
        [accounts::TOWNSHIP, accounts::OTHER_TOWNSHIP]
    );
    let page = get(format!("{range}&sort=received")).await;
    assert_eq!(
        row_order(&page),
        [accounts::OTHER_TOWNSHIP, accounts::TOWNSHIP]
    );
    assert!(page.contains("aria-sort=\"descending\""), "{page}");
    // The header links to the reverse order, keeping the dates.
    assert!(
        page.contains(&format!(
            "{range}&sort=-received#townships\" id=\"sort-received\""
        )),
        "{page}"
    );
    let page = get(format!("{range}&sort=-received")).await;
    assert_eq!(
        row_order(&page),
        [accounts::TOWNSHIP, accounts::OTHER_TOWNSHIP]
    );
    // A hand-typed sort that means nothing still shows the table.
    let page = get(format!("{range}&sort=%27;drop")).await;
    assert_eq!(
        row_order(&page),
        [accounts::TOWNSHIP, accounts::OTHER_TOWNSHIP]
    );

    // The township with an open overdue case is marked, the other is not.
    let row = |page: &str, code: &str| -> String {
        let i = page.find(&format!("group={code}")).unwrap();
        let start = page[..i].rfind("<tr").unwrap();
        page[start..i].to_owned()
    };
    assert!(row(&page, accounts::TOWNSHIP).contains("late"), "{page}");
    assert!(!row(&page, accounts::OTHER_TOWNSHIP).contains("late"));

    // The at-risk list names the case due within hours, not the overdue one.
    let at_risk = page.split("id=\"at-risk\"").nth(1).unwrap();
    let at_risk = at_risk.split("</section>").next().unwrap();
    assert!(
        at_risk.contains("S-SOON") && !at_risk.contains("S-LATE"),
        "{at_risk}"
    );

    // Each number opens its cases.
    let list = |who: String, q: String| {
        let app = &app;
        async move { html(&app.get(&format!("/supervise/cases?{q}"), Some(&who)).await) }
    };
    let t = accounts::TOWNSHIP;
    let l = list(
        admin.clone(),
        format!("metric=open_overdue&{range}&group={t}"),
    )
    .await;
    assert!(l.contains("S-LATE") && !l.contains("S-SOON"), "{l}");
    let l = list(
        admin.clone(),
        format!("metric=received&{range}&group={}", accounts::OTHER_TOWNSHIP),
    )
    .await;
    assert!(
        ["S-O1", "S-O2", "S-O3"].iter().all(|n| l.contains(n)),
        "{l}"
    );
    assert!(l.contains("/office/"), "each case links to its page: {l}");
    // Scoped: a county supervisor of the first county sees none of the other's cases.
    let county = app.login_staff("supervisor", "222403").await;
    let l = list(
        county.clone(),
        format!("metric=received&{range}&group={}", accounts::OTHER_TOWNSHIP),
    )
    .await;
    assert!(!l.contains("S-O1"), "{l}");
    let l = list(county.clone(), format!("metric=received&{range}")).await;
    assert!(l.contains("S-LATE") && !l.contains("S-O1"), "{l}");
    // A missing metric: a clear error page, not a 500.
    let r = app
        .get(&format!("/supervise/cases?{range}"), Some(&county))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r
        .body
        .as_str()
        .unwrap()
        .contains("请从监察页的数字进入案件清单"));
}
both_backends!(the_township_table_sorts_marks_late_townships_and_opens_its_cases);
