//! Browser tests: the pages in headless Chromium against the real server, at a phone's
//! 360 px and a desktop's 1280 px width. Screenshots go to test-artifacts/.

mod agent;
mod axe;
mod care;
mod county_setup;
mod field;
#[path = "../api/fixtures.rs"]
#[allow(dead_code)]
mod fixtures;
#[path = "../api/helpers.rs"]
#[allow(dead_code, unused_macros, unused_imports)]
mod helpers;
mod instant;
mod uploads;
mod wallet;
mod webdriver;

use helpers::{accounts, spawn_app, Backend, TestApp};
use serde_json::json;
use webdriver::Browser;
use zhengming::devtools::demo::DEMO_PASSWORD;

async fn sign_in(b: &Browser, app: &TestApp, phone: &str, password: &str) {
    b.goto(&app.url("/signin")).await;
    b.fill("#in-phone", phone).await;
    b.fill("#in-password", password).await;
    b.submit("form.form button[type=submit]").await;
    assert!(b.body().await.contains("登录成功"), "sign-in of {phone}");
}

/// Nothing on the page is wider than the screen (wide tables scroll inside their box).
async fn assert_fits_screen(b: &Browser) {
    let overflow = b
        .exec(
            "return document.documentElement.scrollWidth - window.innerWidth",
            json!([]),
        )
        .await;
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "page wider than the screen by {overflow}"
    );
}

async fn sign_out(b: &Browser) {
    b.submit("form[action='/signout'] button").await;
    assert!(b.body().await.contains("您已退出登录"));
}

/// Fetches the link with this element id in the page (with the page's cookies):
/// status, content type, first five bytes and size.
async fn fetch_link(b: &Browser, id: &str) -> serde_json::Value {
    b.exec_async(
        "const done = arguments[arguments.length - 1];
         fetch(document.getElementById(arguments[0]).href)
           .then(r => r.arrayBuffer().then(buf => done({status: r.status,
              type: r.headers.get('content-type'),
              head: String.fromCharCode(...new Uint8Array(buf.slice(0, 5))), size: buf.byteLength})))
           .catch(e => done({error: String(e)}));",
        json!([id]),
    )
    .await
}

