//! The courier's day as the resident and the courier see it (issue 17): a failed
//! delivery attempt tells the recipient by SMS why and what happens next, and a
//! delivered item stays on the courier's page as today's record.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{accounts, spawn_app, Backend, TestApp};

/// (recipient, params) of the `delivery_failed` messages of a case, oldest first.
async fn failed_sms(app: &TestApp, application_id: &str) -> Vec<(String, String, Value)> {
    use diesel::prelude::*;
    use zhengming::db::schema::notifications::dsl as n;
    let id = application_id.to_owned();
    app.with_db(move |c| {
        n::notifications
            .filter(n::application_id.eq(id))
            .filter(n::template_code.eq("delivery_failed"))
            .order((n::created_at.asc(), n::id.asc()))
            .select((n::id, n::recipient, n::params))
            .load::<(String, String, String)>(c)
            .unwrap()
    })
    .await
    .into_iter()
    .map(|(id, r, p)| (id, r, serde_json::from_str(&p).unwrap()))
    .collect()
}

/// The text the console SMS provider sent for an outbox row (waits for the worker).
async fn sent_text(app: &TestApp, notification_id: &str) -> String {
    let file = app.data_dir().join("sms-console.jsonl");
    for _ in 0..100 {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        let found = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|v| v["id"] == notification_id);
        if let Some(v) = found {
            return v["text"].as_str().unwrap().to_owned();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("SMS {notification_id} was never sent");
}

async fn fail(app: &TestApp, courier: &str, d: &Value, reason: &str, text: &str) -> Value {
    app.dispatch_ok(
        courier,
        d,
        "fail",
        json!({"reason": reason, "reason_text": text}),
    )
    .await
}

async fn a_failed_delivery_tells_the_recipient_why_and_what_comes_next(backend: Backend) {
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

    // A refused attempt (no reason) changes nothing and sends nothing.
    let did = d["id"].as_str().unwrap();
    let r = app
        .dispatch_event(
            &courier,
            did,
            json!({"event": "fail", "version": d["version"], "reason": "other"}),
        )
        .await;
    assert!(r.field_error("reason").contains("原因"));
    assert!(failed_sms(&app, id).await.is_empty());

    let d = fail(&app, &courier, &d, "not_home", "").await;
    let sent = failed_sms(&app, id).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].1, "13912345678", "to the delivery phone");
    assert_eq!(sent[0].2["reason"], "收件人不在家");
    assert_eq!(sent[0].2["last"], false);
    assert_eq!(sent[0].2["tracking_number"], d["tracking_number"]);
    let text = sent_text(&app, &sent[0].0).await;
    assert!(text.contains("收件人不在家"), "{text}");
    assert!(text.contains("再次派送"), "what happens next: {text}");
    assert!(text.chars().count() <= 70, "{text}");

    // The last attempt allowed (3 by default): the certificate goes back to the office.
    let mut d = d;
    for _ in 0..2 {
        d = app
            .dispatch_ok(&courier, &d, "out_for_delivery", json!({}))
            .await;
        d = fail(
            &app,
            &courier,
            &d,
            "other",
            "门口有恶犬，无法靠近，已电话联系未接",
        )
        .await;
    }
    let sent = failed_sms(&app, id).await;
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[2].2["last"], true);
    // A reason too long for an SMS variable is left out, never cut mid-word.
    assert_eq!(sent[2].2["reason"], "");
    let text = sent_text(&app, &sent[2].0).await;
    assert!(text.contains("退回乡镇便民服务中心"), "{text}");
    assert!(!text.contains("（）"), "{text}");
}
both_backends!(a_failed_delivery_tells_the_recipient_why_and_what_comes_next);

async fn a_delivered_item_stays_on_the_courier_page_as_today_s_record(backend: Backend) {
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
    let tracking = d["tracking_number"].as_str().unwrap().to_owned();

    let page = app.get("/courier", Some(&courier)).await;
    // The page escapes "/" in attributes.
    let html = page.body.as_str().unwrap().replace("&#x2f;", "/");
    assert!(html.contains(&format!("id=\"d-{tracking}\"")), "{html}");
    // The address opens a public map search (no API key in the page).
    let map = format!("id=\"map-{tracking}\" href=\"https://uri.amap.com/search?keyword=");
    assert!(html.contains(&map), "{html}");
    assert!(!html.contains(&format!("id=\"done-{tracking}\"")));

    let code = app.delivery_code(id).await;
    app.dispatch_ok(
        &courier,
        &d,
        "deliver",
        json!({"code": code, "signer": "王小明"}),
    )
    .await;
    let page = app.get("/courier", Some(&courier)).await;
    let html = page.body.as_str().unwrap();
    assert!(
        !html.contains(&format!("id=\"d-{tracking}\"")),
        "no longer to do"
    );
    let done = html
        .split(&format!("id=\"done-{tracking}\""))
        .nth(1)
        .unwrap_or_else(|| panic!("today's record: {html}"));
    let done = done.split("</article>").next().unwrap();
    assert!(done.contains("王小明"), "the signer: {done}");
    assert!(html.contains("今日已送达（1）"), "{html}");

    // Another township's courier does not see it.
    let other = app.login_staff("courier", accounts::OTHER_TOWNSHIP).await;
    let page = app.get("/courier", Some(&other)).await;
    assert!(!page.body.as_str().unwrap().contains(&tracking));
}
both_backends!(a_delivered_item_stays_on_the_courier_page_as_today_s_record);
