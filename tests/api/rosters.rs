//! Rosters and instant approval (issue 16): an admin imports a 低保 roster; a listed
//! resident applying for 享受低保待遇证明 gets the certificate in the same request, an
//! unlisted one and one whose name differs go to review with the reason; a bad row
//! refuses the whole file; the figures count instant and reviewed cases apart.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{accounts, has_chinese, spawn_app, Backend, Resp, TestApp};

const COUNTY: &str = "222403";
const SOURCE: &str = "敦化市民政局";

fn today() -> String {
    zhengming::domain::calendar::china_date(chrono::Utc::now()).to_string()
}

async fn import(app: &TestApp, token: &str, kind: &str, csv: Vec<u8>) -> Resp {
    let url = app.url(&format!(
        "/api/v1/admin/rosters?kind={kind}&source={SOURCE}&as_of={}&county={COUNTY}",
        today()
    ));
    let resp = app
        .client
        .post(url)
        .bearer_auth(token)
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .await
        .expect("request sent");
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.expect("json");
    assert_ne!(status, 500, "server error: {body}");
    Resp { status, body }
}

fn dibao_csv(rows: &[(&str, &str)]) -> String {
    let mut s = "name,id_number,dibao_number,category,people,monthly_amount,since\n".to_owned();
    for (i, (name, id)) in rows.iter().enumerate() {
        s.push_str(&format!(
            "{name},{id},DB2024{i:04},rural_full,3,620.5,2024-05-01\n"
        ));
    }
    s
}

fn dibao_form_full() -> Value {
    json!({
        "dibao_card_number": "DB-OWN-1",
        "dibao_category": "rural_partial",
        "monthly_amount": 300,
        "covered_members": 2,
        "since_date": "2023-01-01",
        "purpose": "办理子女学费减免",
    })
}

async fn dibao_draft(app: &TestApp, token: &str, form: Value) -> Resp {
    app.post(
        "/api/v1/applications",
        Some(token),
        json!({
            "type": "dibao",
            "jurisdiction": accounts::VILLAGE,
            "form": form,
            "delivery": {"method": "pickup"},
        }),
    )
    .await
}

async fn upload(app: &TestApp, token: &str, case: &Value, kind: &str) {
    let id = case["id"].as_str().unwrap();
    let r = app
        .upload(token, id, kind, "photo.jpg", crate::fixtures::jpeg(64, 48))
        .await;
    assert_eq!(r.status, 201, "upload {kind}: {}", r.body);
}

async fn access_rows(app: &TestApp, action: &str, application_id: &str) -> i64 {
    use diesel::prelude::*;
    use zhengming::db::schema::access_log::dsl as a;
    let (action, id) = (action.to_owned(), application_id.to_owned());
    app.with_db(move |c| {
        a::access_log
            .filter(a::action.eq(action))
            .filter(a::application_id.eq(id))
            .count()
            .get_result::<i64>(c)
            .unwrap()
    })
    .await
}

