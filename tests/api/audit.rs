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

/// The `access_log` rows of one action: (user_id, target_type, outcome, phone, client
/// address, detail), oldest first.
#[allow(clippy::type_complexity)]
async fn rows_of(
    app: &TestApp,
    action: &'static str,
) -> Vec<(
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
)> {
    use diesel::prelude::*;
    use zhengming::db::schema::access_log::dsl as a;
    app.with_db(move |c| {
        a::access_log
            .filter(a::action.eq(action))
            .order(a::created_at.asc())
            .select((
                a::user_id,
                a::target_type,
                a::outcome,
                a::phone,
                a::client_addr,
                a::detail,
            ))
            .load(c)
            .unwrap()
    })
    .await
}

/// A password reset, a password change, a phone change and ending sessions each leave
/// their row (with the client address), written with the change; a sign-in with a
/// malformed phone is a failed sign-in (`bad_phone`).
async fn account_changes_are_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, old_phone, _) = app.new_resident("钱七").await;
    let admin = app.admin_token().await;
    let user_id = app
        .with_db({
            let p = old_phone.clone();
            move |c| zhengming::db::users::by_phone(c, &p).unwrap().unwrap().id
        })
        .await;

    // A reset by SMS code.
    let code = app.sms_code(&old_phone, "reset_password").await;
    let r = app
        .post(
            "/api/v1/password-reset",
            None,
            json!({"phone": old_phone, "code": code, "new_password": "reset-pass-4"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let rows = rows_of(&app, "password_reset").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0.as_deref(), Some(user_id.as_str()));
    assert_eq!(rows[0].2, "ok");
    assert_eq!(rows[0].3.as_deref(), Some(old_phone.as_str()));
    assert_eq!(rows[0].4.as_deref(), Some("127.0.0.1"));

    // A password change.
    let here = app.login(&old_phone, "reset-pass-4").await;
    let _elsewhere = app.login(&old_phone, "reset-pass-4").await;
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&here),
            json!({"current_password": "reset-pass-4", "new_password": "changed-pass-5"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let rows = rows_of(&app, "password_change").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0.as_deref(), Some(user_id.as_str()));
    assert_eq!(rows[0].4.as_deref(), Some("127.0.0.1"));
    assert_eq!(rows[0].5.as_deref(), Some("other_sessions_ended=1"));

    // Ending one other session, then all the others.
    let second = app.login(&old_phone, "changed-pass-5").await;
    let list = app.get("/api/v1/me/sessions", Some(&here)).await;
    let other_id = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/me/sessions/{other_id}"),
            Some(&here),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(app.get("/api/v1/me", Some(&second)).await.status, 401);
    let _third = app.login(&old_phone, "changed-pass-5").await;
    let r = app
        .send(
            reqwest::Method::DELETE,
            "/api/v1/me/sessions",
            Some(&here),
            None,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let rows = rows_of(&app, "session_end").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert!(rows
        .iter()
        .all(|r| r.0.as_deref() == Some(user_id.as_str())));
    assert!(rows.iter().all(|r| r.4.as_deref() == Some("127.0.0.1")));
    assert_eq!(rows[0].1, "session");
    assert_eq!(rows[0].5.as_deref(), Some("other"));
    assert_eq!(rows[1].1, "user");
    assert_eq!(rows[1].5.as_deref(), Some("others=1"));

    // A phone change: the new phone masked in the detail.
    let new_phone = phone();
    let code = app.sms_code(&new_phone, "change_phone").await;
    let r = app
        .post(
            "/api/v1/me/phone",
            Some(&here),
            json!({"phone": new_phone, "code": code, "current_password": "changed-pass-5"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = rows_of(&app, "phone_change").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0.as_deref(), Some(user_id.as_str()));
    assert_eq!(rows[0].3.as_deref(), Some(old_phone.as_str()));
    let masked = zhengming::notify::mask::phone(&new_phone);
    assert_eq!(
        rows[0].5.as_deref(),
        Some(format!("new_phone={masked}").as_str())
    );
    assert!(!all_audit_text(&app).await.contains(&new_phone));

    // The admin reads them by person.
    let rows = audit(&app, &admin, "user=钱七").await;
    for action in [
        "password_reset",
        "password_change",
        "phone_change",
        "session_end",
    ] {
        assert!(
            rows.iter().any(|r| r["action"] == action),
            "{action}: {rows:?}"
        );
    }

    // A sign-in with something that is not a phone number.
    let r = app
        .post(
            "/api/v1/session",
            None,
            json!({"phone": "12345", "password": "whatever-pass"}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let rows = rows_of(&app, "sign_in").await;
    let bad: Vec<_> = rows
        .iter()
        .filter(|r| r.5.as_deref() == Some("bad_phone"))
        .collect();
    assert_eq!(bad.len(), 1, "{rows:?}");
    assert_eq!(bad[0].2, "failed");
    assert!(bad[0].0.is_none());
    assert_eq!(bad[0].3.as_deref(), Some("12345"));
    assert_eq!(bad[0].4.as_deref(), Some("127.0.0.1"));
}
both_backends!(account_changes_are_audited);

/// Staff opening a case (its form tells who is poor or on 低保) and anyone printing a
/// delivery label or manifest (names, phones, addresses) leave a row; the owner reading
/// their own case does not.
async fn case_views_and_delivery_prints_are_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("孙九").await;
    let case = app.issued(&resident, "courier").await;
    let id = case["id"].as_str().unwrap();
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let courier = app.login_staff("courier", accounts::TOWNSHIP).await;
    let views = rows_of(&app, "view_case").await.len();

    let path = format!("/api/v1/applications/{id}");
    assert_eq!(app.get(&path, Some(&resident)).await.status, 200);
    assert_eq!(rows_of(&app, "view_case").await.len(), views, "owner");
    let r = app.get(&path, Some(&township)).await;
    assert_eq!(r.status, 200);
    let rows = rows_of(&app, "view_case").await;
    assert_eq!(rows.len(), views + 1);
    let (user, target, outcome, _, addr, _) = rows.last().unwrap().clone();
    assert!(user.is_some());
    assert_eq!(
        (target.as_str(), outcome.as_str(), addr.as_deref()),
        ("application", "ok", Some("127.0.0.1"))
    );
    // The office's case page is the same view.
    let before = rows_of(&app, "view_case").await.len();
    app.get(&format!("/office/{id}"), Some(&township)).await;
    assert_eq!(rows_of(&app, "view_case").await.len(), before + 1);

    let dispatch = r.body["dispatch"]["id"].as_str().expect("dispatch id");
    let r = app
        .get(
            &format!("/api/v1/dispatches/{dispatch}/label.pdf"),
            Some(&township),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = app
        .get("/api/v1/dispatches/manifest.pdf", Some(&courier))
        .await;
    assert_eq!(r.status, 200);
    let labels = rows_of(&app, "download_label").await;
    assert_eq!(labels.len(), 1);
    assert_eq!(labels[0].1, "dispatch");
    let manifests = rows_of(&app, "download_manifest").await;
    assert_eq!(manifests.len(), 1);
    assert_eq!(manifests[0].1, "manifest");
}
both_backends!(case_views_and_delivery_prints_are_audited);

/// The log also narrows by action and by a range of days (China time, both ends in);
/// a mistyped date or an unknown action is refused in zh and en.
async fn the_audit_log_filters_by_action_and_date(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    app.add_staff("official", accounts::VILLAGE, "审计筛选")
        .await;
    let r = app
        .get("/api/v1/admin/audit?action=sign_in&limit=200", Some(&admin))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let items = r.body["items"].as_array().unwrap();
    assert!(!items.is_empty());
    assert!(items.iter().all(|e| e["action"] == "sign_in"), "{}", r.body);

    let today = zhengming::domain::calendar::china_date(chrono::Utc::now());
    let r = app
        .get(
            &format!("/api/v1/admin/audit?action=sign_in&from={today}&to={today}"),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(
        !r.body["items"].as_array().unwrap().is_empty(),
        "today's sign-ins"
    );
    let yesterday = today.pred_opt().unwrap();
    let r = app
        .get(&format!("/api/v1/admin/audit?to={yesterday}"), Some(&admin))
        .await;
    assert_eq!(r.status, 200);
    assert!(
        r.body["items"].as_array().unwrap().is_empty(),
        "nothing before today: {}",
        r.body
    );

    let r = app
        .get("/api/v1/admin/audit?from=2026-13-01", Some(&admin))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.to_string().contains("YYYY-MM-DD"), "{}", r.body);
    let r = app
        .get("/api/v1/admin/audit?action=nonsense", Some(&admin))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let page = app
        .client
        .get(app.url("/admin/audit?action=sign_in&from=bad"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"audit-problems\""), "{page}");
}
both_backends!(the_audit_log_filters_by_action_and_date);

/// A county's admin reads the log of that county only: its cases and its staff, not a
/// neighbouring county's (who looked at whose file is personal data too).
async fn a_county_admin_reads_only_that_countys_log(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("周县").await;
    // The demo village is in 敦化市 (222403); a township official there opens the case.
    let case = app.submitted(&resident, "pickup").await;
    let (id, number) = (
        case["id"].as_str().unwrap(),
        case["number"].as_str().unwrap().to_owned(),
    );
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let path = format!("/api/v1/applications/{id}");
    assert_eq!(app.get(&path, Some(&township)).await.status, 200);

    // The demo administrator (no jurisdiction) first: it is looked up as the admin.
    let province = app.admin_token().await;
    let here = app.add_staff("admin", "222403", "敦化市管理员").await;
    let elsewhere = app.add_staff("admin", "220421", "东丰县管理员").await;
    let mentions = |items: &[Value]| items.iter().any(|i| i.to_string().contains(&number));
    assert!(mentions(&audit(&app, &here, "action=view_case").await));
    assert!(mentions(&audit(&app, &province, "action=view_case").await));
    let other = audit(&app, &elsewhere, "action=view_case").await;
    assert!(!mentions(&other), "{other:?}");
    // By case number too, and on the page (also when a filter is mistyped).
    assert!(audit(&app, &elsewhere, &format!("case={number}"))
        .await
        .is_empty());
    for query in ["", "?from=2026-13-40"] {
        let page = app
            .get(&format!("/admin/audit{query}"), Some(&elsewhere))
            .await;
        assert_eq!(page.status, 200);
        assert!(!page.body.as_str().unwrap().contains(&number), "{query}");
        let page = app.get(&format!("/admin/audit{query}"), Some(&here)).await;
        assert!(page.body.as_str().unwrap().contains(&number), "{query}");
    }
}
both_backends!(a_county_admin_reads_only_that_countys_log);
