//! 代办 at a phone's 360 px (issue 16): a village agent applies for a villager through
//! the pages — who the villager is, the documents photographed, the villager's consent
//! by the SMS code they read out (a wrong code refused) — and the village official sees
//! "代办：<agent>" on the case.

use diesel::prelude::*;
use serde_json::json;
use zhengming::db::schema::notifications;
use zhengming::devtools::demo::DEMO_PASSWORD;

use super::helpers::{self, accounts, spawn_app, Backend, TestApp};
use super::webdriver::Browser;
use super::{assert_fits_screen, fixtures, sign_in, sign_out};

/// The newest consent code sent to `phone` (the SMS the villager reads out).
pub async fn consent_code_sent_to(app: &TestApp, phone: &str) -> Option<String> {
    let to = phone.to_owned();
    let row: Option<(String, String)> = app
        .with_db(move |c| {
            notifications::table
                .filter(notifications::recipient.eq(to))
                .filter(notifications::template_code.eq("consent_case"))
                .order(notifications::id.desc())
                .select((notifications::id, notifications::params))
                .first(c)
                .optional()
                .unwrap()
        })
        .await;
    let (id, params) = row?;
    let sent = app.as_sent(&id, serde_json::from_str(&params).unwrap());
    sent["code"].as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_applies_for_a_villager_with_an_sms_consent_code_at_360px() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut b = Browser::launch(360, "agent-360").await;
    let agent = app
        .staff_account("agent", accounts::VILLAGE, "王代办")
        .await;
    let (villager_phone, villager_id) = (helpers::phone(), helpers::id_number());

    // The agent's home page offers 代村民申请 on every type, and the header 代办申请.
    sign_in(&b, &app, &agent, DEMO_PASSWORD).await;
    b.goto(&app.url("/")).await;
    assert!(b.text("#nav-agent").await.contains("代办申请"));
    b.submit("a[href='/apply/residence']").await;
    assert!(b.url().await.ends_with("/apply/residence"));
    // Only the agent's own village is offered, already chosen; the villager comes first.
    assert_eq!(
        b.exec(
            "return Array.from(document.querySelectorAll('#in-jurisdiction option[value]'))
               .map(o => o.value).filter(v => v)",
            json!([])
        )
        .await,
        json!([accounts::VILLAGE])
    );
    assert_eq!(b.value("#in-jurisdiction").await, accounts::VILLAGE);
    assert!(b.text("#agent-subject").await.contains("代办"));
    assert_eq!(
        b.exec(
            "return document.querySelectorAll('#in-relationship').length",
            json!([])
        )
        .await,
        0,
        "an agent states no family relationship"
    );
    assert_eq!(b.value("#in-recipient").await, "", "not the agent's name");
    assert_fits_screen(&b).await;
    b.screenshot("apply-as-agent").await;

    // Without the villager's ID number: refused at the field, the rest kept.
    b.fill("#in-subject_name", "赵大娘").await;
    b.fill("#in-subject_phone", &villager_phone).await;
    b.exec(
        "document.getElementById('in-f_living_since').value = '1980-05-01'",
        json!([]),
    )
    .await;
    b.click("input[name=f_permanent_resident][value=true]")
        .await;
    b.fill("#in-f_purpose", "办理养老保险").await;
    b.fill("#in-f_address", "敦化市雁鸣湖镇大山嘴子村三组8号")
        .await;
    b.click("input[name=delivery][value=pickup]").await;
    b.submit("form.form button.big").await;
    assert!(
        b.text("#err-subject_id_number")
            .await
            .contains("当事人身份证号"),
        "{}",
        b.body().await
    );
    assert_eq!(b.value("#in-subject_name").await, "赵大娘");
    b.fill("#in-subject_id_number", &villager_id).await;
    b.submit("form.form button.big").await;
    assert!(b.body().await.contains("已保存"), "{}", b.body().await);
    let case_url = b.url().await;
    let case_id = case_url.rsplit('/').next().unwrap().to_owned();
    assert!(b.text("#proxy-label").await.contains("代办：王代办"));
    assert!(b.text("#consent").await.contains("当事人同意"));
    // 长辈版 holds on the new consent form too (an agent may hand the phone over).
    b.submit("#care-switch").await;
    assert!(b.url().await.ends_with(&case_id), "{}", b.url().await);
    super::care::assert_care_page(&mut b, "agent-case-care").await;
    b.submit("#care-switch").await;

    // The documents, photographed at the villager's home.
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

    // Not without the villager's consent.
    b.submit("#act-submit").await;
    assert!(
        b.text("#err-consent").await.contains("须取得当事人同意"),
        "{}",
        b.body().await
    );
    assert!(b.text(".status").await.contains("草稿"));

    // The code goes to the villager's phone; a wrong one is refused at the field and
    // changes nothing; the one the villager reads out is accepted.
    b.submit("#consent-send").await;
    assert!(b.body().await.contains("同意验证码已发送"));
    let code = consent_code_sent_to(&app, &villager_phone)
        .await
        .expect("a consent code by SMS to the villager");
    let wrong = if code == "000000" { "111111" } else { "000000" };
    b.fill("#in-consent-code", wrong).await;
    b.submit("#consent-confirm").await;
    assert!(!b.text("#err-consent").await.is_empty());
    assert!(b.text("#proxy-label").await.contains("尚未取得当事人同意"));
    assert_fits_screen(&b).await;
    b.screenshot("consent-wrong-code").await;
    b.fill("#in-consent-code", &code).await;
    b.submit("#consent-confirm").await;
    assert!(b.body().await.contains("当事人已同意"));
    assert!(b.text("#proxy-label").await.contains("短信验证码确认"));
    assert_eq!(
        b.exec(
            "return document.querySelectorAll('#consent').length",
            json!([])
        )
        .await,
        0,
        "the consent form is gone once given"
    );
    b.submit("#act-submit").await;
    assert!(b.body().await.contains("申请已提交"));
    assert_fits_screen(&b).await;
    b.screenshot("submitted-as-agent").await;

    // The agent's list names the villager each case is for.
    b.goto(&app.url("/my")).await;
    assert!(b.body().await.contains("赵大娘"));
    b.screenshot("agent-list").await;
    sign_out(&b).await;

    // The village official sees who applied for whom.
    let official = app.staff_phone("official", accounts::VILLAGE).await;
    sign_in(&b, &app, &official, DEMO_PASSWORD).await;
    b.goto(&app.url(&format!("/office/{case_id}"))).await;
    let label = b.text("#proxy-label").await;
    assert!(
        label.contains("代办：王代办") && label.contains("短信验证码确认"),
        "{label}"
    );
    assert_fits_screen(&b).await;
    b.screenshot("office-sees-agent").await;
}
