//! Accounts people can trust (issue 14): SMS codes to register and to reset a password,
//! the password policy, password and phone changes, sessions (list, end, idle
//! timeout), sign-in throttles and the daily quotas.

use diesel::prelude::*;
use serde_json::{json, Value};
use zhengming::db::schema::{sessions, sign_in_failures, sms_codes};

use crate::both_backends;
use crate::helpers::{id_number, phone, spawn_app, spawn_app_with, Backend, Resp, TestApp};

/// A request with its headers kept (for `Retry-After`).
async fn post_raw(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut req = app.client.post(app.url(path)).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("request sent")
}

/// Asserts a 429 with a `Retry-After` of at least one second and a message saying when
/// (`when_zh` in the Chinese message); returns the body.
async fn assert_retry_after(resp: reqwest::Response, when_zh: &str) -> Value {
    assert_eq!(resp.status().as_u16(), 429);
    let secs: u64 = resp
        .headers()
        .get("retry-after")
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(secs >= 1);
    let body: Value = resp.json().await.unwrap();
    let r = Resp { status: 429, body };
    let e = r.error(429, "too_many_requests");
    let zh = e["message"].as_str().unwrap();
    assert!(zh.contains(when_zh), "{zh}");
    r.body
}

/// Moves every SMS code of `phone` into the past: expired, and the resend wait over.
async fn age_codes(app: &TestApp, phone: &str, by: chrono::Duration) {
    let phone = phone.to_owned();
    app.with_writer(move |c| {
        let rows: Vec<(String, chrono::NaiveDateTime, chrono::NaiveDateTime)> = sms_codes::table
            .filter(sms_codes::phone.eq(&phone))
            .select((sms_codes::id, sms_codes::created_at, sms_codes::expires_at))
            .load(c)
            .unwrap();
        for (id, created, expires) in rows {
            diesel::update(sms_codes::table.find(id))
                .set((
                    sms_codes::created_at.eq(created - by),
                    sms_codes::expires_at.eq(expires - by),
                ))
                .execute(c)
                .unwrap();
        }
        diesel::delete(zhengming::db::schema::rate_limits::table)
            .execute(c)
            .unwrap();
    })
    .await
}

fn registration(phone: &str, code: &str) -> Value {
    json!({"phone": phone, "password": "secret-pass-1", "name": "测试人",
           "id_number": id_number(), "code": code})
}

async fn registering_needs_the_code_sent_to_the_phone(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = phone();
    // Without a code, or with one never sent: refused, no account.
    let mut body = registration(&phone, "");
    body.as_object_mut().unwrap().remove("code");
    let r = app.post("/api/v1/residents", None, body).await;
    assert_eq!(r.field_names(), ["code"], "{}", r.body);
    let r = app
        .post("/api/v1/residents", None, registration(&phone, "123456"))
        .await;
    r.field_error("code");
    assert_eq!(app.try_login(&phone, "secret-pass-1").await.status, 401);

    let code = app.sms_code(&phone, "register").await;
    assert_eq!(code.len(), 6);
    let r = app
        .post("/api/v1/residents", None, registration(&phone, &code))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    app.login(&phone, "secret-pass-1").await;
    // Used once: the same code does not register again.
    let again = app
        .post("/api/v1/residents", None, registration(&phone, &code))
        .await;
    again.field_error("code");
    // Only a hash is kept.
    let stored: Vec<String> = app
        .with_db(move |c| {
            sms_codes::table
                .select(sms_codes::code_hash)
                .load(c)
                .unwrap()
        })
        .await;
    assert!(stored.iter().all(|h| h.len() == 64 && !h.contains(&code)));
}
both_backends!(registering_needs_the_code_sent_to_the_phone);

async fn a_code_expires_and_five_wrong_tries_end_it(backend: Backend) {
    let app = spawn_app(backend).await;
    // Expired (five minutes passed): refused even though right.
    let phone_a = phone();
    let code = app.sms_code(&phone_a, "register").await;
    age_codes(&app, &phone_a, chrono::Duration::minutes(6)).await;
    app.post("/api/v1/residents", None, registration(&phone_a, &code))
        .await
        .field_error("code");

    // Five wrong tries, then the right code is refused too.
    let phone_b = phone();
    let code = app.sms_code(&phone_b, "register").await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        app.post("/api/v1/residents", None, registration(&phone_b, wrong))
            .await
            .field_error("code");
    }
    app.post("/api/v1/residents", None, registration(&phone_b, &code))
        .await
        .field_error("code");
    assert_eq!(app.try_login(&phone_b, "secret-pass-1").await.status, 401);

    // A new code works.
    age_codes(&app, &phone_b, chrono::Duration::seconds(61)).await;
    let code = app.sms_code(&phone_b, "register").await;
    let r = app
        .post("/api/v1/residents", None, registration(&phone_b, &code))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}
