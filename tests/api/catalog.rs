//! The catalogue in both languages: the service guide page and the API's list of types
//! carry the English texts of each type (legal basis, who may apply, delivery, the
//! documents' descriptions, the fields' hints).

use serde_json::Value;

use crate::both_backends;
use crate::helpers::{has_cjk, page_text, spawn_app, Backend, TestApp};

async fn page(app: &TestApp, path: &str, header: (&str, &str)) -> String {
    let resp = app
        .client
        .get(app.url(path))
        .header(header.0, header.1)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{path}");
    resp.text().await.unwrap()
}

fn residence(types: &Value) -> Value {
    types["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "residence")
        .cloned()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn english_guide_has_the_english_texts_and_no_chinese() {
    let app = spawn_app(Backend::Sqlite).await;
    let t = residence(&app.get("/api/v1/certificate-types", None).await.body);
    let legal_en = t["legal_basis_en"].as_str().unwrap();
    assert!(
        legal_en.contains("Interim Regulation on Residence Permits (State Council Decree No. 663)")
    );
    // By the Accept-Language header and by the language cookie.
    for header in [
        ("Accept-Language", "en-GB,en;q=0.9"),
        ("Cookie", "zm_lang=en"),
    ] {
        let html = page(&app, "/guide/residence", header).await;
        assert!(html.contains("<html lang=\"en\""), "{header:?}");
        for text in [
            legal_en,
            t["who_may_apply_en"].as_str().unwrap(),
            t["delivery_note_en"].as_str().unwrap(),
            t["documents"][1]["description_en"].as_str().unwrap(),
        ] {
            // minijinja escapes the apostrophe of "People's".
            let escaped = text.replace('\'', "&#x27;");
            assert!(html.contains(&escaped), "{header:?}: {text}");
        }
        // The only Chinese on the page is the switch to Chinese, written in Chinese.
        let text = page_text(&html).replacen("中文", "", 1);
        let chinese: String = text
            .lines()
            .filter(|l| has_cjk(l))
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            chinese.is_empty(),
            "{header:?}: Chinese on the English guide:\n{chinese}"
        );
    }
    // The Chinese guide keeps the Chinese texts.
    let html = page(&app, "/guide/residence", ("Accept-Language", "zh-CN")).await;
    assert!(html.contains(t["legal_basis"].as_str().unwrap()));
    assert!(html.contains(t["delivery_note_zh"].as_str().unwrap()));
    assert!(!html.contains("Interim Regulation on Residence Permits"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_api_lists_the_english_texts_of_every_type() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.get("/api/v1/certificate-types", None).await;
    assert_eq!(r.status, 200);
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 11);
    for t in items {
        let code = &t["code"];
        for key in ["legal_basis_en", "who_may_apply_en", "delivery_note_en"] {
            let text = t[key].as_str().unwrap_or_default();
            assert!(!text.is_empty() && !has_cjk(text), "{code}: {key}");
        }
        // The Chinese ones keep their names.
        for key in ["legal_basis", "who_may_apply_zh", "delivery_note_zh"] {
            assert!(t[key].as_str().is_some_and(has_cjk), "{code}: {key}");
        }
        for d in t["documents"].as_array().unwrap() {
            let text = d["description_en"].as_str().unwrap_or_default();
            assert!(!text.is_empty() && !has_cjk(text), "{code}: {}", d["kind"]);
        }
        for f in t["fields"].as_array().unwrap() {
            assert_eq!(
                f["help_zh"].is_string(),
                f["help_en"].is_string(),
                "{code}: {}",
                f["name"]
            );
        }
    }
}

/// A catalogue stored by a version without the English texts gets them from the seed at
/// the next start, instead of its types no longer parsing.
async fn catalog_stored_without_english_texts_is_backfilled(backend: Backend) {
    use diesel::prelude::*;
    use zhengming::db::schema::certificate_types::dsl as ct;
    let app = spawn_app(backend).await;
    let strip = |spec: &str| {
        let mut v: Value = serde_json::from_str(spec).unwrap();
        for key in ["legal_basis_en", "who_may_apply_en", "delivery_note_en"] {
            v.as_object_mut().unwrap().remove(key);
        }
        for d in v["documents"].as_array_mut().unwrap() {
            d.as_object_mut().unwrap().remove("description_en");
        }
        for f in v["fields"].as_array_mut().unwrap() {
            f.as_object_mut().unwrap().remove("help_en");
        }
        v.to_string()
    };
    let added = app
        .app_db
        .write(move |c| {
            let rows: Vec<(String, String)> =
                ct::certificate_types.select((ct::code, ct::spec)).load(c)?;
            for (code, spec) in rows {
                diesel::update(ct::certificate_types.find(code))
                    .set(ct::spec.eq(strip(&spec)))
                    .execute(c)?;
            }
            zhengming::db::catalog::seed_types(c, &zhengming::domain::cert_type::seed_types())
                .map_err(zhengming::db::DbError::from)
        })
        .await
        .unwrap();
    assert_eq!(added, 0, "no type is added twice");
    let r = app.get("/api/v1/certificate-types", None).await;
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 11, "every stored type parses again");
    let seed = zhengming::domain::cert_type::seed_types();
    for (t, s) in items.iter().zip(&seed) {
        assert_eq!(t, &serde_json::to_value(s).unwrap(), "{}", s.code);
    }
}
both_backends!(catalog_stored_without_english_texts_is_backfilled);
