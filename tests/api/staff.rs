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

fn csv_import<'a>(
    app: &'a crate::helpers::TestApp,
    token: &'a str,
    csv: &'a str,
) -> impl std::future::Future<Output = crate::helpers::Resp> + 'a {
    app.send_raw(
        reqwest::Method::POST,
        "/api/v1/admin/staff/import",
        Some(token),
        "text/csv",
        csv,
    )
}

async fn a_staff_file_with_a_bad_row_imports_nothing_and_names_the_row(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let bad = "role,phone,name,jurisdiction\n\
               official,13900001001,导入甲,222403108200\n\
               courier,13900001002,导入乙,999999999\n";
    let r = csv_import(&app, &admin, bad).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let msg = r.body.to_string();
    assert!(msg.contains("第 3 行"), "{msg}");
    assert!(msg.contains("Line 3"), "{msg}");
    let listed = app.get("/api/v1/admin/staff?q=导入", Some(&admin)).await;
    assert_eq!(
        listed.body["items"].as_array().unwrap().len(),
        0,
        "nothing imported"
    );

    let good = "role,phone,name,jurisdiction\n\
                official,13900001001,导入甲,222403108200\n\
                courier,13900001002,导入乙,222403108\n";
    let r = csv_import(&app, &admin, good).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let created = r.body["created"].as_array().unwrap();
    assert_eq!(created.len(), 2);
    assert_eq!(created[1]["line"], 3);
    // The one-time password signs in, and must be changed before anything else.
    let pw = created[0]["one_time_password"].as_str().unwrap();
    let token = app.login("13900001001", pw).await;
    assert_eq!(
        app.get("/api/v1/applications", Some(&token)).await.status,
        403
    );
    // The same file again: the phones are taken, nothing changes.
    let r = csv_import(&app, &admin, good).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.to_string().contains("第 2 行"), "{}", r.body);
}
both_backends!(a_staff_file_with_a_bad_row_imports_nothing_and_names_the_row);