both_backends!(a_code_expires_and_five_wrong_tries_end_it);

async fn a_code_again_within_a_minute_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = phone();
    app.sms_code(&phone, "register").await;
    let r = post_raw(
        &app,
        "/api/v1/sms-codes",
        None,
        json!({"phone": phone, "purpose": "register"}),
    )
    .await;
    assert_retry_after(r, "秒后再试").await;
    // Another purpose is another code.
    app.sms_code(&phone, "change_phone").await;
    // A consent code is only sent for a draft (POST …/consent-code): one asked for here
    // would confirm nothing, so it is refused and no SMS goes out.
    let before = app.last_code_sms(&phone).await;
    let r = app.request_code(&phone, "consent").await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.field_error("purpose").contains("consent-code"),
        "{}",
        r.body
    );
    assert_eq!(app.last_code_sms(&phone).await, before, "no SMS sent");
}
both_backends!(a_code_again_within_a_minute_is_refused);

/// Asking for a code says nothing about the phone: the same status and body whether it
/// has an account or not; the SMS tells the owner what happened.
async fn asking_for_a_code_answers_the_same_for_known_and_unknown_phones(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, known, _) = app.new_resident("甲").await;
    age_codes(&app, &known, chrono::Duration::seconds(61)).await;
    let unknown = phone();
    for purpose in ["register", "reset_password"] {
        let a = app.request_code(&known, purpose).await;
        let b = app.request_code(&unknown, purpose).await;
        assert_eq!((a.status, &a.body), (b.status, &b.body), "{purpose}");
        assert_eq!(a.status, 202);
    }
    let (t, params) = app.last_code_sms(&known).await.unwrap();
    assert_eq!(t, "code_reset_password");
    assert_eq!(params["code"].as_str().unwrap().len(), 6);
    let (t, params) = app.last_code_sms(&unknown).await.unwrap();
    assert_eq!(
        t, "code_reset_unknown",
        "no account: no code, an explanation"
    );
    assert!(params.get("code").is_none());
    // Registering the known phone was answered with "you have an account" and no code.
    let texts: Vec<String> = {
        use zhengming::db::schema::notifications::dsl as n;
        let to = known.clone();
        app.with_db(move |c| {
            n::notifications
                .filter(n::recipient.eq(to))
                .select(n::template_code)
                .load(c)
                .unwrap()
        })
        .await
    };
    assert!(
        texts.contains(&"code_register_known".to_owned()),
        "{texts:?}"
    );
    // A reset of the unknown phone fails like a bad code, as for the known one.
    let r = app
        .post(
            "/api/v1/password-reset",
            None,
            json!({"phone": unknown, "code": "123456", "new_password": "brand-new-pass-9"}),
        )
        .await;
    assert_eq!(r.field_names(), ["code"]);
}
both_backends!(asking_for_a_code_answers_the_same_for_known_and_unknown_phones);

async fn codes_have_daily_caps_per_phone_and_per_address(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.sms_code_daily_per_phone = 2;
        s.sms_code_daily_per_client = 3;
    })
    .await;
    let a = phone();
    app.sms_code(&a, "register").await;
    app.sms_code(&a, "change_phone").await;
    let r = post_raw(
        &app,
        "/api/v1/sms-codes",
        None,
        json!({"phone": a, "purpose": "reset_password"}),
    )
    .await;
    assert_retry_after(r, "北京时间").await;
    // This address has asked twice; the third is its last today.
    let b = phone();
    app.sms_code(&b, "register").await;
    let r = post_raw(
        &app,
        "/api/v1/sms-codes",
        None,
        json!({"phone": phone(), "purpose": "register"}),
    )
    .await;
    assert_retry_after(r, "北京时间").await;
}
both_backends!(codes_have_daily_caps_per_phone_and_per_address);

