//! The whole lifecycle, for both delivery choices.

use serde_json::json;

use crate::both_backends;
use crate::helpers::{accounts, spawn_app, Backend};

async fn courier_delivery_completes_the_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王小明").await;

    // The catalogue lists the 11 types with steps and time limits.
    let types = app.get("/api/v1/certificate-types", None).await;
    assert_eq!(types.status, 200);
    let items = types.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 11);
    assert!(items
        .iter()
        .all(|t| !t["steps"].as_array().unwrap().is_empty()
            && t["promised_days"].as_u64().unwrap() > 0));

    let draft = app.draft(&resident, "courier").await;
    assert_eq!(draft["status"], "draft");
    assert!(draft["number"].as_str().unwrap().starts_with("ZM20"));
    let submitted = app.act_ok(&resident, &draft, "submit", None).await;
    assert_eq!(submitted["status"], "submitted");
    assert!(submitted["node_deadline"].is_string() && submitted["overall_deadline"].is_string());

    // The village official sees it in the queue and takes the first step.
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let queue = app.get("/api/v1/applications", Some(&village)).await;
    assert_eq!(queue.status, 200);
    let row = queue.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == draft["id"])
        .cloned()
        .unwrap();
    assert_eq!(
        row["subject_id_number"]
            .as_str()
            .unwrap()
            .matches('*')
            .count(),
        8,
        "masked in lists"
    );
    let accepted = app.act_ok(&village, &submitted, "accept", None).await;
    assert_eq!(accepted["status"], "under_review");
    let passed = app.act_ok(&village, &accepted, "approve", None).await;
    assert_eq!(passed["status"], "under_review");
    assert_eq!(passed["current_step"], 1);

    // The township official approves the last step: certificate and dispatch follow.
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let done = app.act_ok(&township, &passed, "approve", None).await;
    assert_eq!(done["status"], "dispatched", "{done}");
    let cert = &done["certificate"];
    assert!(cert["number"]
        .as_str()
        .unwrap()
        .starts_with(accounts::TOWNSHIP));
    let tracking = done["dispatch"]["tracking_number"].as_str().unwrap();
    assert!(zhengming::domain::tracking::TrackingNumber::parse(tracking).is_ok());
    let actions: Vec<&str> = done["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["create", "submit", "accept", "approve", "approve", "issue", "dispatch"]
    );
    assert!(done["events"][2]["deadline_met"].as_bool().unwrap());

    // The resident downloads the PDF.
    let id = draft["id"].as_str().unwrap();
    let pdf = app
        .client
        .get(app.url(&format!("/api/v1/applications/{id}/certificate.pdf")))
        .bearer_auth(&resident)
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF"));
    assert!(
        bytes.len() < 200_000,
        "subset font keeps the PDF small: {}",
        bytes.len()
    );

    // The courier of the township works the dispatch.
    let courier = app.login_staff("courier", accounts::TOWNSHIP).await;
    let list = app.get("/api/v1/dispatches", Some(&courier)).await;
    let d = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["application_id"] == draft["id"])
        .cloned()
        .unwrap();
    let did = d["id"].as_str().unwrap().to_owned();
    let mut version = d["version"].as_i64().unwrap();
    let mut step = |event: serde_json::Value| {
        let mut body = event;
        body["version"] = json!(version);
        version += 1;
        body
    };
    for ev in [
        json!({"event": "pick_up"}),
        json!({"event": "out_for_delivery"}),
        json!({"event": "fail", "reason": "not_home"}),
        json!({"event": "out_for_delivery"}),
    ] {
        let r = app
            .post(
                &format!("/api/v1/dispatches/{did}/events"),
                Some(&courier),
                step(ev),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let code = app.delivery_code(id).await;
    let wrong = app
        .post(
            &format!("/api/v1/dispatches/{did}/events"),
            Some(&courier),
            json!({"event": "deliver", "version": version, "code": "000000x", "signer": "王小明"}),
        )
        .await;
    assert_eq!(wrong.status, 422, "wrong code refused");
    let r = app
        .post(
            &format!("/api/v1/dispatches/{did}/events"),
            Some(&courier),
            json!({"event": "deliver", "version": version, "code": code, "signer": "王小明"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "delivered");
    assert_eq!(r.body["failed_attempts"], 1);

    let fin = app
        .get(&format!("/api/v1/applications/{id}"), Some(&resident))
        .await;
    assert_eq!(fin.body["status"], "completed");
    assert!(fin.body["finished_at"].is_string());
}
both_backends!(courier_delivery_completes_the_case);

async fn pickup_is_collected_at_the_office(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("李四").await;
    let issued = app.issued(&resident, "pickup").await;
    assert_eq!(issued["status"], "issued");
    assert!(issued["dispatch"].is_null(), "no dispatch for pick-up");
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let done = app.act_ok(&township, &issued, "collect", None).await;
    assert_eq!(done["status"], "completed");
}
both_backends!(pickup_is_collected_at_the_office);

async fn returned_application_is_fixed_and_resubmitted(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("赵六").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let draft = app.draft(&resident, "pickup").await;
    let submitted = app.act_ok(&resident, &draft, "submit", None).await;
    let missing = app.act(&village, &submitted, "return", None).await;
    assert_eq!(missing.status, 422, "a return needs a reason");
    assert!(missing.body["error"]["fields"]["reason"].is_string());
    let returned = app
        .act_ok(
            &village,
            &submitted,
            "return",
            Some("居住起始时间与户口簿不符"),
        )
        .await;
    assert_eq!(returned["status"], "returned");
    assert_eq!(
        returned["events"].as_array().unwrap().last().unwrap()["reason"],
        "居住起始时间与户口簿不符"
    );

    let id = draft["id"].as_str().unwrap();
    let mut form = crate::helpers::residence_form();
    form["living_since"] = json!("2009-03-01");
    let edited = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/applications/{id}"),
            Some(&resident),
            Some(json!({"version": returned["version"], "form": form})),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["form"]["living_since"], "2009-03-01");
    let again = app.act_ok(&resident, &edited.body, "resubmit", None).await;
    assert_eq!(again["status"], "submitted");
    let withdrawn = app.act_ok(&resident, &again, "withdraw", None).await;
    assert_eq!(withdrawn["status"], "withdrawn");
}
both_backends!(returned_application_is_fixed_and_resubmitted);