async fn a_reset_password_must_be_changed_at_the_next_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let r = app
        .post(
            "/api/v1/admin/staff",
            Some(&admin),
            json!({"role": "official", "phone": "13900002001", "name": "重置测试",
                   "jurisdiction": accounts::VILLAGE}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["user"]["id"].as_str().unwrap().to_owned();
    let first = r.body["one_time_password"].as_str().unwrap().to_owned();
    let old = app.login("13900002001", &first).await;

    let r = app
        .post(
            &format!("/api/v1/admin/staff/{id}/password-reset"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let otp = r.body["one_time_password"].as_str().unwrap().to_owned();
    assert_ne!(otp, first);
    assert_eq!(
        app.get("/api/v1/me", Some(&old)).await.status,
        401,
        "sessions ended"
    );
    assert_eq!(app.try_login("13900002001", &first).await.status, 401);

    let token = app.login("13900002001", &otp).await;
    let r = app.get("/api/v1/applications", Some(&token)).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.to_string().contains("请先修改密码"), "{}", r.body);
    // Pages send the person to /account.
    let page = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/office"))
        .header("cookie", format!("zm_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 303);
    assert_eq!(page.headers()["location"], "/account");

    let r = app
        .post(
            "/api/v1/me/password",
            Some(&token),
            json!({"current_password": otp, "new_password": "my-own-pass-77"}),
        )
        .await;
    assert!(r.status < 300, "{}", r.body);
    let token = app.login("13900002001", "my-own-pass-77").await;
    assert_eq!(
        app.get("/api/v1/applications", Some(&token)).await.status,
        200
    );
}
both_backends!(a_reset_password_must_be_changed_at_the_next_sign_in);

async fn an_admin_changes_role_and_jurisdiction(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let official = app
        .add_staff("official", accounts::VILLAGE, "调动测试")
        .await;
    let r = app
        .get("/api/v1/admin/staff?q=调动测试", Some(&admin))
        .await;
    let id = r.body["items"][0]["id"].as_str().unwrap().to_owned();

    let r = app
        .patch(
            &format!("/api/v1/admin/staff/{id}"),
            Some(&admin),
            json!({"jurisdiction": "999999999999"}),
        )
        .await;
    assert_eq!(r.status, 422, "unknown code: {}", r.body);
    let r = app
        .patch(
            &format!("/api/v1/admin/staff/{id}"),
            Some(&admin),
            json!({"role": "supervisor", "jurisdiction": "220421"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["role"], "supervisor");
    assert_eq!(r.body["jurisdiction"], "220421");
    // The same session now acts in the new role.
    let me = app.get("/api/v1/me", Some(&official)).await;
    assert_eq!(me.body["role"], "supervisor", "{}", me.body);
    let audit = app.get("/api/v1/admin/audit?limit=5", Some(&admin)).await;
    assert!(
        audit.body.to_string().contains("staff_change"),
        "{}",
        audit.body
    );
}
both_backends!(an_admin_changes_role_and_jurisdiction);

async fn a_county_admin_cannot_add_move_or_reset_in_another_county(backend: Backend) {
    let app = spawn_app(backend).await;
    let county_admin = app.add_staff("admin", "220421", "东丰县管理员").await;
    let admin = app.admin_token().await;
    app.add_staff("official", accounts::VILLAGE, "敦化经办人")
        .await;
    let r = app
        .get("/api/v1/admin/staff?q=敦化经办人", Some(&admin))
        .await;
    let id = r.body["items"][0]["id"].as_str().unwrap().to_owned();

    let r = app
        .post(
            "/api/v1/admin/staff",
            Some(&county_admin),
            json!({"role": "official", "phone": "13900003001", "name": "越界",
                   "jurisdiction": accounts::VILLAGE}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = app
        .post(
            &format!("/api/v1/admin/staff/{id}/password-reset"),
            Some(&county_admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    let r = app
        .patch(
            &format!("/api/v1/admin/staff/{id}"),
            Some(&county_admin),
            json!({"role": "courier"}),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    // Nor move their own county's staff out of the county.
    let r = app
        .post(
            "/api/v1/admin/staff",
            Some(&county_admin),
            json!({"role": "official", "phone": "13900003002", "name": "本县",
                   "jurisdiction": accounts::OTHER_TOWNSHIP_VILLAGE}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let own = r.body["user"]["id"].as_str().unwrap().to_owned();
    let r = app
        .patch(
            &format!("/api/v1/admin/staff/{own}"),
            Some(&county_admin),
            json!({"jurisdiction": accounts::VILLAGE}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
}
both_backends!(a_county_admin_cannot_add_move_or_reset_in_another_county);

/// The staff page: a pasted file with a bad row is refused with the row named and
/// nothing created; a good one shows each one-time password once; adding one person
/// from the form does the same; the list finds them.
async fn the_staff_page_imports_adds_and_lists(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let csrf = "s".repeat(43);
    let import = |text: &'static str| {
        let form = reqwest::multipart::Form::new()
            .text("_csrf", csrf.clone())
            .text("text", text);
        app.client
            .post(app.url("/admin/staff/import"))
            .bearer_auth(&admin)
            .header("cookie", format!("zm_csrf={csrf}"))
            .multipart(form)
            .send()
    };
    let r = import("official,13900004001,页面甲,222403108200\nofficial,13900004002,页面乙,\n")
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("第 2 行"), "{html}");
    assert!(!html.contains("class=\"otp\""), "{html}");

    let r =
        import("official,13900004001,页面甲,222403108200\ncourier,13900004002,页面乙,222403108\n")
            .await
            .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.unwrap();
    assert_eq!(html.matches("class=\"otp\"").count(), 2, "{html}");

    let r = app
        .client
        .post(app.url("/admin/staff"))
        .bearer_auth(&admin)
        .header("cookie", format!("zm_csrf={csrf}"))
        .form(&[
            ("_csrf", csrf.as_str()),
            ("role", "official"),
            ("phone", "13900004003"),
            ("name", "页面丙"),
            ("jurisdiction", accounts::VILLAGE),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("class=\"otp\""));

    let r = app
        .client
        .get(app.url("/admin/staff?q=页面"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert_eq!(html.matches("class=\"staff-row\"").count(), 3, "{html}");
    assert!(!html.contains("13900004003"), "phones masked in the list");
    assert!(
        !html.contains("class=\"otp\""),
        "passwords are never shown again"
    );
}
both_backends!(the_staff_page_imports_adds_and_lists);

/// A reset sent by SMS: the admin never sees the password; the person's own phone gets
/// it (and the stored message forgets it once sent), it signs in, and it must be
/// changed first. The staff page offers the same.
async fn a_reset_password_can_go_by_sms_to_the_person_only(backend: Backend) {
    use diesel::prelude::*;
    use zhengming::db::schema::notifications::dsl as n;
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let phone = crate::helpers::phone();
    let r = app
        .post(
            "/api/v1/admin/staff",
            Some(&admin),
            json!({"role": "official", "phone": phone, "name": "短信重置",
                   "jurisdiction": accounts::VILLAGE}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["user"]["id"].as_str().unwrap().to_owned();
    let first = r.body["one_time_password"].as_str().unwrap().to_owned();

    // A body that does not parse is refused, never read as "show the password".
    let r = app
        .post(
            &format!("/api/v1/admin/staff/{id}/password-reset"),
            Some(&admin),
            json!({"send_sms": "yes"}),
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.get("one_time_password").is_none(), "{}", r.body);
    assert_ne!(
        app.try_login(&phone, &first).await.status,
        401,
        "nothing changed"
    );

    let r = app
        .post(
            &format!("/api/v1/admin/staff/{id}/password-reset"),
            Some(&admin),
            json!({"send_sms": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["sent_by_sms"], true);
    assert_eq!(r.body["one_time_password"], "", "not shown to the admin");
    let to = phone.clone();
    let (nid, params): (String, String) = app
        .with_db(move |c| {
            n::notifications
                .filter(n::recipient.eq(to))
                .filter(n::template_code.eq("staff_password"))
                .select((n::id, n::params))
                .first(c)
                .unwrap()
        })
        .await;
    let sent = app.as_sent(&nid, serde_json::from_str(&params).unwrap());
    let otp = sent["code"].as_str().unwrap().to_owned();
    assert_eq!(otp.len(), 12, "{sent}");
    assert_eq!(app.try_login(&phone, &first).await.status, 401);
    let token = app.login(&phone, &otp).await;
    let r = app.get("/api/v1/applications", Some(&token)).await;
    assert_eq!(r.status, 403, "must be changed first: {}", r.body);

    // The staff page: the SMS button says where it went and shows no password.
    let page = app
        .client
        .post(app.url(&format!("/admin/staff/{id}/password-reset")))
        .bearer_auth(&admin)
        .header("cookie", "zm_csrf=0123456789abcdef0123456789abcdef")
        .form(&[
            ("_csrf", "0123456789abcdef0123456789abcdef"),
            ("send", "sms"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("已短信发送至本人手机"), "{html}");
    assert!(!html.contains("class=\"otp\""), "no password on the page");
}
both_backends!(a_reset_password_can_go_by_sms_to_the_person_only);