/// The console provider writes each code in the message's `params`, like any other
/// variable.
async fn the_console_sms_shows_the_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = phone();
    let code = app.sms_code(&phone, "register").await;
    let file = app.data_dir().join("sms-console.jsonl");
    for _ in 0..200 {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let found = text.lines().any(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            v["template"] == "code_register" && v["params"]["code"] == code.as_str()
        });
        if found {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no code_register line with the code in {}", file.display());
}
both_backends!(the_console_sms_shows_the_code);

/// Once the worker has sent a code SMS, the outbox keeps no readable code (the code
/// itself is stored only hashed, in `sms_codes`); it still works.
async fn a_sent_code_is_blanked_in_the_outbox(backend: Backend) {
    use zhengming::db::schema::notifications::dsl as n;
    let app = spawn_app(backend).await;
    let phone = phone();
    let code = app.sms_code(&phone, "register").await;
    let mut row = None;
    for _ in 0..200 {
        let to = phone.clone();
        let r: (String, String) = app
            .with_db(move |c| {
                n::notifications
                    .filter(n::recipient.eq(to))
                    .filter(n::template_code.eq("code_register"))
                    .select((n::status, n::params))
                    .first(c)
                    .unwrap()
            })
            .await;
        if r.0 == "sent" {
            row = Some(r.1);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let params = row.expect("the worker sent the code SMS");
    assert!(!params.contains(&code), "{params}");
    let params: Value = serde_json::from_str(&params).unwrap();
    assert_eq!(params["code"], zhengming::notify::SENT_CODE);
    // The helpers read what went out, and the code registers.
    assert_eq!(app.sent_code(&phone, "code_register").await, Some(code));
    let r = app
        .register(&phone, "secret-pass-1", &crate::helpers::id_number())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}
both_backends!(a_sent_code_is_blanked_in_the_outbox);

async fn common_and_personal_passwords_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    for pw in ["password", "12345678", "Password1", "iloveyou"] {
        let phone = phone();
        let r = app.register(&phone, pw, &id_number()).await;
        assert!(r.field_error("password").contains("常见"), "{pw}");
        assert_ne!(app.try_login(&phone, pw).await.status, 200);
    }
    let phone = phone();
    app.register(&phone, &phone, &id_number())
        .await
        .field_error("password");
    let id = crate::helpers::id_number_ending_in_x();
    app.register(&crate::helpers::phone(), &id.to_lowercase(), &id)
        .await
        .field_error("password");
    // Changing to a common password is refused as well.
    let (token, _, _) = app.new_resident("乙").await;
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&token),
            json!({"current_password": "secret-pass-1", "new_password": "qwertyuiop"}),
        )
        .await;
    r.field_error("new_password");
}
both_backends!(common_and_personal_passwords_are_refused);

async fn a_password_reset_by_sms_ends_every_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, phone, _) = app.new_resident("丙").await;
    let code = app.sms_code(&phone, "reset_password").await;
    let reset = |pw: &str| json!({"phone": phone, "code": code, "new_password": pw});
    // A refused new password does not use the code up.
    let r = app
        .post("/api/v1/password-reset", None, reset("12345678"))
        .await;
    r.field_error("new_password");
    let r = app
        .post("/api/v1/password-reset", None, reset("brand-new-pass-9"))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 401);
    assert_eq!(app.try_login(&phone, "secret-pass-1").await.status, 401);
    app.login(&phone, "brand-new-pass-9").await;
    // The code worked once.
    let r = app
        .post("/api/v1/password-reset", None, reset("another-pass-7"))
        .await;
    r.field_error("code");
}
both_backends!(a_password_reset_by_sms_ends_every_session);

async fn a_password_change_ends_the_other_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let (here, phone, _) = app.new_resident("丁").await;
    let elsewhere = app.login(&phone, "secret-pass-1").await;
    let change =
        |current: &str| json!({"current_password": current, "new_password": "changed-pass-3"});
    let r = app
        .post("/api/v1/me/password", Some(&here), change("wrong-pass-0"))
        .await;
    r.field_error("current_password");
    assert_eq!(app.get("/api/v1/me", Some(&elsewhere)).await.status, 200);
    let r = app
        .post("/api/v1/me/password", Some(&here), change("secret-pass-1"))
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(app.get("/api/v1/me", Some(&here)).await.status, 200);
    assert_eq!(app.get("/api/v1/me", Some(&elsewhere)).await.status, 401);
    assert_eq!(app.try_login(&phone, "secret-pass-1").await.status, 401);
    app.login(&phone, "changed-pass-3").await;
}
both_backends!(a_password_change_ends_the_other_sessions);

