//! 秒批 at a phone's 360 px (issue 16): a resident on the county's 低保 roster applies for
//! 享受低保待遇证明 through the pages without knowing their 低保证号, and the certificate
//! is there the moment they submit — no official acts; the case page says the roster
//! confirmed it. The supervisor's dashboard counts the case as instant.

use zhengming::devtools::demo::DEMO_PASSWORD;

use super::helpers::{accounts, spawn_app, Backend};
use super::webdriver::Browser;
use super::{assert_fits_screen, fetch_link, fixtures, sign_in, sign_out};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_on_the_roster_gets_the_certificate_at_once_at_360px() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut b = Browser::launch(360, "instant-360").await;
    let (_, phone, id) = app.new_resident("张低保").await;

    // The county's civil affairs bureau roster, imported by the admin.
    let admin = app.admin_token().await;
    let today = zhengming::domain::calendar::china_date(chrono::Utc::now()).to_string();
    let csv = format!(
        "name,id_number,dibao_number,category,people,monthly_amount,since\n\
         张低保,{id},DB20240007,rural_full,3,620.5,2024-05-01\n"
    );
    let r = app
        .client
        .post(app.url(&format!(
            "/api/v1/admin/rosters?kind=dibao&source=敦化市民政局&as_of={today}&county=222403"
        )))
        .bearer_auth(&admin)
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);

    // Only the purpose typed: the roster fills in the rest.
    sign_in(&b, &app, &phone, "secret-pass-1").await;
    b.goto(&app.url("/apply/dibao")).await;
    b.click(&format!(
        "#in-jurisdiction option[value='{}']",
        accounts::VILLAGE
    ))
    .await;
    b.fill("#in-f_purpose", "办理子女学费减免").await;
    b.click("input[name=delivery][value=pickup]").await;
    assert_fits_screen(&b).await;
    b.screenshot("apply-listed").await;
    b.submit("form.form button.big").await;
    assert!(b.body().await.contains("已保存"), "{}", b.body().await);
    let case_url = b.url().await;
    let page = b.body().await;
    assert!(page.contains("DB20240007"), "the 低保证号 from the roster");
    assert!(
        b.text("#doc-household_register .roster-proves")
            .await
            .contains("可不上传"),
        "the household register the roster proves need not be uploaded"
    );
    let dir = tempfile::tempdir().unwrap();
    for side in ["front", "back"] {
        let photo = dir.path().join(format!("id_card-{side}.jpg"));
        std::fs::write(&photo, fixtures::jpeg(800, 600)).unwrap();
        b.choose_file(&format!("#file-id_card-{side}"), &photo)
            .await;
        b.wait_for(&format!("#slot-id_card-{side} li.doc"), 60)
            .await;
    }

    // Submitted and issued in the same request: the PDF is there at once.
    b.submit("#act-submit").await;
    assert!(
        b.text(".status").await.contains("已出证") || b.body().await.contains("已办结"),
        "{}",
        b.text(".status").await
    );
    let pdf = fetch_link(&b, "download-pdf").await;
    assert_eq!(pdf["status"], 200, "{pdf}");
    assert_eq!(pdf["head"], "%PDF-");
    let timeline = b.text(".timeline").await;
    assert!(
        timeline.contains("敦化市民政局"),
        "the roster is cited: {timeline}"
    );
    assert_fits_screen(&b).await;
    b.screenshot("issued-at-once").await;
    sign_out(&b).await;
    let _ = case_url;

    // The supervisor's dashboard counts it as instant.
    let supervisor = app.staff_phone("supervisor", "222403").await;
    sign_in(&b, &app, &supervisor, DEMO_PASSWORD).await;
    b.goto(&app.url("/supervise")).await;
    let summary = b.text("#instant-summary").await;
    assert!(summary.contains("秒批 1 件"), "{summary}");
    assert_eq!(b.text("tr.total td.instant").await, "1");
    assert_fits_screen(&b).await;
    b.screenshot("dashboard-instant").await;
}