async fn whole_journey(width: u32) {
    let app = spawn_app(Backend::Sqlite).await;
    let mut b = Browser::launch(width, &format!("journey-{width}")).await;

    // Public home: the 11 types, in Chinese by default, with a visible English switch.
    b.goto(&app.url("/")).await;
    assert_eq!(
        b.exec(
            "return document.querySelectorAll('.types > li').length",
            json!([])
        )
        .await,
        11
    );
    assert_eq!(
        b.exec("return document.documentElement.lang", json!([]))
            .await,
        "zh-CN"
    );
    b.screenshot("home").await;
    // The whole first load (HTML, CSS, no scripts) stays under 100 KB, nothing external.
    let bytes = b
        .exec(
            "const n = performance.getEntriesByType('navigation')[0];
             const r = performance.getEntriesByType('resource');
             if (r.some(e => !e.name.startsWith(location.origin))) return -1;
             return n.decodedBodySize + r.reduce((s, e) => s + e.decodedBodySize, 0);",
            json!([]),
        )
        .await
        .as_i64()
        .unwrap();
    assert!(
        (1..100_000).contains(&bytes),
        "first load of the home page: {bytes} bytes"
    );
    eprintln!("home page first load: {bytes} bytes");
    b.submit("a.lang").await;
    let en = b.body().await;
    assert!(en.contains("Certificates you can apply for online"), "{en}");
    assert!(
        !en.contains("网上开证明"),
        "no Chinese UI text on the English page"
    );
    // The English service guide: the catalogue's English texts, no Chinese but the
    // switch back to it.
    b.goto(&app.url("/guide/residence")).await;
    let guide = b.body().await;
    assert!(
        guide.contains("Legal basis")
            && guide
                .contains("Interim Regulation on Residence Permits (State Council Decree No. 663)"),
        "{guide}"
    );
    assert!(
        !helpers::has_chinese(&guide.replacen("中文", "", 1)),
        "no Chinese on the English guide: {guide}"
    );
    b.screenshot("guide-en").await;
    b.submit("a.lang").await;
    b.goto(&app.url("/guide/residence")).await;
    let guide = b.body().await;
    assert!(guide.contains("法律依据") && guide.contains("承诺时限") && guide.contains("所需材料"));
    b.screenshot("guide").await;

    // A resident registers: 获取验证码 sends the SMS code and shows the form again
    // with what was typed; a mistake next (the error shows next to the field and the
    // typed values stay), then it works and they sign in.
    let (phone, id) = (helpers::phone(), helpers::id_number());
    b.goto(&app.url("/register")).await;
    b.fill("#in-name", "李秀兰").await;
    b.fill("#in-phone", &phone).await;
    b.submit("button[value=send_code]").await;
    assert!(b.body().await.contains("验证码已发送"), "the code note");
    assert_eq!(b.value("#in-name").await, "李秀兰");
    assert_eq!(b.value("#in-phone").await, phone);
    assert_fits_screen(&b).await;
    b.screenshot("register-code-sent").await;
    let code = app
        .sent_code(&phone, "code_register")
        .await
        .expect("a registration code by SMS");
    b.fill("#in-code", &code).await;
    b.fill("#in-id_number", "123").await;
    b.fill("#in-password", "secret-pass-1").await;
    b.fill("#in-password2", "secret-pass-1").await;
    b.submit("form.form button.big").await;
    assert!(!b.text("#err-id_number").await.is_empty());
    assert_eq!(b.value("#in-name").await, "李秀兰");
    assert_eq!(b.value("#in-code").await, code);
    b.screenshot("register-error").await;
    b.fill("#in-id_number", &id).await;
    b.fill("#in-password", "secret-pass-1").await;
    b.fill("#in-password2", "secret-pass-1").await;
    b.submit("form.form button.big").await;
    assert!(b.body().await.contains("注册成功"));
    sign_in(&b, &app, &phone, "secret-pass-1").await;

    // The apply wizard for a residence certificate, first with a required field left out.
    b.goto(&app.url("/apply/residence")).await;
    b.click(&format!(
        "#in-jurisdiction option[value='{}']",
        accounts::VILLAGE
    ))
    .await;
    b.exec(
        "document.getElementById('in-f_living_since').value = '2010-05-01'",
        json!([]),
    )
    .await;
    b.click("input[name=f_permanent_resident][value=true]")
        .await;
    b.fill("#in-f_purpose", "办理子女入学").await;
    b.fill("#in-phone", "13912345678").await;
    b.fill("#in-address", "敦化市雁鸣湖镇大山村三组12号").await;
    b.screenshot("apply-form").await;
    b.submit("form.form button.big").await;
    let err = b.body().await;
    assert!(err.contains("请按红字提示修改"), "{err}");
    // The first field in error has the focus (and is scrolled to), without JavaScript.
    assert_eq!(
        b.exec("return document.activeElement.id", json!([])).await,
        "in-f_address"
    );
    assert!(!b.text(".has-error .error").await.is_empty());
    assert_eq!(
        b.value("#in-f_purpose").await,
        "办理子女入学",
        "typed values are kept"
    );
    b.screenshot("apply-error").await;
    b.fill("#in-f_address", "敦化市雁鸣湖镇大山村三组12号")
        .await;
    b.submit("form.form button.big").await;
    assert!(b.body().await.contains("已保存"));
    let case_url = b.url().await;
    let app_id = case_url.rsplit('/').next().unwrap().to_owned();
    b.screenshot("review").await;

    // Submitting without the required documents is refused, each missing one named at
    // its upload form.
    b.submit("#act-submit").await;
    assert!(b.text("#doc-id_card .error").await.contains("缺少要件材料"));
    assert!(b.text(".status").await.contains("草稿"));
    // A 12-megapixel phone photo of the ID card: the page scales it down in the browser
    // before it is sent, and the server stores it within its cap.
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("身份证.jpg");
    let original = fixtures::jpeg(4000, 3000);
    std::fs::write(&photo, &original).unwrap();
    // Picked, it is sent at once (no 上传 to tap, no new page).
    b.choose_file("#file-id_card-front", &photo).await;
    b.wait_for("#slot-id_card-front li.doc", 60).await;
    let sent = b
        .exec(
            "return Number(document.getElementById('documents').dataset.sentBytes)",
            json!([]),
        )
        .await
        .as_u64()
        .unwrap();
    assert!(
        sent > 0 && sent < original.len() as u64,
        "the browser downscaled the photo ({} → {sent} bytes)",
        original.len()
    );
    b.screenshot("documents-chosen").await;
    let mut thumb_ok = json!(false);
    for _ in 0..50 {
        thumb_ok = b
            .exec(
                "const i = document.querySelector('#slot-id_card-front img.thumb');
                 return i && i.complete && i.naturalWidth > 0",
                json!([]),
            )
            .await;
        if thumb_ok == true {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(thumb_ok, true, "the thumbnail shows");
    // The documents in English: the catalogue's descriptions, not the Chinese ones.
    b.submit("a.lang").await;
    let lease = b.text("#doc-lease_or_property").await;
    assert!(
        lease.contains("Documents showing residence at the address"),
        "{lease}"
    );
    assert!(!helpers::has_chinese(&lease), "{lease}");
    assert!(b
        .text("#doc-id_card p.help")
        .await
        .contains("front and back"));
    b.submit("a.lang").await;
    assert!(b.text(".status").await.contains("草稿"));
    // A PDF for the proof of address; a file that is not a document is refused with a
    // message at its form and nothing stored.
    let fake = dir.path().join("lease.jpg");
    std::fs::write(&fake, b"<html><script>alert(1)</script></html>").unwrap();
    b.choose_file("#file-lease_or_property", &fake).await;
    assert!(
        b.text("#doc-lease_or_property .error")
            .await
            .contains("JPEG"),
        "the refusal names the accepted formats"
    );
    let lease = dir.path().join("租赁合同.pdf");
    std::fs::write(&lease, fixtures::pdf(2)).unwrap();
    b.choose_file("#file-lease_or_property", &lease).await;
    b.wait_for("#doc-lease_or_property li.doc", 60).await;
    assert_eq!(
        b.exec(
            "return document.querySelectorAll('#documents li.doc').length",
            json!([])
        )
        .await,
        2
    );
    b.screenshot("documents").await;
    b.submit("#act-submit").await;
    assert!(b.body().await.contains("申请已提交"));
    assert!(b.text(".status").await.contains("已提交"));
    let number = b.text(".facts dd").await;
    assert!(number.starts_with("ZM"), "{number}");
    sign_out(&b).await;

    // Anyone with the number and the phone can follow the case, signed out; a wrong
    // phone gets the same answer as an unknown number.
    b.goto(&app.url("/")).await;
    b.fill("#home-number", &number).await;
    b.submit(".lookups form[action='/track'] button").await;
    b.fill("#in-phone", "13912345670").await;
    b.submit("#track-go").await;
    assert!(b.body().await.contains("未找到匹配的申请"));
    b.fill("#in-phone", "13912345678").await;
    b.submit("#track-go").await;
    assert!(b.text("#track-result .status").await.contains("已提交"));
    assert!(
        !b.body().await.contains(&id),
        "no personal data on the public page"
    );
    b.screenshot("track").await;

    // The village official accepts and approves (queue ordered by deadline).
    let village = app.staff_phone("official", accounts::VILLAGE).await;
    sign_in(&b, &app, &village, DEMO_PASSWORD).await;
    b.goto(&app.url("/office")).await;
    b.screenshot("queue").await;
    b.submit(&format!("a[href='/office/{app_id}']")).await;
    // The official sees the photo (stored within the 2400 px cap) and turns it to read it.
    let natural = b
        .exec(
            "const i = document.querySelector('#doc-id_card img.thumb');
             return i && i.complete ? [i.naturalWidth, i.naturalHeight] : null",
            json!([]),
        )
        .await;
    assert_eq!(natural, json!([320, 240]), "thumbnail of a 4:3 photo");
    b.click("#doc-id_card [data-rotate]").await;
    assert!(b
        .exec(
            "return document.querySelector('#doc-id_card img.thumb').style.transform",
            json!([])
        )
        .await
        .as_str()
        .unwrap()
        .contains("90deg"));
    b.screenshot("office-case").await;
    // Returning needs a reason: refused without one, with the error at the field.
    b.submit("#act-return").await;
    let page = b.body().await;
    assert!(page.contains("必须填写原因"), "{page}");
    assert!(!b.text(".has-error .error").await.is_empty());
    b.submit("#act-accept").await;
    assert!(b.body().await.contains("已受理"));
    // 批准 asks once more, showing the certificate text; 返回 would change nothing.
    b.submit("#act-approve").await;
    assert!(b.text("#confirm-question").await.contains("核对"));
    b.submit("#confirm-go").await;
    assert!(b.body().await.contains("已批准"));
    sign_out(&b).await;

    // The township official approves the last step: certificate issued, dispatch made.
    let township = app.staff_phone("official", accounts::TOWNSHIP).await;
    sign_in(&b, &app, &township, DEMO_PASSWORD).await;
    b.goto(&app.url(&format!("/office/{app_id}"))).await;
    b.submit("#act-approve").await;
    let preview = b.text("#preview").await;
    assert!(
        preview.contains("李秀兰") && !preview.contains(&id),
        "the certificate text, the ID number masked: {preview}"
    );
    assert_fits_screen(&b).await;
    b.screenshot("approve-confirm").await;
    b.submit("#confirm-go").await;
    assert!(b.body().await.contains("配送中"));
    sign_out(&b).await;

    // The courier delivers: pick up, out for delivery, a wrong code, then the right one.
    let tracking = app
        .with_db(move |c| {
            use diesel::prelude::*;
            use zhengming::db::schema::dispatches::dsl as d;
            d::dispatches
                .filter(d::application_id.eq(app_id.clone()))
                .select(d::tracking_number)
                .first::<String>(c)
                .unwrap()
        })
        .await;
    let code = app
        .delivery_code(case_url.rsplit('/').next().unwrap())
        .await;
    let courier = app.staff_phone("courier", accounts::TOWNSHIP).await;
    sign_in(&b, &app, &courier, DEMO_PASSWORD).await;
    b.goto(&app.url("/courier")).await;
    assert!(b.body().await.contains("大山村"));
    b.submit(&format!("#ev-pick_up-{tracking}")).await;
    b.submit(&format!("#ev-out_for_delivery-{tracking}")).await;
    b.screenshot("courier").await;
    // The printable manifest for the day opens from the page (the courier's session).
    let manifest = fetch_link(&b, "manifest").await;
    assert_eq!(manifest["status"], 200, "{manifest}");
    assert_eq!(manifest["head"], "%PDF-");
    let tel = b
        .exec(
            &format!("return document.querySelector('#d-{tracking} a.tel').getAttribute('href')"),
            json!([]),
        )
        .await;
    assert_eq!(tel, "tel:13912345678");
    b.fill(&format!("#d-{tracking} input[name=code]"), "000000")
        .await;
    b.fill(&format!("#d-{tracking} input[name=signer]"), "李秀兰")
        .await;
    b.submit(&format!("#ev-deliver-{tracking}")).await;
    assert!(b
        .text(&format!("#d-{tracking} .error"))
        .await
        .contains("验证码"));
    assert_eq!(
        b.value(&format!("#d-{tracking} input[name=signer]")).await,
        "李秀兰"
    );
    b.screenshot("courier-error").await;
    b.fill(&format!("#d-{tracking} input[name=code]"), &code)
        .await;
    b.submit(&format!("#ev-deliver-{tracking}")).await;
    assert!(b.body().await.contains("已妥投"));
    sign_out(&b).await;

    // The resident sees the case completed and downloads the PDF.
    sign_in(&b, &app, &phone, "secret-pass-1").await;
    b.goto(&case_url).await;
    let page = b.body().await;
    assert!(page.contains("已办结"), "{page}");
    assert!(page.contains("办理进度"));
    b.screenshot("completed").await;
    let pdf = fetch_link(&b, "download-pdf").await;
    assert_eq!(pdf["status"], 200, "{pdf}");
    assert_eq!(pdf["type"], "application/pdf");
    assert_eq!(pdf["head"], "%PDF-");
    assert!(pdf["size"].as_u64().unwrap() > 1000);
    sign_out(&b).await;

    // The county supervisor's dashboard: the six headline figures, in the shared layout,
    // nothing wider than the screen (wide tables scroll inside their box).
    let supervisor = app.staff_phone("supervisor", "222403").await;
    sign_in(&b, &app, &supervisor, DEMO_PASSWORD).await;
    b.goto(&app.url("/supervise")).await;
    let figures = b
        .exec(
            "return Array.from(document.querySelectorAll('.headline li'), li =>
               [li.querySelector('.name').textContent, li.querySelector('.value').textContent])",
            json!([]),
        )
        .await;
    let figures = figures.as_array().unwrap();
    assert_eq!(figures.len(), 6, "{figures:?}");
    assert_eq!(figures[0][0], "受理件数");
    assert!(
        figures.iter().all(|f| !f[1].as_str().unwrap().is_empty()),
        "{figures:?}"
    );
    assert_fits_screen(&b).await;
    b.screenshot("supervise").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_on_a_phone_360px() {
    whole_journey(360).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journey_on_a_desktop_1280px() {
    whole_journey(1280).await;
}

/// A form posted without the page's CSRF token changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut b = Browser::launch(1280, "csrf").await;
    let (_, resident, _) = app.new_resident("钱多多").await;
    // A forged token in the sign-in form (not the header's 长辈版 switch, which has its
    // own): refused, not signed in, although the phone and password are right.
    b.goto(&app.url("/signin")).await;
    b.exec("document.querySelector('form.form input[name=_csrf]').value = 'forged-token-forged-token-forged-token'", json!([])).await;
    b.fill("#in-phone", &resident).await;
    b.fill("#in-password", "secret-pass-1").await;
    b.submit("form.form button[type=submit]").await;
    let page = b.body().await;
    assert!(page.contains("页面已过期"), "{page}");
    b.screenshot("csrf-refused").await;
    b.goto(&app.url("/my")).await;
    assert!(b.url().await.contains("/signin"), "still signed out");

    // A cross-site post has neither cookie nor token: refused, no account made.
    let phone = helpers::phone();
    let r = reqwest::Client::new()
        .post(app.url("/register"))
        .form(&[
            ("name", "张三"),
            ("phone", phone.as_str()),
            ("id_number", &helpers::id_number()),
            ("password", "secret-pass-1"),
            ("password2", "secret-pass-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = app.try_login(&phone, "secret-pass-1").await;
    assert_eq!(r.status, 401, "no account was created");
}

/// 忘记密码 from the sign-in page: phone, 获取验证码, the code and a new password (a
/// common one refused first); then 账号安全 lists the devices, changes the password
/// and signs the other devices out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_by_sms_and_devices_are_managed() {
    let app = spawn_app(Backend::Sqlite).await;
    let (elsewhere, phone, _) = app.new_resident("赵小红").await;
    let mut b = Browser::launch(360, "accounts").await;
    b.goto(&app.url("/signin")).await;
    b.submit("a[href='/forgot']").await;
    b.fill("#in-phone", &phone).await;
    b.submit("button[value=send_code]").await;
    assert!(b.body().await.contains("验证码已发送"));
    assert_eq!(b.value("#in-phone").await, phone);
    let code = app
        .sent_code(&phone, "code_reset_password")
        .await
        .expect("a reset code by SMS");
    b.fill("#in-code", &code).await;
    b.fill("#in-new_password", "password").await;
    b.fill("#in-new_password2", "password").await;
    b.submit("form.form button.big").await;
    assert!(b.text("#err-new_password").await.contains("常见"));
    assert_eq!(b.value("#in-code").await, code, "the code stays");
    b.fill("#in-new_password", "reset-by-sms-1").await;
    b.fill("#in-new_password2", "reset-by-sms-1").await;
    b.submit("form.form button.big").await;
    assert!(b.body().await.contains("密码已重新设置"));
    assert_eq!(
        app.get("/api/v1/me", Some(&elsewhere)).await.status,
        401,
        "the reset ended the other sessions"
    );
    sign_in(&b, &app, &phone, "reset-by-sms-1").await;

    // Another device signs in; the page lists both and signs the other out.
    let other = app.login(&phone, "reset-by-sms-1").await;
    b.goto(&app.url("/account")).await;
    let page = b.body().await;
    assert!(
        page.contains("已登录的设备") && page.contains("本设备"),
        "{page}"
    );
    assert!(
        page.contains("Chrome"),
        "the browser is named coarsely: {page}"
    );
    assert_fits_screen(&b).await;
    b.screenshot("account").await;
    b.fill("#in-current_password", "reset-by-sms-1").await;
    b.fill("#in-new_password", "changed-on-page-2").await;
    b.fill("#in-new_password2", "changed-on-page-2").await;
    b.submit("form[action='/account/password'] button[type=submit]")
        .await;
    assert!(b.body().await.contains("密码已修改"));
    assert_eq!(app.get("/api/v1/me", Some(&other)).await.status, 401);
    let third = app.login(&phone, "changed-on-page-2").await;
    b.goto(&app.url("/account")).await;
    b.submit("form[action='/account/sessions/end-others'] button")
        .await;
    assert!(b.body().await.contains("其他设备已全部退出登录"));
    assert_eq!(app.get("/api/v1/me", Some(&third)).await.status, 401);
    b.goto(&app.url("/my")).await;
    assert!(
        b.url().await.ends_with("/my"),
        "this device stays signed in"
    );
}

/// The admin loads next year's holiday calendar from the page: the banner says it is
/// missing (from October), a contradictory paste is refused with its line named, the
/// preview shows the working days, and confirming stores it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_loads_next_years_calendar() {
    use chrono::Datelike;
    let app = spawn_app(Backend::Sqlite).await;
    let mut b = Browser::launch(360, "holidays").await;
    let today = zhengming::domain::calendar::china_date(chrono::Utc::now());
    let next = today.year() + 1;
    let admin_phone = app.admin_phone().await;
    sign_in(&b, &app, &admin_phone, DEMO_PASSWORD).await;
    b.goto(&app.url("/admin/holidays")).await;
    let page = b.body().await;
    assert!(page.contains(&format!("{next} · 尚未导入")), "{page}");
    assert!(
        page.contains("春节"),
        "the provisional statutory days are listed"
    );
    if today.month() >= 10 && next > 2026 {
        assert!(
            page.contains(&format!("{next}年节假日安排尚未导入")),
            "banner: {page}"
        );
    }
    b.screenshot("holidays-missing").await;

    // A day both off and a workday: refused, the line named, nothing stored.
    let rows = format!(
        "{next}-01-01, 放假, 元旦\n{next}-05-03, 放假, 劳动节\n{next}-05-03, 上班, 劳动节调休上班"
    );
    b.fill("#in-source", "国办发明电〔测试〕1号").await;
    b.fill("#in-rows", &rows).await;
    b.submit("#holidays-preview-go").await;
    let page = b.body().await;
    assert!(page.contains("第3行"), "{page}");
    assert!(page.contains("既列为放假又列为调休上班"), "{page}");
    b.screenshot("holidays-refused").await;

    // The first Saturday of May as a make-up workday: preview, then confirm.
    let saturday = chrono::NaiveDate::from_ymd_opt(next, 5, 1)
        .unwrap()
        .iter_days()
        .find(|d| d.weekday() == chrono::Weekday::Sat)
        .unwrap();
    let rows = format!("{next}-01-01, 放假, 元旦\n{saturday}, 上班, 劳动节调休上班");
    b.fill("#in-rows", &rows).await;
    b.submit("#holidays-preview-go").await;
    let preview = b.text("#holiday-preview").await;
    assert!(preview.contains("全年工作日"), "{preview}");
    // Only New Year's Day was given: the page names the statutory days left as working days.
    assert!(preview.contains("请核对"), "{preview}");
    assert!(
        ["春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"]
            .iter()
            .any(|n| preview.contains(n)),
        "{preview}"
    );
    assert_fits_screen(&b).await;
    b.exec(
        "document.getElementById('holiday-preview').scrollIntoView()",
        json!([]),
    )
    .await;
    b.screenshot("holidays-preview").await;
    b.submit("#holidays-confirm").await;
    let page = b.body().await;
    assert!(page.contains("节假日安排已导入"), "{page}");
    assert!(page.contains(&format!("{next} · 已导入")), "{page}");
    assert!(
        !page.contains(&format!("{next}年节假日安排尚未导入")),
        "banner gone"
    );
    b.screenshot("holidays-loaded").await;
    let r = app
        .get(&format!("/api/v1/holidays?year={next}"), None)
        .await;
    assert_eq!(r.body["loaded"], true);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
}

/// Under the Content-Security-Policy the pages still get their style and script (all
/// from files), the verify page and the API index are styled, and an injected inline
/// script does not run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_work_under_the_content_security_policy() {
    let app = spawn_app(Backend::Sqlite).await;
    let b = Browser::launch(1280, "csp").await;
    let rules = "return Array.from(document.styleSheets).map(s => s.cssRules.length)";
    for path in ["/", "/signin", "/guide/residence", "/track"] {
        b.goto(&app.url(path)).await;
        let sheets = b.exec(rules, json!([])).await;
        assert!(
            sheets
                .as_array()
                .is_some_and(|a| !a.is_empty() && a.iter().all(|n| n.as_u64() > Some(0))),
            "{path}: stylesheets {sheets}"
        );
        let scripts = b
            .exec(
                "return Array.from(document.scripts).map(s => s.src ? 'file' : 'inline')",
                json!([]),
            )
            .await;
        assert_eq!(scripts, json!(["file"]), "{path}");
        // What an attacker would inject does not run.
        let ran = b
            .exec_async(
                "const done = arguments[arguments.length - 1];
                 const s = document.createElement('script');
                 s.textContent = 'window.__injected = true';
                 document.body.appendChild(s);
                 setTimeout(() => done(window.__injected === true), 100);",
                json!([]),
            )
            .await;
        assert_eq!(ran, json!(false), "{path}: an inline script ran");
    }
    b.goto(&app.url("/verify/222403108-2026-00001?t=forged"))
        .await;
    let bg = b
        .exec(
            "return getComputedStyle(document.body).backgroundColor",
            json!([]),
        )
        .await;
    assert_eq!(bg, json!("rgb(244, 244, 242)"), "the verify page is styled");
    let verdict = b
        .exec(
            "return getComputedStyle(document.getElementById('verdict')).backgroundColor",
            json!([]),
        )
        .await;
    assert_eq!(
        verdict,
        json!("rgb(179, 38, 30)"),
        "an invalid verdict is red"
    );
    b.goto(&app.url("/api/docs")).await;
    let weight = b
        .exec(
            "return getComputedStyle(document.querySelector('.m')).fontWeight",
            json!([]),
        )
        .await;
    assert_eq!(weight, json!("700"), "the API index is styled");
}

/// The admin reads the audit log on a phone: a failed and a successful sign-in of an
/// official, found by the official's phone, newest first, nothing wider than the
/// screen (long user agents wrap); then by case number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_reads_the_audit_log_on_a_phone() {
    let app = spawn_app(Backend::Sqlite).await;
    let official = app.staff_phone("official", accounts::TOWNSHIP).await;
    assert_eq!(
        app.try_login(&official, "not-the-password").await.status,
        401
    );
    app.login(&official, DEMO_PASSWORD).await;
    let (resident, _, _) = app.new_resident("孙八").await;
    let case = app.issued(&resident, "pickup").await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let id = case["id"].as_str().unwrap();
    let number = case["number"].as_str().unwrap();
    let r = app
        .get(
            &format!("/api/v1/applications/{id}?reveal=true"),
            Some(&township),
        )
        .await;
    assert_eq!(r.status, 200);

    let mut b = Browser::launch(360, "audit").await;
    let admin_phone = app.admin_phone().await;
    sign_in(&b, &app, &admin_phone, DEMO_PASSWORD).await;
    b.goto(&app.url("/")).await;
    b.submit("a[href='/admin/audit']").await;
    b.fill("#audit-user", &official).await;
    b.submit("#audit-filter button").await;
    let rows = b.text("#audit-rows").await;
    assert!(rows.contains("登录") && rows.contains("失败"), "{rows}");
    assert!(rows.contains("雁鸣湖镇经办人"), "{rows}");
    assert!(rows.contains("127.0.0.1"), "{rows}");
    assert_fits_screen(&b).await;
    b.screenshot("audit-person").await;

    b.goto(&app.url(&format!("/admin/audit?case={number}")))
        .await;
    let rows = b.text("#audit-rows").await;
    assert!(
        rows.contains("查看完整身份证号") && rows.contains(number),
        "{rows}"
    );
    assert_fits_screen(&b).await;
    b.screenshot("audit-case").await;
}

/// 身份证号改绑 at the office: a township official moves an ID number someone else
/// registered onto a new account for the person; a number bound to nobody is refused
/// next to the form; the person signs in with the password typed at the counter.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn township_official_rebinds_an_id_number_on_the_page() {
    let app = spawn_app(Backend::Sqlite).await;
    let (_squatter, squatter_phone, id) = app.new_resident("冒用者").await;
    let mut b = Browser::launch(360, "rebind").await;
    let official = app.staff_phone("official", accounts::TOWNSHIP).await;
    sign_in(&b, &app, &official, DEMO_PASSWORD).await;
    b.goto(&app.url("/office")).await;
    b.click("a[href='/office/rebind']").await;
    assert!(b.body().await.contains("身份证号改绑"));

    // Bound to nobody: refused above the form, what was typed kept.
    let owner_phone = helpers::phone();
    b.fill("#in-id_number", &helpers::id_number()).await;
    b.fill("#in-phone", &owner_phone).await;
    b.fill("#in-name", "真本人").await;
    b.submit("#rebind-form button[type=submit]").await;
    let page = b.body().await;
    assert!(page.contains("没有绑定任何账号"), "{page}");
    assert_eq!(b.value("#in-phone").await, owner_phone);

    b.fill("#in-id_number", &id).await;
    b.fill("#in-password", "owner-pass-1").await;
    assert_fits_screen(&b).await;
    b.screenshot("rebind-form").await;
    b.submit("#rebind-form button[type=submit]").await;
    let page = b.body().await;
    assert!(page.contains("已改绑，原账号已停用"), "{page}");

    assert_eq!(
        app.try_login(&squatter_phone, "secret-pass-1").await.status,
        401
    );
    app.login(&owner_phone, "owner-pass-1").await;
}
