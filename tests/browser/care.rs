//! 长辈版 (care mode) at a phone's 360 px: a first-time resident goes from the home page
//! to a submitted 低保 application, every page measured (type size, target size,
//! contrast), and the place kept through sign-in → registration. The taps and pages of
//! the journey are counted and printed (the issue asks for the figure).

use serde_json::{json, Value};

use super::helpers::{self, accounts, spawn_app, Backend};
use super::webdriver::Browser;
use super::{assert_fits_screen, fixtures};

/// What a person does on the way: taps (a press on a link, button, field or a choice in
/// a picker) and pages (each new page the phone loads).
#[derive(Default)]
struct Count {
    taps: u32,
    pages: u32,
}

impl Count {
    /// A tap that loads a new page.
    async fn go(&mut self, b: &Browser, css: &str) {
        b.submit(css).await;
        self.taps += 1;
        self.pages += 1;
    }
    /// A field tapped and typed into.
    async fn type_in(&mut self, b: &Browser, css: &str, text: &str) {
        b.fill(css, text).await;
        self.taps += 1;
    }
    /// A select opened and an option chosen: two taps.
    async fn pick(&mut self, b: &Browser, select: &str, value: &str) {
        b.click(&format!("{select} option[value='{value}']")).await;
        self.taps += 2;
    }
}

/// The smallest font of any visible text, the visible targets under 48 × 48 px, and the
/// texts whose contrast with their background is under 7:1.
const MEASURE: &str = r#"
function lum(c) {
  const m = c.match(/[\d.]+/g).map(Number);
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return [0.2126 * f(m[0]) + 0.7152 * f(m[1]) + 0.0722 * f(m[2]), m.length > 3 ? m[3] : 1];
}
function background(el) {
  for (; el; el = el.parentElement) {
    const bg = getComputedStyle(el).backgroundColor;
    if (lum(bg)[1] > 0.5) return bg;
  }
  return 'rgb(255, 255, 255)';
}
const visible = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0
  && getComputedStyle(el).visibility !== 'hidden' && getComputedStyle(el).opacity !== '0'; };
let minFont = 999, small = [], low = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  const el = n.parentElement;
  if (!n.textContent.trim() || !visible(el) || el.closest('.default-submit, svg, option')) continue;
  const s = getComputedStyle(el);
  minFont = Math.min(minFont, parseFloat(s.fontSize));
  const [a] = lum(s.color), [b] = lum(background(el));
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  if (ratio < 7) low.push(n.textContent.trim().slice(0, 20) + ' ' + ratio.toFixed(2));
}
document.querySelectorAll('button, .button, .tile, select, textarea, summary, .choice, .top nav a, ' +
    'input:not([type=hidden]):not([type=radio]):not([type=checkbox])').forEach(el => {
  if (!visible(el) || el.closest('.default-submit')) return;
  const r = el.getBoundingClientRect();
  if (r.height < 48 || r.width < 48) small.push((el.id || el.textContent.trim().slice(0, 12)) + ' ' + r.width + 'x' + r.height);
});
return {minFont, small, low};
"#;

