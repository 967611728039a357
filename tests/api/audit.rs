//! The audit log (issue 14): every sign-in (failed ones too), staff download of a
//! certificate, reveal of an ID number and staff view of a document is a row with who,
//! what, when and from where — never the ID number itself; admins read it by person or
//! by case (`GET /api/v1/admin/audit`, `/admin/audit`).

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{accounts, phone, spawn_app, Backend, TestApp};

/// Every text of every `access_log` row, for "no ID number anywhere".
async fn all_audit_text(app: &TestApp) -> String {
    use diesel::prelude::*;
    use zhengming::db::schema::access_log::dsl as a;
    app.with_db(|c| {
        a::access_log
            .select((
                a::user_id,
                a::action,
                a::target_type,
                a::target_id,
                a::outcome,
                a::phone,
                a::application_id,
                a::client_addr,
                a::user_agent,
                a::detail,
            ))
            .load::<(
                Option<String>,
                String,
                String,
                String,
                String,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
            )>(c)
            .unwrap()
    })
    .await
    .iter()
    .map(|r| format!("{r:?}"))
    .collect::<Vec<_>>()
    .join("\n")
}

async fn audit(app: &TestApp, admin: &str, query: &str) -> Vec<Value> {
    let r = app
        .get(&format!("/api/v1/admin/audit?{query}"), Some(admin))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn sign_ins_are_audited_failed_and_successful(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, resident_phone, _) = app.new_resident("赵六").await;
    let admin = app.admin_token().await;
    let send = |phone: String, password: &'static str| {
        let c = app.client.clone();
        let url = app.url("/api/v1/session");
        async move {
            c.post(url)
                .header("user-agent", "audit-test/1.0")
                .json(&json!({"phone": phone, "password": password}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(send(resident_phone.clone(), "wrong-password").await, 401);
    let unknown = phone();
    assert_eq!(send(unknown.clone(), "whatever-pass").await, 401);
    assert_eq!(send(resident_phone.clone(), "secret-pass-1").await, 200);

    let rows = audit(&app, &admin, &format!("user={resident_phone}")).await;
    let sign_ins: Vec<_> = rows.iter().filter(|r| r["action"] == "sign_in").collect();
    // Newest first: the success, the failure, and the sign-in of new_resident.
    assert_eq!(sign_ins.len(), 3, "{rows:?}");
    assert_eq!(sign_ins[0]["outcome"], "ok");
    assert_eq!(sign_ins[1]["outcome"], "failed");
    assert_eq!(sign_ins[1]["detail"], "wrong_password");
    for r in &sign_ins[..2] {
        assert_eq!(r["user_name"], "赵六");
        assert_eq!(r["phone"], resident_phone.as_str());
        assert_eq!(r["client_addr"], "127.0.0.1");
        assert_eq!(r["user_agent"], "audit-test/1.0");
        assert!(r["at"].is_string());
    }
    // A phone with no account is recorded too (it names no user).
    let rows = audit(&app, &admin, &format!("user={unknown}")).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["outcome"], "failed");
    assert_eq!(rows[0]["detail"], "unknown_phone");
    assert!(rows[0]["user_id"].is_null());

    // An account change names the fields, not their values.
    let token = app.login(&resident_phone, "secret-pass-1").await;
    let r = app
        .patch(
            "/api/v1/me",
            Some(&token),
            json!({"language": "en", "email": "zl@example.cn"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = audit(&app, &admin, &format!("user={resident_phone}")).await;
    assert_eq!(rows[0]["action"], "account_update", "{rows:?}");
    assert_eq!(rows[0]["detail"], "email,language");
    assert!(!rows[0].to_string().contains("zl@example.cn"));

    // The same by name, and a name nobody has.
    let rows = audit(&app, &admin, "user=赵六").await;
    assert!(rows.len() >= 5, "{rows:?}");
    assert!(audit(&app, &admin, "user=无此人").await.is_empty());
}
both_backends!(sign_ins_are_audited_failed_and_successful);

async fn staff_reads_of_personal_data_are_audited_by_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, id_number) = app.new_resident("钱七").await;
    let case = app.issued(&resident, "pickup").await;
    let id = case["id"].as_str().unwrap();
    let number = case["number"].as_str().unwrap();
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let township_phone = app.staff_phone("official", accounts::TOWNSHIP).await;

    // The owner's own reads are not staff access: nothing logged for them.
    let r = app
        .get(
            &format!("/api/v1/applications/{id}/certificate.pdf"),
            Some(&resident),
        )
        .await;
    assert_eq!(r.status, 200);
    let admin = app.admin_token().await;
    assert!(audit(&app, &admin, &format!("case={number}"))
        .await
        .is_empty());

    // Staff: a reveal, a document, a thumbnail, the certificate.
    let r = app
        .get(
            &format!("/api/v1/applications/{id}?reveal=true"),
            Some(&township),
        )
        .await;
    assert_eq!(r.body["subject_id_number"], id_number.as_str());
    let doc = case["documents"][0]["id"].as_str().unwrap();
    assert_eq!(
        app.get(&format!("/api/v1/documents/{doc}"), Some(&township))
            .await
            .status,
        200
    );
    assert_eq!(
        app.get(&format!("/api/v1/documents/{doc}?thumb=1"), Some(&township))
            .await
            .status,
        200
    );
    let r = app
        .get(
            &format!("/api/v1/applications/{id}/certificate.pdf"),
            Some(&township),
        )
        .await;
    assert_eq!(r.status, 200);

    let rows = audit(&app, &admin, &format!("case={number}")).await;
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(
        actions,
        [
            "download_certificate",
            "view_document_thumb",
            "view_document",
            "reveal_id_number"
        ],
        "newest first"
    );
    for r in &rows {
        assert_eq!(r["case_number"], number);
        assert_eq!(r["user_name"], "雁鸣湖镇经办人");
        assert_eq!(r["user_role"], "official");
        assert_eq!(r["phone"], township_phone.as_str());
        assert_eq!(r["client_addr"], "127.0.0.1");
        assert_eq!(r["outcome"], "ok");
    }
    assert_eq!(rows[0]["target_id"], case["certificate"]["number"]);
    // The case number is matched whatever its case.
    let lower = audit(&app, &admin, &format!("case={}", number.to_lowercase())).await;
    assert_eq!(lower.len(), 4);

    // Paginated: two at a time, the cursor continues where the page ended.
    let r = app
        .get(
            &format!("/api/v1/admin/audit?case={number}&limit=2"),
            Some(&admin),
        )
        .await;
    let first: Vec<Value> = r.body["items"].as_array().unwrap().clone();
    let cursor = r.body["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let r = app
        .get(
            &format!("/api/v1/admin/audit?case={number}&limit=2&cursor={cursor}"),
            Some(&admin),
        )
        .await;
    let second: Vec<Value> = r.body["items"].as_array().unwrap().clone();
    let ids: Vec<_> = first
        .iter()
        .chain(&second)
        .map(|r| r["id"].clone())
        .collect();
    let all: Vec<_> = rows.iter().map(|r| r["id"].clone()).collect();
    assert_eq!(ids, all);
    app.get("/api/v1/admin/audit?cursor=nonsense", Some(&admin))
        .await
        .field_error("cursor");

    // Only admins read it.
    app.get("/api/v1/admin/audit", Some(&township))
        .await
        .error(403, "forbidden");

    // The admin page lists the same rows, filtered by case.
    let page = app
        .get(&format!("/admin/audit?case={number}"), Some(&admin))
        .await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().unwrap();
    assert_eq!(html.matches("<li class=\"card\">").count(), 4, "{html}");
    assert!(
        html.contains("查看完整身份证号") && html.contains("下载证明"),
        "{html}"
    );

    // Nowhere in the log: the ID number.
    let text = all_audit_text(&app).await;
    assert!(!text.is_empty());
    assert!(!text.contains(&id_number), "{text}");
}
both_backends!(staff_reads_of_personal_data_are_audited_by_case);
