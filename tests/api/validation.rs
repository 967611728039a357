//! Bad input is answered with a precise, bilingual error and never a 500 (docs/architecture.md §8).

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{json, Value};
use zhengming::domain::id_number::mod11_2_check;

use crate::both_backends;
use crate::helpers::{
    accounts, id_number, id_number_ending_in_x, phone, residence_form, spawn_app, Backend, TestApp,
};

/// A registration with this body part wrong is a 422 on `field`, and creates nothing.
async fn assert_registration_refused(app: &TestApp, phone: &str, id: &str, field: &str) {
    let r = app.register(phone, "secret-pass-1", id).await;
    r.field_error(field);
    assert_ne!(
        app.try_login(phone, "secret-pass-1").await.status,
        200,
        "no account was created for {phone}"
    );
}

/// An ID number with a valid check character for this 17-digit body.
fn with_check(body: &str) -> String {
    format!("{body}{}", mod11_2_check(body).unwrap())
}

async fn registration_refuses_invalid_id_numbers(backend: Backend) {
    let app = spawn_app(backend).await;
    let good = id_number();
    let last = good.chars().last().unwrap();
    let wrong_check = format!("{}{}", &good[..17], if last == '0' { '1' } else { '0' });
    for (id, hint) in [
        (wrong_check, "校验位"),
        (with_check("22240319990231123"), "出生日期"),
        (good[..17].to_owned(), "18位"),
        ("22240319900101AB12".to_owned(), "格式"),
        ("身份证号码".to_owned(), "18位"),
    ] {
        let phone = phone();
        let r = app.register(&phone, "secret-pass-1", &id).await;
        let zh = r.field_error("id_number");
        assert!(zh.contains(hint), "{id}: {zh}");
        assert_eq!(r.field_names(), ["id_number"], "only the ID is wrong");
        assert_ne!(app.try_login(&phone, "secret-pass-1").await.status, 200);
    }
}
both_backends!(registration_refuses_invalid_id_numbers);

async fn registration_refuses_invalid_phones(backend: Backend) {
    let app = spawn_app(backend).await;
    for bad in [
        "1371234567",
        "12012345678",
        "137abcd5678",
        "137123456789",
        "",
    ] {
        assert_registration_refused(&app, bad, &id_number(), "phone").await;
    }
}
both_backends!(registration_refuses_invalid_phones);

/// A second registration of a phone fails like any bad code (the phone was never sent
/// a registration code), so the answer does not tell that the phone is registered
/// (accounts.rs checks that the SMS tells its owner).
async fn registration_refuses_a_duplicate_phone(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, phone, _) = app.new_resident("周一").await;
    let r = app.register(&phone, "another-pass-2", &id_number()).await;
    assert_eq!(r.field_names(), ["code"], "{}", r.body);
    r.field_error("code");
    // The first account keeps its password.
    assert_eq!(app.try_login(&phone, "secret-pass-1").await.status, 200);
    assert_ne!(app.try_login(&phone, "another-pass-2").await.status, 200);
    // The same number typed differently is still the same phone.
    let spaced = format!("{} {} {}", &phone[..3], &phone[3..7], &phone[7..]);
    let r = app.register(&spaced, "another-pass-2", &id_number()).await;
    r.field_error("code");
    assert_ne!(app.try_login(&phone, "another-pass-2").await.status, 200);
}
both_backends!(registration_refuses_a_duplicate_phone);

async fn registration_refuses_a_short_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = phone();
    let r = app.register(&phone, "abc", &id_number()).await;
    r.field_error("password");
    assert_ne!(app.try_login(&phone, "abc").await.status, 200);
}
both_backends!(registration_refuses_a_short_password);

async fn registration_reports_every_wrong_field_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = app
        .post(
            "/api/v1/residents",
            None,
            json!({"phone": "123", "password": "x", "name": "", "id_number": "1"}),
        )
        .await;
    for f in ["phone", "password", "name", "id_number"] {
        r.field_error(f);
    }
}
both_backends!(registration_reports_every_wrong_field_at_once);

async fn a_lowercase_x_in_the_id_number_is_accepted(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = id_number_ending_in_x();
    let phone = phone();
    let r = app
        .register(&phone, "secret-pass-1", &id.to_lowercase())
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let token = app.login(&phone, "secret-pass-1").await;
    let draft = app.draft(&token, "pickup").await;
    assert_eq!(draft["subject_id_number"], id, "stored with an uppercase X");
}
both_backends!(a_lowercase_x_in_the_id_number_is_accepted);

