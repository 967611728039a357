//! Issue 15: the signing keys for admins — the list, a rotation that says a restart is
//! needed (the running service keeps its key), the public keys downloadable for offline
//! `zhengming verify`; a county's admin may look but not rotate.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{spawn_app, Backend};

async fn keys_are_listed_rotated_and_downloadable(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let r = app.get("/api/v1/admin/keys", Some(&admin)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let keys = r.body["keys"].as_array().unwrap().clone();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["active"], true);
    assert_eq!(keys[0]["in_use"], true);
    assert_eq!(r.body["restart_needed"], false);
    let old = keys[0]["kid"].as_str().unwrap().to_owned();

    let county_admin = app.add_staff("admin", "220421", "东丰县管理员").await;
    let r = app
        .post("/api/v1/admin/keys/rotate", Some(&county_admin), json!({}))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);

    let r = app
        .post("/api/v1/admin/keys/rotate", Some(&admin), json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["restart_needed"], true, "{}", r.body);
    let keys = r.body["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let new = keys.iter().find(|k| k["active"] == true).unwrap();
    assert_ne!(new["kid"], old);
    assert_eq!(new["in_use"], false, "the running service keeps its key");

    // The public key file, as the offline verifier reads it.
    let r = app
        .client
        .get(app.url(&format!("/admin/keys/{old}/public-key")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("{old}.pub")));
    let hex = r.text().await.unwrap();
    assert_eq!(
        hex,
        keys.iter().find(|k| k["kid"] == old.as_str()).unwrap()["public_key"]
    );
    let page = app
        .client
        .get(app.url("/admin/keys"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"keys-restart\""), "{page}");
    let audit = app.get("/api/v1/admin/audit?limit=5", Some(&admin)).await;
    assert!(
        audit.body.to_string().contains("signing_key_rotate"),
        "{}",
        audit.body
    );
}
both_backends!(keys_are_listed_rotated_and_downloadable);
