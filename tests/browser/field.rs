//! The courier outdoors and the supervisor on a phone, at 360 px (issue 17): large
//! targets measured, the township table usable at that width, 督办 from the case page.

use serde_json::{json, Value};

use super::helpers::{accounts, spawn_app};
use super::webdriver::Browser;
use super::{assert_fits_screen, sign_out};
use zhengming::devtools::demo::DEMO_PASSWORD;

/// Height and width (px) of the element, and its font size.
async fn measure(b: &Browser, css: &str) -> (f64, f64, f64) {
    let v: Value = b
        .exec(
            "const e = document.querySelector(arguments[0]); const r = e.getBoundingClientRect();
             return [r.height, r.width, parseFloat(getComputedStyle(e).fontSize)];",
            json!([css]),
        )
        .await;
    let n = |i: usize| v[i].as_f64().unwrap_or_else(|| panic!("{css}: {v}"));
    (n(0), n(1), n(2))
}

async fn sign_in_to(b: &Browser, app: &super::TestApp, phone: &str) -> String {
    b.goto(&app.url("/signin")).await;
    b.fill("#in-phone", phone).await;
    b.fill("#in-password", DEMO_PASSWORD).await;
    b.submit("form.form button[type=submit]").await;
    b.url().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn courier_and_supervisor_work_on_a_phone_at_360px() {
    let app = spawn_app(super::Backend::Sqlite).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let issued = app.issued(&resident, "courier").await;
    let at_office = app.submitted(&resident, "pickup").await;
    let courier_token = app.login_staff("courier", accounts::TOWNSHIP).await;
    let d = app
        .dispatch_ok(&courier_token, &issued["dispatch"], "pick_up", json!({}))
        .await;
    app.dispatch_ok(&courier_token, &d, "out_for_delivery", json!({}))
        .await;
    let tracking = d["tracking_number"].as_str().unwrap().to_owned();
    let mut b = Browser::launch(360, "field-360").await;

    // The courier: call, map and the delivery buttons 56 px high, the address large.
    let phone = app.staff_phone("courier", accounts::TOWNSHIP).await;
    assert!(sign_in_to(&b, &app, &phone).await.ends_with("/courier"));
    for css in [
        format!("#map-{tracking}"),
        format!("#d-{tracking} .tel"),
        format!("#ev-deliver-{tracking}"),
        format!("#ev-fail-{tracking}"),
    ] {
        let (h, w, _) = measure(&b, &css).await;
        assert!(h >= 56.0 && w >= 140.0, "{css}: {w}x{h}");
    }
    let (_, _, font) = measure(&b, &format!("#d-{tracking} .address")).await;
    assert!(font >= 20.0, "address {font}px");
    let href = b
        .exec(
            "return document.querySelector(arguments[0]).href",
            json!([format!("#map-{tracking}")]),
        )
        .await;
    assert!(
        href.as_str()
            .unwrap()
            .starts_with("https://uri.amap.com/search?keyword=%E5%A4%A7"),
        "{href}"
    );
    assert_fits_screen(&b).await;
    b.screenshot("courier").await;
    // A failed attempt recorded on the page, then the list still shows the item.
    b.click(&format!(
        "#reason-{} option[value='not_home']",
        d["id"].as_str().unwrap()
    ))
    .await;
    b.submit(&format!("#ev-fail-{tracking}")).await;
    assert!(b.body().await.contains("投递未成功"));
    sign_out(&b).await;

    // The supervisor lands on the dashboard, not the residents' home.
    let phone = app.staff_phone("supervisor", "222403").await;
    let landed = sign_in_to(&b, &app, &phone).await;
    assert!(landed.ends_with("/supervise"), "{landed}");
    assert_fits_screen(&b).await;
    // The township table scrolls sideways inside its box, the name column staying put;
    // the sort links are large enough to tap.
    let v: Value = b
        .exec(
            "const box = document.querySelector('#townships .scroll');
             box.scrollIntoView();
             const name = box.querySelector('tbody th');
             const before = name.getBoundingClientRect().left;
             box.scrollLeft = 400;
             const after = name.getBoundingClientRect().left;
             const moved = box.scrollLeft;
             const links = Array.from(box.querySelectorAll('th a'), a => a.getBoundingClientRect());
             return [before, after, moved, Math.min(...links.map(r => r.height)),
                     Math.min(...links.map(r => r.width))];",
            json!([]),
        )
        .await;
    assert!(v[2].as_f64().unwrap() > 0.0, "the table scrolls: {v}");
    assert_eq!(v[0], v[1], "the name column stays in place: {v}");
    assert!(
        v[3].as_f64().unwrap() >= 44.0 && v[4].as_f64().unwrap() >= 44.0,
        "{v}"
    );
    b.screenshot("supervise-table-scrolled").await;
    b.exec(
        "document.querySelector('#townships .scroll').scrollLeft = 0; \
         document.querySelector('#townships').scrollIntoView()",
        json!([]),
    )
    .await;
    b.screenshot("supervise-table").await;
    // Sorting is a link (no JavaScript needed) and keeps the place on the page.
    b.submit("#sort-received").await;
    assert!(b.url().await.contains("sort=received"));
    assert!(b.url().await.ends_with("#townships"));

    // 督办 from the case page: an empty note is refused at the field, then it is sent.
    let case_path = format!("/office/{}", at_office["id"].as_str().unwrap());
    b.goto(&app.url(&case_path)).await;
    let (h, _, _) = measure(&b, "#urge-submit").await;
    assert!(h >= 48.0, "urge button {h}px");
    b.submit("#urge-submit").await;
    assert!(b.text("#urge .error").await.contains("督办意见"));
    let focused = b.exec("return document.activeElement.id", json!([])).await;
    assert_eq!(focused, "urge-note", "the eye goes to the field in error");
    b.fill("#urge-note", "已临近时限，请今天内受理").await;
    b.submit("#urge-submit").await;
    assert!(b.body().await.contains("已督办"));
    assert!(b.text("#urges").await.contains("已临近时限，请今天内受理"));
    b.screenshot("urged").await;

    // Care mode keeps 48 px targets on what this page adds.
    b.submit("#care-switch").await;
    let (h, w, font) = measure(&b, "#urge-submit").await;
    assert!(h >= 48.0 && w >= 48.0 && font >= 20.0, "{w}x{h} {font}px");
    b.goto(&app.url("/supervise")).await;
    let v: Value = b
        .exec(
            "return Math.min(...Array.from(document.querySelectorAll('#townships th a, #townships td a'),
                                           a => a.getBoundingClientRect().height))",
            json!([]),
        )
        .await;
    assert!(v.as_f64().unwrap() >= 48.0, "care-mode table links {v}");
    b.submit("#care-switch").await;
}