async fn a_body_that_is_not_json_is_a_bad_request(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, _, _) = app.new_resident("周二").await;
    for (path, tok) in [
        ("/api/v1/residents", None),
        ("/api/v1/session", None),
        ("/api/v1/applications", Some(token.as_str())),
    ] {
        let r = app
            .send_raw(
                Method::POST,
                path,
                tok,
                "application/json",
                "{\"phone\": 138",
            )
            .await;
        r.error(400, "bad_request");
    }
}
both_backends!(a_body_that_is_not_json_is_a_bad_request);

async fn a_body_of_another_content_type_is_unsupported(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = phone();
    let body = json!({"phone": phone, "password": "secret-pass-1", "name": "周三", "id_number": id_number()})
        .to_string();
    for ct in ["text/plain", "application/x-www-form-urlencoded"] {
        let r = app
            .send_raw(Method::POST, "/api/v1/residents", None, ct, &body)
            .await;
        r.error(415, "unsupported_media_type");
    }
    assert_ne!(app.try_login(&phone, "secret-pass-1").await.status, 200);
}
both_backends!(a_body_of_another_content_type_is_unsupported);

/// A valid create-application body to break one part of.
fn application_body() -> Value {
    json!({
        "type": "residence",
        "jurisdiction": accounts::VILLAGE,
        "form": residence_form(),
        "delivery": {"method": "courier", "recipient": "周四", "phone": "13912345678",
                     "address": "敦化市雁鸣湖镇大山村三组12号"},
    })
}

/// Creating with `body` is a 422 on `field` and no application appears.
async fn assert_create_refused(app: &TestApp, token: &str, body: Value, field: &str) -> String {
    let r = app.create_application(token, body).await;
    let zh = r.field_error(field);
    assert!(
        app.listed_ids(token).await.is_empty(),
        "nothing created for {field}"
    );
    zh
}

async fn an_unknown_certificate_type_is_a_field_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, _, _) = app.new_resident("周四").await;
    let mut body = application_body();
    body["type"] = json!("unicorn_licence");
    assert_create_refused(&app, &token, body, "type").await;
    let mut body = application_body();
    body.as_object_mut().unwrap().remove("type");
    assert_create_refused(&app, &token, body, "type").await;
}
both_backends!(an_unknown_certificate_type_is_a_field_error);

async fn an_unknown_village_is_a_field_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, _, _) = app.new_resident("周五").await;
    // Well-formed but not in the table; a township instead of a village; nonsense.
    for code in ["222403108299", accounts::TOWNSHIP, "abc", ""] {
        let mut body = application_body();
        body["jurisdiction"] = json!(code);
        assert_create_refused(&app, &token, body, "jurisdiction").await;
    }
}
both_backends!(an_unknown_village_is_a_field_error);

async fn a_missing_form_field_is_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, _, _) = app.new_resident("周六").await;
    let mut body = application_body();
    body["form"].as_object_mut().unwrap().remove("purpose");
    let zh = assert_create_refused(&app, &token, body, "form.purpose").await;
    assert!(zh.contains("用途"), "{zh}");
    let mut body = application_body();
    body["form"]["living_since"] = json!("");
    assert_create_refused(&app, &token, body, "form.living_since").await;
}
both_backends!(a_missing_form_field_is_named);

async fn a_non_number_in_an_integer_field_is_a_field_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, _, _) = app.new_resident("周七").await;
    let farming = |years: Value| {
        let mut body = application_body();
        body["type"] = json!("farming");
        body["form"] = json!({"farming_years": years, "land_area": 12.5, "crops": "玉米、大豆",
                              "purpose": "申请农业补贴"});
        body
    };
    for years in [json!("很多年"), json!(3.5), json!(true), json!([1])] {
        let r = app.create_application(&token, farming(years.clone())).await;
        assert!(
            r.field_error("form.farming_years").contains("整数"),
            "{years}"
        );
        assert_eq!(r.field_names(), ["form.farming_years"]);
    }
    assert!(app.listed_ids(&token).await.is_empty());
    // The same form with a whole number is fine (also written as a string).
    for years in [json!(12), json!("12")] {
        let r = app.create_application(&token, farming(years)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["form"]["farming_years"], 12);
    }
}
both_backends!(a_non_number_in_an_integer_field_is_a_field_error);

