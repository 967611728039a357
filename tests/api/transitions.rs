//! Forbidden transitions are refused with 409 and a clear message, and change nothing
//! (docs/architecture.md §4): the application state machine and the courier dispatch state machine.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{accounts, spawn_app, Backend, Resp, TestApp};

/// `action` on `app` by `token` is a 409 conflict that mentions why, and the application
/// (as `observer` sees it) is unchanged afterwards.
async fn assert_refused(
    app: &TestApp,
    observer: &str,
    token: &str,
    case: &Value,
    action: &str,
    reason: Option<&str>,
) -> Resp {
    let before = app.observe(observer, case).await;
    let r = app.act(token, case, action, reason).await;
    let e = r.error(409, "conflict");
    let msg = e["message"].as_str().unwrap();
    assert!(
        msg.contains("不能") || msg.contains("刷新"),
        "{action}: the message says what is wrong: {msg}"
    );
    assert_eq!(
        app.observe(observer, case).await,
        before,
        "a refused {action} changes nothing"
    );
    r
}

async fn approving_before_acceptance_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王一").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let submitted = app.submitted(&resident, "pickup").await;
    let r = assert_refused(&app, &resident, &village, &submitted, "approve", None).await;
    assert_eq!(
        r.body["error"]["message"],
        "当前状态为“已提交”，不能执行“批准”"
    );
    assert_eq!(
        r.body["error"]["message_en"],
        "Cannot approve an application that is submitted"
    );
}
both_backends!(approving_before_acceptance_is_a_conflict);

async fn accepting_twice_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王二").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let submitted = app.submitted(&resident, "pickup").await;
    let accepted = app.act_ok(&village, &submitted, "accept", None).await;
    let r = assert_refused(&app, &resident, &village, &accepted, "accept", None).await;
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("审核中"));
}
both_backends!(accepting_twice_is_a_conflict);

async fn submitting_twice_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王三").await;
    let submitted = app.submitted(&resident, "pickup").await;
    assert_refused(&app, &resident, &resident, &submitted, "submit", None).await;
}
both_backends!(submitting_twice_is_a_conflict);

async fn resubmitting_a_submitted_application_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王四").await;
    let submitted = app.submitted(&resident, "pickup").await;
    assert_refused(&app, &resident, &resident, &submitted, "resubmit", None).await;
}
both_backends!(resubmitting_a_submitted_application_is_a_conflict);

async fn withdrawing_an_issued_application_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王五").await;
    let issued = app.issued(&resident, "pickup").await;
    assert_eq!(issued["status"], "issued");
    assert_refused(&app, &resident, &resident, &issued, "withdraw", None).await;
}
both_backends!(withdrawing_an_issued_application_is_a_conflict);

async fn withdrawing_a_dispatched_application_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王六").await;
    let dispatched = app.issued(&resident, "courier").await;
    assert_eq!(dispatched["status"], "dispatched");
    assert_refused(&app, &resident, &resident, &dispatched, "withdraw", None).await;
}
both_backends!(withdrawing_a_dispatched_application_is_a_conflict);

async fn withdrawing_under_review_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王七").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let submitted = app.submitted(&resident, "pickup").await;
    let accepted = app.act_ok(&village, &submitted, "accept", None).await;
    assert_refused(&app, &resident, &resident, &accepted, "withdraw", None).await;
}
both_backends!(withdrawing_under_review_is_a_conflict);

async fn collecting_a_courier_delivery_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王八").await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let dispatched = app.issued(&resident, "courier").await;
    assert_refused(&app, &resident, &township, &dispatched, "collect", None).await;
    assert_eq!(
        app.observe_dispatch(&resident, &dispatched).await.status,
        "created",
        "the dispatch is untouched"
    );
}
both_backends!(collecting_a_courier_delivery_is_a_conflict);

async fn returning_a_completed_application_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王九").await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let issued = app.issued(&resident, "pickup").await;
    let done = app.act_ok(&township, &issued, "collect", None).await;
    assert_eq!(done["status"], "completed");
    let r = assert_refused(
        &app,
        &resident,
        &township,
        &done,
        "return",
        Some("材料不全"),
    )
    .await;
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("已办结"));
    assert_refused(&app, &resident, &township, &done, "collect", None).await;
}
both_backends!(returning_a_completed_application_is_a_conflict);

async fn a_stale_version_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("李一").await;
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let draft = app.draft(&resident, "pickup").await;
    let submitted = app.act_ok(&resident, &draft, "submit", None).await;
    // The official acts on the version of the draft: somebody changed it since.
    let mut stale = submitted.clone();
    stale["version"] = draft["version"].clone();
    let r = assert_refused(&app, &resident, &village, &stale, "accept", None).await;
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("刷新"));
    // A version from the future is just as wrong.
    stale["version"] = json!(submitted["version"].as_i64().unwrap() + 1);
    assert_refused(&app, &resident, &village, &stale, "accept", None).await;
}
both_backends!(a_stale_version_is_a_conflict);

