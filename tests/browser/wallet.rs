//! 我的证明: the resident's issued certificates in one list, each opened in the browser
//! (not downloaded), with the check a bank would see and its standing.

use serde_json::json;

use super::helpers::{accounts, spawn_app, Backend};
use super::webdriver::Browser;
use super::{fetch_link, sign_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wallet_lists_opens_and_checks_a_certificate() {
    let app = spawn_app(Backend::Sqlite).await;
    let (token, phone, _) = app.new_resident("孙玉梅").await;
    app.issued(&token, "pickup").await;

    let mut b = Browser::launch(360, "wallet-360").await;
    sign_in(&b, &app, &phone, "secret-pass-1").await;
    b.submit("#care-switch").await;
    b.submit("#nav-wallet").await;
    let id = b
        .exec(
            "return document.querySelector('.wallet-item').id",
            json!([]),
        )
        .await;
    let number = id
        .as_str()
        .unwrap()
        .strip_prefix("cert-")
        .unwrap()
        .to_owned();
    let card = b.text(&format!("#cert-{number}")).await;
    assert!(card.contains("居住证明") && card.contains("有效"), "{card}");
    assert!(card.contains("孙玉梅"), "{card}");
    super::assert_fits_screen(&b).await;
    b.screenshot("wallet-care").await;

    // 打开证明 opens the PDF in the browser rather than saving it.
    let pdf = fetch_link(&b, &format!("open-{number}")).await;
    assert_eq!(pdf["status"], 200, "{pdf}");
    assert_eq!(pdf["head"], "%PDF-", "{pdf}");
    let disposition = b
        .exec_async(
            "const done = arguments[arguments.length - 1];
             fetch(document.getElementById(arguments[0]).href)
               .then(r => done(r.headers.get('content-disposition')));",
            json!([format!("open-{number}")]),
        )
        .await;
    assert!(
        disposition
            .as_str()
            .unwrap_or_default()
            .starts_with("inline"),
        "{disposition}"
    );

    // 核验 is the very check the QR code leads to: genuine and valid.
    b.submit(&format!("#verify-{number}")).await;
    let verdict = b.body().await;
    assert!(
        verdict.contains(&number) && verdict.contains("有效"),
        "{verdict}"
    );

    // Revoked by the township, the wallet says so.
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let r = app
        .post(
            &format!("/api/v1/certificates/{number}/revoke"),
            Some(&township),
            json!({"reason": "申请材料不实"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    b.goto(&app.url("/my/certificates")).await;
    assert!(b
        .text(&format!("#cert-{number} .tag"))
        .await
        .contains("已作废"));
}
