//! The QR code on an issued certificate leads to the public verify page, which says
//! valid, then revoked after an official of the township revokes it; the file's seal
//! checks out with `zhengming verify` and one changed byte is caught.

use std::process::Command;

use serde_json::json;

use crate::both_backends;
use crate::helpers::{accounts, spawn_app, Backend};
use crate::pdf_support::decode_qr;

async fn verify_json(app: &crate::helpers::TestApp, url: &str) -> serde_json::Value {
    let r = app
        .client
        .get(url)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn cli_verify(data_dir: &std::path::Path, pdf: &[u8]) -> (i32, String) {
    let f = data_dir.join("check.pdf");
    std::fs::write(&f, pdf).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_zhengming"))
        .args(["verify", f.to_str().unwrap()])
        .env("ZHENGMING_DATA_DIR", data_dir)
        .env("ZHENGMING_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

async fn verify_then_revoke(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("张小伟").await;
    let done = app.issued(&resident, "pickup").await;
    let id = done["id"].as_str().unwrap();
    let number = done["certificate"]["number"].as_str().unwrap().to_owned();
    let pdf = app
        .client
        .get(app.url(&format!("/api/v1/applications/{id}/certificate.pdf")))
        .bearer_auth(&resident)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();

    // The QR code is the verify URL of this server and this certificate.
    let url = decode_qr(&pdf);
    assert!(
        url.starts_with(&app.url(&format!("/verify/{number}?t=v1."))),
        "{url}"
    );
    let v = verify_json(&app, &url).await;
    assert_eq!(v["result"], "valid", "{v}");
    assert_eq!(v["holder"], "张*伟");
    assert_eq!(v["type_name"], "居住证明");
    assert!(
        v["office"].as_str().unwrap().ends_with("雁鸣湖镇人民政府"),
        "{v}"
    );
    // Only what a verifier needs: no ID number or other personal data.
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    for k in &keys {
        assert!(
            [
                "result",
                "message",
                "message_en",
                "number",
                "type_name",
                "holder",
                "office",
                "issued_on",
                "valid_until",
                "revoked_on",
                "revocation_reason",
                "revocation_reason_en",
                "revocation_code"
            ]
            .contains(k),
            "{k}"
        );
    }
    assert!(!v.to_string().contains("张小伟"));

    // The HTML page says the same, in Chinese.
    let html = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-result=\"valid\"") && html.contains("真实有效"),
        "{html}"
    );

    // Altered tokens are rejected: another number in the path, a changed field.
    let other = url.replacen(
        &format!("/verify/{number}"),
        "/verify/222403108-2026-99999",
        1,
    );
    assert_eq!(verify_json(&app, &other).await["result"], "invalid");
    let altered = url.replacen(".residence.", ".poverty.", 1);
    assert_ne!(altered, url);
    assert_eq!(verify_json(&app, &altered).await["result"], "invalid");
    assert_eq!(
        verify_json(&app, &app.url(&format!("/verify/{number}"))).await["result"],
        "invalid"
    );

    // Offline: genuine, and one changed byte is tampered.
    let (code, out) = cli_verify(app.data_dir(), &pdf);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("genuine") && out.contains(&number), "{out}");
    let mut bad = pdf.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x20;
    let (code, out) = cli_verify(app.data_dir(), &bad);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("tampered"), "{out}");

    // Revocation: a resident may not; the reason is required; then once only.
    let path = format!("/api/v1/certificates/{number}/revoke");
    let r = app
        .post(&path, Some(&resident), json!({"reason": "x"}))
        .await;
    assert!(r.status == 403 || r.status == 404, "{}", r.status);
    let other_township = app.login_staff("official", accounts::OTHER_TOWNSHIP).await;
    let r = app
        .post(&path, Some(&other_township), json!({"reason": "x"}))
        .await;
    assert_eq!(r.status, 404);
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let r = app
        .post(&path, Some(&township), json!({"reason": "  "}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(
        verify_json(&app, &url).await["result"],
        "valid",
        "nothing changed"
    );
    let r = app
        .post(&path, Some(&township), json!({"reason": "申请材料不实"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "revoked");
    let r = app
        .post(&path, Some(&township), json!({"reason": "再次撤销"}))
        .await;
    assert_eq!(r.status, 409);

    let v = verify_json(&app, &url).await;
    assert_eq!(v["result"], "revoked", "{v}");
    // The public reason comes from the list (none given: 其他); the official's words
    // stay in the trail.
    assert_eq!(v["revocation_reason"], "其他");
    assert!(v["revoked_on"].is_string());
    let detail = app.detail(&township, &done).await;
    let last = detail["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "revoke", "{last}");
    assert_eq!(last["reason"], "申请材料不实");
}
both_backends!(verify_then_revoke);

async fn courier_prints_label_and_manifest(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("李秀英").await;
    let done = app.issued(&resident, "courier").await;
    let did = done["dispatch"]["id"].as_str().unwrap();
    let courier = app.login_staff("courier", accounts::TOWNSHIP).await;
    let get = |path: String, token: String| {
        let c = app.client.clone();
        let u = app.url(&path);
        async move { c.get(u).bearer_auth(token).send().await.unwrap() }
    };
    let r = get(
        format!("/api/v1/dispatches/{did}/label.pdf"),
        courier.clone(),
    )
    .await;
    assert_eq!(r.status(), 200);
    let label = r.bytes().await.unwrap().to_vec();
    let tracking = done["dispatch"]["tracking_number"].as_str().unwrap();
    assert_eq!(decode_qr(&label), tracking);
    let text = crate::pdf_support::pdftotext(&label);
    // The courier's label carries the recipient's name masked (least privilege).
    let recipient = done["dispatch"]["recipient"].as_str().unwrap();
    assert_eq!(recipient, "王小明");
    assert!(
        text.contains(tracking) && text.contains("王*明") && !text.contains(recipient),
        "{text}"
    );

    let r = get("/api/v1/dispatches/manifest.pdf".into(), courier.clone()).await;
    assert_eq!(r.status(), 200);
    let text = crate::pdf_support::pdftotext(&r.bytes().await.unwrap());
    assert!(text.contains(tracking) && text.contains("大山村"), "{text}");
    assert!(
        text.contains("王*明") && !text.contains(recipient),
        "{text}"
    );
    let r = get(
        "/api/v1/dispatches/manifest.pdf?date=2026-13-01".into(),
        courier.clone(),
    )
    .await;
    assert_eq!(r.status(), 422);

    // Out of area: another township's courier cannot print the label.
    let stranger = app.login_staff("courier", accounts::OTHER_TOWNSHIP).await;
    let r = get(format!("/api/v1/dispatches/{did}/label.pdf"), stranger).await;
    assert_eq!(r.status(), 404);
}
both_backends!(courier_prints_label_and_manifest);
