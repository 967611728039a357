//! Who may see and do what (docs/architecture.md §6, §8): residents see their own applications,
//! staff their jurisdiction; outside the scope a case simply does not exist (404),
//! inside it the wrong role or office gets 403, and without a session 401.

use reqwest::Method;
use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{accounts, masked, spawn_app, Backend, TestApp};

/// 404 on read, edit, action and PDF of `case` for `token`.
async fn assert_invisible(app: &TestApp, token: &str, case: &Value) {
    let id = case["id"].as_str().unwrap();
    let r = app
        .get(&format!("/api/v1/applications/{id}"), Some(token))
        .await;
    r.error(404, "not_found");
    for action in ["submit", "withdraw", "accept", "approve", "collect"] {
        let r = app.act(token, case, action, None).await;
        r.error(404, "not_found");
    }
    let r = app
        .get(
            &format!("/api/v1/applications/{id}/certificate.pdf"),
            Some(token),
        )
        .await;
    r.error(404, "not_found");
    assert!(
        !app.listed_ids(token).await.contains(&id.to_owned()),
        "{id} must not be listed"
    );
}

async fn a_resident_cannot_reach_another_residents_application(backend: Backend) {
    let app = spawn_app(backend).await;
    let (a, _, _) = app.new_resident("甲").await;
    let (b, _, _) = app.new_resident("乙").await;

    let draft = app.draft(&a, "pickup").await;
    let before = app.observe(&a, &draft).await;
    let id = draft["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/applications/{id}"),
            Some(&b),
            json!({"version": draft["version"], "form": crate::helpers::residence_form()}),
        )
        .await;
    r.error(404, "not_found");
    assert_invisible(&app, &b, &draft).await;
    assert_eq!(app.observe(&a, &draft).await, before, "B changed nothing");

    // An issued one, with a PDF the owner can download and B cannot.
    let issued = app.issued(&a, "pickup").await;
    let iid = issued["id"].as_str().unwrap();
    let pdf = app
        .get(
            &format!("/api/v1/applications/{iid}/certificate.pdf"),
            Some(&a),
        )
        .await;
    assert_eq!(pdf.status, 200, "the owner downloads the certificate");
    assert_invisible(&app, &b, &issued).await;
    assert!(app.listed_ids(&a).await.contains(&iid.to_owned()));
}
both_backends!(a_resident_cannot_reach_another_residents_application);

async fn an_official_of_another_township_cannot_see_the_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("丙").await;
    let submitted = app.submitted(&resident, "pickup").await;
    let before = app.observe(&resident, &submitted).await;
    for j in [accounts::OTHER_TOWNSHIP, accounts::OTHER_TOWNSHIP_VILLAGE] {
        let other = app.login_staff("official", j).await;
        assert_invisible(&app, &other, &submitted).await;
    }
    assert_eq!(app.observe(&resident, &submitted).await, before);
}
both_backends!(an_official_of_another_township_cannot_see_the_case);

async fn an_official_of_another_village_in_the_township_cannot_see_the_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("丁").await;
    let submitted = app.submitted(&resident, "pickup").await;
    let before = app.observe(&resident, &submitted).await;
    let other = app
        .login_staff("official", accounts::OTHER_VILLAGE_SAME_TOWNSHIP)
        .await;
    assert_invisible(&app, &other, &submitted).await;
    assert_eq!(app.observe(&resident, &submitted).await, before);
}
both_backends!(an_official_of_another_village_in_the_township_cannot_see_the_case);

async fn the_township_cannot_take_the_village_step(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("戊").await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let submitted = app.submitted(&resident, "pickup").await;
    let seen = app.detail(&township, &submitted).await;
    assert_eq!(seen["status"], "submitted");
    assert_eq!(seen["allowed_actions"], json!([]), "nothing offered");
    assert!(app
        .listed_ids(&township)
        .await
        .contains(&submitted["id"].as_str().unwrap().to_owned()));
    let before = app.observe(&resident, &submitted).await;
    for (action, reason) in [
        ("accept", None),
        ("return", Some("材料不全")),
        ("reject", Some("不符合条件")),
    ] {
        let r = app.act(&township, &submitted, action, reason).await;
        let e = r.error(403, "forbidden");
        assert!(e["message"].as_str().unwrap().contains("村"), "{}", r.body);
    }
    assert_eq!(app.observe(&resident, &submitted).await, before);
    let accepted = app.act_ok(&village, &submitted, "accept", None).await;
    let r = app.act(&township, &accepted, "approve", None).await;
    r.error(403, "forbidden");
    let after = app.observe(&resident, &accepted).await;
    assert_eq!(after.status, "under_review");
    assert_eq!(after.version, accepted["version"].as_i64().unwrap());
}
both_backends!(the_township_cannot_take_the_village_step);

