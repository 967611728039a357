//! Applying for someone else (代办, issue 16): a village agent for a villager, a
//! resident for a parent. Without the person's consent — a code sent to their phone
//! and read out, or a photographed signed authorisation (委托书) that the village
//! official checks — the case cannot be submitted; once it is, the person hears of it.

use diesel::prelude::*;
use serde_json::{json, Value};
use zhengming::db::schema::{notifications, sms_codes};

use crate::both_backends;
use crate::helpers::{
    accounts, has_chinese, id_number, phone, residence_form, spawn_app, Backend, TestApp,
};

/// A residence certificate draft for `subject` (name, id_number, …), pickup.
async fn draft_for(app: &TestApp, token: &str, subject: Value) -> crate::helpers::Resp {
    app.create_application(
        token,
        json!({
            "type": "residence",
            "jurisdiction": accounts::VILLAGE,
            "subject": subject,
            "form": residence_form(),
            "delivery": {"method": "pickup"},
        }),
    )
    .await
}

/// SMS messages to `to` with this template, oldest first: their params as sent.
async fn sms_to(app: &TestApp, to: &str, template: &str) -> Vec<Value> {
    let (to, template) = (to.to_owned(), template.to_owned());
    let rows: Vec<(String, String)> = app
        .with_db(move |c| {
            notifications::table
                .filter(notifications::recipient.eq(to))
                .filter(notifications::template_code.eq(template))
                .filter(notifications::channel.eq("sms"))
                .order(notifications::created_at.asc())
                .select((notifications::id, notifications::params))
                .load(c)
                .unwrap()
        })
        .await;
    rows.into_iter()
        .map(|(id, p)| app.as_sent(&id, serde_json::from_str(&p).unwrap()))
        .collect()
}

/// Asks for the consent code of a draft; returns the code the subject's phone got.
async fn consent_code(app: &TestApp, token: &str, case: &Value, subject_phone: &str) -> String {
    let id = case["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/applications/{id}/consent-code"),
            Some(token),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 202, "consent code: {}", r.body);
    let sent = sms_to(app, subject_phone, "consent_case").await;
    let last = sent.last().expect("a consent SMS to the subject's phone");
    last["code"].as_str().expect("code").to_owned()
}

async fn confirm(app: &TestApp, token: &str, case: &Value, code: &str) -> crate::helpers::Resp {
    let id = case["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/applications/{id}/consent"),
        Some(token),
        json!({"code": code}),
    )
    .await
}