async fn courier_delivery_needs_an_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, _, _) = app.new_resident("吴一").await;
    let mut body = application_body();
    body["delivery"].as_object_mut().unwrap().remove("address");
    assert_create_refused(&app, &token, body, "delivery.address").await;
    let mut body = application_body();
    body["delivery"]["address"] = json!("   ");
    assert_create_refused(&app, &token, body, "delivery.address").await;
    let mut body = application_body();
    body["delivery"]["phone"] = json!("12345");
    assert_create_refused(&app, &token, body, "delivery.phone").await;
    let mut body = application_body();
    body["delivery"] = json!({"method": "drone"});
    assert_create_refused(&app, &token, body, "delivery.method").await;
}
both_backends!(courier_delivery_needs_an_address);

async fn an_unknown_route_is_a_json_404(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in ["/api/v1/unicorns", "/api/v2/applications"] {
        let r = app.get(path, None).await;
        r.error(404, "not_found");
    }
    // Outside the API a person gets the HTML page in the site's style.
    let r = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("<html"));
}
both_backends!(an_unknown_route_is_a_json_404);

async fn list_filters_are_validated(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, _, _) = app.new_resident("吴二").await;
    let r = app
        .get("/api/v1/applications?status=bogus", Some(&token))
        .await;
    assert!(r.field_error("status").contains("bogus"));
    let r = app
        .get("/api/v1/applications?status=draft,bogus", Some(&token))
        .await;
    r.field_error("status");
    // Not base64; base64 of "123" (no separator); base64 of "abc|id" (no time).
    for cursor in ["not-a-cursor!", "MTIz", "YWJjfGlk"] {
        let r = app
            .get(
                &format!("/api/v1/applications?cursor={cursor}"),
                Some(&token),
            )
            .await;
        r.field_error("cursor");
    }
}
both_backends!(list_filters_are_validated);

/// Follows `next_cursor` from `path` (which has a `limit`); returns the ids seen and
/// the page sizes.
async fn walk_pages(app: &TestApp, token: &str, path: &str) -> (Vec<String>, Vec<usize>) {
    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let url = match &cursor {
            Some(c) => format!("{path}&cursor={c}"),
            None => path.to_owned(),
        };
        let r = app.get(&url, Some(token)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let items = r.body["items"].as_array().unwrap();
        sizes.push(items.len());
        seen.extend(items.iter().map(|a| a["id"].as_str().unwrap().to_owned()));
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    (seen, sizes)
}

async fn keyset_pagination_walks_every_item_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, _, _) = app.new_resident("吴三").await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(
            app.draft(&token, "pickup").await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let (seen, sizes) = walk_pages(&app, &token, "/api/v1/applications?limit=2").await;
    assert_eq!(sizes, [2, 2, 1], "three pages");
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), 5, "no duplicates: {seen:?}");
    // Newest first, and exactly the five created.
    created.reverse();
    assert_eq!(seen, created);
}
both_backends!(keyset_pagination_walks_every_item_once);

async fn keyset_pagination_of_the_staff_queue_walks_every_item_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let (token, _, _) = app.new_resident("吴四").await;
    let mut created = HashSet::new();
    for _ in 0..5 {
        let s = app.submitted(&token, "pickup").await;
        created.insert(s["id"].as_str().unwrap().to_owned());
    }
    let village = app.login_staff("official", accounts::VILLAGE).await;
    let (seen, sizes) = walk_pages(&app, &village, "/api/v1/applications?limit=2").await;
    assert_eq!(sizes, [2, 2, 1], "three pages");
    assert_eq!(seen.len(), 5, "no duplicates: {seen:?}");
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), created);
}
both_backends!(keyset_pagination_of_the_staff_queue_walks_every_item_once);

async fn the_dispatch_list_status_filter_is_validated(backend: Backend) {
    let app = spawn_app(backend).await;
    let courier = app.login_staff("courier", accounts::TOWNSHIP).await;
    let r = app
        .get("/api/v1/dispatches?status=lost", Some(&courier))
        .await;
    assert!(r.field_error("status").contains("lost"));
    let r = app
        .get("/api/v1/dispatches?status=created,returned", Some(&courier))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}
both_backends!(the_dispatch_list_status_filter_is_validated);