async fn roster_backed_instant_approval(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let (listed, _, listed_id) = app.new_resident("张低保").await;
    let (unlisted, _, _) = app.new_resident("王未列").await;
    let (misnamed, _, misnamed_id) = app.new_resident("李思").await;

    // A bad row refuses the whole file, naming its line; nothing is stored.
    let bad = format!(
        "{}赵五,12345,DB9,rural_full,2,500,2024-01-01\n",
        dibao_csv(&[("张低保", &listed_id)])
    );
    let r = import(&app, &admin, "dibao", bad.into_bytes()).await;
    assert_eq!(r.status, 422, "{}", r.body);
    let msg = r.body["error"]["fields"]["file"]
        .as_str()
        .unwrap_or_default();
    assert!(msg.contains("第3行"), "{}", r.body);
    assert!(
        r.body["error"]["fields_en"]["file"]
            .as_str()
            .unwrap_or_default()
            .contains("Line 3"),
        "{}",
        r.body
    );
    let list = app.get("/api/v1/admin/rosters", Some(&admin)).await;
    assert_eq!(list.body.as_array().unwrap().len(), 0, "{}", list.body);

    // The real file, GBK-encoded as a spreadsheet on Chinese Windows saves it.
    let csv = dibao_csv(&[("张低保", &listed_id), ("李四", &misnamed_id)]);
    let (gbk, _, _) = encoding_rs::GBK.encode(&csv);
    let r = import(&app, &admin, "dibao", gbk.into_owned()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["rows"], 2);
    assert_eq!(r.body["source"], SOURCE);
    let list = app.get("/api/v1/admin/rosters", Some(&admin)).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.body[0]["county_code"], COUNTY);
    assert!(
        !list.body.to_string().contains(&listed_id),
        "the list never shows ID numbers"
    );

    // Listed: the form is filled from the roster (no 低保证号 typed), the household
    // register it proves is not asked for, and the submit issues the certificate.
    let r = dibao_draft(&app, &listed, json!({"purpose": "办理子女学费减免"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.body;
    upload(&app, &listed, &case, "id_card").await;
    let done = app.act_ok(&listed, &case, "submit", None).await;
    assert_eq!(done["status"], "issued", "{done}");
    let id = done["id"].as_str().unwrap().to_owned();
    assert_eq!(app.certificate_rows(&id).await, 1);
    let d = app.detail(&listed, &done).await;
    assert_eq!(d["form"]["dibao_card_number"], "DB20240000");
    assert_eq!(d["form"]["covered_members"], 3);
    assert_eq!(d["roster_check"]["outcome"], "instant");
    let system: Vec<&Value> = d["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor_role"] == "system" && e["action"] == "approve")
        .collect();
    assert_eq!(system.len(), 2, "both steps approved by the system: {d}");
    let reason = system[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains(SOURCE) && reason.contains(&today()),
        "{reason}"
    );
    assert!(
        d["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_role"] != "official"),
        "no official acted: {d}"
    );
    assert!(access_rows(&app, "roster_lookup", &id).await >= 1);

    // Not on the roster: the resident types the form, uploads the documents, and an
    // official reviews; the official sees why.
    let r = dibao_draft(&app, &unlisted, dibao_form_full()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.body;
    upload(&app, &unlisted, &case, "id_card").await;
    let r = app.act(&unlisted, &case, "submit", None).await;
    assert_eq!(r.status, 422, "the household register is still required");
    upload(&app, &unlisted, &case, "household_register").await;
    let case = app.detail(&unlisted, &case).await;
    let sub = app.act_ok(&unlisted, &case, "submit", None).await;
    assert_eq!(sub["status"], "submitted");
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let d = app.detail(&village, &sub).await;
    assert_eq!(d["roster_check"]["outcome"], "not_found");
    assert!(has_chinese(d["roster_check"]["reason"].as_str().unwrap()));
    // The official reviews it to the end: a reviewed case in the figures.
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let s = app.act_ok(&village, &sub, "accept", None).await;
    let s = app.act_ok(&village, &s, "approve", None).await;
    let s = app.act_ok(&township, &s, "approve", None).await;
    assert_eq!(s["status"], "issued");

    // On the roster under another name: review, with the reason naming both.
    let r = dibao_draft(&app, &misnamed, json!({"purpose": "办理医疗救助"})).await;
    assert_eq!(
        r.status, 422,
        "not filled when the name differs: {}",
        r.body
    );
    let r = dibao_draft(&app, &misnamed, dibao_form_full()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.body;
    upload(&app, &misnamed, &case, "id_card").await;
    upload(&app, &misnamed, &case, "household_register").await;
    let case = app.detail(&misnamed, &case).await;
    let sub = app.act_ok(&misnamed, &case, "submit", None).await;
    assert_eq!(sub["status"], "submitted");
    let d = app.detail(&village, &sub).await;
    assert_eq!(d["roster_check"]["outcome"], "name_differs");
    let why = d["roster_check"]["reason"].as_str().unwrap();
    assert!(why.contains("李四") && why.contains("李思"), "{why}");

    // The figures count both: one instant, one reviewed, among decided dibao cases.
    let sup = app.login_staff("supervisor", COUNTY).await;
    let r = app
        .get(
            &format!(
                "/api/v1/stats?group_by=type&from={}&to={}",
                today(),
                today()
            ),
            Some(&sup),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["total"]["instant"]["instant"], 1, "{}", r.body);
    assert_eq!(r.body["total"]["instant"]["reviewed"], 1, "{}", r.body);
    assert_eq!(r.body["total"]["instant"]["instant_same_day"], 1);
    let dibao = r.body["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["key"] == "dibao")
        .expect("dibao group");
    assert_eq!(dibao["instant"]["instant"], 1);
}
both_backends!(roster_backed_instant_approval);

/// A newer import of the same kind and county replaces the older one as a whole: a
/// person only on the old roster is no longer found.
async fn a_newer_import_replaces_the_older(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let (resident, _, id) = app.new_resident("张低保").await;
    let other = crate::helpers::id_number();
    let r = import(
        &app,
        &admin,
        "dibao",
        dibao_csv(&[("张低保", &id)]).into_bytes(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = import(
        &app,
        &admin,
        "dibao",
        dibao_csv(&[("某某", &other)]).into_bytes(),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let list = app.get("/api/v1/admin/rosters", Some(&admin)).await;
    let rows = list.body.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows[0]["replaced_at"].is_null());
    assert!(!rows[1]["replaced_at"].is_null());
    let r = dibao_draft(&app, &resident, json!({"purpose": "办理子女学费减免"})).await;
    assert_eq!(r.status, 422, "the old roster no longer fills: {}", r.body);
    // Only admins import.
    let sup = app.login_staff("supervisor", COUNTY).await;
    let r = import(
        &app,
        &sup,
        "dibao",
        dibao_csv(&[("张低保", &id)]).into_bytes(),
    )
    .await;
    assert_eq!(r.status, 403);
}
both_backends!(a_newer_import_replaces_the_older);

/// A roster-confirmed case whose certificate cannot be drawn (here the village's name,
/// as imported, holds a character no font has) is not refused at submit: it stays
/// submitted for the office, with no certificate and no number used.
async fn an_instant_case_that_cannot_be_printed_goes_to_review(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let (listed, _, listed_id) = app.new_resident("张低保").await;
    let csv = dibao_csv(&[("张低保", &listed_id)]);
    let r = import(&app, &admin, "dibao", csv.into_bytes()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    {
        use diesel::prelude::*;
        use zhengming::db::schema::jurisdictions::dsl as j;
        app.with_db(|c| {
            diesel::update(j::jurisdictions.find(accounts::VILLAGE))
                .set(j::name.eq("大山\u{E0A1}村"))
                .execute(c)
                .unwrap()
        })
        .await;
    }
    let r = dibao_draft(&app, &listed, json!({"purpose": "办理子女学费减免"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.body;
    upload(&app, &listed, &case, "id_card").await;
    let done = app.act_ok(&listed, &case, "submit", None).await;
    assert_eq!(done["status"], "submitted", "{done}");
    let id = done["id"].as_str().unwrap().to_owned();
    assert_eq!(app.certificate_rows(&id).await, 0);
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let d = app.detail(&village, &done).await;
    assert!(
        d["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor_role"] != "system" || e["action"] != "approve"),
        "no system approval survives: {d}"
    );
}
both_backends!(an_instant_case_that_cannot_be_printed_goes_to_review);

/// The roster confirms the facts, not consent: a case for a listed parent made on a
/// signed authorisation photo is not approved by the system; the village office checks
/// the photo first.
async fn an_authorisation_photo_is_checked_by_a_person_even_when_the_roster_confirms(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let (child, _, _) = app.new_resident("王小").await;
    let parent_id = crate::helpers::id_number();
    let csv = dibao_csv(&[("王老汉", &parent_id)]);
    let r = import(&app, &admin, "dibao", csv.into_bytes()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app
        .post(
            "/api/v1/applications",
            Some(&child),
            json!({
                "type": "dibao",
                "jurisdiction": accounts::VILLAGE,
                "subject": {"name": "王老汉", "id_number": parent_id, "relationship": "parent"},
                "form": {"purpose": "办理医疗救助"},
                "delivery": {"method": "pickup"},
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.body;
    upload(&app, &child, &case, "id_card").await;
    upload(&app, &child, &case, "authorisation").await;
    let done = app.act_ok(&child, &case, "submit", None).await;
    assert_eq!(done["status"], "submitted", "{done}");
    let id = done["id"].as_str().unwrap().to_owned();
    assert_eq!(app.certificate_rows(&id).await, 0);
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let d = app.detail(&village, &done).await;
    assert_eq!(d["roster_check"]["outcome"], "confirmed", "{d}");
}
both_backends!(an_authorisation_photo_is_checked_by_a_person_even_when_the_roster_confirms);

/// A county that keeps no 低保 roster: its cases are reviewed as before, and the
/// official's view carries no roster check (not one "no roster" line on every case).
async fn no_roster_in_the_county_means_no_check_on_the_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let (resident, _, _) = app.new_resident("王未列").await;
    let r = dibao_draft(&app, &resident, dibao_form_full()).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let case = r.body;
    upload(&app, &resident, &case, "id_card").await;
    upload(&app, &resident, &case, "household_register").await;
    let case = app.detail(&resident, &case).await;
    let sub = app.act_ok(&resident, &case, "submit", None).await;
    assert_eq!(sub["status"], "submitted");
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let d = app.detail(&village, &sub).await;
    assert!(d["roster_check"].is_null(), "{}", d["roster_check"]);
    let page = app
        .client
        .get(app.url(&format!("/office/{}", sub["id"].as_str().unwrap())))
        .bearer_auth(&village)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains(sub["number"].as_str().unwrap()),
        "the case page"
    );
    assert!(!html.contains("id=\"roster-check\""));
}
both_backends!(no_roster_in_the_county_means_no_check_on_the_case);