async fn a_resident_cannot_take_official_actions(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("己").await;
    let submitted = app.submitted(&resident, "pickup").await;
    let before = app.observe(&resident, &submitted).await;
    for action in ["accept", "approve", "collect"] {
        let r = app.act(&resident, &submitted, action, None).await;
        r.error(403, "forbidden");
    }
    let r = app
        .act(&resident, &submitted, "reject", Some("自己驳回"))
        .await;
    r.error(403, "forbidden");
    assert_eq!(app.observe(&resident, &submitted).await, before);
}
both_backends!(a_resident_cannot_take_official_actions);

async fn an_official_cannot_take_applicant_actions(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("庚").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let submitted = app.submitted(&resident, "pickup").await;
    let r = app.act(&village, &submitted, "withdraw", None).await;
    r.error(403, "forbidden");
    assert_eq!(app.observe(&resident, &submitted).await.status, "submitted");
}
both_backends!(an_official_cannot_take_applicant_actions);

async fn a_courier_of_another_township_cannot_touch_the_dispatch(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("辛").await;
    let case = app.issued(&resident, "courier").await;
    let did = case["dispatch"]["id"].as_str().unwrap().to_owned();
    let before = app.observe_dispatch(&resident, &case).await;

    let other = app.login_staff("courier", accounts::OTHER_TOWNSHIP).await;
    let r = app
        .dispatch_event(
            &other,
            &did,
            json!({"event": "pick_up", "version": case["dispatch"]["version"]}),
        )
        .await;
    r.error(404, "not_found");
    let list = app.get("/api/v1/dispatches", Some(&other)).await;
    assert_eq!(list.status, 200);
    assert!(
        !list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == did.as_str()),
        "not in the other courier's list"
    );
    // The township's own courier does see it.
    let own = app.login_staff("courier", accounts::TOWNSHIP).await;
    let list = app.get("/api/v1/dispatches", Some(&own)).await;
    assert!(list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["id"] == did.as_str()));
    assert_eq!(app.observe_dispatch(&resident, &case).await, before);
}
both_backends!(a_courier_of_another_township_cannot_touch_the_dispatch);

async fn an_official_cannot_post_courier_events(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("壬").await;
    let case = app.issued(&resident, "courier").await;
    let did = case["dispatch"]["id"].as_str().unwrap().to_owned();
    let before = app.observe_dispatch(&resident, &case).await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let r = app
        .dispatch_event(
            &township,
            &did,
            json!({"event": "pick_up", "version": case["dispatch"]["version"]}),
        )
        .await;
    r.error(403, "forbidden");
    // A resident is not a courier either, and has no dispatch scope at all.
    let r = app
        .dispatch_event(
            &resident,
            &did,
            json!({"event": "pick_up", "version": case["dispatch"]["version"]}),
        )
        .await;
    assert!(matches!(r.status, 403 | 404), "{}", r.body);
    assert_eq!(app.observe_dispatch(&resident, &case).await, before);
}
both_backends!(an_official_cannot_post_courier_events);

async fn drafts_are_invisible_to_staff_until_submitted(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("癸").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let draft = app.draft(&resident, "pickup").await;
    let before = app.observe(&resident, &draft).await;
    for staff in [&village, &township] {
        assert_invisible(&app, staff, &draft).await;
    }
    assert_eq!(app.observe(&resident, &draft).await, before);
    let submitted = app.act_ok(&resident, &draft, "submit", None).await;
    assert_eq!(
        app.detail(&village, &submitted).await["status"],
        "submitted"
    );
    assert!(app
        .listed_ids(&village)
        .await
        .contains(&draft["id"].as_str().unwrap().to_owned()));
}
both_backends!(drafts_are_invisible_to_staff_until_submitted);

