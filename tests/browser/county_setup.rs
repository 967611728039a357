//! A county goes live from an empty database (issue 15), at a phone's 360 px: the
//! first admin is made with `zhengming user add --role admin` (the only shell step);
//! everything else happens in the admin pages — the official division codes imported
//! from CSV, the staff imported from CSV, a type's promised limit changed — and then a
//! resident applies and the village official, signing in with the one-time password the
//! import showed, receives the case.

use std::process::Command;

use serde_json::json;

use super::helpers::{self, spawn_app_empty, Backend, TestApp};
use super::webdriver::Browser;
use super::{assert_fits_screen, fixtures, sign_in, sign_out};

const VILLAGE: &str = "222403108200";
const TOWNSHIP: &str = "222403108";

/// `zhengming ARGS` against the running server's database, as an operator runs it.
fn zhengming(app: &TestApp, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_zhengming"))
        .args(args)
        .env("ZHENGMING_DATA_DIR", app.data_dir())
        .env("ZHENGMING_DATABASE_URL", &app.database_url)
        .env("ZHENGMING_LOG", "warn")
        .output()
        .expect("run zhengming");
    assert!(
        out.status.success(),
        "zhengming {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_up_a_county_from_an_empty_database_at_360px() {
    let app = spawn_app_empty(Backend::Sqlite).await;
    let mut b = Browser::launch(360, "county-setup-360").await;
    let admin = helpers::phone();
    zhengming(
        &app,
        &[
            "user",
            "add",
            "--role",
            "admin",
            "--phone",
            &admin,
            "--name",
            "县信息中心",
            "--password",
            "admin-pass-1",
        ],
    );

    // Nothing to apply for yet: no village exists.
    sign_in(&b, &app, &admin, "admin-pass-1").await;
    b.goto(&app.url("/admin/jurisdictions")).await;
    assert!(b.text("#juris-list").await.contains("（0）"));

    // The official codes: a preview first, then applied.
    let csv = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/divisions-2023-pilot.csv");
    b.choose_file("#in-file", &csv).await;
    b.submit("#juris-preview-go").await;
    let preview = b.text("#juris-preview").await;
    assert!(preview.contains("大山嘴子村"), "{preview}");
    assert_fits_screen(&b).await;
    b.screenshot("jurisdictions-preview").await;
    b.submit("#juris-confirm").await;
    assert!(b.body().await.contains("区划代码已导入"));
    let list = b.text("#juris-list").await;
    assert!(
        list.contains("（55）") && list.contains("雁鸣湖镇"),
        "{list}"
    );
    b.screenshot("jurisdictions-imported").await;

    // The staff, pasted as CSV: each gets a one-time password, shown once.
    let (village_phone, township_phone) = (helpers::phone(), helpers::phone());
    b.goto(&app.url("/admin/staff")).await;
    b.fill(
        "#imp-text",
        &format!(
            "role,phone,name,jurisdiction\nofficial,{village_phone},大山嘴子村经办,{VILLAGE}\n\
             official,{township_phone},雁鸣湖镇经办,{TOWNSHIP}\n"
        ),
    )
    .await;
    b.submit("#staff-import-go").await;
    let created = b.text("#staff-created").await;
    assert!(created.contains("大山嘴子村经办"), "{created}");
    let otp: String = b
        .exec(
            "const row = Array.from(document.querySelectorAll('#staff-created tbody tr'))
               .find(r => r.textContent.includes(arguments[0]));
             return row.querySelector('code.otp').textContent",
            json!(["大山嘴子村经办"]),
        )
        .await
        .as_str()
        .unwrap()
        .to_owned();
    assert!(otp.len() >= 8, "{otp}");
    assert_fits_screen(&b).await;
    b.screenshot("staff-imported").await;

    // The county promises a residence certificate in more working days than the release
    // says: a new catalogue version, which the public guide shows.
    b.goto(&app.url("/admin/catalogue/residence")).await;
    let promised: i64 = b.value("#in-promised").await.parse().unwrap();
    let new_days = (promised + 2).to_string();
    b.fill("#in-promised", &new_days).await;
    b.fill("#in-note", "县政务服务中心承诺").await;
    b.submit("#catalogue-save").await;
    assert!(
        b.body().await.contains("已保存为新版本"),
        "{}",
        b.body().await
    );
    b.screenshot("catalogue-saved").await;
    sign_out(&b).await;
    b.goto(&app.url("/guide/residence")).await;
    assert!(
        b.body().await.contains(&format!("{new_days} 个工作日"))
            || b.body().await.contains(&format!("{new_days}个工作日")),
        "{}",
        b.text("main").await
    );

    // A resident registers and applies in the imported village.
    let (phone, id) = (helpers::phone(), helpers::id_number());
    b.goto(&app.url("/register")).await;
    b.fill("#in-name", "李秀兰").await;
    b.fill("#in-phone", &phone).await;
    b.submit("button[value=send_code]").await;
    let code = app
        .sent_code(&phone, "code_register")
        .await
        .expect("a registration code by SMS");
    b.fill("#in-code", &code).await;
    b.fill("#in-id_number", &id).await;
    b.fill("#in-password", "secret-pass-1").await;
    b.fill("#in-password2", "secret-pass-1").await;
    b.submit("form.form button.big").await;
    assert!(b.body().await.contains("注册成功"));
    b.goto(&app.url("/apply/residence")).await;
    b.click(&format!("#in-jurisdiction option[value='{VILLAGE}']"))
        .await;
    b.exec(
        "document.getElementById('in-f_living_since').value = '2010-05-01'",
        json!([]),
    )
    .await;
    b.click("input[name=f_permanent_resident][value=true]")
        .await;
    b.fill("#in-f_purpose", "办理子女入学").await;
    b.fill("#in-f_address", "敦化市雁鸣湖镇大山嘴子村三组12号")
        .await;
    b.click("input[name=delivery][value=pickup]").await;
    b.submit("form.form button.big").await;
    assert!(b.body().await.contains("已保存"), "{}", b.body().await);
    let case_id = b.url().await.rsplit('/').next().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    // Each photo is sent as soon as it is picked.
    for (input, shown) in [
        ("id_card-front", "#slot-id_card-front li.doc"),
        ("lease_or_property", "#doc-lease_or_property li.doc"),
    ] {
        let photo = dir.path().join(format!("{input}.jpg"));
        std::fs::write(&photo, fixtures::jpeg(800, 600)).unwrap();
        b.choose_file(&format!("#file-{input}"), &photo).await;
        b.wait_for(shown, 60).await;
    }
    b.submit("#act-submit").await;
    assert!(b.body().await.contains("申请已提交"));
    sign_out(&b).await;

    // The village official signs in with the one-time password, must choose their own,
    // and finds the case in the queue.
    b.goto(&app.url("/signin")).await;
    b.fill("#in-phone", &village_phone).await;
    b.fill("#in-password", &otp).await;
    b.submit("form.form button[type=submit]").await;
    assert!(b.url().await.contains("/account"), "{}", b.url().await);
    b.fill("#in-current_password", &otp).await;
    b.fill("#in-new_password", "village-pass-9").await;
    b.fill("#in-new_password2", "village-pass-9").await;
    b.submit("form[action='/account/password'] button").await;
    assert!(b.body().await.contains("密码已修改"), "{}", b.body().await);
    b.goto(&app.url("/office")).await;
    assert!(
        b.exec(
            "return !!document.querySelector(\"a[href='/office/\" + arguments[0] + \"']\")",
            json!([case_id])
        )
        .await
            == true,
        "{}",
        b.body().await
    );
    assert_fits_screen(&b).await;
    b.screenshot("official-queue").await;
}
