//! Issue 15: a county loads its jurisdictions from the official division codes — the
//! import is previewed, applied in one transaction, idempotent, renames keep the code,
//! and a village that disappears is deactivated with its cases intact; a county's admin
//! cannot touch another county.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{accounts, spawn_app, Backend, TestApp};

const FIXTURE: &str = include_str!("../fixtures/divisions-2023-pilot.csv");

async fn send_csv(app: &TestApp, path: &str, token: &str, csv: &str) -> crate::helpers::Resp {
    app.send_raw(Method::POST, path, Some(token), "text/csv", csv)
        .await
}

fn codes(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn admin_list(app: &TestApp, token: &str) -> Vec<Value> {
    let r = app.get("/api/v1/admin/jurisdictions", Some(token)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn import_pilot_rename_and_deactivate(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let resident = app.new_resident("区划测试").await.0;
    let case = app.submitted(&resident, "pickup").await;

    // The preview says what would change and changes nothing.
    let p = send_csv(
        &app,
        "/api/v1/admin/jurisdictions/import/preview",
        &admin,
        FIXTURE,
    )
    .await;
    assert_eq!(p.status, 200, "{}", p.body);
    assert_eq!(p.body["applied"], false);
    let added = codes(&p.body["added"]);
    assert!(
        added.contains(&"222403109".to_owned()),
        "江源镇 is new: {added:?}"
    );
    assert!(!added.contains(&accounts::TOWNSHIP.to_owned()));
    // The demo's invented village is not in the official list.
    assert!(
        codes(&p.body["deactivated"]).contains(&accounts::OTHER_VILLAGE_SAME_TOWNSHIP.to_owned())
    );
    assert!(!admin_list(&app, &admin)
        .await
        .iter()
        .any(|j| j["code"] == "222403109"));

    let r = send_csv(&app, "/api/v1/admin/jurisdictions/import", &admin, FIXTURE).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["applied"], true);
    let list = admin_list(&app, &admin).await;
    let j = list
        .iter()
        .find(|j| j["code"] == "222403109")
        .expect("江源镇 imported");
    assert_eq!(
        (
            j["name"].as_str(),
            j["level"].as_str(),
            j["active"].as_bool()
        ),
        (Some("江源镇"), Some("township"), Some(true))
    );

    // Unchanged file: nothing to do.
    let again = send_csv(&app, "/api/v1/admin/jurisdictions/import", &admin, FIXTURE).await;
    assert_eq!(again.status, 200, "{}", again.body);
    for k in ["added", "renamed", "deactivated", "reactivated"] {
        assert_eq!(again.body[k], json!([]), "{k}: {}", again.body);
    }

    // One rename, one village gone (the one with the case).
    let changed: String = FIXTURE
        .lines()
        .filter(|l| !l.starts_with(accounts::VILLAGE))
        .map(|l| l.replace("220421100203,双全村", "220421100203,双全新村"))
        .collect::<Vec<_>>()
        .join("\n");
    let r = send_csv(&app, "/api/v1/admin/jurisdictions/import", &admin, &changed).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(codes(&r.body["renamed"]), ["220421100203"]);
    assert_eq!(r.body["renamed"][0]["old_name"], "双全村");
    assert_eq!(codes(&r.body["deactivated"]), [accounts::VILLAGE]);
    let list = admin_list(&app, &admin).await;
    let gone = list
        .iter()
        .find(|j| j["code"] == accounts::VILLAGE)
        .expect("kept, not deleted");
    assert_eq!(gone["active"], false);
    let tree = app
        .get("/api/v1/jurisdictions", None)
        .await
        .body
        .to_string();
    assert!(
        !tree.contains(accounts::VILLAGE) && tree.contains("双全新村"),
        "{tree}"
    );

    // Its case is intact and still worked by the village's official …
    let official = app.login_staff("official", accounts::VILLAGE).await;
    let id = case["id"].as_str().unwrap();
    let d = app
        .get(&format!("/api/v1/applications/{id}"), Some(&official))
        .await;
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["status"], case["status"]);
    // … but no new application may choose it.
    let r = app
        .post(
            "/api/v1/applications",
            Some(&resident),
            json!({"type": "residence", "jurisdiction": accounts::VILLAGE,
                   "form": crate::helpers::residence_form(), "delivery": {"method": "pickup"}}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
}
both_backends!(import_pilot_rename_and_deactivate);

async fn a_bad_row_refuses_the_whole_file(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let before = admin_list(&app, &admin).await.len();
    // Line 4: a village whose township is neither in the file nor in the system.
    let csv = "code,name\n222403,敦化市\n222403109,江源镇\n222403777201,孤儿村\n";
    let r = send_csv(&app, "/api/v1/admin/jurisdictions/import", &admin, csv).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let msg = r.body.to_string();
    assert!(msg.contains("第 4 行") && msg.contains("Line 4"), "{msg}");
    let dup = send_csv(
        &app,
        "/api/v1/admin/jurisdictions/import",
        &admin,
        "222403109,江源镇\n222403109,江源\n",
    )
    .await;
    assert_eq!(dup.status, 422, "{}", dup.body);
    assert!(dup.body.to_string().contains("第 2 行"), "{}", dup.body);
    assert_eq!(
        admin_list(&app, &admin).await.len(),
        before,
        "nothing imported"
    );

    // GBK with a BOM-less header, as Excel saves it.
    let (gbk, _, _) = encoding_rs::GBK.encode("代码,名称\r\n222403109,江源镇\r\n");
    let resp = app
        .client
        .post(app.url("/api/v1/admin/jurisdictions/import"))
        .bearer_auth(&admin)
        .header("content-type", "text/csv")
        .body(gbk.into_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(admin_list(&app, &admin)
        .await
        .iter()
        .any(|j| j["name"] == "江源镇"));
}
both_backends!(a_bad_row_refuses_the_whole_file);

async fn a_county_admin_cannot_touch_another_county(backend: Backend) {
    let app = spawn_app(backend).await;
    // An admin of 东丰县 (220421); the demo case is in 敦化市 (222403).
    let county_admin = app.add_staff("admin", "220421", "东丰县管理员").await;
    let resident = app.new_resident("跨县测试").await.0;
    let case = app.submitted(&resident, "pickup").await;
    let id = case["id"].as_str().unwrap();
    let r = app
        .get(&format!("/api/v1/applications/{id}"), Some(&county_admin))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(!app.listed_ids(&county_admin).await.contains(&id.to_owned()));

    let r = send_csv(
        &app,
        "/api/v1/admin/jurisdictions/import",
        &county_admin,
        FIXTURE,
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = app
        .post(
            "/api/v1/admin/jurisdictions",
            Some(&county_admin),
            json!({"code": "222403108902", "name": "越界村"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let list = admin_list(&app, &county_admin).await;
    assert!(list
        .iter()
        .all(|j| j["code"].as_str().unwrap().starts_with("220421")));

    // Within the county: a village added, then renamed, code kept.
    let r = app
        .post(
            "/api/v1/admin/jurisdictions",
            Some(&county_admin),
            json!({"code": "220421100230", "name": "新村"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .patch(
            "/api/v1/admin/jurisdictions/220421100230",
            Some(&county_admin),
            json!({"name": "新建村"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["old_name"], "新村");
    let tree = app
        .get("/api/v1/jurisdictions", None)
        .await
        .body
        .to_string();
    assert!(tree.contains("新建村"), "{tree}");

    // The whole-installation admin still sees the case.
    let admin = app.admin_token().await;
    assert_eq!(
        app.get(&format!("/api/v1/applications/{id}"), Some(&admin))
            .await
            .status,
        200
    );
}
both_backends!(a_county_admin_cannot_touch_another_county);
