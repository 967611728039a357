//! Delivery codes cannot be guessed (issue 14): after 5 wrong codes the dispatch locks —
//! the right code is refused too — the township office is told (SMS and a flag on the
//! case page), and an official sends the recipient a new code, which unlocks it.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{accounts, has_chinese, spawn_app, Backend, TestApp};

/// (template, recipient, params) of the SMS in the outbox for the application.
async fn sms(app: &TestApp, application_id: &str, template: &str) -> Vec<(String, Value)> {
    use diesel::prelude::*;
    use zhengming::db::schema::notifications::dsl as n;
    let (id, template) = (application_id.to_owned(), template.to_owned());
    app.with_db(move |c| {
        n::notifications
            .filter(n::application_id.eq(id))
            .filter(n::template_code.eq(template))
            .order(n::created_at.asc())
            .select((n::id, n::recipient, n::params))
            .load::<(String, String, String)>(c)
            .unwrap()
    })
    .await
    .into_iter()
    .map(|(id, r, p)| (r, app.as_sent(&id, serde_json::from_str(&p).unwrap())))
    .collect()
}

async fn deliver(
    app: &TestApp,
    courier: &str,
    dispatch: &Value,
    code: &str,
) -> crate::helpers::Resp {
    app.dispatch_event(
        courier,
        dispatch["id"].as_str().unwrap(),
        json!({"event": "deliver", "version": dispatch["version"], "code": code, "signer": "王小明"}),
    )
    .await
}

async fn five_wrong_codes_lock_the_dispatch_until_the_office_sends_a_new_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let case = app.issued(&resident, "courier").await;
    let id = case["id"].as_str().unwrap();
    let courier = app.login_staff("courier", accounts::TOWNSHIP).await;
    let d = app
        .dispatch_ok(&courier, &case["dispatch"], "pick_up", json!({}))
        .await;
    let d = app
        .dispatch_ok(&courier, &d, "out_for_delivery", json!({}))
        .await;
    let code = app.delivery_code(id).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };

    for left in (1..=4).rev() {
        let r = deliver(&app, &courier, &d, wrong).await;
        let zh = r.field_error("code");
        assert!(zh.contains(&format!("还可尝试{left}次")), "{zh}");
    }
    assert!(sms(&app, id, "delivery_locked").await.is_empty(), "not yet");
    // The fifth wrong code locks it …
    let r = deliver(&app, &courier, &d, wrong).await;
    r.error(429, "too_many_requests");
    // … and then the right code is refused as well.
    let r = deliver(&app, &courier, &d, &code).await;
    let e = r.error(429, "too_many_requests");
    assert!(has_chinese(e["message"].as_str().unwrap()));
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let seen = app.detail(&township, &case).await["dispatch"].clone();
    assert_eq!(seen["status"], "out_for_delivery", "not delivered");
    assert_eq!(seen["locked"], true);
    assert_eq!(seen["code_failures"], 5);

    // The office is told: an SMS to the township's official, a flag on the case page.
    let official_phone = app.staff_phone("official", accounts::TOWNSHIP).await;
    let told = sms(&app, id, "delivery_locked").await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].0, official_phone);
    assert_eq!(told[0].1["tracking_number"], d["tracking_number"]);
    let page = app.get(&format!("/office/{id}"), Some(&township)).await;
    let html = page.body.as_str().unwrap();
    assert!(html.contains("id=\"dispatch-locked\""), "{html}");
    assert!(html.contains("id=\"dispatch-new-code\""), "{html}");
    // The courier's list says so too.
    let list = app.get("/api/v1/dispatches", Some(&courier)).await;
    assert!(list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["id"] == d["id"] && x["locked"] == true));

    // Only an official of the area sends a new code.
    let did = d["id"].as_str().unwrap();
    let path = format!("/api/v1/dispatches/{did}/code");
    app.post(&path, Some(&courier), json!({}))
        .await
        .error(403, "forbidden");
    let stranger = app.login_staff("official", accounts::OTHER_TOWNSHIP).await;
    app.post(&path, Some(&stranger), json!({}))
        .await
        .error(404, "not_found");
    let r = app.post(&path, Some(&township), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["locked"], false);
    assert_eq!(r.body["code_failures"], 0);
    let sent = sms(&app, id, "delivery_code").await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, "13912345678", "to the delivery phone");
    let new_code = sent[0].1["code"].as_str().unwrap().to_owned();
    assert_eq!(new_code.len(), 6);

    // The old code is void; the new one delivers.
    let d = r.body;
    if new_code != code {
        deliver(&app, &courier, &d, &code).await.field_error("code");
    }
    let r = deliver(&app, &courier, &d, &new_code).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "delivered");
    assert_eq!(app.detail(&resident, &case).await["status"], "completed");
}
both_backends!(five_wrong_codes_lock_the_dispatch_until_the_office_sends_a_new_one);

async fn the_office_page_sends_a_new_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let case = app.issued(&resident, "courier").await;
    let id = case["id"].as_str().unwrap();
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let csrf = "delivery-lock-test-csrf-token-0123456789";
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(app.url(&format!("/office/{id}/dispatch-code")))
        .bearer_auth(&township)
        .header("cookie", format!("zm_csrf={csrf}"))
        .form(&[
            ("_csrf", csrf),
            ("dispatch", case["dispatch"]["id"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(sms(&app, id, "delivery_code").await.len(), 1);
}
both_backends!(the_office_page_sends_a_new_code);

async fn wrong_codes_sent_at_once_still_lock_after_five(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let case = app.issued(&resident, "courier").await;
    let id = case["id"].as_str().unwrap();
    let courier = app.login_staff("courier", accounts::TOWNSHIP).await;
    let d = app
        .dispatch_ok(&courier, &case["dispatch"], "pick_up", json!({}))
        .await;
    let d = app
        .dispatch_ok(&courier, &d, "out_for_delivery", json!({}))
        .await;
    let code = app.delivery_code(id).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mut tries = tokio::task::JoinSet::new();
    let url = app.url(&format!(
        "/api/v1/dispatches/{}/events",
        d["id"].as_str().unwrap()
    ));
    let body =
        json!({"event": "deliver", "version": d["version"], "code": wrong, "signer": "王小明"});
    for _ in 0..12 {
        let (c, url, body, token) = (
            app.client.clone(),
            url.clone(),
            body.clone(),
            courier.clone(),
        );
        tries.spawn(async move {
            let r = c
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        });
    }
    let statuses: Vec<u16> = tries.join_all().await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        4,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        8,
        "{statuses:?}"
    );
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let seen = app.detail(&township, &case).await["dispatch"].clone();
    assert_eq!(
        (seen["locked"].clone(), seen["code_failures"].clone()),
        (json!(true), json!(5))
    );
    assert_eq!(sms(&app, id, "delivery_locked").await.len(), 1, "told once");
    deliver(&app, &courier, &d, &code)
        .await
        .error(429, "too_many_requests");
}
both_backends!(wrong_codes_sent_at_once_still_lock_after_five);
