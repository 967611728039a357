//! Named slots of a document kind (an ID card's 正面 / 反面): the catalogue names them,
//! an upload names the side it is (or fills the first empty one), and a side already
//! there, or one the kind does not have, is refused with nothing stored.

use reqwest::Method;
use serde_json::Value;

use crate::both_backends;
use crate::fixtures;
use crate::helpers::{has_chinese, spawn_app, Backend, Resp, TestApp};

async fn upload_slot(app: &TestApp, token: &str, id: &str, kind: &str, slot: Option<&str>) -> Resp {
    let part = reqwest::multipart::Part::bytes(fixtures::jpeg(64, 48))
        .file_name("photo.jpg")
        .mime_str("image/jpeg")
        .unwrap();
    let mut form = reqwest::multipart::Form::new().text("kind", kind.to_owned());
    if let Some(s) = slot {
        form = form.text("slot", s.to_owned());
    }
    let resp = app
        .client
        .post(app.url(&format!("/api/v1/applications/{id}/documents")))
        .bearer_auth(token)
        .multipart(form.part("file", part))
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap_or(Value::Null);
    Resp { status, body }
}

async fn id_card_sides(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/applications/{id}/documents"), Some(token))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "id_card")
        .map(|d| d["slot"].clone())
        .collect()
}

async fn id_card_front_and_back(backend: Backend) {
    let app = spawn_app(backend).await;
    // The catalogue says which sides an ID card has.
    let types = app.get("/api/v1/certificate-types", None).await;
    let residence = types.body["items"]
        .as_array()
        .or(types.body.as_array())
        .unwrap()
        .iter()
        .find(|t| t["code"] == "residence")
        .cloned()
        .unwrap();
    let id_card = residence["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "id_card")
        .unwrap()
        .clone();
    let codes: Vec<&str> = id_card["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["front", "back"]);
    assert!(id_card["slots"][0]["name_zh"]
        .as_str()
        .unwrap()
        .contains("正面"));

    let (token, _, _) = app.new_resident("王秀英").await;
    let draft = app.bare_draft(&token, "pickup").await;
    let id = draft["id"].as_str().unwrap();

    // A client that knows nothing of sides fills the first empty one.
    let r = upload_slot(&app, &token, id, "id_card", None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["slot"], "front");

    // The front again, a side the card does not have, a side on a kind without sides:
    // each refused in Chinese first, nothing stored.
    for (kind, slot, says) in [
        ("id_card", "front", "已经上传"),
        ("id_card", "left", "只能是"),
        ("lease_or_property", "front", "不分正反面"),
    ] {
        let r = upload_slot(&app, &token, id, kind, Some(slot)).await;
        assert_eq!(r.status, 422, "{kind}/{slot}: {}", r.body);
        let message = r.body["error"]["fields"]["slot"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains(says) && has_chinese(message), "{message}");
    }
    assert_eq!(
        id_card_sides(&app, &token, id).await,
        [Value::from("front")]
    );

    let r = upload_slot(&app, &token, id, "id_card", Some("back")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["slot"], "back");
    // Both sides there: the kind is full.
    let r = upload_slot(&app, &token, id, "id_card", None).await;
    assert_eq!(r.status, 422, "{}", r.body);

    // The front deleted, the next upload without a side takes its place again.
    let docs = app
        .get(
            &format!("/api/v1/applications/{id}/documents"),
            Some(&token),
        )
        .await;
    let front = docs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["slot"] == "front")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .send(
            Method::DELETE,
            &format!("/api/v1/documents/{front}"),
            Some(&token),
            None,
        )
        .await;
    assert!(r.status < 300, "{}", r.body);
    let r = upload_slot(&app, &token, id, "id_card", None).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["slot"], "front");
    let mut sides = id_card_sides(&app, &token, id).await;
    sides.sort_by_key(|s| s.as_str().unwrap_or_default().to_owned());
    assert_eq!(sides, [Value::from("back"), Value::from("front")]);
}
both_backends!(id_card_front_and_back);
