//! Catalogue versions (issue 15): an admin's edit of a certificate type is a new
//! version; cases submitted before keep theirs (form, limits, certificate text), new
//! ones get the new one. Edits that fail the catalogue check, or drop a field cases use,
//! are refused naming the problem; a county can switch a type off for its residents.

use serde_json::{json, Value};

use crate::both_backends;
use crate::helpers::{accounts, residence_form, spawn_app, Backend, TestApp};

/// Marker added to the body template by the edit (no space: the PDF's text may wrap).
const MARKER: &str = "经新版目录核实";

async fn current(app: &TestApp, admin: &str) -> Value {
    let r = app
        .get("/api/v1/admin/catalogue/residence", Some(admin))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

async fn certificate_text(app: &TestApp, token: &str, case: &Value) -> String {
    let id = case["id"].as_str().unwrap();
    let r = reqwest::Client::new()
        .get(app.url(&format!("/api/v1/applications/{id}/certificate.pdf")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let text = crate::pdf_support::pdftotext(&r.bytes().await.unwrap());
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

async fn finish(app: &TestApp, case: &Value) -> Value {
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let township = app.login_staff("official", accounts::TOWNSHIP).await;
    let case = app.act_ok(&village, case, "accept", None).await;
    let case = app.act_ok(&village, &case, "approve", None).await;
    app.act_ok(&township, &case, "approve", None).await
}

async fn an_edit_changes_new_cases_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let (resident, _, _) = app.new_resident("王小明").await;
    let old = app.submitted(&resident, "pickup").await;
    let before = current(&app, &admin).await;
    assert_eq!(before["version"], 1);

    // Two more promised days, a new optional field, a sentence more in the body.
    let mut spec = before["spec"].clone();
    let promised = spec["promised_days"].as_u64().unwrap();
    spec["promised_days"] = json!(promised + 5);
    spec["body_template"] = json!(format!(
        "{}{MARKER}。",
        spec["body_template"].as_str().unwrap()
    ));
    spec["fields"].as_array_mut().unwrap().push(json!({
        "name": "household_number", "label_zh": "户号", "label_en": "Household number",
        "kind": "text", "required": false
    }));
    let r = app
        .post(
            "/api/v1/admin/catalogue/residence",
            Some(&admin),
            json!({"spec": spec, "note": "承诺时限延长，增加户号"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    let after = current(&app, &admin).await;
    assert_eq!(after["version"], 2);
    assert_eq!(after["versions"].as_array().unwrap().len(), 2);
    assert_eq!(after["versions"][0]["note"], "承诺时限延长，增加户号");
    // The public catalogue (guide, new drafts) shows the new version.
    let types = app.get("/api/v1/certificate-types", None).await;
    let residence = types.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "residence")
        .unwrap()
        .clone();
    assert_eq!(residence["promised_days"], promised + 5);

    // A case submitted now gets the new limit, and its form takes the new field.
    let new = app.draft(&resident, "pickup").await;
    let id = new["id"].as_str().unwrap();
    let mut form = residence_form();
    form["household_number"] = json!("0012");
    let r = app
        .patch(
            &format!("/api/v1/applications/{id}"),
            Some(&resident),
            json!({"form": form, "version": new["version"]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let new = app.act_ok(&resident, &r.body, "submit", None).await;
    let old_detail = app.detail(&resident, &old).await;
    let new_detail = app.detail(&resident, &new).await;
    let deadline = |d: &Value| d["overall_deadline"].as_str().unwrap().to_owned();
    assert!(
        deadline(&new_detail) > deadline(&old_detail),
        "the new case has the longer promised limit: {} vs {}",
        deadline(&new_detail),
        deadline(&old_detail)
    );

    // The old case is still checked and printed under version 1.
    let old = finish(&app, &app.detail(&resident, &old).await).await;
    let new = finish(&app, &new).await;
    let old_text = certificate_text(&app, &resident, &old).await;
    let new_text = certificate_text(&app, &resident, &new).await;
    assert!(!old_text.contains(MARKER), "{old_text}");
    assert!(new_text.contains(MARKER), "{new_text}");

    // The change is in the audit log.
    let log = app.get("/api/v1/admin/audit?limit=200", Some(&admin)).await;
    assert!(
        log.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "catalogue_version"),
        "{}",
        log.body
    );
}
both_backends!(an_edit_changes_new_cases_only);

async fn bad_edits_are_refused_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let (resident, _, _) = app.new_resident("李四").await;
    app.submitted(&resident, "pickup").await;
    let before = current(&app, &admin).await;
    let post = |spec: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.post(
                "/api/v1/admin/catalogue/residence",
                Some(&admin),
                json!({"spec": spec, "note": ""}),
            )
            .await
        }
    };

    // A placeholder without a field: refused, the placeholder named.
    let mut spec = before["spec"].clone();
    spec["body_template"] = json!("兹证明{subject_name}自{moved_in}起居住。");
    let r = post(spec).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.field_error("spec").contains("{moved_in}"), "{}", r.body);

    // Dropping a field the submitted case has a value for: refused, the field named.
    let mut spec = before["spec"].clone();
    spec["fields"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["name"] != "living_since");
    spec["body_template"] = json!("兹证明{subject_name}居住于{address}。");
    let r = post(spec).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.field_error("spec.fields").contains("living_since"),
        "{}",
        r.body
    );

    // A statutory limit without the article that sets it.
    let mut spec = before["spec"].clone();
    spec["statutory_days"] = json!(20);
    let r = post(spec).await;
    assert_eq!(r.status, 422, "{}", r.body);

    // Nothing changed.
    let r = post(before["spec"].clone()).await;
    assert_eq!(r.status, 422, "{}", r.body);

    let after = current(&app, &admin).await;
    assert_eq!(after["version"], 1);
    assert_eq!(after["spec"], before["spec"]);

    // Not an admin: no edit.
    let r = app
        .post(
            "/api/v1/admin/catalogue/residence",
            Some(&resident),
            json!({"spec": before["spec"], "note": ""}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
}
both_backends!(bad_edits_are_refused_and_change_nothing);

async fn a_type_off_in_a_county_cannot_be_started_there(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let r = app
        .post(
            "/api/v1/admin/catalogue/residence/counties",
            Some(&admin),
            json!({"county": "222403", "enabled": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["off_counties"], json!(["222403"]));

    let (resident, _, _) = app.new_resident("赵六").await;
    let draft_in = |village: &'static str| {
        let app = &app;
        let resident = resident.clone();
        async move {
            app.create_application(
                &resident,
                json!({"type": "residence", "jurisdiction": village,
                       "form": residence_form(), "delivery": {"method": "pickup"}}),
            )
            .await
        }
    };
    let r = draft_in(accounts::VILLAGE).await;
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.field_error("type").contains("本县"), "{}", r.body);
    let r = draft_in(accounts::OTHER_TOWNSHIP_VILLAGE).await;
    assert_eq!(r.status, 201, "another county still offers it: {}", r.body);

    // Back on: the county's residents can start it again.
    let r = app
        .post(
            "/api/v1/admin/catalogue/residence/counties",
            Some(&admin),
            json!({"county": "222403", "enabled": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["off_counties"], json!([]));
    let r = draft_in(accounts::VILLAGE).await;
    assert_eq!(r.status, 201, "{}", r.body);

    // An unknown county is named.
    let r = app
        .post(
            "/api/v1/admin/catalogue/residence/counties",
            Some(&admin),
            json!({"county": "999999", "enabled": false}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
}
both_backends!(a_type_off_in_a_county_cannot_be_started_there);

async fn the_seed_at_start_keeps_admin_versions(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let mut spec = current(&app, &admin).await["spec"].clone();
    spec["validity_days"] = json!(60);
    let r = app
        .post(
            "/api/v1/admin/catalogue/residence",
            Some(&admin),
            json!({"spec": spec, "note": "有效期60天"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // What every start does: seed the catalogue again.
    app.with_writer(|c| {
        zhengming::db::catalog::seed_types(c, &zhengming::domain::cert_type::seed_types()).unwrap()
    })
    .await;
    let after = current(&app, &admin).await;
    assert_eq!(after["version"], 2);
    assert_eq!(after["spec"]["validity_days"], 60);
}
both_backends!(the_seed_at_start_keeps_admin_versions);

async fn the_catalogue_page_edits_a_limit(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.admin_token().await;
    let page = app
        .client
        .get(app.url("/admin/catalogue/residence"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.unwrap().contains("版本记录"));

    let spec = current(&app, &admin).await["spec"].clone();
    let promised = spec["promised_days"].as_u64().unwrap();
    let send = |promised: String, body: String| {
        let app = &app;
        let admin = admin.clone();
        let spec = spec.clone();
        async move {
            let token = "t".repeat(43);
            let mut form: Vec<(String, String)> = vec![
                ("_csrf".into(), token.clone()),
                ("promised_days".into(), promised),
                ("validity_days".into(), spec["validity_days"].to_string()),
                ("statutory_days".into(), String::new()),
                ("statutory_source".into(), String::new()),
                ("body_template".into(), body),
                ("spec".into(), spec.to_string()),
                ("note".into(), "页面修改承诺时限".into()),
            ];
            for s in spec["steps"].as_array().unwrap() {
                form.push(("step_days".into(), s["time_limit_days"].to_string()));
            }
            app.client
                .post(app.url("/admin/catalogue/residence"))
                .bearer_auth(&admin)
                .header("cookie", format!("zm_csrf={token}"))
                .form(&form)
                .send()
                .await
                .unwrap()
        }
    };
    // A placeholder without a field: the page says which, nothing is saved.
    let r = send(
        promised.to_string(),
        "兹证明{subject_name}{moved_in}。".into(),
    )
    .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("{moved_in}"));
    assert_eq!(current(&app, &admin).await["version"], 1);

    let body = spec["body_template"].as_str().unwrap().to_owned();
    let r = send((promised + 1).to_string(), body).await;
    // Saved: back to the type's page (the client follows the 303).
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.url().path(), "/admin/catalogue/residence");
    let after = current(&app, &admin).await;
    assert_eq!(after["version"], 2);
    assert_eq!(after["spec"]["promised_days"], promised + 1);
    assert_eq!(after["versions"][0]["note"], "页面修改承诺时限");
}
both_backends!(the_catalogue_page_edits_a_limit);

/// The catalogue is shared by every county: a county admin may switch a type off for
/// the county, but not change the type itself (a new version would apply everywhere).
async fn a_county_admin_switches_types_but_does_not_edit_the_catalogue(backend: Backend) {
    let app = spawn_app(backend).await;
    let province = app.admin_token().await;
    let county = app.add_staff("admin", "222403", "敦化市管理员").await;
    let before = current(&app, &county).await;
    let mut spec = before["spec"].clone();
    spec["promised_days"] = json!(spec["promised_days"].as_u64().unwrap() + 1);
    let r = app
        .post(
            "/api/v1/admin/catalogue/residence",
            Some(&county),
            json!({"spec": spec, "note": "县里改的"}),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("县级管理员不能修改"),
        "{}",
        r.body
    );
    assert_eq!(current(&app, &province).await["version"], before["version"]);
    // The page shows no edit form to them, only the county switch.
    let page = app
        .client
        .get(app.url("/admin/catalogue/residence"))
        .bearer_auth(&county)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"catalogue-shared\""), "{page}");
    assert!(!page.contains("id=\"catalogue-save\""));
    assert!(page.contains("id=\"catalogue-counties\""));
    let r = app
        .post(
            "/api/v1/admin/catalogue/residence/counties",
            Some(&county),
            json!({"county": "222403", "enabled": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The province admin still edits.
    let r = app
        .post(
            "/api/v1/admin/catalogue/residence",
            Some(&province),
            json!({"spec": spec, "note": "全省统一调整"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}
both_backends!(a_county_admin_switches_types_but_does_not_edit_the_catalogue);
