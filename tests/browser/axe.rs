//! axe-core (Deque's accessibility engine, MPL-2.0, vendored unmodified under
//! tests/fixtures/axe-core/) injected into every kind of page at a phone's 360 px, in
//! the normal mode and in 长辈版 (care mode): no serious or critical violation. Each
//! page is also kept as a screenshot in test-artifacts/.

use serde_json::{json, Value};

use super::helpers::{accounts, spawn_app, Backend, TestApp};
use super::webdriver::Browser;
use super::{sign_in, sign_out};
use zhengming::devtools::demo::DEMO_PASSWORD;

const AXE: &str = include_str!("../fixtures/axe-core/axe.min.js");

/// Runs axe on the page as it is; returns "page: rule (impact) ×n: first target" for
/// every serious or critical violation.
async fn violations(b: &Browser, name: &str) -> Vec<String> {
    // Sent as the script itself (not eval'd), so the page's CSP does not stop it.
    let script = format!(
        "{AXE}\n;const done = arguments[arguments.length - 1];
         axe.run(document, {{resultTypes: ['violations']}})
           .then(r => done(r.violations
             .filter(v => v.impact === 'serious' || v.impact === 'critical')
             .map(v => v.id + ' (' + v.impact + ') ×' + v.nodes.length + ': ' +
                  v.nodes[0].target.join(' ') + ' — ' + v.nodes[0].failureSummary.slice(0, 200))))
           .catch(e => done(['axe failed: ' + e]));"
    );
    let found: Value = b.exec_async(&script, json!([])).await;
    found
        .as_array()
        .unwrap_or_else(|| panic!("axe on {name}: {found}"))
        .iter()
        .map(|v| format!("{name}: {}", v.as_str().unwrap_or_default()))
        .collect()
}

/// Checks the page at `path` in both modes, with a screenshot of each.
async fn check(b: &mut Browser, app: &TestApp, path: &str, name: &str, out: &mut Vec<String>) {
    b.goto(&app.url(path)).await;
    out.extend(violations(b, name).await);
    b.screenshot(name).await;
    b.submit("#care-switch").await;
    let care = b
        .exec("return document.documentElement.className", json!([]))
        .await;
    assert_eq!(care, "care", "care mode on {name}");
    let care_name = format!("{name}-care");
    out.extend(violations(b, &care_name).await);
    b.screenshot(&care_name).await;
    b.submit("#care-switch").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_serious_accessibility_violation_on_any_page_in_either_mode() {
    let app = spawn_app(Backend::Sqlite).await;
    // A case at the office, and one out for delivery (for the courier's list).
    let (resident, phone, _) = app.new_resident("王小明").await;
    let at_office = app.submitted(&resident, "pickup").await;
    let issued = app.issued(&resident, "courier").await;
    let courier_token = app.login_staff("courier", accounts::TOWNSHIP).await;
    app.dispatch_ok(&courier_token, &issued["dispatch"], "pick_up", json!({}))
        .await;
    let office_case = at_office["id"].as_str().unwrap().to_owned();
    // The supervisor urges it, so the note shows on the office's page.
    let supervisor_token = app.login_staff("supervisor", "222403").await;
    let r = app
        .post(
            &format!("/api/v1/applications/{office_case}/urge"),
            Some(&supervisor_token),
            json!({"note": "请今天内受理"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let mut b = Browser::launch(360, "axe-360").await;
    let mut found = Vec::new();
    for (path, name) in [
        ("/", "home"),
        ("/guide/dibao", "guide"),
        ("/signin", "signin"),
        ("/register", "register"),
        ("/track", "track"),
    ] {
        check(&mut b, &app, path, name, &mut found).await;
    }

    sign_in(&b, &app, &phone, "secret-pass-1").await;
    let my_case = format!("/my/{}", issued["id"].as_str().unwrap());
    for (path, name) in [
        ("/apply/dibao", "apply"),
        ("/my", "my"),
        ("/my/certificates", "wallet"),
        (my_case.as_str(), "case"),
        ("/account", "account"),
    ] {
        check(&mut b, &app, path, name, &mut found).await;
    }
    sign_out(&b).await;

    let staff = |role: &'static str, place: &'static str| {
        let app = &app;
        async move { app.staff_phone(role, place).await }
    };
    sign_in(
        &b,
        &app,
        &staff("official", accounts::VILLAGE).await,
        DEMO_PASSWORD,
    )
    .await;
    let office_path = format!("/office/{office_case}");
    check(&mut b, &app, "/office", "office", &mut found).await;
    check(&mut b, &app, &office_path, "office-case", &mut found).await;
    sign_out(&b).await;

    sign_in(
        &b,
        &app,
        &staff("courier", accounts::TOWNSHIP).await,
        DEMO_PASSWORD,
    )
    .await;
    check(&mut b, &app, "/courier", "courier", &mut found).await;
    sign_out(&b).await;

    sign_in(
        &b,
        &app,
        &staff("supervisor", "222403").await,
        DEMO_PASSWORD,
    )
    .await;
    check(&mut b, &app, "/supervise", "supervise", &mut found).await;
    check(
        &mut b,
        &app,
        "/supervise/cases?metric=received",
        "supervise-cases",
        &mut found,
    )
    .await;
    check(&mut b, &app, &office_path, "supervise-case", &mut found).await;
    sign_out(&b).await;

    sign_in(&b, &app, &app.admin_phone().await, DEMO_PASSWORD).await;
    for (path, name) in [
        ("/admin", "admin"),
        ("/admin/staff", "admin-staff"),
        ("/admin/holidays", "admin-holidays"),
        ("/admin/audit", "admin-audit"),
    ] {
        check(&mut b, &app, path, name, &mut found).await;
    }

    assert!(
        found.is_empty(),
        "serious or critical accessibility violations:\n{}",
        found.join("\n")
    );
}