/// The ID number is stored encrypted; the policy compares the new password with the
/// number itself, on reset and on change alike.
async fn a_reset_or_change_to_the_own_id_number_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, phone, id) = app.new_resident("癸").await;
    let code = app.sms_code(&phone, "reset_password").await;
    let r = app
        .post(
            "/api/v1/password-reset",
            None,
            json!({"phone": phone, "code": code, "new_password": id}),
        )
        .await;
    assert!(
        r.field_error("new_password").contains("身份证号"),
        "{}",
        r.body
    );
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200);
    let r = app
        .post(
            "/api/v1/me/password",
            Some(&token),
            json!({"current_password": "secret-pass-1", "new_password": id.to_lowercase()}),
        )
        .await;
    assert!(
        r.field_error("new_password").contains("身份证号"),
        "{}",
        r.body
    );
    assert_eq!(app.try_login(&phone, &id).await.status, 401);
    app.login(&phone, "secret-pass-1").await;
}
both_backends!(a_reset_or_change_to_the_own_id_number_is_refused);

/// `PATCH /api/v1/me` used to answer 200 to a password and ignore it.
async fn patching_me_with_a_password_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, phone, _) = app.new_resident("戊").await;
    let r = app
        .patch(
            "/api/v1/me",
            Some(&token),
            json!({"email": "a@example.cn", "password": "changed-pass-3"}),
        )
        .await;
    assert!(r.field_error("password").contains("/api/v1/me/password"));
    let r = app
        .patch(
            "/api/v1/me",
            Some(&token),
            json!({"phone": crate::helpers::phone()}),
        )
        .await;
    assert!(r.field_error("phone").contains("/api/v1/me/phone"));
    let r = app
        .patch("/api/v1/me", Some(&token), json!({"nickname": "x"}))
        .await;
    r.field_error("nickname");
    // Nothing changed.
    let me = app.get("/api/v1/me", Some(&token)).await;
    assert_eq!(me.body["email"], Value::Null);
    assert_eq!(me.body["phone"], phone.as_str());
    app.login(&phone, "secret-pass-1").await;
}
both_backends!(patching_me_with_a_password_is_refused);

async fn the_phone_changes_with_a_code_sent_to_the_new_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, old, _) = app.new_resident("己").await;
    let (_, taken, _) = app.new_resident("庚").await;
    age_codes(&app, &taken, chrono::Duration::seconds(61)).await;
    // A number that has an account gets no code: refused like a bad code.
    app.request_code(&taken, "change_phone").await;
    assert_eq!(
        app.last_code_sms(&taken).await.unwrap().0,
        "code_change_phone_taken"
    );
    let r = app
        .post(
            "/api/v1/me/phone",
            Some(&token),
            json!({"phone": taken, "code": "123456", "current_password": "secret-pass-1"}),
        )
        .await;
    r.field_error("code");

    let new = phone();
    let code = app.sms_code(&new, "change_phone").await;
    let body = |pw: &str| json!({"phone": new, "code": code, "current_password": pw});
    app.post("/api/v1/me/phone", Some(&token), body("wrong-pass-0"))
        .await
        .field_error("current_password");
    let r = app
        .post("/api/v1/me/phone", Some(&token), body("secret-pass-1"))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["phone"], new.as_str());
    assert_eq!(app.try_login(&old, "secret-pass-1").await.status, 401);
    // The old phone is told (the new number masked).
    let told: Vec<String> = {
        use zhengming::db::schema::notifications::dsl as n;
        let to = old.clone();
        app.with_db(move |c| {
            n::notifications
                .filter(n::recipient.eq(to))
                .filter(n::template_code.eq("phone_changed"))
                .select(n::params)
                .load(c)
                .unwrap()
        })
        .await
    };
    assert_eq!(told.len(), 1);
    assert!(told[0].contains(&new[7..]) && !told[0].contains(&new));
    app.login(&new, "secret-pass-1").await;
}
both_backends!(the_phone_changes_with_a_code_sent_to_the_new_one);

