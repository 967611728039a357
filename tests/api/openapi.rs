//! The published API description (docs/architecture.md §8): OpenAPI 3.1 at `/api/openapi.json`,
//! a browsable page at `/api/docs`, and the health check. The document is compared
//! with a committed snapshot so any change to the contract shows up in review.
//!
//! Refresh the snapshot after an intended change:
//! `UPDATE_SNAPSHOTS=1 cargo test --test api openapi`

use std::path::PathBuf;

use serde_json::Value;

use crate::helpers::{spawn_app, Backend};

/// The operations of the API (docs/architecture.md §8) that the server implements (src/routes/documented.rs).
const OPERATIONS: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("post", "/api/v1/session"),
    ("delete", "/api/v1/session"),
    ("post", "/api/v1/residents"),
    ("get", "/api/v1/certificate-types"),
    ("get", "/api/v1/jurisdictions"),
    ("post", "/api/v1/applications"),
    ("get", "/api/v1/applications"),
    ("get", "/api/v1/applications/{id}"),
    ("patch", "/api/v1/applications/{id}"),
    ("post", "/api/v1/applications/{id}/actions"),
    ("get", "/api/v1/applications/{id}/certificate.pdf"),
    ("get", "/api/v1/dispatches"),
    ("post", "/api/v1/dispatches/{id}/events"),
];

fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/openapi.json")
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap() + "\n"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_is_3_1_with_every_route() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.get("/api/openapi.json", None).await;
    assert_eq!(r.status, 200);
    let doc = &r.body;
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1"), "OpenAPI 3.1, got {version}");
    let paths = doc["paths"].as_object().expect("paths");
    let missing: Vec<String> = OPERATIONS
        .iter()
        .filter(|(method, path)| paths.get(*path).and_then(|p| p.get(*method)).is_none())
        .map(|(m, p)| format!("{} {p}", m.to_uppercase()))
        .collect();
    assert!(missing.is_empty(), "undocumented operations: {missing:?}");
    assert!(
        doc["components"]["securitySchemes"]["bearer"].is_object(),
        "bearer auth is described"
    );
    assert!(
        doc["components"]["schemas"]["ErrorBody"].is_object(),
        "the error body is described"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_document_matches_the_snapshot() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.get("/api/openapi.json", None).await;
    assert_eq!(r.status, 200);
    let path = snapshot_path();
    if std::env::var("UPDATE_SNAPSHOTS").as_deref() == Ok("1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, pretty(&r.body)).unwrap();
        return;
    }
    let Ok(text) = std::fs::read_to_string(&path) else {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, pretty(&r.body)).unwrap();
        panic!(
            "the snapshot {} did not exist: it has been created now; review and commit it",
            path.display()
        );
    };
    let expected: Value = serde_json::from_str(&text).expect("snapshot is JSON");
    assert!(
        r.body == expected,
        "GET /api/openapi.json differs from {}. If the API change is intended, run \
         `UPDATE_SNAPSHOTS=1 cargo test --test api openapi` and commit the snapshot.\n\
         --- snapshot\n+++ served\n{}",
        path.display(),
        diff(&expected, &r.body)
    );
}

/// A short line diff of the two pretty-printed documents (first differences only).
fn diff(expected: &Value, actual: &Value) -> String {
    let (e, a) = (pretty(expected), pretty(actual));
    let (e, a): (Vec<&str>, Vec<&str>) = (e.lines().collect(), a.lines().collect());
    let mut out = Vec::new();
    for i in 0..e.len().max(a.len()) {
        let (x, y) = (e.get(i), a.get(i));
        if x != y {
            out.push(format!(
                "line {}:\n- {}\n+ {}",
                i + 1,
                x.unwrap_or(&""),
                y.unwrap_or(&"")
            ));
        }
        if out.len() >= 10 {
            break;
        }
    }
    out.join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_docs_page_lists_the_paths() {
    let app = spawn_app(Backend::Sqlite).await;
    let resp = app.client.get(app.url("/api/docs")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/html"), "{ct}");
    let html = resp.text().await.unwrap();
    assert!(html.contains("/api/openapi.json"), "links the document");
    for (_, path) in OPERATIONS {
        assert!(html.contains(path), "the page lists {path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_says_ok() {
    let app = spawn_app(Backend::Sqlite).await;
    let r = app.get("/healthz", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["status"], "ok");
}