/// Care mode holds on this page: every text 20 px or more, every target 48 px or more,
/// contrast 7:1 or more, nothing wider than the screen.
async fn assert_care_page(b: &mut Browser, name: &str) {
    assert_eq!(
        b.exec("return document.documentElement.className", json!([]))
            .await,
        "care",
        "care mode on {name}"
    );
    let m: Value = b.exec(MEASURE, json!([])).await;
    assert!(m["minFont"].as_f64().unwrap() >= 20.0, "{name}: {m}");
    assert_eq!(m["small"], json!([]), "{name}: targets under 48 px");
    assert_eq!(m["low"], json!([]), "{name}: contrast under 7:1");
    assert_fits_screen(b).await;
    b.screenshot(name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_time_resident_applies_for_dibao_in_care_mode_at_360px() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut b = Browser::launch(360, "care-360").await;
    let mut n = Count::default();

    // The normal mode first: body text 18 px, no hint under 16 px.
    b.goto(&app.url("/")).await;
    n.pages += 1;
    let sizes = b
        .exec(
            "return [parseFloat(getComputedStyle(document.querySelector('.lead')).fontSize),
                     Math.min(...Array.from(document.querySelectorAll('main *'), e =>
                       parseFloat(getComputedStyle(e).fontSize)))]",
            json!([]),
        )
        .await;
    assert!(sizes[0].as_f64().unwrap() >= 18.0, "{sizes}");
    assert!(sizes[1].as_f64().unwrap() >= 16.0, "{sizes}");
    assert_eq!(
        b.exec(
            "return document.querySelectorAll('.tiles').length",
            json!([])
        )
        .await,
        0,
        "no tiles in the normal mode"
    );
    b.screenshot("home-normal").await;

    // The switch is on every page; on the home page the types come first as tiles.
    n.go(&b, "#care-switch").await;
    assert_eq!(
        b.exec(
            "const t = document.getElementById('tiles');
             return [t.querySelectorAll('a.tile').length,
                     !!(t.compareDocumentPosition(document.querySelector('.lookups'))
                        & Node.DOCUMENT_POSITION_FOLLOWING)]",
            json!([])
        )
        .await,
        json!([11, true])
    );
    assert_care_page(&mut b, "home-care").await;

    n.go(&b, "a.tile[href='/guide/dibao']").await;
    assert_care_page(&mut b, "guide-care").await;
    // Applying needs an account: the sign-in page, which remembers where she was going,
    // and so does the registration page it links to.
    n.go(&b, "a[href='/apply/dibao']").await;
    assert!(
        b.url().await.contains("/signin?next=%2Fapply%2Fdibao")
            || b.url().await.contains("/signin?next=/apply/dibao")
    );
    assert_care_page(&mut b, "signin-care").await;
    n.go(&b, "#to-register").await;
    assert_eq!(b.value("form.form input[name=next]").await, "/apply/dibao");
    let (phone, id) = (helpers::phone(), helpers::id_number());
    n.type_in(&b, "#in-name", "李秀兰").await;
    n.type_in(&b, "#in-phone", &phone).await;
    n.go(&b, "button[value=send_code]").await;
    assert_eq!(b.value("form.form input[name=next]").await, "/apply/dibao");
    assert_care_page(&mut b, "register-care").await;
    let code = app
        .sent_code(&phone, "code_register")
        .await
        .expect("a registration code by SMS");
    n.type_in(&b, "#in-code", &code).await;
    n.type_in(&b, "#in-id_number", &id).await;
    n.type_in(&b, "#in-password", "secret-pass-1").await;
    n.type_in(&b, "#in-password2", "secret-pass-1").await;
    n.go(&b, "form.form button.big").await;

    // Registered, signed in at once and on the form she was going to, her name and phone
    // already in the delivery fields.
    assert!(b.url().await.ends_with("/apply/dibao"), "{}", b.url().await);
    assert!(b.body().await.contains("注册成功，已为您登录"));
    assert_eq!(b.value("#in-recipient").await, "李秀兰");
    assert_eq!(b.value("#in-phone").await, phone);
    assert_care_page(&mut b, "apply-care").await;
    n.pick(&b, "#in-jurisdiction", accounts::VILLAGE).await;
    n.type_in(&b, "#in-f_dibao_card_number", "DB2201000123")
        .await;
    n.pick(&b, "#in-f_dibao_category", "rural_full").await;
    n.type_in(&b, "#in-f_monthly_amount", "320").await;
    n.type_in(&b, "#in-f_covered_members", "2").await;
    // A date picker: open, choose the day, confirm.
    b.exec(
        "document.getElementById('in-f_since_date').value = '2021-03-01'",
        json!([]),
    )
    .await;
    n.taps += 3;
    n.type_in(&b, "#in-f_purpose", "办理子女学费减免").await;
    n.type_in(&b, "#in-address", "敦化市雁鸣湖镇大山村三组12号")
        .await;
    n.go(&b, "form.form button.big").await;
    assert!(b.body().await.contains("已保存"), "{}", b.body().await);
    assert_care_page(&mut b, "case-draft-care").await;

    // Three photos (the ID card's two sides and the household register), each a tap on
    // 拍照上传 and a choice in the gallery; each is sent as soon as it is picked, with
    // no new page.
    let dir = tempfile::tempdir().unwrap();
    for (input, shown) in [
        ("id_card-front", "#slot-id_card-front li.doc"),
        ("id_card-back", "#slot-id_card-back li.doc"),
        ("household_register", "#doc-household_register li.doc"),
    ] {
        let photo = dir.path().join(format!("{input}.jpg"));
        std::fs::write(&photo, fixtures::jpeg(800, 600)).unwrap();
        b.exec("window.__zm_same_page = true", json!([])).await;
        b.choose_file(&format!("#file-{input}"), &photo).await;
        n.taps += 2;
        b.wait_for(shown, 60).await;
        assert_eq!(
            b.exec("return window.__zm_same_page === true", json!([]))
                .await,
            true,
            "uploaded without a new page"
        );
    }
    assert_care_page(&mut b, "case-uploaded-care").await;
    // 删除 asks once more (not counted: no part of the way to a submitted application).
    let delete = "#doc-household_register form[action$='/delete'] button";
    b.submit(delete).await;
    assert!(b.text("#confirm-item").await.contains("居民户口簿"));
    assert_care_page(&mut b, "delete-confirm-care").await;
    b.submit("#confirm-back").await;
    assert_eq!(
        b.exec(
            "return document.querySelectorAll('#doc-household_register li.doc').length",
            json!([])
        )
        .await,
        1,
        "going back deletes nothing"
    );
    b.submit(delete).await;
    b.submit("#confirm-go").await;
    assert_eq!(
        b.exec(
            "return document.querySelectorAll('#doc-household_register li.doc').length",
            json!([])
        )
        .await,
        0
    );
    let photo = dir.path().join("household_register.jpg");
    b.choose_file("#file-household_register", &photo).await;
    b.wait_for("#doc-household_register li.doc", 60).await;
    n.go(&b, "#act-submit").await;
    assert!(b.body().await.contains("申请已提交"), "{}", b.body().await);
    assert_care_page(&mut b, "submitted-care").await;
    eprintln!(
        "care mode, home → submitted 低保 application: {} taps, {} pages",
        n.taps, n.pages
    );

    // 撤回 sits apart and asks once more: going back changes nothing.
    let case_url = b.url().await;
    b.submit("#act-withdraw").await;
    assert_care_page(&mut b, "withdraw-confirm-care").await;
    b.submit("#confirm-back").await;
    assert!(b.text(".status").await.contains("已提交"));
    b.submit("#act-withdraw").await;
    b.submit("#confirm-go").await;
    assert!(b.text(".status").await.contains("已撤回"), "{case_url}");

    // Signed in, the choice is kept in the account: switched off and on again here, then
    // without this browser's cookie the page still comes in care mode.
    b.submit("#care-switch").await;
    assert_eq!(
        b.exec("return document.documentElement.className", json!([]))
            .await,
        ""
    );
    b.submit("#care-switch").await;
    b.exec("document.cookie = 'zm_care=; max-age=0; path=/'", json!([]))
        .await;
    b.goto(&app.url("/my")).await;
    assert_eq!(
        b.exec(
            "return [document.documentElement.className, document.cookie.includes('zm_care')]",
            json!([])
        )
        .await,
        json!(["care", false])
    );
}
