//! Issue 15: an administrator manages staff — deactivation ends every session at once
//! and lists the open work to reassign; a county's admin reaches that county only.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{accounts, spawn_app, Backend};

async fn deactivation_ends_sessions_and_lists_open_work(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let resident = app.new_resident("停用测试").await.0;
    let case = app.submitted(&resident, "pickup").await;
    let official = app
        .add_staff("official", accounts::VILLAGE, "将停用的经办人")
        .await;
    assert_eq!(app.get("/api/v1/me", Some(&official)).await.status, 200);

    let r = app
        .get("/api/v1/admin/staff?q=将停用&active=true", Some(&admin))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", r.body);
    assert!(
        items[0]["phone"].as_str().unwrap().contains("****"),
        "masked"
    );
    let id = items[0]["id"].as_str().unwrap().to_owned();

    let r = app
        .post(
            &format!("/api/v1/admin/staff/{id}/deactivate"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["user"]["status"], "disabled");
    let open: Vec<_> = r.body["open_work"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].clone())
        .collect();
    assert!(open.contains(&case["id"]), "{}", r.body);
    // The session ended at once.
    assert_eq!(app.get("/api/v1/me", Some(&official)).await.status, 401);
    let listed = app
        .get("/api/v1/admin/staff?q=将停用&active=false", Some(&admin))
        .await;
    assert_eq!(
        listed.body["items"][0]["status"], "disabled",
        "{}",
        listed.body
    );
}
both_backends!(deactivation_ends_sessions_and_lists_open_work);

async fn a_county_admin_manages_only_that_countys_staff(backend: Backend) {
    let app = spawn_app(backend).await;
    let county_admin = app.add_staff("admin", "220421", "东丰县管理员").await;
    let elsewhere = app
        .add_staff("official", accounts::VILLAGE, "敦化经办人")
        .await;
    let admin = app.admin_token().await;
    let r = app
        .get("/api/v1/admin/staff?q=敦化经办人", Some(&admin))
        .await;
    let id = r.body["items"][0]["id"].as_str().unwrap().to_owned();

    let r = app.get("/api/v1/admin/staff", Some(&county_admin)).await;
    assert_eq!(r.status, 200);
    assert!(r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["jurisdiction"]
            .as_str()
            .unwrap_or("")
            .starts_with("220421")));
    let r = app
        .post(
            &format!("/api/v1/admin/staff/{id}/deactivate"),
            Some(&county_admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert_eq!(
        app.get("/api/v1/me", Some(&elsewhere)).await.status,
        200,
        "untouched"
    );
}
both_backends!(a_county_admin_manages_only_that_countys_staff);
