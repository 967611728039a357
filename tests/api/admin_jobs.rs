//! Administrators list failed jobs and retry them.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{spawn_app, Backend, TestApp};
use crate::notify::wait_until;

async fn failed_jobs_are_listed_and_retried(backend: Backend) {
    let app = spawn_app(backend).await;
    // A job no worker knows fails permanently at its first attempt.
    let id = app
        .app_db
        .write(|c| {
            zhengming::jobs::enqueue(c, "no_such_kind", &json!({}), 5)
                .map_err(zhengming::db::DbError::from)
        })
        .await
        .unwrap();
    let admin = admin_token(&app).await;
    let failed = || async {
        let r = app
            .get("/api/v1/admin/jobs?status=failed", Some(&admin))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["id"] == id.as_str())
            .cloned()
    };
    wait_until(30, "job parked as failed", || async {
        failed().await.is_some()
    })
    .await;
    let job = failed().await.unwrap();
    assert_eq!(job["attempts"], 1);
    assert!(job["last_error"]
        .as_str()
        .unwrap()
        .contains("unknown job kind"));

    let (resident, _, _) = app.new_resident("张三").await;
    app.get("/api/v1/admin/jobs", Some(&resident))
        .await
        .error(403, "forbidden");
    app.get("/api/v1/admin/jobs?status=weird", Some(&admin))
        .await
        .field_error("status");

    let r = app
        .post(
            &format!("/api/v1/admin/jobs/{id}/retry"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["attempts"], 0);
    // It fails again (the kind is still unknown), so it is back in the failed list.
    wait_until(30, "failed again", || async {
        failed()
            .await
            .is_some_and(|j| j["attempts"] == 1 && j["updated_at"] != job["updated_at"])
    })
    .await;
    app.post("/api/v1/admin/jobs/nope/retry", Some(&admin), json!({}))
        .await
        .error(404, "not_found");
}
both_backends!(failed_jobs_are_listed_and_retried);

async fn the_jobs_page_lists_and_retries(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = app
        .app_db
        .write(|c| {
            zhengming::jobs::enqueue(c, "no_such_kind", &json!({}), 5)
                .map_err(zhengming::db::DbError::from)
        })
        .await
        .unwrap();
    let admin = admin_token(&app).await;
    let page = || async {
        let r = app
            .client
            .get(app.url("/admin/jobs"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.text().await.unwrap()
    };
    let action = format!("/admin/jobs/{id}/retry");
    wait_until(30, "the failed job is on the page", || async {
        page().await.contains(&action)
    })
    .await;
    assert!(page().await.contains("unknown job kind"));

    let token = "t".repeat(43);
    let r = app
        .client
        .post(app.url(&action))
        .bearer_auth(&admin)
        .header("cookie", format!("zm_csrf={token}"))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    // A refused retry would answer on the form's URL; a done one goes back to the list.
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.url().path(), "/admin/jobs", "back to the list");
}
both_backends!(the_jobs_page_lists_and_retries);

async fn admin_token(app: &TestApp) -> String {
    app.admin_token().await
}