async fn an_unknown_action_is_a_field_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("李二").await;
    let submitted = app.submitted(&resident, "pickup").await;
    let before = app.observe(&resident, &submitted).await;
    for action in ["delete", "APPROVE", ""] {
        let r = app
            .act_raw(
                &resident,
                &submitted,
                json!({"action": action, "version": submitted["version"]}),
            )
            .await;
        assert!(r.field_error("action").contains("未知"), "{}", r.body);
    }
    // System actions exist but may not be requested.
    let r = app
        .act_raw(
            &resident,
            &submitted,
            json!({"action": "issue", "version": submitted["version"]}),
        )
        .await;
    r.field_error("action");
    let r = app
        .act_raw(
            &resident,
            &submitted,
            json!({"version": submitted["version"]}),
        )
        .await;
    r.field_error("action");
    assert_eq!(app.observe(&resident, &submitted).await, before);
}
both_backends!(an_unknown_action_is_a_field_error);

async fn an_action_without_version_is_a_field_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("李三").await;
    let draft = app.draft(&resident, "pickup").await;
    let before = app.observe(&resident, &draft).await;
    let r = app
        .act_raw(&resident, &draft, json!({"action": "submit"}))
        .await;
    r.field_error("version");
    assert_eq!(app.observe(&resident, &draft).await, before);
}
both_backends!(an_action_without_version_is_a_field_error);

async fn editing_a_submitted_application_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("李四").await;
    let submitted = app.submitted(&resident, "pickup").await;
    let before = app.observe(&resident, &submitted).await;
    let mut form = crate::helpers::residence_form();
    form["purpose"] = json!("改个用途");
    let id = submitted["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/applications/{id}"),
            Some(&resident),
            json!({"version": submitted["version"], "form": form}),
        )
        .await;
    assert!(r.error(409, "conflict")["message"]
        .as_str()
        .unwrap()
        .contains("不能修改"));
    assert_eq!(app.observe(&resident, &submitted).await, before);
    let detail = app.detail(&resident, &submitted).await;
    assert_eq!(detail["form"]["purpose"], "办理子女入学");
}
both_backends!(editing_a_submitted_application_is_a_conflict);

// ---- dispatch ---------------------------------------------------------------------

/// A dispatched application, the township courier's token and the dispatch.
async fn dispatched(app: &TestApp, name: &str) -> (String, Value, String, Value) {
    let (resident, _, _) = app.new_resident(name).await;
    let case = app.issued(&resident, "courier").await;
    let courier = app.login_staff("courier", accounts::TOWNSHIP).await;
    let dispatch = case["dispatch"].clone();
    assert_eq!(dispatch["status"], "created");
    (resident, case, courier, dispatch)
}

/// The dispatch event is refused with `status` and the dispatch is unchanged.
async fn assert_event_refused(
    app: &TestApp,
    resident: &str,
    case: &Value,
    courier: &str,
    body: Value,
    status: u16,
) -> Resp {
    let before = app.observe_dispatch(resident, case).await;
    let app_before = app.observe(resident, case).await;
    let id = case["dispatch"]["id"].as_str().unwrap();
    let r = app.dispatch_event(courier, id, body.clone()).await;
    assert_eq!(r.status, status, "{body}: {}", r.body);
    assert_eq!(
        app.observe_dispatch(resident, case).await,
        before,
        "refused {body} changes nothing"
    );
    assert_eq!(app.observe(resident, case).await, app_before);
    r
}

async fn delivering_before_pick_up_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, case, courier, d) = dispatched(&app, "赵一").await;
    let code = app.delivery_code(case["id"].as_str().unwrap()).await;
    let r = assert_event_refused(
        &app,
        &resident,
        &case,
        &courier,
        json!({"event": "deliver", "version": d["version"], "code": code, "signer": "赵一"}),
        409,
    )
    .await;
    r.error(409, "conflict");
    assert_eq!(
        r.body["error"]["message"],
        "当前配送状态为“待揽收”，不能执行“妥投”"
    );
    // Nor can it go out for delivery before it was picked up.
    assert_event_refused(
        &app,
        &resident,
        &case,
        &courier,
        json!({"event": "out_for_delivery", "version": d["version"]}),
        409,
    )
    .await;
}
both_backends!(delivering_before_pick_up_is_a_conflict);

async fn returning_before_three_failed_attempts_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, case, courier, d) = dispatched(&app, "赵二").await;
    let d = app.dispatch_ok(&courier, &d, "pick_up", json!({})).await;
    let mut d = d;
    for attempt in 1..=2 {
        d = app
            .dispatch_ok(&courier, &d, "out_for_delivery", json!({}))
            .await;
        d = app
            .dispatch_ok(&courier, &d, "fail", json!({"reason": "not_home"}))
            .await;
        assert_eq!(d["failed_attempts"], attempt);
        let r = assert_event_refused(
            &app,
            &resident,
            &case,
            &courier,
            json!({"event": "return", "version": d["version"]}),
            409,
        )
        .await;
        let e = r.error(409, "conflict");
        assert!(
            e["message"].as_str().unwrap().contains("未满3次"),
            "{}",
            r.body
        );
    }
}
both_backends!(returning_before_three_failed_attempts_is_a_conflict);