async fn requests_without_a_valid_session_are_unauthorized(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("子").await;
    let draft = app.draft(&resident, "pickup").await;
    let id = draft["id"].as_str().unwrap();
    for token in [None, Some("garbage-token"), Some("")] {
        for path in [
            "/api/v1/applications".to_owned(),
            format!("/api/v1/applications/{id}"),
            "/api/v1/dispatches".to_owned(),
        ] {
            let r = app.get(&path, token).await;
            r.error(401, "unauthorized");
        }
        let r = app
            .post(
                &format!("/api/v1/applications/{id}/actions"),
                token,
                json!({"action": "submit", "version": draft["version"]}),
            )
            .await;
        r.error(401, "unauthorized");
        let r = app
            .send(Method::DELETE, "/api/v1/session", token, None)
            .await;
        r.error(401, "unauthorized");
    }
    assert_eq!(app.observe(&resident, &draft).await.status, "draft");
    // A resident is signed in but has no business with the dispatch list.
    let r = app.get("/api/v1/dispatches", Some(&resident)).await;
    r.error(403, "forbidden");
}
both_backends!(requests_without_a_valid_session_are_unauthorized);

async fn signing_out_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, phone, _) = app.new_resident("丑").await;
    let other = app.login(&phone, "secret-pass-1").await;
    assert_eq!(
        app.get("/api/v1/applications", Some(&token)).await.status,
        200
    );
    let r = app
        .send(Method::DELETE, "/api/v1/session", Some(&token), None)
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = app.get("/api/v1/applications", Some(&token)).await;
    r.error(401, "unauthorized");
    let r = app
        .send(Method::DELETE, "/api/v1/session", Some(&token), None)
        .await;
    r.error(401, "unauthorized");
    // Only that session ended: the other device stays signed in.
    assert_eq!(
        app.get("/api/v1/applications", Some(&other)).await.status,
        200
    );
}
both_backends!(signing_out_ends_the_session);

async fn staff_lists_mask_the_id_number(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, id_number) = app.new_resident("寅").await;
    let submitted = app.submitted(&resident, "pickup").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    for staff in [&village, &township] {
        let list = app.get("/api/v1/applications", Some(staff)).await;
        let row = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == submitted["id"])
            .cloned()
            .expect("listed");
        assert_eq!(row["subject_id_number"], masked(&id_number));
        // The detail without reveal is masked too.
        let d = app.detail(staff, &submitted).await;
        assert_eq!(d["subject_id_number"], masked(&id_number));
    }
    // The owner sees their own number in full, without it being logged.
    assert_eq!(
        app.detail(&resident, &submitted).await["subject_id_number"],
        id_number
    );
    // The two staff views are logged as views of the case, not as reveals.
    let sid = submitted["id"].as_str().unwrap();
    let logged: Vec<String> = app
        .access_log_for(sid)
        .await
        .into_iter()
        .map(|(_, action, _)| action)
        .collect();
    assert_eq!(logged, ["view_case", "view_case"]);
}
both_backends!(staff_lists_mask_the_id_number);

async fn revealing_the_id_number_is_logged(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, id_number) = app.new_resident("卯").await;
    let submitted = app.submitted(&resident, "pickup").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let sid = submitted["id"].as_str().unwrap();
    assert!(app.access_log_for(sid).await.is_empty());

    let r = app
        .get(
            &format!("/api/v1/applications/{sid}?reveal=true"),
            Some(&village),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["subject_id_number"], id_number);
    let log = app.access_log_for(sid).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].1, "reveal_id_number");
    assert_eq!(log[0].2, "application");
    let phone = app.staff_phone("official", accounts::VILLAGE).await;
    let me = app
        .try_login(&phone, zhengming::devtools::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(
        log[0].0, me.body["user"]["id"],
        "logged against the official who looked"
    );

    // A resident's `reveal` is not an audited staff access; outsiders still get 404.
    let r = app
        .get(
            &format!("/api/v1/applications/{sid}?reveal=true"),
            Some(&resident),
        )
        .await;
    assert_eq!(r.body["subject_id_number"], id_number);
    let other = app.login_staff("official", accounts::OTHER_TOWNSHIP).await;
    let r = app
        .get(
            &format!("/api/v1/applications/{sid}?reveal=true"),
            Some(&other),
        )
        .await;
    r.error(404, "not_found");
    assert_eq!(app.access_log_for(sid).await.len(), 1, "still one row");
}
both_backends!(revealing_the_id_number_is_logged);
