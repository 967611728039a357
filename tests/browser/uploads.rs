//! Photos that cannot be lost: without JavaScript, a photo picked and never sent by
//! 上传 goes with 提交; each side of an ID card has its own place with a drawn example.

use serde_json::json;

use super::helpers::{spawn_app, Backend};
use super::webdriver::Browser;
use super::{fixtures, sign_in};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_picked_photo_goes_with_submit_without_javascript() {
    let app = spawn_app(Backend::Sqlite).await;
    let (token, phone, _) = app.new_resident("赵桂芳").await;
    let draft = app.bare_draft(&token, "pickup").await;
    let id = draft["id"].as_str().unwrap().to_owned();

    let mut b = Browser::launch_with(360, "uploads-nojs-360", false).await;
    sign_in(&b, &app, &phone, "secret-pass-1").await;
    b.submit("#care-switch").await;
    b.goto(&app.url(&format!("/my/{id}"))).await;
    assert_eq!(
        b.exec(
            "return document.documentElement.hasAttribute('data-js')",
            json!([])
        )
        .await,
        false,
        "the page's script did not run"
    );
    // Each side of the ID card is named, with a drawn example beside its picker.
    let front = b.text("#slot-id_card-front").await;
    assert!(
        front.contains("正面") && front.contains("拍照上传"),
        "{front}"
    );
    assert!(b.text("#slot-id_card-back h4").await.contains("反面"));
    let help = b.text("#documents > p.help").await;
    assert!(!help.contains("JPG") && !help.contains("WebP"), "{help}");
    let example = b
        .exec(
            "const i = document.querySelector('#slot-id_card-back img.example');
             return [i.complete && i.naturalWidth > 0, i.alt]",
            json!([]),
        )
        .await;
    assert_eq!(example[0], true, "the example shows: {example}");
    b.screenshot("case-care-nojs").await;

    // The front is picked and sent with 上传; the back and the lease are only picked —
    // then 提交. Nothing picked is dropped and the application is submitted.
    let dir = tempfile::tempdir().unwrap();
    let photo = |name: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, fixtures::jpeg(640, 400)).unwrap();
        p
    };
    b.choose_file("#file-id_card-front", &photo("front.jpg"))
        .await;
    b.submit("#upload-all").await;
    assert!(b.body().await.contains("材料已上传"));
    assert!(b
        .text("#slot-id_card-front li.doc")
        .await
        .contains("front.jpg"));
    b.choose_file("#file-id_card-back", &photo("back.jpg"))
        .await;
    let lease = dir.path().join("租房合同.pdf");
    std::fs::write(&lease, fixtures::pdf(1)).unwrap();
    b.choose_file("#file-lease_or_property", &lease).await;
    b.screenshot("picked-not-sent").await;
    b.submit("#act-submit").await;
    assert!(b.body().await.contains("申请已提交"), "{}", b.body().await);
    assert!(b.text(".status").await.contains("已提交"));
    b.screenshot("submitted-nojs").await;

    let docs = app
        .get(
            &format!("/api/v1/applications/{id}/documents"),
            Some(&token),
        )
        .await;
    let mut got: Vec<String> = docs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}/{}",
                d["kind"].as_str().unwrap(),
                d["slot"].as_str().unwrap_or("-")
            )
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        ["id_card/back", "id_card/front", "lease_or_property/-"]
    );
}