async fn agent_applies_for_a_phoneless_villager_with_an_authorisation_photo(backend: Backend) {
    let app = spawn_app(backend).await;
    let agent = app.add_staff("agent", accounts::VILLAGE, "李代办").await;
    let r = draft_for(
        &app,
        &agent,
        json!({"name": "张老汉", "id_number": id_number()}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.body;
    assert_eq!(case["proxy"]["label"], "代办：李代办");
    app.upload_required_documents(&agent, &case).await;

    // Not without consent: a clear error, nothing changes.
    let case = app.detail(&agent, &case).await;
    let r = app.act(&agent, &case, "submit", None).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(has_chinese(&r.field_error("consent")), "{}", r.body);
    assert_eq!(app.observe(&agent, &case).await.status, "draft");
    // No phone on record, none given: no code can be sent, and the error says what to do.
    let id = case["id"].as_str().unwrap();
    let r = app
        .post(
            &format!("/api/v1/applications/{id}/consent-code"),
            Some(&agent),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.field_error("subject.phone").contains("委托书"),
        "{}",
        r.body
    );

    let r = app
        .upload(
            &agent,
            id,
            "authorisation",
            "委托书.jpg",
            crate::fixtures::jpeg(64, 48),
        )
        .await;
    assert_eq!(r.status, 201, "upload authorisation: {}", r.body);
    let case = app.detail(&agent, &case).await;
    let case = app.act_ok(&agent, &case, "submit", None).await;
    assert_eq!(case["status"], "submitted");

    // The village official sees who applied, how the person agreed, and the photo.
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let seen = app.detail(&village, &case).await;
    assert_eq!(seen["proxy"]["label"], "代办：李代办");
    assert_eq!(seen["proxy"]["consent"], "authorisation");
    let photo = seen["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["kind"] == "authorisation")
        .expect("the authorisation photo is on the case");
    assert!(photo["kind_name"].as_str().unwrap().contains("委托书"));
    let r = app
        .get(photo["url"].as_str().unwrap(), Some(&village))
        .await;
    assert_eq!(r.status, 200, "the official opens the photo");
    let trail = seen["events"].as_array().unwrap();
    assert_eq!(trail[0]["actor_role"], "agent");
    assert_eq!(trail[0]["actor_name"], "李代办");

    // The first approval needs the photo checked.
    let case = app.act_ok(&village, &seen, "accept", None).await;
    let r = app.act(&village, &case, "approve", None).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.field_error("authorisation_checked").contains("委托书"));
    let r = app
        .act_raw(
            &village,
            &case,
            json!({"action": "approve", "version": case["version"], "authorisation_checked": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let approve = r.body["events"].as_array().unwrap().last().unwrap().clone();
    assert!(approve["reason"].as_str().unwrap().contains("委托书"));
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let done = app.act_ok(&township, &r.body, "approve", None).await;
    assert_eq!(done["status"], "issued");
    // The agent follows the case and gets the certificate like any applicant.
    let r = app
        .get(
            &format!("/api/v1/applications/{id}/certificate.pdf"),
            Some(&agent),
        )
        .await;
    assert_eq!(r.status, 200);
    // The figures count proxy cases per village.
    let supervisor = app.login_staff("supervisor", "222403").await;
    let r = app
        .get("/api/v1/stats?group_by=village", Some(&supervisor))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let row = r.body["proxy_by_village"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["village_code"] == accounts::VILLAGE)
        .cloned()
        .expect("the village has a proxy row");
    assert_eq!(
        (row["by_agent"].as_i64(), row["by_relative"].as_i64()),
        (Some(1), Some(0))
    );

    // An agent applies only in their own village.
    let r = app
        .create_application(
            &agent,
            json!({"type": "residence", "jurisdiction": accounts::OTHER_VILLAGE_SAME_TOWNSHIP,
                   "subject": {"name": "王五", "id_number": id_number()},
                   "form": residence_form(), "delivery": {"method": "pickup"}}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
}
both_backends!(agent_applies_for_a_phoneless_villager_with_an_authorisation_photo);

async fn agent_applies_with_an_sms_consent_code(backend: Backend) {
    let app = spawn_app(backend).await;
    // A village official may act as agent (no longer 没有权限).
    let agent = app.login_staff("official", accounts::VILLAGE).await;
    let subject_phone = phone();
    let r = draft_for(
        &app,
        &agent,
        json!({"name": "赵大娘", "id_number": id_number(), "phone": subject_phone}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.body;
    app.upload_required_documents(&agent, &case).await;
    let code = consent_code(&app, &agent, &case, &subject_phone).await;

    // A wrong code is refused and records nothing.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let r = confirm(&app, &agent, &case, wrong).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(has_chinese(&r.field_error("code")));
    assert!(app.detail(&agent, &case).await["proxy"]["consent"].is_null());

    let r = confirm(&app, &agent, &case, &code).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["proxy"]["consent"], "sms");
    let case = app.act_ok(&agent, &r.body, "submit", None).await;
    assert_eq!(case["status"], "submitted");
    // The person hears of it on their own phone.
    let notice = sms_to(&app, &subject_phone, "about_you").await;
    assert_eq!(notice.len(), 1, "{notice:?}");
    assert_eq!(notice[0]["number"], case["number"]);
    // The official who applied does not also decide the case.
    let r = app.act(&agent, &case, "accept", None).await;
    assert_eq!(r.status, 403, "{}", r.body);

    // A code expires: five minutes, then it no longer confirms anything.
    let r = draft_for(
        &app,
        &agent,
        json!({"name": "赵大爷", "id_number": id_number(), "phone": subject_phone}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let second = r.body;
    // The resend wait of the same phone: let the first code's minute pass.
    app.with_writer(|c| {
        diesel::delete(zhengming::db::schema::rate_limits::table)
            .execute(c)
            .unwrap()
    })
    .await;
    let code = consent_code(&app, &agent, &second, &subject_phone).await;
    let past = chrono::Utc::now().naive_utc() - chrono::Duration::minutes(1);
    app.with_writer(move |c| {
        diesel::update(sms_codes::table)
            .set(sms_codes::expires_at.eq(past))
            .execute(c)
            .unwrap()
    })
    .await;
    let r = confirm(&app, &agent, &second, &code).await;
    assert_eq!(r.status, 422, "an expired code: {}", r.body);
    assert!(app.detail(&agent, &second).await["proxy"]["consent"].is_null());
}
both_backends!(agent_applies_with_an_sms_consent_code);

async fn a_resident_applies_for_a_parent_with_consent(backend: Backend) {
    let app = spawn_app(backend).await;
    let (child, child_phone, _) = app.new_resident("王小明").await;
    let (_, parent_phone, parent_id) = app.new_resident("王老汉").await;
    // The relationship must be stated.
    let r = draft_for(
        &app,
        &child,
        json!({"name": "王老汉", "id_number": parent_id}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(has_chinese(&r.field_error("subject.relationship")));
    // A phone typed for a registered person is not where the code goes: their own is.
    let r = draft_for(
        &app,
        &child,
        json!({"name": "王老汉", "id_number": parent_id, "relationship": "parent", "phone": child_phone}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.body;
    assert_eq!(case["proxy"]["relationship"], "parent");
    app.upload_required_documents(&child, &case).await;
    let code = consent_code(&app, &child, &case, &parent_phone).await;
    assert!(sms_to(&app, &child_phone, "consent_case").await.is_empty());
    let r = confirm(&app, &child, &case, &code).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let case = app.act_ok(&child, &r.body, "submit", None).await;
    let notice = sms_to(&app, &parent_phone, "about_you").await;
    assert_eq!(notice.len(), 1);
    assert_eq!(notice[0]["applicant"], "王小明");
    // A case about oneself sends no such notice.
    let own = app.draft(&child, "pickup").await;
    assert!(own["proxy"].is_null());
    app.act_ok(&child, &own, "submit", None).await;
    assert!(sms_to(&app, &child_phone, "about_you").await.is_empty());
    assert_eq!(case["status"], "submitted");
}
both_backends!(a_resident_applies_for_a_parent_with_consent);

async fn for_someone_else_without_consent_cannot_be_submitted(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("刘一").await;
    let subject_phone = phone();
    let r = draft_for(
        &app,
        &resident,
        json!({"name": "陈二", "id_number": id_number(), "phone": subject_phone,
               "relationship": "other", "relationship_note": "邻居"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.body;
    assert_eq!(case["proxy"]["relationship_label"], "邻居");
    app.upload_required_documents(&resident, &case).await;
    let case = app.detail(&resident, &case).await;
    let r = app.act(&resident, &case, "submit", None).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let message = r.field_error("consent");
    assert!(message.contains("同意"), "{message}");
    let after = app.observe(&resident, &case).await;
    assert_eq!(
        (after.status.as_str(), after.version),
        ("draft", case["version"].as_i64().unwrap())
    );
    assert!(sms_to(&app, &subject_phone, "about_you").await.is_empty());
    // "other" needs the applicant's words.
    let r = draft_for(
        &app,
        &resident,
        json!({"name": "陈二", "id_number": id_number(), "relationship": "other"}),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.body);
}
both_backends!(for_someone_else_without_consent_cannot_be_submitted);

/// A signed authorisation is one person's consent: when the draft is changed to be
/// about someone else, the photo goes and the case cannot be submitted on it.
async fn an_authorisation_photo_does_not_carry_over_to_another_subject(backend: Backend) {
    let app = spawn_app(backend).await;
    let agent = app.add_staff("agent", accounts::VILLAGE, "李代办").await;
    let r = draft_for(
        &app,
        &agent,
        json!({"name": "张老汉", "id_number": id_number()}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.body;
    app.upload_required_documents(&agent, &case).await;
    let id = case["id"].as_str().unwrap();
    let r = app
        .upload(
            &agent,
            id,
            "authorisation",
            "委托书.jpg",
            crate::fixtures::jpeg(64, 48),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let case = app.detail(&agent, &case).await;
    let kinds = |d: &Value| -> Vec<String> {
        d["documents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(kinds(&case).contains(&"authorisation".to_owned()));

    // The same person, another detail changed: the photo stays.
    let r = app
        .patch(
            &format!("/api/v1/applications/{id}"),
            Some(&agent),
            json!({"version": case["version"], "delivery": {"method": "pickup"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let case = app.detail(&agent, &case).await;
    assert!(kinds(&case).contains(&"authorisation".to_owned()));

    // Another person: the photo is gone, and so is the way to submit.
    let r = app
        .patch(
            &format!("/api/v1/applications/{id}"),
            Some(&agent),
            json!({"version": case["version"],
                   "subject": {"name": "王老太", "id_number": id_number()}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let case = app.detail(&agent, &case).await;
    assert!(
        !kinds(&case).contains(&"authorisation".to_owned()),
        "{case}"
    );
    assert!(
        kinds(&case).contains(&"id_card".to_owned()),
        "the rest stays"
    );
    let r = app.act(&agent, &case, "submit", None).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(has_chinese(&r.field_error("consent")), "{}", r.body);
    assert_eq!(app.observe(&agent, &case).await.status, "draft");
}
both_backends!(an_authorisation_photo_does_not_carry_over_to_another_subject);

/// An unregistered person's phone is whatever the applicant typed: typing one's own
/// phone would let the applicant read the consent code and consent for the person.
/// The code is refused, saying what to do instead, and no SMS is sent.
async fn a_consent_code_is_never_sent_to_the_applicant_s_own_phone(backend: Backend) {
    let app = spawn_app(backend).await;
    let (child, child_phone, _) = app.new_resident("赵小明").await;
    let r = draft_for(
        &app,
        &child,
        json!({"name": "赵老汉", "id_number": crate::helpers::id_number(),
               "relationship": "parent", "phone": child_phone}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap().to_owned();
    let r = app
        .post(
            &format!("/api/v1/applications/{id}/consent-code"),
            Some(&child),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let msg = r.field_error("subject.phone");
    assert!(msg.contains("本人") && msg.contains("委托书"), "{}", r.body);
    assert!(sms_to(&app, &child_phone, "consent_case").await.is_empty());
}
both_backends!(a_consent_code_is_never_sent_to_the_applicant_s_own_phone);
