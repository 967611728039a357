//! 督办 (issue 17): a supervisor urges the office about a case it holds; the note is on
//! the staff's trail and case page, the officials holding the step get an SMS, the
//! resident's view and the public track do not carry it.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{accounts, has_chinese, spawn_app, Backend, TestApp};

const COUNTY: &str = "222403";
const NOTE: &str = "已超期两天，请今天内受理并回复进度";

async fn urge(app: &TestApp, token: &str, case: &Value, note: Value) -> crate::helpers::Resp {
    let id = case["id"].as_str().unwrap();
    app.post(
        &format!("/api/v1/applications/{id}/urge"),
        Some(token),
        json!({ "note": note }),
    )
    .await
}

fn urges(detail: &Value) -> Vec<Value> {
    detail["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "urge")
        .cloned()
        .collect()
}

async fn urged_sms(app: &TestApp, application_id: &str) -> Vec<String> {
    use diesel::prelude::*;
    use zhengming::db::schema::notifications::dsl as n;
    let id = application_id.to_owned();
    app.with_db(move |c| {
        n::notifications
            .filter(n::application_id.eq(id))
            .filter(n::template_code.eq("urged"))
            .select(n::recipient)
            .load::<String>(c)
            .unwrap()
    })
    .await
}

async fn a_supervisor_urges_the_office_and_the_note_is_on_the_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, phone, _) = app.new_resident("王小明").await;
    let case = app.submitted(&resident, "pickup").await;
    let id = case["id"].as_str().unwrap();
    let supervisor = app.login_staff("supervisor", COUNTY).await;
    let official = app.login_staff("official", accounts::VILLAGE).await;
    let status_before = app.detail(&official, &case).await["status"].clone();

    // Bad input: a clear error, nothing recorded, nobody told.
    for bad in [json!(""), json!("   "), json!("长".repeat(501))] {
        let r = urge(&app, &supervisor, &case, bad).await;
        assert!(has_chinese(&r.field_error("note")), "{}", r.body);
    }
    urge(&app, &official, &case, json!(NOTE))
        .await
        .error(403, "forbidden");
    let stranger = app
        .add_staff("supervisor", accounts::OTHER_TOWNSHIP, "东丰镇监察")
        .await;
    urge(&app, &stranger, &case, json!(NOTE))
        .await
        .error(404, "not_found");
    assert!(urges(&app.detail(&official, &case).await).is_empty());
    assert!(urged_sms(&app, id).await.is_empty());

    let r = urge(&app, &supervisor, &case, json!(NOTE)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["number"], case["number"]);
    // The first step is the village's: its official is told.
    let village_official = app.staff_phone("official", accounts::VILLAGE).await;
    let told = urged_sms(&app, id).await;
    assert!(told.contains(&village_official), "{told:?}");
    assert_eq!(r.body["notified"], told.len());

    // On the staff's trail, with the note and who urged; the status is unchanged.
    let seen = app.detail(&official, &case).await;
    let u = urges(&seen);
    assert_eq!(u.len(), 1, "{seen}");
    assert_eq!(u[0]["reason"], NOTE);
    assert_eq!(u[0]["actor_role"], "supervisor");
    assert_eq!(seen["status"], status_before);
    // … and at the top of the official's case page.
    let page = app.get(&format!("/office/{id}"), Some(&official)).await;
    let html = page.body.as_str().unwrap();
    let top = html
        .split("id=\"urges\"")
        .nth(1)
        .expect("urge notes on the page");
    assert!(
        top.split("</section>").next().unwrap().contains(NOTE),
        "{html}"
    );

    // Not on the resident's view, nor on the public track.
    assert!(urges(&app.detail(&resident, &case).await).is_empty());
    let number = case["number"].as_str().unwrap();
    let t = app
        .get(
            &format!("/api/v1/track?number={number}&phone={phone}"),
            None,
        )
        .await;
    assert_eq!(t.status, 200, "{}", t.body);
    assert!(!t.body.to_string().contains("urge"), "{}", t.body);

    // Two at once: both recorded, one after the other.
    let (a, b) = tokio::join!(
        urge(&app, &supervisor, &case, json!("第二次督办")),
        urge(&app, &supervisor, &case, json!("第三次督办")),
    );
    assert_eq!((a.status, b.status), (201, 201), "{} {}", a.body, b.body);
    assert_eq!(urges(&app.detail(&official, &case).await).len(), 3);

    // A case the office no longer holds cannot be urged.
    app.act_ok(
        &resident,
        &app.detail(&resident, &case).await,
        "withdraw",
        None,
    )
    .await;
    let r = urge(&app, &supervisor, &case, json!(NOTE)).await;
    let e = r.error(409, "conflict");
    assert!(has_chinese(e["message"].as_str().unwrap()));
    assert_eq!(urges(&app.detail(&official, &case).await).len(), 3);
}
both_backends!(a_supervisor_urges_the_office_and_the_note_is_on_the_case);