async fn after_three_failures_it_is_returned_and_collected_at_the_office(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, case, courier, d) = dispatched(&app, "赵三").await;
    let mut d = app.dispatch_ok(&courier, &d, "pick_up", json!({})).await;
    for _ in 0..3 {
        d = app
            .dispatch_ok(&courier, &d, "out_for_delivery", json!({}))
            .await;
        d = app
            .dispatch_ok(&courier, &d, "fail", json!({"reason": "refused"}))
            .await;
    }
    assert_eq!(d["failed_attempts"], 3);
    let r = assert_event_refused(
        &app,
        &resident,
        &case,
        &courier,
        json!({"event": "out_for_delivery", "version": d["version"]}),
        409,
    )
    .await;
    assert!(r.error(409, "conflict")["message"]
        .as_str()
        .unwrap()
        .contains("退回"));

    let d = app.dispatch_ok(&courier, &d, "return", json!({})).await;
    assert_eq!(d["status"], "returned");
    assert_eq!(
        app.observe_dispatch(&resident, &case).await.status,
        "returned"
    );

    // The certificate is back at the township office, where the resident collects it.
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let current = app.detail(&township, &case).await;
    assert_eq!(current["status"], "dispatched");
    assert!(
        current["allowed_actions"]
            .as_array()
            .unwrap()
            .contains(&json!("collect")),
        "{}",
        current["allowed_actions"]
    );
    let done = app.act_ok(&township, &current, "collect", None).await;
    assert_eq!(done["status"], "completed");
    assert!(done["finished_at"].is_string());
    assert_eq!(
        app.observe(&resident, &case).await.status,
        "completed",
        "the resident sees it completed"
    );
}
both_backends!(after_three_failures_it_is_returned_and_collected_at_the_office);

async fn a_failed_attempt_needs_a_known_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, case, courier, d) = dispatched(&app, "赵四").await;
    let d = app.dispatch_ok(&courier, &d, "pick_up", json!({})).await;
    let d = app
        .dispatch_ok(&courier, &d, "out_for_delivery", json!({}))
        .await;
    let v = d["version"].clone();
    for body in [
        json!({"event": "fail", "version": v}),
        json!({"event": "fail", "version": v, "reason": "lost"}),
        json!({"event": "fail", "version": v, "reason": "other"}),
        json!({"event": "fail", "version": v, "reason": "other", "reason_text": "   "}),
    ] {
        let r = assert_event_refused(&app, &resident, &case, &courier, body, 422).await;
        r.field_error("reason");
    }
    let d = app
        .dispatch_ok(
            &courier,
            &d,
            "fail",
            json!({"reason": "other", "reason_text": "大门紧锁，狗太凶"}),
        )
        .await;
    assert_eq!(d["status"], "failed_attempt");
    assert_eq!(d["failed_attempts"], 1);
}
both_backends!(a_failed_attempt_needs_a_known_reason);

async fn delivery_needs_the_right_code_and_a_signer(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, case, courier, d) = dispatched(&app, "赵五").await;
    let d = app.dispatch_ok(&courier, &d, "pick_up", json!({})).await;
    let d = app
        .dispatch_ok(&courier, &d, "out_for_delivery", json!({}))
        .await;
    let code = app.delivery_code(case["id"].as_str().unwrap()).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let v = d["version"].clone();
    let r = assert_event_refused(
        &app,
        &resident,
        &case,
        &courier,
        json!({"event": "deliver", "version": v, "signer": "赵五"}),
        422,
    )
    .await;
    r.field_error("code");
    let r = assert_event_refused(
        &app,
        &resident,
        &case,
        &courier,
        json!({"event": "deliver", "version": v, "code": wrong, "signer": "赵五"}),
        422,
    )
    .await;
    assert!(r.field_error("code").contains("不正确"));
    let r = assert_event_refused(
        &app,
        &resident,
        &case,
        &courier,
        json!({"event": "deliver", "version": v, "code": code}),
        422,
    )
    .await;
    r.field_error("signer");
    assert_eq!(app.observe(&resident, &case).await.status, "dispatched");

    let d = app
        .dispatch_ok(
            &courier,
            &d,
            "deliver",
            json!({"code": code, "signer": "赵五"}),
        )
        .await;
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["signer"], "赵五");
    assert_eq!(app.observe(&resident, &case).await.status, "completed");
}
both_backends!(delivery_needs_the_right_code_and_a_signer);

async fn a_stale_dispatch_version_is_a_conflict(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, case, courier, d) = dispatched(&app, "赵六").await;
    let old = d["version"].clone();
    app.dispatch_ok(&courier, &d, "pick_up", json!({})).await;
    let r = assert_event_refused(
        &app,
        &resident,
        &case,
        &courier,
        json!({"event": "out_for_delivery", "version": old}),
        409,
    )
    .await;
    assert!(r.error(409, "conflict")["message"]
        .as_str()
        .unwrap()
        .contains("刷新"));
}
both_backends!(a_stale_dispatch_version_is_a_conflict);