async fn sessions_are_listed_and_ended(backend: Backend) {
    let app = spawn_app(backend).await;
    let (first, phone, _) = app.new_resident("辛").await;
    let browser = app
        .client
        .post(app.url("/api/v1/session"))
        .header(
            "user-agent",
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
        )
        .json(&json!({"phone": phone, "password": "secret-pass-1"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let third = app.login(&phone, "secret-pass-1").await;

    let r = app.get("/api/v1/me/sessions", Some(&first)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.body.as_array().unwrap().clone();
    assert_eq!(list.len(), 3);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(list.iter().any(|s| s["user_agent"] == "Chrome · Android"));
    // The ids are not the tokens nor their hashes.
    let text = r.body.to_string();
    for t in [&first, &browser, &third] {
        assert!(!text.contains(t.as_str()));
        assert!(!text.contains(&zhengming::auth::session::token_hash(t)));
    }
    let browser_id = list
        .iter()
        .find(|s| s["user_agent"] == "Chrome · Android")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Someone else cannot end it.
    let (other, _, _) = app.new_resident("壬").await;
    let path = format!("/api/v1/me/sessions/{browser_id}");
    let r = app
        .send(reqwest::Method::DELETE, &path, Some(&other), None)
        .await;
    r.error(404, "not_found");
    assert_eq!(app.get("/api/v1/me", Some(&browser)).await.status, 200);
    // Ended by its owner.
    let r = app
        .send(reqwest::Method::DELETE, &path, Some(&first), None)
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(app.get("/api/v1/me", Some(&browser)).await.status, 401);
    // Every other one.
    let r = app
        .send(
            reqwest::Method::DELETE,
            "/api/v1/me/sessions",
            Some(&first),
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(app.get("/api/v1/me", Some(&third)).await.status, 401);
    let r = app.get("/api/v1/me/sessions", Some(&first)).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1);
}
both_backends!(sessions_are_listed_and_ended);

/// Sets `last_seen_at` of the session of `token`.
async fn last_seen(app: &TestApp, token: &str, ago: chrono::Duration) {
    let hash = zhengming::auth::session::token_hash(token);
    app.with_writer(move |c| {
        diesel::update(sessions::table.filter(sessions::token_hash.eq(hash)))
            .set(sessions::last_seen_at.eq(zhengming::db::models::now() - ago))
            .execute(c)
            .unwrap()
    })
    .await;
}

async fn stored_last_seen(app: &TestApp, token: &str) -> chrono::NaiveDateTime {
    let hash = zhengming::auth::session::token_hash(token);
    app.with_db(move |c| {
        sessions::table
            .filter(sessions::token_hash.eq(hash))
            .select(sessions::last_seen_at)
            .first(c)
            .unwrap()
    })
    .await
}

async fn idle_sessions_end(backend: Backend) {
    let app = spawn_app(backend).await;
    // A resident's session lasts 30 idle days; in use, the clock restarts (written
    // at most once a minute).
    let (resident, _, _) = app.new_resident("癸").await;
    last_seen(&app, &resident, chrono::Duration::days(29)).await;
    assert_eq!(app.get("/api/v1/me", Some(&resident)).await.status, 200);
    let seen = stored_last_seen(&app, &resident).await;
    assert!(seen > zhengming::db::models::now() - chrono::Duration::minutes(1));
    assert_eq!(app.get("/api/v1/me", Some(&resident)).await.status, 200);
    assert_eq!(
        stored_last_seen(&app, &resident).await,
        seen,
        "no write within the minute"
    );
    last_seen(&app, &resident, chrono::Duration::days(31)).await;
    assert_eq!(app.get("/api/v1/me", Some(&resident)).await.status, 401);

    // Staff: two idle hours.
    let official = app
        .login_staff("official", crate::helpers::accounts::VILLAGE)
        .await;
    last_seen(&app, &official, chrono::Duration::minutes(100)).await;
    assert_eq!(app.get("/api/v1/me", Some(&official)).await.status, 200);
    last_seen(&app, &official, chrono::Duration::minutes(121)).await;
    assert_eq!(app.get("/api/v1/me", Some(&official)).await.status, 401);
}
both_backends!(idle_sessions_end);

/// Moves the failures of every throttle key back by `by` (time passing).
async fn age_failures(app: &TestApp, by: chrono::Duration) {
    app.with_writer(move |c| {
        let rows: Vec<(String, chrono::NaiveDateTime)> = sign_in_failures::table
            .select((sign_in_failures::key, sign_in_failures::last_failure_at))
            .load(c)
            .unwrap();
        for (key, at) in rows {
            diesel::update(sign_in_failures::table.find(key))
                .set(sign_in_failures::last_failure_at.eq(at - by))
                .execute(c)
                .unwrap();
        }
    })
    .await
}

fn csrf_form(fields: &[(&str, &str)]) -> (String, Vec<(String, String)>) {
    let token = "t".repeat(43);
    let mut form: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    form.push(("_csrf".into(), token.clone()));
    (format!("zm_csrf={token}"), form)
}

async fn brute_force_sign_in_is_throttled_then_locked_and_a_reset_unlocks(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, phone, _) = app.new_resident("子").await;
    let signin = |pw: &str| json!({"phone": phone, "password": pw});
    for _ in 0..5 {
        assert_eq!(app.try_login(&phone, "wrong-pass-0").await.status, 401);
    }
    // Now every attempt waits, even with the right password.
    let r = post_raw(&app, "/api/v1/session", None, signin("secret-pass-1")).await;
    assert_retry_after(r, "秒后再试").await;
    // Time passes between the next failures, up to ten: the phone is locked.
    for _ in 5..10 {
        age_failures(&app, chrono::Duration::minutes(5)).await;
        assert_eq!(app.try_login(&phone, "wrong-pass-0").await.status, 401);
    }
    age_failures(&app, chrono::Duration::minutes(5)).await;
    let r = post_raw(&app, "/api/v1/session", None, signin("secret-pass-1")).await;
    let body = assert_retry_after(r, "北京时间").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("锁定"));
    assert!(body["error"]["message_en"]
        .as_str()
        .unwrap()
        .contains("Beijing time"));

    // The sign-in page says the same (one implementation of sign-in).
    let (cookie, form) = csrf_form(&[("phone", &phone), ("password", "secret-pass-1")]);
    let page = app
        .client
        .post(app.url("/signin"))
        .header("cookie", cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 429);
    assert!(page.headers().get("retry-after").is_some());
    assert!(page.text().await.unwrap().contains("锁定"));

    // The owner resets the password by SMS, which unlocks the phone.
    let code = app.sms_code(&phone, "reset_password").await;
    let r = app
        .post(
            "/api/v1/password-reset",
            None,
            json!({"phone": phone, "code": code, "new_password": "brand-new-pass-9"}),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    app.login(&phone, "brand-new-pass-9").await;
}
both_backends!(brute_force_sign_in_is_throttled_then_locked_and_a_reset_unlocks);

/// Unknown phones are throttled alike (no enumeration), and one address trying many
/// phones is throttled on its own.
async fn one_address_trying_many_phones_is_throttled(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.sign_in_client_free_failures = 3;
        s.sign_in_client_lock_failures = 6;
    })
    .await;
    for _ in 0..3 {
        assert_eq!(app.try_login(&phone(), "wrong-pass-0").await.status, 401);
    }
    let r = post_raw(
        &app,
        "/api/v1/session",
        None,
        json!({"phone": phone(), "password": "wrong-pass-0"}),
    )
    .await;
    assert_retry_after(r, "秒后再试").await;
}
both_backends!(one_address_trying_many_phones_is_throttled);

async fn drafts_and_submissions_have_daily_quotas(backend: Backend) {
    let app = spawn_app_with(backend, |s| {
        s.drafts_per_day = 2;
        s.submits_per_day = 1;
    })
    .await;
    let (token, _, _) = app.new_resident("丑").await;
    let first = app.draft(&token, "pickup").await;
    let second = app.draft(&token, "pickup").await;
    let r = app
        .create_application(
            &token,
            json!({"type": "residence", "jurisdiction": crate::helpers::accounts::VILLAGE,
                   "form": crate::helpers::residence_form(), "delivery": {"method": "pickup"}}),
        )
        .await;
    r.error(429, "too_many_requests");
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("北京时间"));
    assert_eq!(app.listed_ids(&token).await.len(), 2);
    // Another resident has their own quota.
    let (other, _, _) = app.new_resident("寅").await;
    app.draft(&other, "pickup").await;

    app.act_ok(&token, &first, "submit", None).await;
    let r = app.act(&token, &second, "submit", None).await;
    r.error(429, "too_many_requests");
    assert_eq!(app.observe(&token, &second).await.status, "draft");
}
both_backends!(drafts_and_submissions_have_daily_quotas);
